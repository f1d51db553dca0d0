// SPDX-License-Identifier: GPL-2.0
/*
 * vmx/vmx_state.c - a VMX guest's architectural state through the KVM
 * register ABI: reset state, segments and access rights, control
 * registers behind their guest/host masks, EFER and the IA-32e mode
 * entry control, the MSRs VMX leaves to software, and turning a VM exit
 * into struct lhv_exit (events: vmx_events.c).  Everything
 * here that touches the VMCS runs with it current: inside vcpu_run, or
 * between vmx_vmcs_get() and vmx_vmcs_put().
 */
#define pr_fmt(fmt) "lhv: vmx: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>

#include "vmx.h"

#define VMX_AR_UNUSABLE		BIT(16)
#define VMX_AR_L		BIT(13)
#define VMX_EFER_OK		(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

/*
 * CR4 bits a guest may set.  All but OSXSAVE and MCE are the guest's
 * outright (clear in the guest/host mask).  OSXSAVE is host-owned so that
 * its changes exit: the core loads the guest's XCR0 only while it is set.
 * MCE is host-owned because the hardware CR4 keeps the host's MCE bit
 * whatever the guest's: a machine check taken in guest mode with CR4.MCE
 * clear would shut the CPU down instead of reaching the host's handler
 * through the #MC exit (SDM 15.10.4.1); the guest sees its own bit in the
 * read shadow.
 */
static u64 vmx_cr4_allowed(void)
{
	return lhv_cr4_allowed() & vmx_caps.cr4_fixed1;
}

#define VMX_CR4_TRAPPED		(X86_CR4_OSXSAVE | X86_CR4_MCE)

u64 vmx_cr4_guest_owned(void)
{
	return vmx_cr4_allowed() & ~VMX_CR4_TRAPPED;
}

/* ---- Control registers, EFER ---------------------------------------- */

/*
 * The guest sees @cr0; the hardware runs with NE set, caching on and the
 * other fixed-1 bits, except PE and PG which unrestricted guest leaves
 * free (SDM 27.3.1.1).
 */
static void vmx_write_cr0(u64 cr0)
{
	u64 fixed0 = vmx_caps.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);
	u64 hw = (cr0 & ~VMX_CR0_HOST_OWNED) | fixed0 | X86_CR0_NE;

	vmcs_write(VMCS_CR0_SHADOW, cr0);
	vmcs_write(VMCS_GUEST_CR0, hw & vmx_caps.cr0_fixed1);
}

static u64 vmx_read_cr0(void)
{
	return (vmcs_read(VMCS_GUEST_CR0) & ~VMX_CR0_HOST_OWNED) |
	       (vmcs_read(VMCS_CR0_SHADOW) & VMX_CR0_HOST_OWNED);
}

/*
 * The guest sees @cr4 (allowed bits only); underneath, CR4.VMXE and the
 * other fixed-1 bits stay set, hidden by the mask (SDM 24.8, 25.6.6).
 */
static void vmx_write_cr4(struct lhv_vmx_vcpu *vmx, u64 cr4)
{
	vmx->cr4_shadow = cr4;
	vmx->cr4_hw = cr4 | vmx_caps.cr4_fixed0 |
		      (cr4_read_shadow() & X86_CR4_MCE);
	vmcs_write(VMCS_CR4_SHADOW, vmx->cr4_shadow);
	vmcs_write(VMCS_GUEST_CR4, vmx->cr4_hw);
}

/*
 * The core's set_cr4 (a CR4 write it emulates; VMX decodes its own CR
 * exits in vmx_handle_cr, so only for completeness of the ops).
 */
void vmx_set_cr4(struct lhv_vcpu *vcpu, u64 cr4)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long flags;

	if (!vmx_vmcs_get(vmx, &flags))
		return;
	vmx_write_cr4(vmx, cr4);
	vmx_vmcs_put(vmx, flags);
}

/* From the copies kept at every exit: callable with the VMCS anywhere. */
u64 vmx_get_cr4(struct lhv_vcpu *vcpu)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);
	u64 owned = vmx_cr4_guest_owned();

	return (vmx->cr4_hw & owned) | (vmx->cr4_shadow & ~owned);
}

