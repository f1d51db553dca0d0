// SPDX-License-Identifier: GPL-2.0
/*
 * svm/svm.c - the AMD SVM backend: probing, per-CPU enable (EFER.SVME and
 * the host save area), the VMCB of each vCPU (reset state, intercepts,
 * nested paging), ASIDs, guest register state through the KVM ABI (CR4
 * as the guest sees it, the host's MCE kept underneath), the guest's
 * TSC_AUX and PKRU in the CPU around VMRUN, the INIT state after a
 * shutdown, and turning #VMEXITs into struct lhv_exit.  Works without
 * NRIP-save and decode assists (QEMU's TCG has neither): instruction
 * lengths are known per exit, IOIO gives the next RIP in EXITINFO2, and
 * the core decodes MOV CR itself.
 */
#define pr_fmt(fmt) "lhv: svm: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/asm.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/io.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>

#include "svm.h"

#define MSR_VM_CR_SVMDIS	BIT_ULL(4)
#define CPUID_SVM_NRIPS		BIT(3)

static bool svm_has_nrips __ro_after_init;
static bool svm_has_tsc_aux __ro_after_init;	/* MSR_TSC_AUX exists */
static u32 svm_max_asid __ro_after_init;
static void *svm_msrpm __ro_after_init;	/* shared by every vCPU */
static void *svm_iopm __ro_after_init;

struct svm_cpu {
	struct page *hsave;		/* VM_HSAVE_PA: VMRUN's host state */
	struct page *host_vmcb;		/* VMSAVE/VMLOAD of host state */
	u64 asid_gen;
	u32 next_asid;
	u64 host_tsc_aux;		/* Linux's CPU and node number */
	bool enabled;			/* EFER.SVME is ours and set */
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpu);

static bool svm_hardware_supported(void)
{
	u32 eax, ebx, ecx, edx;
	u64 vm_cr;
	bool ok = true;

	if (boot_cpu_data.x86_vendor != X86_VENDOR_AMD &&
	    boot_cpu_data.x86_vendor != X86_VENDOR_HYGON)
		return false;
	if (!boot_cpu_has(X86_FEATURE_SVM)) {
		pr_info("CPUID reports no SVM\n");
		return false;
	}
	if (!rdmsrl_safe(MSR_VM_CR, &vm_cr) && (vm_cr & MSR_VM_CR_SVMDIS)) {
		pr_info("SVM disabled by firmware (VM_CR.SVMDIS)\n");
		return false;
	}
	cpuid(0x8000000a, &eax, &ebx, &ecx, &edx);
	if (!(edx & BIT(0))) {
		pr_info("missing nested paging (NPT)\n");
		ok = false;
	}
	if (ebx < 2) {
		pr_info("too few ASIDs (%u)\n", ebx);
		ok = false;
	}
	if (!ok)
		return false;
	svm_has_nrips = edx & CPUID_SVM_NRIPS;
	svm_has_tsc_aux = boot_cpu_has(X86_FEATURE_RDTSCP) ||
			  boot_cpu_has(X86_FEATURE_RDPID);
	svm_max_asid = ebx - 1;
	if (!svm_has_nrips)
		pr_info("no NRIP-save, using known instruction lengths\n");
	return true;
}

/* Clear the read and write intercept bits of @msr in the permission map. */
static void svm_msrpm_allow(u32 msr)
{
	u32 base, off;
	u8 *map = svm_msrpm;

	if (msr < 0x2000)
		base = 0;
	else if (msr - 0xc0000000 < 0x2000)
		base = 0x800, msr -= 0xc0000000;
	else if (msr - 0xc0010000 < 0x2000)
		base = 0x1000, msr -= 0xc0010000;
	else
		return;
	off = base + msr / 4;
	map[off] &= ~(3 << ((msr % 4) * 2));
}

static void svm_free_cpu_pages(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpu, cpu);

		if (sc->hsave)
			__free_page(sc->hsave);
		if (sc->host_vmcb)
			__free_page(sc->host_vmcb);
		sc->hsave = NULL;
		sc->host_vmcb = NULL;
	}
}

static int svm_hardware_setup(void)
{
	int cpu;

	svm_msrpm = (void *)__get_free_pages(GFP_KERNEL, 1);
	svm_iopm = (void *)__get_free_pages(GFP_KERNEL, 2);
	if (!svm_msrpm || !svm_iopm)
		goto err_free;
	/* Intercept every port and MSR, then let through the MSRs that
	 * VMLOAD/VMSAVE switch anyway (APM 15.5.2).
	 */
	memset(svm_msrpm, 0xff, 2 * PAGE_SIZE);
	memset(svm_iopm, 0xff, 4 * PAGE_SIZE);
	svm_msrpm_allow(MSR_FS_BASE);
	svm_msrpm_allow(MSR_GS_BASE);
	svm_msrpm_allow(MSR_KERNEL_GS_BASE);
	svm_msrpm_allow(MSR_STAR);
	svm_msrpm_allow(MSR_LSTAR);
	svm_msrpm_allow(MSR_CSTAR);
	svm_msrpm_allow(MSR_SYSCALL_MASK);
	svm_msrpm_allow(MSR_IA32_SYSENTER_CS);
	svm_msrpm_allow(MSR_IA32_SYSENTER_ESP);
	svm_msrpm_allow(MSR_IA32_SYSENTER_EIP);

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpu, cpu);

		sc->hsave = alloc_pages_node(cpu_to_node(cpu),
					     GFP_KERNEL | __GFP_ZERO, 0);
		sc->host_vmcb = alloc_pages_node(cpu_to_node(cpu),
						 GFP_KERNEL | __GFP_ZERO, 0);
		if (!sc->hsave || !sc->host_vmcb)
			goto err_free;
		sc->asid_gen = 1;
		sc->next_asid = 1;
	}
	return 0;

