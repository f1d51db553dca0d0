// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/emul.c - x86 instruction decoder and MMIO instruction emulator.
 *
 * lhv_decode() turns up to 15 bytes into a struct lhv_insn (prefixes,
 * opcode, ModRM/SIB memory operand, immediate, sizes) for the instructions
 * guests use on device memory; everything else is reported unsupported so
 * that the caller exits with an emulation error instead of guessing.
 * lhv_emulate_mmio() carries one decoded instruction out, one memory access
 * per call, replaying from the saved guest state (see emul.h).
 *
 * References: Intel SDM Vol. 1 chapter 3 (registers, EFLAGS, addressing),
 * Vol. 2A chapter 2 (instruction format), the per-instruction pages of
 * Vol. 2A/2B, and AMD APM Vol. 3 chapter 1 (prefix rules in 64-bit mode).
 *
 * No kernel and no libc calls: this file is also built into the host unit
 * tests and the fuzz target.
 */
#include "emul.h"

#define GPR_RAX		0
#define GPR_RCX		1
#define GPR_RDX		2
#define GPR_RBX		3
#define GPR_RSP		4
#define GPR_RBP		5
#define GPR_RSI		6
#define GPR_RDI		7

/* RFLAGS bits (SDM Vol. 1 3.4.3). */
#define FL_CF		0x0001ULL
#define FL_PF		0x0004ULL
#define FL_AF		0x0010ULL
#define FL_ZF		0x0040ULL
#define FL_SF		0x0080ULL
#define FL_DF		0x0400ULL
#define FL_OF		0x0800ULL
#define FL_ARITH	(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* Exception vectors (SDM Vol. 3A 6.3.1). */
#define VEC_UD		6
#define VEC_SS		12
#define VEC_GP		13

#define REX_W		0x08
#define REX_R		0x04
#define REX_X		0x02
#define REX_B		0x01

static u64 size_mask(unsigned int bytes)
{
	return bytes >= 8 ? ~0ULL : (1ULL << (bytes * 8)) - 1;
}

static u64 sign_bit(unsigned int bytes)
{
	return 1ULL << (bytes * 8 - 1);
}

static u64 sext(u64 v, unsigned int bytes)
{
	u64 m = size_mask(bytes);

	v &= m;
	return (v & sign_bit(bytes)) ? v | ~m : v;
}

/* ------------------------------------------------------------------ */
/* Decoder                                                              */
/* ------------------------------------------------------------------ */

struct dcursor {
	const u8 *bytes;
	int len;		/* bytes available */
	int pos;		/* bytes consumed */
};

/*
 * Consume n bytes as a little-endian value.  An instruction is at most 15
 * bytes long (SDM Vol. 2A 2.1; longer ones raise #GP), which takes priority
 * over running out of the bytes the caller gave.
 */
static int fetch(struct dcursor *c, int n, u64 *val)
{
	u64 v = 0;
	int i;

	if (c->pos + n > LHV_INSN_MAX_LEN)
		return LHV_DECODE_UNSUPPORTED;
	if (c->pos + n > c->len)
		return LHV_DECODE_TRUNCATED;
	for (i = n - 1; i >= 0; i--)
		v = (v << 8) | c->bytes[c->pos + i];
	c->pos += n;
	*val = v;
	return 0;
}

/*
 * Legacy prefixes (SDM Vol. 2A 2.1.1) in any order, then in 64-bit mode an
 * optional REX (2.2.1).  A REX followed by another prefix is ignored.  In
 * 64-bit mode the ES/CS/SS/DS overrides are null prefixes (APM Vol. 3
 * 1.2.4).  Within a group the last prefix wins.  Returns the opcode byte.
 */
static int decode_prefixes(struct dcursor *c, struct lhv_insn *in, u8 *op)
{
	bool long64 = in->mode == LHV_CPU_LONG64;
	u64 b;
	int ret;

	for (;;) {
		ret = fetch(c, 1, &b);
		if (ret)
			return ret;
		switch (b) {
		case 0x66:
			in->opsize_prefix = true;
			break;
		case 0x67:
			in->addrsize_prefix = true;
			break;
		case 0xf0:
			in->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			in->rep = b;
			break;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
			if (!long64)
				in->seg_override = (b >> 3) & 3;
			in->seg_prefix = (b >> 3) & 3;
			break;
		case 0x64:
			in->seg_override = LHV_SEG_FS;
			in->seg_prefix = LHV_SEG_FS;
			break;
		case 0x65:
			in->seg_override = LHV_SEG_GS;
			in->seg_prefix = LHV_SEG_GS;
			break;
		default:
			if (long64 && (b & 0xf0) == 0x40) {
				in->rex = b;
				continue;
			}
			*op = b;
			return 0;
		}
		in->rex = 0;
	}
}

/* 16-bit ModRM addressing, SDM Vol. 2A Table 2-1. */
static const s8 base16[8] = {
	GPR_RBX, GPR_RBX, GPR_RBP, GPR_RBP,
	LHV_GPR_NONE, LHV_GPR_NONE, GPR_RBP, GPR_RBX
};

static const s8 index16[8] = {
	GPR_RSI, GPR_RDI, GPR_RSI, GPR_RDI,
	GPR_RSI, GPR_RDI, LHV_GPR_NONE, LHV_GPR_NONE
};

