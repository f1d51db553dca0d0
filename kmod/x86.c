// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/x86.c - architectural rules both backends apply the same way: the
 * CR4 bits a guest may set, the consistency of a KVM_SET_SREGS state
 * (control registers, EFER, long mode; SDM 2.5, 9.8.5, APM 14.6), the
 * RESET/INIT register state (SDM 9.1.1, APM 14.1.3), PAT
 * values, reading guest-physical memory through the memslots, and
 * handing a machine check taken in guest mode to the host; the regs[]
 * offsets the entry .S files use (lhv_regs.h) checked against enum lhv_reg.
 */
#define pr_fmt(fmt) "lhv: " fmt

#include <linux/uaccess.h>
#include <asm/mce.h>
#include <asm/processor.h>
#include <asm/segment.h>

#include "lhv.h"
#include "lhv_regs.h"

/* The entry .S files' regs[] offsets are enum lhv_reg's. */
#define LHV_REG_OFFSET_OK(r) \
	static_assert(R_##r == LHV_##r * sizeof(u64))
LHV_REG_OFFSET_OK(RAX);
LHV_REG_OFFSET_OK(RCX);
LHV_REG_OFFSET_OK(RDX);
LHV_REG_OFFSET_OK(RBX);
LHV_REG_OFFSET_OK(RSP);
LHV_REG_OFFSET_OK(RBP);
LHV_REG_OFFSET_OK(RSI);
LHV_REG_OFFSET_OK(RDI);
LHV_REG_OFFSET_OK(R8);
LHV_REG_OFFSET_OK(R9);
LHV_REG_OFFSET_OK(R10);
LHV_REG_OFFSET_OK(R11);
LHV_REG_OFFSET_OK(R12);
LHV_REG_OFFSET_OK(R13);
LHV_REG_OFFSET_OK(R14);
LHV_REG_OFFSET_OK(R15);

/*
 * CR4 bits a guest may have, on either backend: the architectural ones
 * plus the features this host has (a CR4 bit the CPU lacks makes VM entry
 * fail).  The VMX backend further masks with its CR4_FIXED1.
 */
u64 lhv_cr4_allowed(void)
{
	u64 ok = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
		 X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE |
		 X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		ok |= X86_CR4_FSGSBASE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		ok |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		ok |= X86_CR4_SMAP;
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		ok |= X86_CR4_OSXSAVE;
	return ok;
}

bool lhv_sregs_valid(const struct kvm_sregs *sr, u64 cr4_ok, u64 efer_ok)
{
	bool lme_pg = (sr->efer & EFER_LME) && (sr->cr0 & X86_CR0_PG);

	if (sr->efer & ~efer_ok)
		return false;
	if (sr->cr0 >> 32 || sr->cr4 & ~cr4_ok)
		return false;
	if ((sr->cr0 & X86_CR0_PG) && !(sr->cr0 & X86_CR0_PE))
		return false;
	if ((sr->cr0 & X86_CR0_NW) && !(sr->cr0 & X86_CR0_CD))
		return false;
	if (sr->cr3 >> boot_cpu_data.x86_phys_bits)
		return false;
	if (lme_pg) {
		if (!(sr->cr4 & X86_CR4_PAE) || !(sr->efer & EFER_LMA))
			return false;
		if (sr->cs.l && sr->cs.db)
			return false;
	} else if (sr->efer & EFER_LMA) {
		return false;
	}
	return true;
}

/*
 * The state after RESET or INIT (SDM 9.1.1 Table 9-1, APM 14.1.3), as
 * KVM sets it, for both backends: real mode at F000:FFF0 (CS base
 * FFFF0000h), present read/write data segments at 0 with 64 KiB limits,
 * an LDT and a busy 16-bit TSS of the same, GDTR and IDTR limits FFFFh,
 * CR0 with CD, NW and ET, everything else zero.  DR6 and DR7 reset to
 * LHV_DR6_RESET and LHV_DR7_RESET.  Each backend writes this in its own
 * encoding and adds what is its own (EFER.SVME, VMX fixed bits).
 */
void lhv_reset_sregs(struct kvm_sregs *sr)
{
	static const struct kvm_segment cs = {
		.selector = 0xf000, .base = 0xffff0000, .limit = 0xffff,
		.type = 0xb, .s = 1, .present = 1,
	};
	static const struct kvm_segment data = {
		.limit = 0xffff, .type = 3, .s = 1, .present = 1,
	};
	static const struct kvm_segment ldt = {
		.limit = 0xffff, .type = 2, .present = 1,
	};
	static const struct kvm_segment tr = {
		.limit = 0xffff, .type = 0xb, .present = 1,
	};

	memset(sr, 0, sizeof(*sr));
	sr->cs = cs;
	sr->ds = data;
	sr->es = data;
	sr->fs = data;
	sr->gs = data;
	sr->ss = data;
	sr->ldt = ldt;
	sr->tr = tr;
	sr->gdt.limit = 0xffff;
	sr->idt.limit = 0xffff;
	sr->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
}

/*
 * The GPRs, RIP and RFLAGS after RESET or INIT (SDM 9.1.1, APM 14.1.3):
 * all zero but RIP (FFF0h, with lhv_reset_sregs's CS), RFLAGS bit 1 and
 * EDX, the processor signature (@sig: CPUID.1.EAX, or KVM's 0x600 when
 * it is 0, as when the vCPU's CPUID has none).
 */
void lhv_vcpu_reset_regs(struct lhv_vcpu *vcpu, u32 sig)
{
	memset(vcpu->regs, 0, sizeof(vcpu->regs));
	vcpu->regs[LHV_RIP] = 0xfff0;
	vcpu->regs[LHV_RFLAGS] = X86_EFLAGS_FIXED;
	vcpu->regs[LHV_RDX] = sig ? sig : 0x600;
}

/* Memory types 0, 1, 4, 5, 6, 7 in each of the eight entries (SDM 13.12.2). */
bool lhv_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (8 * i);

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

/*
 * Copy guest-physical memory within one memslot; -EFAULT outside RAM.
 * The caller holds the VM's srcu read lock.
 */
/* Is @gpa guest RAM (writable RAM, with @write)?  Under vm->srcu. */
bool lhv_gpa_is_ram(struct lhv_vcpu *vcpu, u64 gpa, bool write)
{
	const struct lhv_memslot *slot;

	slot = lhv_slot_by_gfn(srcu_dereference(vcpu->vm->slots,
						&vcpu->vm->srcu),
			       gpa >> PAGE_SHIFT);
	return slot && !(write && (slot->flags & KVM_MEM_READONLY));
}

int lhv_guest_phys_rw(struct lhv_vcpu *vcpu, u64 gpa, void *buf, int len,
		      bool write)
{
	struct lhv_vm *vm = vcpu->vm;
	const struct lhv_memslot *slot;
	unsigned long hva;

	slot = lhv_slot_by_gfn(srcu_dereference(vm->slots, &vm->srcu),
			       gpa >> PAGE_SHIFT);
	if (!slot || ((gpa + len - 1) >> PAGE_SHIFT) >=
		     slot->base_gfn + slot->npages)
		return -EFAULT;
	if (write && (slot->flags & KVM_MEM_READONLY))
		return -EFAULT;
	hva = slot->userspace_addr + (gpa - (slot->base_gfn << PAGE_SHIFT));
	if (write)
		return copy_to_user((void __user *)hva, buf, len) ? -EFAULT : 0;
	return copy_from_user(buf, (void __user *)hva, len) ? -EFAULT : 0;
}

/*
 * A guest's MOV to CR4 that the core emulates (lhv_handle_cr): the bits
 * lhv gives guests only, PAE kept and LA57 unchanged in IA-32e mode (SDM
 * Vol. 2B MOV to CR4, #GP(0) conditions).  Changing a bit that shapes
 * translations flushes the guest's TLB (SDM 4.10.4.1).  -EINVAL: #GP.
 */
int lhv_cr4_write(struct lhv_vcpu *vcpu, const struct kvm_sregs *sr, u64 val)
{
	u64 tlb = X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE | X86_CR4_SMEP |
		  X86_CR4_SMAP | X86_CR4_PCIDE | X86_CR4_LA57;
	u64 old = lhv_ops->get_cr4(vcpu);

	if (val & ~lhv_cr4_allowed())
		return -EINVAL;
	if ((sr->efer & EFER_LMA) &&
	    (!(val & X86_CR4_PAE) || ((val ^ old) & X86_CR4_LA57)))
		return -EINVAL;
	lhv_ops->set_cr4(vcpu, val);
	if ((val ^ old) & tlb)
		lhv_vcpu_request(vcpu, LHV_REQ_TLB_FLUSH);
	return 0;
}

/*
 * A machine check that hit while a guest ran (an #MC exit, or one during
 * VM entry) goes to the host's handler, with interrupts still off, as if
 * it had hit the host.  The frame says user mode: what the handler may do
 * to the interrupted context (kill it, for an unrecoverable error in its
 * memory) is done to the VMM thread that ran the guest, never to the
 * kernel.
 */
void lhv_host_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs frame = {
		.cs = __USER_CS,
		.ss = __USER_DS,
		.flags = X86_EFLAGS_IF | X86_EFLAGS_FIXED,
	};

	do_machine_check(&frame);
#endif
}
