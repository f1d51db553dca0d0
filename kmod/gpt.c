// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/gpt.c - the guest page-table walker (SDM vol. 3, chapter 4):
 * 32-bit paging with 4 MiB pages (PSE), PAE paging, 4-level and 5-level
 * paging with large pages, permission checks (R/W, U/S, NX, WP, SMEP are
 * what a fault report needs).  Accessed/dirty bits are not written: the
 * walker only serves the emulator for accesses the hardware already
 * walked.  Also the per-page split of an access that crosses a page
 * (lhv_gpt_walk_range).  No kernel calls: the host unit tests build this file too.
 */
#include "gpt.h"

#define CR0_PE		BIT_ULL(0)
#define CR0_WP		BIT_ULL(16)
#define CR0_PG		BIT_ULL(31)
#define CR4_PSE		BIT_ULL(4)
#define CR4_PAE		BIT_ULL(5)
#define CR4_LA57	BIT_ULL(12)
#define CR4_SMEP	BIT_ULL(20)
#define EFER_LMA	BIT_ULL(10)
#define EFER_NXE	BIT_ULL(11)

#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_US		BIT_ULL(2)
#define PTE_PS		BIT_ULL(7)
#define PTE_NX		BIT_ULL(63)
#define ADDR_MASK	0x000ffffffffff000ull

/*
 * The error code the guest would see.  I/D is set for a fetch only when
 * CR4.SMEP = 1 or XD is enabled (PAE-format paging with EFER.NXE = 1);
 * otherwise it is 0 (SDM 4.7).
 */
static int lhv_gpt_fault(const struct lhv_gpt_env *env, u32 access,
			 u32 flags, u32 *error_code)
{
	u32 mask = LHV_PF_WRITE | LHV_PF_USER;

	if ((env->cr4 & CR4_SMEP) ||
	    ((env->efer & EFER_NXE) &&
	     ((env->efer & EFER_LMA) || (env->cr4 & CR4_PAE))))
		mask |= LHV_PF_FETCH;
	*error_code = (access & mask) | flags;
	return 1;
}

int lhv_gpt_walk(const struct lhv_gpt_env *env, u64 gva, u32 access,
		 u64 *gpa, u32 *error_code)
{
	int levels, level, shift, esize;
	bool writable = true, user = true, nx = false;
	u64 table, pte = 0;

	if (!(env->cr0 & CR0_PG)) {
		*gpa = (env->efer & EFER_LMA) ? gva : (u32)gva;
		return 0;
	}
	if (env->efer & EFER_LMA) {
		levels = (env->cr4 & CR4_LA57) ? 5 : 4;
		esize = 8;
		table = env->cr3 & ADDR_MASK;
	} else if (env->cr4 & CR4_PAE) {
		u64 pdpte;
		int r;

		gva = (u32)gva;
		/* The PDPTE registers: 32-byte aligned table at CR3. */
		r = env->read(env->opaque, (env->cr3 & 0xffffffe0u) +
			      ((gva >> 30) & 3) * 8, &pdpte, 8);
		if (r)
			return r;
		if (!(pdpte & PTE_P))
			return lhv_gpt_fault(env, access, 0, error_code);
		levels = 2;
		esize = 8;
		table = pdpte & ADDR_MASK;
	} else {
		gva = (u32)gva;
		levels = 2;
		esize = 4;
		table = env->cr3 & 0xfffff000u;
	}

	for (level = levels; level >= 1; level--) {
		int bits = esize == 8 ? 9 : 10;
		u64 idx;
		int r;

		shift = 12 + bits * (level - 1);
		idx = (gva >> shift) & ((1u << bits) - 1);
		pte = 0;
		r = env->read(env->opaque, table + idx * esize, &pte, esize);
		if (r)
			return r;
		if (!(pte & PTE_P))
			return lhv_gpt_fault(env, access, 0, error_code);
		/*
		 * Reserved bits that do not depend on MAXPHYADDR: PS in a
		 * PML5E or PML4E, XD while EFER.NXE = 0 (SDM 4.4.2, 4.5.4).
		 */
		if (esize == 8 && ((level >= 4 && (pte & PTE_PS)) ||
				   (!(env->efer & EFER_NXE) && (pte & PTE_NX))))
			return lhv_gpt_fault(env, access,
					     LHV_PF_PRESENT | LHV_PF_RSVD,
					     error_code);
		writable &= !!(pte & PTE_RW);
		user &= !!(pte & PTE_US);
		if (esize == 8 && (env->efer & EFER_NXE) && (pte & PTE_NX))
			nx = true;
		if (level == 1)
			break;
		if (pte & PTE_PS) {
			/* 32-bit paging needs CR4.PSE for 4 MiB pages. */
			if (esize == 4 && !(env->cr4 & CR4_PSE))
				goto next;
			if (esize == 4) {
				/* PSE-36: bits 20:13 are PA bits 39:32. */
				u64 pa = (pte & 0xffc00000u) |
					 ((pte >> 13) & 0xffull) << 32;

				*gpa = pa | (gva & ((1u << 22) - 1));
			} else {
				u64 mask = (1ull << shift) - 1;

				*gpa = (pte & ADDR_MASK & ~mask) | (gva & mask);
			}
			goto check;
		}
next:
		table = pte & (esize == 8 ? ADDR_MASK : 0xfffff000u);
	}
	*gpa = (pte & (esize == 8 ? ADDR_MASK : 0xfffff000u)) | (gva & 0xfff);

check:
	if ((access & LHV_PF_USER) && !user)
		return lhv_gpt_fault(env, access, LHV_PF_PRESENT, error_code);
	if ((access & LHV_PF_WRITE) && !writable &&
	    ((access & LHV_PF_USER) || (env->cr0 & CR0_WP)))
		return lhv_gpt_fault(env, access, LHV_PF_PRESENT, error_code);
	if ((access & LHV_PF_FETCH) && nx)
		return lhv_gpt_fault(env, access, LHV_PF_PRESENT, error_code);
	if ((access & LHV_PF_FETCH) && !(access & LHV_PF_USER) && user &&
	    (env->cr4 & CR4_SMEP))
		return lhv_gpt_fault(env, access, LHV_PF_PRESENT, error_code);
	return 0;
}

int lhv_gpt_walk_range(const struct lhv_gpt_env *env, u64 gva, int size,
		       u32 access, bool la32, struct lhv_gpt_range *out,
		       u32 *error_code)
{
	int off = 0, n, r;

	out->nr = 0;
	if (size < 1 || size > 4096)
		return -1;
	while (off < size) {
		struct lhv_gpt_frag *f = &out->frag[out->nr];

		n = 4096 - (int)(gva & 0xfff);
		if (n > size - off)
			n = size - off;
		r = lhv_gpt_walk(env, gva, access, &f->gpa, error_code);
		if (r == 1)
			out->fault_gva = gva;
		if (r) {
			out->nr = 0;
			return r;
		}
		f->gva = gva;
		f->off = off;
		f->len = n;
		out->nr++;
		off += n;
		gva += n;
		if (la32)
			gva = (u32)gva;
	}
	return 0;
}