err_free:
	svm_free_cpu_pages();
	free_pages((unsigned long)svm_iopm, 2);
	free_pages((unsigned long)svm_msrpm, 1);
	return -ENOMEM;
}

static void svm_hardware_unsetup(void)
{
	svm_free_cpu_pages();
	free_pages((unsigned long)svm_iopm, 2);
	free_pages((unsigned long)svm_msrpm, 1);
}

static int svm_cpu_enable(void)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpu);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		/* Someone else (kvm-amd?) is using SVM: leave it alone. */
		return -EBUSY;
	}
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(sc->hsave));
	/*
	 * Linux writes TSC_AUX once per CPU as it comes up (for the vDSO's
	 * getcpu) and never again: that is the value to give back.
	 */
	if (svm_has_tsc_aux)
		rdmsrl(MSR_TSC_AUX, sc->host_tsc_aux);
	/* A new generation: no ASID may carry translations from before. */
	sc->asid_gen++;
	sc->next_asid = svm_max_asid + 1;
	WRITE_ONCE(sc->enabled, true);
	return 0;
}

/*
 * Also the emergency path (NMI context, a crash).  svm_vcpu_run checks
 * sc->enabled, so no VMRUN is tried once SVM is off here (after the reboot
 * notifier, a failed resume, a CPU going offline).
 */
static void svm_cpu_disable(void)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpu);
	u64 efer;

	WRITE_ONCE(sc->enabled, false);
	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	if (!(efer & EFER_SVME))
		return;
	/*
	 * GIF set first: a crash between lhv_svm_enter's CLGI and STGI must
	 * not leave NMIs and INIT blocked for the reboot or kdump that
	 * follows (APM 15.17).  STGI is #UD only if SVM is already off.
	 */
	asm volatile("1: stgi\n2:\n\t"
		     _ASM_EXTABLE(1b, 2b) : : : "memory");
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

static int svm_vm_init(struct lhv_vm *vm)
{
	return 0;
}

static void svm_vm_destroy(struct lhv_vm *vm)
{
}

/* The guest's CR4 as it sees it; the CPU's keeps the host's MCE. */
static void svm_write_cr4(struct lhv_svm_vcpu *svm, u64 cr4)
{
	svm->cr4 = cr4;
	svm->vmcb->save.cr4 = cr4 | (cr4_read_shadow() & X86_CR4_MCE);
}

static void svm_seg_from_kvm(struct vmcb_seg *s, const struct kvm_segment *k)
{
	s->selector = k->selector;
	s->base = k->base;
	s->limit = k->limit;
	s->attrib = 0;
	if (k->unusable || !k->present)
		return;
	s->attrib = (k->type & 0xf) | (k->s & 1) << 4 | (k->dpl & 3) << 5 |
		    1 << 7 | (k->avl & 1) << 8 | (k->l & 1) << 9 |
		    (k->db & 1) << 10 | (k->g & 1) << 11;
}

/* The segments and descriptor tables of @sr into the save area. */
static void svm_write_segs(struct vmcb_save *s, const struct kvm_sregs *sr)
{
	svm_seg_from_kvm(&s->cs, &sr->cs);
	svm_seg_from_kvm(&s->ds, &sr->ds);
	svm_seg_from_kvm(&s->es, &sr->es);
	svm_seg_from_kvm(&s->fs, &sr->fs);
	svm_seg_from_kvm(&s->gs, &sr->gs);
	svm_seg_from_kvm(&s->ss, &sr->ss);
	svm_seg_from_kvm(&s->tr, &sr->tr);
	svm_seg_from_kvm(&s->ldtr, &sr->ldt);
	s->gdtr.base = sr->gdt.base;
	s->gdtr.limit = sr->gdt.limit;
	s->idtr.base = sr->idt.base;
	s->idtr.limit = sr->idt.limit;
}

/* Guest state as after INIT: the core's (lhv_reset_sregs), plus SVME. */
static void svm_reset_save(struct lhv_svm_vcpu *svm)
{
	struct vmcb_save *s = &svm->vmcb->save;
	struct kvm_sregs sr;

	lhv_reset_sregs(&sr);
	memset(s, 0, sizeof(*s));
	svm_write_segs(s, &sr);
	s->cr0 = sr.cr0;
	s->efer = sr.efer | EFER_SVME;	/* VMRUN requires it; never seen */
	s->dr6 = LHV_DR6_RESET;
	s->dr7 = LHV_DR7_RESET;
	s->g_pat = svm->vcpu.pat;
	svm_write_cr4(svm, sr.cr4);
}

