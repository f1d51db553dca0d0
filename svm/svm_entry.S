/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svm/svm_entry.S - the world switch into an SVM guest and back.
 *
 * int lhv_svm_enter(u64 *regs, u64 vmcb_pa, u64 host_save_pa)
 *
 * Called with interrupts off.  VMRUN switches RAX, RSP, RIP, RFLAGS, the
 * control registers, EFER and CS/SS/DS/ES itself (APM vol. 2, 15.5); the
 * hidden state of FS, GS, TR, LDTR and the syscall/sysenter MSRs moves
 * with VMSAVE/VMLOAD; the other GPRs are ours to move.  GIF stays clear
 * from before the host VMSAVE until the host VMLOAD is back, so no
 * interrupt or NMI runs with the guest's GS base.  IF is set around VMRUN:
 * with V_INTR_MASKING the host's IF decides whether physical interrupts
 * exit the guest (APM 15.21.1), and they must.
 *
 * Returns 0 after a #VMEXIT, 1 when an SVM instruction faulted: CLGI,
 * VMSAVE, VMLOAD, VMRUN and STGI are #UD while EFER.SVME is clear (APM
 * vol. 2, 15.4), which only an emergency disable (an NMI before the CLGI:
 * GIF blocks it after) can do behind svm_vcpu_run's back.  The fault
 * lands on an error return, setting GIF again if it was cleared.  If SVM
 * went away with the guest's VMLOAD state in the CPU nothing can restore
 * the host's; GIF makes that impossible short of a bug.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

/* Offsets into u64 regs[] (enum lhv_reg). */
#define R_RCX	(1 * 8)
#define R_RDX	(2 * 8)
#define R_RBX	(3 * 8)
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

	.text
SYM_FUNC_START(lhv_svm_enter)
	push	%rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdi			/* 24(%rsp) after the guest RDI push */
	push	%rsi			/* guest VMCB */
	push	%rdx			/* host save page */

.Lclgi:
	clgi
	mov	%rdx, %rax
.Lvmsave_host:
	vmsave	%rax
	mov	8(%rsp), %rax
.Lvmload_guest:
	vmload	%rax

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

	/* No host data left in CPU buffers for the guest (TSA; ZF only). */
	VM_CLEAR_CPU_BUFFERS
	sti
.Lvmrun:
	vmrun	%rax
	cli

	push	%rdi
	mov	24(%rsp), %rdi
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
	pop	%rcx
	mov	%rcx, R_RDI(%rdi)

	mov	8(%rsp), %rax
.Lvmsave_guest:
	vmsave	%rax
	mov	(%rsp), %rax
.Lvmload_host:
	vmload	%rax

	/*
	 * No guest-trained return predictions survive, before GIF lets an
	 * NMI run: the RSB, then RET untraining (retbleed) and the IBPB
	 * that SRSO's ibpb-vmexit mode asks for, each where the kernel
	 * enabled it (no-ops otherwise).
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT
	UNTRAIN_RET
	ALTERNATIVE "", "call entry_ibpb", X86_FEATURE_IBPB_ON_VMEXIT
.Lstgi:
	stgi

	/* Guest values must not linger in registers for speculation. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%eax, %eax

.Lout:
	add	$24, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET

	/* GIF was cleared: set it again (this STGI may fault too). */
.Lfault_gif0:
	cli
.Lstgi_fixup:
	stgi
	/* CLGI faulted: GIF is as it was. */
.Lfault:
	mov	$1, %eax
	jmp	.Lout

	_ASM_EXTABLE(.Lclgi, .Lfault)
	_ASM_EXTABLE(.Lvmsave_host, .Lfault_gif0)
	_ASM_EXTABLE(.Lvmload_guest, .Lfault_gif0)
	_ASM_EXTABLE(.Lvmrun, .Lfault_gif0)
	_ASM_EXTABLE(.Lvmsave_guest, .Lfault_gif0)
	_ASM_EXTABLE(.Lvmload_host, .Lfault_gif0)
	_ASM_EXTABLE(.Lstgi, .Lfault)
	_ASM_EXTABLE(.Lstgi_fixup, .Lfault)
SYM_FUNC_END(lhv_svm_enter)
