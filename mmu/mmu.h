/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmu/mmu.h - guest physical memory: memslots and the second-level page
 * tables (AMD NPT, Intel EPT) built on demand from them.  The pure parts
 * (slot validation and lookup, entry formats) live in slots.c and pte.c and
 * build into host unit tests too; mmu.c is the kernel glue (page pinning,
 * table pages, teardown).
 */
#ifndef LHV_MMU_H
#define LHV_MMU_H

#include "mmu_types.h"

#ifdef __KERNEL__
#include <linux/mutex.h>

/*
 * struct lhv_mmu - one VM's second-level page tables.
 * Every leaf maps one pinned 4 KiB user page; the pin is dropped when the
 * leaf is zapped (after all vCPUs have flushed) or at teardown.
 */
struct lhv_mmu {
	enum lhv_mmu_format fmt;	/* set once at init */
	int levels;			/* 4, or 5 with LA57 NPT */
	struct mutex lock;		/* guards every table entry */
	u64 *root;			/* top-level table (a page) */
	unsigned long table_pages;	/* under lock: for leak checks */
	unsigned long mapped;		/* under lock: leaves = pinned pages */
};

/* Pages whose pin is dropped once no vCPU can still reach them. */
struct lhv_unpin_batch;

int lhv_mmu_init(struct lhv_mmu *mmu, enum lhv_mmu_format fmt, int levels);
void lhv_mmu_destroy(struct lhv_mmu *mmu);
u64 lhv_mmu_root_pa(const struct lhv_mmu *mmu);
int lhv_mmu_map(struct lhv_mmu *mmu, const struct lhv_memslot *slot,
		u64 gpa, bool write);
int lhv_mmu_zap(struct lhv_mmu *mmu, u64 gfn, u64 npages,
		struct lhv_unpin_batch **batch);
void lhv_mmu_unpin(struct lhv_unpin_batch *batch);
#endif

#endif /* LHV_MMU_H */
