// SPDX-License-Identifier: GPL-2.0
/*
 * vmx/vmx_events.c - what a VMX guest carries across an entry besides its
 * registers: the interruptibility state (STI and MOV SS shadows, NMI
 * blocking with virtual NMIs), the event to inject (exceptions from the
 * core, interrupts and NMIs from a userspace interrupt controller, events
 * whose delivery an exit interrupted), the interrupt and NMI windows, and
 * the debug registers.  The core's event ops read and write the software
 * copies here, so they work wherever the VMCS is; vcpu_run moves them in
 * and out of the VMCS around each entry.
 */
#define pr_fmt(fmt) "lhv: vmx: " fmt

#include <linux/kernel.h>
#include <linux/percpu.h>
#include <asm/processor.h>
#include <asm/debugreg.h>
#include <asm/trapnr.h>

#include "vmx.h"

/* ---- Registers and interruptibility around an entry ------------------- */

/*
 * The interruptibility state as it applies now.  An STI or MOV SS shadow
 * covers one instruction: once RIP moved past it (an emulated
 * instruction, KVM_SET_REGS) it is over; and entry refuses STI blocking
 * with IF clear (SDM 27.3.1.5).  NMI blocking is the core's nmi_masked,
 * which KVM_SET_VCPU_EVENTS may have changed.
 */
static u32 vmx_intr_now(struct lhv_vmx_vcpu *vmx)
{
	const u64 *regs = vmx->vcpu.regs;
	u32 intr = vmx->intr_state & ~INTERRUPT_NMI;

	if (regs[LHV_RIP] != vmx->intr_rip)
		intr &= ~(INTERRUPT_STI | INTERRUPT_MOV_SS);
	if (!(regs[LHV_RFLAGS] & X86_EFLAGS_IF))
		intr &= ~INTERRUPT_STI;
	if (vmx->vcpu.nmi_masked)
		intr |= INTERRUPT_NMI;
	return intr;
}

void vmx_enter_guest_regs(struct lhv_vmx_vcpu *vmx)
{
	const u64 *regs = vmx->vcpu.regs;
	u32 intr = vmx_intr_now(vmx);
	u32 proc;

	vmcs_write(VMCS_GUEST_RSP, regs[LHV_RSP]);
	vmcs_write(VMCS_GUEST_RIP, regs[LHV_RIP]);
	vmcs_write(VMCS_GUEST_RFLAGS, regs[LHV_RFLAGS]);
	if (intr != vmx->intr_vmcs) {
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, intr);
		vmx->intr_vmcs = intr;
	}
	vmx->intr_state = intr;
	vmx->intr_rip = regs[LHV_RIP];

	proc = vmx_caps.proc;
	if (vmx->guest_owns_dr)
		proc &= ~PROC_MOV_DR_EXITING;
	if (vmx->irq_window)
		proc |= PROC_INTR_WINDOW_EXITING;
	if (vmx->nmi_window)
		proc |= PROC_NMI_WINDOW_EXITING;
	if (proc != vmx->proc_ctls) {
		vmcs_write(VMCS_PROC_CTLS, proc);
		vmx->proc_ctls = proc;
	}
}

/* Right after a successful exit: the copies the core's ops read. */
void vmx_exit_guest_regs(struct lhv_vmx_vcpu *vmx)
{
	u64 *regs = vmx->vcpu.regs;

	regs[LHV_RSP] = vmcs_read(VMCS_GUEST_RSP);
	regs[LHV_RIP] = vmcs_read(VMCS_GUEST_RIP);
	regs[LHV_RFLAGS] = vmcs_read(VMCS_GUEST_RFLAGS);
	vmx->intr_state = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	vmx->intr_vmcs = vmx->intr_state;
	vmx->intr_rip = regs[LHV_RIP];
	/* Virtual-NMI blocking: set by an injected NMI, cleared by IRET. */
	vmx->vcpu.nmi_masked = vmx->intr_state & INTERRUPT_NMI;
	vmx->cr4_hw = vmcs_read(VMCS_GUEST_CR4);
}

/* ---- Event injection -------------------------------------------------- */

static bool vmx_event_is_soft(u32 info)
{
	u32 type = INTR_INFO_TYPE(info);

	return type == INTR_TYPE_SW_INT || type == INTR_TYPE_PRIV_SW_EXC ||
	       type == INTR_TYPE_SW_EXC;
}

