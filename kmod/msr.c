// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/msr.c - model-specific registers: the vendor-neutral ones kept in
 * struct lhv_vcpu, the KVM_GET_MSR_INDEX_LIST / KVM_GET_MSRS /
 * KVM_SET_MSRS ioctls.  MSRs living in the VMCB/VMCS (EFER, PAT, syscall
 * MSRs, segment bases, TSC offset) are the backend's get_msr/set_msr;
 * the rules both backends share (canonical addresses, EFER writes) are
 * here.
 */
#define pr_fmt(fmt) "lhv: " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/processor.h>

#include "lhv.h"

#define MSR_MTRR_FIX_64K	0x250
#define MSR_MTRR_FIX_16K_0	0x258
#define MSR_MTRR_FIX_16K_1	0x259
#define MSR_MTRR_FIX_4K_0	0x268
#define MSR_MTRR_FIX_4K_7	0x26f

/* What userspace saves and restores (KVM_GET_MSR_INDEX_LIST). */
static const u32 lhv_msrs[] = {
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_KERNEL_GS_BASE, MSR_FS_BASE, MSR_GS_BASE,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_IA32_CR_PAT, MSR_IA32_TSC, MSR_IA32_APICBASE,
	MSR_IA32_MISC_ENABLE, MSR_MTRRdefType, MSR_TSC_AUX,
	0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207,
	0x208, 0x209, 0x20a, 0x20b, 0x20c, 0x20d, 0x20e, 0x20f,
	MSR_MTRR_FIX_64K, MSR_MTRR_FIX_16K_0, MSR_MTRR_FIX_16K_1,
	0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f,
};

static int lhv_mtrr_fixed_index(u32 index)
{
	switch (index) {
	case MSR_MTRR_FIX_64K:
		return 0;
	case MSR_MTRR_FIX_16K_0:
		return 1;
	case MSR_MTRR_FIX_16K_1:
		return 2;
	case MSR_MTRR_FIX_4K_0 ... MSR_MTRR_FIX_4K_7:
		return 3 + index - MSR_MTRR_FIX_4K_0;
	}
	return -1;
}

/*
 * TSC_AUX (C000_0103h) is what RDTSCP returns in ECX and RDPID returns:
 * the guest may use it when its CPUID has either instruction (APM vol. 2,
 * 13.2.4; SDM 17.17.2), userspace always.  Bits 63:32 are reserved on
 * Intel (#GP) and ignored on AMD.
 */
static int lhv_tsc_aux_access(struct lhv_vcpu *vcpu, bool host)
{
	return host || vcpu->cpuid_rdtscp || vcpu->cpuid_rdpid ? 0 : -EINVAL;
}

/* MTRR memory types are 0, 1, 4, 5, 6 (SDM 12.11.2). */
static bool lhv_mtrr_type_ok(u8 t)
{
	return t < 7 && t != 2 && t != 3;
}

int lhv_get_msr(struct lhv_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	int r = lhv_ops->get_msr(vcpu, index, data);
	int fix;

	if (r != -ENOENT)
		return r;
	fix = lhv_mtrr_fixed_index(index);
	if (fix >= 0) {
		*data = vcpu->mtrr_fixed[fix];
		return 0;
	}
	switch (index) {
	case MSR_IA32_APICBASE:
		*data = vcpu->apic_base;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*data = vcpu->misc_enable;
		return 0;
	case MSR_MTRRcap:
		/* 8 variable ranges, fixed ranges, write-combining. */
		*data = 8 | BIT(8) | BIT(10);
		return 0;
	case MSR_MTRRdefType:
		*data = vcpu->mtrr_def_type;
		return 0;
	case 0x200 ... 0x20f:
		*data = vcpu->mtrr_var[index - 0x200];
		return 0;
	case MSR_IA32_UCODE_REV:
	case MSR_IA32_PLATFORM_ID:
		*data = 0;
		return 0;
	case MSR_TSC_AUX:
		if (lhv_tsc_aux_access(vcpu, host))
			return -EINVAL;
		*data = vcpu->tsc_aux;
		return 0;
	}
	return -ENOENT;		/* unknown to lhv */
}

/*
 * The MSRs that hold a linear address take only a canonical one (SDM
 * 3.3.7.1, APM 2.2.2; WRMSR #GP): on both backends, before either stores
 * it (the host's own WRMSR of them, on VMX, would fault too).
 */
static bool lhv_msr_addr_ok(u32 index, u64 data)
{
	switch (index) {
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
		return lhv_canonical(data, 48);
	}
	return true;
}

