// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/host/test_gpt.c - host unit tests of the guest page-table
 * walker (kmod/gpt.c) against SDM vol. 3, chapter 4: page tables are built
 * in a fake guest memory that the walker reads through its callback, for
 * every paging mode (none, 32-bit with and without PSE/PSE-36, PAE,
 * 4-level, 5-level), large pages, permission faults (U/S, R/W with CR0.WP,
 * XD with EFER.NXE, SMEP), not-present and reserved-bit faults with their
 * error codes (SDM 4.7), and read failures.  Also lhv_gpt_walk_range, the
 * per-page split of an access that crosses a page: each page its own walk
 * and fault (CR2 = first byte in the faulting page), scattered GPAs, and
 * the 4 GiB wrap outside 64-bit mode.
 * Output is KTAP (ktap.c); the exit status is non-zero on any failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt.h"
#include "ktap.h"

#define CR0_PE		(1ull << 0)
#define CR0_WP		(1ull << 16)
#define CR0_PG		(1ull << 31)
#define CR4_PSE		(1ull << 4)
#define CR4_PAE		(1ull << 5)
#define CR4_LA57	(1ull << 12)
#define CR4_SMEP	(1ull << 20)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)
#define EFER_NXE	(1ull << 11)

#define P		(1ull << 0)
#define RW		(1ull << 1)
#define US		(1ull << 2)
#define PWT		(1ull << 3)
#define PCD		(1ull << 4)
#define A		(1ull << 5)
#define D		(1ull << 6)
#define PS		(1ull << 7)
#define G		(1ull << 8)
#define PAT_LARGE	(1ull << 12)
#define XD		(1ull << 63)
#define ALL		(P | RW | US)

/* Error code bits and access kinds. */
#define EP		LHV_PF_PRESENT
#define EW		LHV_PF_WRITE
#define EU		LHV_PF_USER
#define ER		LHV_PF_RSVD
#define EI		LHV_PF_FETCH
#define READ		0u

#define PG		4096ull

/* ---------------------------------------------------------------- */
/* Fake guest memory                                                 */
/* ---------------------------------------------------------------- */

#define MEM_PAGES	64

static struct guest {
	u8 mem[MEM_PAGES * PG];
	u64 next;		/* bump allocator, page 0 left unused */
	u64 poison;		/* a read here fails with poison_err */
	int poison_err;
	int reads, bad_reads, wide_reads;
} g;

static int guest_read(void *opaque, u64 gpa, void *buf, int size)
{
	struct guest *gs = opaque;

	if (gs != &g || (size != 4 && size != 8) || (gpa & (size - 1)))
		gs->bad_reads++;
	gs->reads++;
	if (size == 8)
		gs->wide_reads++;
	if (gpa == gs->poison)
		return gs->poison_err;
	if (gpa >= sizeof(gs->mem) || gpa + size > sizeof(gs->mem))
		return -EFAULT;
	memcpy(buf, gs->mem + gpa, size);
	return 0;
}

static void reset(void)
{
	memset(g.mem, 0, sizeof(g.mem));
	g.next = 1;
	g.poison = ~0ull;
	g.poison_err = 0;
}

static u64 new_page(void)
{
	if (g.next >= MEM_PAGES) {
		ktap_diag("out of fake guest memory");
		abort();
	}
	return g.next++ * PG;
}

static u64 *e64(u64 gpa)
{
	return (u64 *)(g.mem + gpa);
}

static u32 *e32(u64 gpa)
{
	return (u32 *)(g.mem + gpa);
}

static unsigned int idx64(u64 gva, int level)
{
	return (gva >> (12 + 9 * (level - 1))) & 511;
}

static unsigned int idx32(u64 gva, int level)
{
	return (gva >> (12 + 10 * (level - 1))) & 1023;
}

/*
 * A chain of 64-bit tables from a new root (level @levels) down to
 * @leaf_level, whose entry for @gva is @leaf; the others are @flags.
 */
static u64 build64(int levels, u64 gva, int leaf_level, u64 leaf, u64 flags)
{
	u64 root = new_page(), table = root;
	int level;

	for (level = levels; level > leaf_level; level--) {
		u64 next = new_page();

		*e64(table + idx64(gva, level) * 8) = next | flags;
		table = next;
	}
	*e64(table + idx64(gva, leaf_level) * 8) = leaf;
	return root;
}