static int svm_vcpu_create(struct lhv_vcpu *vcpu)
{
	struct lhv_svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control *c;
	struct page *page;

	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	svm->vmcb = page_address(page);
	svm->vmcb_pa = page_to_phys(page);

	c = &svm->vmcb->control;
	c->intercept_dr = SVM_DR_INTERCEPTS;
	c->intercept_exc = LHV_EXC_INTERCEPTED;
	c->intercept_cr = SVM_CR_INTERCEPTS;
	c->intercept1 = SVM_I1_INTR | SVM_I1_NMI | SVM_I1_SMI | SVM_I1_CPUID |
			SVM_I1_HLT | SVM_I1_INVLPGA | SVM_I1_IOIO |
			SVM_I1_MSR | SVM_I1_SHUTDOWN;
	c->intercept2 = SVM_I2_VMRUN | SVM_I2_VMMCALL | SVM_I2_VMLOAD |
			SVM_I2_VMSAVE | SVM_I2_STGI | SVM_I2_CLGI |
			SVM_I2_SKINIT | SVM_I2_MONITOR | SVM_I2_MWAIT |
			SVM_I2_MWAIT_COND | SVM_I2_XSETBV;
	/*
	 * Instructions that reach host state if they run natively: INVD
	 * would drop the host's dirty cache lines, WBINVD lets a guest stall
	 * the whole host, RDPMC reads the host's counters, RDPRU its
	 * APERF/MPERF.  See svm_decode_exit for what each becomes.
	 */
	c->intercept1 |= SVM_I1_RDPMC | SVM_I1_INVD;
	c->intercept2 |= SVM_I2_WBINVD | SVM_I2_RDPRU;
	c->iopm_pa = virt_to_phys(svm_iopm);
	c->msrpm_pa = virt_to_phys(svm_msrpm);
	c->int_ctl = SVM_INT_CTL_V_INTR_MASKING;
	c->np_ctl = SVM_NP_ENABLE;
	c->n_cr3 = lhv_mmu_root_pa(&vcpu->vm->mmu);
	svm_reset_save(svm);
	return 0;
}

static void svm_vcpu_free(struct lhv_vcpu *vcpu)
{
	struct lhv_svm_vcpu *svm = to_svm(vcpu);

	if (svm->vmcb)
		free_page((unsigned long)svm->vmcb);
}

static void svm_vcpu_load(struct lhv_vcpu *vcpu, int cpu)
{
	/* A new CPU means a new ASID there: see svm_assign_asid(). */
	to_svm(vcpu)->asid_gen = 0;
}

/* The host's TSC_AUX is back before any user mode runs on this CPU. */
static void svm_vcpu_put(struct lhv_vcpu *vcpu)
{
	struct lhv_svm_vcpu *svm = to_svm(vcpu);

	if (svm->tsc_aux_loaded) {
		wrmsrl(MSR_TSC_AUX, this_cpu_read(svm_cpu.host_tsc_aux));
		svm->tsc_aux_loaded = false;
	}
}

/*
 * VMRUN does not switch TSC_AUX (it is not in the VMCB), and RDPID cannot
 * be intercepted: the guest's value goes into the MSR itself before it
 * runs, else RDTSCP/RDPID in the guest read the host's CPU number.  It
 * stays there across exits until vcpu_put, as the kernel never reads
 * TSC_AUX (its paranoid entry uses the GDT for the CPU number because
 * hypervisors do this).  RDTSCP is intercepted (#UD) while the vCPU's
 * CPUID lacks it (APM vol. 3, RDTSCP; 15.9 instruction intercepts).
 */
static void svm_load_tsc_aux(struct lhv_svm_vcpu *svm, struct svm_cpu *sc)
{
	struct lhv_vcpu *vcpu = &svm->vcpu;
	struct vmcb_control *c = &svm->vmcb->control;

	if (vcpu->cpuid_rdtscp)
		c->intercept2 &= ~SVM_I2_RDTSCP;
	else
		c->intercept2 |= SVM_I2_RDTSCP;
	if (!svm_has_tsc_aux)
		return;
	if (vcpu->tsc_aux == (svm->tsc_aux_loaded ? svm->tsc_aux_hw :
						    sc->host_tsc_aux))
		return;
	wrmsrl(MSR_TSC_AUX, vcpu->tsc_aux);
	svm->tsc_aux_hw = vcpu->tsc_aux;
	if (!svm->tsc_aux_loaded) {
		svm->tsc_aux_loaded = true;
		lhv_vcpu_hold_state(vcpu);
	}
}

/*
 * ASIDs are handed out per CPU in generations; when a CPU runs out, its
 * generation moves on and the whole TLB is flushed once (APM 15.16).
 */
static void svm_assign_asid(struct lhv_svm_vcpu *svm, struct svm_cpu *sc)
{
	struct vmcb_control *c = &svm->vmcb->control;

	if (svm->asid_gen == sc->asid_gen)
		return;
	if (sc->next_asid > svm_max_asid) {
		sc->asid_gen++;
		sc->next_asid = 1;
		c->tlb_control = SVM_TLB_FLUSH_ALL;
	}
	svm->asid = sc->next_asid++;
	svm->asid_gen = sc->asid_gen;
	c->asid = svm->asid;
}

/*
 * An STI or MOV SS shadow covers one instruction: once lhv moved RIP past
 * the instruction that exited (HLT after STI, say), it is over.
 */
static bool svm_in_shadow(struct lhv_svm_vcpu *svm)
{
	return (svm->vmcb->control.int_state & SVM_INT_SHADOW) &&
	       svm->vcpu.regs[LHV_RIP] == svm->shadow_rip;
}

