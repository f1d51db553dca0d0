// SPDX-License-Identifier: GPL-2.0
/*
 * vmx/vmcs.c - the bottom of the Intel VMX backend: probing the VMX
 * capability MSRs into vmx_caps (the controls every VMCS gets, the fixed
 * CR0/CR4 bits, EPT/VPID capabilities), the per-CPU state (struct
 * vmx_cpu; vmx.c fills it in at VMXON) and VMCS residency: VMCLEAR and
 * VMPTRLD as a vCPU's VMCS moves between host CPUs (an IPI clears it on
 * the CPU it leaves), the host state that differs between CPUs, and
 * access to the VMCS outside vcpu_run through vmx_vmcs_get() and
 * vmx_vmcs_put().  Nothing here calls the rest of vmx/: vmx.c,
 * vmx_state.c and vmx_events.c call down into this file.
 */
#define pr_fmt(fmt) "lhv: vmx: " fmt

#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>

#include "vmx.h"

struct vmx_caps vmx_caps __ro_after_init;
DEFINE_PER_CPU(struct vmx_cpu, vmx_cpu);

/* ---- Probe ---------------------------------------------------------- */

struct vmx_feature {
	u32 bit;
	const char *name;
};

/*
 * Fold the wanted control bits against a capability MSR (SDM A.3-A.5):
 * its low half has the bits that must be 1, its high half those that
 * may be 1.  Logs one line per required bit the CPU lacks and per bit
 * lhv needs clear that the CPU forces on.
 */
static bool vmx_adjust(u32 msr, const char *what,
		       const struct vmx_feature *req, int nreq,
		       u32 optional, u32 forbidden, u32 *out)
{
	u32 must1, may1, val = 0;
	bool ok = true;
	u64 cap;
	int i;

	rdmsrl(msr, cap);
	must1 = cap;
	may1 = cap >> 32;
	for (i = 0; i < nreq; i++) {
		if (!(may1 & req[i].bit)) {
			pr_info("missing %s (%s controls)\n",
				req[i].name, what);
			ok = false;
		}
		val |= req[i].bit;
	}
	if (must1 & forbidden) {
		pr_info("%s controls %#x cannot be cleared\n", what,
			must1 & forbidden);
		ok = false;
	}
	*out = (val | (optional & may1) | must1) & ~forbidden;
	return ok;
}

static const struct vmx_feature vmx_pin_req[] = {
	{ PIN_EXT_INTR_EXITING, "external-interrupt exiting" },
	{ PIN_NMI_EXITING, "NMI exiting" },
	{ PIN_VIRTUAL_NMIS, "virtual NMIs" },
};

static const struct vmx_feature vmx_proc_req[] = {
	{ PROC_INTR_WINDOW_EXITING, "interrupt-window exiting" },
	{ PROC_TSC_OFFSETTING, "TSC offsetting" },
	{ PROC_HLT_EXITING, "HLT exiting" },
	{ PROC_MWAIT_EXITING, "MWAIT exiting" },
	{ PROC_RDPMC_EXITING, "RDPMC exiting" },
	{ PROC_CR8_LOAD_EXITING, "CR8-load exiting" },
	{ PROC_CR8_STORE_EXITING, "CR8-store exiting" },
	{ PROC_NMI_WINDOW_EXITING, "NMI-window exiting" },
	{ PROC_MOV_DR_EXITING, "MOV-DR exiting" },
	{ PROC_UNCOND_IO_EXITING, "unconditional I/O exiting" },
	{ PROC_MSR_BITMAPS, "MSR bitmaps" },
	{ PROC_MONITOR_EXITING, "MONITOR exiting" },
	{ PROC_SECONDARY, "secondary controls" },
};

static const struct vmx_feature vmx_proc2_req[] = {
	{ PROC2_EPT, "EPT" },
	{ PROC2_VPID, "VPID" },
	{ PROC2_UNRESTRICTED, "unrestricted guest" },
};

