// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/cpuid.c - the CPUID a guest sees.  lhv's supported table
 * (KVM_GET_SUPPORTED_CPUID) is derived from the host: only features lhv
 * virtualises correctly stay visible, the hypervisor bit is set, and the
 * virtualisation extensions themselves are hidden.  Each vCPU starts with
 * that table until userspace sets its own with KVM_SET_CPUID2; the guest
 * then sees exactly that, less what lhv cannot virtualise.  A few bits
 * follow the guest's state at CPUID time (OSXSAVE, the XSAVE area size).
 */
#define pr_fmt(fmt) "lhv: " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/processor.h>
#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/types.h>

#include "lhv.h"

/* CPUID.1:ECX features passed through (SDM vol. 2A, Table 3-10). */
#define C1_ECX_KEEP (BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | \
		     BIT(19) | BIT(20) | BIT(22) | BIT(23) | BIT(25) | \
		     BIT(26) | BIT(28) | BIT(29) | BIT(30))
#define C1_ECX_XSAVE BIT(26)
#define C1_ECX_OSXSAVE BIT(27)
#define C1_ECX_AVX BIT(28)
#define C1_ECX_VMX BIT(5)
#define E1_ECX_SVM BIT(2)
#define C1_ECX_HYPERVISOR BIT(31)
#define E8_EBX_RDPRU BIT(4)
#define E1_EDX_RDTSCP BIT(27)
#define C7_ECX_RDPID BIT(22)
/* CPUID.1:EDX: FPU VME DE PSE TSC MSR PAE CX8 SEP PGE CMOV PAT PSE36
 * CLFSH MMX FXSR SSE SSE2.  No APIC, MTRR, MCE/MCA yet.
 */
#define C1_EDX_KEEP (BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | \
		     BIT(6) | BIT(8) | BIT(11) | BIT(13) | BIT(15) | \
		     BIT(16) | BIT(17) | BIT(19) | BIT(23) | BIT(24) | \
		     BIT(25) | BIT(26))
/* CPUID.7.0:EBX: FSGSBASE BMI1 SMEP BMI2 ERMS ADX SMAP CLFLUSHOPT SHA */
#define C7_EBX_KEEP (BIT(0) | BIT(3) | BIT(7) | BIT(8) | BIT(9) | \
		     BIT(19) | BIT(20) | BIT(23) | BIT(29))
/* CPUID.80000001:ECX: LAHF CMPLEGACY ABM SSE4A PREFETCHW */
#define E1_ECX_KEEP (BIT(0) | BIT(1) | BIT(5) | BIT(6) | BIT(8))
/* CPUID.80000001:EDX: the leaf-1 bits AMD mirrors, SYSCALL NX
 * MMXEXT FFXSR PDPE1GB LM 3DNOW(EXT)
 */
#define E1_EDX_KEEP ((C1_EDX_KEEP & 0x0183f3ff) | BIT(11) | BIT(20) | \
		     BIT(22) | BIT(25) | BIT(26) | BIT(29) | BIT(30) | \
		     BIT(31))

struct lhv_cpuid_table {
	int nent;
	struct kvm_cpuid_entry2 *e;
	int max;
};

