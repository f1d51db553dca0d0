// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/host/test_slots.c - host unit tests of the memslot code
 * (mmu/slots.c): the KVM_SET_USER_MEMORY_REGION rules of lhv_slot_check,
 * the sorted snapshots lhv_slots_apply builds, the lookups, the order of
 * layouts and zap in lhv_slots_update (against a fake MMU), and a
 * randomized comparison against a page-array reference model.
 * Output is KTAP (ktap.c); the exit status is non-zero on any failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_types.h"
#include "ktap.h"

#define PG		LHV_PAGE_SIZE
#define RO		KVM_MEM_READONLY
#define LOG		KVM_MEM_LOG_DIRTY_PAGES
/* lhv proper supports READONLY only; LOG lets the flag rules show. */
#define SUPPORTED	(RO | LOG)

#define CREATE		LHV_SLOT_CREATE
#define DELETE		LHV_SLOT_DELETE
#define MOVE		LHV_SLOT_MOVE
#define NOP		LHV_SLOT_NOP

static struct kvm_userspace_memory_region region(u32 slot, u32 flags,
						 u64 gpa, u64 size, u64 uaddr)
{
	struct kvm_userspace_memory_region m = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = uaddr,
	};
	return m;
}

/* Check and, when valid, apply one request to *s; returns the check. */
static int set_region(struct lhv_memslots *s, u32 supported, u32 slot,
		      u32 flags, u64 gpa, u64 size, u64 uaddr,
		      enum lhv_slot_change *change)
{
	struct kvm_userspace_memory_region m =
		region(slot, flags, gpa, size, uaddr);
	struct lhv_memslots next;
	int r;

	r = lhv_slot_check(s, &m, supported, LHV_MAX_GPA, change);
	if (r)
		return r;
	memset(&next, 0xa5, sizeof(next));
	lhv_slots_apply(&next, s, &m, *change);
	*s = next;
	return 0;
}

