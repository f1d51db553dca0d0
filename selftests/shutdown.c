// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/shutdown.c - triple faults end in KVM_EXIT_SHUTDOWN: an
 * exception with no usable IDT in long mode and in real mode, and a guest
 * whose page tables map nothing at all.  After one, KVM_RUN has a defined
 * result: with a state userspace sets again the guest runs normally, and
 * on AMD (SVM, whose VMCB is undefined after a shutdown) the vCPU is in
 * the INIT state and starts at the reset vector, as with kvm-amd.
 */
#include <stdlib.h>
#include <string.h>

#include "processor.h"

asm(".pushsection .text\n"
	".globl guest_ud2\n"
	"guest_ud2:\n"
	"ud2\n"
	"hlt\n"
	".globl guest_div0\n"
	"guest_div0:\n"
	"xor %ecx, %ecx\n"
	"mov $1, %eax\n"
	"div %ecx\n"
	"hlt\n"
	".popsection\n");
extern const u8 guest_ud2[], guest_div0[];

/* Real mode: int3 through an IVT of limit 0. */
static const u8 rm_int3[] = {
	0xcc,		/* int3 */
	0xf4,		/* hlt: never reached */
};

/* A long-mode guest whose IDT has limit 0: nothing can be delivered. */
static void triple_fault_longmode(void *code)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, code, 0, 0);
	struct kvm_sregs sregs;

	vcpu_sregs_get(vcpu, &sregs);
	sregs.idt.limit = 0;
	vcpu_sregs_set(vcpu, &sregs);

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_SHUTDOWN);
	vm_free(vm);
}

static void ud2_no_idt(void)
{
	triple_fault_longmode((void *)guest_ud2);
}

static void divide_error_no_idt(void)
{
	triple_fault_longmode((void *)guest_div0);
}

static void realmode_int3_no_ivt(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_realmode(64 * KiB, &vcpu, 0x1000);
	struct kvm_sregs sregs;

	vm_write(vm, 0x1000, rm_int3, sizeof(rm_int3));
	vcpu_sregs_get(vcpu, &sregs);
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	vcpu_sregs_set(vcpu, &sregs);

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_SHUTDOWN);
	vm_free(vm);
}

/* CR3 points at an empty PML4: the first fetch faults, and so on. */
static void nothing_mapped(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, (void *)guest_ud2,
					       0, 0);
	struct kvm_sregs sregs;
	u64 empty = 0x20000;

	memset(addr_gpa2hva(vm, empty), 0, PAGE_SIZE);
	vcpu_sregs_get(vcpu, &sregs);
	sregs.cr3 = empty;
	vcpu_sregs_set(vcpu, &sregs);

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_SHUTDOWN);
	vm_free(vm);
}

/* With the library's IDT the same #UD is caught, not a shutdown. */
static void ud2_with_idt(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, (void *)guest_ud2,
					       0, 0);
	struct ucall uc;

	vcpu_run(vcpu);
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_EXCEPTION);
	TEST_ASSERT_EQ(uc.args[0], 6);		/* #UD */
	TEST_ASSERT_EQ(uc.args[2], (u64)guest_ud2);
	vm_free(vm);
}

static void guest_sync_once(void)
{
	GUEST_SYNC(0x5eed);
}

/* Triple fault, then a new long-mode state from userspace: it runs. */
static void rerun_after_shutdown(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, (void *)guest_ud2,
					       0, 0);
	struct kvm_sregs sregs;
	struct ucall uc;

	vcpu_sregs_get(vcpu, &sregs);
	sregs.idt.limit = 0;
	vcpu_sregs_set(vcpu, &sregs);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_SHUTDOWN);

	vcpu_setup_longmode(vcpu);
	vcpu_set_entry(vcpu, guest_sync_once, 0, 0);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 0x5eed);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* mov $0x42, %al; out %al, $0x80; hlt - at the reset vector FFFFFFF0h. */
static const u8 reset_vector_code[] = { 0xb0, 0x42, 0xe6, 0x80, 0xf4 };

/*
 * SVM: after the shutdown the vCPU is in the INIT state (SDM 9.1.1, APM
 * 14.1.3; what kvm-amd does), and KVM_RUN again starts at CS:IP
 * F000:FFF0 with CS base FFFF0000h.  kvm-intel instead keeps the state
 * that faulted (the VMCS holds it well defined), so this is AMD's.
 */
static void init_state_after_shutdown(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct kvm_cpuid2 *c;
	struct kvm_cpuid_entry2 *e;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	u32 sig = 0x600;
	u8 *rom;

	if (!host_cpu_is_amd())
		TEST_SKIP("not AMD: KVM keeps the faulting state on VMX");
	vm = vm_create_longmode(0, &vcpu, (void *)guest_ud2, 0, 0);
	c = kvm_get_supported_cpuid();
	TEST_REQUIRE(c);
	e = cpuid_find(c, 1, 0);
	if (e)
		sig = e->eax;
	TEST_ASSERT_EQ(__vcpu_set_cpuid(vcpu, c), 0);
	free(c);
	rom = vm_add_anon_slot(vm, 1, 0xffff0000, 0x10000);
	memcpy(rom + 0xfff0, reset_vector_code, sizeof(reset_vector_code));

	vcpu_sregs_get(vcpu, &sregs);
	sregs.idt.limit = 0;
	vcpu_sregs_set(vcpu, &sregs);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_SHUTDOWN);

	vcpu_sregs_get(vcpu, &sregs);
	TEST_ASSERT_EQ(sregs.cs.selector, 0xf000);
	TEST_ASSERT_EQ(sregs.cs.base, 0xffff0000);
	TEST_ASSERT_EQ(sregs.cs.limit, 0xffff);
	TEST_ASSERT_EQ(sregs.ds.selector, 0);
	TEST_ASSERT_EQ(sregs.ds.base, 0);
	TEST_ASSERT_EQ(sregs.ss.base, 0);
	/* INIT keeps CD and NW (SDM 9.1.1): clear in the long-mode CR0. */
	TEST_ASSERT_EQ(sregs.cr0, 0x10);
	TEST_ASSERT_EQ(sregs.cr3, 0);
	TEST_ASSERT_EQ(sregs.cr4, 0);
	TEST_ASSERT_EQ(sregs.efer, 0);
	TEST_ASSERT_EQ(sregs.idt.base, 0);
	TEST_ASSERT_EQ(sregs.idt.limit, 0xffff);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rip, 0xfff0);
	TEST_ASSERT_EQ(regs.rflags, X86_EFLAGS_FIXED);
	TEST_ASSERT_EQ(regs.rdx, sig);
	TEST_ASSERT_EQ(regs.rsp, 0);
	TEST_ASSERT_EQ(regs.rax | regs.rbx | regs.rcx | regs.rsi | regs.rdi |
		       regs.rbp | regs.r8 | regs.r15, 0);

	vcpu_run(vcpu);
	assert_io_exit(vcpu, 0x80, 1, KVM_EXIT_IO_OUT, 1);
	TEST_ASSERT_EQ(*(u8 *)vcpu_io_data(vcpu), 0x42);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE(ud2_no_idt),
	TEST_CASE(divide_error_no_idt),
	TEST_CASE(realmode_int3_no_ivt),
	TEST_CASE(nothing_mapped),
	TEST_CASE(ud2_with_idt),
	TEST_CASE(rerun_after_shutdown),
	TEST_CASE(init_state_after_shutdown),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
