// SPDX-License-Identifier: GPL-2.0
/*
 * vmx/vmx.c - the top of the Intel VMX backend: the ops table, module
 * setup, per-CPU VMXON/VMXOFF, the life of each vCPU's VMCS (controls,
 * host state, EPT pointer, VPID: its own, or a shared one flushed at
 * every entry once VPIDs run out) and one trip into the guest with
 * everything VMX does not switch by itself switched by hand (the guest's
 * SYSCALL MSRs and KERNEL_GS_BASE stay loaded across exits handled in
 * the kernel, until vcpu_put).  The probe of the capability MSRs, the
 * per-CPU state and VMCS residency (VMCLEAR/VMPTRLD as a VMCS moves
 * between host CPUs) live in vmcs.c, guest register state, MSRs and exit
 * decoding in vmx_state.c, events in vmx_events.c, the L1TF flush in
 * vmx_l1d.c, the entry itself in vmx_entry.S.
 */
#define pr_fmt(fmt) "lhv: vmx: " fmt

#include <linux/kernel.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fsgsbase.h>
#include <asm/io.h>
#include <asm/mmu_context.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/perf_event.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>

#include "vmx.h"

static void *vmx_msr_bitmap __ro_after_init;	/* shared by every vCPU */
static DEFINE_IDA(vmx_vpid_ida);

/*
 * VPIDs: 0 is the host's (SDM 28.1); each vCPU gets its own from
 * 2..0xffff.  When those run out host-wide, vCPU creation still works:
 * the vCPU takes VMX_VPID_SHARED, which no vCPU owns, and flushes it
 * before every entry, since a vCPU of another VM (or of its own, with
 * another guest CR3) may have left translations tagged with it on this
 * CPU (SDM 28.3.1: linear and combined mappings are tagged with VPID).
 */
#define VMX_VPID_SHARED	1
#define VMX_VPID_FIRST	2
#define VMX_VPID_LAST	0xffff

/*
 * Ticks of the VMX-preemption timer per entry.  Real CPUs exit on host
 * interrupts whatever the guest's IF; Bochs does not while IF=0, so a
 * guest spinning with interrupts off would never give the CPU back.  The
 * timer (SDM 26.5.1) bounds every stay in the guest to about 2^22 TSC
 * cycles, which costs a real CPU nothing worth measuring.
 */
#define VMX_TIMER_TSC_CYCLES	(1U << 22)

/* ---- Module setup, per-CPU enable ----------------------------------- */

static void vmx_free_cpu_pages(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu, cpu);

		free_page((unsigned long)vc->vmxon_region);
		vc->vmxon_region = NULL;
	}
}

static int vmx_hardware_setup(void)
{
	int cpu;

	if (vmx_l1d_setup())
		return -ENOMEM;
	vmx_msr_bitmap = (void *)get_zeroed_page(GFP_KERNEL);
	if (!vmx_msr_bitmap)
		goto err_l1d;
	vmx_msr_bitmap_init(vmx_msr_bitmap);

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu, cpu);
		struct page *page;

		INIT_LIST_HEAD(&vc->loaded);
		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page)
			goto err_free;
		vc->vmxon_region = page_address(page);
	}
	return 0;

err_free:
	vmx_free_cpu_pages();
	free_page((unsigned long)vmx_msr_bitmap);
err_l1d:
	vmx_l1d_unsetup();
	return -ENOMEM;
}

static void vmx_hardware_unsetup(void)
{
	vmx_free_cpu_pages();
	free_page((unsigned long)vmx_msr_bitmap);
	vmx_l1d_unsetup();
}

static bool vmx_fixed_ok(u64 val, u64 fixed0, u64 fixed1)
{
	return (val & fixed0) == fixed0 && !(val & ~fixed1);
}

static bool vmx_vmxon(u64 pa)
{
	asm goto("1: vmxon %0\n\t"
		 "jna %l[fail]\n\t"
		 VMX_FAULT_IS_FAIL
		 : : "m" (pa) : "cc", "memory" : fail);
	return true;
fail:
	return false;
}

