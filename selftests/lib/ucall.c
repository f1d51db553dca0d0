// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/lib/ucall.c - both halves of the ucall (see ucall.h): the
 * guest's port write, and the host's decoding of the resulting exit.
 */
#include "kvm_util.h"
#include "ucall.h"

/* --- guest side: no libc, no globals that the host initialised --- */

void ucall(u64 cmd, u64 a0, u64 a1, u64 a2, u64 a3)
{
	struct ucall uc;

	uc.cmd = cmd;
	uc.args[0] = a0;
	uc.args[1] = a1;
	uc.args[2] = a2;
	uc.args[3] = a3;
	uc.expr = 0;
	uc.file = 0;
	uc.line = 0;
	asm volatile("outl %%eax, %%dx"
		     : : "a"((u32)(u64)&uc), "D"(&uc), "d"(UCALL_PORT)
		     : "memory");
}

void ucall_abort(const char *expr, const char *file, u64 line, u64 a, u64 b)
{
	struct ucall uc;

	uc.cmd = UCALL_ABORT;
	uc.args[0] = a;
	uc.args[1] = b;
	uc.args[2] = 0;
	uc.args[3] = 0;
	uc.expr = (u64)expr;
	uc.file = (u64)file;
	uc.line = line;
	for (;;)
		asm volatile("outl %%eax, %%dx"
			     : : "a"((u32)(u64)&uc), "D"(&uc), "d"(UCALL_PORT)
			     : "memory");
}

void guest_done_forever(void) __noreturn __used;
void guest_done_forever(void)
{
	for (;;)
		ucall(UCALL_DONE, 0, 0, 0, 0);
}

/*
 * Reached by guest_code's `ret`, not by a call: RSP is 16-byte aligned
 * here, where C expects it 8 off.  Realign and call, so that code using
 * aligned SSE stores on the stack (which GCC emits) works.
 */
asm(".pushsection .text\n"
	".globl guest_returned\n"
	"guest_returned:\n"
	"and $-16, %rsp\n"
	"call guest_done_forever\n"
	".popsection\n");

/* --- host side --- */

/* Copy a NUL-terminated string out of guest memory, bounded. */
static void guest_string(struct kvm_vcpu *vcpu, u64 gpa, char *buf,
			 size_t len)
{
	size_t i;

	if (!gpa) {
		snprintf(buf, len, "?");
		return;
	}
	for (i = 0; i + 1 < len; i++) {
		buf[i] = *(char *)addr_gpa2hva(vcpu->vm, gpa + i);
		if (!buf[i])
			return;
	}
	buf[i] = 0;
}

u64 get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	u32 gpa;

	if (run->exit_reason != KVM_EXIT_IO || run->io.port != UCALL_PORT ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 ||
	    run->io.count != 1)
		return UCALL_NONE;
	memcpy(&gpa, vcpu_io_data(vcpu), sizeof(gpa));
	vm_read(vcpu->vm, gpa, uc, sizeof(*uc));
	return uc->cmd;
}

u64 vcpu_run_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	char expr[128], file[128];

	vcpu_run(vcpu);
	switch (get_ucall(vcpu, uc)) {
	case UCALL_NONE:
		vcpu_dump_exit(vcpu);
		TEST_FAIL("expected a ucall, got %s",
			  exit_reason_str(vcpu->run->exit_reason));
	case UCALL_ABORT:
		guest_string(vcpu, uc->expr, expr, sizeof(expr));
		guest_string(vcpu, uc->file, file, sizeof(file));
		__test_fail(file, (int)uc->line, expr,
			    "guest assertion failed (values 0x%llx, 0x%llx)",
			    (unsigned long long)uc->args[0],
			    (unsigned long long)uc->args[1]);
	case UCALL_EXCEPTION:
		TEST_FAIL("guest exception %llu error 0x%llx at RIP 0x%llx RSP 0x%llx",
			  (unsigned long long)uc->args[0],
			  (unsigned long long)uc->args[1],
			  (unsigned long long)uc->args[2],
			  (unsigned long long)uc->args[3]);
	}
	return uc->cmd;
}

void vcpu_run_sync(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	u64 cmd = vcpu_run_ucall(vcpu, uc);

	TEST_ASSERT(cmd == UCALL_SYNC, "expected UCALL_SYNC, got %llu",
		    (unsigned long long)cmd);
}

void vcpu_run_done(struct kvm_vcpu *vcpu)
{
	struct ucall uc;
	u64 cmd = vcpu_run_ucall(vcpu, &uc);

	TEST_ASSERT(cmd == UCALL_DONE, "expected UCALL_DONE, got %llu (arg0 0x%llx)",
		    (unsigned long long)cmd, (unsigned long long)uc.args[0]);
}