/*
 * A write of EFER, from the guest or userspace, on either backend (SDM
 * Vol. 4 Table 2-2, APM 3.1.7): bits outside @efer_ok are #GP, LME may
 * not change while paging is on (SDM 9.8.5.4, APM 14.6.1), LMA is
 * read-only (what is written there is ignored).  0 with the new value in
 * *efer (@old's LMA kept), or -EINVAL.
 */
int lhv_efer_write(u64 old, u64 data, u64 cr0, u64 efer_ok, u64 *efer)
{
	data &= ~EFER_LMA;
	if (data & ~efer_ok)
		return -EINVAL;
	if ((cr0 & X86_CR0_PG) && ((data ^ old) & EFER_LME))
		return -EINVAL;
	*efer = data | (old & EFER_LMA);
	return 0;
}

int lhv_set_msr(struct lhv_vcpu *vcpu, u32 index, u64 data, bool host)
{
	int fix, i, r;

	if (!lhv_msr_addr_ok(index, data))
		return -EINVAL;
	r = lhv_ops->set_msr(vcpu, index, data);
	if (r != -ENOENT)
		return r;
	fix = lhv_mtrr_fixed_index(index);
	if (fix >= 0) {
		for (i = 0; i < 8; i++)
			if (!lhv_mtrr_type_ok(data >> (8 * i)))
				return -EINVAL;
		vcpu->mtrr_fixed[fix] = data;
		return 0;
	}
	switch (index) {
	case MSR_IA32_APICBASE:
		/* No x2APIC; reserved bits and the base above 52 bits. */
		if (data & ~(0xffffffffff000ULL | BIT(8) | BIT(11)))
			return -EINVAL;
		vcpu->apic_base = data;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		vcpu->misc_enable = data;
		return 0;
	case MSR_MTRRdefType:
		if ((data & ~0xcffULL) || !lhv_mtrr_type_ok(data & 0xff))
			return -EINVAL;
		vcpu->mtrr_def_type = data;
		return 0;
	case 0x200 ... 0x20f:
		if ((index & 1) == 0 && !lhv_mtrr_type_ok(data & 0xff))
			return -EINVAL;
		if (data >> 52)
			return -EINVAL;
		vcpu->mtrr_var[index - 0x200] = data;
		return 0;
	case MSR_IA32_UCODE_REV:
		return 0;
	case MSR_TSC_AUX:
		if (lhv_tsc_aux_access(vcpu, host))
			return -EINVAL;
		if ((data >> 32) && boot_cpu_data.x86_vendor == X86_VENDOR_INTEL)
			return -EINVAL;
		vcpu->tsc_aux = data;
		return 0;
	}
	return -ENOENT;		/* unknown to lhv */
}

int lhv_ioctl_msr_index_list(void __user *argp)
{
	struct kvm_msr_list __user *ulist = argp;
	struct kvm_msr_list list;
	u32 n = ARRAY_SIZE(lhv_msrs);

	if (copy_from_user(&list, ulist, sizeof(list)))
		return -EFAULT;
	if (put_user(n, &ulist->nmsrs))
		return -EFAULT;
	if (list.nmsrs < n)
		return -E2BIG;
	if (copy_to_user(ulist->indices, lhv_msrs, sizeof(lhv_msrs)))
		return -EFAULT;
	return 0;
}

#define LHV_MAX_IO_MSRS 256

/* Returns how many entries were done, stopping at the first failure. */
static int lhv_msrs_do(struct lhv_vcpu *vcpu, void __user *argp, bool write)
{
	struct kvm_msrs __user *umsrs = argp;
	struct kvm_msr_entry *e;
	struct kvm_msrs msrs;
	size_t size;
	u32 i;
	int r;

	if (copy_from_user(&msrs, umsrs, sizeof(msrs)))
		return -EFAULT;
	if (msrs.nmsrs >= LHV_MAX_IO_MSRS)
		return -E2BIG;
	size = sizeof(*e) * msrs.nmsrs;
	e = memdup_user(umsrs->entries, size);
	if (IS_ERR(e))
		return PTR_ERR(e);
	for (i = 0; i < msrs.nmsrs; i++) {
		if (write)
			r = lhv_set_msr(vcpu, e[i].index, e[i].data, true);
		else
			r = lhv_get_msr(vcpu, e[i].index, &e[i].data, true);
		if (r)
			break;
	}
	r = i;
	if (!write && copy_to_user(umsrs->entries, e, size))
		r = -EFAULT;
	kfree(e);
	return r;
}

int lhv_ioctl_get_msrs(struct lhv_vcpu *vcpu, void __user *argp)
{
	return lhv_msrs_do(vcpu, argp, false);
}

int lhv_ioctl_set_msrs(struct lhv_vcpu *vcpu, void __user *argp)
{
	return lhv_msrs_do(vcpu, argp, true);
}