void vmx_queue_exception(struct lhv_vcpu *vcpu, u8 vector, bool has_error,
			 u32 error_code)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->event.info = vector | INTR_TYPE_HW_EXC << 8 | INTR_INFO_VALID |
			  (has_error ? INTR_INFO_ERR_VALID : 0);
	/*
	 * VM entry takes a 16-bit error code: bits 31:16 set would make it
	 * fail as a VMfail (SDM 26.2.1.3), from a value userspace chose
	 * (KVM_SET_VCPU_EVENTS).  The CPU pushes 16 bits anyway.
	 */
	vmx->event.error = (u16)error_code;
	vmx->event.insn_len = 0;
}

/* CR2 is not in the VMCS: loaded by hand before each entry. */
void vmx_set_cr2(struct lhv_vcpu *vcpu, u64 cr2)
{
	to_vmx(vcpu)->cr2 = cr2;
}

/* Before entry: deliver the pending event (SDM 27.6). */
void vmx_inject_event(struct lhv_vmx_vcpu *vmx)
{
	u32 info = vmx->event.info;

	if (!(info & INTR_INFO_VALID))
		return;
	/* Real mode pushes no error code; entry checks it (SDM 27.2.1.3). */
	if ((info & INTR_INFO_ERR_VALID) &&
	    !(vmcs_read(VMCS_GUEST_CR0) & X86_CR0_PE))
		info &= ~INTR_INFO_ERR_VALID;
	vmcs_write(VMCS_ENTRY_INTR_INFO, info);
	if (info & INTR_INFO_ERR_VALID)
		vmcs_write(VMCS_ENTRY_EXC_ERROR, vmx->event.error);
	if (vmx_event_is_soft(info))
		vmcs_write(VMCS_ENTRY_INSN_LEN, vmx->event.insn_len);
	vmx->event.info = 0;
}

/*
 * An event whose delivery the exit interrupted (an EPT violation while
 * pushing the frame, ...) is delivered again on the next entry (SDM
 * 28.2.4, 29.7.1.1); software interrupts and exceptions with their
 * instruction length, so RIP, which still points at the INT n, advances
 * as it would have.
 */
void vmx_requeue_event(struct lhv_vmx_vcpu *vmx)
{
	u32 info = vmcs_read(VMCS_IDT_VEC_INFO);

	if (!(info & INTR_INFO_VALID))
		return;
	vmx->event.info = info & (INTR_INFO_VALID | INTR_INFO_ERR_VALID |
				  0x7ff);
	if (info & INTR_INFO_ERR_VALID)
		vmx->event.error = vmcs_read(VMCS_IDT_VEC_ERROR);
	if (vmx_event_is_soft(info))
		vmx->event.insn_len = vmcs_read(VMCS_EXIT_INSN_LEN);
}

bool vmx_event_injected(struct lhv_vcpu *vcpu)
{
	return to_vmx(vcpu)->event.info & INTR_INFO_VALID;
}

/* SDM 27.3.1.5: IF set, no STI or MOV SS shadow, nothing else going in. */
bool vmx_interrupt_allowed(struct lhv_vcpu *vcpu)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);

	return (vcpu->regs[LHV_RFLAGS] & X86_EFLAGS_IF) &&
	       !(vmx_intr_now(vmx) & (INTERRUPT_STI | INTERRUPT_MOV_SS)) &&
	       !vmx_event_injected(vcpu);
}

/* With virtual NMIs, injection needs no (virtual-)NMI blocking either. */
bool vmx_nmi_allowed(struct lhv_vcpu *vcpu)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);

	return !(vmx_intr_now(vmx) & (INTERRUPT_STI | INTERRUPT_MOV_SS |
				      INTERRUPT_NMI)) &&
	       !vmx_event_injected(vcpu);
}

void vmx_inject_irq(struct lhv_vcpu *vcpu, u8 vector)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->event.info = vector | INTR_TYPE_EXT << 8 | INTR_INFO_VALID;
	vmx->event.insn_len = 0;
}

/* Delivery sets virtual-NMI blocking; the guest's IRET clears it (26.7.1). */
void vmx_inject_nmi(struct lhv_vcpu *vcpu)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->event.info = X86_TRAP_NMI | INTR_TYPE_NMI << 8 | INTR_INFO_VALID;
	vmx->event.insn_len = 0;
}

/* Interrupt- and NMI-window exiting (SDM 26.7.5, 26.7.6). */
void vmx_set_irq_window(struct lhv_vcpu *vcpu, bool on)
{
	to_vmx(vcpu)->irq_window = on;
}