/* SDM 27.3.1.1: the IA-32e mode guest control must equal EFER.LMA. */
static void vmx_write_efer(u64 efer)
{
	u64 entry = vmcs_read(VMCS_ENTRY_CTLS) & ~ENTRY_IA32E_GUEST;

	if (efer & EFER_LMA)
		entry |= ENTRY_IA32E_GUEST;
	vmcs_write(VMCS_ENTRY_CTLS, entry);
	vmcs_write(VMCS_GUEST_EFER, efer);
}

/* ---- Segments --------------------------------------------------------- */

static void vmx_get_seg(enum vmx_seg seg, struct kvm_segment *k)
{
	u32 ar = vmcs_read(VMCS_SEG_AR(seg));

	k->selector = vmcs_read(VMCS_SEG_SEL(seg));
	k->base = vmcs_read(VMCS_SEG_BASE(seg));
	k->limit = vmcs_read(VMCS_SEG_LIMIT(seg));
	/* Access rights, SDM 25.4.1 Table 25-2. */
	k->type = ar & 15;
	k->s = (ar >> 4) & 1;
	k->dpl = (ar >> 5) & 3;
	k->avl = (ar >> 12) & 1;
	k->l = (ar >> 13) & 1;
	k->db = (ar >> 14) & 1;
	k->g = (ar >> 15) & 1;
	k->unusable = (ar >> 16) & 1;
	/* A usable segment is present (SDM 27.3.1.2); KVM reports it so. */
	k->present = !k->unusable;
}

static void vmx_set_seg(enum vmx_seg seg, const struct kvm_segment *k)
{
	u32 ar = VMX_AR_UNUSABLE;

	if (k->present && !k->unusable) {
		u32 type = k->type & 15;

		/*
		 * Loaded segments have the accessed bit set, and entry checks
		 * it (SDM 27.3.1.2); userspace often leaves it clear.  TR's
		 * busy types are odd already; the LDT type (2) has no such bit.
		 */
		if (seg != VMX_LDTR)
			type |= 1;
		ar = type | (k->s & 1) << 4 | (k->dpl & 3) << 5 | 1 << 7 |
		     (k->avl & 1) << 12 | (k->l & 1) << 13 |
		     (k->db & 1) << 14 | (k->g & 1) << 15;
	}
	vmcs_write(VMCS_SEG_SEL(seg), k->selector);
	vmcs_write(VMCS_SEG_BASE(seg), k->base);
	vmcs_write(VMCS_SEG_LIMIT(seg), k->limit);
	vmcs_write(VMCS_SEG_AR(seg), ar);
}

/*
 * The segments, descriptor tables, CR0, CR3, CR4 and EFER of @sr into the
 * current VMCS: for KVM_SET_SREGS and for reset.
 */
static void vmx_write_sregs(struct lhv_vmx_vcpu *vmx,
			    const struct kvm_sregs *sr)
{
	vmx_set_seg(VMX_CS, &sr->cs);
	vmx_set_seg(VMX_DS, &sr->ds);
	vmx_set_seg(VMX_ES, &sr->es);
	vmx_set_seg(VMX_FS, &sr->fs);
	vmx_set_seg(VMX_GS, &sr->gs);
	vmx_set_seg(VMX_SS, &sr->ss);
	vmx_set_seg(VMX_TR, &sr->tr);
	vmx_set_seg(VMX_LDTR, &sr->ldt);
	vmcs_write(VMCS_GUEST_GDTR_BASE, sr->gdt.base);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, sr->gdt.limit);
	vmcs_write(VMCS_GUEST_IDTR_BASE, sr->idt.base);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, sr->idt.limit);
	vmx_write_cr0(sr->cr0);
	vmcs_write(VMCS_GUEST_CR3, sr->cr3);
	vmx_write_cr4(vmx, sr->cr4);
	vmx_write_efer(sr->efer);
}

/* ---- Reset ------------------------------------------------------------ */

