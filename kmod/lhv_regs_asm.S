/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmod/lhv_regs_asm.S - the GPR moves both world switches make between
 * the guest's u64 regs[] (kmod/lhv_regs.h offsets) and the CPU.  Included
 * by svm/svm_entry.S and vmx/vmx_entry.S; not an object of its own (in a
 * .h, checkpatch would read the AT&T operands as C).
 */
#include "lhv_regs.h"

/*
 * Load the guest's RCX-R15 but RSP from regs[] at %rdi, RDI last (it
 * holds the pointer).  RAX and RSP are each backend's: VMRUN takes RAX
 * and both load RSP from the VMCB/VMCS.
 */
.macro LHV_LOAD_GUEST_GPRS
	mov	R_RCX(%rdi), %rcx
	mov	R_RDX(%rdi), %rdx
	mov	R_RBX(%rdi), %rbx
	mov	R_RBP(%rdi), %rbp
	mov	R_RSI(%rdi), %rsi
	mov	R_R8(%rdi), %r8
	mov	R_R9(%rdi), %r9
	mov	R_R10(%rdi), %r10
	mov	R_R11(%rdi), %r11
	mov	R_R12(%rdi), %r12
	mov	R_R13(%rdi), %r13
	mov	R_R14(%rdi), %r14
	mov	R_R15(%rdi), %r15
	mov	R_RDI(%rdi), %rdi
.endm

/*
 * Store the guest's RCX-R15 but RSP and RDI into regs[] at %rdi; the
 * caller saved the guest's RDI before loading %rdi with the pointer.
 */
.macro LHV_SAVE_GUEST_GPRS
	mov	%rcx, R_RCX(%rdi)
	mov	%rdx, R_RDX(%rdi)
	mov	%rbx, R_RBX(%rdi)
	mov	%rbp, R_RBP(%rdi)
	mov	%rsi, R_RSI(%rdi)
	mov	%r8, R_R8(%rdi)
	mov	%r9, R_R9(%rdi)
	mov	%r10, R_R10(%rdi)
	mov	%r11, R_R11(%rdi)
	mov	%r12, R_R12(%rdi)
	mov	%r13, R_R13(%rdi)
	mov	%r14, R_R14(%rdi)
	mov	%r15, R_R15(%rdi)
.endm
