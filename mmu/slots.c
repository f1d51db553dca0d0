// SPDX-License-Identifier: GPL-2.0
/*
 * mmu/slots.c - memslot validation, update and lookup.  Pure logic over an
 * immutable, gfn-sorted array: no kernel calls, so the host unit tests build
 * the same file.  The rules follow the KVM API document for
 * KVM_SET_USER_MEMORY_REGION: a zero size deletes, an existing slot may only
 * move (same size, same userspace address), overlap is -EEXIST, and
 * nothing may lie above what the VM's page tables map (lhv_max_gpa()).
 * lhv_slots_update() orders the publishing of layouts around the zap.
 */
#include "mmu_types.h"

const struct lhv_memslot *lhv_slot_by_id(const struct lhv_memslots *slots,
					 u16 id)
{
	u32 i;

	for (i = 0; i < slots->nr; i++)
		if (slots->slot[i].id == id)
			return &slots->slot[i];
	return NULL;
}

const struct lhv_memslot *lhv_slot_by_gfn(const struct lhv_memslots *slots,
					  u64 gfn)
{
	u32 lo = 0, hi = slots->nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct lhv_memslot *s = &slots->slot[mid];

		if (gfn < s->base_gfn)
			hi = mid;
		else if (gfn >= s->base_gfn + s->npages)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

static bool lhv_slot_overlaps(const struct lhv_memslots *slots, u16 skip_id,
			      u64 gfn, u64 npages)
{
	u32 i;

	for (i = 0; i < slots->nr; i++) {
		const struct lhv_memslot *s = &slots->slot[i];

		if (s->id == skip_id)
			continue;
		if (gfn < s->base_gfn + s->npages && s->base_gfn < gfn + npages)
			return true;
	}
	return false;
}

/*
 * The first guest-physical address a VM cannot have memory at.  A table
 * of @levels levels translates 12 + 9 * @levels bits: with 4-level EPT or
 * NPT, an address at or above 2^48 would be walked with its high bits
 * dropped and alias memory below.  Nor may memory lie above the
 * MAXPHYADDR (@phys_bits, CPUID 0x80000008) that lhv reports to guests,
 * where no guest page table can point; KVM has the same limit.
 */
u64 lhv_max_gpa(int levels, unsigned int phys_bits)
{
	unsigned int bits = LHV_PAGE_SHIFT + 9 * levels;

	if (phys_bits < bits)
		bits = phys_bits;
	if (bits > 52)
		bits = 52;
	return 1ULL << bits;
}

/*
 * Check one KVM_SET_USER_MEMORY_REGION request against the current slots.
 * The caller has checked that the userspace range is accessible.  A slot
 * that ends above @max_gpa is -EINVAL, after the overlap check as in KVM.
 */
int lhv_slot_check(const struct lhv_memslots *slots,
		   const struct kvm_userspace_memory_region *mem,
		   u32 supported_flags, u64 max_gpa,
		   enum lhv_slot_change *change)
{
	const struct lhv_memslot *old;
	u16 as_id = mem->slot >> 16;
	u16 id = mem->slot & 0xffff;
	u64 npages;

	if (mem->flags & ~supported_flags)
		return -EINVAL;
	if (as_id != 0 || id >= LHV_MAX_MEMSLOTS)
		return -EINVAL;
	if (mem->memory_size & (LHV_PAGE_SIZE - 1))
		return -EINVAL;
	if (mem->guest_phys_addr & (LHV_PAGE_SIZE - 1))
		return -EINVAL;
	if (mem->userspace_addr & (LHV_PAGE_SIZE - 1))
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if (mem->userspace_addr + mem->memory_size < mem->userspace_addr)
		return -EINVAL;

	npages = mem->memory_size >> LHV_PAGE_SHIFT;
	if (npages > LHV_MAX_SLOT_PAGES)
		return -EINVAL;

	old = lhv_slot_by_id(slots, id);
	if (!npages) {
		if (!old)
			return -EINVAL;
		*change = LHV_SLOT_DELETE;
		return 0;
	}
	if (old) {
		if (old->npages != npages ||
		    old->userspace_addr != mem->userspace_addr ||
		    ((old->flags ^ mem->flags) & KVM_MEM_READONLY))
			return -EINVAL;
		if (old->base_gfn == mem->guest_phys_addr >> LHV_PAGE_SHIFT) {
			if (old->flags != mem->flags)
				return -EINVAL;
			*change = LHV_SLOT_NOP;
			return 0;
		}
		*change = LHV_SLOT_MOVE;
	} else {
		*change = LHV_SLOT_CREATE;
	}
	if (lhv_slot_overlaps(slots, id, mem->guest_phys_addr >> LHV_PAGE_SHIFT,
			      npages))
		return -EEXIST;
	if (mem->guest_phys_addr + mem->memory_size > max_gpa)
		return -EINVAL;
	return 0;
}

/* Build the new snapshot @dst from @src with one checked change applied. */
void lhv_slots_apply(struct lhv_memslots *dst,
		     const struct lhv_memslots *src,
		     const struct kvm_userspace_memory_region *mem,
		     enum lhv_slot_change change)
{
	struct lhv_memslot new = {
		.base_gfn = mem->guest_phys_addr >> LHV_PAGE_SHIFT,
		.npages = mem->memory_size >> LHV_PAGE_SHIFT,
		.userspace_addr = mem->userspace_addr,
		.flags = mem->flags,
		.id = mem->slot & 0xffff,
	};
	bool inserted = false;
	u32 i;

	dst->nr = 0;
	for (i = 0; i < src->nr; i++) {
		const struct lhv_memslot *s = &src->slot[i];

		if (s->id == new.id)
			continue;
		if (change != LHV_SLOT_DELETE && !inserted &&
		    new.base_gfn < s->base_gfn) {
			dst->slot[dst->nr++] = new;
			inserted = true;
		}
		dst->slot[dst->nr++] = *s;
	}
	if (change != LHV_SLOT_DELETE && !inserted)
		dst->slot[dst->nr++] = new;
}

/*
 * Carry out one checked change (not a NOP) on the VM's published layout
 * @old.  The caller has built @new with lhv_slots_apply() and, for a
 * move, @hidden: @old without the slot.  A slot that goes away or moves is
 * zapped where it was before its new place is published: a move publishes
 * @hidden first, then @new once the zap succeeded.  So a failed zap, after
 * which @old is published again, leaves no leaf at the new place (no fault
 * could map there), and no guest access finds the slot's old translation
 * and its new one at once.  Returns 0 or the zap's error.
 */
int lhv_slots_update(struct lhv_memslots *old, struct lhv_memslots *new,
		     struct lhv_memslots *hidden,
		     const struct kvm_userspace_memory_region *mem,
		     enum lhv_slot_change change,
		     const struct lhv_slots_update_ops *ops, void *ctx)
{
	const struct lhv_memslot *gone;
	int r;

	if (change != LHV_SLOT_CREATE) {
		gone = lhv_slot_by_id(old, mem->slot & 0xffff);
		ops->publish(ctx, change == LHV_SLOT_MOVE ? hidden : new);
		r = ops->zap(ctx, gone);
		if (r) {
			ops->publish(ctx, old);
			return r;
		}
	}
	if (change != LHV_SLOT_DELETE)
		ops->publish(ctx, new);
	return 0;
}
