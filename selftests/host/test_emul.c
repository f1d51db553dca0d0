// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/host/test_emul.c - host unit tests of the instruction decoder
 * and MMIO emulator (kmod/emul.c): a decode table, an emulation table run
 * through the two-phase access protocol, and an ALU flags oracle that runs
 * the same operation natively on registers.  emul_native.c adds a
 * differential test that executes random instructions on the host CPU.
 * Output is KTAP (ktap.c); the exit status is non-zero on any failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emul.h"
#include "ktap.h"
#include "test_emul.h"

#define B(s)	(const u8 *)(s), (int)sizeof(s) - 1

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
	R8, R9, R10, R11, R12, R13, R14, R15 };
#define N	LHV_GPR_NONE
#define ES	LHV_SEG_ES
#define CS	LHV_SEG_CS
#define SS	LHV_SEG_SS
#define DS	LHV_SEG_DS
#define FS	LHV_SEG_FS
#define GS	LHV_SEG_GS

#define M16	LHV_CPU_REAL16
#define P16	LHV_CPU_PROT16
#define M32	LHV_CPU_PROT32
#define M64	LHV_CPU_LONG64

#define K(x)	LHV_INSN_##x

/* ---------------------------------------------------------------- */
/* Decode table                                                      */
/* ---------------------------------------------------------------- */

struct dcase {
	int mode;
	const u8 *code;
	int ncode;
	int ret;		/* length or error */
	u8 kind, opb, adb;
	bool mem;
	s8 base, index;
	u8 scale, seg;
	bool rip;
	u64 disp;
	u8 reg;
	u64 imm;
	u8 alu;
};

/* Memory operand forms. */
#define DM(m, c, len, k, opb, adb, b, i, sc, sg, d, r) \
	{ m, B(c), len, K(k), opb, adb, true, b, i, sc, sg, false, d, r, 0, 0 }
#define DMI(m, c, len, k, opb, adb, b, sg, d, r, imm, alu) \
	{ m, B(c), len, K(k), opb, adb, true, b, N, 1, sg, false, d, r, imm, alu }
#define DRIP(m, c, len, k, opb, adb, d, r) \
	{ m, B(c), len, K(k), opb, adb, true, N, N, 1, DS, true, d, r, 0, 0 }
/* Simple [rbx] forms with an ALU op or imm. */
#define DA(m, c, len, k, opb, alu, imm) \
	{ m, B(c), len, K(k), opb, m == M64 ? 8 : 4, true, RBX, N, 1, DS, \
	  false, 0, 0xff, imm, alu }
/* No memory operand (register forms, strings). */
#define DN(m, c, len, k, opb, adb) \
	{ m, B(c), len, K(k), opb, adb, false, N, N, 0, 0, false, 0, 0, 0, 0 }
#define DE(m, c, err) \
	{ m, B(c), err, 0, 0, 0, false, N, N, 0, 0, false, 0, 0, 0, 0 }

#define TRUNC	LHV_DECODE_TRUNCATED
#define UNSUP	LHV_DECODE_UNSUPPORTED