static u8 svm_insn_len(struct lhv_svm_vcpu *svm, u8 known)
{
	if (svm_has_nrips && svm->vmcb->control.next_rip)
		return svm->vmcb->control.next_rip - svm->vmcb->save.rip;
	return known;
}

/*
 * The guest touched DR0-DR3: from now on they are switched around every
 * VMRUN and no longer intercepted; the instruction is simply restarted.
 */
static void svm_take_dr(struct lhv_svm_vcpu *svm)
{
	svm->guest_owns_dr = true;
	svm->vmcb->control.intercept_dr = 0;
}

static void svm_set_irq_window(struct lhv_vcpu *vcpu, bool on);

/*
 * After a SHUTDOWN intercept the guest state the VMCB holds is undefined
 * (APM vol. 2, 15.14: the shutdown intercept), so it is not run again.
 * As KVM does, the vCPU goes through INIT right away: the save area, the
 * event being injected, the interrupt shadow, CR8, DR0-3 and the register
 * file take their reset values (what KVM_GET_SREGS/REGS then report), and
 * the next KVM_RUN starts at the reset vector unless userspace sets some
 * other state first.  TSC offset, PAT and the CPUID stay, and so do
 * CR0.CD and CR0.NW, as INIT leaves them (SDM 9.1.1, Table 9-1): taken
 * from the VMCB, the only copy, and NW only together with CD (VMRUN
 * refuses NW alone).
 */
static void svm_shutdown_init(struct lhv_svm_vcpu *svm)
{
	struct lhv_vcpu *vcpu = &svm->vcpu;
	struct vmcb_control *c = &svm->vmcb->control;
	u64 cd_nw = svm->vmcb->save.cr0 & (X86_CR0_CD | X86_CR0_NW);
	u32 sig, b, cx, d;

	svm_reset_save(svm);
	if (!(cd_nw & X86_CR0_CD))
		cd_nw = 0;
	svm->vmcb->save.cr0 = X86_CR0_ET | cd_nw;
	c->event_inj = 0;
	c->int_state = 0;
	c->int_ctl &= ~0xfu;			/* V_TPR: CR8 = 0 */
	c->intercept1 &= ~SVM_I1_IRET;
	c->tlb_control = SVM_TLB_FLUSH_ALL;
	memset(svm->dr, 0, sizeof(svm->dr));
	vcpu->nmi_masked = false;
	lhv_cpuid_lookup(vcpu, 1, 0, &sig, &b, &cx, &d);
	lhv_vcpu_reset_regs(vcpu, sig);
}

static void svm_queue_exception(struct lhv_vcpu *vcpu, u8 vector,
				bool has_error, u32 error_code);

