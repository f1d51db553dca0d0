// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/host/emul_native.c - the host CPU as the oracle for the
 * emulator (x86-64 hosts only):
 *
 * test_alu_oracle(): add/or/adc/sbb/and/sub/xor/cmp/test/inc/dec/neg/not in
 * 8/16/32/64 bits on edge and random values, emulated as "op [rbx], reg"
 * and executed natively on registers with inline asm; results and the
 * defined flags must agree.
 *
 * test_native(): random instructions of every emulated opcode (random
 * prefixes, REX bits, ModRM/SIB/RIP-relative/moffs addressing, 32-bit
 * address size, LOCK, REP, DF) are copied into an executable page between a
 * register load/store stub and run on the CPU against a buffer; the same
 * bytes are decoded and emulated against a copy of the buffer.  Registers,
 * defined flags, RIP and memory must agree.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "emul.h"
#include "ktap.h"
#include "test_emul.h"

#define FL_CF	0x001ULL
#define FL_AF	0x010ULL
#define FL_DF	0x400ULL
#define FL_STATUS 0x8d5ULL

static u64 rng;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static u64 mask_of(int bytes)
{
	return bytes == 8 ? ~0ULL : (1ULL << (bytes * 8)) - 1;
}

/* ---------------------------------------------------------------- */
/* ALU flags oracle                                                  */
/* ---------------------------------------------------------------- */

enum { OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP,
	OP_TEST, OP_INC, OP_DEC, OP_NEG, OP_NOT, NR_OPS };

static const struct {
	const char *name;
	u8 opcode;		/* 16/32/64-bit form; the byte form is - 1 */
	u8 modrm;		/* [rbx], eax or /digit */
	bool logic;		/* AF undefined */
	bool writes;
} alu_ops[NR_OPS] = {
	[OP_ADD] = { "add", 0x01, 0x03, false, true },
	[OP_OR] = { "or", 0x09, 0x03, true, true },
	[OP_ADC] = { "adc", 0x11, 0x03, false, true },
	[OP_SBB] = { "sbb", 0x19, 0x03, false, true },
	[OP_AND] = { "and", 0x21, 0x03, true, true },
	[OP_SUB] = { "sub", 0x29, 0x03, false, true },
	[OP_XOR] = { "xor", 0x31, 0x03, true, true },
	[OP_CMP] = { "cmp", 0x39, 0x03, false, false },
	[OP_TEST] = { "test", 0x85, 0x03, true, false },
	[OP_INC] = { "inc", 0xff, 0x03, false, true },
	[OP_DEC] = { "dec", 0xff, 0x0b, false, true },
	[OP_NEG] = { "neg", 0xf7, 0x1b, false, true },
	[OP_NOT] = { "not", 0xf7, 0x13, false, true },
};

/* Load RFLAGS, run one instruction, save RFLAGS (below the red zone). */
#define FL_ASM(insn)							\
	"lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopfq\n\t" insn		\
	"\n\tpushfq\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"

#define NBIN(mn)							\
	do {								\
		switch (size) {						\
		case 1:							\
			asm volatile(FL_ASM(mn "b %b[b], %b[a]")	\
				     : [a] "+q"(a), [f] "+r"(f)		\
				     : [b] "q"(b) : "cc");		\
			break;						\
		case 2:							\
			asm volatile(FL_ASM(mn "w %w[b], %w[a]")	\
				     : [a] "+r"(a), [f] "+r"(f)		\
				     : [b] "r"(b) : "cc");		\
			break;						\
		case 4:							\
			asm volatile(FL_ASM(mn "l %k[b], %k[a]")	\
				     : [a] "+r"(a), [f] "+r"(f)		\
				     : [b] "r"(b) : "cc");		\
			break;						\
		default:						\
			asm volatile(FL_ASM(mn "q %q[b], %q[a]")	\
				     : [a] "+r"(a), [f] "+r"(f)		\
				     : [b] "r"(b) : "cc");		\
			break;						\
		}							\
	} while (0)