static const struct dcase dcases[] = {
	/* 64-bit mov forms, REX, byte registers. */
	DM(M64, "\x89\x03", 2, MOV_STORE, 4, 8, RBX, N, 1, DS, 0, RAX),
	DM(M64, "\x48\x89\x03", 3, MOV_STORE, 8, 8, RBX, N, 1, DS, 0, RAX),
	DM(M64, "\x66\x89\x03", 3, MOV_STORE, 2, 8, RBX, N, 1, DS, 0, RAX),
	DM(M64, "\x88\x03", 2, MOV_STORE, 1, 8, RBX, N, 1, DS, 0, RAX),
	DM(M64, "\x88\x23", 2, MOV_STORE, 1, 8, RBX, N, 1, DS, 0, RSP),
	DM(M64, "\x40\x88\x23", 3, MOV_STORE, 1, 8, RBX, N, 1, DS, 0, RSP),
	DM(M64, "\x44\x88\x23", 3, MOV_STORE, 1, 8, RBX, N, 1, DS, 0, R12),
	DM(M64, "\x41\x89\x00", 3, MOV_STORE, 4, 8, R8, N, 1, DS, 0, RAX),
	DM(M64, "\x4d\x89\x3f", 3, MOV_STORE, 8, 8, R15, N, 1, DS, 0, R15),
	DM(M64, "\x8b\x03", 2, MOV_LOAD, 4, 8, RBX, N, 1, DS, 0, RAX),
	DM(M64, "\x8a\x3b", 2, MOV_LOAD, 1, 8, RBX, N, 1, DS, 0, RDI),
	DM(M64, "\x48\x8b\x0e", 3, MOV_LOAD, 8, 8, RSI, N, 1, DS, 0, RCX),
	DRIP(M64, "\x8b\x05\x10\x00\x00\x00", 6, MOV_LOAD, 4, 8, 0x10, RAX),
	DRIP(M64, "\x67\x8b\x05\x10\x00\x00\x00", 7, MOV_LOAD, 4, 4, 0x10,
	     RAX),
	DRIP(M64, "\x89\x0d\xf0\xff\xff\xff", 6, MOV_STORE, 4, 8,
	     0xfffffffffffffff0ULL, RCX),
	DM(M64, "\x8b\x04\x25\x00\x10\x00\x00", 7, MOV_LOAD, 4, 8, N, N, 1,
	   DS, 0x1000, RAX),
	DM(M64, "\x8b\x04\x24", 3, MOV_LOAD, 4, 8, RSP, N, 1, SS, 0, RAX),
	DM(M64, "\x8b\x45\xf8", 3, MOV_LOAD, 4, 8, RBP, N, 1, SS,
	   0xfffffffffffffff8ULL, RAX),
	DM(M64, "\x41\x8b\x45\x00", 4, MOV_LOAD, 4, 8, R13, N, 1, DS, 0, RAX),
	DM(M64, "\x41\x8b\x04\x24", 4, MOV_LOAD, 4, 8, R12, N, 1, DS, 0, RAX),
	DM(M64, "\x42\x8b\x04\x20", 4, MOV_LOAD, 4, 8, RAX, R12, 1, DS, 0,
	   RAX),
	DM(M64, "\x8b\x04\x88", 3, MOV_LOAD, 4, 8, RAX, RCX, 4, DS, 0, RAX),
	DM(M64, "\x8b\x44\xcb\x08", 4, MOV_LOAD, 4, 8, RBX, RCX, 8, DS, 8,
	   RAX),
	DM(M64, "\x8b\x84\xcb\x00\x01\x00\x00", 7, MOV_LOAD, 4, 8, RBX, RCX,
	   8, DS, 0x100, RAX),
	DM(M64, "\x8b\x04\xcd\x00\x10\x00\x00", 7, MOV_LOAD, 4, 8, N, RCX, 8,
	   DS, 0x1000, RAX),
	DM(M64, "\x43\x8b\x04\xec", 4, MOV_LOAD, 4, 8, R12, R13, 8, DS, 0,
	   RAX),
	DM(M64, "\x8b\x04\xe0", 3, MOV_LOAD, 4, 8, RAX, N, 8, DS, 0, RAX),
	DM(M64, "\x41\x8b\x04\xed\x00\x00\x00\x00", 8, MOV_LOAD, 4, 8, N,
	   RBP, 8, DS, 0, RAX),
	DM(M64, "\x8b\x44\x24\x08", 4, MOV_LOAD, 4, 8, RSP, N, 1, SS, 8, RAX),
	DM(M64, "\x8b\x4c\x45\x7f", 4, MOV_LOAD, 4, 8, RBP, RAX, 2, SS, 0x7f,
	   RCX),
	DM(M64, "\x64\x8b\x03", 3, MOV_LOAD, 4, 8, RBX, N, 1, FS, 0, RAX),
	DM(M64, "\x65\x48\x8b\x03", 4, MOV_LOAD, 8, 8, RBX, N, 1, GS, 0, RAX),
	DM(M64, "\x26\x8b\x03", 3, MOV_LOAD, 4, 8, RBX, N, 1, DS, 0, RAX),
	DM(M64, "\x2e\x8b\x45\x00", 4, MOV_LOAD, 4, 8, RBP, N, 1, SS, 0, RAX),
	DM(M64, "\x64\x3e\x8b\x03", 4, MOV_LOAD, 4, 8, RBX, N, 1, FS, 0, RAX),
	DM(M64, "\x48\x66\x89\x03", 4, MOV_STORE, 2, 8, RBX, N, 1, DS, 0,
	   RAX),
	DM(M64, "\x66\x48\x89\x03", 4, MOV_STORE, 8, 8, RBX, N, 1, DS, 0,
	   RAX),
	DM(M64, "\x67\x89\x03", 3, MOV_STORE, 4, 4, RBX, N, 1, DS, 0, RAX),
	DM(M64, "\x66\x67\x44\x89\x44\x8e\x80", 7, MOV_STORE, 2, 4, RSI, RCX,
	   4, DS, 0xffffffffffffff80ULL, R8),
	DMI(M64, "\xc7\x03\x78\x56\x34\x12", 6, MOV_IMM, 4, 8, RBX, DS, 0, 0,
	    0x12345678, 0),
	DMI(M64, "\x48\xc7\x03\xff\xff\xff\xff", 7, MOV_IMM, 8, 8, RBX, DS, 0,
	    0, ~0ULL, 0),
	DMI(M64, "\x66\xc7\x03\x34\x12", 5, MOV_IMM, 2, 8, RBX, DS, 0, 0,
	    0x1234, 0),
	DMI(M64, "\xc6\x03\x80", 3, MOV_IMM, 1, 8, RBX, DS, 0, 0,
	    0xffffffffffffff80ULL, 0),
	DMI(M64, "\xc6\x43\x10\x7f", 4, MOV_IMM, 1, 8, RBX, DS, 0x10, 0, 0x7f,
	    0),
	DMI(M64, "\xc7\x80\x00\x01\x00\x00\x01\x00\x00\x00", 10, MOV_IMM, 4,
	    8, RAX, DS, 0x100, 0, 1, 0),
	DN(M64, "\xc7\xc0\x01\x00\x00\x00", 6, MOV_IMM, 4, 8),
	DN(M64, "\x89\xd8", 2, MOV_STORE, 4, 8),
	DE(M64, "\xc7\x4b\x00\x00\x00\x00\x00", UNSUP),
	DE(M64, "\xc6\xf8\x00", UNSUP),
	/* moffs */
	DM(M64, "\xa1\x88\x77\x66\x55\x44\x33\x22\x11", 9, MOV_LOAD, 4, 8,
	   N, N, 1, DS, 0x1122334455667788ULL, 0),
	DM(M64, "\x67\xa1\x00\x00\x00\x80", 6, MOV_LOAD, 4, 4, N, N, 1, DS,
	   0x80000000ULL, 0),
	DM(M64, "\x48\xa3\x00\x10\x00\x00\x00\x00\x00\x00", 10, MOV_STORE, 8,
	   8, N, N, 1, DS, 0x1000, 0),
	DM(M64, "\xa0\x00\x10\x00\x00\x00\x00\x00\x00", 9, MOV_LOAD, 1, 8, N,
	   N, 1, DS, 0x1000, 0),
	DM(M64, "\x65\xa2\x00\x10\x00\x00\x00\x00\x00\x00", 10, MOV_STORE, 1,
	   8, N, N, 1, GS, 0x1000, 0),
	DM(M64, "\x66\xa1\x00\x10\x00\x00\x00\x00\x00\x00", 10, MOV_LOAD, 2,
	   8, N, N, 1, DS, 0x1000, 0),
	/* movzx, movsx, movsxd */
	DM(M64, "\x0f\xb6\x03", 3, MOVZX, 4, 8, RBX, N, 1, DS, 0, RAX),
	DM(M64, "\x48\x0f\xb7\x03", 4, MOVZX, 8, 8, RBX, N, 1, DS, 0, RAX),
	DM(M64, "\x66\x0f\xb6\x03", 4, MOVZX, 2, 8, RBX, N, 1, DS, 0, RAX),
	DM(M64, "\x0f\xbe\x03", 3, MOVSX, 4, 8, RBX, N, 1, DS, 0, RAX),
	DM(M64, "\x44\x0f\xbf\x13", 4, MOVSX, 4, 8, RBX, N, 1, DS, 0, R10),
	DM(M64, "\x48\x63\x03", 3, MOVSX, 8, 8, RBX, N, 1, DS, 0, RAX),
	DM(M64, "\x63\x03", 2, MOVSX, 4, 8, RBX, N, 1, DS, 0, RAX),
	DE(M64, "\x66\x63\x03", UNSUP),
	DE(M32, "\x63\x03", UNSUP),
	/* ALU r/m, reg and reg, r/m */
	DA(M64, "\x01\x03", 2, ALU_MR, 4, LHV_ALU_ADD, 0),
	DA(M64, "\x00\x03", 2, ALU_MR, 1, LHV_ALU_ADD, 0),
	DA(M64, "\x09\x03", 2, ALU_MR, 4, LHV_ALU_OR, 0),
	DA(M64, "\x11\x03", 2, ALU_MR, 4, LHV_ALU_ADC, 0),
	DA(M64, "\x19\x03", 2, ALU_MR, 4, LHV_ALU_SBB, 0),
	DA(M64, "\x21\x03", 2, ALU_MR, 4, LHV_ALU_AND, 0),
	DA(M64, "\x29\x03", 2, ALU_MR, 4, LHV_ALU_SUB, 0),
	DA(M64, "\x31\x03", 2, ALU_MR, 4, LHV_ALU_XOR, 0),
	DA(M64, "\x39\x03", 2, ALU_MR, 4, LHV_ALU_CMP, 0),
	DA(M64, "\x38\x03", 2, ALU_MR, 1, LHV_ALU_CMP, 0),
	DA(M64, "\x03\x03", 2, ALU_RM, 4, LHV_ALU_ADD, 0),
	DA(M64, "\x0a\x03", 2, ALU_RM, 1, LHV_ALU_OR, 0),
	DA(M64, "\x13\x03", 2, ALU_RM, 4, LHV_ALU_ADC, 0),
	DA(M64, "\x1a\x03", 2, ALU_RM, 1, LHV_ALU_SBB, 0),
	DA(M64, "\x23\x03", 2, ALU_RM, 4, LHV_ALU_AND, 0),
	DA(M64, "\x2b\x03", 2, ALU_RM, 4, LHV_ALU_SUB, 0),
	DA(M64, "\x32\x03", 2, ALU_RM, 1, LHV_ALU_XOR, 0),
	DA(M64, "\x3b\x03", 2, ALU_RM, 4, LHV_ALU_CMP, 0),
	DA(M64, "\x48\x3b\x03", 3, ALU_RM, 8, LHV_ALU_CMP, 0),
	DA(M64, "\x66\x29\x03", 3, ALU_MR, 2, LHV_ALU_SUB, 0),
	DA(M64, "\xf0\x01\x03", 3, ALU_MR, 4, LHV_ALU_ADD, 0),
	DN(M64, "\x04\x01", 2, ALU_AI, 1, 8),
	DN(M64, "\x05\x01\x00\x00\x00", 5, ALU_AI, 4, 8),
	DN(M64, "\x66\x3d\x01\x00", 4, ALU_AI, 2, 8),
	/* group 1 */
	DA(M64, "\x83\x03\x01", 3, ALU_MI, 4, LHV_ALU_ADD, 1),
	DA(M64, "\x83\x2b\xff", 3, ALU_MI, 4, LHV_ALU_SUB, ~0ULL),
	DA(M64, "\x48\x83\x0b\x80", 4, ALU_MI, 8, LHV_ALU_OR,
	   0xffffffffffffff80ULL),
	DA(M64, "\x81\x33\x78\x56\x34\x12", 6, ALU_MI, 4, LHV_ALU_XOR,
	   0x12345678),
	DA(M64, "\x48\x81\x23\x00\x00\x00\x80", 7, ALU_MI, 8, LHV_ALU_AND,
	   0xffffffff80000000ULL),
	DA(M64, "\x66\x81\x33\x34\x12", 5, ALU_MI, 2, LHV_ALU_XOR, 0x1234),
	DA(M64, "\x80\x3b\x10", 3, ALU_MI, 1, LHV_ALU_CMP, 0x10),
	DA(M64, "\x80\x13\x01", 3, ALU_MI, 1, LHV_ALU_ADC, 1),
	DA(M64, "\x80\x1b\x01", 3, ALU_MI, 1, LHV_ALU_SBB, 1),
	DA(M64, "\x80\x23\x0f", 3, ALU_MI, 1, LHV_ALU_AND, 0xf),
	DE(M64, "\x82\x03\x10", UNSUP),
	DE(M64, "\x81\x03\x00\x00", TRUNC),
	/* test, not, neg, inc, dec, xchg */
	DA(M64, "\x84\x03", 2, TEST_MR, 1, 0, 0),
	DA(M64, "\x85\x03", 2, TEST_MR, 4, 0, 0),
	DA(M64, "\x48\x85\x03", 3, TEST_MR, 8, 0, 0),
	DA(M64, "\xf6\x03\x01", 3, TEST_MI, 1, 0, 1),
	DA(M64, "\xf7\x03\x00\x00\x00\x80", 6, TEST_MI, 4, 0,
	   0xffffffff80000000ULL),
	DA(M64, "\x66\xf7\x03\x00\x80", 5, TEST_MI, 2, 0,
	   0xffffffffffff8000ULL),
	DA(M64, "\xf7\x13", 2, NOT, 4, 0, 0),
	DA(M64, "\xf6\x13", 2, NOT, 1, 0, 0),
	DA(M64, "\xf7\x1b", 2, NEG, 4, 0, 0),
	DA(M64, "\x48\xf7\x1b", 3, NEG, 8, 0, 0),
	DA(M64, "\xfe\x03", 2, INC, 1, 0, 0),
	DA(M64, "\xff\x03", 2, INC, 4, 0, 0),
	DA(M64, "\xff\x0b", 2, DEC, 4, 0, 0),
	DA(M64, "\x66\xff\x0b", 3, DEC, 2, 0, 0),
	DA(M64, "\x86\x03", 2, XCHG, 1, 0, 0),
	DA(M64, "\x87\x03", 2, XCHG, 4, 0, 0),
	DA(M64, "\x48\x87\x03", 3, XCHG, 8, 0, 0),
	DE(M64, "\xf6\x0b\x01", UNSUP),
	DE(M64, "\xf7\x23", UNSUP),
	DE(M64, "\xf7\x3b", UNSUP),
	DE(M64, "\xfe\x13", UNSUP),
	DE(M64, "\xff\x13", UNSUP),
	DE(M64, "\xff\x33", UNSUP),
	/* bit tests */
	DA(M64, "\x0f\xa3\x03", 3, BT, 4, LHV_BT, 0),
	DA(M64, "\x0f\xab\x03", 3, BT, 4, LHV_BTS, 0),
	DA(M64, "\x0f\xb3\x03", 3, BT, 4, LHV_BTR, 0),
	DA(M64, "\x0f\xbb\x03", 3, BT, 4, LHV_BTC, 0),
	DA(M64, "\x48\x0f\xa3\x03", 4, BT, 8, LHV_BT, 0),
	DA(M64, "\x66\x0f\xab\x03", 4, BT, 2, LHV_BTS, 0),
	DA(M64, "\x0f\xba\x23\x05", 4, BT_IMM, 4, LHV_BT, 5),
	DA(M64, "\x0f\xba\x2b\x05", 4, BT_IMM, 4, LHV_BTS, 5),
	DA(M64, "\x0f\xba\x33\x05", 4, BT_IMM, 4, LHV_BTR, 5),
	DA(M64, "\x0f\xba\x3b\x3f", 4, BT_IMM, 4, LHV_BTC, 0x3f),
	DA(M64, "\x48\x0f\xba\x3b\x3f", 5, BT_IMM, 8, LHV_BTC, 0x3f),
	DE(M64, "\x0f\xba\x03\x05", UNSUP),
	DE(M64, "\x0f\xba\x1b\x05", UNSUP),
	/* strings */
	DN(M64, "\xa4", 1, MOVS, 1, 8),
	DN(M64, "\xa5", 1, MOVS, 4, 8),
	DN(M64, "\x48\xa5", 2, MOVS, 8, 8),
	DN(M64, "\x66\xa5", 2, MOVS, 2, 8),
	DN(M64, "\xf3\xa4", 2, MOVS, 1, 8),
	DN(M64, "\xf3\x48\xab", 3, STOS, 8, 8),
	DN(M64, "\x66\xab", 2, STOS, 2, 8),
	DN(M64, "\xaa", 1, STOS, 1, 8),
	DN(M64, "\xac", 1, LODS, 1, 8),
	DN(M64, "\xad", 1, LODS, 4, 8),
	DN(M64, "\x67\xf3\xa4", 3, MOVS, 1, 4),
	DN(M64, "\x64\xf3\xa5", 3, MOVS, 4, 8),
	/* truncation, limits, unsupported */
	DE(M64, "", TRUNC),
	DE(M64, "\x89", TRUNC),
	DE(M64, "\x8b\x05\x10\x00", TRUNC),
	DE(M64, "\x48", TRUNC),
	DE(M64, "\x0f", TRUNC),
	DE(M64, "\x66", TRUNC),
	DE(M64, "\x8b\x04", TRUNC),
	DE(M64, "\xc7\x03\x78", TRUNC),
	DE(M64, "\xa1\x00\x00\x00\x00", TRUNC),
	DE(M64, "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
	   "\x89\x03", UNSUP),
	DM(M64, "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
	   "\x89\x03", 15, MOV_STORE, 2, 8, RBX, N, 1, DS, 0, RAX),
	DE(M64, "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
	   "\x8b\x43\x01", UNSUP),
	DE(M64, "\x90", UNSUP),
	DE(M64, "\x0f\x05", UNSUP),
	DE(M64, "\x0f\x38\x00\x03", UNSUP),
	DE(M64, "\xc5\xf9\x7f\x03", UNSUP),
	DE(M64, "\xe8\x00\x00\x00\x00", UNSUP),
	DE(M64, "\x8c\x03", UNSUP),
	DE(M64, "\xa6", UNSUP),
	DA(M64, "\x0f\xb0\x0b", 3, CMPXCHG, 1, 0, 0),
	DA(M64, "\x48\x0f\xb1\x0b", 4, CMPXCHG, 8, 0, 0),
	DA(M64, "\x0f\xc1\x0b", 3, XADD, 4, 0, 0),
	DA(M64, "\xf0\x0f\xc0\x0b", 4, XADD, 1, 0, 0),
	DA(M64, "\x0f\xc3\x0b", 3, MOV_STORE, 4, 0, 0),
	DE(M64, "\x66\x0f\xc3\x0b", UNSUP),
	DE(M64, "\x0f\xc7\x0b", UNSUP),
	DE(M64, "\x06", UNSUP),
	DE(M64, "\x27", UNSUP),

	/* 32-bit protected mode */
	DM(M32, "\x89\x03", 2, MOV_STORE, 4, 4, RBX, N, 1, DS, 0, RAX),
	DM(M32, "\x8b\x05\x00\x10\x00\x00", 6, MOV_LOAD, 4, 4, N, N, 1, DS,
	   0x1000, RAX),
	DM(M32, "\x66\x89\x03", 3, MOV_STORE, 2, 4, RBX, N, 1, DS, 0, RAX),
	DM(M32, "\x67\x89\x07", 3, MOV_STORE, 4, 2, RBX, N, 1, DS, 0, RAX),
	DM(M32, "\x67\x8b\x46\x02", 4, MOV_LOAD, 4, 2, RBP, N, 1, SS, 2, RAX),
	DM(M32, "\x67\x8b\x06\x00\x10", 5, MOV_LOAD, 4, 2, N, N, 1, DS, 0x1000,
	   RAX),
	DM(M32, "\x26\x8b\x03", 3, MOV_LOAD, 4, 4, RBX, N, 1, ES, 0, RAX),
	DM(M32, "\x36\x8b\x03", 3, MOV_LOAD, 4, 4, RBX, N, 1, SS, 0, RAX),
	DM(M32, "\x2e\x8b\x03", 3, MOV_LOAD, 4, 4, RBX, N, 1, CS, 0, RAX),
	DM(M32, "\x3e\x8b\x45\x00", 4, MOV_LOAD, 4, 4, RBP, N, 1, DS, 0, RAX),
	DM(M32, "\x26\x64\x8b\x03", 4, MOV_LOAD, 4, 4, RBX, N, 1, FS, 0, RAX),
	DM(M32, "\x64\x26\x8b\x03", 4, MOV_LOAD, 4, 4, RBX, N, 1, ES, 0, RAX),
	DM(M32, "\x8b\x04\x8d\x00\x10\x00\x00", 7, MOV_LOAD, 4, 4, N, RCX, 4,
	   DS, 0x1000, RAX),
	DM(M32, "\x8b\x64\x24\xfc", 4, MOV_LOAD, 4, 4, RSP, N, 1, SS,
	   0xfffffffffffffffcULL, RSP),
	DM(M32, "\xa1\x00\x10\x00\x00", 5, MOV_LOAD, 4, 4, N, N, 1, DS,
	   0x1000, 0),
	DM(M32, "\x67\xa1\x00\x10", 4, MOV_LOAD, 4, 2, N, N, 1, DS, 0x1000, 0),
	DM(M32, "\x88\x23", 2, MOV_STORE, 1, 4, RBX, N, 1, DS, 0, RSP),
	DA(M32, "\x82\x03\x10", 3, ALU_MI, 1, LHV_ALU_ADD, 0x10),
	DE(M32, "\x40", UNSUP),
	DE(M32, "\x48\x89\x03", UNSUP),
	DE(M32, "\x89", TRUNC),
	DN(M32, "\xf3\xa5", 2, MOVS, 4, 4),
	DN(M32, "\x66\xab", 2, STOS, 2, 4),
	DN(M32, "\x67\xa4", 2, MOVS, 1, 2),

	/* 16-bit: real mode and 16-bit protected mode */
	DM(M16, "\x89\x07", 2, MOV_STORE, 2, 2, RBX, N, 1, DS, 0, RAX),
	DM(M16, "\x89\x00", 2, MOV_STORE, 2, 2, RBX, RSI, 1, DS, 0, RAX),
	DM(M16, "\x89\x01", 2, MOV_STORE, 2, 2, RBX, RDI, 1, DS, 0, RAX),
	DM(M16, "\x89\x02", 2, MOV_STORE, 2, 2, RBP, RSI, 1, SS, 0, RAX),
	DM(M16, "\x89\x03", 2, MOV_STORE, 2, 2, RBP, RDI, 1, SS, 0, RAX),
	DM(M16, "\x89\x04", 2, MOV_STORE, 2, 2, RSI, N, 1, DS, 0, RAX),
	DM(M16, "\x89\x05", 2, MOV_STORE, 2, 2, RDI, N, 1, DS, 0, RAX),
	DM(M16, "\x89\x06\x00\x10", 4, MOV_STORE, 2, 2, N, N, 1, DS, 0x1000,
	   RAX),
	DM(M16, "\x89\x46\x00", 3, MOV_STORE, 2, 2, RBP, N, 1, SS, 0, RAX),
	DM(M16, "\x89\x47\xfe", 3, MOV_STORE, 2, 2, RBX, N, 1, DS,
	   0xfffffffffffffffeULL, RAX),
	DM(M16, "\x89\x87\x00\x80", 4, MOV_STORE, 2, 2, RBX, N, 1, DS,
	   0xffffffffffff8000ULL, RAX),
	DM(M16, "\x89\x9a\x34\x12", 4, MOV_STORE, 2, 2, RBP, RSI, 1, SS,
	   0x1234, RBX),
	DM(M16, "\x26\x89\x46\x00", 4, MOV_STORE, 2, 2, RBP, N, 1, ES, 0, RAX),
	DM(M16, "\x66\x89\x07", 3, MOV_STORE, 4, 2, RBX, N, 1, DS, 0, RAX),
	DM(M16, "\x67\x89\x03", 3, MOV_STORE, 2, 4, RBX, N, 1, DS, 0, RAX),
	DM(M16, "\x67\x66\x8b\x04\x8b", 5, MOV_LOAD, 4, 4, RBX, RCX, 4, DS, 0,
	   RAX),
	DM(M16, "\xa1\x00\x10", 3, MOV_LOAD, 2, 2, N, N, 1, DS, 0x1000, 0),
	DM(M16, "\x67\xa1\x00\x10\x00\x00", 6, MOV_LOAD, 2, 4, N, N, 1, DS,
	   0x1000, 0),
	DMI(M16, "\xc7\x06\x00\x10\x34\x12", 6, MOV_IMM, 2, 2, N, DS, 0x1000, 0,
	    0x1234, 0),
	DMI(M16, "\x66\xc7\x06\x00\x10\x78\x56\x34\x12", 9, MOV_IMM, 4, 2, N,
	    DS, 0x1000, 0, 0x12345678, 0),
	DM(M16, "\x0f\xb6\x07", 3, MOVZX, 2, 2, RBX, N, 1, DS, 0, RAX),
	DN(M16, "\xf3\xa5", 2, MOVS, 2, 2),
	DN(M16, "\xf3\x66\xab", 3, STOS, 4, 2),
	DE(M16, "\x89\x06\x00", TRUNC),
	DM(P16, "\x89\x07", 2, MOV_STORE, 2, 2, RBX, N, 1, DS, 0, RAX),
	DM(P16, "\x66\x67\x89\x03", 4, MOV_STORE, 4, 4, RBX, N, 1, DS, 0, RAX),
	DM(P16, "\x8b\x56\x04", 3, MOV_LOAD, 2, 2, RBP, N, 1, SS, 4, RDX),
};