static void svm_decode_exit(struct lhv_svm_vcpu *svm, struct lhv_exit *exit)
{
	struct vmcb_control *c = &svm->vmcb->control;
	u64 code = c->exit_code;

	exit->raw = code;
	exit->info1 = c->exit_info1;
	exit->info2 = c->exit_info2;

	switch (code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT:
		exit->reason = LHV_EXIT_NONE;
		break;
	case SVM_EXIT_IOIO:
		exit->reason = LHV_EXIT_IO;
		exit->io.port = c->exit_info1 >> 16;
		exit->io.in = c->exit_info1 & SVM_IO_IN;
		exit->io.string = c->exit_info1 & SVM_IO_STR;
		exit->io.rep = c->exit_info1 & SVM_IO_REP;
		/* SZ8, SZ16, SZ32 are bits 4, 5, 6: one of them is set. */
		exit->io.size = (c->exit_info1 & BIT(6)) ? 4 :
				(c->exit_info1 & BIT(5)) ? 2 : 1;
		exit->io.next_rip = c->exit_info2;
		break;
	case SVM_EXIT_HLT:
		exit->reason = LHV_EXIT_HLT;
		exit->insn_len = svm_insn_len(svm, 1);
		break;
	case SVM_EXIT_CPUID:
		exit->reason = LHV_EXIT_CPUID;
		exit->insn_len = svm_insn_len(svm, 2);
		break;
	case SVM_EXIT_MSR:
		exit->reason = c->exit_info1 ? LHV_EXIT_WRMSR : LHV_EXIT_RDMSR;
		exit->insn_len = svm_insn_len(svm, 2);
		break;
	case SVM_EXIT_NPF:
		exit->reason = LHV_EXIT_NPF;
		exit->npf.gpa = c->exit_info2;
		exit->npf.write = c->exit_info1 & SVM_NPF_W;
		exit->npf.fetch = c->exit_info1 & SVM_NPF_ID;
		exit->npf.present = c->exit_info1 & SVM_NPF_P;
		break;
	case SVM_EXIT_SHUTDOWN:
		svm_shutdown_init(svm);
		exit->reason = LHV_EXIT_SHUTDOWN;
		break;
	case SVM_EXIT_VINTR:
		svm_set_irq_window(&svm->vcpu, false);
		exit->reason = LHV_EXIT_INTR_WINDOW;
		break;
	case SVM_EXIT_IRET:
		/* The NMI handler returns: NMIs may come again after it. */
		svm->vcpu.nmi_masked = false;
		c->intercept1 &= ~SVM_I1_IRET;
		exit->reason = LHV_EXIT_NONE;
		break;
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_VMRUN ... SVM_EXIT_SKINIT:
	case SVM_EXIT_MONITOR ... SVM_EXIT_MWAIT_COND:
		exit->reason = LHV_EXIT_UD;
		break;
	case SVM_EXIT_RDTSCP:
		/* Only intercepted while the vCPU's CPUID lacks RDTSCP. */
		exit->reason = LHV_EXIT_UD;
		break;
	case SVM_EXIT_RDPRU:
		/* lhv's CPUID has no RDPRU (8000_0008h EBX bit 4): #UD. */
		exit->reason = LHV_EXIT_UD;
		break;
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD:
		/*
		 * Guest memory is ordinary write-back host memory and no
		 * device DMAs into it behind the caches, so there is nothing
		 * a guest's INVD or WBINVD must achieve: both complete as
		 * no-ops.  INVD is never run (it would throw away the host's
		 * dirty lines), nor is a real WBINVD (it flushes every cache
		 * of the package, a long stall for the whole host; KVM does
		 * no more without non-coherent DMA).  Both are 0f 08 / 0f 09
		 * (APM vol. 3); a prefixed form (WBNOINVD is f3 0f 09) is
		 * only measured with NRIP-save.
		 */
		svm->vcpu.regs[LHV_RIP] += svm_insn_len(svm, 2);
		exit->reason = LHV_EXIT_NONE;
		break;
	case SVM_EXIT_RDPMC:
		/*
		 * lhv gives the guest no performance counters (CPUID leaf
		 * 0Ah and the PerfCtrExtCore bit read as zero): RDPMC of any
		 * counter is an invalid ECX, #GP(0) (APM vol. 3, RDPMC).
		 */
		svm_queue_exception(&svm->vcpu, X86_TRAP_GP, true, 0);
		exit->reason = LHV_EXIT_NONE;
		break;
	case SVM_EXIT_XSETBV:
		exit->reason = LHV_EXIT_XSETBV;
		exit->insn_len = svm_insn_len(svm, 3);	/* 0f 01 d1 */
		break;
	case SVM_EXIT_DR0_READ ... SVM_EXIT_DR15_WRITE:
		svm_take_dr(svm);
		exit->reason = LHV_EXIT_NONE;
		break;
	case SVM_EXIT_READ_CR4:
	case SVM_EXIT_WRITE_CR4:
		/* Decoded and done by the core (lhv_handle_cr). */
		exit->reason = LHV_EXIT_CR_ACCESS;
		exit->cr.cr = 4;
		exit->cr.write = code == SVM_EXIT_WRITE_CR4;
		break;
	case SVM_EXIT_EXCP_BASE ... SVM_EXIT_EXCP_LAST:
		/*
		 * LHV_EXC_INTERCEPTED.  For #DB the CPU has written the
		 * guest's DR6 in the VMCB already, as delivery would have;
		 * an #MC went to the host's handler in svm_vcpu_run.  INT1
		 * does not take the #DB intercept (APM 15.12): its #DB
		 * is delivered by the CPU, and a #DB that delivery raises
		 * is intercepted like any other.
		 */
		exit->reason = LHV_EXIT_EXCEPTION;
		exit->exception.vector = code - SVM_EXIT_EXCP_BASE;
		break;
	case SVM_EXIT_INVALID:
		exit->reason = LHV_EXIT_FAIL_ENTRY;
		break;
	default:
		exit->reason = LHV_EXIT_UNKNOWN;
		break;
	}
}

/*
 * An event whose delivery the exit interrupted (EXITINTINFO) is injected
 * again on the next entry (APM 15.7.2).  Software interrupts are not:
 * RIP still points at the INTn, which simply runs again.
 */
static void svm_requeue_event(struct vmcb_control *c)
{
	u64 ev = c->exit_int_info;

	c->event_inj = 0;
	if ((ev & SVM_EV_VALID) &&
	    (ev & SVM_EV_TYPE_MASK) != SVM_EV_TYPE_SOFT)
		c->event_inj = ev;
}

