// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/shutdown.c - triple faults end in KVM_EXIT_SHUTDOWN: an
 * exception with no usable IDT in long mode and in real mode, and a guest
 * whose page tables map nothing at all.
 */
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

static const struct test_case tests[] = {
	TEST_CASE(ud2_no_idt),
	TEST_CASE(divide_error_no_idt),
	TEST_CASE(realmode_int3_no_ivt),
	TEST_CASE(nothing_mapped),
	TEST_CASE(ud2_with_idt),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