/*
 * Guest state as after INIT: the core's (lhv_reset_sregs), under this
 * backend's CR0/CR4 masks and fixed bits, and the VMCS's own fields.
 */
void vmx_init_vmcs_guest(struct lhv_vmx_vcpu *vmx)
{
	struct kvm_sregs sr;

	lhv_reset_sregs(&sr);
	vmcs_write(VMCS_CR0_MASK, VMX_CR0_HOST_OWNED);
	vmcs_write(VMCS_CR4_MASK, ~vmx_cr4_guest_owned());
	vmx_write_sregs(vmx, &sr);
	vmcs_write(VMCS_GUEST_PAT, vmx->vcpu.pat);
	vmcs_write(VMCS_GUEST_DR7, LHV_DR7_RESET);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY, 0);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	/* No shadow VMCS: the link pointer must be all ones (SDM 27.3.1.5). */
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
	vmx->intr_state = 0;
	vmx->intr_vmcs = 0;
	vmx->dr6 = LHV_DR6_RESET;
}

/* ---- KVM_GET_SREGS / KVM_SET_SREGS ------------------------------------ */

void vmx_get_sregs(struct lhv_vcpu *vcpu, struct kvm_sregs *sr)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long flags;

	if (!vmx_vmcs_get(vmx, &flags))
		return;
	vmx_get_seg(VMX_CS, &sr->cs);
	vmx_get_seg(VMX_DS, &sr->ds);
	vmx_get_seg(VMX_ES, &sr->es);
	vmx_get_seg(VMX_FS, &sr->fs);
	vmx_get_seg(VMX_GS, &sr->gs);
	vmx_get_seg(VMX_SS, &sr->ss);
	vmx_get_seg(VMX_TR, &sr->tr);
	vmx_get_seg(VMX_LDTR, &sr->ldt);
	sr->gdt.base = vmcs_read(VMCS_GUEST_GDTR_BASE);
	sr->gdt.limit = vmcs_read(VMCS_GUEST_GDTR_LIMIT);
	sr->idt.base = vmcs_read(VMCS_GUEST_IDTR_BASE);
	sr->idt.limit = vmcs_read(VMCS_GUEST_IDTR_LIMIT);
	sr->cr0 = vmx_read_cr0();
	sr->cr3 = vmcs_read(VMCS_GUEST_CR3);
	sr->cr4 = vmx_get_cr4(vcpu);
	sr->efer = vmcs_read(VMCS_GUEST_EFER);
	vmx_vmcs_put(vmx, flags);
	sr->cr2 = vmx->cr2;
	sr->cr8 = vmx->cr8;
}

/* The four PDPTEs of PAE paging, 32-byte aligned at CR3 (SDM 4.4.1). */
static int vmx_read_pdptes(struct lhv_vcpu *vcpu, u64 cr3, u64 *pdpte)
{
	int idx, r;

	idx = srcu_read_lock(&vcpu->vm->srcu);
	r = lhv_guest_phys_rw(vcpu, cr3 & 0xffffffe0ULL, pdpte, 32, false);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	return r;
}

int vmx_set_sregs(struct lhv_vcpu *vcpu, const struct kvm_sregs *sr)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);
	bool pae_paging = (sr->cr0 & X86_CR0_PG) && (sr->cr4 & X86_CR4_PAE) &&
			  !(sr->efer & EFER_LMA);
	unsigned long flags;
	u64 pdpte[4];
	int i;

	/*
	 * KVM_SET_SREGS's consistency checks are also the VM-entry checks on
	 * control registers that Bochs skips (SDM 27.3.1.1), notably IA-32e
	 * mode with CR0.PG clear, which Bochs enters.
	 */
	if (!lhv_sregs_valid(sr, vmx_cr4_allowed(), VMX_EFER_OK))
		return -EINVAL;
	/*
	 * PAE paging with EPT: VM entry takes the PDPTEs from the VMCS, not
	 * from memory (SDM 27.3.2.4), so load them as MOV to CR3 would.
	 */
	if (pae_paging &&
	    vmx_read_pdptes(vcpu, sr->cr3, pdpte))
		return -EINVAL;
	if (!vmx_vmcs_get(vmx, &flags))
		return -EIO;

	vmx_write_sregs(vmx, sr);
	if (pae_paging)
		for (i = 0; i < 4; i++)
			vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
	vmx_vmcs_put(vmx, flags);

	vmx->cr2 = sr->cr2;
	vmx->cr8 = sr->cr8 & 0xf;
	/* New paging state: no stale guest translations. */
	vmx->flush_vpid = true;
	return 0;
}