/* The 64-bit entry that maps @gva at @level, found from @root. */
static u64 *ent64(u64 root, int levels, u64 gva, int level)
{
	u64 table = root;
	int l;

	for (l = levels; l > level; l--)
		table = *e64(table + idx64(gva, l) * 8) & 0x000ffffffffff000ull;
	return e64(table + idx64(gva, level) * 8);
}

/* ---------------------------------------------------------------- */
/* Environments and checks                                           */
/* ---------------------------------------------------------------- */

static struct lhv_gpt_env env_of(u64 cr0, u64 cr3, u64 cr4, u64 efer)
{
	struct lhv_gpt_env env = {
		.cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = efer,
		.read = guest_read, .opaque = &g,
	};
	return env;
}

#define PAGING		(CR0_PE | CR0_PG | CR0_WP)
#define LONG		(EFER_LME | EFER_LMA | EFER_NXE)

static struct lhv_gpt_env env32(u64 cr3, u64 cr4)
{
	return env_of(PAGING, cr3, cr4, 0);
}

static struct lhv_gpt_env envpae(u64 cr3, u64 efer)
{
	return env_of(PAGING, cr3, CR4_PAE, efer);
}

static struct lhv_gpt_env env64(u64 cr3, int levels)
{
	return env_of(PAGING, cr3, CR4_PAE | (levels == 5 ? CR4_LA57 : 0),
		      LONG);
}

/* want_r 0: *gpa == want; 1: *error_code == want; < 0: that errno. */
static void check(const char *name, const struct lhv_gpt_env *env, u64 gva,
		  u32 access, int want_r, u64 want)
{
	u64 gpa = 0xdeadbeefull;
	u32 err = 0xdead;
	int r;
	bool ok;

	g.reads = g.bad_reads = g.wide_reads = 0;
	r = lhv_gpt_walk(env, gva, access, &gpa, &err);
	ok = r == want_r && !g.bad_reads;
	if (ok && r == 0)
		ok = gpa == want;
	if (ok && r == 1)
		ok = err == want;
	/* 32-bit paging reads 4-byte entries only. */
	if (!(env->cr4 & CR4_PAE) && g.wide_reads)
		ok = false;
	if (!ok)
		ktap_diag("%s: r %d gpa %#" PRIx64 " err %#x bad reads %d wide %d; want r %d %#" PRIx64,
			  name, r, gpa, err, g.bad_reads, g.wide_reads,
			  want_r, want);
	ktap_result(ok, "gpt: %s", name);
}

#define OK(name, env, gva, acc, gpa)	check(name, env, gva, acc, 0, gpa)
#define PF(name, env, gva, acc, err)	check(name, env, gva, acc, 1, err)

/* ---------------------------------------------------------------- */
/* Paging off                                                        */
/* ---------------------------------------------------------------- */

static void test_nopaging(void)
{
	struct lhv_gpt_env env;

	reset();
	env = env_of(CR0_PE, 0, 0, 0);
	OK("off: protected mode truncates to 32 bits", &env, 0x123456789ull,
	   READ, 0x23456789);
	env = env_of(0, 0x1000, CR4_PAE | CR4_PSE, EFER_NXE);
	OK("off: real mode, CR4/CR3 ignored", &env, 0xffff0ull,
	   EW | EU | EI, 0xffff0);
	/* LMA without PG cannot happen; the walker keeps 64 bits then. */
	env = env_of(CR0_PE, 0, 0, EFER_LMA);
	OK("off: LMA keeps 64 bits", &env, 0x123456789ull, READ,
	   0x123456789ull);
	ktap_result(g.reads == 0, "gpt: off: no guest memory read");
}

/* ---------------------------------------------------------------- */
/* 32-bit paging                                                     */
/* ---------------------------------------------------------------- */