static int svm_vcpu_run(struct lhv_vcpu *vcpu, struct lhv_exit *exit)
{
	struct lhv_svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpu);
	u32 host_pkru = 0;
	int fault;

	/* SVM is off on this CPU: VMRUN would be #UD (APM 15.4). */
	if (unlikely(!READ_ONCE(sc->enabled)))
		return -EIO;
	svm_assign_asid(svm, sc);
	if (unlikely(READ_ONCE(vcpu->requests)) &&
	    lhv_vcpu_check_request(vcpu, LHV_REQ_TLB_FLUSH))
		vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;

	if ((vmcb->control.int_state & SVM_INT_SHADOW) && !svm_in_shadow(svm))
		vmcb->control.int_state &= ~SVM_INT_SHADOW;
	vmcb->save.rax = vcpu->regs[LHV_RAX];
	vmcb->save.rsp = vcpu->regs[LHV_RSP];
	vmcb->save.rip = vcpu->regs[LHV_RIP];
	vmcb->save.rflags = vcpu->regs[LHV_RFLAGS];

	svm_load_tsc_aux(svm, sc);
	if (svm->guest_owns_dr)
		lhv_load_guest_dr(svm->dr);
	/*
	 * VMRUN does not switch PKRU, and SVM leaves CR4 (PKE) and WRPKRU
	 * to the guest: on a host with protection keys the guest's PKRU is
	 * in force only around VMRUN, or the host's own accesses to user
	 * memory would run under the guest's keys (issue 12, finding 9).
	 */
	if (cpu_feature_enabled(X86_FEATURE_OSPKE)) {
		host_pkru = rdpkru();
		if (svm->pkru != host_pkru)
			wrpkru(svm->pkru);
	}

	fault = lhv_svm_enter(vcpu->regs, svm->vmcb_pa,
			      page_to_phys(sc->host_vmcb));
	/* A machine check in the guest is the host's (see lhv.h). */
	if (unlikely(!fault && vmcb->control.exit_code ==
		     SVM_EXIT_EXCP_BASE + X86_TRAP_MC))
		lhv_host_machine_check();

	if (svm->guest_owns_dr)
		lhv_save_guest_dr(svm->dr);
	if (cpu_feature_enabled(X86_FEATURE_OSPKE)) {
		svm->pkru = rdpkru();
		if (svm->pkru != host_pkru)
			wrpkru(host_pkru);
	}
	if (unlikely(fault)) {
		/* SVM went off under us (emergency disable): nothing ran. */
		pr_warn_ratelimited("SVM instruction faulted on CPU %d\n",
				    smp_processor_id());
		return -EIO;
	}
	vmcb->control.tlb_control = 0;
	vcpu->regs[LHV_RAX] = vmcb->save.rax;
	vcpu->regs[LHV_RSP] = vmcb->save.rsp;
	vcpu->regs[LHV_RIP] = vmcb->save.rip;
	vcpu->regs[LHV_RFLAGS] = vmcb->save.rflags;
	svm->shadow_rip = vmcb->save.rip;

	svm_requeue_event(&vmcb->control);
	svm_decode_exit(svm, exit);
	return 0;
}

static void svm_seg_to_kvm(const struct vmcb_seg *s, struct kvm_segment *k)
{
	k->selector = s->selector;
	k->base = s->base;
	k->limit = s->limit;
	k->type = s->attrib & 0xf;
	k->s = (s->attrib >> 4) & 1;
	k->dpl = (s->attrib >> 5) & 3;
	k->present = (s->attrib >> 7) & 1;
	k->avl = (s->attrib >> 8) & 1;
	k->l = (s->attrib >> 9) & 1;
	k->db = (s->attrib >> 10) & 1;
	k->g = (s->attrib >> 11) & 1;
	k->unusable = !k->present;
}

static void svm_get_sregs(struct lhv_vcpu *vcpu, struct kvm_sregs *sr)
{
	struct vmcb_save *s = &to_svm(vcpu)->vmcb->save;

	svm_seg_to_kvm(&s->cs, &sr->cs);
	svm_seg_to_kvm(&s->ds, &sr->ds);
	svm_seg_to_kvm(&s->es, &sr->es);
	svm_seg_to_kvm(&s->fs, &sr->fs);
	svm_seg_to_kvm(&s->gs, &sr->gs);
	svm_seg_to_kvm(&s->ss, &sr->ss);
	/*
	 * The VMCB's CPL field is the CPL (APM 15.5.1); SS's attributes can
	 * disagree (SYSRET leaves them as they were).  KVM reports it as
	 * SS.DPL, and the core reads the CPL there.
	 */
	if (s->cr0 & X86_CR0_PE)
		sr->ss.dpl = s->cpl;
	svm_seg_to_kvm(&s->tr, &sr->tr);
	svm_seg_to_kvm(&s->ldtr, &sr->ldt);
	/* TR is always usable (SDM 26.3.1.2); its busy type is kept. */
	sr->tr.unusable = 0;
	sr->gdt.base = s->gdtr.base;
	sr->gdt.limit = s->gdtr.limit;
	sr->idt.base = s->idtr.base;
	sr->idt.limit = s->idtr.limit;
	sr->cr0 = s->cr0;
	sr->cr2 = s->cr2;
	sr->cr3 = s->cr3;
	sr->cr4 = to_svm(vcpu)->cr4;
	sr->cr8 = to_svm(vcpu)->vmcb->control.int_ctl & 0xf;
	sr->efer = s->efer & ~EFER_SVME;
}

#define SVM_EFER_OK	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX | EFER_FFXSR)
static int svm_set_sregs(struct lhv_vcpu *vcpu, const struct kvm_sregs *sr)
{
	struct lhv_svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save *s = &svm->vmcb->save;

	/* VMRUN's own checks (APM 15.5.1) are these too. */
	if (!lhv_sregs_valid(sr, lhv_cr4_allowed(), SVM_EFER_OK))
		return -EINVAL;

	svm_write_segs(s, sr);
	s->cr0 = sr->cr0;
	s->cr2 = sr->cr2;
	s->cr3 = sr->cr3;
	svm_write_cr4(svm, sr->cr4);
	s->efer = sr->efer | EFER_SVME;
	s->cpl = (sr->cr0 & X86_CR0_PE) ? sr->ss.dpl : 0;
	svm->vmcb->control.int_ctl = (svm->vmcb->control.int_ctl & ~0xfu) |
				     (sr->cr8 & 0xf);
	/* New paging state: no stale guest translations. */
	svm->vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
	return 0;
}