u64 vmx_get_cr0(struct lhv_vcpu *vcpu)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long flags;
	u64 cr0 = 0;

	if (vmx_vmcs_get(vmx, &flags)) {
		cr0 = vmx_read_cr0();
		vmx_vmcs_put(vmx, flags);
	}
	return cr0;
}

u64 vmx_get_efer(struct lhv_vcpu *vcpu)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long flags;
	u64 efer = 0;

	if (vmx_vmcs_get(vmx, &flags)) {
		efer = vmcs_read(VMCS_GUEST_EFER);
		vmx_vmcs_put(vmx, flags);
	}
	return efer;
}

/* ---- MSRs ------------------------------------------------------------- */

/* MSR bitmap, SDM 25.6.9: read-low, read-high, write-low, write-high. */
static void vmx_msr_allow(u8 *map, u32 msr)
{
	u32 base;

	if (msr <= 0x1fff) {
		base = 0;
	} else if (msr - 0xc0000000 <= 0x1fff) {
		base = 1024;
		msr -= 0xc0000000;
	} else {
		return;
	}
	map[base + msr / 8] &= ~BIT(msr % 8);
	map[base + 2048 + msr / 8] &= ~BIT(msr % 8);
}

/*
 * Intercept every MSR but those the VMCS switches itself (SDM 27.3.2.1,
 * 28.5.1): FS/GS base and the SYSENTER MSRs.  EFER and PAT are switched
 * too but stay intercepted, to keep LME/LMA and the entry control
 * consistent and PAT validated.
 */
void vmx_msr_bitmap_init(void *bitmap)
{
	memset(bitmap, 0xff, PAGE_SIZE);
	vmx_msr_allow(bitmap, MSR_FS_BASE);
	vmx_msr_allow(bitmap, MSR_GS_BASE);
	vmx_msr_allow(bitmap, MSR_IA32_SYSENTER_CS);
	vmx_msr_allow(bitmap, MSR_IA32_SYSENTER_ESP);
	vmx_msr_allow(bitmap, MSR_IA32_SYSENTER_EIP);
}

/* Guest MSRs that live in VMCS fields (SDM 25.4.1, 27.3.2.1). */
static unsigned long vmx_msr_field(u32 index)
{
	switch (index) {
	case MSR_IA32_CR_PAT:
		return VMCS_GUEST_PAT;
	case MSR_FS_BASE:
		return VMCS_SEG_BASE(VMX_FS);
	case MSR_GS_BASE:
		return VMCS_SEG_BASE(VMX_GS);
	case MSR_IA32_SYSENTER_CS:
		return VMCS_GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP:
		return VMCS_GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP:
		return VMCS_GUEST_SYSENTER_EIP;
	}
	return 0;
}

static int vmx_msr_field_get(struct lhv_vmx_vcpu *vmx, u32 index, u64 *data)
{
	unsigned long flags;

	if (!vmx_vmcs_get(vmx, &flags))
		return -EIO;
	*data = vmcs_read(vmx_msr_field(index));
	vmx_vmcs_put(vmx, flags);
	return 0;
}

static int vmx_msr_field_set(struct lhv_vmx_vcpu *vmx, u32 index, u64 data)
{
	unsigned long flags;

	if (!vmx_vmcs_get(vmx, &flags))
		return -EIO;
	vmcs_write(vmx_msr_field(index), data);
	vmx_vmcs_put(vmx, flags);
	return 0;
}

