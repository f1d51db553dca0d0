/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmod/emul.h - the x86 instruction decoder and the MMIO instruction
 * emulator: decode the bytes at the guest RIP, then carry out the
 * instruction one memory access at a time so that any access may become a
 * KVM_EXIT_MMIO round trip to userspace.
 *
 * Pure logic (emul.c has no kernel or libc calls); built into lhv.ko, the
 * host unit tests (selftests/host) and the fuzz target (selftests/fuzz).
 *
 * Use:
 *	struct lhv_insn insn;
 *	struct lhv_emul_ctx ctx = { regs, rip, rflags, seg_base };
 *
 *	n = lhv_decode(bytes, nbytes, mode, &insn);
 *		n == LHV_DECODE_TRUNCATED: fetch more bytes (up to 15) and retry
 *		n < 0: not an instruction lhv emulates -> internal error exit
 *		(INS/OUTS and MOV CR are decoded only: the caller does them)
 *	loop:
 *	r = lhv_emulate_mmio(&insn, &ctx);
 *	LHV_EMUL_READ:	a = &ctx.acc[ctx.nr_done]; translate a->gva; RAM or
 *			MMIO (exit to userspace, resume on the next KVM_RUN);
 *			put the a->size bytes read in a->data (little endian),
 *			ctx.nr_done++, goto loop
 *	LHV_EMUL_WRITE:	store a->size bytes of a->data at a->gva the same way,
 *			ctx.nr_done++, goto loop
 *	LHV_EMUL_DONE:	copy ctx.regs/rip/rflags back to the vCPU.  If
 *			!ctx.complete, a rep string instruction has iterations
 *			left (RIP still points at it): reset ctx.nr_done = 0 and
 *			go again, or re-enter the guest and let it exit again.
 *	LHV_EMUL_EXCEPTION: inject ctx.vector (with ctx.error_code when
 *			ctx.has_error_code); the guest state is unchanged.
 *	< 0:		unsupported -> KVM_EXIT_INTERNAL_ERROR (emulation)
 *
 * Between calls the caller changes nothing in ctx except acc[i].data of a
 * read it completed and nr_done: every call replays the instruction from
 * the saved guest state and the accesses already done, so the ctx alone is
 * the whole resumable state.  Guest registers, RIP and RFLAGS in ctx change
 * only when LHV_EMUL_DONE is returned.  An access may cross a page
 * boundary; splitting it is the caller's business.
 */
#ifndef LHV_EMUL_H
#define LHV_EMUL_H

#include "emul_types.h"

/* The mode the instruction is decoded in: CS.D / CS.L / CR0.PE / EFER.LMA. */
enum lhv_cpu_mode {
	LHV_CPU_REAL16,		/* real mode and virtual-8086 mode */
	LHV_CPU_PROT16,		/* protected or compatibility mode, CS.D = 0 */
	LHV_CPU_PROT32,		/* protected or compatibility mode, CS.D = 1 */
	LHV_CPU_LONG64,		/* 64-bit mode (EFER.LMA = 1, CS.L = 1) */
};

/* Segment registers in the encoding's order (SDM Vol. 2 3.1.1.3, Sreg). */
enum lhv_seg {
	LHV_SEG_ES, LHV_SEG_CS, LHV_SEG_SS, LHV_SEG_DS, LHV_SEG_FS, LHV_SEG_GS,
	LHV_NR_SEGS,
	LHV_SEG_NONE = 0xff,
};

/* GPR numbers are the x86 encoding's: RAX RCX RDX RBX RSP RBP RSI RDI R8.. */
#define LHV_GPR_NONE		(-1)
#define LHV_NR_GPRS		16