static int svm_get_msr(struct lhv_vcpu *vcpu, u32 index, u64 *data)
{
	struct vmcb_save *s = &to_svm(vcpu)->vmcb->save;

	switch (index) {
	case MSR_EFER:
		*data = s->efer & ~EFER_SVME;
		return 0;
	case MSR_IA32_CR_PAT:
		*data = s->g_pat;
		return 0;
	case MSR_VM_CR:
		*data = MSR_VM_CR_SVMDIS;	/* no nested SVM */
		return 0;
	case MSR_IA32_TSC:
		*data = rdtsc() + to_svm(vcpu)->vmcb->control.tsc_offset;
		return 0;
	case MSR_STAR:
		*data = s->star;
		return 0;
	case MSR_LSTAR:
		*data = s->lstar;
		return 0;
	case MSR_CSTAR:
		*data = s->cstar;
		return 0;
	case MSR_SYSCALL_MASK:
		*data = s->sfmask;
		return 0;
	case MSR_KERNEL_GS_BASE:
		*data = s->kernel_gs_base;
		return 0;
	case MSR_FS_BASE:
		*data = s->fs.base;
		return 0;
	case MSR_GS_BASE:
		*data = s->gs.base;
		return 0;
	case MSR_IA32_SYSENTER_CS:
		*data = s->sysenter_cs;
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		*data = s->sysenter_esp;
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		*data = s->sysenter_eip;
		return 0;
	}
	return -ENOENT;
}

static int svm_set_msr(struct lhv_vcpu *vcpu, u32 index, u64 data)
{
	struct lhv_svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save *s = &svm->vmcb->save;

	switch (index) {
	case MSR_EFER:
		if (lhv_efer_write(s->efer, data, s->cr0, SVM_EFER_OK, &data))
			return -EINVAL;
		s->efer = data | EFER_SVME;
		return 0;
	case MSR_IA32_CR_PAT:
		if (!lhv_pat_valid(data))
			return -EINVAL;
		s->g_pat = data;
		vcpu->pat = data;
		return 0;
	case MSR_VM_CR:
	case MSR_VM_HSAVE_PA:
		return -EINVAL;
	case MSR_IA32_TSC:
		svm->vmcb->control.tsc_offset = data - rdtsc();
		return 0;
	case MSR_STAR:
		s->star = data;
		return 0;
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
		/* Canonical: lhv_set_msr checked. */
		if (index == MSR_LSTAR)
			s->lstar = data;
		else if (index == MSR_CSTAR)
			s->cstar = data;
		else if (index == MSR_KERNEL_GS_BASE)
			s->kernel_gs_base = data;
		else if (index == MSR_FS_BASE)
			s->fs.base = data;
		else
			s->gs.base = data;
		return 0;
	case MSR_SYSCALL_MASK:
		s->sfmask = data;
		return 0;
	case MSR_IA32_SYSENTER_CS:
		s->sysenter_cs = data;
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		s->sysenter_esp = data;
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		s->sysenter_eip = data;
		return 0;
	}
	return -ENOENT;
}

static void svm_queue_exception(struct lhv_vcpu *vcpu, u8 vector,
				bool has_error, u32 error_code)
{
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->control;

	c->event_inj = vector | SVM_EV_TYPE_EXC | SVM_EV_VALID |
		       (has_error ? SVM_EV_ERR_VALID |
				    (u64)error_code << 32 : 0);
}

static void svm_set_cr2(struct lhv_vcpu *vcpu, u64 cr2)
{
	to_svm(vcpu)->vmcb->save.cr2 = cr2;
}

static u64 svm_get_cr0(struct lhv_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->save.cr0;
}

static u64 svm_get_efer(struct lhv_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->save.efer & ~EFER_SVME;
}

static u64 svm_get_cr4(struct lhv_vcpu *vcpu)
{
	return to_svm(vcpu)->cr4;
}

static void svm_set_cr4(struct lhv_vcpu *vcpu, u64 cr4)
{
	svm_write_cr4(to_svm(vcpu), cr4);
}

static bool svm_event_injected(struct lhv_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->control.event_inj & SVM_EV_VALID;
}

/* RFLAGS.IF, no interrupt shadow, nothing else being injected. */
static bool svm_interrupt_allowed(struct lhv_vcpu *vcpu)
{
	struct lhv_svm_vcpu *svm = to_svm(vcpu);

	return (vcpu->regs[LHV_RFLAGS] & X86_EFLAGS_IF) &&
	       !svm_in_shadow(svm) &&
	       !(svm->vmcb->control.event_inj & SVM_EV_VALID);
}

static bool svm_nmi_allowed(struct lhv_vcpu *vcpu)
{
	struct lhv_svm_vcpu *svm = to_svm(vcpu);

	return !vcpu->nmi_masked && !svm_in_shadow(svm) &&
	       !(svm->vmcb->control.event_inj & SVM_EV_VALID);
}

static void svm_inject_irq(struct lhv_vcpu *vcpu, u8 vector)
{
	to_svm(vcpu)->vmcb->control.event_inj = vector | SVM_EV_TYPE_INTR |
						SVM_EV_VALID;
}

/*
 * SVM does not tell when the guest's NMI handler is done: IRET is
 * intercepted while an injected NMI may still run (APM 15.21.4).
 */
static void svm_inject_nmi(struct lhv_vcpu *vcpu)
{
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->control;

	c->event_inj = 2 | SVM_EV_TYPE_NMI | SVM_EV_VALID;
	vcpu->nmi_masked = true;
	c->intercept1 |= SVM_I1_IRET;
}

/*
 * The interrupt window: a virtual interrupt (V_IRQ) that ignores the TPR
 * is pending, and its delivery is intercepted (VINTR), so the guest exits
 * as soon as it could take an interrupt (APM 15.21.4).
 */