int vmx_get_msr(struct lhv_vcpu *vcpu, u32 index, u64 *data)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);

	switch (index) {
	case MSR_EFER:
		*data = vmx_get_efer(vcpu);
		return 0;
	case MSR_IA32_TSC:
		/* RDTSC in the guest adds the same offset (SDM 26.3). */
		*data = rdtsc() + vmx->tsc_offset;
		return 0;
	case MSR_IA32_CR_PAT:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_IA32_SYSENTER_CS:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return vmx_msr_field_get(vmx, index, data);
	case MSR_KERNEL_GS_BASE:
		/* In the CPU while loaded: the guest's SWAPGS moves it. */
		preempt_disable();
		if (vmx->syscall_msrs_loaded)
			rdmsrl(MSR_KERNEL_GS_BASE, vmx->kernel_gs_base);
		*data = vmx->kernel_gs_base;
		preempt_enable();
		return 0;
	case MSR_STAR:
		*data = vmx->star;
		return 0;
	case MSR_LSTAR:
		*data = vmx->lstar;
		return 0;
	case MSR_CSTAR:
		*data = vmx->cstar;
		return 0;
	case MSR_SYSCALL_MASK:
		*data = vmx->sfmask;
		return 0;
	case MSR_IA32_VMX_BASIC ... MSR_IA32_VMX_VMFUNC:
		return -EINVAL;		/* no nested VMX */
	}
	return -ENOENT;
}

/*
 * A SYSCALL MSR or KERNEL_GS_BASE was written (its cached copy is new):
 * while the guest's are loaded (a WRMSR exit inside KVM_RUN) the CPU gets
 * the value at once.
 */
static void vmx_syscall_msr_written(struct lhv_vmx_vcpu *vmx, u32 index,
				    u64 data)
{
	preempt_disable();
	if (vmx->syscall_msrs_loaded)
		wrmsrl(index, data);
	preempt_enable();
}

static int vmx_set_efer_msr(struct lhv_vmx_vcpu *vmx, u64 data)
{
	unsigned long flags;
	int r;

	if (!vmx_vmcs_get(vmx, &flags))
		return -EIO;
	r = lhv_efer_write(vmcs_read(VMCS_GUEST_EFER), data, vmx_read_cr0(),
			   VMX_EFER_OK, &data);
	if (!r)
		vmx_write_efer(data);
	vmx_vmcs_put(vmx, flags);
	return r;
}

int vmx_set_msr(struct lhv_vcpu *vcpu, u32 index, u64 data)
{
	struct lhv_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long flags;

	switch (index) {
	case MSR_EFER:
		return vmx_set_efer_msr(vmx, data);
	case MSR_IA32_TSC:
		if (!vmx_vmcs_get(vmx, &flags))
			return -EIO;
		vmx->tsc_offset = data - rdtsc();
		vmcs_write(VMCS_TSC_OFFSET, vmx->tsc_offset);
		vmx_vmcs_put(vmx, flags);
		return 0;
	case MSR_IA32_CR_PAT:
		if (!lhv_pat_valid(data))
			return -EINVAL;
		vcpu->pat = data;
		return vmx_msr_field_set(vmx, index, data);
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		/*
		 * Entry checks these (SDM 27.3.1.1, 27.3.1.2); lhv_set_msr
		 * checked the FS/GS bases already.
		 */
		if (!lhv_canonical(data, 48))
			return -EINVAL;
		return vmx_msr_field_set(vmx, index, data);
	case MSR_IA32_SYSENTER_CS:
		return vmx_msr_field_set(vmx, index, (u32)data);
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
		/* Canonical: lhv_set_msr checked (the host's WRMSR needs it). */
		if (index == MSR_KERNEL_GS_BASE)
			vmx->kernel_gs_base = data;
		else if (index == MSR_LSTAR)
			vmx->lstar = data;
		else
			vmx->cstar = data;
		vmx_syscall_msr_written(vmx, index, data);
		return 0;
	case MSR_STAR:
		vmx->star = data;
		vmx_syscall_msr_written(vmx, index, data);
		return 0;
	case MSR_SYSCALL_MASK:
		if (data >> 32)
			return -EINVAL;
		vmx->sfmask = data;
		vmx_syscall_msr_written(vmx, index, data);
		return 0;
	case MSR_IA32_VMX_BASIC ... MSR_IA32_VMX_VMFUNC:
		return -EINVAL;
	}
	return -ENOENT;
}

