// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/host/test_pte.c - host unit tests of the second-level page
 * table entry formats (mmu/pte.c): NPT entries in the long-mode format
 * (APM vol. 2, 5.3.3 and 15.25.5), EPT entries (SDM vol. 3, 29.3.2:
 * R/W/X in bits 2:0, memory type in bits 5:3 of a leaf) and the table
 * index of each level.  Output is KTAP; non-zero exit on any failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "mmu_types.h"
#include "ktap.h"

#define NPT	LHV_MMU_NPT
#define EPT	LHV_MMU_EPT

/* Bits 51:12 hold the address in both formats. */
#define ADDR	0x000ffffffffff000ull

static void expect(bool ok, const char *name, u64 got, u64 want)
{
	if (!ok)
		ktap_diag("%s: got %#" PRIx64 " want %#" PRIx64, name, got,
			  want);
	ktap_result(ok, "pte: %s", name);
}

#define EQ(name, got, want)	expect((got) == (want), name, got, want)

static void test_npt(void)
{
	u64 pa = 0x123456789000ull;

	/* P, RW and US on every level; no NX, no PS, no PAT bits. */
	EQ("npt table", lhv_pte_table(NPT, pa), pa | 0x7);
	EQ("npt leaf writable", lhv_pte_leaf(NPT, pa, true), pa | 0x7);
	EQ("npt leaf read-only", lhv_pte_leaf(NPT, pa, false), pa | 0x5);
	EQ("npt table address masked",
	   lhv_pte_table(NPT, 0xfff0000000000fffull | pa), pa | 0x7);
	EQ("npt leaf address masked",
	   lhv_pte_leaf(NPT, 0xfff0000000000fffull | pa, false), pa | 0x5);
	EQ("npt leaf top address bit 51",
	   lhv_pte_leaf(NPT, 1ull << 51, true), (1ull << 51) | 0x7);
	EQ("npt leaf pa 0", lhv_pte_leaf(NPT, 0, true), 0x7);
	EQ("npt leaf no NX/PS/G/PAT",
	   lhv_pte_leaf(NPT, ~0ull, true) & ~ADDR, 0x7);

	ktap_result(lhv_pte_present(NPT, lhv_pte_leaf(NPT, pa, false)) &&
		    lhv_pte_present(NPT, lhv_pte_table(NPT, 0)) &&
		    lhv_pte_present(NPT, 1) &&
		    !lhv_pte_present(NPT, 0) &&
		    !lhv_pte_present(NPT, pa | 0x6) &&
		    !lhv_pte_present(NPT, ~1ull),
		    "pte: npt present is bit 0 only");
}

static void test_ept(void)
{
	u64 pa = 0xabcdef123000ull;
	u64 leaf = lhv_pte_leaf(EPT, pa, true);

	/* Tables: R, W, X; bits 7:3 are reserved or ignored, left 0. */
	EQ("ept table", lhv_pte_table(EPT, pa), pa | 0x7);
	EQ("ept table address masked",
	   lhv_pte_table(EPT, 0xfff0000000000fffull | pa), pa | 0x7);
	/* Leaves: WB (6) in bits 5:3, IPAT (bit 6) clear. */
	EQ("ept leaf writable", leaf, pa | 0x37);
	EQ("ept leaf read-only", lhv_pte_leaf(EPT, pa, false), pa | 0x35);
	EQ("ept leaf memory type WB", (leaf >> 3) & 7, 6);
	EQ("ept leaf IPAT clear", leaf & (1ull << 6), 0);
	EQ("ept leaf not a large page", leaf & (1ull << 7), 0);
	EQ("ept leaf address masked",
	   lhv_pte_leaf(EPT, 0xfff0000000000fffull | pa, true), pa | 0x37);
	EQ("ept leaf no high bits", lhv_pte_leaf(EPT, ~0ull, false) & ~ADDR,
	   0x35);

	/* Present: any of R, W, X; the memory type alone is not. */
	ktap_result(lhv_pte_present(EPT, leaf) &&
		    lhv_pte_present(EPT, lhv_pte_table(EPT, 0)) &&
		    lhv_pte_present(EPT, 1) && lhv_pte_present(EPT, 2) &&
		    lhv_pte_present(EPT, 4) &&
		    !lhv_pte_present(EPT, 0) &&
		    !lhv_pte_present(EPT, pa | 0x30) &&
		    !lhv_pte_present(EPT, ~7ull),
		    "pte: ept present is R|W|X");

	EQ("addr of npt leaf", lhv_pte_addr(lhv_pte_leaf(NPT, pa, true)), pa);
	EQ("addr of ept leaf", lhv_pte_addr(leaf), pa);
	EQ("addr drops bits 63:52 and 11:0", lhv_pte_addr(~0ull), ADDR);
}

static void test_index(void)
{
	static const unsigned int idx[6] = { 0, 0x1a3, 0x0, 0x1ff, 0x155,
					     0x0ab };
	u64 gpa = 0x987;
	bool ok = true;
	int level, i;

	/* Build a GPA from one index per level (5 = PML5) and an offset. */
	for (level = 1; level <= 5; level++)
		gpa |= (u64)idx[level] << (12 + 9 * (level - 1));
	for (level = 1; level <= 5; level++) {
		unsigned int got = lhv_pt_index(gpa, level);

		if (got != idx[level])
			ktap_diag("index level %d: got %#x want %#x", level,
				  got, idx[level]);
		ok &= got == idx[level];
	}
	ktap_result(ok, "pte: pt_index levels 1-5");

	ktap_result(lhv_pt_index(0xfff, 1) == 0 &&
		    lhv_pt_index(0x1000, 1) == 1 &&
		    lhv_pt_index(0x1ff000, 1) == 511 &&
		    lhv_pt_index(0x200000, 1) == 0 &&
		    lhv_pt_index(0x200000, 2) == 1 &&
		    lhv_pt_index(0x40000000, 3) == 1 &&
		    lhv_pt_index(0x8000000000ull, 4) == 1 &&
		    lhv_pt_index(0x1000000000000ull, 5) == 1,
		    "pte: pt_index boundaries");

	/* Bits above 56 do not leak into the PML5 index. */
	ktap_result(lhv_pt_index(~0ull, 5) == 511 &&
		    lhv_pt_index(1ull << 57, 5) == 0 &&
		    lhv_pt_index(~0ull, 1) == 511,
		    "pte: pt_index masks to 9 bits");

	/* Random GPAs: the indexes reassemble the page frame. */
	ok = true;
	for (i = 0; i < 10000; i++) {
		u64 r = ((u64)rand() << 33) ^ ((u64)rand() << 12) ^ rand();
		u64 back = r & 0xfff;

		r &= (1ull << 57) - 1;
		for (level = 1; level <= 5; level++)
			back |= (u64)lhv_pt_index(r, level) <<
				(12 + 9 * (level - 1));
		ok &= back == r;
	}
	ktap_result(ok, "pte: pt_index random 57-bit GPAs reassemble");
}

int main(int argc, char **argv)
{
	srand(argc > 1 ? strtoul(argv[1], NULL, 0) : 1);
	test_npt();
	test_ept();
	test_index();
	return ktap_finish();
}