static void test_32bit(void)
{
	const u64 gva = 0x12345678;
	u64 pd, pt, pd2;
	struct lhv_gpt_env env;

	reset();
	pd = new_page();
	pt = new_page();
	*e32(pd + idx32(gva, 2) * 4) = pt | ALL;
	*e32(pt + idx32(gva, 1) * 4) = 0xabcde000 | ALL | A | D;
	/* Neighbours that an 8-byte read would pick up. */
	*e32(pd + (idx32(gva, 2) + 1) * 4) = 0xffffffff;
	*e32(pt + (idx32(gva, 1) + 1) * 4) = 0xffffffff;

	env = env32(pd, 0);
	OK("32: 4K page", &env, gva, READ, 0xabcde678);
	OK("32: upper 32 bits of the address ignored", &env,
	   gva | 0xffffffff00000000ull, READ, 0xabcde678);
	OK("32: user write fetch allowed", &env, gva, EW | EU | EI,
	   0xabcde678);
	env = env32(pd | PWT | PCD, 0);
	OK("32: CR3 PWT/PCD ignored", &env, gva, READ, 0xabcde678);

	*e32(pt + idx32(gva, 1) * 4) = 0xfffff000 | ALL;
	env = env32(pd, 0);
	OK("32: 4K page at the top of 4 GiB", &env, gva, READ, 0xfffff678);

	/* 4 MiB pages with CR4.PSE; PSE-36 bits 20:13 are PA 39:32. */
	*e32(pd + idx32(gva, 2) * 4) = 0x87c00000 | PS | ALL;
	env = env32(pd, CR4_PSE);
	OK("32: 4M page (PSE)", &env, gva, READ, 0x87f45678);
	ktap_result(g.reads == 1, "gpt: 32: 4M page reads the PDE only");
	*e32(pd + idx32(gva, 2) * 4) = 0x87c00000 | (0x5aull << 13) | PS |
				       ALL;
	OK("32: 4M page PSE-36 high bits", &env, gva, READ,
	   0x5a87f45678ull);
	*e32(pd + idx32(gva, 2) * 4) = 0xffc00000 | (0xffull << 13) | PS | P;
	OK("32: 4M page PSE-36 all high bits", &env, gva, READ,
	   0xfffff45678ull);

	/* PS set without CR4.PSE: the PDE still points to a page table. */
	*e32(pt + idx32(gva, 1) * 4) = 0xabcde000 | ALL;
	*e32(pd + idx32(gva, 2) * 4) = pt | PS | ALL;
	env = env32(pd, 0);
	OK("32: PS ignored without CR4.PSE", &env, gva, READ, 0xabcde678);
	env = env32(pd, CR4_PSE);
	OK("32: same PDE is a 4M page with CR4.PSE", &env, gva, READ,
	   (pt & 0xffc00000) | ((pt >> 13) & 0xff) << 32 | (gva & 0x3fffff));
	*e32(pd + idx32(gva, 2) * 4) = pt | ALL;

	/* Not present at each level: P = 0 with the access bits. */
	env = env32(pd, 0);
	*e32(pt + idx32(gva, 1) * 4) = 0xabcde000 | RW | US;
	PF("32: PTE not present, read", &env, gva, READ, 0);
	PF("32: PTE not present, user write", &env, gva, EW | EU, EW | EU);
	*e32(pt + idx32(gva, 1) * 4) = 0xabcde000 | ALL;
	*e32(pd + idx32(gva, 2) * 4) = pt | RW | US;
	PF("32: PDE not present, write", &env, gva, EW, EW);
	/* I/D is 0 in 32-bit paging without SMEP (SDM 4.7). */
	PF("32: PDE not present, fetch: I/D clear", &env, gva, EI, 0);
	PF("32: PDE not present, user fetch: I/D clear", &env, gva, EI | EU,
	   EU);
	env = env32(pd, CR4_SMEP);
	PF("32: PDE not present, fetch with SMEP: I/D set", &env, gva, EI,
	   EI);
	*e32(pd + idx32(gva, 2) * 4) = pt | ALL;

	/* Permissions; no XD in 32-bit entries. */
	*e32(pt + idx32(gva, 1) * 4) = 0xabcde000 | P | RW;
	env = env32(pd, 0);
	PF("32: user read of supervisor page", &env, gva, EU, EP | EU);
	OK("32: supervisor read of supervisor page", &env, gva, READ,
	   0xabcde678);
	*e32(pt + idx32(gva, 1) * 4) = 0xabcde000 | P | US;
	PF("32: user write of read-only page", &env, gva, EW | EU,
	   EP | EW | EU);
	PF("32: supervisor write, read-only, WP=1", &env, gva, EW, EP | EW);
	env = env_of(CR0_PE | CR0_PG, pd, 0, 0);
	OK("32: supervisor write, read-only, WP=0", &env, gva, EW,
	   0xabcde678);
	PF("32: user write, read-only, WP=0", &env, gva, EW | EU,
	   EP | EW | EU);
	env = env32(pd, CR4_SMEP);
	PF("32: SMEP supervisor fetch of user page", &env, gva, EI, EP | EI);
	OK("32: SMEP user fetch of user page", &env, gva, EI | EU,
	   0xabcde678);

	/* Read failures propagate. */
	pd2 = pd;
	g.poison = pd2 + idx32(gva, 2) * 4;
	g.poison_err = -EIO;
	env = env32(pd, 0);
	check("32: PDE read fails", &env, gva, READ, -EIO, 0);
	g.poison = pt + idx32(gva, 1) * 4;
	check("32: PTE read fails", &env, gva, READ, -EIO, 0);
	g.poison = ~0ull;
	*e32(pd + idx32(gva, 2) * 4) = 0x7ffff000 | ALL;
	check("32: page table outside memory", &env, gva, READ, -EFAULT, 0);
}