static void svm_set_irq_window(struct lhv_vcpu *vcpu, bool on)
{
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->control;

	if (on) {
		c->int_ctl |= SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_IGN_TPR |
			      SVM_INT_CTL_V_PRIO_MASK;
		c->intercept1 |= SVM_I1_VINTR;
	} else if (c->intercept1 & SVM_I1_VINTR) {
		c->int_ctl &= ~(SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_IGN_TPR |
				SVM_INT_CTL_V_PRIO_MASK);
		c->intercept1 &= ~SVM_I1_VINTR;
	}
}

/* NMIs wait for the IRET exit (masked) or simply the next exit. */
static void svm_set_nmi_window(struct lhv_vcpu *vcpu, bool on)
{
}

static void svm_get_events(struct lhv_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->control;
	u64 inj = c->event_inj;

	ev->interrupt.shadow = (c->int_state & SVM_INT_SHADOW) ?
			       KVM_X86_SHADOW_INT_MOV_SS : 0;
	if (!(inj & SVM_EV_VALID))
		return;
	switch (inj & SVM_EV_TYPE_MASK) {
	case SVM_EV_TYPE_EXC:
		ev->exception.injected = 1;
		ev->exception.nr = inj & 0xff;
		ev->exception.has_error_code = !!(inj & SVM_EV_ERR_VALID);
		ev->exception.error_code = inj >> 32;
		break;
	case SVM_EV_TYPE_INTR:
		ev->interrupt.injected = 1;
		ev->interrupt.nr = inj & 0xff;
		break;
	case SVM_EV_TYPE_NMI:
		ev->nmi.injected = 1;
		break;
	}
}

static int svm_set_events(struct lhv_vcpu *vcpu,
			  const struct kvm_vcpu_events *ev)
{
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->control;

	c->event_inj = 0;
	if (ev->exception.injected || ev->exception.pending)
		svm_queue_exception(vcpu, ev->exception.nr,
				    ev->exception.has_error_code,
				    ev->exception.error_code);
	else if (ev->nmi.injected)
		c->event_inj = 2 | SVM_EV_TYPE_NMI | SVM_EV_VALID;
	if (ev->flags & KVM_VCPUEVENT_VALID_SHADOW) {
		c->int_state &= ~SVM_INT_SHADOW;
		if (ev->interrupt.shadow)
			c->int_state |= SVM_INT_SHADOW;
	}
	return 0;
}

static void svm_get_debugregs(struct lhv_vcpu *vcpu, struct kvm_debugregs *d)
{
	struct lhv_svm_vcpu *svm = to_svm(vcpu);

	memcpy(d->db, svm->dr, sizeof(d->db));
	d->dr6 = svm->vmcb->save.dr6;
	d->dr7 = svm->vmcb->save.dr7;
}

static int svm_set_debugregs(struct lhv_vcpu *vcpu,
			     const struct kvm_debugregs *d)
{
	struct lhv_svm_vcpu *svm = to_svm(vcpu);

	memcpy(svm->dr, d->db, sizeof(svm->dr));
	svm->vmcb->save.dr6 = d->dr6 | 0xffff0ff0ULL;
	svm->vmcb->save.dr7 = (d->dr7 & ~0xd000ULL) | 0x400;
	/* Non-zero breakpoints must reach the hardware. */
	if (d->db[0] | d->db[1] | d->db[2] | d->db[3])
		svm_take_dr(svm);
	return 0;
}

const struct lhv_arch_ops lhv_svm_ops = {
	.name = "svm",
	.vm_size = sizeof(struct lhv_vm),
	.vcpu_size = sizeof(struct lhv_svm_vcpu),
	.mmu_format = LHV_MMU_NPT,
	.tsc_aux = true,
	.hardware_supported = svm_hardware_supported,
	.hardware_setup = svm_hardware_setup,
	.hardware_unsetup = svm_hardware_unsetup,
	.cpu_enable = svm_cpu_enable,
	.cpu_disable = svm_cpu_disable,
	.vm_init = svm_vm_init,
	.vm_destroy = svm_vm_destroy,
	.vcpu_create = svm_vcpu_create,
	.vcpu_free = svm_vcpu_free,
	.vcpu_load = svm_vcpu_load,
	.vcpu_put = svm_vcpu_put,
	.vcpu_run = svm_vcpu_run,
	.get_sregs = svm_get_sregs,
	.set_sregs = svm_set_sregs,
	.get_msr = svm_get_msr,
	.set_msr = svm_set_msr,
	.queue_exception = svm_queue_exception,
	.set_cr2 = svm_set_cr2,
	.get_cr0 = svm_get_cr0,
	.get_cr4 = svm_get_cr4,
	.set_cr4 = svm_set_cr4,
	.get_efer = svm_get_efer,
	.event_injected = svm_event_injected,
	.interrupt_allowed = svm_interrupt_allowed,
	.nmi_allowed = svm_nmi_allowed,
	.inject_irq = svm_inject_irq,
	.inject_nmi = svm_inject_nmi,
	.set_irq_window = svm_set_irq_window,
	.set_nmi_window = svm_set_nmi_window,
	.get_events = svm_get_events,
	.set_events = svm_set_events,
	.get_debugregs = svm_get_debugregs,
	.set_debugregs = svm_set_debugregs,
};