static void hex(char *buf, const u8 *b, int n)
{
	int i;

	buf[0] = 0;
	for (i = 0; i < n && i < 15; i++)
		sprintf(buf + strlen(buf), "%s%02x", i ? " " : "", b[i]);
}

static const char *mode_name(int mode)
{
	static const char *const names[] = { "real16", "prot16", "prot32",
					     "long64" };

	return names[mode];
}

static void run_dcase(int idx, const struct dcase *c)
{
	struct lhv_insn in;
	char code[64];
	char why[128] = "";
	int ret;

	hex(code, c->code, c->ncode);
	ret = lhv_decode(c->code, c->ncode, c->mode, &in);
	if (ret != c->ret)
		snprintf(why, sizeof(why), "ret %d want %d", ret, c->ret);
	else if (ret < 0)
		;
	else if (in.len != ret || in.kind != c->kind ||
		 in.op_bytes != c->opb || in.addr_bytes != c->adb)
		snprintf(why, sizeof(why), "len %d kind %d op %d ad %d", in.len,
			 in.kind, in.op_bytes, in.addr_bytes);
	else if (in.has_mem != c->mem)
		snprintf(why, sizeof(why), "has_mem %d", in.has_mem);
	else if (c->mem && (in.mem.base != c->base ||
			    in.mem.index != c->index ||
			    (c->index != N && in.mem.scale != c->scale) ||
			    in.mem.seg != c->seg || in.mem.rip_rel != c->rip ||
			    in.mem.disp != c->disp))
		snprintf(why, sizeof(why),
			 "base %d index %d scale %d seg %d rip %d disp %#" PRIx64,
			 in.mem.base, in.mem.index, in.mem.scale, in.mem.seg,
			 in.mem.rip_rel, in.mem.disp);
	else if (in.has_modrm && c->mem && c->kind != K(MOV_IMM) &&
		 c->reg != 0xff && in.reg != c->reg)
		snprintf(why, sizeof(why), "reg %d", in.reg);
	else if (c->mem && (in.imm != c->imm || in.alu != c->alu))
		snprintf(why, sizeof(why), "imm %#" PRIx64 " alu %d", in.imm,
			 in.alu);
	if (why[0])
		ktap_diag("decode %s [%s]: %s", mode_name(c->mode), code, why);
	ktap_result(!why[0], "decode_%d %s [%s]", idx, mode_name(c->mode),
		    code);
}

/* ---------------------------------------------------------------- */
/* Emulation table                                                   */
/* ---------------------------------------------------------------- */

struct rv {
	int r;			/* register + 1; 0 ends the list */
	u64 v;
};