/* ---------------------------------------------------------------- */
/* PAE paging                                                        */
/* ---------------------------------------------------------------- */

static void test_pae(void)
{
	const u64 gva = 0xc0345678;
	u64 pdpt, pd, pt, pdpte;
	struct lhv_gpt_env env;

	reset();
	/* CR3 holds a 32-byte aligned PDPT, not page aligned. */
	pdpt = new_page() + 0x40;
	pd = new_page();
	pt = new_page();
	pdpte = pdpt + (gva >> 30) * 8;
	*e64(pdpte) = pd | P;
	*e64(pd + idx64(gva, 2) * 8) = pt | ALL;
	*e64(pt + idx64(gva, 1) * 8) = 0x1234567000ull | ALL;

	env = envpae(pdpt, 0);
	OK("pae: 4K page above 4 GiB", &env, gva, READ, 0x1234567678ull);
	OK("pae: upper 32 bits of the address ignored", &env,
	   gva | 0xffffffff00000000ull, READ, 0x1234567678ull);
	env = envpae(pdpt | PWT | PCD, 0);
	OK("pae: CR3 PWT/PCD ignored", &env, gva, READ, 0x1234567678ull);
	*e64(pt + idx64(gva, 1) * 8) = 0x000ffffffffff000ull | ALL | G;
	env = envpae(pdpt, 0);
	OK("pae: 4K page at bit 51", &env, gva, READ, 0x000ffffffffff678ull);
	*e64(pt + idx64(gva, 1) * 8) = 0x1234567000ull | ALL;

	/* 2 MiB pages do not need CR4.PSE; PAT (bit 12) is not address. */
	*e64(pd + idx64(gva, 2) * 8) = 0x1234400000ull | PS | ALL | PAT_LARGE;
	OK("pae: 2M page", &env, gva, READ,
	   0x1234400000ull | (gva & 0x1fffff));
	ktap_result(g.reads == 2, "gpt: pae: 2M page reads PDPTE and PDE");
	*e64(pd + idx64(gva, 2) * 8) = pt | ALL;

	/* Other PDPTEs are not used for this address. */
	*e64(pdpt + ((gva >> 30) ^ 1) * 8) = 0;
	OK("pae: only the PDPTE of bits 31:30", &env, gva, READ,
	   0x1234567678ull);

	/* Not present at each level. */
	*e64(pdpte) = pd;
	PF("pae: PDPTE not present", &env, gva, EW, EW);
	*e64(pdpte) = pd | P;
	*e64(pd + idx64(gva, 2) * 8) = pt | RW | US;
	PF("pae: PDE not present", &env, gva, EU, EU);
	*e64(pd + idx64(gva, 2) * 8) = pt | ALL;
	*e64(pt + idx64(gva, 1) * 8) = 0x1234567000ull | RW | US;
	PF("pae: PTE not present, fetch, NXE=0: I/D clear", &env, gva, EI, 0);
	env = envpae(pdpt, EFER_NXE);
	PF("pae: PTE not present, fetch, NXE=1: I/D set", &env, gva, EI, EI);

	/* XD in PAE entries with EFER.NXE. */
	*e64(pt + idx64(gva, 1) * 8) = 0x1234567000ull | ALL | XD;
	PF("pae: XD fetch", &env, gva, EI, EP | EI);
	OK("pae: XD read", &env, gva, READ, 0x1234567678ull);
	*e64(pt + idx64(gva, 1) * 8) = 0x1234567000ull | ALL;
	*e64(pd + idx64(gva, 2) * 8) = pt | ALL | XD;
	PF("pae: XD in the PDE", &env, gva, EI | EU, EP | EI | EU);
	/* With NXE = 0, bit 63 is reserved (SDM 4.4.2). */
	env = envpae(pdpt, 0);
	PF("pae: XD with NXE=0 is reserved", &env, gva, READ, EP | ER);
	*e64(pd + idx64(gva, 2) * 8) = pt | ALL;

	/* Read failures, including the PDPTE. */
	g.poison = pdpte;
	g.poison_err = -EIO;
	check("pae: PDPTE read fails", &env, gva, READ, -EIO, 0);
	g.poison = pd + idx64(gva, 2) * 8;
	check("pae: PDE read fails", &env, gva, READ, -EIO, 0);
	g.poison = pt + idx64(gva, 1) * 8;
	g.poison_err = -E2BIG;
	check("pae: PTE read fails, errno kept", &env, gva, READ, -E2BIG, 0);
	g.poison = ~0ull;
}

