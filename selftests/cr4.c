// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/cr4.c - a 64-bit guest's MOV to and from CR4.  On SVM lhv
 * intercepts CR4 and emulates the instruction (the hardware CR4 keeps
 * the host's MCE bit, issue 12 finding 2), so the guest must still see
 * exactly the CR4 it wrote, through any register, and get #GP(0) for
 * reserved bits and for clearing PAE in long mode, as on any CPU; on lhv
 * with SVM the accesses are counted as CR exits.  VMX keeps MCE
 * host-owned through the CR4 guest/host mask: the same must hold there.
 */
#include "processor.h"

#define X86_CR4_PGE	(1ULL << 7)
#define X86_CR4_MCE_BIT	(1ULL << 6)
#define X86_CR4_BIT31	(1ULL << 31)

volatile u64 gp_count __attribute__((used));
volatile u64 gp_error __attribute__((used));
volatile u64 gp_skip __attribute__((used));

/* #GP: count it, keep the error code, skip gp_skip bytes of the insn. */
asm(".pushsection .text\n"
    ".globl cr4_gp_stub\n"
    "cr4_gp_stub:\n"
    "pushq %rax\n"
    "incq gp_count(%rip)\n"
    "movq 8(%rsp), %rax\n"
    "movq %rax, gp_error(%rip)\n"
    "movq gp_skip(%rip), %rax\n"
    "addq %rax, 16(%rsp)\n"
    "popq %rax\n"
    "addq $8, %rsp\n"
    "iretq\n"
    ".popsection\n");
extern const u8 cr4_gp_stub[];

static inline void write_cr4(u64 v)
{
	gp_skip = 3;		/* 0f 22 /r */
	asm volatile("mov %0, %%cr4" : : "a"(v) : "memory");
}

static void guest_cr4(void)
{
	u64 cr4 = guest_read_cr4(), v;

	GUEST_SYNC(cr4);
	write_cr4(cr4 | X86_CR4_MCE_BIT);
	GUEST_SYNC(guest_read_cr4());
	write_cr4(cr4 & ~X86_CR4_MCE_BIT);
	GUEST_SYNC(guest_read_cr4());

	/* Through R15 and R9: REX.B in the encoding. */
	asm volatile("mov %1, %%r15\n\t"
		     "mov %%r15, %%cr4\n\t"
		     "mov %%cr4, %%r9\n\t"
		     "mov %%r9, %0"
		     : "=r"(v) : "r"(cr4 | X86_CR4_PGE) : "r9", "r15", "memory");
	GUEST_SYNC(v);

	/* A reserved bit and PAE clear in long mode: #GP(0), CR4 as was. */
	write_cr4(v | X86_CR4_BIT31);
	write_cr4(v & ~X86_CR4_PAE);
	GUEST_SYNC4(gp_count, gp_error, guest_read_cr4(), 0);
}

static void mov_cr4(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_cr4, 0, 0);
	struct kvm_sregs sregs;
	struct ucall uc;
	u64 cr4;

	vcpu_set_idt_handler(vcpu, 13, (void *)cr4_gp_stub);
	vcpu_sregs_get(vcpu, &sregs);
	cr4 = sregs.cr4;
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], cr4);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], cr4 | X86_CR4_MCE_BIT);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], cr4 & ~X86_CR4_MCE_BIT);
	vcpu_sregs_get(vcpu, &sregs);
	TEST_ASSERT_EQ(sregs.cr4, cr4 & ~X86_CR4_MCE_BIT);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], cr4 | X86_CR4_PGE);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 2);		/* two #GPs */
	TEST_ASSERT_EQ(uc.args[1], 0);		/* #GP(0) */
	TEST_ASSERT_EQ(uc.args[2], cr4 | X86_CR4_PGE);
	if (kvm_dev_is_lhv() && host_cpu_is_amd()) {
		u64 n = vcpu_stat(vcpu, "exits_cr");

		TEST_ASSERT(n >= 9, "%llu CR exits: CR4 is not intercepted",
			    (unsigned long long)n);
	}
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE(mov_cr4),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