struct xacc {
	u64 gva;
	u8 size;
	bool write;
	u64 data;
};

struct ecase {
	const char *name;
	int mode;
	const u8 *code;
	int ncode;
	struct rv set[4];
	u64 fl_in;		/* 0: 0x2 */
	u64 mem;		/* what reads return */
	int nacc;
	struct xacc acc[2];
	struct rv want[4];
	u64 fl_out;		/* 0: unchanged */
	int ret;		/* LHV_EMUL_DONE unless set */
	int vector;
	bool incomplete;
};

#define S(reg, val)	{ (reg) + 1, (val) }
#define RD(a, s)	{ a, s, false, 0 }
#define WR(a, s, d)	{ a, s, true, d }

#define DEF_RIP64	0x400000ULL
#define DEF_RIP16	0x100ULL
#define FS_BASE		0x7f0000000000ULL
#define GS_BASE		0x7e0000000000ULL
#define DS_BASE		0x4000000ULL
#define ES_BASE		0x1000000ULL
#define SS_BASE		0x3000000ULL

static const u64 seg_bases[LHV_NR_SEGS] = {
	ES_BASE, 0x2000000, SS_BASE, DS_BASE, FS_BASE, GS_BASE
};

static u64 default_reg(int i)
{
	return 0x0000123400000000ULL + i * 0x1111;
}

#define X	0x1122334455667788ULL
#define FLS	(0x2 | 0x1)		/* CF set */
#define DF	0x400

