/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmod/lhv_regs.h - the guest GPRs as the entry code sees them: byte
 * offsets into u64 regs[] (enum lhv_reg order, checked against it at
 * build time in kmod/x86.c), for C and assembly.  The moves that use
 * them, shared by svm/svm_entry.S and vmx/vmx_entry.S, are in
 * kmod/lhv_regs_asm.S.
 */
#ifndef LHV_REGS_H
#define LHV_REGS_H

#define R_RAX	(0 * 8)
#define R_RCX	(1 * 8)
#define R_RDX	(2 * 8)
#define R_RBX	(3 * 8)
#define R_RSP	(4 * 8)
#define R_RBP	(5 * 8)
#define R_RSI	(6 * 8)
#define R_RDI	(7 * 8)
#define R_R8	(8 * 8)
#define R_R9	(9 * 8)
#define R_R10	(10 * 8)
#define R_R11	(11 * 8)
#define R_R12	(12 * 8)
#define R_R13	(13 * 8)
#define R_R14	(14 * 8)
#define R_R15	(15 * 8)

#endif /* LHV_REGS_H */