static void vmx_vmxoff(void)
{
	asm goto("1: vmxoff\n\t"
		 "jna %l[fail]\n\t"
		 VMX_FAULT_IS_FAIL
		 : : : "cc", "memory" : fail);
	return;
fail:
	pr_warn("VMXOFF failed\n");
}

/*
 * Enter VMX operation on this CPU (SDM 24.7).  CR4.VMXE already set means
 * another hypervisor (kvm-intel) is in VMX operation here: -EBUSY, and
 * nothing of its state is touched.
 */
static int vmx_cpu_enable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	u64 fc, cr0, cr4;

	if ((cr4_read_shadow() | native_read_cr4()) & X86_CR4_VMXE)
		return -EBUSY;
	rdmsrl(MSR_IA32_FEAT_CTL, fc);
	if (!(fc & FEAT_CTL_LOCKED)) {
		wrmsrl(MSR_IA32_FEAT_CTL, fc | FEAT_CTL_LOCKED |
		       FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX);
	} else if (!(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("CPU %d: VMX disabled in IA32_FEATURE_CONTROL\n",
		       smp_processor_id());
		return -EIO;
	}
	/* SDM 24.8: CR0 and CR4 must honour the fixed bits in VMX operation. */
	cr0 = native_read_cr0();
	cr4 = cr4_read_shadow() | X86_CR4_VMXE;
	if (!vmx_fixed_ok(cr0, vmx_caps.cr0_fixed0, vmx_caps.cr0_fixed1) ||
	    !vmx_fixed_ok(cr4, vmx_caps.cr4_fixed0, vmx_caps.cr4_fixed1)) {
		pr_err("CPU %d: CR0 %#llx or CR4 %#llx breaks the VMX fixed bits\n",
		       smp_processor_id(), cr0, cr4);
		return -EIO;
	}

	*(u32 *)vc->vmxon_region = vmx_caps.revision;
	intel_pt_handle_vmx(1);
	cr4_set_bits(X86_CR4_VMXE);
	if (!vmx_vmxon(virt_to_phys(vc->vmxon_region))) {
		cr4_clear_bits(X86_CR4_VMXE);
		intel_pt_handle_vmx(0);
		return -EBUSY;
	}
	vc->vmxon = true;
	vc->current_vmcs = NULL;
	/* Before any VM exit here: these are the real limits. */
	native_store_gdt(&vc->gdt);
	store_idt(&vc->idt);
	rdmsrl(MSR_STAR, vc->star);
	rdmsrl(MSR_LSTAR, vc->lstar);
	rdmsrl(MSR_CSTAR, vc->cstar);
	rdmsrl(MSR_SYSCALL_MASK, vc->sfmask);
	return 0;
}

/*
 * Leave VMX operation.  VMCSes still active here are cleared first so
 * their contents reach memory (SDM 24.11.1); their vCPUs load them again
 * wherever they next run.  Also called from the crash path (NMI context).
 */
static void vmx_cpu_disable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	struct lhv_vmx_vcpu *vmx, *tmp;
	unsigned long flags;
	bool was_on;

	local_irq_save(flags);
	was_on = vc->vmxon;
	if (was_on) {
		list_for_each_entry_safe(vmx, tmp, &vc->loaded, loaded_link)
			vmx_vmcs_clear_here(vmx);
		vmx_vmxoff();
		vc->vmxon = false;
	}
	local_irq_restore(flags);
	if (was_on) {
		cr4_clear_bits(X86_CR4_VMXE);
		intel_pt_handle_vmx(0);
	}
}

static int vmx_vm_init(struct lhv_vm *vm)
{
	return 0;
}

static void vmx_vm_destroy(struct lhv_vm *vm)
{
}

/* ---- vCPU ------------------------------------------------------------ */