/* What lhv_emulate_mmio() does with the instruction. */
enum lhv_insn_kind {
	LHV_INSN_INVALID,
	LHV_INSN_MOV_LOAD,	/* 8A 8B A0 A1: reg <- mem */
	LHV_INSN_MOV_STORE,	/* 88 89 A2 A3, 0F C3 (MOVNTI): mem <- reg */
	LHV_INSN_MOV_IMM,	/* C6 /0, C7 /0: mem <- imm */
	LHV_INSN_MOVZX,		/* 0F B6, 0F B7 */
	LHV_INSN_MOVSX,		/* 0F BE, 0F BF, 63 (MOVSXD) */
	LHV_INSN_ALU_MR,	/* 00-39 even/odd: mem op= reg (alu) */
	LHV_INSN_ALU_RM,	/* 02-3B: reg op= mem (alu) */
	LHV_INSN_ALU_AI,	/* 04/05 ...: AL/rAX op= imm, no memory */
	LHV_INSN_ALU_MI,	/* 80 81 82 83: mem op= imm (alu) */
	LHV_INSN_TEST_MR,	/* 84 85 */
	LHV_INSN_TEST_MI,	/* F6 /0, F7 /0 */
	LHV_INSN_NOT,		/* F6 /2, F7 /2 */
	LHV_INSN_NEG,		/* F6 /3, F7 /3 */
	LHV_INSN_INC,		/* FE /0, FF /0 */
	LHV_INSN_DEC,		/* FE /1, FF /1 */
	LHV_INSN_XCHG,		/* 86 87 */
	LHV_INSN_BT,		/* 0F A3 AB B3 BB: bit offset in reg (alu) */
	LHV_INSN_BT_IMM,	/* 0F BA /4-7 (alu) */
	LHV_INSN_MOVS,		/* A4 A5 */
	LHV_INSN_STOS,		/* AA AB */
	LHV_INSN_LODS,		/* AC AD */
	LHV_INSN_CMPXCHG,	/* 0F B0, 0F B1 */
	LHV_INSN_XADD,		/* 0F C0, 0F C1 */
	/* Decoded only (no memory operand): the caller carries them out. */
	LHV_INSN_MOV_FROM_CR,	/* 0F 20: rm (GPR) <- CR reg */
	LHV_INSN_MOV_TO_CR,	/* 0F 22: CR reg <- rm (GPR) */
	LHV_INSN_INS,		/* 6C 6D: the I/O exit is carried out by run.c */
	LHV_INSN_OUTS,		/* 6E 6F: likewise */
};

/* insn->alu for the ALU kinds: the opcode's bits 5:3 (SDM Vol. 2 A.3). */
enum lhv_alu_op {
	LHV_ALU_ADD, LHV_ALU_OR, LHV_ALU_ADC, LHV_ALU_SBB,
	LHV_ALU_AND, LHV_ALU_SUB, LHV_ALU_XOR, LHV_ALU_CMP,
};

/* insn->alu for LHV_INSN_BT and LHV_INSN_BT_IMM. */
enum lhv_bt_op {
	LHV_BT, LHV_BTS, LHV_BTR, LHV_BTC,
};

/*
 * struct lhv_mem_operand - a ModRM/SIB or moffs memory operand.
 * Effective address = base + index * scale + disp (+ next RIP if rip_rel),
 * truncated to the address size; linear = segment base + that.
 */
struct lhv_mem_operand {
	s8 base;		/* GPR, or LHV_GPR_NONE */
	s8 index;		/* GPR, or LHV_GPR_NONE */
	u8 scale;		/* 1, 2, 4 or 8 */
	u8 seg;			/* enum lhv_seg: override, else the default */
	bool rip_rel;		/* base is the next instruction's RIP */
	u64 disp;		/* sign-extended disp, or the moffs (zero-ext) */
};

/* struct lhv_insn - one decoded instruction; filled by lhv_decode(). */
struct lhv_insn {
	u8 len;			/* bytes, 1..15 */
	u8 mode;		/* enum lhv_cpu_mode it was decoded in */
	u8 kind;		/* enum lhv_insn_kind */
	u8 alu;			/* enum lhv_alu_op / lhv_bt_op for those kinds */
	u16 opcode;		/* 0x00-0xff, or 0x0f00 | second byte */
	u8 op_bytes;		/* operand size: 1, 2, 4 or 8 */
	u8 src_bytes;		/* MOVZX/MOVSX source size, else op_bytes */
	u8 addr_bytes;		/* address size: 2, 4 or 8 */

