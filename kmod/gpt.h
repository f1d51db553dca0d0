/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmod/gpt.h - the guest page-table walker: linear address to guest
 * physical address in every paging mode of the guest (none, 32-bit,
 * PAE, 4-level, 5-level), and the split of an access that crosses a
 * page into one translated fragment per page.  Pure C: builds into lhv.ko and into the host
 * unit tests; guest memory is read through a callback.
 */
#ifndef LHV_GPT_H
#define LHV_GPT_H

#include "emul_types.h"

/* Page-fault error code bits (SDM 4.7), used for access and faults. */
#define LHV_PF_PRESENT	BIT(0)
#define LHV_PF_WRITE	BIT(1)
#define LHV_PF_USER	BIT(2)
#define LHV_PF_RSVD	BIT(3)
#define LHV_PF_FETCH	BIT(4)

struct lhv_gpt_env {
	u64 cr0, cr3, cr4, efer;
	/* Read one 8-byte aligned u64 (or u32 when @size is 4) at @gpa. */
	int (*read)(void *opaque, u64 gpa, void *buf, int size);
	void *opaque;
};

/*
 * Translate @gva for an access of kind @access (LHV_PF_WRITE/USER/FETCH
 * bits).  Returns 0 and *gpa, 1 on a page fault (*error_code set, as the
 * guest would see it), or a negative errno when guest memory could not be
 * read (a page-table page outside RAM).
 */
int lhv_gpt_walk(const struct lhv_gpt_env *env, u64 gva, u32 access,
		 u64 *gpa, u32 *error_code);

/*
 * One page's part of an access: bytes [off, off + len) of it are at @gva
 * in the linear space and at @gpa in guest-physical memory.
 */
struct lhv_gpt_frag {
	u64 gva, gpa;
	u16 off, len;
};

/* An access of at most a page touches at most two pages. */
#define LHV_GPT_MAX_FRAGS	2

struct lhv_gpt_range {
	u8 nr;				/* fragments filled, 1 or 2 */
	struct lhv_gpt_frag frag[LHV_GPT_MAX_FRAGS];
	u64 fault_gva;			/* on a page fault: CR2 */
};

/*
 * Translate the @size-byte access (1..4096) at @gva page by page, each
 * page with its own walk and permission check (SDM vol. 3 4.1.1: an
 * access that spans pages is translated per page; the linear address
 * wraps at 4 GiB when @la32, outside 64-bit mode).  Returns 0 with every
 * fragment in *out, 1 on a page fault in any page (*error_code, and
 * out->fault_gva = the first byte of the access in that page), or a
 * negative value (an invalid @size, or the walker's errno).  Nothing is
 * accessed: the caller decides, once every page is known to be good.
 */
int lhv_gpt_walk_range(const struct lhv_gpt_env *env, u64 gva, int size,
		       u32 access, bool la32, struct lhv_gpt_range *out,
		       u32 *error_code);

#endif /* LHV_GPT_H */