static const struct ecase ecases[] = {
	/* 64-bit mov stores */
	{ "mov [rbx],eax", M64, B("\x89\x03"), { S(RAX, X), S(RBX, 0x1000) },
	  .nacc = 1, .acc = { WR(0x1000, 4, 0x55667788) } },
	{ "mov [rbx],rax", M64, B("\x48\x89\x03"),
	  { S(RAX, X), S(RBX, 0x1000) }, .nacc = 1, .acc = { WR(0x1000, 8, X) } },
	{ "mov [rbx],ax", M64, B("\x66\x89\x03"),
	  { S(RAX, X), S(RBX, 0x1000) }, .nacc = 1,
	  .acc = { WR(0x1000, 2, 0x7788) } },
	{ "mov [rbx],al", M64, B("\x88\x03"), { S(RAX, X), S(RBX, 0x1000) },
	  .nacc = 1, .acc = { WR(0x1000, 1, 0x88) } },
	{ "mov [rbx],ah", M64, B("\x88\x23"), { S(RAX, X), S(RBX, 0x1000) },
	  .nacc = 1, .acc = { WR(0x1000, 1, 0x77) } },
	{ "mov [rbx],spl", M64, B("\x40\x88\x23"),
	  { S(RSP, 0x7ffc00000042), S(RBX, 0x1000) }, .nacc = 1,
	  .acc = { WR(0x1000, 1, 0x42) } },
	{ "mov [rbx],bh", M64, B("\x88\x3b"), { S(RBX, 0x1000) }, .nacc = 1,
	  .acc = { WR(0x1000, 1, 0x10) } },
	{ "mov [rbx],r12b", M64, B("\x44\x88\x23"),
	  { S(R12, 0xabcd), S(RBX, 0x1000) }, .nacc = 1,
	  .acc = { WR(0x1000, 1, 0xcd) } },
	{ "mov [r8],r15", M64, B("\x4d\x89\x38"),
	  { S(R15, X), S(R8, 0x2000) }, .nacc = 1, .acc = { WR(0x2000, 8, X) } },
	{ "mov [rip+0x10],eax", M64, B("\x89\x05\x10\x00\x00\x00"),
	  { S(RAX, 5) }, .nacc = 1, .acc = { WR(DEF_RIP64 + 0x16, 4, 5) } },
	{ "mov [rip-0x10],al", M64, B("\x88\x05\xf0\xff\xff\xff"),
	  { S(RAX, 5) }, .nacc = 1, .acc = { WR(DEF_RIP64 + 6 - 0x10, 1, 5) } },
	{ "mov [rbx+rcx*4+0x10],eax", M64, B("\x89\x44\x8b\x10"),
	  { S(RAX, 7), S(RBX, 0x1000), S(RCX, 3) }, .nacc = 1,
	  .acc = { WR(0x101c, 4, 7) } },
	{ "mov [rbx-8],eax", M64, B("\x89\x43\xf8"),
	  { S(RAX, 7), S(RBX, 0x1000) }, .nacc = 1, .acc = { WR(0xff8, 4, 7) } },
	{ "mov [ebx],eax (67)", M64, B("\x67\x89\x03"),
	  { S(RAX, 7), S(RBX, 0xffffffff00001000ULL) }, .nacc = 1,
	  .acc = { WR(0x1000, 4, 7) } },
	{ "mov [ebx+ecx-1] wraps (67)", M64, B("\x67\x89\x44\x0b\xff"),
	  { S(RAX, 7), S(RBX, 0xffffffff), S(RCX, 1) }, .nacc = 1,
	  .acc = { WR(0xffffffff, 4, 7) } },
	{ "mov fs:[rbx],eax", M64, B("\x64\x89\x03"),
	  { S(RAX, 7), S(RBX, 0x1000) }, .nacc = 1,
	  .acc = { WR(FS_BASE + 0x1000, 4, 7) } },
	{ "mov gs:[0x10],rax", M64, B("\x65\x48\x89\x04\x25\x10\x00\x00\x00"),
	  { S(RAX, X) }, .nacc = 1, .acc = { WR(GS_BASE + 0x10, 8, X) } },
	{ "mov es:[rbx],eax ignored", M64, B("\x26\x89\x03"),
	  { S(RAX, 7), S(RBX, 0x1000) }, .nacc = 1, .acc = { WR(0x1000, 4, 7) } },
	/* 64-bit mov loads */
	{ "mov eax,[rbx] zero-extends", M64, B("\x8b\x03"),
	  { S(RAX, X), S(RBX, 0x1000) }, .mem = 0xdeadbeefcafef00dULL,
	  .nacc = 1, .acc = { RD(0x1000, 4) }, .want = { S(RAX, 0xcafef00d) } },
	{ "mov rax,[rbx]", M64, B("\x48\x8b\x03"),
	  { S(RAX, X), S(RBX, 0x1000) }, .mem = 0xdeadbeefcafef00dULL,
	  .nacc = 1, .acc = { RD(0x1000, 8) },
	  .want = { S(RAX, 0xdeadbeefcafef00dULL) } },
	{ "mov ax,[rbx] merges", M64, B("\x66\x8b\x03"),
	  { S(RAX, X), S(RBX, 0x1000) }, .mem = 0xf00d, .nacc = 1,
	  .acc = { RD(0x1000, 2) }, .want = { S(RAX, 0x112233445566f00dULL) } },
	{ "mov al,[rbx]", M64, B("\x8a\x03"), { S(RAX, X), S(RBX, 0x1000) },
	  .mem = 0x0d, .nacc = 1, .acc = { RD(0x1000, 1) },
	  .want = { S(RAX, 0x112233445566770dULL) } },
	{ "mov ah,[rbx]", M64, B("\x8a\x23"), { S(RAX, X), S(RBX, 0x1000) },
	  .mem = 0x0d, .nacc = 1, .acc = { RD(0x1000, 1) },
	  .want = { S(RAX, 0x1122334455660d88ULL) } },
	{ "mov dh,[rbx]", M64, B("\x8a\x33"), { S(RDX, X), S(RBX, 0x1000) },
	  .mem = 0xee, .nacc = 1, .acc = { RD(0x1000, 1) },
	  .want = { S(RDX, 0x112233445566ee88ULL) } },
	{ "mov sil,[rbx]", M64, B("\x40\x8a\x33"),
	  { S(RSI, X), S(RBX, 0x1000) }, .mem = 0xee, .nacc = 1,
	  .acc = { RD(0x1000, 1) }, .want = { S(RSI, 0x11223344556677eeULL) } },
	{ "mov r15d,[rbx]", M64, B("\x44\x8b\x3b"),
	  { S(R15, X), S(RBX, 0x1000) }, .mem = 0x80000000, .nacc = 1,
	  .acc = { RD(0x1000, 4) }, .want = { S(R15, 0x80000000) } },
	{ "mov rbx,[rbx]", M64, B("\x48\x8b\x1b"), { S(RBX, 0x1000) },
	  .mem = 0x42, .nacc = 1, .acc = { RD(0x1000, 8) },
	  .want = { S(RBX, 0x42) } },
	{ "mov eax,fs:[rbx]", M64, B("\x64\x8b\x03"), { S(RBX, 0x1000) },
	  .mem = 1, .nacc = 1, .acc = { RD(FS_BASE + 0x1000, 4) },
	  .want = { S(RAX, 1) } },
	/* imm */
	{ "mov dword [rbx],imm", M64, B("\xc7\x03\x78\x56\x34\x12"),
	  { S(RBX, 0x1000) }, .nacc = 1, .acc = { WR(0x1000, 4, 0x12345678) } },
	{ "mov qword [rbx],-1", M64, B("\x48\xc7\x03\xff\xff\xff\xff"),
	  { S(RBX, 0x1000) }, .nacc = 1, .acc = { WR(0x1000, 8, ~0ULL) } },
	{ "mov qword [rbx],0x80000000", M64,
	  B("\x48\xc7\x03\x00\x00\x00\x80"), { S(RBX, 0x1000) }, .nacc = 1,
	  .acc = { WR(0x1000, 8, 0xffffffff80000000ULL) } },
	{ "mov byte [rbx],0x80", M64, B("\xc6\x03\x80"), { S(RBX, 0x1000) },
	  .nacc = 1, .acc = { WR(0x1000, 1, 0x80) } },
	{ "mov word [rbx],0x1234", M64, B("\x66\xc7\x03\x34\x12"),
	  { S(RBX, 0x1000) }, .nacc = 1, .acc = { WR(0x1000, 2, 0x1234) } },
	{ "mov dword [rip+0],1", M64,
	  B("\xc7\x05\x00\x00\x00\x00\x01\x00\x00\x00"), .nacc = 1,
	  .acc = { WR(DEF_RIP64 + 10, 4, 1) } },
	/* moffs */
	{ "mov eax,[moffs64]", M64,
	  B("\xa1\x00\x20\x00\x00\x00\x00\x00\x00"), .mem = 0x1234, .nacc = 1,
	  .acc = { RD(0x2000, 4) }, .want = { S(RAX, 0x1234) } },
	{ "mov [moffs64],al", M64, B("\xa2\x00\x20\x00\x00\x00\x00\x00\x00"),
	  { S(RAX, X) }, .nacc = 1, .acc = { WR(0x2000, 1, 0x88) } },
	{ "mov rax,[moffs32]", M64, B("\x67\x48\xa1\x00\x20\x00\x00"),
	  .mem = X, .nacc = 1, .acc = { RD(0x2000, 8) },
	  .want = { S(RAX, X) } },
	{ "mov gs:[moffs64],ax", M64,
	  B("\x65\x66\xa3\x08\x00\x00\x00\x00\x00\x00\x00"), { S(RAX, X) },
	  .nacc = 1, .acc = { WR(GS_BASE + 8, 2, 0x7788) } },
	/* movzx / movsx / movsxd */
	{ "movzx eax,byte [rbx]", M64, B("\x0f\xb6\x03"),
	  { S(RAX, X), S(RBX, 0x1000) }, .mem = 0xf0, .nacc = 1,
	  .acc = { RD(0x1000, 1) }, .want = { S(RAX, 0xf0) } },
	{ "movsx eax,byte [rbx]", M64, B("\x0f\xbe\x03"),
	  { S(RAX, X), S(RBX, 0x1000) }, .mem = 0xf0, .nacc = 1,
	  .acc = { RD(0x1000, 1) }, .want = { S(RAX, 0xfffffff0) } },
	{ "movsx rax,word [rbx]", M64, B("\x48\x0f\xbf\x03"),
	  { S(RBX, 0x1000) }, .mem = 0x8000, .nacc = 1,
	  .acc = { RD(0x1000, 2) }, .want = { S(RAX, 0xffffffffffff8000ULL) } },
	{ "movzx ax,byte [rbx]", M64, B("\x66\x0f\xb6\x03"),
	  { S(RAX, X), S(RBX, 0x1000) }, .mem = 0xf0, .nacc = 1,
	  .acc = { RD(0x1000, 1) }, .want = { S(RAX, 0x11223344556600f0ULL) } },
	{ "movzx eax,word [rbx]", M64, B("\x0f\xb7\x03"),
	  { S(RAX, X), S(RBX, 0x1000) }, .mem = 0xabcd, .nacc = 1,
	  .acc = { RD(0x1000, 2) }, .want = { S(RAX, 0xabcd) } },
	{ "movsx r9w,byte [rbx]", M64, B("\x66\x44\x0f\xbe\x0b"),
	  { S(R9, X), S(RBX, 0x1000) }, .mem = 0x80, .nacc = 1,
	  .acc = { RD(0x1000, 1) }, .want = { S(R9, 0x112233445566ff80ULL) } },
	{ "movsxd rax,[rbx]", M64, B("\x48\x63\x03"), { S(RBX, 0x1000) },
	  .mem = 0x80000000, .nacc = 1, .acc = { RD(0x1000, 4) },
	  .want = { S(RAX, 0xffffffff80000000ULL) } },
	{ "movsxd eax,[rbx] (no W)", M64, B("\x63\x03"),
	  { S(RAX, X), S(RBX, 0x1000) }, .mem = 0x80000000, .nacc = 1,
	  .acc = { RD(0x1000, 4) }, .want = { S(RAX, 0x80000000) } },
	/* ALU */
	{ "add [rbx],eax carry", M64, B("\x01\x03"),
	  { S(RAX, 1), S(RBX, 0x1000) }, .mem = 0xffffffff, .nacc = 2,
	  .acc = { RD(0x1000, 4), WR(0x1000, 4, 0) }, .fl_out = 0x57 },
	{ "cmp [rbx],eax", M64, B("\x39\x03"), { S(RAX, 2), S(RBX, 0x1000) },
	  .mem = 1, .nacc = 1, .acc = { RD(0x1000, 4) }, .fl_out = 0x97 },
	{ "sub eax,[rbx]", M64, B("\x2b\x03"), { S(RAX, 5), S(RBX, 0x1000) },
	  .mem = 3, .nacc = 1, .acc = { RD(0x1000, 4) },
	  .want = { S(RAX, 2) }, .fl_in = 0x8d7, .fl_out = 0x2 },
	{ "and [rbx],eax clears CF OF", M64, B("\x21\x03"),
	  { S(RAX, 0x0ff0), S(RBX, 0x1000) }, .fl_in = 0x813, .mem = 0xf0f0,
	  .nacc = 2, .acc = { RD(0x1000, 4), WR(0x1000, 4, 0xf0) },
	  .fl_out = 0x6 },
	{ "or byte [rbx],0x80", M64, B("\x80\x0b\x80"), { S(RBX, 0x1000) },
	  .mem = 1, .nacc = 2, .acc = { RD(0x1000, 1), WR(0x1000, 1, 0x81) },
	  .fl_out = 0x86 },
	{ "xor [rbx],rax self", M64, B("\x48\x31\x03"),
	  { S(RAX, X), S(RBX, 0x1000) }, .mem = X, .nacc = 2,
	  .acc = { RD(0x1000, 8), WR(0x1000, 8, 0) }, .fl_out = 0x46 },
	{ "adc [rbx],eax CF=1", M64, B("\x11\x03"),
	  { S(RAX, 0), S(RBX, 0x1000) }, .fl_in = FLS, .mem = 0x7fffffff,
	  .nacc = 2, .acc = { RD(0x1000, 4), WR(0x1000, 4, 0x80000000) },
	  .fl_out = 0x896 },
	{ "sbb eax,[rbx] CF=1", M64, B("\x1b\x03"),
	  { S(RAX, X), S(RBX, 0x1000) }, .fl_in = FLS, .mem = 0x55667788,
	  .nacc = 1, .acc = { RD(0x1000, 4) }, .want = { S(RAX, 0xffffffff) },
	  .fl_out = 0x97 },
	{ "add qword [rbx],-1", M64, B("\x48\x83\x03\xff"), { S(RBX, 0x1000) },
	  .mem = 1, .nacc = 2, .acc = { RD(0x1000, 8), WR(0x1000, 8, 0) },
	  .fl_out = 0x57 },
	{ "sub word [rbx],1 overflow", M64, B("\x66\x83\x2b\x01"),
	  { S(RBX, 0x1000) }, .mem = 0x8000, .nacc = 2,
	  .acc = { RD(0x1000, 2), WR(0x1000, 2, 0x7fff) }, .fl_out = 0x816 },
	{ "cmp byte [rbx],0x10", M64, B("\x80\x3b\x10"), { S(RBX, 0x1000) },
	  .mem = 0x10, .nacc = 1, .acc = { RD(0x1000, 1) }, .fl_out = 0x46 },
	{ "add al,[rbx] keeps rest", M64, B("\x02\x03"),
	  { S(RAX, 0x1ff), S(RBX, 0x1000) }, .mem = 1, .nacc = 1,
	  .acc = { RD(0x1000, 1) }, .want = { S(RAX, 0x100) }, .fl_out = 0x57 },
	{ "or ah,[rbx]", M64, B("\x0a\x23"), { S(RAX, 0x0100), S(RBX, 0x1000) },
	  .mem = 0x80, .nacc = 1, .acc = { RD(0x1000, 1) },
	  .want = { S(RAX, 0x8100) }, .fl_out = 0x86 },
	{ "and r10d,[rbx] zero-extends", M64, B("\x44\x23\x13"),
	  { S(R10, X), S(RBX, 0x1000) }, .mem = 0xffffffff, .nacc = 1,
	  .acc = { RD(0x1000, 4) }, .want = { S(R10, 0x55667788) },
	  .fl_out = 0x6 },
	{ "cmp eax,[rbx] keeps eax", M64, B("\x3b\x03"),
	  { S(RAX, X), S(RBX, 0x1000) }, .mem = 0x55667788, .nacc = 1,
	  .acc = { RD(0x1000, 4) }, .fl_out = 0x46 },
	{ "xor dword [rbx],imm32", M64, B("\x81\x33\xff\x00\x00\x00"),
	  { S(RBX, 0x1000) }, .mem = 0xf0, .nacc = 2,
	  .acc = { RD(0x1000, 4), WR(0x1000, 4, 0x0f) }, .fl_out = 0x06 },
	{ "test [rbx],eax", M64, B("\x85\x03"),
	  { S(RAX, 0xffffffff), S(RBX, 0x1000) }, .mem = 0x80000000,
	  .nacc = 1, .acc = { RD(0x1000, 4) }, .fl_out = 0x86 },
	{ "test byte [rbx],1", M64, B("\xf6\x03\x01"), { S(RBX, 0x1000) },
	  .mem = 2, .nacc = 1, .acc = { RD(0x1000, 1) }, .fl_in = 0x803,
	  .fl_out = 0x46 },
	{ "test qword [rbx],imm32 sext", M64,
	  B("\x48\xf7\x03\x00\x00\x00\x80"), { S(RBX, 0x1000) },
	  .mem = 0x8000000000000000ULL, .nacc = 1, .acc = { RD(0x1000, 8) },
	  .fl_out = 0x86 },
	{ "not dword [rbx]", M64, B("\xf7\x13"), { S(RBX, 0x1000) },
	  .fl_in = 0x8d7, .mem = 0x0f0f0f0f, .nacc = 2,
	  .acc = { RD(0x1000, 4), WR(0x1000, 4, 0xf0f0f0f0) } },
	{ "neg dword [rbx]", M64, B("\xf7\x1b"), { S(RBX, 0x1000) }, .mem = 1,
	  .nacc = 2, .acc = { RD(0x1000, 4), WR(0x1000, 4, 0xffffffff) },
	  .fl_out = 0x97 },
	{ "neg [rbx] of 0", M64, B("\xf7\x1b"), { S(RBX, 0x1000) }, .mem = 0,
	  .fl_in = FLS, .nacc = 2, .acc = { RD(0x1000, 4), WR(0x1000, 4, 0) },
	  .fl_out = 0x46 },
	{ "neg byte [rbx] of 0x80", M64, B("\xf6\x1b"), { S(RBX, 0x1000) },
	  .mem = 0x80, .nacc = 2, .acc = { RD(0x1000, 1), WR(0x1000, 1, 0x80) },
	  .fl_out = 0x883 },
	{ "inc byte [rbx] keeps CF", M64, B("\xfe\x03"), { S(RBX, 0x1000) },
	  .fl_in = FLS, .mem = 0x7f, .nacc = 2,
	  .acc = { RD(0x1000, 1), WR(0x1000, 1, 0x80) }, .fl_out = 0x893 },
	{ "dec dword [rbx]", M64, B("\xff\x0b"), { S(RBX, 0x1000) }, .mem = 0,
	  .nacc = 2, .acc = { RD(0x1000, 4), WR(0x1000, 4, 0xffffffff) },
	  .fl_out = 0x96 },
	{ "lock add [rbx],eax", M64, B("\xf0\x01\x03"),
	  { S(RAX, 1), S(RBX, 0x1000) }, .mem = 1, .nacc = 2,
	  .acc = { RD(0x1000, 4), WR(0x1000, 4, 2) }, .fl_out = 0x2 },
	/* xchg */
	{ "xchg [rbx],eax", M64, B("\x87\x03"), { S(RAX, X), S(RBX, 0x1000) },
	  .mem = 0xaabbccdd, .nacc = 2,
	  .acc = { RD(0x1000, 4), WR(0x1000, 4, 0x55667788) },
	  .want = { S(RAX, 0xaabbccdd) } },
	{ "xchg [rbx],ah", M64, B("\x86\x23"), { S(RAX, X), S(RBX, 0x1000) },
	  .mem = 0xdd, .nacc = 2, .acc = { RD(0x1000, 1), WR(0x1000, 1, 0x77) },
	  .want = { S(RAX, 0x112233445566dd88ULL) } },
	{ "lock xchg [rbx],rcx", M64, B("\xf0\x48\x87\x0b"),
	  { S(RCX, 5), S(RBX, 0x1000) }, .mem = 6, .nacc = 2,
	  .acc = { RD(0x1000, 8), WR(0x1000, 8, 5) }, .want = { S(RCX, 6) } },
	/* cmpxchg, xadd, movnti */
	{ "cmpxchg [rbx],ecx equal", M64, B("\x0f\xb1\x0b"),
	  { S(RAX, 0xffffffff00000005ULL), S(RCX, 9), S(RBX, 0x1000) },
	  .mem = 5, .nacc = 2, .acc = { RD(0x1000, 4), WR(0x1000, 4, 9) },
	  .fl_out = 0x46 },
	{ "cmpxchg [rbx],ecx differ", M64, B("\x0f\xb1\x0b"),
	  { S(RAX, 0xffffffff00000005ULL), S(RCX, 9), S(RBX, 0x1000) },
	  .mem = 6, .nacc = 2, .acc = { RD(0x1000, 4), WR(0x1000, 4, 6) },
	  .want = { S(RAX, 6) }, .fl_out = 0x97 },
	{ "lock xadd [rbx],al", M64, B("\xf0\x0f\xc0\x03"),
	  { S(RAX, 0x1ff), S(RBX, 0x1000) }, .mem = 1, .nacc = 2,
	  .acc = { RD(0x1000, 1), WR(0x1000, 1, 0) },
	  .want = { S(RAX, 0x101) }, .fl_out = 0x57 },
	{ "movnti [rbx],rax", M64, B("\x48\x0f\xc3\x03"),
	  { S(RAX, X), S(RBX, 0x1000) }, .nacc = 1,
	  .acc = { WR(0x1000, 8, X) } },
	/* bit tests */
	{ "bt [rbx],eax=35", M64, B("\x0f\xa3\x03"),
	  { S(RAX, 35), S(RBX, 0x1000) }, .mem = 8, .nacc = 1,
	  .acc = { RD(0x1004, 4) }, .fl_out = 0x3 },
	{ "bt [rbx],eax=-1", M64, B("\x0f\xa3\x03"),
	  { S(RAX, 0xffffffff), S(RBX, 0x1000) }, .mem = 0x80000000,
	  .nacc = 1, .acc = { RD(0xffc, 4) }, .fl_out = 0x3 },
	{ "bt [rbx],eax=-33", M64, B("\x0f\xa3\x03"),
	  { S(RAX, 0xffffffdf), S(RBX, 0x1000) }, .mem = 0x80000000,
	  .nacc = 1, .acc = { RD(0xff8, 4) }, .fl_in = FLS, .fl_out = 0x3 },
	{ "bts [rbx],eax=0", M64, B("\x0f\xab\x03"),
	  { S(RAX, 0), S(RBX, 0x1000) }, .mem = 0, .fl_in = FLS, .nacc = 2,
	  .acc = { RD(0x1000, 4), WR(0x1000, 4, 1) }, .fl_out = 0x2 },
	{ "btr [rbx],rax=64", M64, B("\x48\x0f\xb3\x03"),
	  { S(RAX, 64), S(RBX, 0x1000) }, .mem = 3, .nacc = 2,
	  .acc = { RD(0x1008, 8), WR(0x1008, 8, 2) }, .fl_out = 0x3 },
	{ "btc [rbx],ax=17", M64, B("\x66\x0f\xbb\x03"),
	  { S(RAX, 0xffff0011), S(RBX, 0x1000) }, .mem = 0, .nacc = 2,
	  .acc = { RD(0x1002, 2), WR(0x1002, 2, 2) } },
	{ "btc [rbx],ax=-1", M64, B("\x66\x0f\xbb\x03"),
	  { S(RAX, 0xffff), S(RBX, 0x1000) }, .mem = 0x8000, .nacc = 2,
	  .acc = { RD(0xffe, 2), WR(0xffe, 2, 0) }, .fl_out = 0x3 },
	{ "bt [rbx],35 imm", M64, B("\x0f\xba\x23\x23"), { S(RBX, 0x1000) },
	  .mem = 8, .nacc = 1, .acc = { RD(0x1000, 4) }, .fl_out = 0x3 },
	{ "bts word [rbx],15", M64, B("\x66\x0f\xba\x2b\x0f"),
	  { S(RBX, 0x1000) }, .mem = 0, .nacc = 2,
	  .acc = { RD(0x1000, 2), WR(0x1000, 2, 0x8000) } },
	{ "btr [rbx],0", M64, B("\x0f\xba\x33\x00"), { S(RBX, 0x1000) },
	  .mem = 1, .nacc = 2, .acc = { RD(0x1000, 4), WR(0x1000, 4, 0) },
	  .fl_out = 0x3 },
	{ "lock btc qword [rbx],63", M64, B("\xf0\x48\x0f\xba\x3b\x3f"),
	  { S(RBX, 0x1000) }, .mem = 0, .nacc = 2,
	  .acc = { RD(0x1000, 8), WR(0x1000, 8, 0x8000000000000000ULL) } },
	/* strings */
	{ "movsb", M64, B("\xa4"), { S(RSI, 0x2000), S(RDI, 0x3000) },
	  .mem = 0x5a, .nacc = 2, .acc = { RD(0x2000, 1), WR(0x3000, 1, 0x5a) },
	  .want = { S(RSI, 0x2001), S(RDI, 0x3001) } },
	{ "movsd DF=1", M64, B("\xa5"), { S(RSI, 0x2000), S(RDI, 0x3000) },
	  .fl_in = 0x402, .mem = 0x5a, .nacc = 2,
	  .acc = { RD(0x2000, 4), WR(0x3000, 4, 0x5a) },
	  .want = { S(RSI, 0x1ffc), S(RDI, 0x2ffc) } },
	{ "rep movsq rcx=3", M64, B("\xf3\x48\xa5"),
	  { S(RSI, 0x2000), S(RDI, 0x3000), S(RCX, 3) }, .mem = X, .nacc = 2,
	  .acc = { RD(0x2000, 8), WR(0x3000, 8, X) },
	  .want = { S(RSI, 0x2008), S(RDI, 0x3008), S(RCX, 2) },
	  .incomplete = true },
	{ "rep movsb rcx=1", M64, B("\xf3\xa4"),
	  { S(RSI, 0x2000), S(RDI, 0x3000), S(RCX, 1) }, .mem = 1, .nacc = 2,
	  .acc = { RD(0x2000, 1), WR(0x3000, 1, 1) },
	  .want = { S(RSI, 0x2001), S(RDI, 0x3001), S(RCX, 0) } },
	{ "rep stosd rcx=0", M64, B("\xf3\xab"), { S(RCX, 0) } },
	{ "stosw", M64, B("\x66\xab"), { S(RAX, X), S(RDI, 0x3000) },
	  .nacc = 1, .acc = { WR(0x3000, 2, 0x7788) },
	  .want = { S(RDI, 0x3002) } },
	{ "rep stosb 67 ecx", M64, B("\x67\xf3\xaa"),
	  { S(RAX, X), S(RCX, 0xffffffff00000002ULL),
	    S(RDI, 0xffffffff00003000ULL) }, .nacc = 1,
	  .acc = { WR(0x3000, 1, 0x88) },
	  .want = { S(RCX, 1), S(RDI, 0x3001) }, .incomplete = true },
	{ "rep stosb 67 ecx=2^32 count 0", M64, B("\x67\xf3\xaa"),
	  { S(RCX, 0x100000000ULL) } },
	{ "lodsd", M64, B("\xad"), { S(RAX, X), S(RSI, 0x2000) },
	  .mem = 0xcafe, .nacc = 1, .acc = { RD(0x2000, 4) },
	  .want = { S(RAX, 0xcafe), S(RSI, 0x2004) } },
	{ "fs movsb", M64, B("\x64\xa4"), { S(RSI, 0x10), S(RDI, 0x3000) },
	  .mem = 1, .nacc = 2, .acc = { RD(FS_BASE + 0x10, 1), WR(0x3000, 1, 1) },
	  .want = { S(RSI, 0x11), S(RDI, 0x3001) } },
	/* exceptions and unsupported */
	{ "lock mov #UD", M64, B("\xf0\x89\x03"), { S(RBX, 0x1000) },
	  .ret = LHV_EMUL_EXCEPTION, .vector = 6 },
	{ "lock cmp #UD", M64, B("\xf0\x39\x03"), { S(RBX, 0x1000) },
	  .ret = LHV_EMUL_EXCEPTION, .vector = 6 },
	{ "lock add reg,mem #UD", M64, B("\xf0\x03\x03"), { S(RBX, 0x1000) },
	  .ret = LHV_EMUL_EXCEPTION, .vector = 6 },
	{ "lock bt #UD", M64, B("\xf0\x0f\xa3\x03"), { S(RBX, 0x1000) },
	  .ret = LHV_EMUL_EXCEPTION, .vector = 6 },
	{ "non-canonical #GP", M64, B("\x8b\x03"),
	  { S(RBX, 0x0000800000000000ULL) }, .ret = LHV_EMUL_EXCEPTION,
	  .vector = 13 },
	{ "non-canonical rbp #SS", M64, B("\x8b\x45\x00"),
	  { S(RBP, 0x8000000000000000ULL) }, .ret = LHV_EMUL_EXCEPTION,
	  .vector = 12 },
	{ "access crosses canonical end #GP", M64, B("\x8b\x03"),
	  { S(RBX, 0x00007ffffffffffeULL) }, .ret = LHV_EMUL_EXCEPTION,
	  .vector = 13 },
	{ "high canonical ok", M64, B("\x8b\x03"),
	  { S(RBX, 0xffff800000000000ULL) }, .mem = 3, .nacc = 1,
	  .acc = { RD(0xffff800000000000ULL, 4) }, .want = { S(RAX, 3) } },
	{ "register form unsupported", M64, B("\x89\xd8"),
	  .ret = LHV_EMUL_UNSUPPORTED },
	{ "add al,imm unsupported", M64, B("\x04\x01"),
	  .ret = LHV_EMUL_UNSUPPORTED },

	/* 32-bit protected mode: segment bases, 32-bit wrap */
	{ "p32 mov [ebx],eax", M32, B("\x89\x03"),
	  { S(RAX, 7), S(RBX, 0x1000) }, .nacc = 1,
	  .acc = { WR(DS_BASE + 0x1000, 4, 7) } },
	{ "p32 es: mov [ebx],eax", M32, B("\x26\x89\x03"),
	  { S(RAX, 7), S(RBX, 0x1000) }, .nacc = 1,
	  .acc = { WR(ES_BASE + 0x1000, 4, 7) } },
	{ "p32 mov eax,[ebp+4]", M32, B("\x8b\x45\x04"), { S(RBP, 0x1000) },
	  .mem = 9, .nacc = 1, .acc = { RD(SS_BASE + 0x1004, 4) },
	  .want = { S(RAX, 9) } },
	{ "p32 mov eax,[0x1000]", M32, B("\x8b\x05\x00\x10\x00\x00"),
	  .mem = 9, .nacc = 1, .acc = { RD(DS_BASE + 0x1000, 4) },
	  .want = { S(RAX, 9) } },
	{ "p32 [eax+ebx] wraps", M32, B("\x89\x0c\x18"),
	  { S(RAX, 0xfffff000), S(RBX, 0x2000), S(RCX, 1) }, .nacc = 1,
	  .acc = { WR(DS_BASE + 0x1000, 4, 1) } },
	{ "p32 linear wraps at 4G", M32, B("\x89\x0b"),
	  { S(RBX, 0xfff00000), S(RCX, 1) }, .nacc = 1,
	  .acc = { WR((DS_BASE + 0xfff00000) & 0xffffffff, 4, 1) } },
	{ "p32 mov eax,[moffs32]", M32, B("\xa1\x00\x10\x00\x00"), .mem = 2,
	  .nacc = 1, .acc = { RD(DS_BASE + 0x1000, 4) },
	  .want = { S(RAX, 2) } },
	{ "p32 movsb", M32, B("\xa4"), { S(RSI, 0x10), S(RDI, 0x20) },
	  .mem = 1, .nacc = 2,
	  .acc = { RD(DS_BASE + 0x10, 1), WR(ES_BASE + 0x20, 1, 1) },
	  .want = { S(RSI, 0x11), S(RDI, 0x21) } },
	{ "p32 mov ax,[bx+si] (67)", M32, B("\x67\x66\x8b\x00"),
	  { S(RAX, 0), S(RBX, 0xfff0), S(RSI, 0x20) }, .mem = 0xbeef,
	  .nacc = 1, .acc = { RD(DS_BASE + 0x10, 2) },
	  .want = { S(RAX, 0xbeef) } },
	{ "p32 rep stosd", M32, B("\xf3\xab"),
	  { S(RAX, 0xabcd), S(RCX, 2), S(RDI, 0x100) }, .nacc = 1,
	  .acc = { WR(ES_BASE + 0x100, 4, 0xabcd) },
	  .want = { S(RCX, 1), S(RDI, 0x104) }, .incomplete = true },
	{ "p32 add [ebx],imm8", M32, B("\x83\x03\x80"), { S(RBX, 0x1000) },
	  .mem = 0x80, .nacc = 2,
	  .acc = { RD(DS_BASE + 0x1000, 4), WR(DS_BASE + 0x1000, 4, 0) },
	  .fl_out = 0x47 },
	{ "p32 fs: [ebx] no canonical check", M32, B("\x64\x8b\x03"),
	  { S(RBX, 0x1000) }, .mem = 1, .nacc = 1,
	  .acc = { RD((FS_BASE + 0x1000) & 0xffffffff, 4) },
	  .want = { S(RAX, 1) } },

	/* 16-bit real mode */
	{ "r16 mov [bx],ax", M16, B("\x89\x07"), { S(RAX, X), S(RBX, 0x1234) },
	  .nacc = 1, .acc = { WR(DS_BASE + 0x1234, 2, 0x7788) } },
	{ "r16 mov ax,[bp+si+2]", M16, B("\x8b\x42\x02"),
	  { S(RAX, 0), S(RBP, 0x100), S(RSI, 0x20) }, .mem = 5, .nacc = 1,
	  .acc = { RD(SS_BASE + 0x122, 2) }, .want = { S(RAX, 5) } },
	{ "r16 mov ax,[bx+si] wraps", M16, B("\x8b\x00"),
	  { S(RAX, 0), S(RBX, 0xffff), S(RSI, 2) }, .mem = 5, .nacc = 1,
	  .acc = { RD(DS_BASE + 1, 2) }, .want = { S(RAX, 5) } },
	{ "r16 mov eax,[bx] (66)", M16, B("\x66\x8b\x07"),
	  { S(RBX, 0x10) }, .mem = 0x12345678, .nacc = 1,
	  .acc = { RD(DS_BASE + 0x10, 4) }, .want = { S(RAX, 0x12345678) } },
	{ "r16 mov [0x10],al", M16, B("\x88\x06\x10\x00"), { S(RAX, X) },
	  .nacc = 1, .acc = { WR(DS_BASE + 0x10, 1, 0x88) } },
	{ "r16 mov [bx-2],ax", M16, B("\x89\x47\xfe"),
	  { S(RAX, 0x1234), S(RBX, 1) }, .nacc = 1,
	  .acc = { WR(DS_BASE + 0xffff, 2, 0x1234) } },
	{ "r16 rep movsw", M16, B("\xf3\xa5"),
	  { S(RCX, 0x10002), S(RSI, 0xfffe), S(RDI, 0x20) }, .mem = 0x4444,
	  .nacc = 2, .acc = { RD(DS_BASE + 0xfffe, 2), WR(ES_BASE + 0x20, 2,
							   0x4444) },
	  .want = { S(RCX, 0x10001), S(RSI, 0), S(RDI, 0x22) },
	  .incomplete = true },
	{ "r16 stosb DF=1", M16, B("\xaa"), { S(RAX, 0x11), S(RDI, 0x50000) },
	  .fl_in = 0x402, .nacc = 1, .acc = { WR(ES_BASE, 1, 0x11) },
	  .want = { S(RDI, 0x5ffff) } },
	{ "r16 add word [bx+di],0x1234", M16, B("\x81\x01\x34\x12"),
	  { S(RBX, 0x100), S(RDI, 0x10) }, .mem = 0x1, .nacc = 2,
	  .acc = { RD(DS_BASE + 0x110, 2), WR(DS_BASE + 0x110, 2, 0x1235) },
	  .fl_out = 0x6 },
	{ "r16 mov [ebx+ecx*2] (67)", M16, B("\x67\x89\x04\x4b"),
	  { S(RAX, 3), S(RBX, 0x10000), S(RCX, 1) }, .nacc = 1,
	  .acc = { WR(DS_BASE + 0x10002, 2, 3) } },
	{ "p16 mov dx,[bp+4]", P16, B("\x8b\x56\x04"),
	  { S(RDX, 0xffff0000), S(RBP, 0x10) },
	  .mem = 0x77, .nacc = 1, .acc = { RD(SS_BASE + 0x14, 2) },
	  .want = { S(RDX, 0xffff0077) } },
};