static void lhv_cpuid_add(struct lhv_cpuid_table *t, u32 fn, u32 idx,
			  u32 eax, u32 ebx, u32 ecx, u32 edx)
{
	struct kvm_cpuid_entry2 *e;

	if (t->nent >= t->max)
		return;
	e = &t->e[t->nent++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = (fn == 7 || fn == 0xd) ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	e->eax = eax;
	e->ebx = ebx;
	e->ecx = ecx;
	e->edx = edx;
}

/* lhv's supported CPUID, as KVM_GET_SUPPORTED_CPUID reports it. */
static void lhv_cpuid_build(struct lhv_cpuid_table *t)
{
	u32 a, b, c, d, max, emax, fn, i;
	u64 xcr0 = lhv_supported_xcr0();

	cpuid(0, &max, &b, &c, &d);
	max = min(max, 0xdu);
	lhv_cpuid_add(t, 0, 0, max, b, c, d);

	cpuid(1, &a, &b, &c, &d);
	b &= 0x0000ff00;	/* CLFLUSH size; APIC ID is the vCPU's */
	c = (c & C1_ECX_KEEP) | C1_ECX_HYPERVISOR;
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		c &= ~(C1_ECX_XSAVE | C1_ECX_AVX);
	if (!(xcr0 & XFEATURE_MASK_YMM))
		c &= ~C1_ECX_AVX;
	lhv_cpuid_add(t, 1, 0, a, b, c, d & C1_EDX_KEEP);

	if (max >= 7) {
		cpuid_count(7, 0, &a, &b, &c, &d);
		lhv_cpuid_add(t, 7, 0, 0, b & C7_EBX_KEEP,
			      lhv_ops->tsc_aux ? c & C7_ECX_RDPID : 0, 0);
	}
	if (max >= 0xd && boot_cpu_has(X86_FEATURE_XSAVE)) {
		cpuid_count(0xd, 0, &a, &b, &c, &d);
		lhv_cpuid_add(t, 0xd, 0, (u32)xcr0, b, c, xcr0 >> 32);
		lhv_cpuid_add(t, 0xd, 1, 0, 0, 0, 0);
		for (i = 2; i < 64; i++) {
			if (!(xcr0 & BIT_ULL(i)))
				continue;
			cpuid_count(0xd, i, &a, &b, &c, &d);
			lhv_cpuid_add(t, 0xd, i, a, b, c, d);
		}
	}

	cpuid(0x80000000, &emax, &b, &c, &d);
	emax = min(emax, 0x80000008u);
	lhv_cpuid_add(t, 0x80000000, 0, emax, b, c, d);
	for (fn = 0x80000001; fn <= emax; fn++) {
		cpuid(fn, &a, &b, &c, &d);
		switch (fn) {
		case 0x80000001:
			lhv_cpuid_add(t, fn, 0, a, 0, c & E1_ECX_KEEP,
				      d & (E1_EDX_KEEP | (lhv_ops->tsc_aux ?
							  E1_EDX_RDTSCP : 0)));
			break;
		case 0x80000002 ... 0x80000004:
			lhv_cpuid_add(t, fn, 0, a, b, c, d);
			break;
		case 0x80000008:
			/* Address sizes only. */
			lhv_cpuid_add(t, fn, 0, a & 0xffff, 0, 0, 0);
			break;
		default:
			break;
		}
	}
}

/* What the run loop and the backend check often, taken from the table. */
static void lhv_cpuid_update_caps(struct lhv_vcpu *vcpu)
{
	u32 a, b, c, d;

	lhv_cpuid_lookup(vcpu, 0x80000001, 0, &a, &b, &c, &d);
	vcpu->cpuid_rdtscp = d & E1_EDX_RDTSCP;
	lhv_cpuid_lookup(vcpu, 7, 0, &a, &b, &c, &d);
	vcpu->cpuid_rdpid = c & C7_ECX_RDPID;
}

void lhv_cpuid_init_default(struct lhv_vcpu *vcpu)
{
	struct lhv_cpuid_table t = {
		.e = vcpu->cpuid, .max = LHV_MAX_CPUID_ENTRIES,
	};
	int i;

	lhv_cpuid_build(&t);
	vcpu->nr_cpuid = t.nent;
	vcpu->xcr0 = XFEATURE_MASK_FP;
	for (i = 0; i < t.nent; i++)
		if (t.e[i].function == 1)
			t.e[i].ebx |= (vcpu->vcpu_id << 24) | (1 << 16);
	lhv_cpuid_update_caps(vcpu);
}

int lhv_ioctl_get_supported_cpuid(void __user *argp)
{
	struct kvm_cpuid2 __user *ucpuid = argp;
	struct lhv_cpuid_table t = { .max = LHV_MAX_CPUID_ENTRIES };
	struct kvm_cpuid2 hdr;
	int r = 0;

	if (copy_from_user(&hdr, ucpuid, sizeof(hdr)))
		return -EFAULT;
	t.e = kcalloc(t.max, sizeof(*t.e), GFP_KERNEL);
	if (!t.e)
		return -ENOMEM;
	lhv_cpuid_build(&t);
	if (hdr.nent < t.nent) {
		r = -E2BIG;
		goto out_free;
	}
	if (put_user(t.nent, &ucpuid->nent) ||
	    copy_to_user(ucpuid->entries, t.e, t.nent * sizeof(*t.e)))
		r = -EFAULT;
out_free:
	kfree(t.e);
	return r;
}

/*
 * KVM_SET_CPUID2: the guest sees what userspace set, except features lhv
 * cannot give it: nested VMX/SVM, XSAVE features beyond what it switches
 * (the supported XCR0), performance counters (leaf 0AH: RDPMC is #GP),
 * RDPRU (#UD), and RDTSCP/RDPID where the backend does not give the
 * guest its own TSC_AUX (they #UD there).
 */
int lhv_ioctl_set_cpuid2(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_cpuid2 __user *ucpuid = argp;
	struct kvm_cpuid2 hdr;
	u64 xcr0 = lhv_supported_xcr0();
	int i;

	if (copy_from_user(&hdr, ucpuid, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > LHV_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (copy_from_user(vcpu->cpuid, ucpuid->entries,
			   hdr.nent * sizeof(vcpu->cpuid[0]))) {
		vcpu->nr_cpuid = 0;
		lhv_cpuid_update_caps(vcpu);
		return -EFAULT;
	}
	vcpu->nr_cpuid = hdr.nent;
	for (i = 0; i < hdr.nent; i++) {
		struct kvm_cpuid_entry2 *e = &vcpu->cpuid[i];

		if (e->function == 1)
			e->ecx &= ~C1_ECX_VMX;
		if (e->function == 0x80000001)
			e->ecx &= ~E1_ECX_SVM;
		if (e->function == 0xa) {
			e->eax = 0;
			e->ebx = 0;
			e->ecx = 0;
			e->edx = 0;
		}
		if (e->function == 0x80000008)
			e->ebx &= ~E8_EBX_RDPRU;
		if (e->function == 0x80000001 && !lhv_ops->tsc_aux)
			e->edx &= ~E1_EDX_RDTSCP;
		if (e->function == 7 && e->index == 0 && !lhv_ops->tsc_aux)
			e->ecx &= ~C7_ECX_RDPID;
		if (e->function == 0xd && e->index == 0) {
			e->eax &= (u32)xcr0;
			e->edx &= xcr0 >> 32;
		}
	}
	lhv_cpuid_update_caps(vcpu);
	return 0;
}

int lhv_ioctl_get_cpuid2(struct lhv_vcpu *vcpu, void __user *argp)
{
	struct kvm_cpuid2 __user *ucpuid = argp;
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, ucpuid, sizeof(hdr)))
		return -EFAULT;
	if (put_user(vcpu->nr_cpuid, &ucpuid->nent))
		return -EFAULT;
	if (hdr.nent < vcpu->nr_cpuid)
		return -E2BIG;
	if (copy_to_user(ucpuid->entries, vcpu->cpuid,
			 vcpu->nr_cpuid * sizeof(vcpu->cpuid[0])))
		return -EFAULT;
	return 0;
}

/* Size of the XSAVE area for the features in @xcr0 (SDM 13.4, 13.5). */
static u32 lhv_xsave_size(u64 xcr0)
{
	u32 size = 512 + 64, a, b, c, d;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &a, &b, &c, &d);
		size = max(size, a + b);
	}
	return size;
}

/* Leaves the table lacks read as zero. */
void lhv_cpuid_lookup(struct lhv_vcpu *vcpu, u32 fn, u32 idx,
		      u32 *eax, u32 *ebx, u32 *ecx, u32 *edx)
{
	int i;

	for (i = 0; i < vcpu->nr_cpuid; i++) {
		const struct kvm_cpuid_entry2 *e = &vcpu->cpuid[i];

		if (e->function != fn)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) &&
		    e->index != idx)
			continue;
		*eax = e->eax;
		*ebx = e->ebx;
		*ecx = e->ecx;
		*edx = e->edx;
		/* Bits that follow the guest's own state. */
		if (fn == 1 && (*ecx & C1_ECX_XSAVE)) {
			*ecx &= ~C1_ECX_OSXSAVE;
			if (lhv_ops->get_cr4(vcpu) & X86_CR4_OSXSAVE)
				*ecx |= C1_ECX_OSXSAVE;
		}
		if (fn == 0xd && idx == 0 && boot_cpu_has(X86_FEATURE_XSAVE))
			*ebx = lhv_xsave_size(vcpu->xcr0);
		return;
	}
	*eax = *ebx = *ecx = *edx = 0;
}
