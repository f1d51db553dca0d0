// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/cpuid.c - the CPUID a guest sees.  Until userspace sets its own
 * table, a vCPU gets a default one derived from the host: only features
 * lhv virtualises correctly stay visible, the hypervisor bit is set, and
 * the virtualisation extensions themselves are hidden.
 */
#include <asm/processor.h>
#include <asm/cpufeature.h>

#include "lhv.h"

/* CPUID.1:ECX features passed through (SDM vol. 2A, Table 3-10). */
#define C1_ECX_KEEP (BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | \
		     BIT(19) | BIT(20) | BIT(22) | BIT(23) | BIT(25) | \
		     BIT(29) | BIT(30))
#define C1_ECX_HYPERVISOR BIT(31)
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

static void lhv_cpuid_add(struct lhv_vcpu *vcpu, u32 fn, u32 idx,
			  u32 eax, u32 ebx, u32 ecx, u32 edx)
{
	struct kvm_cpuid_entry2 *e;

	if (vcpu->nr_cpuid >= LHV_MAX_CPUID_ENTRIES)
		return;
	e = &vcpu->cpuid[vcpu->nr_cpuid++];
	e->function = fn;
	e->index = idx;
	e->flags = (idx || fn == 7) ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	e->eax = eax;
	e->ebx = ebx;
	e->ecx = ecx;
	e->edx = edx;
}

void lhv_cpuid_init_default(struct lhv_vcpu *vcpu)
{
	u32 a, b, c, d, max, emax, fn;

	vcpu->nr_cpuid = 0;
	cpuid(0, &max, &b, &c, &d);
	max = min(max, 7u);
	lhv_cpuid_add(vcpu, 0, 0, max, b, c, d);

	cpuid(1, &a, &b, &c, &d);
	b = (b & 0x0000ff00) | (vcpu->vcpu_id << 24) | (1 << 16);
	c = (c & C1_ECX_KEEP) | C1_ECX_HYPERVISOR;
	d &= C1_EDX_KEEP;
	lhv_cpuid_add(vcpu, 1, 0, a, b, c, d);

	if (max >= 7) {
		cpuid_count(7, 0, &a, &b, &c, &d);
		lhv_cpuid_add(vcpu, 7, 0, 0, b & C7_EBX_KEEP, 0, 0);
	}

	cpuid(0x80000000, &emax, &b, &c, &d);
	emax = min(emax, 0x80000008u);
	lhv_cpuid_add(vcpu, 0x80000000, 0, emax, b, c, d);
	for (fn = 0x80000001; fn <= emax; fn++) {
		cpuid(fn, &a, &b, &c, &d);
		switch (fn) {
		case 0x80000001:
			lhv_cpuid_add(vcpu, fn, 0, a, 0, c & E1_ECX_KEEP,
				      d & E1_EDX_KEEP);
			break;
		case 0x80000002 ... 0x80000004:
			lhv_cpuid_add(vcpu, fn, 0, a, b, c, d);
			break;
		case 0x80000008:
			/* Address sizes only. */
			lhv_cpuid_add(vcpu, fn, 0, a & 0xffff, 0, 0, 0);
			break;
		default:
			break;
		}
	}
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
		return;
	}
	*eax = *ebx = *ecx = *edx = 0;
}