static int decode_mem16(struct dcursor *c, struct lhv_insn *in)
{
	struct lhv_mem_operand *m = &in->mem;
	unsigned int rm = in->modrm & 7;
	u64 disp;
	int ret;

	/* rm 4 and 5 are [SI] and [DI]: index16 holds them, move to base. */
	m->base = base16[rm];
	m->index = index16[rm];
	if (rm == 4 || rm == 5) {
		m->base = m->index;
		m->index = LHV_GPR_NONE;
	}
	if (in->mod == 0 && rm == 6) {
		m->base = LHV_GPR_NONE;
		in->disp_bytes = 2;
	} else if (in->mod == 1) {
		in->disp_bytes = 1;
	} else if (in->mod == 2) {
		in->disp_bytes = 2;
	}
	if (in->disp_bytes) {
		ret = fetch(c, in->disp_bytes, &disp);
		if (ret)
			return ret;
		m->disp = sext(disp, in->disp_bytes);
	}
	/* BP-based forms default to SS (SDM Vol. 1 Table 3-5). */
	m->seg = m->base == GPR_RBP ? LHV_SEG_SS : LHV_SEG_DS;
	return 0;
}

/* 32/64-bit ModRM and SIB addressing, SDM Vol. 2A Tables 2-2, 2-3, 2-5. */
static int decode_mem32(struct dcursor *c, struct lhv_insn *in)
{
	struct lhv_mem_operand *m = &in->mem;
	unsigned int rm = in->modrm & 7;
	u64 v;
	int ret;

	m->base = in->rm;
	if (rm == 4) {
		unsigned int idx, base;

		ret = fetch(c, 1, &v);
		if (ret)
			return ret;
		in->has_sib = true;
		in->sib = v;
		m->scale = 1 << (in->sib >> 6);
		idx = ((in->sib >> 3) & 7) | (in->rex & REX_X ? 8 : 0);
		/* Index 100b without REX.X means none; R12 is an index. */
		if (idx != GPR_RSP)
			m->index = idx;
		base = in->sib & 7;
		if (base == GPR_RBP && in->mod == 0) {
			/* No base (even with REX.B: R13 needs mod 1/2). */
			m->base = LHV_GPR_NONE;
			in->disp_bytes = 4;
		} else {
			m->base = base | (in->rex & REX_B ? 8 : 0);
		}
	} else if (rm == 5 && in->mod == 0) {
		/* disp32, RIP-relative in 64-bit mode (SDM Vol. 2A 2.2.1.6). */
		m->base = LHV_GPR_NONE;
		m->rip_rel = in->mode == LHV_CPU_LONG64;
		in->disp_bytes = 4;
	}
	if (in->mod == 1)
		in->disp_bytes = 1;
	else if (in->mod == 2)
		in->disp_bytes = 4;
	if (in->disp_bytes) {
		ret = fetch(c, in->disp_bytes, &v);
		if (ret)
			return ret;
		m->disp = sext(v, in->disp_bytes);
	}
	/* ESP/EBP as base default to SS (SDM Vol. 1 Table 3-5). */
	m->seg = (m->base == GPR_RSP || m->base == GPR_RBP) ?
		 LHV_SEG_SS : LHV_SEG_DS;
	return 0;
}

/* The ModRM byte itself: mod, and reg and rm extended by REX.R/REX.B. */
static int decode_modrm_byte(struct dcursor *c, struct lhv_insn *in)
{
	u64 b;
	int ret;

	ret = fetch(c, 1, &b);
	if (ret)
		return ret;
	in->has_modrm = true;
	in->modrm = b;
	in->mod = b >> 6;
	in->reg = ((b >> 3) & 7) | (in->rex & REX_R ? 8 : 0);
	in->rm = (b & 7) | (in->rex & REX_B ? 8 : 0);
	return 0;
}

static int decode_modrm(struct dcursor *c, struct lhv_insn *in)
{
	int ret;

	ret = decode_modrm_byte(c, in);
	if (ret)
		return ret;
	if (in->mod == 3)
		return 0;

	in->has_mem = true;
	in->mem.scale = 1;
	in->mem.index = LHV_GPR_NONE;
	if (in->addr_bytes == 2)
		ret = decode_mem16(c, in);
	else
		ret = decode_mem32(c, in);
	if (ret)
		return ret;
	if (in->seg_override != LHV_SEG_NONE)
		in->mem.seg = in->seg_override;
	return 0;
}

/* A0-A3: the offset is address-size wide and not sign-extended. */
static int decode_moffs(struct dcursor *c, struct lhv_insn *in)
{
	int ret;

	in->has_mem = true;
	in->disp_bytes = in->addr_bytes;
	in->mem.base = LHV_GPR_NONE;
	in->mem.index = LHV_GPR_NONE;
	in->mem.scale = 1;
	in->mem.seg = in->seg_override != LHV_SEG_NONE ?
		      in->seg_override : LHV_SEG_DS;
	ret = fetch(c, in->addr_bytes, &in->mem.disp);
	return ret;
}

/* Immediate kinds. */
#define IMM_NONE	0
#define IMM_8		1	/* imm8, sign-extended */
#define IMM_Z		2	/* imm16 or imm32 by operand size, sign-ext. */

/*
 * Opcodes with a ModRM byte whose reg field selects the operation: set
 * kind, alu and the immediate from /digit.  Returns false if unsupported.
 */
