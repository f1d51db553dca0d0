// SPDX-License-Identifier: GPL-2.0
/*
 * mmu/mmu.c - building and tearing down the second-level page tables.
 * A nested page fault (NPF / EPT violation) on guest RAM lands here: the
 * user page behind the slot is pinned and mapped with a 4 KiB leaf.  The
 * walker is shared by NPT and EPT; only the entry format (pte.c) differs.
 * The loops over every leaf (zap, unpin, teardown) reschedule as they go.
 */
#define pr_fmt(fmt) "lhv: " fmt

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <asm/io.h>

#include "mmu.h"

#define UNPIN_BATCH_MAX ((PAGE_SIZE - 2 * sizeof(void *)) / sizeof(void *))

struct lhv_unpin_batch {
	struct lhv_unpin_batch *next;
	unsigned long n;
	struct page *pages[UNPIN_BATCH_MAX];
};

static u64 *lhv_mmu_alloc_table(struct lhv_mmu *mmu)
{
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (!page)
		return NULL;
	mmu->table_pages++;
	return page_address(page);
}

int lhv_mmu_init(struct lhv_mmu *mmu, enum lhv_mmu_format fmt, int levels)
{
	mmu->fmt = fmt;
	mmu->levels = levels;
	mutex_init(&mmu->lock);
	mmu->table_pages = 0;
	mmu->mapped = 0;
	mmu->root = lhv_mmu_alloc_table(mmu);
	return mmu->root ? 0 : -ENOMEM;
}

u64 lhv_mmu_root_pa(const struct lhv_mmu *mmu)
{
	return virt_to_phys(mmu->root);
}

static u64 *lhv_mmu_next(struct lhv_mmu *mmu, u64 pte)
{
	return phys_to_virt(lhv_pte_addr(pte));
}

/*
 * Free the table at @level and everything below it, unpinning leaves.
 * A big guest is millions of leaves: the CPU is offered to others after
 * each leaf table.  Teardown runs in sleepable context (the release of
 * the VM's last fd, or its creation failing) and without the mmu lock,
 * which nobody can want any more.
 */
static void lhv_mmu_free_table(struct lhv_mmu *mmu, u64 *table, int level)
{
	int i;

	for (i = 0; i < 512; i++) {
		u64 pte = table[i];

		if (!lhv_pte_present(mmu->fmt, pte))
			continue;
		if (level > 1) {
			lhv_mmu_free_table(mmu, lhv_mmu_next(mmu, pte),
					   level - 1);
		} else {
			unpin_user_page(pfn_to_page(lhv_pte_addr(pte) >>
						    PAGE_SHIFT));
			mmu->mapped--;
		}
	}
	free_page((unsigned long)table);
	mmu->table_pages--;
	if (level == 1)
		cond_resched();
}

void lhv_mmu_destroy(struct lhv_mmu *mmu)
{
	if (!mmu->root)
		return;
	lhv_mmu_free_table(mmu, mmu->root, mmu->levels);
	mmu->root = NULL;
	WARN_ON_ONCE(mmu->table_pages || mmu->mapped);
}

/*
 * Walk to the leaf entry for @gpa, allocating tables on the way when
 * @alloc.  Called with mmu->lock held.
 */
static u64 *lhv_mmu_walk(struct lhv_mmu *mmu, u64 gpa, bool alloc)
{
	u64 *table = mmu->root;
	int level;

	for (level = mmu->levels; level > 1; level--) {
		u64 *pte = &table[lhv_pt_index(gpa, level)];

		if (!lhv_pte_present(mmu->fmt, *pte)) {
			u64 *next;

			if (!alloc)
				return NULL;
			next = lhv_mmu_alloc_table(mmu);
			if (!next)
				return NULL;
			*pte = lhv_pte_table(mmu->fmt, virt_to_phys(next));
		}
		table = lhv_mmu_next(mmu, *pte);
	}
	return &table[lhv_pt_index(gpa, 1)];
}