/* ---------------------------------------------------------------- */
/* 4-level and 5-level paging                                        */
/* ---------------------------------------------------------------- */

static void test_4level(void)
{
	const u64 gva = 0xffff8123456789abull;
	const u64 off4k = gva & 0xfff, off2m = gva & 0x1fffff,
		  off1g = gva & 0x3fffffff;
	struct lhv_gpt_env env;
	u64 root;

	reset();
	root = build64(4, gva, 1, 0x000fedcba9876000ull | ALL, ALL);
	env = env64(root, 4);
	OK("4l: 4K page", &env, gva, READ, 0x000fedcba9876000ull | off4k);
	OK("4l: user write fetch allowed", &env, gva, EW | EU | EI,
	   0x000fedcba9876000ull | off4k);
	env = env64(root | PWT | PCD | (1ull << 63), 4);
	OK("4l: CR3 flag bits ignored", &env, gva, READ,
	   0x000fedcba9876000ull | off4k);
	env = env64(root, 4);
	*ent64(root, 4, gva, 1) = 0xfff0000000001000ull | ALL;
	PF("4l: XD and bits 62:52 in leaf: fetch faults", &env, gva, EI,
	   EP | EI);
	*ent64(root, 4, gva, 1) = 0x7ff0000000001000ull | ALL;
	OK("4l: bits 62:52 are not address", &env, gva, READ,
	   0x1000 | off4k);

	/* 2 MiB and 1 GiB pages; PAT bit 12 is not address. */
	reset();
	root = build64(4, gva, 2, 0x0000012345600000ull | PS | ALL |
		       PAT_LARGE, ALL);
	env = env64(root, 4);
	OK("4l: 2M page", &env, gva, READ, 0x0000012345600000ull | off2m);
	ktap_result(g.reads == 3, "gpt: 4l: 2M page reads three entries");
	reset();
	root = build64(4, gva, 3, 0x00000456c0000000ull | PS | ALL |
		       PAT_LARGE, ALL);
	env = env64(root, 4);
	OK("4l: 1G page", &env, gva, READ, 0x00000456c0000000ull | off1g);
	ktap_result(g.reads == 2, "gpt: 4l: 1G page reads two entries");

	/* PS is reserved in a PML4E (SDM 4.5.4, table 4-15). */
	reset();
	root = build64(4, gva, 4, 0x0000008000000000ull | PS | ALL, ALL);
	env = env64(root, 4);
	PF("4l: PS in PML4E is reserved", &env, gva, READ, EP | ER);
	PF("4l: PS in PML4E is reserved, user write", &env, gva, EW | EU,
	   EP | ER | EW | EU);

	/* Not present at each level, with I/D since NXE = 1. */
	reset();
	root = build64(4, gva, 1, 0x5000 | ALL, ALL);
	env = env64(root, 4);
	{
		static const char *const names[] = { NULL,
			"4l: PTE not present", "4l: PDE not present",
			"4l: PDPTE not present", "4l: PML4E not present" };
		int level;

		for (level = 1; level <= 4; level++) {
			u64 *e = ent64(root, 4, gva, level);
			u64 save = *e;
			char name[80];

			*e = save & ~P;
			PF(names[level], &env, gva, EW | EU, EW | EU);
			snprintf(name, sizeof(name), "%s, fetch", names[level]);
			PF(name, &env, gva, EI, EI);
			snprintf(name, sizeof(name), "%s, entry 0", names[level]);
			*e = 0;
			PF(name, &env, gva, READ, 0);
			*e = save;
		}
	}
	env.efer &= ~EFER_NXE;
	*ent64(root, 4, gva, 2) &= ~P;
	PF("4l: not present, fetch, NXE=0: I/D clear", &env, gva, EI, 0);
	*ent64(root, 4, gva, 2) |= P;
	env.efer |= EFER_NXE;
	OK("4l: all present again", &env, gva, READ, 0x5000 | off4k);

	/* U/S: a supervisor bit at any level makes the page supervisor. */
	{
		int level;

		for (level = 1; level <= 4; level++) {
			char name[80];

			*ent64(root, 4, gva, level) &= ~US;
			snprintf(name, sizeof(name),
				 "4l: U/S=0 at level %d: user read", level);
			PF(name, &env, gva, EU, EP | EU);
			snprintf(name, sizeof(name),
				 "4l: U/S=0 at level %d: supervisor ok", level);
			OK(name, &env, gva, EW | EI, 0x5000 | off4k);
			*ent64(root, 4, gva, level) |= US;

			*ent64(root, 4, gva, level) &= ~RW;
			snprintf(name, sizeof(name),
				 "4l: R/W=0 at level %d: user write", level);
			PF(name, &env, gva, EW | EU, EP | EW | EU);
			snprintf(name, sizeof(name),
				 "4l: R/W=0 at level %d: WP=1 kernel write",
				 level);
			PF(name, &env, gva, EW, EP | EW);
			env.cr0 &= ~CR0_WP;
			snprintf(name, sizeof(name),
				 "4l: R/W=0 at level %d: WP=0 kernel write",
				 level);
			OK(name, &env, gva, EW, 0x5000 | off4k);
			env.cr0 |= CR0_WP;
			*ent64(root, 4, gva, level) |= RW;

			*ent64(root, 4, gva, level) |= XD;
			snprintf(name, sizeof(name),
				 "4l: XD at level %d: fetch", level);
			PF(name, &env, gva, EI, EP | EI);
			snprintf(name, sizeof(name),
				 "4l: XD at level %d: user fetch", level);
			PF(name, &env, gva, EI | EU, EP | EI | EU);
			snprintf(name, sizeof(name),
				 "4l: XD at level %d: read, write ok", level);
			OK(name, &env, gva, EW | EU, 0x5000 | off4k);
			env.efer &= ~EFER_NXE;
			snprintf(name, sizeof(name),
				 "4l: XD at level %d with NXE=0: reserved",
				 level);
			PF(name, &env, gva, EU, EP | ER | EU);
			env.efer |= EFER_NXE;
			*ent64(root, 4, gva, level) &= ~XD;
		}
	}

	/* U/S is checked before R/W: a user write to a supervisor page. */
	*ent64(root, 4, gva, 1) &= ~(US | RW);
	PF("4l: user write of supervisor read-only page", &env, gva, EW | EU,
	   EP | EW | EU);
	*ent64(root, 4, gva, 1) |= US | RW;

	/* SMEP: supervisor fetches from user pages fault. */
	env.cr4 |= CR4_SMEP;
	PF("4l: SMEP supervisor fetch of user page", &env, gva, EI, EP | EI);
	OK("4l: SMEP supervisor read of user page", &env, gva, READ,
	   0x5000 | off4k);
	OK("4l: SMEP user fetch of user page", &env, gva, EI | EU,
	   0x5000 | off4k);
	*ent64(root, 4, gva, 3) &= ~US;
	OK("4l: SMEP supervisor fetch of supervisor page", &env, gva, EI,
	   0x5000 | off4k);
	*ent64(root, 4, gva, 3) |= US;
	env.efer &= ~EFER_NXE;
	PF("4l: SMEP fault with NXE=0 still sets I/D", &env, gva, EI,
	   EP | EI);
	env.efer |= EFER_NXE;
	env.cr4 &= ~CR4_SMEP;
	OK("4l: no SMEP: supervisor fetch of user page", &env, gva, EI,
	   0x5000 | off4k);

	/* Read failures at each level. */
	{
		int level;

		for (level = 1; level <= 4; level++) {
			char name[80];
			u64 *e = ent64(root, 4, gva, level);

			g.poison = (u8 *)e - g.mem;
			g.poison_err = -EIO - level;
			snprintf(name, sizeof(name),
				 "4l: read of level %d fails", level);
			check(name, &env, gva, READ, -EIO - level, 0);
		}
		g.poison = ~0ull;
		*ent64(root, 4, gva, 3) = 0x100000000ull | ALL;
		check("4l: table outside guest memory", &env, gva, READ,
		      -EFAULT, 0);
	}
}