/* ---- Exits handled here ---------------------------------------------- */

static void vmx_skip(struct lhv_vmx_vcpu *vmx)
{
	vmx->vcpu.regs[LHV_RIP] += vmcs_read(VMCS_EXIT_INSN_LEN);
}

static void vmx_inject_gp(struct lhv_vmx_vcpu *vmx)
{
	vmx_queue_exception(&vmx->vcpu, X86_TRAP_GP, true, 0);
}

static bool vmx_in_64bit_mode(void)
{
	return (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) &&
	       (vmcs_read(VMCS_SEG_AR(VMX_CS)) & VMX_AR_L);
}

/*
 * MOV to CR0 that changes a host-owned bit (NE, CD, NW).  Rather than
 * emulate paging-mode changes (LMA, PDPTE loads), the read shadow takes
 * the new values and the instruction runs again: it now matches the
 * shadow, executes natively and leaves the host-owned bits of the real
 * CR0 alone (SDM 26.3: "MOV to CR0").  The #GP conditions of MOV to CR0
 * (SDM vol. 2B) that involve these bits are checked here first.
 */
static void vmx_mov_to_cr0(struct lhv_vmx_vcpu *vmx, u64 val)
{
	u64 cr0 = vmx_read_cr0();

	if (!vmx_in_64bit_mode())
		val = (u32)val;
	if ((val >> 32) || ((val & X86_CR0_NW) && !(val & X86_CR0_CD)) ||
	    ((val & X86_CR0_PG) && !(val & X86_CR0_PE))) {
		vmx_inject_gp(vmx);
		return;
	}
	vmcs_write(VMCS_CR0_SHADOW, (cr0 & ~VMX_CR0_HOST_OWNED) |
		   (val & VMX_CR0_HOST_OWNED));
}

/*
 * MOV to CR4 that changes a host-owned bit.  OSXSAVE is taken into both
 * the real CR4 and the shadow, then the instruction runs again as for
 * CR0; any other host-owned bit is one the guest may not set (VMXE,
 * PCIDE, ...: reserved as far as its CPUID goes): #GP.
 */
static void vmx_mov_to_cr4(struct lhv_vmx_vcpu *vmx, u64 val)
{
	u64 cr4 = vmx_get_cr4(&vmx->vcpu);
	u64 owned = vmx_cr4_guest_owned();

	if (!vmx_in_64bit_mode())
		val = (u32)val;
	if ((val ^ cr4) & ~owned & ~VMX_CR4_TRAPPED) {
		vmx_inject_gp(vmx);
		return;
	}
	vmx_write_cr4(vmx, (cr4 & ~VMX_CR4_TRAPPED) | (val & VMX_CR4_TRAPPED));
}

/* Control-register accesses (exit qualification: SDM Table 28-3). */
static void vmx_handle_cr(struct lhv_vmx_vcpu *vmx, u64 qual,
			  struct lhv_exit *exit)
{
	u64 *reg = &vmx->vcpu.regs[CR_QUAL_GPR(qual)];
	int cr = CR_QUAL_CR(qual), type = CR_QUAL_TYPE(qual);

	exit->reason = LHV_EXIT_NONE;
	if (cr == 8 && type == CR_TYPE_MOV_TO) {
		/* No APIC yet: CR8 is a plain register (SDM 10.8.6.1). */
		if (*reg >> 4) {
			vmx_inject_gp(vmx);
			return;
		}
		vmx->cr8 = *reg;
		vmx_skip(vmx);
	} else if (cr == 8 && type == CR_TYPE_MOV_FROM) {
		*reg = vmx->cr8;
		vmx_skip(vmx);
	} else if (cr == 0 && type == CR_TYPE_MOV_TO) {
		vmx_mov_to_cr0(vmx, *reg);
	} else if (cr == 4 && type == CR_TYPE_MOV_TO) {
		vmx_mov_to_cr4(vmx, *reg);
	} else {
		exit->reason = LHV_EXIT_UNKNOWN;
	}
}

