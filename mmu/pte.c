// SPDX-License-Identifier: GPL-2.0
/*
 * mmu/pte.c - the two second-level page-table entry formats.  AMD NPT uses
 * the long-mode page-table format (APM vol. 2, 15.25.5: every level needs
 * P, RW and US or the access faults); Intel EPT has its own (SDM vol. 3,
 * 29.3.2: R/W/X bits, memory type in leaves).  Pure code, host-testable.
 */
#include "mmu_types.h"

#define NPT_P		BIT_ULL(0)
#define NPT_RW		BIT_ULL(1)
#define NPT_US		BIT_ULL(2)
#define EPT_R		BIT_ULL(0)
#define EPT_W		BIT_ULL(1)
#define EPT_X		BIT_ULL(2)
#define EPT_MT_WB	(6ULL << 3)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL

u64 lhv_pte_table(enum lhv_mmu_format fmt, u64 pa)
{
	pa &= PTE_ADDR_MASK;
	if (fmt == LHV_MMU_EPT)
		return pa | EPT_R | EPT_W | EPT_X;
	return pa | NPT_P | NPT_RW | NPT_US;
}

/*
 * A 4 KiB leaf.  Guest memory is ordinary write-back host memory; the
 * guest's own PAT/MTRR choices still combine with it.
 */
u64 lhv_pte_leaf(enum lhv_mmu_format fmt, u64 pa, bool writable)
{
	pa &= PTE_ADDR_MASK;
	if (fmt == LHV_MMU_EPT)
		return pa | EPT_R | EPT_X | EPT_MT_WB | (writable ? EPT_W : 0);
	return pa | NPT_P | NPT_US | (writable ? NPT_RW : 0);
}

bool lhv_pte_present(enum lhv_mmu_format fmt, u64 pte)
{
	if (fmt == LHV_MMU_EPT)
		return pte & (EPT_R | EPT_W | EPT_X);
	return pte & NPT_P;
}

u64 lhv_pte_addr(u64 pte)
{
	return pte & PTE_ADDR_MASK;
}

/* Index into the table of @level (1 = leaf table) for @gpa. */
unsigned int lhv_pt_index(u64 gpa, int level)
{
	return (gpa >> (LHV_PAGE_SHIFT + 9 * (level - 1))) & 511;
}