static void test_5level(void)
{
	/* Canonical for 57 bits: bits 63:57 copy bit 56. */
	const u64 gva = 0xff123456789abcdeull;
	struct lhv_gpt_env env;
	u64 root;

	reset();
	root = build64(5, gva, 1, 0x0000abcdef012000ull | ALL, ALL);
	env = env64(root, 5);
	OK("5l: 4K page", &env, gva, READ, 0x0000abcdef012000ull | 0xcde);
	ktap_result(g.reads == 5, "gpt: 5l: 4K page reads five entries");
	ktap_result(idx64(gva, 5) == 0x112, "gpt: 5l: PML5 index is bits 56:48");

	/* Without LA57 the PML5 is taken as a PML4: no entry there. */
	env = env64(root, 4);
	PF("5l: same CR3 without LA57 walks 4 levels", &env, gva, READ, 0);
	env = env64(root, 5);

	*ent64(root, 5, gva, 5) &= ~US;
	PF("5l: U/S=0 in PML5E: user read", &env, gva, EU, EP | EU);
	*ent64(root, 5, gva, 5) |= US;
	*ent64(root, 5, gva, 5) &= ~P;
	PF("5l: PML5E not present", &env, gva, EW, EW);
	*ent64(root, 5, gva, 5) |= P;

	reset();
	root = build64(5, gva, 3, 0x0000abcdc0000000ull | PS | ALL, ALL);
	env = env64(root, 5);
	OK("5l: 1G page", &env, gva, READ,
	   0x0000abcdc0000000ull | (gva & 0x3fffffff));
	reset();
	root = build64(5, gva, 5, 0x0001000000000000ull | PS | ALL, ALL);
	env = env64(root, 5);
	PF("5l: PS in PML5E is reserved", &env, gva, READ, EP | ER);
	reset();
	root = build64(5, gva, 4, 0x0000008000000000ull | PS | ALL, ALL);
	env = env64(root, 5);
	PF("5l: PS in PML4E is reserved", &env, gva, EI, EP | ER | EI);

	g.poison = root + idx64(gva, 5) * 8;
	g.poison_err = -EIO;
	check("5l: PML5E read fails", &env, gva, READ, -EIO, 0);
	g.poison = ~0ull;
}


