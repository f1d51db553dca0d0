// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/longmode.c - 64-bit guests running C code of this binary:
 * calls and recursion on the guest stack, the binary's constants and
 * globals, control registers and EFER as the guest sees them, ucalls
 * that carry values and resume, and INS/OUTS whose memory operand faults.
 */
#include "processor.h"

/* --- guest code: no libc --- */

static const u8 table[] = "lhv runs C code in a 64-bit guest";
static u64 guest_results[16];	/* written by the guest, read by the host */
static u64 host_input;	/* written by the host into the guest copy */

static noinline u64 fib(u64 n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* FNV-1a over the string constant: reads .rodata from the loaded image. */
static noinline u64 fnv1a(const u8 *p, u64 len)
{
	u64 h = 0xcbf29ce484222325ULL;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void guest_compute(void)
{
	u64 i;

	GUEST_SYNC2(fib(20), fnv1a(table, sizeof(table) - 1));
	for (i = 0; i < 16; i++)
		guest_results[i] = fib(i) * 3 + i;
	GUEST_SYNC(0x600d);
}

static void guest_args(u64 a, u64 b)
{
	GUEST_SYNC2(a + b, a ^ b);
}

static void guest_control_regs(void)
{
	u64 rsp;

	asm volatile("mov %%rsp, %0" : "=r"(rsp));
	GUEST_SYNC4(guest_read_cr0(), guest_read_cr3(), guest_read_cr4(), rsp);
}

static void guest_efer(void)
{
	GUEST_SYNC(guest_rdmsr(MSR_EFER));
}

/* Reads what the host put into its copy of host_input, each round. */
static void guest_mailbox(void)
{
	u64 round;

	for (round = 0; round < 4; round++)
		GUEST_SYNC2(round, *(volatile u64 *)&host_input * 2);
}

static void guest_assert_fails(u64 v)
{
	GUEST_ASSERT_EQ(v, 1);
}

/* --- host side --- */

static u64 host_fib(u64 n)
{
	return n < 2 ? n : host_fib(n - 1) + host_fib(n - 2);
}

static void c_code(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_compute, 0, 0);
	struct ucall uc;
	u64 i;

	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 6765);
	TEST_ASSERT_EQ(uc.args[1], fnv1a(table, sizeof(table) - 1));
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 0x600d);
	for (i = 0; i < 16; i++)
		TEST_ASSERT_EQ(guest_global(vm, guest_results)[i],
			       host_fib(i) * 3 + i);
	/* Returning from guest_code ends in UCALL_DONE. */
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void arguments(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_args,
					       0x1111222233334444ULL,
					       0x0f0f0f0f0f0f0f0fULL);
	struct ucall uc;

	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 0x1111222233334444ULL + 0x0f0f0f0f0f0f0f0fULL);
	TEST_ASSERT_EQ(uc.args[1], 0x1111222233334444ULL ^ 0x0f0f0f0f0f0f0f0fULL);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void control_regs(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_control_regs,
					       0, 0);
	struct ucall uc;

	vcpu_run_sync(vcpu, &uc);
	/* CR0.ET is hardwired to 1 on everything since the 486. */
	TEST_ASSERT_EQ(uc.args[0], LM_CR0);
	TEST_ASSERT_EQ(uc.args[1], LM_PML4_GPA);
	TEST_ASSERT_EQ(uc.args[2], LM_CR4);
	/* The stack is where the library put it. */
	TEST_ASSERT(uc.args[3] < vm_stack_top(vm) &&
		    uc.args[3] > vm_stack_top(vm) - LM_STACK_SIZE,
		    "guest RSP 0x%llx", (unsigned long long)uc.args[3]);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void efer(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_efer, 0, 0);
	struct ucall uc;

	vcpu_run_sync(vcpu, &uc);
	/* The guest never sees EFER.SVME, whatever the host needs. */
	TEST_ASSERT_EQ(uc.args[0], LM_EFER);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void host_writes_between_runs(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_mailbox, 0, 0);
	struct ucall uc;
	u64 round;

	for (round = 0; round < 4; round++) {
		guest_global(vm, host_input) = 0x1000 + round;
		vcpu_run_sync(vcpu, &uc);
		TEST_ASSERT_EQ(uc.args[0], round);
		TEST_ASSERT_EQ(uc.args[1], (0x1000 + round) * 2);
	}
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* The library's failure path: a failing GUEST_ASSERT is reported. */
static void guest_assert_reported(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_assert_fails,
					       7, 0);
	struct ucall uc;

	vcpu_run(vcpu);
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_ABORT);
	TEST_ASSERT_EQ(uc.args[0], 7);
	TEST_ASSERT_EQ(uc.args[1], 1);
	TEST_ASSERT(uc.line > 0, "no line in the abort");
	vm_free(vm);
}