static void run_ecase(int idx, const struct ecase *c)
{
	struct lhv_emul_ctx ctx = { 0 };
	u64 regs[16], want_rip, want_fl;
	struct lhv_insn in;
	char why[160] = "";
	int i, k = 0, ret = 0;

	for (i = 0; i < 16; i++)
		regs[i] = default_reg(i);
	for (i = 0; i < 4 && c->set[i].r; i++)
		regs[c->set[i].r - 1] = c->set[i].v;
	memcpy(ctx.regs, regs, sizeof(regs));
	ctx.rip = c->mode == M64 ? DEF_RIP64 : DEF_RIP16;
	ctx.rflags = c->fl_in ? c->fl_in : 0x2;
	memcpy(ctx.seg_base, seg_bases, sizeof(seg_bases));

	ret = lhv_decode(c->code, c->ncode, c->mode, &in);
	if (ret != c->ncode) {
		snprintf(why, sizeof(why), "decode %d", ret);
		goto out;
	}
	for (;;) {
		struct lhv_emul_access *a;
		const struct xacc *x;

		ret = lhv_emulate_mmio(&in, &ctx);
		if (ret != LHV_EMUL_READ && ret != LHV_EMUL_WRITE)
			break;
		a = &ctx.acc[ctx.nr_done];
		x = &c->acc[k];
		if (k >= c->nacc || a->gva != x->gva || a->size != x->size ||
		    a->write != x->write || (x->write && a->data != x->data)) {
			snprintf(why, sizeof(why),
				 "access %d: %s %#" PRIx64 " size %d data %#"
				 PRIx64, k, a->write ? "write" : "read",
				 a->gva, a->size, a->data);
			goto out;
		}
		if (!a->write)
			a->data = c->mem & (a->size == 8 ? ~0ULL :
					    (1ULL << (a->size * 8)) - 1);
		ctx.nr_done++;
		k++;
	}
	if (ret != c->ret) {
		snprintf(why, sizeof(why), "ret %d want %d", ret, c->ret);
		goto out;
	}
	if (k != c->nacc) {
		snprintf(why, sizeof(why), "%d accesses, want %d", k, c->nacc);
		goto out;
	}
	if (ret == LHV_EMUL_EXCEPTION && ctx.vector != c->vector) {
		snprintf(why, sizeof(why), "vector %d", ctx.vector);
		goto out;
	}
	if (ret != LHV_EMUL_DONE) {
		if (memcmp(ctx.regs, regs, sizeof(regs)))
			snprintf(why, sizeof(why), "regs changed on error");
		goto out;
	}
	for (i = 0; i < 4 && c->want[i].r; i++)
		regs[c->want[i].r - 1] = c->want[i].v;
	for (i = 0; i < 16; i++) {
		if (ctx.regs[i] != regs[i]) {
			snprintf(why, sizeof(why),
				 "reg %d = %#" PRIx64 " want %#" PRIx64, i,
				 ctx.regs[i], regs[i]);
			goto out;
		}
	}
	want_fl = c->fl_out ? c->fl_out : (c->fl_in ? c->fl_in : 0x2);
	if (ctx.rflags != want_fl)
		snprintf(why, sizeof(why), "rflags %#" PRIx64 " want %#" PRIx64,
			 ctx.rflags, want_fl);
	want_rip = (c->mode == M64 ? DEF_RIP64 : DEF_RIP16) +
		   (c->incomplete ? 0 : c->ncode);
	if (ctx.rip != want_rip || ctx.complete == c->incomplete)
		snprintf(why, sizeof(why), "rip %#" PRIx64 " complete %d",
			 ctx.rip, ctx.complete);
out:
	if (why[0])
		ktap_diag("emulate %s: %s", c->name, why);
	ktap_result(!why[0], "emulate_%d %s", idx, c->name);
}

