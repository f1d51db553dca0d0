/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmu/mmu_types.h - the types, constants and functions of the pure MMU
 * code (memslots: slots.c; entry formats: pte.c), which builds both into
 * lhv.ko and into the host unit tests.  Only this header knows which of
 * the two worlds it is in.
 */
#ifndef LHV_MMU_TYPES_H
#define LHV_MMU_TYPES_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>
#include <linux/kvm.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define BIT_ULL(nr)	(1ULL << (nr))
#endif

#define LHV_PAGE_SHIFT		12
#define LHV_PAGE_SIZE		BIT_ULL(LHV_PAGE_SHIFT)
#define LHV_MAX_MEMSLOTS	32
/*
 * No entry format holds a guest-physical address of more than 52 bits
 * (SDM 29.3.2, APM 15.25.5); a VM's own limit, lhv_max_gpa(), is lower.
 */
#define LHV_MAX_GPA		BIT_ULL(52)
/* Largest slot: 2^31 pages (8 TiB), like KVM's limit for 4K pages. */
#define LHV_MAX_SLOT_PAGES	BIT_ULL(31)

struct lhv_memslot {
	u64 base_gfn;
	u64 npages;
	u64 userspace_addr;
	u32 flags;		/* KVM_MEM_* */
	u16 id;
};

/* An immutable snapshot: sorted by base_gfn, replaced as a whole. */
struct lhv_memslots {
	u32 nr;
	struct lhv_memslot slot[LHV_MAX_MEMSLOTS];
};

enum lhv_slot_change {
	LHV_SLOT_CREATE,
	LHV_SLOT_DELETE,
	LHV_SLOT_MOVE,
	LHV_SLOT_NOP,		/* same slot set again */
};

/* Second-level page table formats. */
enum lhv_mmu_format {
	LHV_MMU_NPT,		/* AMD nested paging: long-mode PTE format */
	LHV_MMU_EPT,		/* Intel EPT */
};

/* slots.c */
u64 lhv_max_gpa(int levels, unsigned int phys_bits);
int lhv_slot_check(const struct lhv_memslots *slots,
		   const struct kvm_userspace_memory_region *mem,
		   u32 supported_flags, u64 max_gpa,
		   enum lhv_slot_change *change);
void lhv_slots_apply(struct lhv_memslots *dst,
		     const struct lhv_memslots *src,
		     const struct kvm_userspace_memory_region *mem,
		     enum lhv_slot_change change);
const struct lhv_memslot *lhv_slot_by_gfn(const struct lhv_memslots *slots,
					  u64 gfn);
const struct lhv_memslot *lhv_slot_by_id(const struct lhv_memslots *slots,
					 u16 id);

/*
 * What lhv_slots_update() needs from the VM: make @slots the layout that
 * faults see (returning once none still sees the previous one), and unmap
 * @gone's range (0 or -errno; on failure leaves may remain).
 */
struct lhv_slots_update_ops {
	void (*publish)(void *ctx, struct lhv_memslots *slots);
	int (*zap)(void *ctx, const struct lhv_memslot *gone);
};

int lhv_slots_update(struct lhv_memslots *old, struct lhv_memslots *new,
		     struct lhv_memslots *hidden,
		     const struct kvm_userspace_memory_region *mem,
		     enum lhv_slot_change change,
		     const struct lhv_slots_update_ops *ops, void *ctx);

/* pte.c */
u64 lhv_pte_table(enum lhv_mmu_format fmt, u64 pa);
u64 lhv_pte_leaf(enum lhv_mmu_format fmt, u64 pa, bool writable);
bool lhv_pte_present(enum lhv_mmu_format fmt, u64 pte);
u64 lhv_pte_addr(u64 pte);
unsigned int lhv_pt_index(u64 gpa, int level);

#endif /* LHV_MMU_TYPES_H */
