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

#include "lhv_regs_asm.S"

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

	LHV_LOAD_GUEST_GPRS

	/* No host data left in CPU buffers for the guest (TSA; ZF only). */
	VM_CLEAR_CPU_BUFFERS
	sti
.Lvmrun:
	vmrun	%rax
	cli

	push	%rdi
	mov	24(%rsp), %rdi
	LHV_SAVE_GUEST_GPRS
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