static void vmx_decode_io(struct lhv_vmx_vcpu *vmx, u64 qual,
			  struct lhv_exit *exit)
{
	exit->reason = LHV_EXIT_IO;
	exit->insn_len = vmcs_read(VMCS_EXIT_INSN_LEN);
	exit->io.port = IO_QUAL_PORT(qual);
	exit->io.size = IO_QUAL_SIZE(qual);
	exit->io.in = qual & IO_QUAL_IN;
	exit->io.string = qual & IO_QUAL_STRING;
	exit->io.rep = qual & IO_QUAL_REP;
	exit->io.next_rip = vmx->vcpu.regs[LHV_RIP] + exit->insn_len;
}

/* A VM exit (basic reasons: SDM Appendix C) as the core sees it. */
/*
 * An exception in the exception bitmap (LHV_EXC_INTERCEPTED) or an NMI.
 * The NMI is the host's (vmx_vcpu_run raised it again), and so is a
 * machine check (vmx_vcpu_run ran the host's handler); #DB and #AC go
 * back to the guest through the core (LHV_EXIT_EXCEPTION).
 *
 * #DB (SDM 27.1, Table 28-1): the exit leaves DR6 alone and reports the
 * bits the #DB would have set in the exit qualification: they are
 * merged into the guest's DR6 here (B0-B3 replaced, BD and BS added, RTM
 * active low), as delivery would have.  INT1 (ICEBP) exits before it
 * executes, as a privileged software exception: RIP moves past it and
 * the #DB is delivered as INT1's trap would be.  A single-step trap
 * pending in an STI/MOV SS shadow must be in the pending debug
 * exceptions field, or the next entry fails (SDM 27.3.1.5).
 */
static void vmx_decode_exception(struct lhv_vmx_vcpu *vmx, u32 info, u64 qual,
				 struct lhv_exit *exit)
{
	u8 vector = INTR_INFO_VECTOR(info);

	exit->reason = LHV_EXIT_NONE;
	if (!(info & INTR_INFO_VALID) || INTR_INFO_TYPE(info) == INTR_TYPE_NMI)
		return;
	exit->reason = LHV_EXIT_EXCEPTION;
	exit->exception.vector = vector;
	if (vector != X86_TRAP_DB)
		return;
	if (INTR_INFO_TYPE(info) == INTR_TYPE_PRIV_SW_EXC) {
		vmx_skip(vmx);
		return;
	}
	vmx->dr6 = ((vmx->dr6 & ~DR_TRAP_BITS) | (qual & VMX_DB_QUAL_DR6) |
		    DR6_RESERVED) & ~(qual & VMX_DB_QUAL_RTM);
	if ((vmx->vcpu.regs[LHV_RFLAGS] & X86_EFLAGS_TF) &&
	    (vmx->intr_state & (INTERRUPT_STI | INTERRUPT_MOV_SS)))
		vmcs_write(VMCS_GUEST_PENDING_DBG,
			   vmcs_read(VMCS_GUEST_PENDING_DBG) | DR_STEP);
}

void vmx_decode_exit(struct lhv_vmx_vcpu *vmx, u32 reason,
		     struct lhv_exit *exit)
{
	u32 basic = EXIT_REASON_BASIC(reason);
	u64 qual = vmcs_read(VMCS_EXIT_QUAL);