static const struct vmx_feature vmx_exit_req[] = {
	{ EXIT_HOST_64, "host address-space size" },
	{ EXIT_SAVE_PAT, "save IA32_PAT" },
	{ EXIT_LOAD_PAT, "load IA32_PAT" },
	{ EXIT_SAVE_EFER, "save IA32_EFER" },
	{ EXIT_LOAD_EFER, "load IA32_EFER" },
};

static const struct vmx_feature vmx_entry_req[] = {
	{ ENTRY_LOAD_PAT, "load IA32_PAT" },
	{ ENTRY_LOAD_EFER, "load IA32_EFER" },
	{ ENTRY_IA32E_GUEST, "IA-32e mode guest" },
};

static bool vmx_probe_controls(bool true_ctls)
{
	u32 proc_forbidden = PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING |
			     PROC_INVLPG_EXITING | PROC_RDTSC_EXITING |
			     PROC_TPR_SHADOW | PROC_IO_BITMAPS;
	struct vmx_caps *c = &vmx_caps;
	bool ok = true;

	ok &= vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
				     MSR_IA32_VMX_PINBASED_CTLS,
			 "pin-based", vmx_pin_req, ARRAY_SIZE(vmx_pin_req),
			 PIN_PREEMPTION_TIMER, 0, &c->pin);
	ok &= vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
				     MSR_IA32_VMX_PROCBASED_CTLS,
			 "processor-based", vmx_proc_req,
			 ARRAY_SIZE(vmx_proc_req), 0, proc_forbidden,
			 &c->proc);
	if (!ok)
		return false;
	/* The windows are required, but opened only when wanted. */
	c->proc &= ~(PROC_INTR_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING);
	/*
	 * WBINVD exiting where the CPU has it: a guest's WBINVD would stall
	 * the whole host (vmx_decode_exit makes it a no-op).
	 */
	ok &= vmx_adjust(MSR_IA32_VMX_PROCBASED_CTLS2, "secondary",
			 vmx_proc2_req, ARRAY_SIZE(vmx_proc2_req),
			 PROC2_WBINVD_EXITING, PROC2_RDTSCP | PROC2_INVPCID,
			 &c->proc2);
	ok &= vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
				     MSR_IA32_VMX_EXIT_CTLS,
			 "VM-exit", vmx_exit_req, ARRAY_SIZE(vmx_exit_req),
			 EXIT_SAVE_DEBUG,
			 EXIT_ACK_INTR | EXIT_SAVE_PREEMPTION_TIMER, &c->exit);
	/* IA-32e mode guest is required but set per guest (EFER.LMA). */
	ok &= vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
				     MSR_IA32_VMX_ENTRY_CTLS,
			 "VM-entry", vmx_entry_req, ARRAY_SIZE(vmx_entry_req),
			 ENTRY_LOAD_DEBUG, 0, &c->entry);
	c->entry &= ~ENTRY_IA32E_GUEST;
	c->has_timer = c->pin & PIN_PREEMPTION_TIMER;
	return ok;
}

/* EPT and VPID capabilities (SDM A.10). */
static bool vmx_probe_ept(void)
{
	static const struct { u64 bit; const char *name; } req[] = {
		{ EPT_CAP_WALK4, "EPT 4-level page walk" },
		{ EPT_CAP_WB, "EPT write-back memory type" },
		{ EPT_CAP_INVEPT, "INVEPT" },
		{ VPID_CAP_INVVPID, "INVVPID" },
	};
	u64 cap = vmx_caps.ept_vpid;
	bool ok = true;
	int i;

	for (i = 0; i < ARRAY_SIZE(req); i++) {
		if (!(cap & req[i].bit)) {
			pr_info("missing %s\n", req[i].name);
			ok = false;
		}
	}
	if (!(cap & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL))) {
		pr_info("missing INVEPT single- or all-context\n");
		ok = false;
	}
	if (!(cap & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL))) {
		pr_info("missing INVVPID single- or all-context\n");
		ok = false;
	}
	return ok;
}

