// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/events.c - interrupts and NMIs from a userspace interrupt
 * controller (KVM_INTERRUPT, KVM_NMI, request_interrupt_window), and the
 * event-state ioctls: KVM_GET/SET_VCPU_EVENTS, KVM_GET/SET_MP_STATE,
 * KVM_GET/SET_DEBUGREGS.  The core decides what to inject when; the
 * backend says whether the guest can take it and does the injection.
 */
#define pr_fmt(fmt) "lhv: " fmt

#include <linux/uaccess.h>

#include "lhv.h"

int lhv_ioctl_interrupt(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (irq.irq >= 256)
		return -EINVAL;
	/*
	 * One interrupt waits at a time; a newer one replaces it, as with
	 * KVM without an in-kernel interrupt controller.
	 */
	vcpu->irq_pending = true;
	vcpu->irq_vector = irq.irq;
	return 0;
}

int lhv_ioctl_nmi(struct lhv_vcpu *vcpu)
{
	vcpu->nmi_pending = true;
	return 0;
}

bool lhv_ready_for_interrupt(struct lhv_vcpu *vcpu)
{
	return !vcpu->irq_pending && lhv_ops->interrupt_allowed(vcpu);
}

/*
 * Before each entry: inject what is pending and the guest can take now;
 * otherwise ask for an exit as soon as it can.  NMIs go first (SDM 6.9).
 */
void lhv_inject_pending(struct lhv_vcpu *vcpu)
{
	bool want_irq_window = vcpu->irq_pending ||
			       READ_ONCE(vcpu->run->request_interrupt_window);

	/* The common case, nothing to deliver: no calls into the backend. */
	if (!want_irq_window && !vcpu->nmi_pending && !vcpu->irq_window_on)
		return;

	if (!lhv_ops->event_injected(vcpu)) {
		if (vcpu->nmi_pending && lhv_ops->nmi_allowed(vcpu)) {
			lhv_ops->inject_nmi(vcpu);
			vcpu->nmi_pending = false;
		} else if (vcpu->irq_pending &&
			   lhv_ops->interrupt_allowed(vcpu)) {
			lhv_ops->inject_irq(vcpu, vcpu->irq_vector);
			vcpu->irq_pending = false;
			want_irq_window =
				READ_ONCE(vcpu->run->request_interrupt_window);
		}
	}
	if (want_irq_window != vcpu->irq_window_on) {
		lhv_ops->set_irq_window(vcpu, want_irq_window);
		vcpu->irq_window_on = want_irq_window;
	}
	if (vcpu->nmi_pending)
		lhv_ops->set_nmi_window(vcpu, true);
}

/* Exceptions that push an error code: #DF #TS #NP #SS #GP #PF #AC. */
#define LHV_EXC_ERROR_CODE (BIT(X86_TRAP_DF) | BIT(X86_TRAP_TS) | \
			    BIT(X86_TRAP_NP) | BIT(X86_TRAP_SS) | \
			    BIT(X86_TRAP_GP) | BIT(X86_TRAP_PF) | \
			    BIT(X86_TRAP_AC))

#define LHV_EVENTS_FLAGS (KVM_VCPUEVENT_VALID_NMI_PENDING | \
			  KVM_VCPUEVENT_VALID_SIPI_VECTOR | \
			  KVM_VCPUEVENT_VALID_SHADOW)

int lhv_ioctl_get_events(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_vcpu_events ev;

	memset(&ev, 0, sizeof(ev));
	lhv_ops->get_events(vcpu, &ev);
	if (vcpu->irq_pending) {
		ev.interrupt.injected = 1;
		ev.interrupt.nr = vcpu->irq_vector;
		ev.interrupt.soft = 0;
	}
	ev.nmi.pending = vcpu->nmi_pending;
	ev.nmi.masked = vcpu->nmi_masked;
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
	return copy_to_user(argp, &ev, sizeof(ev)) ? -EFAULT : 0;
}

int lhv_ioctl_set_events(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_vcpu_events ev;
	int r;

	if (copy_from_user(&ev, argp, sizeof(ev)))
		return -EFAULT;
	if (ev.flags & ~LHV_EVENTS_FLAGS)
		return -EINVAL;
	/*
	 * Only vectors 0-31 are exceptions, and NMI (2) is not one.  The
	 * error code must match the vector, or VM entry refuses the event
	 * (SDM 26.2.1.3): no userspace input may make the hardware fail.
	 */
	if ((ev.exception.injected || ev.exception.pending) &&
	    (ev.exception.nr > 31 || ev.exception.nr == X86_TRAP_NMI ||
	     !ev.exception.has_error_code !=
	     !(LHV_EXC_ERROR_CODE & BIT(ev.exception.nr))))
		return -EINVAL;
	if (ev.exception.pending && ev.exception.injected)
		return -EINVAL;
	r = lhv_ops->set_events(vcpu, &ev);
	if (r)
		return r;
	/* A queued hardware interrupt waits in the core until injected. */
	vcpu->irq_pending = ev.interrupt.injected && !ev.interrupt.soft;
	vcpu->irq_vector = ev.interrupt.nr;
	if (ev.flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		vcpu->nmi_pending = ev.nmi.pending;
	vcpu->nmi_masked = ev.nmi.masked;
	return 0;
}

int lhv_ioctl_get_mp_state(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_mp_state mp = { .mp_state = vcpu->mp_state };

	return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
}

/*
 * Without an in-kernel local APIC there is no INIT/SIPI and HLT goes to
 * userspace: a vCPU is always runnable, as KVM says in that setup.
 */
int lhv_ioctl_set_mp_state(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_mp_state mp;

	if (copy_from_user(&mp, argp, sizeof(mp)))
		return -EFAULT;
	if (mp.mp_state != KVM_MP_STATE_RUNNABLE)
		return -EINVAL;
	vcpu->mp_state = mp.mp_state;
	return 0;
}

int lhv_ioctl_get_debugregs(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_debugregs d;

	memset(&d, 0, sizeof(d));
	lhv_ops->get_debugregs(vcpu, &d);
	return copy_to_user(argp, &d, sizeof(d)) ? -EFAULT : 0;
}

int lhv_ioctl_set_debugregs(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_debugregs d;

	if (copy_from_user(&d, argp, sizeof(d)))
		return -EFAULT;
	if (d.flags)
		return -EINVAL;
	/* The upper halves of DR6 and DR7 are reserved (SDM 18.2.4). */
	if (d.dr6 >> 32 || d.dr7 >> 32)
		return -EINVAL;
	return lhv_ops->set_debugregs(vcpu, &d);
}