	exit->raw = basic;
	exit->info1 = qual;
	switch (basic) {
	case EXIT_EXCEPTION_NMI:
		exit->info2 = vmcs_read(VMCS_EXIT_INTR_INFO);
		vmx_decode_exception(vmx, exit->info2, qual, exit);
		break;
	case EXIT_INTR_WINDOW:
		vmx->irq_window = false;
		exit->reason = LHV_EXIT_INTR_WINDOW;
		break;
	case EXIT_NMI_WINDOW:
		vmx->nmi_window = false;
		exit->reason = LHV_EXIT_INTR_WINDOW;
		break;
	case EXIT_EXT_INTR:
	case EXIT_INIT:
	case EXIT_SIPI:
	case EXIT_IO_SMI:
	case EXIT_OTHER_SMI:
	case EXIT_PREEMPTION_TIMER:
		exit->reason = LHV_EXIT_NONE;
		break;
	case EXIT_TRIPLE_FAULT:
		exit->reason = LHV_EXIT_SHUTDOWN;
		break;
	case EXIT_CPUID:
		exit->reason = LHV_EXIT_CPUID;
		exit->insn_len = vmcs_read(VMCS_EXIT_INSN_LEN);
		break;
	case EXIT_HLT:
		exit->reason = LHV_EXIT_HLT;
		exit->insn_len = vmcs_read(VMCS_EXIT_INSN_LEN);
		break;
	case EXIT_IO:
		vmx_decode_io(vmx, qual, exit);
		break;
	case EXIT_RDMSR:
	case EXIT_WRMSR:
		exit->reason = basic == EXIT_RDMSR ? LHV_EXIT_RDMSR :
						     LHV_EXIT_WRMSR;
		exit->insn_len = vmcs_read(VMCS_EXIT_INSN_LEN);
		break;
	case EXIT_EPT_VIOLATION:
		/* Fault-in or MMIO emulation runs next: L1TF flush after. */
		vmx->l1d_flush = true;
		exit->reason = LHV_EXIT_NPF;
		exit->info2 = vmcs_read(VMCS_GUEST_PHYS_ADDR);
		exit->npf.gpa = exit->info2;
		exit->npf.write = qual & EPT_QUAL_WRITE;
		exit->npf.fetch = qual & EPT_QUAL_FETCH;
		exit->npf.present = qual & EPT_QUAL_PRESENT;
		/*
		 * The fault hit an IRET that had already lifted NMI blocking;
		 * the IRET runs again, so block again (SDM 28.2.3).
		 */
		if ((qual & EPT_QUAL_NMI_UNBLOCK) &&
		    !(vmx->event.info & INTR_INFO_VALID))
			vmx->vcpu.nmi_masked = true;
		break;
	case EXIT_EPT_MISCONFIG:
		/* lhv wrote a bad EPT entry: an internal error, with the GPA. */
		exit->info2 = vmcs_read(VMCS_GUEST_PHYS_ADDR);
		exit->reason = LHV_EXIT_UNKNOWN;
		break;
	case EXIT_CR_ACCESS:
		vmx_handle_cr(vmx, qual, exit);
		break;
	case EXIT_DR_ACCESS:
		vmx_take_dr(vmx);
		exit->reason = LHV_EXIT_NONE;
		break;
	case EXIT_INVD:
	case EXIT_WBINVD:
		/*
		 * Guest memory is write-back host memory and no device DMAs
		 * into it behind the caches: nothing to invalidate or write
		 * back, so both complete as no-ops.  A real WBINVD would
		 * stall the whole host for the guest (svm/svm.c says more).
		 */
		vmx_skip(vmx);
		exit->reason = LHV_EXIT_NONE;
		break;
	case EXIT_RDPMC:
		/*
		 * No performance counters for the guest (CPUID leaf 0AH
		 * reads as zero): every ECX is invalid, #GP(0) (SDM vol. 2B,
		 * RDPMC), as on KVM without a vPMU.
		 */
		vmx_inject_gp(vmx);
		exit->reason = LHV_EXIT_NONE;
		break;
	case EXIT_XSETBV:
		exit->reason = LHV_EXIT_XSETBV;
		exit->insn_len = vmcs_read(VMCS_EXIT_INSN_LEN);
		break;
	case EXIT_GETSEC:
	case EXIT_RSM:
	case EXIT_VMCALL ... EXIT_VMXON:
	case EXIT_MWAIT:
	case EXIT_MONITOR:
	case EXIT_INVEPT:
	case EXIT_INVVPID:
	case EXIT_VMFUNC:
		exit->reason = LHV_EXIT_UD;
		break;
	default:
		exit->reason = LHV_EXIT_UNKNOWN;
		break;
	}
}