bool vmx_hardware_supported(void)
{
	struct vmx_caps *c = &vmx_caps;
	u64 fc, basic, misc;
	bool ok;

	if (boot_cpu_data.x86_vendor != X86_VENDOR_INTEL)
		return false;
	/* The raw bit: Linux hides X86_FEATURE_VMX when firmware locks it off. */
	if (!(cpuid_ecx(1) & BIT(5))) {
		pr_info("CPUID reports no VMX\n");
		return false;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &fc)) {
		pr_info("cannot read IA32_FEATURE_CONTROL\n");
		return false;
	}
	/* SDM 24.7: VMXON needs lock and "VMX outside SMX" (bits 0, 2). */
	if ((fc & FEAT_CTL_LOCKED) &&
	    !(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_info("VMX disabled by firmware (IA32_FEATURE_CONTROL locked without VMX outside SMX)\n");
		return false;
	}

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	c->revision = VMX_BASIC_REVISION(basic);
	ok = true;
	if (VMX_BASIC_SIZE(basic) > PAGE_SIZE) {
		pr_info("VMCS larger than a page\n");
		ok = false;
	}
	if (basic & VMX_BASIC_32BIT_ADDR) {
		pr_info("VMX structures limited to 32-bit addresses\n");
		ok = false;
	}
	if (VMX_BASIC_MEMTYPE(basic) != VMX_MEMTYPE_WB) {
		pr_info("VMCS memory type is not write-back\n");
		ok = false;
	}
	ok &= vmx_probe_controls(basic & VMX_BASIC_TRUE_CONTROLS);
	if (!ok)
		return false;

	rdmsrl(MSR_IA32_VMX_MISC, misc);
	/* Unrestricted guest relies on exits recording EFER.LMA (A.6). */
	if (!(misc & VMX_MISC_SAVES_LMA)) {
		pr_info("VM exits do not save EFER.LMA\n");
		ok = false;
	}
	c->timer_rate = VMX_MISC_TIMER_RATE(misc);
	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, c->ept_vpid);
	ok &= vmx_probe_ept();
	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, c->cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, c->cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, c->cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, c->cr4_fixed1);
	if (!ok)
		return false;
	if (!c->has_timer)
		pr_info("no VMX-preemption timer (not needed on real CPUs)\n");
	if (!(fc & FEAT_CTL_LOCKED))
		pr_info("IA32_FEATURE_CONTROL unlocked: enabling VMX and locking it\n");
	return true;
}

/* ---- VMCS residency -------------------------------------------------- */

/* On the CPU the VMCS is active on, interrupts off. */
void vmx_vmcs_clear_here(struct lhv_vmx_vcpu *vmx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);

	if (!vmx_vmclear(vmx->vmcs_pa))
		WARN_ONCE(1, "lhv: vmx: VMCLEAR failed\n");
	if (vc->current_vmcs == vmx)
		vc->current_vmcs = NULL;
	list_del_init(&vmx->loaded_link);
	vmx->launched = false;
	/* Pairs with smp_load_acquire(): the owner sees the VMCLEAR done. */
	smp_store_release(&vmx->loaded_cpu, -1);
}

static void vmx_vmcs_clear_ipi(void *arg)
{
	struct lhv_vmx_vcpu *vmx = arg;

	if (READ_ONCE(vmx->loaded_cpu) == smp_processor_id())
		vmx_vmcs_clear_here(vmx);
}

/*
 * Make the VMCS inactive wherever it is active.  Preemption may be off;
 * interrupts must be on (smp_call_function_single waits).  A CPU that
 * went offline meanwhile cleared it in vmx_cpu_disable().
 */
void vmx_vmcs_unload(struct lhv_vmx_vcpu *vmx)
{
	/* Pairs with the smp_store_release() in vmx_vmcs_clear_here(). */
	int cpu = smp_load_acquire(&vmx->loaded_cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_vmcs_clear_ipi, vmx, 1);
}