static bool decode_group(struct lhv_insn *in, int *imm)
{
	unsigned int digit = in->reg & 7;

	switch (in->opcode) {
	case 0x80:
	case 0x81:
	case 0x82:
	case 0x83:
		in->kind = LHV_INSN_ALU_MI;
		in->alu = digit;
		*imm = in->opcode == 0x81 ? IMM_Z : IMM_8;
		return true;
	case 0xc6:
	case 0xc7:
		in->kind = LHV_INSN_MOV_IMM;
		*imm = in->opcode == 0xc6 ? IMM_8 : IMM_Z;
		return digit == 0;
	case 0xf6:
	case 0xf7:
		if (digit == 0) {
			in->kind = LHV_INSN_TEST_MI;
			*imm = in->opcode == 0xf6 ? IMM_8 : IMM_Z;
		} else if (digit == 2) {
			in->kind = LHV_INSN_NOT;
		} else if (digit == 3) {
			in->kind = LHV_INSN_NEG;
		}
		return in->kind != LHV_INSN_INVALID;
	case 0xfe:
	case 0xff:
		if (digit == 0)
			in->kind = LHV_INSN_INC;
		else if (digit == 1)
			in->kind = LHV_INSN_DEC;
		return in->kind != LHV_INSN_INVALID;
	case 0x0fba:
		in->kind = LHV_INSN_BT_IMM;
		in->alu = digit - 4;
		*imm = IMM_8;
		return digit >= 4;
	}
	return false;
}

/*
 * MOV from/to a control register, 0F 20 /r and 0F 22 /r (SDM Vol. 2B,
 * "MOV-Move to/from Control Registers"): ModRM.reg (+ REX.R) is the CR,
 * ModRM.rm (+ REX.B) a GPR whatever ModRM.mod says, so no displacement
 * follows; the operand is 64 bits in 64-bit mode and 32 bits elsewhere,
 * 66 notwithstanding.  LOCK selects CR8 from CR0 (AMD's alternative
 * encoding, APM Vol. 3).  No memory operand: the caller emulates it.
 */
static int decode_mov_cr(struct dcursor *c, struct lhv_insn *in)
{
	int ret;

	ret = decode_modrm_byte(c, in);
	if (ret)
		return ret;
	in->kind = in->opcode == 0x0f20 ? LHV_INSN_MOV_FROM_CR :
					  LHV_INSN_MOV_TO_CR;
	in->mod = 3;
	if (in->lock)
		in->reg |= 8;
	in->op_bytes = in->mode == LHV_CPU_LONG64 ? 8 : 4;
	in->src_bytes = in->op_bytes;
	return 0;
}

/*
 * Classify the opcode: kind, operand size for byte forms, ModRM and
 * immediate.  Only what lhv_emulate_mmio() carries out is accepted, and
 * the decode-only kinds the core carries out itself (MOV CR, INS/OUTS);
 * the one-byte map is SDM Vol. 2A Table A-2, the two-byte map Table A-3.
 */