/*
 * Map the page behind @gpa in @slot.  The caller holds the VM's srcu read
 * lock, so @slot stays valid and a concurrent slot deletion waits for us
 * before it zaps.  Returns 0 or -errno (-EFAULT: the user page is gone).
 */
int lhv_mmu_map(struct lhv_mmu *mmu, const struct lhv_memslot *slot,
		u64 gpa, bool write)
{
	u64 gfn = gpa >> PAGE_SHIFT;
	unsigned long hva = slot->userspace_addr +
			    ((gfn - slot->base_gfn) << PAGE_SHIFT);
	bool writable = !(slot->flags & KVM_MEM_READONLY);
	unsigned int gup = FOLL_LONGTERM | (writable ? FOLL_WRITE : 0);
	struct page *page;
	u64 *pte;
	int r;

	r = pin_user_pages_fast(hva, 1, gup, &page);
	if (r != 1)
		return r < 0 ? r : -EFAULT;

	mutex_lock(&mmu->lock);
	pte = lhv_mmu_walk(mmu, gpa, true);
	if (!pte) {
		r = -ENOMEM;
		goto err_unpin;
	}
	if (lhv_pte_present(mmu->fmt, *pte)) {
		/* Another vCPU got here first: keep its mapping. */
		r = 0;
		goto err_unpin;
	}
	*pte = lhv_pte_leaf(mmu->fmt, page_to_phys(page), writable);
	mmu->mapped++;
	mutex_unlock(&mmu->lock);
	return 0;

err_unpin:
	mutex_unlock(&mmu->lock);
	unpin_user_page(page);
	return r;
}

static int lhv_unpin_add(struct lhv_unpin_batch **batch, struct page *page)
{
	struct lhv_unpin_batch *b = *batch;

	if (!b || b->n == UNPIN_BATCH_MAX) {
		b = (void *)__get_free_page(GFP_KERNEL_ACCOUNT);
		if (!b)
			return -ENOMEM;
		b->next = *batch;
		b->n = 0;
		*batch = b;
	}
	b->pages[b->n++] = page;
	return 0;
}

/*
 * Clear the leaves of [gfn, gfn + npages).  Their pages go to *@batch; the
 * caller unpins them with lhv_mmu_unpin() once every vCPU has flushed its
 * TLB.  Tables stay allocated until teardown.  On -ENOMEM the leaves that
 * could not be queued stay mapped, the caller retries or keeps the slot.
 */
int lhv_mmu_zap(struct lhv_mmu *mmu, u64 gfn, u64 npages,
		struct lhv_unpin_batch **batch)
{
	u64 end = gfn + npages;
	int r = 0;

	mutex_lock(&mmu->lock);
	while (gfn < end) {
		u64 *pte = lhv_mmu_walk(mmu, gfn << PAGE_SHIFT, false);

		if (!pte) {
			/* No leaf table here: skip to the next one. */
			gfn = (gfn | 511) + 1;
		} else {
			if (lhv_pte_present(mmu->fmt, *pte)) {
				r = lhv_unpin_add(batch,
						  pfn_to_page(lhv_pte_addr(*pte)
							      >> PAGE_SHIFT));
				if (r)
					break;
				*pte = 0;
				mmu->mapped--;
			}
			gfn++;
		}
		/* The mmu lock is a mutex: sleeping under it is fine. */
		if (!(gfn & 511))
			cond_resched();
	}
	mutex_unlock(&mmu->lock);
	return r;
}

/* Sleepable context: a deleted slot can be millions of pages. */
void lhv_mmu_unpin(struct lhv_unpin_batch *batch)
{
	while (batch) {
		struct lhv_unpin_batch *next = batch->next;

		unpin_user_pages(batch->pages, batch->n);
		free_page((unsigned long)batch);
		batch = next;
		cond_resched();
	}
}