/* ---------------------------------------------------------------- */
/* lhv_gpt_walk_range: accesses that cross a page                   */
/* ---------------------------------------------------------------- */

static bool frag_is(const struct lhv_gpt_range *rg, int i, u64 gva, u64 gpa,
		    int off, int len)
{
	const struct lhv_gpt_frag *f = &rg->frag[i];

	if (f->gva == gva && f->gpa == gpa && f->off == off && f->len == len)
		return true;
	ktap_diag("frag %d: gva %#" PRIx64 " gpa %#" PRIx64 " off %u len %u",
		  i, f->gva, f->gpa, f->off, f->len);
	return false;
}

static void test_range(void)
{
	const u64 base = 0x00007f1234560000ull;
	const u64 pa = 0x0000000abc005000ull, pb = 0x0000000abc003000ull;
	struct lhv_gpt_range rg;
	struct lhv_gpt_env env;
	u32 err;
	u64 root;
	int r;

	reset();
	/* base -> pa, base + 4K -> pb (below pa), base + 8K not present. */
	root = build64(4, base, 1, pa | ALL, ALL);
	*ent64(root, 4, base + PG, 1) = pb | ALL;
	env = env64(root, 4);

	r = lhv_gpt_walk_range(&env, base + 0x10, 8, READ, false, &rg, &err);
	ktap_result(r == 0 && rg.nr == 1 && frag_is(&rg, 0, base + 0x10,
						     pa + 0x10, 0, 8),
		    "gpt range: inside one page: one fragment");
	r = lhv_gpt_walk_range(&env, base + 0xff8, 8, EW, false, &rg, &err);
	ktap_result(r == 0 && rg.nr == 1,
		    "gpt range: ends at the page's last byte: one fragment");
	r = lhv_gpt_walk_range(&env, base + 0xffd, 8, EW, false, &rg, &err);
	ktap_result(r == 0 && rg.nr == 2 &&
		    frag_is(&rg, 0, base + 0xffd, pa + 0xffd, 0, 3) &&
		    frag_is(&rg, 1, base + PG, pb, 3, 5),
		    "gpt range: crosses: second part at the next page's GPA");
	r = lhv_gpt_walk_range(&env, base + 0x1fff, 2, EW, false, &rg, &err);
	ktap_result(r == 1 && err == EW && rg.fault_gva == base + 2 * PG &&
		    rg.nr == 0,
		    "gpt range: second page not present: #PF, CR2 = its first byte");
	r = lhv_gpt_walk_range(&env, base - 2, 4, READ, false, &rg, &err);
	ktap_result(r == 1 && err == 0 && rg.fault_gva == base - 2,
		    "gpt range: first page not present: CR2 = the access");

	*ent64(root, 4, base + PG, 1) &= ~RW;
	r = lhv_gpt_walk_range(&env, base + 0xffe, 4, READ, false, &rg, &err);
	ktap_result(r == 0 && rg.nr == 2,
		    "gpt range: read-only second page: a read passes");
	r = lhv_gpt_walk_range(&env, base + 0xffe, 4, EW, false, &rg, &err);
	ktap_result(r == 1 && err == (EP | EW) && rg.fault_gva == base + PG,
		    "gpt range: read-only second page: a write faults there");
	*ent64(root, 4, base + PG, 1) |= RW;
	*ent64(root, 4, base + PG, 1) &= ~US;
	r = lhv_gpt_walk_range(&env, base + 0xfff, 2, EU, false, &rg, &err);
	ktap_result(r == 1 && err == (EP | EU) && rg.fault_gva == base + PG,
		    "gpt range: supervisor second page: a user read faults");
	*ent64(root, 4, base + PG, 1) |= US;

	r = lhv_gpt_walk_range(&env, base + 0x800, 4096, READ, false, &rg,
			       &err);
	ktap_result(r == 0 && rg.nr == 2 &&
		    frag_is(&rg, 0, base + 0x800, pa + 0x800, 0, 0x800) &&
		    frag_is(&rg, 1, base + PG, pb, 0x800, 0x800),
		    "gpt range: a page-sized access at mid-page: two halves");
	r = lhv_gpt_walk_range(&env, base, 0, READ, false, &rg, &err);
	ktap_result(r < 0, "gpt range: size 0 refused");
	r = lhv_gpt_walk_range(&env, base, 4097, READ, false, &rg, &err);
	ktap_result(r < 0, "gpt range: size over a page refused");

	g.poison = (*ent64(root, 4, base, 2) & 0x000ffffffffff000ull) +
		   idx64(base + PG, 1) * 8;
	g.poison_err = -EIO;
	r = lhv_gpt_walk_range(&env, base + 0xffc, 8, READ, false, &rg, &err);
	ktap_result(r == -EIO && rg.nr == 0,
		    "gpt range: second page's PTE unreadable: the errno");
	g.poison = ~0ull;

	/* Outside 64-bit mode the linear address wraps at 4 GiB. */
	env = env_of(CR0_PE, 0, 0, 0);
	r = lhv_gpt_walk_range(&env, 0xfffffffeull, 4, READ, true, &rg, &err);
	ktap_result(r == 0 && rg.nr == 2 &&
		    frag_is(&rg, 0, 0xfffffffeull, 0xfffffffeull, 0, 2) &&
		    frag_is(&rg, 1, 0, 0, 2, 2),
		    "gpt range: 32-bit linear address wraps to 0");
	/* In 64-bit mode it does not: 4 GiB is the next page. */
	reset();
	root = build64(4, 0xfffff000ull, 1, pa | ALL, ALL);
	*ent64(root, 4, 0x100000000ull, 3) = new_page() | ALL;
	*ent64(root, 4, 0x100000000ull, 2) = new_page() | ALL;
	*ent64(root, 4, 0x100000000ull, 1) = pb | ALL;
	env = env64(root, 4);
	r = lhv_gpt_walk_range(&env, 0xfffffffeull, 4, READ, false, &rg,
			       &err);
	ktap_result(r == 0 && rg.nr == 2 &&
		    frag_is(&rg, 1, 0x100000000ull, pb, 2, 2),
		    "gpt range: 64-bit: 4 GiB is the next page, no wrap");
}

int main(void)
{
	test_nopaging();
	test_32bit();
	test_pae();
	test_4level();
	test_5level();
	test_range();
	return ktap_finish();
}