#define NUN(mn)								\
	do {								\
		switch (size) {						\
		case 1:							\
			asm volatile(FL_ASM(mn "b %b[a]")		\
				     : [a] "+q"(a), [f] "+r"(f) : : "cc"); \
			break;						\
		case 2:							\
			asm volatile(FL_ASM(mn "w %w[a]")		\
				     : [a] "+r"(a), [f] "+r"(f) : : "cc"); \
			break;						\
		case 4:							\
			asm volatile(FL_ASM(mn "l %k[a]")		\
				     : [a] "+r"(a), [f] "+r"(f) : : "cc"); \
			break;						\
		default:						\
			asm volatile(FL_ASM(mn "q %q[a]")		\
				     : [a] "+r"(a), [f] "+r"(f) : : "cc"); \
			break;						\
		}							\
	} while (0)

static u64 native_alu(int op, int size, u64 a, u64 b, u64 *fl)
{
	u64 f = *fl;

	switch (op) {
	case OP_ADD: NBIN("add"); break;
	case OP_OR: NBIN("or"); break;
	case OP_ADC: NBIN("adc"); break;
	case OP_SBB: NBIN("sbb"); break;
	case OP_AND: NBIN("and"); break;
	case OP_SUB: NBIN("sub"); break;
	case OP_XOR: NBIN("xor"); break;
	case OP_CMP: NBIN("cmp"); break;
	case OP_TEST: NBIN("test"); break;
	case OP_INC: NUN("inc"); break;
	case OP_DEC: NUN("dec"); break;
	case OP_NEG: NUN("neg"); break;
	case OP_NOT: NUN("not"); break;
	}
	*fl = f;
	return a & mask_of(size);
}

/* "op [rbx], eax" through the emulator: memory holds a, RAX holds b. */
static int emulated_alu(int op, int size, u64 a, u64 b, u64 *fl, u64 *r)
{
	struct lhv_emul_ctx ctx = { 0 };
	struct lhv_insn in;
	u8 code[4];
	int n = 0, ret;

	if (size == 2)
		code[n++] = 0x66;
	if (size == 8)
		code[n++] = 0x48;
	code[n++] = alu_ops[op].opcode - (size == 1);
	code[n++] = alu_ops[op].modrm;
	if (lhv_decode(code, n, LHV_CPU_LONG64, &in) != n)
		return -100;
	ctx.regs[3] = 0x1000;
	ctx.regs[0] = b;
	ctx.rflags = *fl;
	*r = a & mask_of(size);
	for (;;) {
		struct lhv_emul_access *acc = &ctx.acc[ctx.nr_done];

		ret = lhv_emulate_mmio(&in, &ctx);
		if (ret == LHV_EMUL_READ)
			acc->data = a & mask_of(size);
		else if (ret == LHV_EMUL_WRITE)
			*r = acc->data;
		else
			break;
		ctx.nr_done++;
	}
	*fl = ctx.rflags;
	return ret;
}

static const u64 edges[] = {
	0, 1, 2, 0x0f, 0x10, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
	0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, ~0ULL,
};

#define NR_EDGES	(sizeof(edges) / sizeof(edges[0]))

static u64 interesting(int size)
{
	u64 sb = 1ULL << (size * 8 - 1);

	switch (rnd() % 4) {
	case 0:
		return rnd() % 33;
	case 1:
		return sb + (rnd() % 9) - 4;
	case 2:
		return edges[rnd() % NR_EDGES] ^ (rnd() % 3);
	}
	return rnd();
}

void test_alu_oracle(unsigned int seed)
{
	static const int sizes[] = { 1, 2, 4, 8 };
	int op, si, i, j;

	rng = 0x9e3779b97f4a7c15ULL ^ seed;
	for (op = 0; op < NR_OPS; op++) {
		for (si = 0; si < 4; si++) {
			int size = sizes[si], fails = 0, count = 0;
			u64 fmask = FL_STATUS | FL_DF;

			if (alu_ops[op].logic)
				fmask &= ~FL_AF;
			for (i = 0; i < (int)(NR_EDGES * NR_EDGES * 2 + 4000);
			     i++) {
				u64 a, b, fin, fn, fe, rn, re;
				int ret;

				if (i < (int)(NR_EDGES * NR_EDGES * 2)) {
					a = edges[(i / 2) % NR_EDGES];
					b = edges[(i / 2) / NR_EDGES];
					fin = 0x2 | (i & 1);
				} else {
					a = interesting(size);
					b = interesting(size);
					fin = 0x2 | (rnd() & FL_STATUS);
				}
				fn = fin;
				fe = fin;
				rn = native_alu(op, size, a, b, &fn);
				ret = emulated_alu(op, size, a, b, &fe, &re);
				count++;
				if (ret == LHV_EMUL_DONE && rn == re &&
				    !((fn ^ fe) & fmask))
					continue;
				if (fails++ < 3)
					ktap_diag("%s%d a=%#" PRIx64 " b=%#"
						  PRIx64 " fl=%#" PRIx64
						  ": native %#" PRIx64 "/%#"
						  PRIx64 " emul %#" PRIx64
						  "/%#" PRIx64 " ret %d",
						  alu_ops[op].name, size * 8,
						  a, b, fin, rn, fn, re, fe,
						  ret);
			}
			j = count;
			ktap_result(!fails, "alu_oracle %s%d (%d cases)",
				    alu_ops[op].name, size * 8, j);
		}
	}
}