/* Sorted by base_gfn, no overlap, unique ids below the limit. */
static bool slots_sane(const struct lhv_memslots *s)
{
	u32 seen = 0, i;

	if (s->nr > LHV_MAX_MEMSLOTS)
		return false;
	for (i = 0; i < s->nr; i++) {
		const struct lhv_memslot *p = &s->slot[i];

		if (p->id >= LHV_MAX_MEMSLOTS || (seen & (1u << p->id)))
			return false;
		seen |= 1u << p->id;
		if (!p->npages)
			return false;
		if (i && s->slot[i - 1].base_gfn + s->slot[i - 1].npages >
			 p->base_gfn)
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------- */
/* lhv_slot_check against a fixed set of three slots                 */
/* ---------------------------------------------------------------- */

/*
 * Base state: slot 0 at [0, 1 MiB), slot 1 read-only at [2 MiB, 4 MiB),
 * slot 5 one page at 4 GiB.  Gaps: [1 MiB, 2 MiB) and [4 MiB, 4 GiB).
 */
#define U0	0x7f0000000000ull
#define U1	0x7f0001000000ull
#define U5	0x7f0002000000ull

static void base_state(struct lhv_memslots *s)
{
	enum lhv_slot_change c;

	memset(s, 0, sizeof(*s));
	set_region(s, SUPPORTED, 5, 0, 0x100000000ull, PG, U5, &c);
	set_region(s, SUPPORTED, 1, RO, 0x200000, 0x200000, U1, &c);
	set_region(s, SUPPORTED, 0, 0, 0, 0x100000, U0, &c);
}

struct ccase {
	const char *name;
	u32 supported;
	u32 slot, flags;
	u64 gpa, size, uaddr;
	int ret;
	enum lhv_slot_change change;
};

#define S	SUPPORTED
#define E	(-EINVAL)
#define X	(-EEXIST)
#define NEW	0x7f1000000000ull

static const struct ccase ccases[] = {
	/* Flags. */
	{ "flags: unsupported LOG_DIRTY", RO, 2, LOG, 0x100000, PG, NEW, E },
	{ "flags: bit 2", S, 2, 1u << 2, 0x100000, PG, NEW, E },
	{ "flags: bit 31", S, 2, 1u << 31, 0x100000, PG, NEW, E },
	{ "flags: READONLY create", RO, 2, RO, 0x100000, PG, NEW, 0, CREATE },
	{ "flags: LOG|READONLY create", S, 2, LOG | RO, 0x100000, PG, NEW,
	  0, CREATE },
	/* Slot ids and address spaces. */
	{ "id: as_id 1", S, 1u << 16 | 2, 0, 0x100000, PG, NEW, E },
	{ "id: as_id 0xffff", S, 0xffffu << 16 | 2, 0, 0x100000, PG, NEW, E },
	{ "id: 31 accepted", S, 31, 0, 0x100000, PG, NEW, 0, CREATE },
	{ "id: 32 rejected", S, 32, 0, 0x100000, PG, NEW, E },
	{ "id: 0xffff rejected", S, 0xffff, 0, 0x100000, PG, NEW, E },
	{ "id: as_id 1 delete", S, 1u << 16 | 0, 0, 0, 0, U0, E },
	/* Alignment. */
	{ "align: size 0x1001", S, 2, 0, 0x100000, 0x1001, NEW, E },
	{ "align: size 0x800", S, 2, 0, 0x100000, 0x800, NEW, E },
	{ "align: gpa +1", S, 2, 0, 0x100001, PG, NEW, E },
	{ "align: gpa +0x800", S, 2, 0, 0x100800, PG, NEW, E },
	{ "align: uaddr +8", S, 2, 0, 0x100000, PG, NEW + 8, E },
	{ "align: delete with gpa +1", S, 0, 0, 1, 0, U0, E },
	/* Wraparound and limits. */
	{ "wrap: gpa end past 2^64", S, 2, 0, 0xfffffffffffff000ull, 2 * PG,
	  NEW, E },
	{ "wrap: gpa end exactly 2^64", S, 2, 0, 0xfffffffffffff000ull, PG,
	  NEW, E },
	{ "wrap: uaddr end past 2^64", S, 2, 0, 0x100000, 2 * PG,
	  0xfffffffffffff000ull, E },
	{ "wrap: uaddr end exactly 2^64", S, 2, 0, 0x100000, PG,
	  0xfffffffffffff000ull, E },
	{ "wrap: huge size", S, 2, 0, 0x100000, 0xfffffffffff00000ull, NEW, E },
	{ "max gpa: last page", S, 2, 0, LHV_MAX_GPA - PG, PG, NEW, 0, CREATE },
	{ "max gpa: one page over", S, 2, 0, LHV_MAX_GPA - PG, 2 * PG, NEW, E },
	{ "max gpa: at 2^52", S, 2, 0, LHV_MAX_GPA, PG, NEW, E },
	{ "max gpa: at 2^63", S, 2, 0, 1ull << 63, PG, NEW, E },
	{ "max pages: 2^31 pages", S, 2, 0, 1ull << 44,
	  LHV_MAX_SLOT_PAGES * PG, NEW, 0, CREATE },
	{ "max pages: 2^31 + 1 pages", S, 2, 0, 1ull << 44,
	  (LHV_MAX_SLOT_PAGES + 1) * PG, NEW, E },
	/* Delete. */
	{ "delete: missing slot 2", S, 2, 0, 0, 0, 0, E },
	{ "delete: missing slot 31", S, 31, 0, 0x100000, 0, NEW, E },
	{ "delete: slot 0", S, 0, 0, 0, 0, U0, 0, DELETE },
	{ "delete: slot 1 other gpa/uaddr/flags", S, 1, 0, 0x7000000, 0, 0,
	  0, DELETE },
	{ "delete: slot 5", S, 5, RO, 0, 0, 0, 0, DELETE },
	/* Re-setting an existing slot. */
	{ "nop: slot 0 again", S, 0, 0, 0, 0x100000, U0, 0, NOP },
	{ "nop: slot 1 again (READONLY)", S, 1, RO, 0x200000, 0x200000, U1,
	  0, NOP },
	{ "change: flags only (LOG_DIRTY)", S, 0, LOG, 0, 0x100000, U0, E },
	{ "change: size grows", S, 0, 0, 0, 0x101000, U0, E },
	{ "change: size shrinks", S, 0, 0, 0, 0xff000, U0, E },
	{ "change: uaddr", S, 0, 0, 0, 0x100000, U0 + PG, E },
	{ "change: set READONLY", S, 0, RO, 0, 0x100000, U0, E },
	{ "change: clear READONLY", S, 1, 0, 0x200000, 0x200000, U1, E },
	{ "change: move and grow", S, 0, 0, 0x10000000, 0x101000, U0, E },
	{ "change: move and new uaddr", S, 0, 0, 0x10000000, 0x100000, NEW,
	  E },
	{ "change: move and set READONLY", S, 5, RO, 0x10000000, PG, U5, E },
	{ "change: move past 2^52", S, 5, 0, LHV_MAX_GPA, PG, U5, E },
	/* Moves. */
	{ "move: slot 0 to 256 MiB", S, 0, 0, 0x10000000, 0x100000, U0,
	  0, MOVE },
	{ "move: slot 0 and set LOG_DIRTY", S, 0, LOG, 0x10000000, 0x100000,
	  U0, 0, MOVE },
	{ "move: slot 0 by one page (overlaps itself)", S, 0, 0, PG, 0x100000,
	  U0, 0, MOVE },
	{ "move: slot 0 to end where slot 1 starts", S, 0, 0, 0x100000,
	  0x100000, U0, 0, MOVE },
	{ "move: slot 0 one page into slot 1", S, 0, 0, 0x101000, 0x100000,
	  U0, X },
	{ "move: slot 5 onto slot 0", S, 5, 0, 0xff000, PG, U5, X },
	{ "move: slot 5 between 0 and 1", S, 5, 0, 0x1ff000, PG, U5, 0, MOVE },
	{ "move: slot 5 to last page", S, 5, 0, LHV_MAX_GPA - PG, PG, U5,
	  0, MOVE },
	/* Overlap on create. */
	{ "overlap: tail of slot 0", S, 2, 0, 0x80000, 0x100000, NEW, X },
	{ "overlap: last page of slot 0", S, 2, 0, 0xff000, PG, NEW, X },
	{ "overlap: first page of slot 0", S, 2, 0, 0, PG, NEW, X },
	{ "overlap: inside slot 1", S, 2, 0, 0x201000, PG, NEW, X },
	{ "overlap: covers slots 0 and 1", S, 2, 0, 0, 0x1000000, NEW, X },
	{ "overlap: gap plus first page of slot 1", S, 2, 0, 0x100000,
	  0x101000, NEW, X },
	{ "overlap: last page of slot 1 and beyond", S, 2, 0, 0x3ff000,
	  2 * PG, NEW, X },
	{ "overlap: covers slot 5", S, 2, 0, 0xfffff000ull, 3 * PG, NEW, X },
	{ "overlap: same uaddr is not overlap", S, 2, 0, 0x100000, PG, U0,
	  0, CREATE },
	{ "adjacent: fills the gap exactly", S, 2, 0, 0x100000, 0x100000,
	  NEW, 0, CREATE },
	{ "adjacent: page after slot 0", S, 2, 0, 0x100000, PG, NEW, 0, CREATE },
	{ "adjacent: page before slot 1", S, 2, 0, 0x1ff000, PG, NEW, 0,
	  CREATE },
	{ "adjacent: page after slot 1", S, 2, 0, 0x400000, PG, NEW, 0, CREATE },
	{ "adjacent: up to slot 5", S, 2, 0, 0x400000,
	  0x100000000ull - 0x400000, NEW, 0, CREATE },
	{ "adjacent: page after slot 5", S, 2, 0, 0x100001000ull, PG, NEW,
	  0, CREATE },
	/* Error precedence: a bad request that also overlaps is -EINVAL. */
	{ "precedence: unaligned size and overlap", S, 2, 0, 0, 0x1800, NEW,
	  E },
	{ "precedence: bad id and overlap", S, 40, 0, 0, PG, NEW, E },
};

static void run_ccase(const struct ccase *c)
{
	struct lhv_memslots s, before;
	struct kvm_userspace_memory_region m =
		region(c->slot, c->flags, c->gpa, c->size, c->uaddr);
	enum lhv_slot_change change = (enum lhv_slot_change)-1;
	int r;

	base_state(&s);
	before = s;
	r = lhv_slot_check(&s, &m, c->supported, LHV_MAX_GPA, &change);
	if (r != c->ret || (!r && change != c->change))
		ktap_diag("%s: ret %d change %d, want %d/%d", c->name, r,
			  change, c->ret, c->change);
	ktap_result(r == c->ret && (r || change == c->change) &&
		    !memcmp(&s, &before, sizeof(s)), "slots: check %s",
		    c->name);
}

/* ---------------------------------------------------------------- */
/* lhv_slots_apply and the lookups                                   */
/* ---------------------------------------------------------------- */

static bool slot_is(const struct lhv_memslot *p, u16 id, u64 gfn, u64 n,
		    u64 uaddr, u32 flags)
{
	return p && p->id == id && p->base_gfn == gfn && p->npages == n &&
	       p->userspace_addr == uaddr && p->flags == flags;
}

static void test_apply(void)
{
	static const u16 ids[] = { 7, 3, 12, 0, 31, 9, 1 };
	static const u64 gfns[] = { 0x500, 0x100, 0x900, 0x0, 0x10000, 0x300,
				    0x200 };
	struct lhv_memslots s = { 0 };
	enum lhv_slot_change c;
	bool ok = true;
	u32 i;

	/* Create out of order; every step stays sorted. */
	for (i = 0; i < 7; i++) {
		ok &= !set_region(&s, S, ids[i], i & 1 ? RO : 0,
				  gfns[i] * PG, 0x10 * PG, NEW + i * 0x100000,
				  &c) && c == CREATE && s.nr == i + 1;
		ok &= slots_sane(&s);
	}
	ktap_result(ok, "slots: apply create x7 sorted");

	ok = true;
	for (i = 0; i < 7; i++)
		ok &= slot_is(lhv_slot_by_id(&s, ids[i]), ids[i], gfns[i],
			      0x10, NEW + i * 0x100000, i & 1 ? RO : 0);
	ok &= lhv_slot_by_id(&s, 2) == NULL && lhv_slot_by_id(&s, 32) == NULL;
	ktap_result(ok, "slots: by_id after create");

	ok = s.slot[0].id == 0 && s.slot[1].id == 3 && s.slot[2].id == 1 &&
	     s.slot[3].id == 9 && s.slot[4].id == 7 && s.slot[5].id == 12 &&
	     s.slot[6].id == 31;
	ktap_result(ok, "slots: apply order by base_gfn");

	/* Move id 31 to the front, id 0 to the back, id 9 in place. */
	ok = !set_region(&s, S, 31, 0, 0x80 * PG, 0x10 * PG,
			 NEW + 4 * 0x100000, &c) && c == MOVE;
	ok &= !set_region(&s, S, 0, RO, 0x20000 * PG, 0x10 * PG,
			  NEW + 3 * 0x100000, &c) &&
	      c == MOVE;
	ok &= !set_region(&s, S, 9, RO, 0x308 * PG, 0x10 * PG,
			  NEW + 5 * 0x100000, &c) && c == MOVE;
	ok &= slots_sane(&s) && s.nr == 7;
	ok &= s.slot[0].id == 31 && s.slot[1].id == 3 && s.slot[2].id == 1 &&
	      s.slot[3].id == 9 && s.slot[4].id == 7 && s.slot[5].id == 12 &&
	      s.slot[6].id == 0;
	ok &= slot_is(lhv_slot_by_id(&s, 31), 31, 0x80, 0x10,
		      NEW + 4 * 0x100000, 0);
	ok &= slot_is(lhv_slot_by_id(&s, 9), 9, 0x308, 0x10,
		      NEW + 5 * 0x100000, RO);
	ktap_result(ok, "slots: apply move keeps ids, re-sorts");

	/* A NOP keeps everything. */
	{
		struct lhv_memslots before = s;

		ok = !set_region(&s, S, 12, 0, 0x900 * PG, 0x10 * PG,
				 NEW + 2 * 0x100000, &c) && c == NOP;
		ok &= !memcmp(&before, &s, sizeof(s));
		ktap_result(ok, "slots: apply nop is identity");
	}

	/* Delete from the middle, the front and the back. */
	ok = !set_region(&s, S, 9, 0, 0, 0, 0, &c) && c == DELETE;
	ok &= !set_region(&s, S, 31, 0, 0, 0, 0, &c) && c == DELETE;
	ok &= !set_region(&s, S, 0, 0, 0, 0, 0, &c) && c == DELETE;
	ok &= slots_sane(&s) && s.nr == 4;
	ok &= s.slot[0].id == 3 && s.slot[1].id == 1 && s.slot[2].id == 7 &&
	      s.slot[3].id == 12;
	ok &= !lhv_slot_by_id(&s, 9) && !lhv_slot_by_id(&s, 31) &&
	      !lhv_slot_by_id(&s, 0);
	ok &= !lhv_slot_by_gfn(&s, 0x308) && !lhv_slot_by_gfn(&s, 0x80);
	ok &= set_region(&s, S, 9, 0, 0, 0, 0, &c) == -EINVAL;
	ktap_result(ok, "slots: apply delete");

	/* Delete all; then the id can be reused anywhere. */
	ok = true;
	while (s.nr)
		ok &= !set_region(&s, S, s.slot[0].id, 0, 0, 0, 0, &c);
	ok &= !lhv_slot_by_gfn(&s, 0x100) && !lhv_slot_by_id(&s, 3);
	ok &= !set_region(&s, S, 3, 0, 0, PG, NEW, &c) && c == CREATE &&
	      s.nr == 1;
	ktap_result(ok, "slots: apply delete all, reuse id");
}

static void test_lookup(void)
{
	struct lhv_memslots s = { 0 };
	enum lhv_slot_change c;
	bool ok = true;
	u64 gfn;
	u32 i;

	ok &= !lhv_slot_by_gfn(&s, 0) && !lhv_slot_by_gfn(&s, ~0ull) &&
	      !lhv_slot_by_id(&s, 0);
	ktap_result(ok, "slots: lookup in empty set");

	set_region(&s, S, 4, 0, 0x1000 * PG, PG, NEW, &c);
	ok = lhv_slot_by_gfn(&s, 0x1000) == &s.slot[0] &&
	     !lhv_slot_by_gfn(&s, 0xfff) && !lhv_slot_by_gfn(&s, 0x1001) &&
	     lhv_slot_by_id(&s, 4) == &s.slot[0];
	ktap_result(ok, "slots: lookup single one-page slot");

	/*
	 * 32 slots of i + 1 pages with gaps of i pages (none before the
	 * first), ids in a scrambled order: first and last page of each,
	 * the pages either side of each gap.
	 */
	memset(&s, 0, sizeof(s));
	gfn = 0;
	for (i = 0; i < LHV_MAX_MEMSLOTS; i++) {
		u16 id = (i * 13 + 5) % LHV_MAX_MEMSLOTS;

		gfn += i;
		ok &= !set_region(&s, S, id, 0, gfn * PG, (i + 1) * PG,
				  NEW + gfn * PG, &c);
		gfn += i + 1;
	}
	ktap_result(ok && s.nr == LHV_MAX_MEMSLOTS && slots_sane(&s),
		    "slots: 32 slots created");

	ok = true;
	gfn = 0;
	for (i = 0; i < LHV_MAX_MEMSLOTS; i++) {
		u16 id = (i * 13 + 5) % LHV_MAX_MEMSLOTS;
		const struct lhv_memslot *p = lhv_slot_by_id(&s, id);

		gfn += i;
		ok &= p && p->base_gfn == gfn && p->npages == i + 1;
		ok &= lhv_slot_by_gfn(&s, gfn) == p;
		ok &= lhv_slot_by_gfn(&s, gfn + i) == p;
		ok &= lhv_slot_by_gfn(&s, gfn + i / 2) == p;
		if (i)
			ok &= !lhv_slot_by_gfn(&s, gfn - 1) &&
			      !lhv_slot_by_gfn(&s, gfn - i);
		ok &= !lhv_slot_by_gfn(&s, gfn + i + 1);
		gfn += i + 1;
	}
	ok &= !lhv_slot_by_gfn(&s, gfn) && !lhv_slot_by_gfn(&s, gfn + 1000) &&
	      !lhv_slot_by_gfn(&s, ~0ull);
	ktap_result(ok, "slots: lookup first/last/gap pages of 32 slots");

	/* Exhaustive over the whole range against a linear scan. */
	ok = true;
	for (gfn = 0; gfn < 1200; gfn++) {
		const struct lhv_memslot *want = NULL;

		for (i = 0; i < s.nr; i++)
			if (gfn >= s.slot[i].base_gfn &&
			    gfn < s.slot[i].base_gfn + s.slot[i].npages)
				want = &s.slot[i];
		ok &= lhv_slot_by_gfn(&s, gfn) == want;
	}
	ktap_result(ok, "slots: lookup every gfn of 32 slots");

	/* Slots at the top of the guest-physical space. */
	memset(&s, 0, sizeof(s));
	ok = !set_region(&s, S, 1, 0, LHV_MAX_GPA - 4 * PG, 4 * PG, NEW, &c);
	ok &= !set_region(&s, S, 2, 0, 0, PG, NEW, &c);
	gfn = (LHV_MAX_GPA >> LHV_PAGE_SHIFT);
	ok &= lhv_slot_by_gfn(&s, gfn - 1) == lhv_slot_by_id(&s, 1) &&
	      lhv_slot_by_gfn(&s, gfn - 4) == lhv_slot_by_id(&s, 1) &&
	      !lhv_slot_by_gfn(&s, gfn - 5) && !lhv_slot_by_gfn(&s, gfn) &&
	      lhv_slot_by_gfn(&s, 0) == lhv_slot_by_id(&s, 2) &&
	      !lhv_slot_by_gfn(&s, ~0ull);
	ktap_result(ok, "slots: lookup at the top of the GPA space");
}

/* ---------------------------------------------------------------- */
/* Randomized comparison with a reference model                      */
/* ---------------------------------------------------------------- */

/*
 * The model keeps what each guest page maps to (slot id or -1) for a
 * small universe of pages, and what each id holds.  Its rules are written
 * from the KVM API document, independently of slots.c; like lhv it has no
 * dirty logging, so a flags-only change of a slot is refused.
 */
#define MPAGES		512
#define MIDS		(LHV_MAX_MEMSLOTS + 4)

struct model {
	int page[MPAGES];
	struct {
		bool used;
		u64 gfn, npages, uaddr;
		u32 flags;
	} id[LHV_MAX_MEMSLOTS];
};

static u64 rnd(u64 *state)
{
	/* xorshift64* */
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dull;
}

static int model_check(const struct model *md,
		       const struct kvm_userspace_memory_region *m,
		       enum lhv_slot_change *change)
{
	u32 as = m->slot >> 16, id = m->slot & 0xffff;
	u64 gfn = m->guest_phys_addr / PG, n = m->memory_size / PG, p;

	if ((m->flags & ~SUPPORTED) || as || id >= LHV_MAX_MEMSLOTS)
		return -EINVAL;
	if (m->memory_size % PG || m->guest_phys_addr % PG ||
	    m->userspace_addr % PG)
		return -EINVAL;
	/* Sizes here are small: only the GPA can go past the limit. */
	if (!n) {
		if (!md->id[id].used)
			return -EINVAL;
		*change = DELETE;
		return 0;
	}
	if (gfn + n > (LHV_MAX_GPA >> LHV_PAGE_SHIFT))
		return -EINVAL;
	if (md->id[id].used) {
		if (md->id[id].npages != n || md->id[id].uaddr !=
		    m->userspace_addr || ((md->id[id].flags ^ m->flags) & RO))
			return -EINVAL;
		if (md->id[id].gfn == gfn) {
			if (md->id[id].flags != m->flags)
				return -EINVAL;
			*change = NOP;
			return 0;
		}
		*change = MOVE;
	} else {
		*change = CREATE;
	}
	for (p = gfn; p < gfn + n; p++)
		if (md->page[p] >= 0 && md->page[p] != (int)id)
			return -EEXIST;
	return 0;
}

static void model_apply(struct model *md,
			const struct kvm_userspace_memory_region *m)
{
	u32 id = m->slot & 0xffff;
	u64 p;

	for (p = 0; p < MPAGES; p++)
		if (md->page[p] == (int)id)
			md->page[p] = -1;
	md->id[id].used = m->memory_size != 0;
	if (!md->id[id].used)
		return;
	md->id[id].gfn = m->guest_phys_addr / PG;
	md->id[id].npages = m->memory_size / PG;
	md->id[id].uaddr = m->userspace_addr;
	md->id[id].flags = m->flags;
	for (p = md->id[id].gfn; p < md->id[id].gfn + md->id[id].npages; p++)
		md->page[p] = id;
}

/* A request: mostly valid-looking, sometimes broken in one way. */
static struct kvm_userspace_memory_region random_request(u64 *st,
							 const struct model *md)
{
	u32 id = rnd(st) % MIDS;
	u64 r = rnd(st) % 100;
	struct kvm_userspace_memory_region m;
	u32 flags = 0;
	u64 gfn, n;

	if (rnd(st) % 4 == 0)
		flags |= RO;
	if (rnd(st) % 8 == 0)
		flags |= LOG;
	if (rnd(st) % 64 == 0)
		flags |= 1u << (2 + rnd(st) % 30);
	gfn = rnd(st) % (MPAGES - 48);
	n = rnd(st) % 5 == 0 ? 0 : 1 + rnd(st) % 40;
	m = region(id, flags, gfn * PG, n * PG, NEW + (rnd(st) % 64) * 16 * PG);

	/* Re-use an existing slot's size/uaddr/flags (move, nop). */
	if (id < LHV_MAX_MEMSLOTS && md->id[id].used && r < 50) {
		m.memory_size = md->id[id].npages * PG;
		m.userspace_addr = md->id[id].uaddr;
		m.flags = md->id[id].flags;
		if (r < 10)
			m.guest_phys_addr = md->id[id].gfn * PG;
		if (r < 3)
			m.flags ^= LOG;
		if (r >= 45)
			m.memory_size = 0;
		if (gfn + md->id[id].npages > MPAGES)
			m.guest_phys_addr = md->id[id].gfn * PG;
	}
	switch (rnd(st) % 40) {
	case 0:
		m.guest_phys_addr |= 1 + rnd(st) % (PG - 1);
		break;
	case 1:
		m.memory_size |= 1 + rnd(st) % (PG - 1);
		break;
	case 2:
		m.userspace_addr |= 1 + rnd(st) % (PG - 1);
		break;
	case 3:
		m.slot |= (1 + rnd(st) % 0xffff) << 16;
		break;
	case 4:
		/* At or past 2^52: only valid for a delete. */
		m.guest_phys_addr = LHV_MAX_GPA + (rnd(st) % 4) * PG;
		break;
	}
	return m;
}

static bool compare(const struct lhv_memslots *s, const struct model *md)
{
	u32 id, nr = 0;
	u64 p;

	if (!slots_sane(s))
		return false;
	for (p = 0; p < MPAGES + 8; p++) {
		const struct lhv_memslot *got = lhv_slot_by_gfn(s, p);
		int want = p < MPAGES ? md->page[p] : -1;

		if (want < 0 ? got != NULL : !got || got->id != want)
			return false;
	}
	for (id = 0; id < MIDS; id++) {
		const struct lhv_memslot *got = lhv_slot_by_id(s, id);

		if (id >= LHV_MAX_MEMSLOTS || !md->id[id].used) {
			if (got)
				return false;
			continue;
		}
		nr++;
		if (!slot_is(got, id, md->id[id].gfn, md->id[id].npages,
			     md->id[id].uaddr, md->id[id].flags))
			return false;
	}
	return nr == s->nr;
}

static void test_model(u64 seed, int rounds)
{
	struct lhv_memslots s = { 0 };
	struct model md;
	u64 st = seed * 0x9e3779b97f4a7c15ull + 1;
	int i, ok_count = 0, fail = 0, counts[4] = { 0 }, einval = 0,
	    eexist = 0;

	memset(&md, 0, sizeof(md));
	for (i = 0; i < MPAGES; i++)
		md.page[i] = -1;

	for (i = 0; i < rounds && !fail; i++) {
		struct kvm_userspace_memory_region m = random_request(&st, &md);
		enum lhv_slot_change c1 = -1, c2 = -1;
		int r1, r2;

		r2 = model_check(&md, &m, &c2);
		r1 = set_region(&s, SUPPORTED, m.slot, m.flags,
				m.guest_phys_addr, m.memory_size,
				m.userspace_addr, &c1);
		if (r1 != r2 || (!r1 && c1 != c2)) {
			ktap_diag("model: round %d slot %#x flags %#x gpa %#" PRIx64
				  " size %#" PRIx64 " uaddr %#" PRIx64
				  ": got %d/%d want %d/%d", i, m.slot, m.flags,
				  (u64)m.guest_phys_addr, (u64)m.memory_size,
				  (u64)m.userspace_addr, r1, c1, r2, c2);
			fail++;
			break;
		}
		if (!r1) {
			model_apply(&md, &m);
			counts[c1]++;
			ok_count++;
		} else if (r1 == -EINVAL) {
			einval++;
		} else {
			eexist++;
		}
		if (!compare(&s, &md)) {
			ktap_diag("model: round %d: lookups differ", i);
			fail++;
		}
	}
	ktap_diag("model seed %" PRIu64 ": %d rounds, create %d delete %d move %d nop %d, -EINVAL %d -EEXIST %d",
		  seed, i, counts[CREATE], counts[DELETE], counts[MOVE],
		  counts[NOP], einval, eexist);
	/* Every kind of outcome must have been seen to mean anything. */
	ktap_result(!fail && counts[CREATE] && counts[DELETE] &&
		    counts[MOVE] && counts[NOP] && einval && eexist,
		    "slots: random model seed %" PRIu64 " (%d requests)",
		    seed, rounds);
}

/* ---------------------------------------------------------------- */
/* lhv_slots_update: layouts and zap in order, against a fake MMU     */
/* ---------------------------------------------------------------- */

/*
 * The fake VM maps gfns [0, FPAGES).  Each leaf remembers which page of
 * which slot it maps.  Every publish is followed by a guest that touches
 * every gfn (a vCPU racing with the ioctl, at its worst), so whatever a
 * layout makes reachable gets mapped.  The zap can be told to fail half
 * way, as lhv_mmu_zap() does on -ENOMEM.
 */
#define FPAGES		64

struct fake_vm {
	const struct lhv_memslots *cur;
	struct { bool mapped; u16 id; u64 off; } leaf[FPAGES];
	bool fail_zap;
	bool aliased;		/* one slot page mapped at two gfns */
};

static void fake_publish(void *ctx, struct lhv_memslots *slots)
{
	struct fake_vm *f = ctx;
	u64 g, h;

	f->cur = slots;
	for (g = 0; g < FPAGES; g++) {
		const struct lhv_memslot *sl = lhv_slot_by_gfn(slots, g);

		if (!sl || f->leaf[g].mapped)
			continue;
		f->leaf[g].mapped = true;
		f->leaf[g].id = sl->id;
		f->leaf[g].off = g - sl->base_gfn;
	}
	for (g = 0; g < FPAGES; g++)
		for (h = g + 1; h < FPAGES; h++)
			if (f->leaf[g].mapped && f->leaf[h].mapped &&
			    f->leaf[g].id == f->leaf[h].id &&
			    f->leaf[g].off == f->leaf[h].off)
				f->aliased = true;
}

static int fake_zap(void *ctx, const struct lhv_memslot *gone)
{
	struct fake_vm *f = ctx;
	u64 g, end = gone->base_gfn + gone->npages;

	if (f->fail_zap)
		end = gone->base_gfn + gone->npages / 2;
	for (g = gone->base_gfn; g < end && g < FPAGES; g++)
		f->leaf[g].mapped = false;
	return f->fail_zap ? -ENOMEM : 0;
}

static const struct lhv_slots_update_ops fake_ops = {
	.publish = fake_publish,
	.zap = fake_zap,
};

/* Every leaf maps what the published layout says is at its gfn. */
static bool fake_consistent(const struct fake_vm *f)
{
	u64 g;

	for (g = 0; g < FPAGES; g++) {
		const struct lhv_memslot *sl = lhv_slot_by_gfn(f->cur, g);

		if (!f->leaf[g].mapped)
			continue;
		if (!sl || sl->id != f->leaf[g].id ||
		    g - sl->base_gfn != f->leaf[g].off)
			return false;
	}
	return true;
}

/*
 * Slots 1 at [8, 16) and 2 at [32, 40), all mapped; then one change of
 * slot @id (to @gfn, or deleted when @npages is 0) with the zap
 * failing or not.  Returns whether the fake VM ends consistent, on the
 * expected layout, without ever aliasing.
 */
static bool fake_change(u32 id, u64 gfn, u64 npages, bool fail, int want_r)
{
	struct lhv_memslots s = { 0 }, new, hidden, *old = &s;
	struct kvm_userspace_memory_region m =
		region(id, 0, gfn * PG, npages * PG, NEW);
	struct fake_vm f = { 0 };
	enum lhv_slot_change c;
	int r;

	set_region(&s, S, 1, 0, 8 * PG, 8 * PG, NEW, &c);
	set_region(&s, S, 2, 0, 32 * PG, 8 * PG, NEW + 0x100000, &c);
	fake_publish(&f, &s);
	if (lhv_slot_check(old, &m, S, LHV_MAX_GPA, &c))
		return false;
	lhv_slots_apply(&new, old, &m, c);
	lhv_slots_apply(&hidden, old, &m, DELETE);
	f.fail_zap = fail;
	r = lhv_slots_update(old, &new, c == MOVE ? &hidden : NULL, &m, c,
			     &fake_ops, &f);
	if (r != want_r)
		ktap_diag("update: %d, want %d", r, want_r);
	return r == want_r && f.cur == (r ? old : &new) &&
	       fake_consistent(&f) && !f.aliased;
}

static void test_update(void)
{
	ktap_result(fake_change(1, 48, 8, false, 0), "update: move");
	ktap_result(fake_change(1, 48, 8, true, -ENOMEM),
		    "update: failed move leaves nothing at the new place");
	ktap_result(fake_change(1, 12, 8, false, 0),
		    "update: move overlapping itself");
	ktap_result(fake_change(1, 12, 8, true, -ENOMEM),
		    "update: failed move overlapping itself");
	ktap_result(fake_change(1, 0, 0, false, 0), "update: delete");
	ktap_result(fake_change(1, 0, 0, true, -ENOMEM),
		    "update: failed delete");
	ktap_result(fake_change(3, 16, 8, false, 0), "update: create");
}

/* ---------------------------------------------------------------- */
/* The VM's GPA limit: table depth and MAXPHYADDR                    */
/* ---------------------------------------------------------------- */

static int check_max(const struct lhv_memslots *s, u32 slot, u64 gpa,
		     u64 size, u64 uaddr, u64 max_gpa)
{
	struct kvm_userspace_memory_region m = region(slot, 0, gpa, size,
						      uaddr);
	enum lhv_slot_change c;

	return lhv_slot_check(s, &m, SUPPORTED, max_gpa, &c);
}

static void test_max_gpa(void)
{
	const u64 g48 = 1ull << 48;
	struct lhv_memslots s;
	enum lhv_slot_change c;

	ktap_result(lhv_max_gpa(4, 52) == g48 &&
		    lhv_max_gpa(4, 46) == 1ull << 46 &&
		    lhv_max_gpa(4, 40) == 1ull << 40 &&
		    lhv_max_gpa(5, 52) == LHV_MAX_GPA &&
		    lhv_max_gpa(5, 57) == LHV_MAX_GPA &&
		    lhv_max_gpa(5, 48) == g48, "slots: max gpa of levels/phys");

	/* 4-level tables: nothing at or across 2^48, where it would alias. */
	base_state(&s);
	ktap_result(check_max(&s, 2, g48 - PG, PG, NEW, g48) == 0 &&
		    check_max(&s, 2, g48 - PG, 2 * PG, NEW, g48) == -EINVAL &&
		    check_max(&s, 2, g48, PG, NEW, g48) == -EINVAL &&
		    check_max(&s, 2, g48 + (1ull << 39), PG, NEW, g48) ==
		    -EINVAL, "slots: create at/over a 2^48 limit");
	ktap_result(check_max(&s, 5, g48 - PG, PG, U5, g48) == 0 &&
		    check_max(&s, 5, g48, PG, U5, g48) == -EINVAL &&
		    check_max(&s, 5, 0x100000000ull, PG, U5, 1ull << 32) == 0 &&
		    check_max(&s, 5, 0, 0, 0, 1ull << 20) == 0,
		    "slots: move past the limit; nop and delete above it");
	/* Overlap is reported first, as KVM does. */
	memset(&s, 0, sizeof(s));
	ktap_result(!set_region(&s, S, 1, 0, g48 - PG, 2 * PG, NEW, &c) &&
		    check_max(&s, 2, g48, PG, NEW + PG, g48) == -EEXIST,
		    "slots: overlap is reported before the limit");
}

int main(int argc, char **argv)
{
	u64 seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	size_t i;

	{
		struct lhv_memslots s;

		base_state(&s);
		ktap_result(s.nr == 3 && slots_sane(&s) &&
			    s.slot[0].id == 0 && s.slot[1].id == 1 &&
			    s.slot[2].id == 5, "slots: base state");
	}
	for (i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++)
		run_ccase(&ccases[i]);
	test_apply();
	test_lookup();
	test_max_gpa();
	test_update();
	for (i = 0; i < 4; i++)
		test_model(seed + i, 5000);
	return ktap_finish();
}