/* Controls and host state that never change (SDM 25.6-25.8, 26.2.2). */
static void vmx_init_vmcs(struct lhv_vmx_vcpu *vmx)
{
	const struct vmx_caps *c = &vmx_caps;
	u64 v;

	vmcs_write(VMCS_PIN_CTLS, c->pin);
	vmcs_write(VMCS_PROC_CTLS, c->proc);
	vmx->proc_ctls = c->proc;
	vmcs_write(VMCS_PROC_CTLS2, c->proc2);
	vmcs_write(VMCS_EXIT_CTLS, c->exit);
	vmcs_write(VMCS_ENTRY_CTLS, c->entry);
	vmcs_write(VMCS_EXCEPTION_BITMAP, LHV_EXC_INTERCEPTED);
	vmcs_write(VMCS_PF_ERR_MASK, 0);
	vmcs_write(VMCS_PF_ERR_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_MSR_BITMAP, virt_to_phys(vmx_msr_bitmap));
	vmcs_write(VMCS_TSC_OFFSET, 0);
	vmcs_write(VMCS_EPT_POINTER, vmx->eptp);
	vmcs_write(VMCS_VPID, vmx->vpid);
	if (c->has_timer)
		vmcs_write(VMCS_PREEMPTION_TIMER,
			   max(VMX_TIMER_TSC_CYCLES >> c->timer_rate, 1U));

	/* Host selectors: RPL and TI must be 0 (SDM 26.2.3). */
	vmcs_write(VMCS_HOST_CS_SEL, __KERNEL_CS);
	vmcs_write(VMCS_HOST_SS_SEL, __KERNEL_DS);
	vmcs_write(VMCS_HOST_DS_SEL, 0);
	vmcs_write(VMCS_HOST_ES_SEL, 0);
	vmcs_write(VMCS_HOST_FS_SEL, 0);
	vmcs_write(VMCS_HOST_GS_SEL, 0);
	vmcs_write(VMCS_HOST_TR_SEL, GDT_ENTRY_TSS * 8);
	rdmsrl(MSR_EFER, v);
	vmcs_write(VMCS_HOST_EFER, v);
	rdmsrl(MSR_IA32_CR_PAT, v);
	vmcs_write(VMCS_HOST_PAT, v);
	vmcs_write(VMCS_HOST_RIP, (unsigned long)lhv_vmx_exit);
	vmx->host_cr3 = __get_current_cr3_fast();
	vmcs_write(VMCS_HOST_CR3, vmx->host_cr3);
	vmx->host_cr4 = cr4_read_shadow();
	vmcs_write(VMCS_HOST_CR4, vmx->host_cr4);
	vmx->host_fs_base = x86_fsbase_read_cpu();
	vmcs_write(VMCS_HOST_FS_BASE, vmx->host_fs_base);

	vmx_init_vmcs_guest(vmx);
}

/* A VPID of its own, or the shared one when none is left: 0 or -ENOMEM. */
static int vmx_vpid_alloc(struct lhv_vmx_vcpu *vmx)
{
	int r = ida_alloc_range(&vmx_vpid_ida, VMX_VPID_FIRST, VMX_VPID_LAST,
				GFP_KERNEL);

	if (r == -ENOSPC) {
		pr_info_once("out of VPIDs, more vCPUs share VPID %d and flush it at every entry\n",
			     VMX_VPID_SHARED);
		vmx->vpid = VMX_VPID_SHARED;
		vmx->vpid_shared = true;
		return 0;
	}
	if (r < 0)
		return r;
	vmx->vpid = r;
	vmx->vpid_shared = false;
	return 0;
}

static void vmx_vpid_free(struct lhv_vmx_vcpu *vmx)
{
	if (vmx->vpid && !vmx->vpid_shared)
		ida_free(&vmx_vpid_ida, vmx->vpid);
	vmx->vpid = 0;
}

static int vmx_vcpu_create(struct lhv_vcpu *vcpu)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long flags;
	struct page *page;
	int r;

	vmx->loaded_cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_link);
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	vmx->vmcs = page_address(page);
	vmx->vmcs_pa = page_to_phys(page);
	*(u32 *)vmx->vmcs = vmx_caps.revision;

	r = vmx_vpid_alloc(vmx);
	if (r)
		goto err_free_vmcs;
	/* SDM 25.6.11: WB, 4-level walk, A/D flags when the CPU has them. */
	vmx->eptp = lhv_mmu_root_pa(&vcpu->vm->mmu) | EPTP_WB | EPTP_WALK4;
	if (vmx_caps.ept_vpid & EPT_CAP_AD)
		vmx->eptp |= EPTP_AD;

	if (!vmx_vmcs_get(vmx, &flags)) {
		r = -EIO;
		goto err_free_vpid;
	}
	vmx_init_vmcs(vmx);
	vmx_vmcs_put(vmx, flags);
	return 0;