/* ---------------------------------------------------------------- */
/* Native differential test                                          */
/* ---------------------------------------------------------------- */

struct nstate {
	u64 regs[16];
	u64 rflags;		/* offset 128 */
};

#define BUF_SIZE	0x10000
#define CODE_SIZE	0x1000

static u8 *code_page, *buf, *buf_native, *buf_init;
static int insn_off;		/* where the instruction goes in code_page */
static u64 gen_target;		/* the memory operand generate() chose */
static sigjmp_buf fault_jmp;
static volatile int fault_sig;

static void on_fault(int sig)
{
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

static int emit_mov(u8 *p, bool store, int reg, int off)
{
	p[0] = 0x48 | (reg >= 8 ? 4 : 0);
	p[1] = store ? 0x89 : 0x8b;
	p[2] = 0x80 | ((reg & 7) << 3) | 7;	/* [rdi + disp32] */
	memcpy(p + 3, &off, 4);
	return 7;
}

/*
 * The stub: save callee-saved registers, load RFLAGS and the GPRs from
 * the struct nstate in RDI (RSP excepted), run the instruction, store
 * everything back, restore.
 */
static void build_stub(const u8 *insn, int len)
{
	static const u8 save[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41,
				   0x56, 0x41, 0x57, 0x57 };
	static const u8 restore[] = { 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d,
				      0x41, 0x5c, 0x5d, 0x5b, 0xc3 };
	u8 *p = code_page;
	int r;

	memcpy(p, save, sizeof(save));
	p += sizeof(save);
	p += emit_mov(p, false, 0, 128);
	*p++ = 0x50;		/* push rax */
	*p++ = 0x9d;		/* popfq */
	for (r = 0; r < 16; r++)
		if (r != 4 && r != 7)
			p += emit_mov(p, false, r, r * 8);
	p += emit_mov(p, false, 7, 7 * 8);
	insn_off = p - code_page;
	memcpy(p, insn, len);
	p += len;
	*p++ = 0x9c;		/* pushfq */
	*p++ = 0xfc;		/* cld */
	memcpy(p, "\x48\x87\x7c\x24\x08", 5);	/* xchg rdi, [rsp + 8] */
	p += 5;
	for (r = 0; r < 16; r++)
		if (r != 4 && r != 7)
			p += emit_mov(p, true, r, r * 8);
	*p++ = 0x58;		/* pop rax: flags */
	p += emit_mov(p, true, 0, 128);
	*p++ = 0x58;		/* pop rax: guest rdi */
	p += emit_mov(p, true, 0, 7 * 8);
	memcpy(p, restore, sizeof(restore));
}

/* Generator spec flags. */
#define G_BYTE		0x0001	/* byte operand */
#define G_LOCK		0x0002	/* LOCK allowed */
#define G_LOGIC		0x0004	/* AF undefined */
#define G_BT		0x0008	/* only CF defined; reg is a bit offset */
#define G_STR		0x0010	/* string instruction, no ModRM */
#define G_MOFFS		0x0020	/* A0-A3 */
#define G_NO66		0x0040	/* no 16-bit form */
#define G_REGOP		0x0080	/* ModRM.reg is a register operand */
#define G_IMM8		0x0100
#define G_IMMZ		0x0200
#define G_CMPX		0x0400	/* CMPXCHG: make RAX match memory half the time */

struct gspec {
	char name[24];
	u8 op[2];
	u8 oplen;
	s8 digit;		/* ModRM.reg for group opcodes, or -1 */
	u16 flags;
};

static struct gspec specs[128];
static int nr_specs;

static void add_spec(const char *name, int op, int digit, int flags)
{
	struct gspec *g = &specs[nr_specs++];

	snprintf(g->name, sizeof(g->name), "%s", name);
	if (op > 0xff) {
		g->op[0] = 0x0f;
		g->op[1] = op & 0xff;
		g->oplen = 2;
	} else {
		g->op[0] = op;
		g->oplen = 1;
	}
	g->digit = digit;
	g->flags = flags | (digit < 0 && !(flags & (G_STR | G_MOFFS)) ?
			    G_REGOP : 0);
}

static void build_specs(void)
{
	static const char *const alu[8] = { "add", "or", "adc", "sbb", "and",
					    "sub", "xor", "cmp" };
	char name[24];
	int i, d;

	for (i = 0; i < 8; i++) {
		int lock = i == 7 ? 0 : G_LOCK;
		int logic = (i == 1 || i == 4 || i == 6) ? G_LOGIC : 0;

		snprintf(name, sizeof(name), "%s Eb,Gb", alu[i]);
		add_spec(name, i * 8, -1, G_BYTE | lock | logic);
		snprintf(name, sizeof(name), "%s Ev,Gv", alu[i]);
		add_spec(name, i * 8 + 1, -1, lock | logic);
		snprintf(name, sizeof(name), "%s Gb,Eb", alu[i]);
		add_spec(name, i * 8 + 2, -1, G_BYTE | logic);
		snprintf(name, sizeof(name), "%s Gv,Ev", alu[i]);
		add_spec(name, i * 8 + 3, -1, logic);
		snprintf(name, sizeof(name), "%s Eb,Ib", alu[i]);
		add_spec(name, 0x80, i, G_BYTE | G_IMM8 | lock | logic);
		snprintf(name, sizeof(name), "%s Ev,Iz", alu[i]);
		add_spec(name, 0x81, i, G_IMMZ | lock | logic);
		snprintf(name, sizeof(name), "%s Ev,Ib", alu[i]);
		add_spec(name, 0x83, i, G_IMM8 | lock | logic);
	}
	add_spec("test Eb,Gb", 0x84, -1, G_BYTE | G_LOGIC);
	add_spec("test Ev,Gv", 0x85, -1, G_LOGIC);
	add_spec("test Eb,Ib", 0xf6, 0, G_BYTE | G_IMM8 | G_LOGIC);
	add_spec("test Ev,Iz", 0xf7, 0, G_IMMZ | G_LOGIC);
	add_spec("not Eb", 0xf6, 2, G_BYTE | G_LOCK);
	add_spec("not Ev", 0xf7, 2, G_LOCK);
	add_spec("neg Eb", 0xf6, 3, G_BYTE | G_LOCK);
	add_spec("neg Ev", 0xf7, 3, G_LOCK);
	add_spec("inc Eb", 0xfe, 0, G_BYTE | G_LOCK);
	add_spec("inc Ev", 0xff, 0, G_LOCK);
	add_spec("dec Eb", 0xfe, 1, G_BYTE | G_LOCK);
	add_spec("dec Ev", 0xff, 1, G_LOCK);
	add_spec("xchg Eb,Gb", 0x86, -1, G_BYTE | G_LOCK);
	add_spec("xchg Ev,Gv", 0x87, -1, G_LOCK);
	add_spec("mov Eb,Gb", 0x88, -1, G_BYTE);
	add_spec("mov Ev,Gv", 0x89, -1, 0);
	add_spec("mov Gb,Eb", 0x8a, -1, G_BYTE);
	add_spec("mov Gv,Ev", 0x8b, -1, 0);
	add_spec("mov Eb,Ib", 0xc6, 0, G_BYTE | G_IMM8);
	add_spec("mov Ev,Iz", 0xc7, 0, G_IMMZ);
	add_spec("movzx Gv,Eb", 0x0fb6, -1, 0);
	add_spec("movzx Gv,Ew", 0x0fb7, -1, 0);
	add_spec("movsx Gv,Eb", 0x0fbe, -1, 0);
	add_spec("movsx Gv,Ew", 0x0fbf, -1, 0);
	add_spec("movsxd Gv,Ed", 0x63, -1, G_NO66);
	add_spec("mov AL,Ob", 0xa0, -1, G_BYTE | G_MOFFS);
	add_spec("mov rAX,Ov", 0xa1, -1, G_MOFFS);
	add_spec("mov Ob,AL", 0xa2, -1, G_BYTE | G_MOFFS);
	add_spec("mov Ov,rAX", 0xa3, -1, G_MOFFS);
	add_spec("bt Ev,Gv", 0x0fa3, -1, G_BT);
	add_spec("bts Ev,Gv", 0x0fab, -1, G_BT | G_LOCK);
	add_spec("btr Ev,Gv", 0x0fb3, -1, G_BT | G_LOCK);
	add_spec("btc Ev,Gv", 0x0fbb, -1, G_BT | G_LOCK);
	for (d = 4; d < 8; d++) {
		static const char *const bt[4] = { "bt", "bts", "btr", "btc" };

		snprintf(name, sizeof(name), "%s Ev,Ib", bt[d - 4]);
		add_spec(name, 0x0fba, d, G_BT | G_IMM8 |
			 (d > 4 ? G_LOCK : 0));
	}
	add_spec("cmpxchg Eb,Gb", 0x0fb0, -1, G_BYTE | G_LOCK | G_CMPX);
	add_spec("cmpxchg Ev,Gv", 0x0fb1, -1, G_LOCK | G_CMPX);
	add_spec("xadd Eb,Gb", 0x0fc0, -1, G_BYTE | G_LOCK);
	add_spec("xadd Ev,Gv", 0x0fc1, -1, G_LOCK);
	add_spec("movnti My,Gy", 0x0fc3, -1, G_NO66);
	add_spec("movsb", 0xa4, -1, G_STR | G_BYTE);
	add_spec("movs", 0xa5, -1, G_STR);
	add_spec("stosb", 0xaa, -1, G_STR | G_BYTE);
	add_spec("stos", 0xab, -1, G_STR);
	add_spec("lodsb", 0xac, -1, G_STR | G_BYTE);
	add_spec("lods", 0xad, -1, G_STR);
}

/* Put v in *p little-endian, n bytes. */
static void put(u8 *p, u64 v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = v >> (8 * i);
}

/* A small signed value in the low 32 bits, random bits above if junk. */
static u64 with_junk(s64 small, bool junk)
{
	return junk ? (rnd() << 32) | (u32)small : (u64)small;
}

/*
 * Generate one instance of g into code (returns its length, 0 to retry)
 * and the initial state into st.
 */
static int generate(const struct gspec *g, u8 *code, struct nstate *st)
{
	u8 pfx[4];
	int npfx = 0, n = 0, i, opb, disp_at = -1, disp_len = 0;
	bool p66, p67, rip_rel = false, w;
	u8 rex = 0;
	u64 target = (u64)(uintptr_t)buf + 0x6000 + rnd() % 0x4000;

	gen_target = target;
	for (i = 0; i < 16; i++)
		st->regs[i] = rnd();
	st->rflags = 0x2 | (rnd() & FL_STATUS);
	if ((g->flags & G_STR) && (rnd() & 1))
		st->rflags |= FL_DF;

	p66 = !(g->flags & G_NO66) && rnd() % 4 == 0;
	p67 = rnd() % 4 == 0;
	if (p66)
		pfx[npfx++] = 0x66;
	if (p67)
		pfx[npfx++] = 0x67;
	if ((g->flags & G_LOCK) && rnd() % 2)
		pfx[npfx++] = 0xf0;
	if ((g->flags & G_STR) && rnd() % 2)
		pfx[npfx++] = rnd() % 4 ? 0xf3 : 0xf2;
	for (i = npfx - 1; i > 0; i--) {
		int j = rnd() % (i + 1);
		u8 t = pfx[i];

		pfx[i] = pfx[j];
		pfx[j] = t;
	}
	memcpy(code, pfx, npfx);
	n = npfx;
	if (rnd() % 2)
		rex = 0x40 | (rnd() & 0xf);
	if ((g->flags & G_NO66) && !(rex & 8) && rnd() % 2)
		rex |= 0x48;
	if (rex)
		code[n++] = rex;
	w = rex & 8;
	opb = (g->flags & G_BYTE) ? 1 : w ? 8 : p66 ? 2 : 4;
	memcpy(code + n, g->op, g->oplen);
	n += g->oplen;

	if (g->flags & G_STR) {
		u64 cnt = rnd() % 9;

		st->regs[6] = with_junk(target - 0x1000 + rnd() % 0x100, p67);
		st->regs[7] = with_junk(target + 0x1000 + rnd() % 0x100, p67);
		st->regs[1] = with_junk(cnt, p67);
		return n;
	}
	if (g->flags & G_MOFFS) {
		put(code + n, target, p67 ? 4 : 8);
		return n + (p67 ? 4 : 8);
	}

	/* ModRM */
	{
		int mod = rnd() % 3, reg3 = g->digit >= 0 ? g->digit : rnd() % 8;
		int rm3 = rnd() % 8, base = -1, index = -1, scale = 1;
		int regnum = reg3 | (rex & 4 ? 8 : 0);
		s64 disp = 0, iv = 0;
		u64 ea_rest;

		if (g->flags & G_REGOP) {
			bool high = opb == 1 && !rex && reg3 >= 4;

			if (regnum == 4 && !high)
				return 0;
		}
		code[n++] = (mod << 6) | (reg3 << 3) | rm3;
		if (rm3 == 4) {
			int ss = rnd() % 4, idx3 = rnd() % 8, base3 = rnd() % 8;

			code[n++] = (ss << 6) | (idx3 << 3) | base3;
			scale = 1 << ss;
			index = idx3 | (rex & 2 ? 8 : 0);
			if (index == 4)
				index = -1;
			if (base3 == 5 && mod == 0) {
				disp_len = 4;
			} else {
				base = base3 | (rex & 1 ? 8 : 0);
				if (base == 4)
					return 0;
			}
		} else if (rm3 == 5 && mod == 0) {
			rip_rel = true;
			disp_len = 4;
		} else {
			base = rm3 | (rex & 1 ? 8 : 0);
		}
		if (mod == 1)
			disp_len = 1;
		else if (mod == 2)
			disp_len = 4;
		if (base >= 0 && base == index)
			return 0;
		if ((g->flags & G_BT) && (g->flags & G_REGOP) &&
		    (regnum == base || regnum == index))
			return 0;

		if (index >= 0) {
			iv = (s64)(rnd() % 512) - 256;
			st->regs[index] = with_junk(iv, p67);
		}
		if (disp_len == 1)
			disp = (s8)rnd();
		else if (disp_len == 4 && base >= 0)
			disp = (s32)rnd();
		ea_rest = iv * scale;
		if (base >= 0) {
			st->regs[base] = with_junk(target - ea_rest - disp, p67);
			if (!p67)
				st->regs[base] = target - ea_rest - disp;
		} else if (!rip_rel) {
			disp = (s64)(target - ea_rest);
		}
		disp_at = n;
		put(code + n, disp, disp_len);
		n += disp_len;

		if ((g->flags & G_BT) && (g->flags & G_REGOP)) {
			s64 off = (s64)(rnd() % 1024) - 512;

			st->regs[regnum] = (rnd() & ~mask_of(opb)) |
					   ((u64)off & mask_of(opb));
		}
	}
	if (g->flags & G_IMM8) {
		code[n++] = rnd();
	} else if (g->flags & G_IMMZ) {
		put(code + n, rnd(), opb == 2 ? 2 : 4);
		n += opb == 2 ? 2 : 4;
	}
	if (rip_rel) {
		u64 next = (u64)(uintptr_t)code_page + insn_off + n;

		put(code + disp_at, target - next, 4);
	}
	return n;
}

static const char *hexs(const u8 *b, int n)
{
	static char s[64];
	int i;

	s[0] = 0;
	for (i = 0; i < n; i++)
		sprintf(s + strlen(s), "%s%02x", i ? " " : "", b[i]);
	return s;
}

/* Emulate code against buf; returns a reason string or NULL. */
static const char *emulate(const u8 *code, int len, struct nstate *st)
{
	struct lhv_emul_ctx ctx = { 0 };
	struct lhv_insn in;
	u64 lo = (u64)(uintptr_t)buf;
	int ret, calls;

	if (lhv_decode(code, len, LHV_CPU_LONG64, &in) != len)
		return "decode length";
	memcpy(ctx.regs, st->regs, sizeof(ctx.regs));
	ctx.rip = (u64)(uintptr_t)code_page + insn_off;
	ctx.rflags = st->rflags;
	for (calls = 0; calls < 100; calls++) {
		struct lhv_emul_access *a = &ctx.acc[ctx.nr_done];

		ret = lhv_emulate_mmio(&in, &ctx);
		if (ret == LHV_EMUL_DONE) {
			if (ctx.complete)
				break;
			ctx.nr_done = 0;
			continue;
		}
		if (ret != LHV_EMUL_READ && ret != LHV_EMUL_WRITE)
			return "emulation failed";
		if (a->gva < lo || a->gva + a->size > lo + BUF_SIZE)
			return "access outside the buffer";
		if (ret == LHV_EMUL_READ) {
			a->data = 0;
			memcpy(&a->data, buf + (a->gva - lo), a->size);
		} else {
			memcpy(buf + (a->gva - lo), &a->data, a->size);
		}
		ctx.nr_done++;
	}
	if (!ctx.complete)
		return "never completed";
	if (ctx.rip != (u64)(uintptr_t)code_page + insn_off + len)
		return "rip";
	memcpy(st->regs, ctx.regs, sizeof(ctx.regs));
	st->rflags = ctx.rflags;
	return NULL;
}

static void run_spec(const struct gspec *g, int iters)
{
	struct nstate init, nat, emu;
	int it, fails = 0, done = 0;
	u64 fmask = FL_STATUS | FL_DF;
	u8 code[16];

	if (g->flags & G_LOGIC)
		fmask &= ~FL_AF;
	if (g->flags & G_BT)
		fmask = FL_CF | FL_DF;
	for (it = 0; it < iters * 4 && done < iters; it++) {
		const char *why = NULL;
		int len, r;

		len = generate(g, code, &init);
		if (!len)
			continue;
		done++;
		for (r = 0; r < BUF_SIZE; r += 8)
			put(buf_init + r, rnd(), 8);
		if ((g->flags & G_CMPX) && rnd() % 2)
			put(buf_init + (gen_target - (u64)(uintptr_t)buf),
			    init.regs[0], 8);
		memcpy(buf, buf_init, BUF_SIZE);
		build_stub(code, len);
		nat = init;
		fault_sig = 0;
		if (!sigsetjmp(fault_jmp, 1))
			((void (*)(struct nstate *))(uintptr_t)code_page)(&nat);
		if (fault_sig) {
			why = "native execution faulted (test generator bug)";
			goto report;
		}
		memcpy(buf_native, buf, BUF_SIZE);
		memcpy(buf, buf_init, BUF_SIZE);
		emu = init;
		why = emulate(code, len, &emu);
		if (why)
			goto report;
		for (r = 0; r < 16; r++) {
			if (r != 4 && emu.regs[r] != nat.regs[r]) {
				why = "register";
				ktap_diag("  r%d: native %#" PRIx64 " emul %#"
					  PRIx64 " init %#" PRIx64, r,
					  nat.regs[r], emu.regs[r],
					  init.regs[r]);
				break;
			}
		}
		if (!why && ((emu.rflags ^ nat.rflags) & fmask)) {
			why = "rflags";
			ktap_diag("  rflags: native %#" PRIx64 " emul %#" PRIx64
				  " init %#" PRIx64, nat.rflags, emu.rflags,
				  init.rflags);
		}
		if (!why && memcmp(buf, buf_native, BUF_SIZE))
			why = "memory";
report:
		if (why && fails++ < 3)
			ktap_diag("native %s [%s]: %s", g->name,
				  hexs(code, len), why);
	}
	ktap_result(!fails && done == iters, "native %s (%d instances)",
		    g->name, done);
}

void test_native(unsigned int seed)
{
	struct sigaction sa = { .sa_handler = on_fault };
	int i;

	rng = 0x2545f4914f6cdd1dULL ^ ((u64)seed << 17);
	code_page = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	buf_native = malloc(BUF_SIZE);
	buf_init = malloc(BUF_SIZE);
	if (code_page == MAP_FAILED || buf == MAP_FAILED || !buf_native ||
	    !buf_init) {
		ktap_result(false, "native: cannot map an executable page");
		return;
	}
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	build_specs();
	for (i = 0; i < nr_specs; i++)
		run_spec(&specs[i], 300);
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGILL, SIG_DFL);
}