void vmx_set_nmi_window(struct lhv_vcpu *vcpu, bool on)
{
	to_vmx(vcpu)->nmi_window = on;
}

void vmx_get_events(struct lhv_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);
	u32 intr = vmx_intr_now(vmx);
	u32 info = vmx->event.info;

	if (intr & INTERRUPT_STI)
		ev->interrupt.shadow |= KVM_X86_SHADOW_INT_STI;
	if (intr & INTERRUPT_MOV_SS)
		ev->interrupt.shadow |= KVM_X86_SHADOW_INT_MOV_SS;
	if (!(info & INTR_INFO_VALID))
		return;
	switch (INTR_INFO_TYPE(info)) {
	case INTR_TYPE_HW_EXC:
	case INTR_TYPE_PRIV_SW_EXC:
	case INTR_TYPE_SW_EXC:
		ev->exception.injected = 1;
		ev->exception.nr = INTR_INFO_VECTOR(info);
		ev->exception.has_error_code = !!(info & INTR_INFO_ERR_VALID);
		ev->exception.error_code = vmx->event.error;
		break;
	case INTR_TYPE_EXT:
	case INTR_TYPE_SW_INT:
		ev->interrupt.injected = 1;
		ev->interrupt.nr = INTR_INFO_VECTOR(info);
		ev->interrupt.soft = INTR_INFO_TYPE(info) == INTR_TYPE_SW_INT;
		break;
	case INTR_TYPE_NMI:
		ev->nmi.injected = 1;
		break;
	}
}

int vmx_set_events(struct lhv_vcpu *vcpu, const struct kvm_vcpu_events *ev)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->event.info = 0;
	if (ev->exception.injected || ev->exception.pending)
		vmx_queue_exception(vcpu, ev->exception.nr,
				    ev->exception.has_error_code,
				    ev->exception.error_code);
	else if (ev->nmi.injected)
		vmx_inject_nmi(vcpu);
	if (ev->flags & KVM_VCPUEVENT_VALID_SHADOW) {
		u32 intr = vmx_intr_now(vmx) &
			   ~(INTERRUPT_STI | INTERRUPT_MOV_SS);

		if (ev->interrupt.shadow & KVM_X86_SHADOW_INT_STI)
			intr |= INTERRUPT_STI;
		if (ev->interrupt.shadow & KVM_X86_SHADOW_INT_MOV_SS)
			intr |= INTERRUPT_MOV_SS;
		vmx->intr_state = intr;
		vmx->intr_rip = vcpu->regs[LHV_RIP];
	}
	return 0;
}

/* ---- Debug registers -------------------------------------------------- */

/*
 * The guest touched a debug register: from now on DR0-3 and DR6 are
 * switched around every entry and MOV DR no longer exits; the
 * instruction simply runs again.  DR7 is in the VMCS (load/save debug
 * controls, SDM 25.7.1, 25.8.1).
 */
void vmx_take_dr(struct lhv_vmx_vcpu *vmx)
{
	vmx->guest_owns_dr = true;
}

void vmx_get_debugregs(struct lhv_vcpu *vcpu, struct kvm_debugregs *d)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long flags;

	memcpy(d->db, vmx->dr, sizeof(d->db));
	d->dr6 = vmx->dr6;
	d->dr7 = VMX_DR7_FIXED1;
	if (vmx_vmcs_get(vmx, &flags)) {
		d->dr7 = vmcs_read(VMCS_GUEST_DR7);
		vmx_vmcs_put(vmx, flags);
	}
}

int vmx_set_debugregs(struct lhv_vcpu *vcpu, const struct kvm_debugregs *d)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long flags;

	if (!vmx_vmcs_get(vmx, &flags))
		return -EIO;
	/* Bits 12, 14, 15 of DR7 read as 0, bit 10 as 1 (SDM 18.2.4). */
	vmcs_write(VMCS_GUEST_DR7, (d->dr7 & ~0xd000ULL) | VMX_DR7_FIXED1);
	vmx_vmcs_put(vmx, flags);
	memcpy(vmx->dr, d->db, sizeof(vmx->dr));
	vmx->dr6 = d->dr6 | DR6_RESERVED;
	/* Non-zero breakpoints must reach the hardware. */
	if (d->db[0] | d->db[1] | d->db[2] | d->db[3])
		vmx_take_dr(vmx);
	return 0;
}