/* ---------------------------------------------------------------- */
/* Protocol checks                                                   */
/* ---------------------------------------------------------------- */

static void test_protocol(void)
{
	struct lhv_emul_ctx ctx = { 0 };
	struct lhv_insn in;
	u64 gva = 0;
	int ret;

	/* add [rbx], eax: read, then write, then done. */
	lhv_decode(B("\x01\x03"), M64, &in);
	ctx.regs[RBX] = 0x1000;
	ctx.regs[RAX] = 1;
	ctx.rflags = 2;
	ret = lhv_emulate_mmio(&in, &ctx);
	ktap_result(ret == LHV_EMUL_READ && ctx.acc[0].gva == 0x1000,
		    "protocol add: first call asks for a read");
	/* Calling again without completing the read asks again. */
	ret = lhv_emulate_mmio(&in, &ctx);
	ktap_result(ret == LHV_EMUL_READ && ctx.rip == 0,
		    "protocol add: repeated call is idempotent");
	ctx.acc[0].data = 41;
	ctx.nr_done = 1;
	ret = lhv_emulate_mmio(&in, &ctx);
	ktap_result(ret == LHV_EMUL_WRITE && ctx.acc[1].data == 42 &&
		    ctx.rflags == 2 && ctx.rip == 0,
		    "protocol add: write, guest state untouched");
	ctx.nr_done = 2;
	ret = lhv_emulate_mmio(&in, &ctx);
	ktap_result(ret == LHV_EMUL_DONE && ctx.rip == 2 && ctx.complete,
		    "protocol add: done, rip advanced");
	/* Changing the registers under a half-done emulation is caught. */
	ctx.rip = 0;
	ctx.regs[RBX] = 0x2000;
	ret = lhv_emulate_mmio(&in, &ctx);
	ktap_result(ret == LHV_EMUL_BAD_CTX, "protocol: stale access log");
	ctx.nr_done = 3;
	ret = lhv_emulate_mmio(&in, &ctx);
	ktap_result(ret == LHV_EMUL_BAD_CTX, "protocol: nr_done too large");

	ctx.nr_done = 0;
	ctx.regs[RBX] = 0x1000;
	ctx.seg_base[LHV_SEG_FS] = 0x10000;
	lhv_decode(B("\x64\x8b\x43\x10"), M64, &in);
	ret = lhv_emul_mem_gva(&in, &ctx, &gva);
	ktap_result(ret == 0 && gva == 0x11010, "mem_gva fs:[rbx+0x10]");
	lhv_decode(B("\xa5"), M64, &in);
	ctx.regs[RSI] = 0x3000;
	ret = lhv_emul_mem_gva(&in, &ctx, &gva);
	ktap_result(ret == 0 && gva == 0x3000, "mem_gva movs is rsi");
	ctx.va_bits = 57;
	ctx.regs[RBX] = 0x0080000000000000ULL;
	lhv_decode(B("\x8b\x03"), M64, &in);
	ret = lhv_emul_mem_gva(&in, &ctx, &gva);
	ktap_result(ret == 0, "mem_gva la57 canonical");
	ctx.va_bits = 48;
	ret = lhv_emul_mem_gva(&in, &ctx, &gva);
	ktap_result(ret == LHV_EMUL_EXCEPTION && ctx.vector == 13,
		    "mem_gva la48 non-canonical");
	in.len = 0;
	ktap_result(lhv_emulate_mmio(&in, &ctx) == LHV_EMUL_UNSUPPORTED,
		    "undecoded insn rejected");
}