static int decode_opcode(struct dcursor *c, struct lhv_insn *in)
{
	bool long64 = in->mode == LHV_CPU_LONG64;
	u16 op = in->opcode;
	bool byte_op = false, modrm = true;
	int imm = IMM_NONE;
	u64 v;
	int ret;

	if (op < 0x40 && (op & 7) < 6) {
		static const u8 alu_kind[6] = {
			LHV_INSN_ALU_MR, LHV_INSN_ALU_MR,
			LHV_INSN_ALU_RM, LHV_INSN_ALU_RM,
			LHV_INSN_ALU_AI, LHV_INSN_ALU_AI,
		};

		in->kind = alu_kind[op & 7];
		in->alu = op >> 3;
		byte_op = !(op & 1);
		if (in->kind == LHV_INSN_ALU_AI) {
			modrm = false;
			imm = byte_op ? IMM_8 : IMM_Z;
		}
		goto operands;
	}

	switch (op) {
	case 0x63:
		/* MOVSXD in 64-bit mode; ARPL elsewhere.  r16 form: no. */
		if (!long64 || in->op_bytes == 2)
			return LHV_DECODE_UNSUPPORTED;
		in->kind = LHV_INSN_MOVSX;
		in->src_bytes = 4;
		break;
	case 0x82:
		if (long64)
			return LHV_DECODE_UNSUPPORTED;
		byte_op = true;
		break;
	case 0x80:
	case 0xc6:
	case 0xf6:
	case 0xfe:
		byte_op = true;
		break;
	case 0x81:
	case 0x83:
	case 0xc7:
	case 0xf7:
	case 0xff:
	case 0x0fba:
		break;
	case 0x84:
	case 0x85:
		in->kind = LHV_INSN_TEST_MR;
		byte_op = op == 0x84;
		break;
	case 0x86:
	case 0x87:
		in->kind = LHV_INSN_XCHG;
		byte_op = op == 0x86;
		break;
	case 0x88:
	case 0x89:
		in->kind = LHV_INSN_MOV_STORE;
		byte_op = op == 0x88;
		break;
	case 0x8a:
	case 0x8b:
		in->kind = LHV_INSN_MOV_LOAD;
		byte_op = op == 0x8a;
		break;
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3:
		in->kind = op < 0xa2 ? LHV_INSN_MOV_LOAD : LHV_INSN_MOV_STORE;
		byte_op = !(op & 1);
		modrm = false;
		break;
	case 0xa4:
	case 0xa5:
		in->kind = LHV_INSN_MOVS;
		byte_op = op == 0xa4;
		modrm = false;
		break;
	case 0xaa:
	case 0xab:
		in->kind = LHV_INSN_STOS;
		byte_op = op == 0xaa;
		modrm = false;
		break;
	case 0xac:
	case 0xad:
		in->kind = LHV_INSN_LODS;
		byte_op = op == 0xac;
		modrm = false;
		break;
	case 0x0fb6:
	case 0x0fb7:
		in->kind = LHV_INSN_MOVZX;
		in->src_bytes = op == 0x0fb6 ? 1 : 2;
		break;
	case 0x0fbe:
	case 0x0fbf:
		in->kind = LHV_INSN_MOVSX;
		in->src_bytes = op == 0x0fbe ? 1 : 2;
		break;
	case 0x0fb0:
	case 0x0fb1:
		in->kind = LHV_INSN_CMPXCHG;
		byte_op = op == 0x0fb0;
		break;
	case 0x0fc0:
	case 0x0fc1:
		in->kind = LHV_INSN_XADD;
		byte_op = op == 0x0fc0;
		break;
	case 0x0fc3:
		/* MOVNTI: 32/64-bit stores only; a hint lhv can ignore. */
		if (in->op_bytes == 2)
			return LHV_DECODE_UNSUPPORTED;
		in->kind = LHV_INSN_MOV_STORE;
		break;
	case 0x0fa3:
	case 0x0fab:
	case 0x0fb3:
	case 0x0fbb:
		in->kind = LHV_INSN_BT;
		in->alu = (op >> 3) & 3;
		break;
	case 0x0f20:
	case 0x0f22:
		return decode_mov_cr(c, in);
	case 0x6c:
	case 0x6d:
	case 0x6e:
	case 0x6f:
		/* INS/OUTS: 8, 16 or 32 bits; REX.W does not widen them. */
		in->kind = op < 0x6e ? LHV_INSN_INS : LHV_INSN_OUTS;
		byte_op = !(op & 1);
		modrm = false;
		if (in->op_bytes == 8)
			in->op_bytes = 4;
		break;
	default:
		return LHV_DECODE_UNSUPPORTED;
	}

operands:
	if (byte_op)
		in->op_bytes = 1;
	if (!in->src_bytes)
		in->src_bytes = in->op_bytes;

	if (modrm) {
		ret = decode_modrm(c, in);
		if (ret)
			return ret;
	} else if (op >= 0xa0 && op <= 0xa3) {
		ret = decode_moffs(c, in);
		if (ret)
			return ret;
	}
	if (in->kind == LHV_INSN_INVALID && !decode_group(in, &imm))
		return LHV_DECODE_UNSUPPORTED;

	if (imm == IMM_8)
		in->imm_bytes = 1;
	else if (imm == IMM_Z)
		in->imm_bytes = in->op_bytes == 2 ? 2 : 4;
	if (in->imm_bytes) {
		ret = fetch(c, in->imm_bytes, &v);
		if (ret)
			return ret;
		in->imm = sext(v, in->imm_bytes);
	}
	return 0;
}

int lhv_decode(const u8 *bytes, int len, enum lhv_cpu_mode mode,
	       struct lhv_insn *out)
{
	static const struct lhv_insn zero;
	struct dcursor c = { .bytes = bytes, .len = len, .pos = 0 };
	struct lhv_insn *in = out;
	bool def16;
	u8 op;
	u64 b;
	int ret;

	*in = zero;
	in->mode = mode;
	in->seg_override = LHV_SEG_NONE;
	in->seg_prefix = LHV_SEG_NONE;
	in->mem.base = LHV_GPR_NONE;
	in->mem.index = LHV_GPR_NONE;
	if (mode > LHV_CPU_LONG64 || !bytes || len < 0)
		return LHV_DECODE_UNSUPPORTED;

	ret = decode_prefixes(&c, in, &op);
	if (ret)
		goto fail;
	in->opcode = op;
	if (op == 0x0f) {
		ret = fetch(&c, 1, &b);
		if (ret)
			goto fail;
		in->opcode = 0x0f00 | b;
	}

	/* Operand and address size, SDM Vol. 1 3.6 and Table 3-4. */
	if (mode == LHV_CPU_LONG64) {
		if (in->rex & REX_W)
			in->op_bytes = 8;
		else
			in->op_bytes = in->opsize_prefix ? 2 : 4;
		in->addr_bytes = in->addrsize_prefix ? 4 : 8;
	} else {
		def16 = mode != LHV_CPU_PROT32;
		in->op_bytes = def16 != in->opsize_prefix ? 2 : 4;
		in->addr_bytes = def16 != in->addrsize_prefix ? 2 : 4;
	}

	ret = decode_opcode(&c, in);
	if (ret)
		goto fail;
	in->len = c.pos;
	return c.pos;

fail:
	in->kind = LHV_INSN_INVALID;
	in->len = 0;
	return ret;
}

/* ------------------------------------------------------------------ */
/* Emulator                                                             */
/* ------------------------------------------------------------------ */

struct emul {
	const struct lhv_insn *in;
	struct lhv_emul_ctx *ctx;
	u64 regs[LHV_NR_GPRS];	/* working copy, committed on DONE */
	u64 rflags;
	unsigned int next;	/* index of the next memory access */
	bool complete;
};