/* Host state that differs between CPUs (SDM 26.2.3, 28.5). */
static void vmx_write_host_cpu_state(struct vmx_cpu *vc, int cpu)
{
	u64 v;

	vmcs_write(VMCS_HOST_CR0, native_read_cr0());
	/* The TSS alias that TR points at, mapped in user page tables too. */
	vmcs_write(VMCS_HOST_TR_BASE,
		   (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmcs_write(VMCS_HOST_GDTR_BASE, vc->gdt.address);
	vmcs_write(VMCS_HOST_IDTR_BASE, vc->idt.address);
	rdmsrl(MSR_GS_BASE, v);		/* this CPU's per-cpu base */
	vmcs_write(VMCS_HOST_GS_BASE, v);
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	vmcs_write(VMCS_HOST_SYSENTER_CS, v);
	rdmsrl(MSR_IA32_SYSENTER_ESP, v);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, v);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, v);
}

/*
 * Make the VMCS current on this CPU (interrupts off, VMX on).  It must be
 * active here already or nowhere.  Arriving on a CPU, the VMCS is
 * VMCLEARed once more (harmless for an inactive VMCS, and it initialises
 * a fresh one, SDM 24.11.3), and the TLB is flushed for its EPTP and VPID:
 * translations cached here during an earlier stay, or by an earlier owner
 * of the same VPID or EPT root, may be stale.
 */
bool vmx_vmcs_load_here(struct lhv_vmx_vcpu *vmx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	int cpu = smp_processor_id();

	if (vmx->loaded_cpu == cpu) {
		if (vc->current_vmcs != vmx) {
			if (!vmx_vmptrld(vmx->vmcs_pa))
				goto err;
			vc->current_vmcs = vmx;
		}
		return true;
	}
	if (WARN_ON_ONCE(vmx->loaded_cpu >= 0))
		return false;
	if (!vmx_vmclear(vmx->vmcs_pa) || !vmx_vmptrld(vmx->vmcs_pa))
		goto err;
	vc->current_vmcs = vmx;
	vmx->launched = false;
	list_add(&vmx->loaded_link, &vc->loaded);
	WRITE_ONCE(vmx->loaded_cpu, cpu);
	vmx_write_host_cpu_state(vc, cpu);
	vmx->flush_ept = true;
	vmx->flush_vpid = true;
	return true;
err:
	WARN_ONCE(1, "lhv: vmx: VMPTRLD failed on CPU %d\n", cpu);
	vc->current_vmcs = NULL;
	return false;
}

/* Preemption off, interrupts on: move the VMCS to this CPU. */
bool vmx_vmcs_acquire(struct lhv_vmx_vcpu *vmx, unsigned long *flags)
{
	int cpu = smp_processor_id();
	/* Pairs with the smp_store_release() in vmx_vmcs_clear_here(). */
	int old = smp_load_acquire(&vmx->loaded_cpu);

	if (old >= 0 && old != cpu)
		smp_call_function_single(old, vmx_vmcs_clear_ipi, vmx, 1);
	local_irq_save(*flags);
	if (!this_cpu_read(vmx_cpu.vmxon) || !vmx_vmcs_load_here(vmx)) {
		local_irq_restore(*flags);
		return false;
	}
	return true;
}

/*
 * VMCS access outside vcpu_run (ioctls, exit handlers): the VMCS becomes
 * current on this CPU, with interrupts off until vmx_vmcs_put().  The
 * core's idea of where the vCPU is loaded follows, so that KVM_RUN on
 * another CPU goes through vcpu_load again.  False: VMX is off here
 * (reboot in progress); nothing is held.
 */
bool vmx_vmcs_get(struct lhv_vmx_vcpu *vmx, unsigned long *flags)
{
	int cpu = get_cpu();

	if (!vmx_vmcs_acquire(vmx, flags)) {
		put_cpu();
		return false;
	}
	WRITE_ONCE(vmx->vcpu.cpu, cpu);
	return true;
}

void vmx_vmcs_put(struct lhv_vmx_vcpu *vmx, unsigned long flags)
{
	local_irq_restore(flags);
	put_cpu();
}