/*
 * MOV to/from CR (0F 20/22): the CR in reg (+REX.R, LOCK for CR8), the
 * GPR in rm (+REX.B) whatever mod says, no displacement, 64-bit operands
 * in 64-bit mode and 32-bit ones elsewhere.
 */
static void test_decode_mov_cr(void)
{
	static const struct {
		int mode;
		const char *code;
		int n, ret, kind, cr, gpr, opb;
	} t[] = {
		{ LHV_CPU_LONG64, "\x0f\x20\xe0", 3, 3, LHV_INSN_MOV_FROM_CR, 4, 0, 8 },
		{ LHV_CPU_LONG64, "\x0f\x22\xe3", 3, 3, LHV_INSN_MOV_TO_CR, 4, 3, 8 },
		{ LHV_CPU_LONG64, "\x41\x0f\x22\xe7", 4, 4, LHV_INSN_MOV_TO_CR, 4, 15, 8 },
		{ LHV_CPU_LONG64, "\x44\x0f\x20\xc0", 4, 4, LHV_INSN_MOV_FROM_CR, 8, 0, 8 },
		{ LHV_CPU_LONG64, "\x66\x0f\x20\xe1", 4, 4, LHV_INSN_MOV_FROM_CR, 4, 1, 8 },
		/* mod 00 is still a register: no disp32 after rm 5. */
		{ LHV_CPU_LONG64, "\x0f\x22\x25", 3, 3, LHV_INSN_MOV_TO_CR, 4, 5, 8 },
		{ LHV_CPU_PROT32, "\x0f\x20\xe2", 3, 3, LHV_INSN_MOV_FROM_CR, 4, 2, 4 },
		{ LHV_CPU_PROT32, "\xf0\x0f\x22\xc0", 4, 4, LHV_INSN_MOV_TO_CR, 8, 0, 4 },
		{ LHV_CPU_REAL16, "\x0f\x22\xe6", 3, 3, LHV_INSN_MOV_TO_CR, 4, 6, 4 },
		{ LHV_CPU_REAL16, "\x66\x0f\x20\xe6", 4, 4, LHV_INSN_MOV_FROM_CR, 4, 6, 4 },
		{ LHV_CPU_LONG64, "\x0f\x22", 2, LHV_DECODE_TRUNCATED, 0, 0, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct lhv_insn in;
		int ret = lhv_decode((const u8 *)t[i].code, t[i].n, t[i].mode,
				     &in);
		bool ok = ret == t[i].ret;

		if (ok && ret > 0)
			ok = in.len == ret && in.kind == t[i].kind &&
			     in.reg == t[i].cr && in.rm == t[i].gpr &&
			     in.op_bytes == t[i].opb && !in.has_mem;
		if (!ok)
			ktap_diag("mov cr %zu: ret %d kind %d reg %d rm %d op %d",
				  i, ret, in.kind, in.reg, in.rm, in.op_bytes);
		ktap_result(ok, "decode mov cr %zu", i);
	}
}

/*
 * INS/OUTS (6C-6F), decoded only, for string I/O: operand size 1, 2 or
 * 4 (REX.W does not widen them), the address size, and the last segment
 * prefix even where 64-bit mode makes it null (an SS one still picks
 * #SS), within the 15-byte limit.
 */
static void test_decode_string_io(void)
{
	static const struct {
		int mode;
		const char *code;
		int n, ret, kind, opb, adb, seg, pfx, rep;
	} t[] = {
		{ LHV_CPU_LONG64, "\x6c", 1, 1, LHV_INSN_INS, 1, 8,
		  LHV_SEG_NONE, LHV_SEG_NONE, 0 },
		{ LHV_CPU_LONG64, "\x66\x6d", 2, 2, LHV_INSN_INS, 2, 8,
		  LHV_SEG_NONE, LHV_SEG_NONE, 0 },
		{ LHV_CPU_LONG64, "\x48\x6f", 2, 2, LHV_INSN_OUTS, 4, 8,
		  LHV_SEG_NONE, LHV_SEG_NONE, 0 },
		{ LHV_CPU_LONG64, "\x67\x36\x6f", 3, 3, LHV_INSN_OUTS, 4, 4,
		  LHV_SEG_NONE, LHV_SEG_SS, 0 },
		{ LHV_CPU_LONG64, "\x64\x36\x6e", 3, 3, LHV_INSN_OUTS, 1, 8,
		  LHV_SEG_FS, LHV_SEG_SS, 0 },
		{ LHV_CPU_LONG64, "\xf3\x65\x6e", 3, 3, LHV_INSN_OUTS, 1, 8,
		  LHV_SEG_GS, LHV_SEG_GS, 0xf3 },
		{ LHV_CPU_PROT32, "\x26\x6e", 2, 2, LHV_INSN_OUTS, 1, 4,
		  LHV_SEG_ES, LHV_SEG_ES, 0 },
		{ LHV_CPU_PROT16, "\x2e\x6f", 2, 2, LHV_INSN_OUTS, 2, 2,
		  LHV_SEG_CS, LHV_SEG_CS, 0 },
		{ LHV_CPU_REAL16, "\x67\xf3\x6d", 3, 3, LHV_INSN_INS, 2, 4,
		  LHV_SEG_NONE, LHV_SEG_NONE, 0xf3 },
		/* 14 prefixes and the opcode: 15 bytes, the most there is. */
		{ LHV_CPU_PROT32, "\x66\x66\x66\x66\x66\x66\x66\x66\x66"
		  "\x66\x66\x66\x66\x3e\x6d", 15, 15, LHV_INSN_INS, 2, 4,
		  LHV_SEG_DS, LHV_SEG_DS, 0 },
		{ LHV_CPU_PROT32, "\x66\x66\x66\x66\x66\x66\x66\x66\x66"
		  "\x66\x66\x66\x66\x66\x66\x6d", 16,
		  LHV_DECODE_UNSUPPORTED, 0, 0, 0, 0, 0, 0 },
		{ LHV_CPU_LONG64, "\x66", 1, LHV_DECODE_TRUNCATED,
		  0, 0, 0, 0, 0, 0 },
	};
	struct lhv_emul_ctx ctx;
	struct lhv_insn in;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int ret = lhv_decode((const u8 *)t[i].code, t[i].n, t[i].mode,
				     &in);
		bool ok = ret == t[i].ret;

		if (ok && ret > 0)
			ok = in.len == ret && in.kind == t[i].kind &&
			     in.op_bytes == t[i].opb &&
			     in.addr_bytes == t[i].adb &&
			     in.seg_override == t[i].seg &&
			     in.seg_prefix == t[i].pfx && in.rep == t[i].rep &&
			     !in.has_mem && !in.has_modrm;
		if (!ok)
			ktap_diag("string io %zu: ret %d kind %d op %d ad %d seg %d pfx %d",
				  i, ret, in.kind, in.op_bytes, in.addr_bytes,
				  in.seg_override, in.seg_prefix);
		ktap_result(ok, "decode string io %zu", i);
	}
	/* Decoded, not emulated: the MMIO path refuses them. */
	memset(&ctx, 0, sizeof(ctx));
	lhv_decode((const u8 *)"\x6c", 1, LHV_CPU_LONG64, &in);
	ktap_result(lhv_emulate_mmio(&in, &ctx) == LHV_EMUL_UNSUPPORTED,
		    "ins not emulated");
}

int main(int argc, char **argv)
{
	unsigned int seed = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
	size_t i;

	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++)
		run_dcase(i, &dcases[i]);
	for (i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++)
		run_ecase(i, &ecases[i]);
	test_protocol();
	test_decode_mov_cr();
	test_decode_string_io();
	test_alu_oracle(seed);
	test_native(seed);
	return ktap_finish();
}