err_free_vpid:
	vmx_vpid_free(vmx);
err_free_vmcs:
	free_page((unsigned long)vmx->vmcs);
	vmx->vmcs = NULL;
	return r;
}

static void vmx_vcpu_free(struct lhv_vcpu *vcpu)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);

	if (!vmx->vmcs)
		return;
	vmx_vmcs_unload(vmx);
	vmx_vpid_free(vmx);
	free_page((unsigned long)vmx->vmcs);
	vmx->vmcs = NULL;
}

/* Preemption off: the vCPU is about to run on @cpu. */
static void vmx_vcpu_load(struct lhv_vcpu *vcpu, int cpu)
{
	unsigned long flags;

	to_vmx(vcpu)->l1d_flush = true;
	if (vmx_vmcs_acquire(to_vmx(vcpu), &flags))
		local_irq_restore(flags);
}

static void vmx_vcpu_put(struct lhv_vcpu *vcpu)
{
	vmx_put_syscall_msrs(to_vmx(vcpu));
}

/* ---- One entry ------------------------------------------------------- */

static void vmx_flush(struct lhv_vmx_vcpu *vmx)
{
	u64 cap = vmx_caps.ept_vpid;

	if (vmx->flush_ept) {
		if (cap & EPT_CAP_INVEPT_SINGLE)
			vmx_invept(INVEPT_SINGLE, vmx->eptp);
		else
			vmx_invept(INVEPT_ALL, 0);
		vmx->flush_ept = false;
	}
	if (vmx->flush_vpid || vmx->vpid_shared) {
		if (cap & VPID_CAP_INVVPID_SINGLE)
			vmx_invvpid(INVVPID_SINGLE, vmx->vpid);
		else
			vmx_invvpid(INVVPID_ALL, 0);
		vmx->flush_vpid = false;
	}
}

/* Host state that follows the current task (SDM 26.2.2, 26.2.3). */
static void vmx_update_host_state(struct lhv_vmx_vcpu *vmx)
{
	u64 v;

	v = __get_current_cr3_fast();
	if (v != vmx->host_cr3) {
		vmcs_write(VMCS_HOST_CR3, v);
		vmx->host_cr3 = v;
	}
	v = cr4_read_shadow();
	if (v != vmx->host_cr4) {
		vmcs_write(VMCS_HOST_CR4, v);
		vmx->host_cr4 = v;
	}
	/* The user's FS base: the exit loads FS from here (LAB.md). */
	v = x86_fsbase_read_cpu();
	if (v != vmx->host_fs_base) {
		vmcs_write(VMCS_HOST_FS_BASE, v);
		vmx->host_fs_base = v;
	}
}

/* Host segment state that VM exits do not restore (SDM 28.5.2). */
struct vmx_host_save {
	u16 ds, es, fs, gs, ldt;
};

/* The host's SYSCALL MSRs and KERNEL_GS_BASE back; preemption off. */
void vmx_put_syscall_msrs(struct lhv_vmx_vcpu *vmx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);

	if (!vmx->syscall_msrs_loaded)
		return;
	rdmsrl(MSR_KERNEL_GS_BASE, vmx->kernel_gs_base);
	wrmsrl(MSR_KERNEL_GS_BASE, vmx->host_kernel_gs_base);
	wrmsrl(MSR_STAR, vc->star);
	wrmsrl(MSR_LSTAR, vc->lstar);
	wrmsrl(MSR_CSTAR, vc->cstar);
	wrmsrl(MSR_SYSCALL_MASK, vc->sfmask);
	vmx->syscall_msrs_loaded = false;
}

