/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmod/gpt.h - the guest page-table walker: linear address to guest
 * physical address in every paging mode of the guest (none, 32-bit,
 * PAE, 4-level, 5-level).  Pure C: builds into lhv.ko and into the host
 * unit tests; guest memory is read through a callback.
 */
#ifndef LHV_GPT_H
#define LHV_GPT_H

#include "emul_types.h"

/* Page-fault error code bits (SDM 4.7), used for access and faults. */
#define LHV_PF_PRESENT	(1u << 0)
#define LHV_PF_WRITE	(1u << 1)
#define LHV_PF_USER	(1u << 2)
#define LHV_PF_RSVD	(1u << 3)
#define LHV_PF_FETCH	(1u << 4)

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

#endif /* LHV_GPT_H */
