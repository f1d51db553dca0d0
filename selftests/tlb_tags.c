// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/tlb_tags.c - the TLB tags (VPIDs on VMX, ASIDs on SVM) keep
 * vCPUs apart.  Two vCPUs of one VM map the same linear address to
 * different guest-physical pages through their own page tables and run
 * in turns on one thread, so on the lab's single CPU; each must always
 * read its own page, never a translation the other left in the TLB.
 * Before them, more VMs with a vCPU each stay open, so the pair gets tags
 * handed out late: on SVM the lab's 16 ASIDs wrap to a new generation.
 *
 * On VMX, lhv gives each vCPU a VPID of its own from 2..0xffff; once those
 * run out host-wide, a vCPU shares VPID 1 and flushes it at every entry.
 * No lab host can hold 65534 vCPUs (each has pages of kernel memory and
 * an fd), so the sharing is reached only with a module whose VPID range
 * was shrunk for the purpose (VMX_VPID_LAST in vmx/vmx.c): then this test
 * runs the pair, and most fillers, on the shared VPID.
 */
#include <stdlib.h>

#include "processor.h"

#define FILLERS		20
#define SLOT_DATA	1
#define DATA_GPA	(1 * GiB)	/* linear 1 GiB: PD 1, entry 0 */
#define ALT_PT_GPA	(32 * MiB)	/* vCPU 1's copy of the tables */
#define LIN		DATA_GPA
#define VAL0		0x7a90000000000000ULL
#define VAL1		0x7a91111111111111ULL
#define ROUNDS		200

static void guest_read(u64 unused0, u64 unused1)
{
	for (;;)
		GUEST_SYNC(*(volatile u64 *)LIN);
}

static void guest_filler(u64 unused0, u64 unused1)
{
	for (;;)
		GUEST_SYNC(0x42);
}

static u64 run_read(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	vcpu_run_sync(vcpu, &uc);
	return uc.args[0];
}

/*
 * Copy the library's tables (PML4, PDPT, four PDs from LM_PML4_GPA) to
 * ALT_PT_GPA, relinked, with linear DATA_GPA mapped 2 MiB higher.
 */
static void build_alt_tables(struct kvm_vm *vm)
{
	u64 *src = addr_gpa2hva(vm, LM_PML4_GPA);
	u64 *dst = addr_gpa2hva(vm, ALT_PT_GPA);
	u64 delta = ALT_PT_GPA - LM_PML4_GPA, *pd1;
	int i;

	memcpy(dst, src, 6 * PAGE_SIZE);
	dst[0] += delta;			/* PML4[0] -> PDPT' */
	for (i = 0; i < 4; i++)			/* PDPT'[i] -> PD'i */
		dst[512 + i] += delta;
	pd1 = dst + 3 * 512;
	TEST_ASSERT_EQ(pd1[0] & ~0xfffULL, DATA_GPA);
	pd1[0] += 2 * MiB;
}

static void pair_sees_own_pages(void)
{
	struct kvm_vm *filler[FILLERS];
	struct kvm_vcpu *vcpu0, *vcpu1, *fv;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_vm *vm;
	u64 *data;
	int i;

	for (i = 0; i < FILLERS; i++) {
		filler[i] = vm_create_longmode(0, &fv, guest_filler, 0, 0);
		TEST_ASSERT_EQ(run_read(fv), 0x42);
	}

	vm = vm_create_longmode(0, &vcpu0, guest_read, 0, 0);
	data = vm_add_anon_slot(vm, SLOT_DATA, DATA_GPA, 4 * MiB);
	data[0] = VAL0;
	data[2 * MiB / 8] = VAL1;
	build_alt_tables(vm);

	vcpu1 = vm_vcpu_add(vm, 1);
	vcpu_setup_longmode(vcpu1);
	vcpu_sregs_get(vcpu1, &sregs);
	sregs.cr3 = ALT_PT_GPA;
	vcpu_sregs_set(vcpu1, &sregs);
	/* Its own stack, 256 KiB below vCPU 0's; the guest never returns. */
	memset(&regs, 0, sizeof(regs));
	regs.rip = (u64)guest_read;
	regs.rsp = vm_stack_top(vm) - 256 * KiB - 8;
	regs.rflags = X86_EFLAGS_FIXED;
	vcpu_regs_set(vcpu1, &regs);

	for (i = 0; i < ROUNDS; i++) {
		TEST_ASSERT_EQ(run_read(vcpu0), VAL0);
		TEST_ASSERT_EQ(run_read(vcpu1), VAL1);
	}
	/* And the fillers still run, after the pair. */
	for (i = 0; i < FILLERS; i++) {
		TEST_ASSERT_EQ(run_read(filler[i]->vcpu), 0x42);
		vm_free(filler[i]);
	}
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE(pair_sees_own_pages),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