static void vmx_switch_to_guest(struct lhv_vmx_vcpu *vmx,
				struct vmx_host_save *h)
{
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	asm volatile("sldt %0" : "=rm"(h->ldt));
	vmx->host_debugctl = get_debugctlmsr();
	/*
	 * Always the guest's, also before it wrote any: a SWAPGS would
	 * otherwise hand it the VMM thread's GS base and leave its own in
	 * the MSR for the host, and a SYSCALL would jump to the host's
	 * entry point (its address, KASLR's secret, in the guest's #PF).
	 */
	if (!vmx->syscall_msrs_loaded) {
		rdmsrl(MSR_KERNEL_GS_BASE, vmx->host_kernel_gs_base);
		wrmsrl(MSR_KERNEL_GS_BASE, vmx->kernel_gs_base);
		wrmsrl(MSR_STAR, vmx->star);
		wrmsrl(MSR_LSTAR, vmx->lstar);
		wrmsrl(MSR_CSTAR, vmx->cstar);
		wrmsrl(MSR_SYSCALL_MASK, vmx->sfmask);
		vmx->syscall_msrs_loaded = true;
		lhv_vcpu_hold_state(&vmx->vcpu);
	}
	if (native_read_cr2() != vmx->cr2)
		native_write_cr2(vmx->cr2);
	if (vmx->guest_owns_dr) {
		lhv_load_guest_dr(vmx->dr);
		set_debugreg(vmx->dr6, 6);
	}
}

/*
 * Right after the exit, interrupts still off.  SDM 28.5.2: the exit set
 * the GDTR and IDTR limits to 0xffff and TR's limit to 0x67; the kernel
 * needs its own (TR's only for I/O bitmaps, which invalidate_tss_limit()
 * defers to the next task that has one).  The exit also cleared
 * IA32_DEBUGCTL (SDM 28.5.1).  DS, ES, FS and GS hold null selectors now:
 * a task that had others gets them back.
 */
static void vmx_switch_to_host(struct lhv_vmx_vcpu *vmx,
			       const struct vmx_host_save *h)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);

	native_load_gdt(&vc->gdt);
	native_load_idt(&vc->idt);
	invalidate_tss_limit();
	if (vmx->host_debugctl)
		update_debugctlmsr(vmx->host_debugctl);

	if (vmx->guest_owns_dr) {
		lhv_save_guest_dr(vmx->dr);
		get_debugreg(vmx->dr6, 6);
		set_debugreg(DR6_RESERVED, 6);
	}
	vmx->cr2 = native_read_cr2();
	/* The exit left LDTR unusable; a VMM with an LDT gets it back. */
	if (unlikely(h->ldt))
		asm volatile("lldt %0" : : "rm"(h->ldt));
	if (unlikely(h->ds | h->es | h->fs | h->gs)) {
		loadsegment(ds, h->ds);
		loadsegment(es, h->es);
		if (h->fs) {
			loadsegment(fs, h->fs);
			x86_fsbase_write_cpu(vmx->host_fs_base);
		}
		if (h->gs) {
			/* Loading GS clobbers KERNEL_GS_BASE: the host's. */
			vmx_put_syscall_msrs(vmx);
			load_gs_index(h->gs);
			wrmsrl(MSR_KERNEL_GS_BASE, vmx->host_kernel_gs_base);
		}
	}
}

static void vmx_vmfail(struct lhv_vmx_vcpu *vmx, struct lhv_exit *exit)
{
	u64 err = vmcs_read(VMCS_INSN_ERROR);

	/* Our own control or host state is wrong: a bug worth a trace. */
	WARN_ONCE(1, "lhv: vmx: VM%s failed, VM-instruction error %llu\n",
		  vmx->launched ? "RESUME" : "LAUNCH", err);
	exit->reason = LHV_EXIT_FAIL_ENTRY;
	exit->raw = err;
	exit->info1 = 1;	/* VMfail, not an entry-failure exit */
}