/*
 * String I/O whose memory operand the guest cannot access: the exception
 * is delivered at the instruction, as on hardware (#PF with CR2 and the
 * error code; #GP(0) for a non-canonical address, #SS(0) through SS).  A hypervisor may do
 * the port read of an INS before it finds that out (KVM does): such an
 * exit is answered and the guest goes on.
 */
#define STRIO_PORT	0x80
#define UNMAPPED_GVA	0x40000000ULL	/* its 2 MiB PDE is cleared */
#define NONCANONICAL	0x0000800000000000ULL

static u64 strio_rip;

static void guest_ins(u64 dst)
{
	asm volatile("lea 1f(%%rip), %%rax\n\t"
		     "mov %%rax, strio_rip(%%rip)\n\t"
		     "1: insb"
		     : "+D"(dst) : "d"(STRIO_PORT) : "rax", "memory");
	GUEST_SYNC(0);
}

static void guest_outs(u64 src)
{
	asm volatile("lea 1f(%%rip), %%rax\n\t"
		     "mov %%rax, strio_rip(%%rip)\n\t"
		     "1: outsw"
		     : "+S"(src) : "d"(STRIO_PORT) : "rax", "memory");
	GUEST_SYNC(0);
}

/* The same through SS: a non-canonical stack reference is #SS(0). */
static void guest_outs_ss(u64 src)
{
	asm volatile("lea 1f(%%rip), %%rax\n\t"
		     "mov %%rax, strio_rip(%%rip)\n\t"
		     "1: .byte 0x36\n\t"	/* SS override */
		     "outsw"
		     : "+S"(src) : "d"(STRIO_PORT) : "rax", "memory");
	GUEST_SYNC(0);
}

static void strio_fault(void *guest, u64 addr, u64 vector, u64 error)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest, addr, 0);
	struct kvm_sregs sregs;
	struct kvm_run *run = vcpu->run;
	struct ucall uc;
	u64 *pde = addr_gpa2hva(vm, LM_PD_GPA + 8 * (UNMAPPED_GVA >> 21));
	int i;

	*pde = 0;
	for (i = 0; i < 4; i++) {
		vcpu_run(vcpu);
		if (run->exit_reason != KVM_EXIT_IO ||
		    run->io.port != STRIO_PORT)
			break;
		TEST_ASSERT_EQ(run->io.direction, KVM_EXIT_IO_IN);
	}
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_EXCEPTION);
	TEST_ASSERT_EQ(uc.args[0], vector);
	TEST_ASSERT_EQ(uc.args[1], error);
	TEST_ASSERT_EQ(uc.args[2], guest_global(vm, strio_rip));
	if (vector == 14) {
		vcpu_sregs_get(vcpu, &sregs);
		TEST_ASSERT_EQ(sregs.cr2, addr);
	}
	vm_free(vm);
}

static void string_io_faults(void)
{
	/* #PF error codes: not present, W for the INS store (SDM 4.7). */
	strio_fault(guest_ins, UNMAPPED_GVA + 0x123, 14, 2);
	strio_fault(guest_outs, UNMAPPED_GVA + 0x456, 14, 0);
	strio_fault(guest_ins, NONCANONICAL, 13, 0);
	strio_fault(guest_outs, NONCANONICAL | 0x10, 13, 0);
	strio_fault(guest_outs_ss, NONCANONICAL | 0x20, 12, 0);
}

static const struct test_case tests[] = {
	TEST_CASE(c_code),
	TEST_CASE(arguments),
	TEST_CASE(control_regs),
	TEST_CASE(efer),
	TEST_CASE(host_writes_between_runs),
	TEST_CASE(guest_assert_reported),
	TEST_CASE(string_io_faults),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