	/*
	 * Prefixes.  seg_prefix is the last segment prefix (LHV_SEG_NONE if
	 * none), also one that 64-bit mode makes null (ES/CS/SS/DS), which
	 * seg_override leaves out: an SS one still picks #SS over #GP.
	 */
	bool opsize_prefix;	/* 66 */
	bool addrsize_prefix;	/* 67 */
	bool lock;		/* F0 */
	u8 rep;			/* 0, 0xf2 (REPNE) or 0xf3 (REP/REPE) */
	u8 seg_override;	/* enum lhv_seg, LHV_SEG_NONE if none */
	u8 seg_prefix;		/* enum lhv_seg, see above */
	u8 rex;			/* REX byte (40-4F) in effect, 0 if none */

	/* ModRM / SIB. */
	bool has_modrm;
	u8 modrm;
	u8 mod;			/* ModRM.mod */
	u8 reg;			/* ModRM.reg + REX.R: GPR or /digit */
	u8 rm;			/* ModRM.rm + REX.B: GPR when mod == 3 */
	bool has_sib;
	u8 sib;
	u8 disp_bytes;		/* 0, 1, 2, 4 or 8 (moffs) */

	bool has_mem;		/* ModRM or moffs memory operand in mem */
	struct lhv_mem_operand mem;

	u8 imm_bytes;		/* 0, 1, 2 or 4 */
	u64 imm;		/* sign-extended as the instruction does */
};

/* lhv_decode() errors. */
#define LHV_DECODE_UNSUPPORTED	(-1)	/* invalid or not emulated */
#define LHV_DECODE_TRUNCATED	(-2)	/* need more bytes */

#define LHV_INSN_MAX_LEN	15

int lhv_decode(const u8 *bytes, int len, enum lhv_cpu_mode mode,
	       struct lhv_insn *out);

/* One memory access of an emulated instruction. */
struct lhv_emul_access {
	u64 gva;		/* linear address */
	u64 data;		/* write: value to store; read: caller fills */
	u8 size;		/* 1, 2, 4 or 8 bytes */
	bool write;
};

#define LHV_EMUL_MAX_ACC	2	/* a read then a write (RMW, MOVS) */

/*
 * struct lhv_emul_ctx - guest state and progress of one emulation.
 * The caller fills regs, rip, rflags, seg_base (and va_bits) and zeroes
 * nr_done; see the comment at the top for the protocol.
 */
struct lhv_emul_ctx {
	u64 regs[LHV_NR_GPRS];	/* in; out on DONE */
	u64 rip;		/* in: the instruction's; out on DONE */
	u64 rflags;		/* in; out on DONE */
	u64 seg_base[LHV_NR_SEGS];	/* in: ES CS SS DS FS GS bases */
	u8 va_bits;		/* in: 57 with CR4.LA57, else 48 (or 0) */

	u8 nr_done;		/* in: accesses completed so far */
	struct lhv_emul_access acc[LHV_EMUL_MAX_ACC];

	bool complete;		/* out on DONE: instruction finished */
	u8 vector;		/* out on EXCEPTION */
	bool has_error_code;
	u32 error_code;
};

/* lhv_emulate_mmio() results. */
#define LHV_EMUL_DONE		0
#define LHV_EMUL_READ		1
#define LHV_EMUL_WRITE		2
#define LHV_EMUL_EXCEPTION	3
#define LHV_EMUL_UNSUPPORTED	(-1)	/* nothing lhv can emulate */
#define LHV_EMUL_BAD_CTX	(-2)	/* ctx changed between calls */

int lhv_emulate_mmio(const struct lhv_insn *insn, struct lhv_emul_ctx *ctx);

/*
 * lhv_emul_mem_gva - linear address of the first memory access insn makes
 * (its ModRM/moffs operand, moved by the bit offset for BT with a register
 * offset; rSI, or rDI for STOS, for string instructions), e.g. to check it
 * against the faulting GPA before emulating.  Returns 0, or
 * LHV_EMUL_EXCEPTION with ctx->vector set, or LHV_EMUL_UNSUPPORTED.
 */
int lhv_emul_mem_gva(const struct lhv_insn *insn, struct lhv_emul_ctx *ctx,
		     u64 *gva);

/* Is linear address @la canonical with @va_bits (48, or 57 with LA57)? */
static inline bool lhv_canonical(u64 la, unsigned int va_bits)
{
	unsigned int shift = 64 - va_bits;

	return ((u64)((s64)(la << shift) >> shift)) == la;
}

#endif /* LHV_EMUL_H */