static int vmx_vcpu_run(struct lhv_vcpu *vcpu, struct lhv_exit *exit)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	struct vmx_host_save h;
	u32 reason;
	int r;

	if (!vc->vmxon)
		return -EIO;
	if (vc->current_vmcs != vmx || vmx->loaded_cpu != smp_processor_id())
		if (!vmx_vmcs_load_here(vmx))
			return -EIO;
	if (lhv_vcpu_check_request(vcpu, LHV_REQ_TLB_FLUSH))
		vmx->flush_ept = true;
	vmx_flush(vmx);
	vmx_update_host_state(vmx);
	vmx_enter_guest_regs(vmx);
	vmx_inject_event(vmx);

	vmx_switch_to_guest(vmx, &h);
	vmx_l1d_flush(vmx);
	r = lhv_vmx_enter(vcpu->regs, vmx->launched);
	vmx_switch_to_host(vmx, &h);

	if (r == 2)
		return -EIO;	/* VMX went away under us */
	if (r == 1) {
		vmx_vmfail(vmx, exit);
		return 0;
	}

	reason = vmcs_read(VMCS_EXIT_REASON);
	/*
	 * A machine check during entry (SDM 27.8) or in the guest (an #MC
	 * exit) is the host's: its handler runs now, interrupts still off,
	 * as if the #MC had hit the host; the entry is simply tried again.
	 */
	if (unlikely(reason == (EXIT_REASON_ENTRY_FAIL |
				EXIT_MCE_DURING_ENTRY))) {
		lhv_host_machine_check();
		exit->reason = LHV_EXIT_NONE;
		exit->raw = EXIT_MCE_DURING_ENTRY;
		return 0;
	}
	if (reason & EXIT_REASON_ENTRY_FAIL) {
		/* SDM 27.8: nothing ran; the launch state is unchanged. */
		exit->reason = LHV_EXIT_FAIL_ENTRY;
		exit->raw = EXIT_REASON_BASIC(reason);
		exit->info1 = reason;
		exit->info2 = vmcs_read(VMCS_EXIT_QUAL);
		return 0;
	}
	vmx->launched = true;
	vmx_exit_guest_regs(vmx);

	/* An NMI that exited the guest is the host's: its handler runs now. */
	if (EXIT_REASON_BASIC(reason) == EXIT_EXCEPTION_NMI) {
		u32 info = vmcs_read(VMCS_EXIT_INTR_INFO);

		if ((info & INTR_INFO_VALID) &&
		    INTR_INFO_TYPE(info) == INTR_TYPE_NMI)
			lhv_vmx_do_nmi();
		else if ((info & INTR_INFO_VALID) &&
			 INTR_INFO_VECTOR(info) == X86_TRAP_MC)
			lhv_host_machine_check();
	}
	vmx_requeue_event(vmx);
	vmx_decode_exit(vmx, reason, exit);
	return 0;
}

const struct lhv_arch_ops lhv_vmx_ops = {
	.name = "vmx",
	.vm_size = sizeof(struct lhv_vm),
	.vcpu_size = sizeof(struct lhv_vmx_vcpu),
	.mmu_format = LHV_MMU_EPT,
	.hardware_supported = vmx_hardware_supported,
	.hardware_setup = vmx_hardware_setup,
	.hardware_unsetup = vmx_hardware_unsetup,
	.cpu_enable = vmx_cpu_enable,
	.cpu_disable = vmx_cpu_disable,
	.vm_init = vmx_vm_init,
	.vm_destroy = vmx_vm_destroy,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_load = vmx_vcpu_load,
	.vcpu_put = vmx_vcpu_put,
	.vcpu_run = vmx_vcpu_run,
	.get_sregs = vmx_get_sregs,
	.set_sregs = vmx_set_sregs,
	.get_msr = vmx_get_msr,
	.set_msr = vmx_set_msr,
	.queue_exception = vmx_queue_exception,
	.set_cr2 = vmx_set_cr2,
	.get_cr0 = vmx_get_cr0,
	.get_cr4 = vmx_get_cr4,
	.set_cr4 = vmx_set_cr4,
	.get_efer = vmx_get_efer,
	.event_injected = vmx_event_injected,
	.interrupt_allowed = vmx_interrupt_allowed,
	.nmi_allowed = vmx_nmi_allowed,
	.inject_irq = vmx_inject_irq,
	.inject_nmi = vmx_inject_nmi,
	.set_irq_window = vmx_set_irq_window,
	.set_nmi_window = vmx_set_nmi_window,
	.get_events = vmx_get_events,
	.set_events = vmx_set_events,
	.get_debugregs = vmx_get_debugregs,
	.set_debugregs = vmx_set_debugregs,
};
