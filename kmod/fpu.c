// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/fpu.c - guest FPU/SSE/AVX state and XCR0.  The guest's registers
 * live in a guest fpstate of the kernel's FPU core (swapped in for the
 * whole of KVM_RUN by fpu_swap_kvm_fpstate()), so they never leak to or
 * from the host.  Here: KVM_GET/SET_FPU, KVM_GET/SET_XSAVE,
 * KVM_GET/SET_XCRS and the checks on a new XCR0 (SDM 13.3).
 */
#define pr_fmt(fmt) "lhv: " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/types.h>

#include "lhv.h"

/* The XSAVE features a guest may enable: x87, SSE, AVX. */
u64 lhv_supported_xcr0(void)
{
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return XFEATURE_MASK_FPSSE;
	return xgetbv(XCR_XFEATURE_ENABLED_MASK) &
	       (XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM);
}

int lhv_set_xcr0(struct lhv_vcpu *vcpu, u64 xcr0)
{
	if (!(xcr0 & XFEATURE_MASK_FP))
		return -EINVAL;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return -EINVAL;
	if (xcr0 & ~lhv_supported_xcr0())
		return -EINVAL;
	vcpu->xcr0 = xcr0;
	return 0;
}

/* The guest's FPU state in the KVM_GET_XSAVE format, freshly allocated. */
static struct kvm_xsave *lhv_xsave_read(struct lhv_vcpu *vcpu)
{
	struct kvm_xsave *xs = kzalloc(sizeof(*xs), GFP_KERNEL_ACCOUNT);

	if (xs)
		fpu_copy_guest_fpstate_to_uabi(&vcpu->guest_fpu, xs->region,
					       sizeof(xs->region),
					       lhv_supported_xcr0(), 0);
	return xs;
}

static int lhv_xsave_write(struct lhv_vcpu *vcpu, struct kvm_xsave *xs)
{
	u32 pkru = 0;

	return fpu_copy_uabi_to_guest_fpstate(&vcpu->guest_fpu, xs->region,
					      lhv_supported_xcr0(), &pkru);
}

int lhv_ioctl_get_xsave(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_xsave *xs = lhv_xsave_read(vcpu);
	int r = 0;

	if (!xs)
		return -ENOMEM;
	if (copy_to_user(argp, xs, sizeof(*xs)))
		r = -EFAULT;
	kfree(xs);
	return r;
}

int lhv_ioctl_set_xsave(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_xsave *xs;
	int r;

	xs = memdup_user(argp, sizeof(*xs));
	if (IS_ERR(xs))
		return PTR_ERR(xs);
	r = lhv_xsave_write(vcpu, xs);
	kfree(xs);
	return r;
}

/* The legacy region of an XSAVE image is the FXSAVE layout (SDM 10.5.1). */
struct lhv_fxregs {
	u16 fcw, fsw;
	u8 ftw, rsvd1;
	u16 fop;
	u64 fip, fdp;
	u32 mxcsr, mxcsr_mask;
	u8 st[8][16];
	u8 xmm[16][16];
} __packed;

int lhv_ioctl_get_fpu(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_xsave *xs = lhv_xsave_read(vcpu);
	struct lhv_fxregs *fx;
	struct kvm_fpu fpu;

	if (!xs)
		return -ENOMEM;
	fx = (struct lhv_fxregs *)xs->region;
	memset(&fpu, 0, sizeof(fpu));
	memcpy(fpu.fpr, fx->st, sizeof(fpu.fpr));
	fpu.fcw = fx->fcw;
	fpu.fsw = fx->fsw;
	fpu.ftwx = fx->ftw;
	fpu.last_opcode = fx->fop;
	fpu.last_ip = fx->fip;
	fpu.last_dp = fx->fdp;
	memcpy(fpu.xmm, fx->xmm, sizeof(fpu.xmm));
	fpu.mxcsr = fx->mxcsr;
	kfree(xs);
	return copy_to_user(argp, &fpu, sizeof(fpu)) ? -EFAULT : 0;
}

int lhv_ioctl_set_fpu(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_xsave *xs;
	struct lhv_fxregs *fx;
	struct kvm_fpu fpu;
	int r;

	if (copy_from_user(&fpu, argp, sizeof(fpu)))
		return -EFAULT;
	xs = lhv_xsave_read(vcpu);
	if (!xs)
		return -ENOMEM;
	fx = (struct lhv_fxregs *)xs->region;
	memcpy(fx->st, fpu.fpr, sizeof(fpu.fpr));
	fx->fcw = fpu.fcw;
	fx->fsw = fpu.fsw;
	fx->ftw = fpu.ftwx;
	fx->fop = fpu.last_opcode;
	fx->fip = fpu.last_ip;
	fx->fdp = fpu.last_dp;
	memcpy(fx->xmm, fpu.xmm, sizeof(fpu.xmm));
	fx->mxcsr = fpu.mxcsr;
	/*
	 * The XSAVE header's XSTATE_BV (byte 512) says which components the
	 * image holds: x87 and SSE now do, or XRSTOR would set their init
	 * state (SDM 13.4.2).
	 */
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		*(u64 *)((u8 *)xs->region + 512) |= XFEATURE_MASK_FPSSE;
	r = lhv_xsave_write(vcpu, xs);
	kfree(xs);
	return r;
}

int lhv_ioctl_get_xcrs(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_xcrs xcrs;

	memset(&xcrs, 0, sizeof(xcrs));
	xcrs.nr_xcrs = 1;
	xcrs.xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
	xcrs.xcrs[0].value = vcpu->xcr0;
	return copy_to_user(argp, &xcrs, sizeof(xcrs)) ? -EFAULT : 0;
}

int lhv_ioctl_set_xcrs(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_xcrs xcrs;
	u32 i;
	int r;

	if (copy_from_user(&xcrs, argp, sizeof(xcrs)))
		return -EFAULT;
	if (xcrs.nr_xcrs > KVM_MAX_XCRS || xcrs.flags)
		return -EINVAL;
	for (i = 0; i < xcrs.nr_xcrs; i++) {
		if (xcrs.xcrs[i].xcr != XCR_XFEATURE_ENABLED_MASK)
			return -EINVAL;
		r = lhv_set_xcr0(vcpu, xcrs.xcrs[i].value);
		if (r)
			return r;
	}
	return 0;
}