static int emul_fault(struct emul *e, u8 vector, bool has_error_code)
{
	e->ctx->vector = vector;
	e->ctx->has_error_code = has_error_code;
	e->ctx->error_code = 0;
	return LHV_EMUL_EXCEPTION;
}

/*
 * Byte registers: without REX, encodings 4-7 are AH CH DH BH (bits 15:8 of
 * RAX..RBX); with any REX they are SPL BPL SIL DIL (SDM Vol. 1 3.4.1.1).
 */
static bool is_high_byte(const struct lhv_insn *in, unsigned int reg,
			 unsigned int bytes)
{
	return bytes == 1 && !in->rex && reg >= 4 && reg < 8;
}

static u64 reg_read(struct emul *e, unsigned int reg, unsigned int bytes)
{
	if (is_high_byte(e->in, reg, bytes))
		return (e->regs[reg - 4] >> 8) & 0xff;
	return e->regs[reg] & size_mask(bytes);
}

/*
 * 8- and 16-bit writes keep the rest of the register; 32-bit writes
 * zero-extend to 64 bits (SDM Vol. 1 3.4.1.1).
 */
static void reg_write(struct emul *e, unsigned int reg, unsigned int bytes,
		      u64 val)
{
	u64 *r = &e->regs[reg];

	switch (bytes) {
	case 1:
		if (is_high_byte(e->in, reg, bytes)) {
			r = &e->regs[reg - 4];
			*r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
		} else {
			*r = (*r & ~0xffULL) | (val & 0xff);
		}
		break;
	case 2:
		*r = (*r & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		*r = val & 0xffffffffULL;
		break;
	default:
		*r = val;
		break;
	}
}

/* rSI/rDI/rCX as the address size uses them (string instructions). */
static void addr_reg_write(struct emul *e, unsigned int reg, u64 val)
{
	reg_write(e, reg, e->in->addr_bytes == 2 ? 2 : e->in->addr_bytes, val);
}

/*
 * Linear address of an access (SDM Vol. 3A 3.4 and Vol. 1 3.3.7).  In
 * 64-bit mode only FS and GS have a base, and the whole access must be
 * canonical: #SS(0) for SS references, else #GP(0).  Elsewhere linear
 * addresses are 32 bits.  Segment limits are not checked.
 */
static int emul_linear(struct emul *e, unsigned int seg, u64 ea,
		       unsigned int bytes, u64 *la)
{
	const struct lhv_emul_ctx *ctx = e->ctx;
	unsigned int va_bits = ctx->va_bits == 57 ? 57 : 48;

	if (seg >= LHV_NR_SEGS)
		return LHV_EMUL_UNSUPPORTED;
	if (e->in->mode != LHV_CPU_LONG64) {
		*la = (ctx->seg_base[seg] + ea) & 0xffffffffULL;
		return 0;
	}
	*la = ea;
	if (seg == LHV_SEG_FS || seg == LHV_SEG_GS)
		*la += ctx->seg_base[seg];
	if (!lhv_canonical(*la, va_bits) ||
	    !lhv_canonical(*la + bytes - 1, va_bits))
		return emul_fault(e, seg == LHV_SEG_SS ? VEC_SS : VEC_GP, true);
	return 0;
}

/* Effective address of the ModRM/moffs operand, before the segment. */
static u64 emul_ea(struct emul *e)
{
	const struct lhv_insn *in = e->in;
	const struct lhv_mem_operand *m = &in->mem;
	u64 ea = m->disp;

	if (m->base >= 0)
		ea += e->regs[m->base & 15];
	if (m->index >= 0)
		ea += e->regs[m->index & 15] * m->scale;
	if (m->rip_rel)
		ea += e->ctx->rip + in->len;
	return ea;
}

/*
 * The next memory access.  Accesses the caller already did are replayed
 * from ctx->acc (and must match what this run computes); the first new one
 * is recorded there and handed back to the caller.
 */
static int emul_access(struct emul *e, u64 la, unsigned int bytes,
		       bool write, u64 *data)
{
	struct lhv_emul_ctx *ctx = e->ctx;
	struct lhv_emul_access *a;
	u64 m = size_mask(bytes);

	if (e->next >= LHV_EMUL_MAX_ACC)
		return LHV_EMUL_UNSUPPORTED;
	a = &ctx->acc[e->next];
	if (e->next < ctx->nr_done) {
		if (a->gva != la || a->size != bytes || a->write != write ||
		    (write && a->data != (*data & m)))
			return LHV_EMUL_BAD_CTX;
		if (!write)
			*data = a->data & m;
		e->next++;
		return 0;
	}
	a->gva = la;
	a->size = bytes;
	a->write = write;
	a->data = write ? *data & m : 0;
	return write ? LHV_EMUL_WRITE : LHV_EMUL_READ;
}

static int mem_read(struct emul *e, u64 la, unsigned int bytes, u64 *val)
{
	return emul_access(e, la, bytes, false, val);
}

static int mem_write(struct emul *e, u64 la, unsigned int bytes, u64 val)
{
	return emul_access(e, la, bytes, true, &val);
}

/* ZF, SF, PF of a result (SDM Vol. 1 3.4.3.1): PF is even parity of 7:0. */
static u64 flags_szp(u64 r, unsigned int bytes)
{
	u64 f = 0;
	u8 p = r;

	if (!(r & size_mask(bytes)))
		f |= FL_ZF;
	if (r & sign_bit(bytes))
		f |= FL_SF;
	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	if (!(p & 1))
		f |= FL_PF;
	return f;
}

/*
 * a + b + carry, or a - b - borrow, with the six status flags.  CF is the
 * carry (borrow) out of the top bit, AF the one out of bit 3, OF signed
 * overflow (SDM Vol. 2A ADD/ADC/SUB/SBB/CMP).  The carry out of each bit
 * of a sum is (a & b) | ((a | b) & ~r); of a difference (~a & b) |
 * ((~a | b) & r).
 */
static u64 alu_add(u64 a, u64 b, u64 carry, unsigned int bytes, u64 *fl)
{
	u64 sb = sign_bit(bytes);
	u64 r = (a + b + carry) & size_mask(bytes);
	u64 f = flags_szp(r, bytes);

	if (((a & b) | ((a | b) & ~r)) & sb)
		f |= FL_CF;
	if ((a ^ r) & (b ^ r) & sb)
		f |= FL_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= FL_AF;
	*fl = f;
	return r;
}

static u64 alu_sub(u64 a, u64 b, u64 borrow, unsigned int bytes, u64 *fl)
{
	u64 sb = sign_bit(bytes);
	u64 r = (a - b - borrow) & size_mask(bytes);
	u64 f = flags_szp(r, bytes);

	if (((~a & b) | ((~a | b) & r)) & sb)
		f |= FL_CF;
	if ((a ^ b) & (a ^ r) & sb)
		f |= FL_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= FL_AF;
	*fl = f;
	return r;
}

/*
 * One of the eight group-1 operations.  AND/OR/XOR clear OF and CF; their
 * AF is undefined, and lhv clears it.
 */
static u64 alu(unsigned int op, u64 a, u64 b, u64 rflags, unsigned int bytes,
	       u64 *fl)
{
	u64 m = size_mask(bytes), cf = rflags & FL_CF, r;

	a &= m;
	b &= m;
	switch (op) {
	case LHV_ALU_ADD:
		return alu_add(a, b, 0, bytes, fl);
	case LHV_ALU_ADC:
		return alu_add(a, b, cf, bytes, fl);
	case LHV_ALU_SUB:
	case LHV_ALU_CMP:
		return alu_sub(a, b, 0, bytes, fl);
	case LHV_ALU_SBB:
		return alu_sub(a, b, cf, bytes, fl);
	case LHV_ALU_OR:
		r = a | b;
		break;
	case LHV_ALU_AND:
		r = a & b;
		break;
	default:
		r = a ^ b;
		break;
	}
	*fl = flags_szp(r, bytes);
	return r;
}

static void set_flags(struct emul *e, u64 mask, u64 fl)
{
	e->rflags = (e->rflags & ~mask) | (fl & mask);
}

/*
 * BT/BTS/BTR/BTC (SDM Vol. 2A BT): with a register offset the operand is
 * the op-size word at ea + op_bytes * (offset SAR log2(bits)), the offset
 * being signed; an immediate offset is taken modulo the operand width.
 * CF gets the old bit; OF/SF/AF/PF are undefined (left alone), ZF is kept.
 * bt_ea() moves ea to the word holding the bit.
 */
static u64 bt_ea(struct emul *e, u64 ea)
{
	const struct lhv_insn *in = e->in;
	unsigned int bytes = in->op_bytes;
	unsigned int shift = bytes == 2 ? 4 : bytes == 4 ? 5 : 6;
	u64 off;

	if (in->kind != LHV_INSN_BT)
		return ea;
	off = sext(reg_read(e, in->reg, bytes), bytes);
	/* Arithmetic shift of a two's-complement u64. */
	if (off & (1ULL << 63))
		return ea + ~(~off >> shift) * bytes;
	return ea + (off >> shift) * bytes;
}

static int emul_bt(struct emul *e, u64 ea)
{
	const struct lhv_insn *in = e->in;
	unsigned int bytes = in->op_bytes, bits = bytes * 8;
	u64 off, la, val, bit;
	int ret;

	if (in->kind == LHV_INSN_BT_IMM)
		off = in->imm & (bits - 1);
	else
		off = reg_read(e, in->reg, bytes) & (bits - 1);
	ea = bt_ea(e, ea) & size_mask(in->addr_bytes);
	ret = emul_linear(e, in->mem.seg, ea, bytes, &la);
	if (!ret)
		ret = mem_read(e, la, bytes, &val);
	if (ret)
		return ret;

	bit = 1ULL << off;
	set_flags(e, FL_CF, (val & bit) ? FL_CF : 0);
	switch (in->alu) {
	case LHV_BTS:
		return mem_write(e, la, bytes, val | bit);
	case LHV_BTR:
		return mem_write(e, la, bytes, val & ~bit);
	case LHV_BTC:
		return mem_write(e, la, bytes, val ^ bit);
	}
	return 0;
}

/* Instructions with a ModRM or moffs memory operand. */
static int emul_mem(struct emul *e)
{
	const struct lhv_insn *in = e->in;
	unsigned int n = in->op_bytes;
	unsigned int dst = in->has_modrm ? in->reg : GPR_RAX;
	u64 ea, la, a, b, r, fl;
	int ret;

	ea = emul_ea(e);
	if (in->kind == LHV_INSN_BT || in->kind == LHV_INSN_BT_IMM)
		return emul_bt(e, ea);

	ea &= size_mask(in->addr_bytes);
	ret = emul_linear(e, in->mem.seg, ea, in->src_bytes, &la);
	if (ret)
		return ret;

	switch (in->kind) {
	case LHV_INSN_MOV_STORE:
		return mem_write(e, la, n, reg_read(e, dst, n));
	case LHV_INSN_MOV_IMM:
		return mem_write(e, la, n, in->imm);
	case LHV_INSN_MOV_LOAD:
	case LHV_INSN_MOVZX:
	case LHV_INSN_MOVSX:
		ret = mem_read(e, la, in->src_bytes, &a);
		if (ret)
			return ret;
		if (in->kind == LHV_INSN_MOVSX)
			a = sext(a, in->src_bytes);
		reg_write(e, dst, n, a);
		return 0;
	case LHV_INSN_XCHG:
		ret = mem_read(e, la, n, &a);
		if (!ret)
			ret = mem_write(e, la, n, reg_read(e, dst, n));
		if (ret)
			return ret;
		reg_write(e, dst, n, a);
		return 0;
	case LHV_INSN_XADD:
		/* XADD: mem <- mem + reg, reg <- old mem; flags of the add. */
		ret = mem_read(e, la, n, &a);
		if (ret)
			return ret;
		r = alu_add(a, reg_read(e, dst, n), 0, n, &fl);
		ret = mem_write(e, la, n, r);
		if (ret)
			return ret;
		reg_write(e, dst, n, a);
		set_flags(e, FL_ARITH, fl);
		return 0;
	case LHV_INSN_CMPXCHG:
		/*
		 * CMPXCHG (SDM Vol. 2A): flags of CMP accumulator, mem; if
		 * equal mem <- reg, else accumulator <- mem.  The destination
		 * is written either way (with its own value on a mismatch),
		 * as the processor does.
		 */
		ret = mem_read(e, la, n, &a);
		if (ret)
			return ret;
		b = reg_read(e, GPR_RAX, n);
		alu_sub(b, a, 0, n, &fl);
		ret = mem_write(e, la, n, a == b ? reg_read(e, dst, n) : a);
		if (ret)
			return ret;
		if (a != b)
			reg_write(e, GPR_RAX, n, a);
		set_flags(e, FL_ARITH, fl);
		return 0;
	default:
		break;
	}

	/* Read-modify-write and compare: the memory operand is read first. */
	ret = mem_read(e, la, n, &a);
	if (ret)
		return ret;

	switch (in->kind) {
	case LHV_INSN_ALU_MR:
	case LHV_INSN_ALU_MI:
		b = in->kind == LHV_INSN_ALU_MR ? reg_read(e, dst, n) : in->imm;
		r = alu(in->alu, a, b, e->rflags, n, &fl);
		if (in->alu != LHV_ALU_CMP) {
			ret = mem_write(e, la, n, r);
			if (ret)
				return ret;
		}
		set_flags(e, FL_ARITH, fl);
		return 0;
	case LHV_INSN_ALU_RM:
		r = alu(in->alu, reg_read(e, dst, n), a, e->rflags, n, &fl);
		if (in->alu != LHV_ALU_CMP)
			reg_write(e, dst, n, r);
		set_flags(e, FL_ARITH, fl);
		return 0;
	case LHV_INSN_TEST_MR:
	case LHV_INSN_TEST_MI:
		b = in->kind == LHV_INSN_TEST_MR ? reg_read(e, dst, n) : in->imm;
		alu(LHV_ALU_AND, a, b, e->rflags, n, &fl);
		set_flags(e, FL_ARITH, fl);
		return 0;
	case LHV_INSN_NOT:
		return mem_write(e, la, n, ~a);
	case LHV_INSN_NEG:
		/* NEG: CF = (operand != 0), the rest as 0 - operand. */
		r = alu_sub(0, a, 0, n, &fl);
		ret = mem_write(e, la, n, r);
		if (!ret)
			set_flags(e, FL_ARITH, fl);
		return ret;
	case LHV_INSN_INC:
	case LHV_INSN_DEC:
		/* INC/DEC leave CF alone (SDM Vol. 2A INC, DEC). */
		if (in->kind == LHV_INSN_INC)
			r = alu_add(a, 1, 0, n, &fl);
		else
			r = alu_sub(a, 1, 0, n, &fl);
		ret = mem_write(e, la, n, r);
		if (!ret)
			set_flags(e, FL_ARITH & ~FL_CF, fl);
		return ret;
	}
	return LHV_EMUL_UNSUPPORTED;
}

/*
 * MOVS/STOS/LODS, one iteration (SDM Vol. 2B MOVS, STOS, LODS, REP).  The
 * source is seg:rSI (DS unless overridden), the destination ES:rDI (no
 * override); rSI/rDI move by the operand size, down when DF is set.  With
 * REP (F3, or F2 which these treat alike) rCX counts iterations: a zero
 * count does nothing, and the instruction is complete when rCX reaches 0.
 * rCX/rSI/rDI are used at the address size.
 */
static int emul_string(struct emul *e)
{
	const struct lhv_insn *in = e->in;
	unsigned int n = in->op_bytes;
	u64 am = size_mask(in->addr_bytes);
	u64 delta = (e->rflags & FL_DF) ? -(u64)n : n;
	unsigned int src_seg = in->seg_override != LHV_SEG_NONE ?
			       in->seg_override : LHV_SEG_DS;
	u64 rsi = e->regs[GPR_RSI], rdi = e->regs[GPR_RDI], la, v = 0;
	int ret;

	if (in->rep && !(e->regs[GPR_RCX] & am))
		return 0;

	if (in->kind != LHV_INSN_STOS) {
		ret = emul_linear(e, src_seg, rsi & am, n, &la);
		if (!ret)
			ret = mem_read(e, la, n, &v);
		if (ret)
			return ret;
		addr_reg_write(e, GPR_RSI, rsi + delta);
	}
	if (in->kind == LHV_INSN_STOS)
		v = reg_read(e, GPR_RAX, n);
	if (in->kind != LHV_INSN_LODS) {
		ret = emul_linear(e, LHV_SEG_ES, rdi & am, n, &la);
		if (!ret)
			ret = mem_write(e, la, n, v);
		if (ret)
			return ret;
		addr_reg_write(e, GPR_RDI, rdi + delta);
	} else {
		reg_write(e, GPR_RAX, n, v);
	}
	if (in->rep) {
		addr_reg_write(e, GPR_RCX, e->regs[GPR_RCX] - 1);
		e->complete = !(e->regs[GPR_RCX] & am);
	}
	return 0;
}

/*
 * LOCK is allowed only on these read-modify-write instructions and only
 * with a memory destination; elsewhere it raises #UD (SDM Vol. 2A LOCK).
 */
static bool lock_allowed(const struct lhv_insn *in)
{
	if (!in->has_mem)
		return false;
	switch (in->kind) {
	case LHV_INSN_ALU_MR:
	case LHV_INSN_ALU_MI:
		return in->alu != LHV_ALU_CMP;
	case LHV_INSN_BT:
	case LHV_INSN_BT_IMM:
		return in->alu != LHV_BT;
	case LHV_INSN_NOT:
	case LHV_INSN_NEG:
	case LHV_INSN_INC:
	case LHV_INSN_DEC:
	case LHV_INSN_XCHG:
	case LHV_INSN_XADD:
	case LHV_INSN_CMPXCHG:
		return true;
	}
	return false;
}

static bool is_string(const struct lhv_insn *in)
{
	return in->kind == LHV_INSN_MOVS || in->kind == LHV_INSN_STOS ||
	       in->kind == LHV_INSN_LODS;
}

static void emul_init(struct emul *e, const struct lhv_insn *in,
		      struct lhv_emul_ctx *ctx)
{
	int i;

	e->in = in;
	e->ctx = ctx;
	for (i = 0; i < LHV_NR_GPRS; i++)
		e->regs[i] = ctx->regs[i];
	e->rflags = ctx->rflags;
	e->next = 0;
	e->complete = true;
}

int lhv_emulate_mmio(const struct lhv_insn *in, struct lhv_emul_ctx *ctx)
{
	struct emul e;
	int i, ret;

	if (!in->len || in->len > LHV_INSN_MAX_LEN ||
	    in->mode > LHV_CPU_LONG64)
		return LHV_EMUL_UNSUPPORTED;
	if (ctx->nr_done > LHV_EMUL_MAX_ACC)
		return LHV_EMUL_BAD_CTX;
	emul_init(&e, in, ctx);

	if (in->lock && !lock_allowed(in))
		return emul_fault(&e, VEC_UD, false);
	if (is_string(in))
		ret = emul_string(&e);
	else if (in->has_mem)
		ret = emul_mem(&e);
	else
		ret = LHV_EMUL_UNSUPPORTED;
	if (ret)
		return ret;
	if (e.next != ctx->nr_done)
		return LHV_EMUL_BAD_CTX;

	for (i = 0; i < LHV_NR_GPRS; i++)
		ctx->regs[i] = e.regs[i];
	ctx->rflags = e.rflags;
	ctx->complete = e.complete;
	if (e.complete) {
		ctx->rip += in->len;
		if (in->mode != LHV_CPU_LONG64)
			ctx->rip &= 0xffffffffULL;
	}
	return LHV_EMUL_DONE;
}

int lhv_emul_mem_gva(const struct lhv_insn *in, struct lhv_emul_ctx *ctx,
		     u64 *gva)
{
	struct emul e;
	u64 ea;
	unsigned int seg;

	if (!in->len || in->mode > LHV_CPU_LONG64)
		return LHV_EMUL_UNSUPPORTED;
	emul_init(&e, in, ctx);
	if (is_string(in)) {
		seg = LHV_SEG_ES;
		ea = e.regs[GPR_RDI];
		if (in->kind != LHV_INSN_STOS) {
			seg = in->seg_override != LHV_SEG_NONE ?
			      in->seg_override : LHV_SEG_DS;
			ea = e.regs[GPR_RSI];
		}
	} else if (in->has_mem) {
		seg = in->mem.seg;
		ea = bt_ea(&e, emul_ea(&e));
	} else {
		return LHV_EMUL_UNSUPPORTED;
	}
	ea &= size_mask(in->addr_bytes);
	return emul_linear(&e, seg, ea, in->src_bytes, gva);
}
