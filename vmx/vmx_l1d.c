// SPDX-License-Identifier: GPL-2.0
/*
 * vmx/vmx_l1d.c - L1 Terminal Fault (L1TF): on CPUs that have it, a guest
 * can read whatever the host left in the L1 data cache through a
 * non-present page-table entry of its own, EPT or not (Intel's L1TF
 * guidance, "Deep Dive: Intel Analysis of L1 Terminal Fault").  So where
 * the CPU is affected and the kernel mitigates L1TF, the L1D is flushed
 * before a VM entry that follows host code which may have left secrets
 * there: the first entry of each KVM_RUN, the first after the vCPU moved
 * to this CPU, after a host interrupt (the kernel's per-CPU flag, set on
 * every interrupt entry) and after an EPT violation (page-fault handling,
 * MMIO emulation).  Exits handled by the short in-kernel paths (CPUID,
 * MSRs, HLT, I/O to userspace comes back through a new KVM_RUN) do not
 * flush.  The flush is IA32_FLUSH_CMD where the microcode has it, else
 * reading a 64 KiB buffer, twice the L1D, one load per cache line after
 * touching each page (so that the page walks do not bring other data in
 * behind the loads).
 */
#define pr_fmt(fmt) "lhv: vmx: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/cpufeature.h>
#include <asm/hardirq.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "vmx.h"

#define L1D_SW_ORDER	4		/* 64 KiB */

enum { L1D_NONE, L1D_MSR, L1D_SW };
static int vmx_l1d_mode __ro_after_init;
static void *vmx_l1d_buf;

int vmx_l1d_setup(void)
{
	u64 caps = 0;

	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl(MSR_IA32_ARCH_CAPABILITIES, caps);
	if (!boot_cpu_has_bug(X86_BUG_L1TF) ||
	    (caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH) ||
	    l1tf_mitigation == L1TF_MITIGATION_OFF) {
		vmx_l1d_mode = L1D_NONE;
		return 0;
	}
	if (boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		vmx_l1d_mode = L1D_MSR;
	} else {
		struct page *page = alloc_pages(GFP_KERNEL | __GFP_ZERO,
						L1D_SW_ORDER);

		if (!page)
			return -ENOMEM;
		vmx_l1d_buf = page_address(page);
		vmx_l1d_mode = L1D_SW;
	}
	pr_info("L1TF: L1D flushed before VM entry when host code ran (%s)\n",
		vmx_l1d_mode == L1D_MSR ? "IA32_FLUSH_CMD" : "software");
	return 0;
}

void vmx_l1d_unsetup(void)
{
	if (vmx_l1d_buf)
		free_pages((unsigned long)vmx_l1d_buf, L1D_SW_ORDER);
	vmx_l1d_buf = NULL;
}

static void vmx_l1d_flush_sw(void)
{
	const u8 *p = vmx_l1d_buf;
	unsigned int i;

	for (i = 0; i < (PAGE_SIZE << L1D_SW_ORDER); i += PAGE_SIZE)
		READ_ONCE(p[i]);
	for (i = 0; i < (PAGE_SIZE << L1D_SW_ORDER); i += L1_CACHE_BYTES)
		READ_ONCE(p[i]);
}

/* Right before the entry, interrupts off. */
void vmx_l1d_flush(struct lhv_vmx_vcpu *vmx)
{
	bool flush;

	if (vmx_l1d_mode == L1D_NONE)
		return;
	if (vmx->l1d_run != vmx->vcpu.stats.runs) {
		vmx->l1d_run = vmx->vcpu.stats.runs;
		vmx->l1d_flush = true;
	}
	flush = vmx->l1d_flush || kvm_get_cpu_l1tf_flush_l1d();
	vmx->l1d_flush = false;
	kvm_clear_cpu_l1tf_flush_l1d();
	if (!flush)
		return;
	if (vmx_l1d_mode == L1D_MSR)
		wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
	else
		vmx_l1d_flush_sw();
}
