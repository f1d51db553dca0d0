/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmx/vmx_entry.S - the world switch into a VMX guest and back.
 *
 * int lhv_vmx_enter(u64 *regs, bool launched)
 *
 * Called with interrupts off and the vCPU's VMCS current.  VM entry loads
 * RSP, RIP, RFLAGS, the control registers, segments and the MSRs named by
 * the entry controls from the VMCS (SDM 27.3.2); the other fifteen GPRs
 * are ours to move, from and to regs[] (enum lhv_reg order).  A VM exit
 * loads the host state (SDM 28.5) and continues at lhv_vmx_exit with RSP
 * as written to HOST_RSP here, so everything the exit path needs is on
 * that stack.
 *
 * Returns 0 after a VM exit, 1 when VMLAUNCH/VMRESUME failed (VMfailValid
 * or VMfailInvalid, SDM 31.2: the caller reads VM_INSTRUCTION_ERROR), 2
 * when the instruction faulted (VMX was turned off under us).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/msr-index.h>
#include <asm/percpu.h>
#include <asm/segment.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

#include "lhv_regs_asm.S"

#define VMCS_HOST_RSP	0x6c14

	.text
SYM_FUNC_START(lhv_vmx_enter)
	push	%rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdi			/* regs: at 0(%rsp) after the exit */

	/* The exit lands on this very stack (SDM 28.5.3). */
	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jna	.Lvmfail

	/* CF = launched; nothing below touches CF (VERW clobbers ZF only). */
	bt	$0, %esi

	mov	R_RAX(%rdi), %rax
	LHV_LOAD_GUEST_GPRS

	/* Host data must not be sampled from CPU buffers by the guest. */
	VM_CLEAR_CPU_BUFFERS

	UNWIND_HINT_SAVE
	jc	.Lvmresume
.Lvmlaunch:
	vmlaunch
	jmp	.Lvmfail
.Lvmresume:
	vmresume
	jmp	.Lvmfail

	_ASM_EXTABLE(.Lvmlaunch, .Lvmfault)
	_ASM_EXTABLE(.Lvmresume, .Lvmfault)

SYM_INNER_LABEL(lhv_vmx_exit, SYM_L_GLOBAL)
	/* The stack is as it was at VMLAUNCH (HOST_RSP). */
	UNWIND_HINT_RESTORE

	push	%rdi
	mov	8(%rsp), %rdi
	mov	%rax, R_RAX(%rdi)
	LHV_SAVE_GUEST_GPRS
	pop	%rax
	mov	%rax, R_RDI(%rdi)
	xor	%eax, %eax
	jmp	.Lout

.Lvmfault:
	mov	$2, %eax
	jmp	.Lout

.Lvmfail:
	mov	$1, %eax

.Lout:
	/* No guest-trained return predictions survive (SDM vol. 3 and
	 * Intel's RSB guidance: the RSB is not cleared by a VM exit).
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	mov	%eax, %ebx		/* the result; rbx is popped below */
	/*
	 * Legacy IBRS (the kernel's "ibrs" mode) restricts only predictions
	 * made before a write of SPEC_CTRL.IBRS that follows the switch to
	 * the more privileged mode: the host's value is written again after
	 * every exit, though the guest cannot change it (Intel, "Indirect
	 * Branch Restricted Speculation"), and LFENCE keeps what follows
	 * from running before the write took effect.
	 */
	ALTERNATIVE "jmp .Lspec_ctrl_done", "", X86_FEATURE_KERNEL_IBRS
	mov	$MSR_IA32_SPEC_CTRL, %ecx
	mov	PER_CPU_VAR(x86_spec_ctrl_current), %eax
	mov	PER_CPU_VAR(x86_spec_ctrl_current + 4), %edx
	wrmsr
	lfence
.Lspec_ctrl_done:
	/*
	 * Branch history the guest left must not steer host indirect
	 * branches (BHI): the kernel's clearing loop where it chose it.
	 */
	CLEAR_BRANCH_HISTORY_VMEXIT
	mov	%ebx, %eax

	/* Guest values must not linger in registers for speculation. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	add	$8, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(lhv_vmx_enter)

/*
 * void lhv_vmx_do_nmi(void)
 *
 * Run the host's NMI handler now, for an NMI that caused a VM exit
 * (interrupts off).  An exit caused by an NMI leaves NMIs blocked until
 * the next IRET (SDM vol. 3, VM exits, "NMI blocking"): a self-NMI would
 * wait for that IRET, which may come much later.  Instead the handler is entered as the CPU would enter it: an interrupt
 * frame (SS, RSP, RFLAGS, CS, then RIP from the CALL) on a 16-byte
 * aligned stack, and its IRET ends the NMI blocking and returns here.
 */
SYM_FUNC_START(lhv_vmx_do_nmi)
	push	%rbp
	mov	%rsp, %rbp
	and	$-16, %rsp
	push	$__KERNEL_DS
	push	%rbp
	pushf
	push	$__KERNEL_CS
	call	asm_exc_nmi_noist
	leave
	RET
SYM_FUNC_END(lhv_vmx_do_nmi)
