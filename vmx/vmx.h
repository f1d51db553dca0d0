/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmx/vmx.h - the Intel VMX backend's own objects: the vCPU (its VMCS and
 * the guest state VMX does not switch by itself), the per-CPU state (VMXON
 * region, current VMCS, VMCSes loaded there), the capabilities found by the
 * probe, and the interface between the files of vmx/, bottom up: vmcs.c
 * (capabilities, per-CPU state, VMCS residency), vmx_events.c,
 * vmx_state.c, vmx_l1d.c and vmx_entry.S, called by vmx.c on top.
 * Only vmx/ includes this file.
 */
#ifndef LHV_VMX_H
#define LHV_VMX_H

#include <linux/list.h>
#include <linux/percpu-defs.h>
#include <asm/desc_defs.h>
#include "lhv.h"
#include "vmcs.h"

/* What the probe found and chose, fixed after module init. */
struct vmx_caps {
	u32 revision;		/* VMCS revision identifier */
	u32 pin, proc, proc2;	/* control values written to every VMCS */
	u32 exit, entry;
	u64 ept_vpid;		/* IA32_VMX_EPT_VPID_CAP */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u32 timer_rate;		/* preemption timer: TSC >> rate */
	bool has_timer;
};
extern struct vmx_caps vmx_caps;

/*
 * Guest-visible CR0/CR4 bits the host owns (SDM 25.6.6): reads see the
 * read shadow, writes that change them exit.  CR0.NE must stay set in
 * VMX operation and CD/NW would make the guest run uncached, so the
 * guest sees its own values of these three while the hardware keeps NE
 * set and caching on.  For CR4, every bit but the ones in
 * vmx_cr4_guest_owned() is the host's: VMXE stays set underneath, the
 * rest are features lhv does not give guests.
 */
#define VMX_CR0_HOST_OWNED	(X86_CR0_NE | X86_CR0_CD | X86_CR0_NW)

/* DR7 bit 10 reads as 1 (SDM 18.2.4); also its value after reset. */
#define VMX_DR7_FIXED1		0x400ULL

/* A pending event for the next VM entry (SDM 25.8.3). */
struct vmx_event {
	u32 info;		/* VM-entry interruption information */
	u32 error;
	u32 insn_len;		/* software interrupts and exceptions */
};

/*
 * struct lhv_vmx_vcpu - the VMX part of a vCPU.  Used by the thread that
 * holds vcpu->mutex; loaded_cpu and loaded_link are also changed by the
 * CPU the VMCS is loaded on (IPI, CPU offline) with interrupts off.
 */
struct lhv_vmx_vcpu {
	struct lhv_vcpu vcpu;		/* first: the core's part */
	void *vmcs;			/* one page, revision id at offset 0 */
	u64 vmcs_pa;
	u64 eptp;
	u16 vpid;			/* never 0 (SDM 27.2.1.1) */
	bool vpid_shared;		/* VMX_VPID_SHARED: flush every entry */
	int loaded_cpu;			/* CPU the VMCS is active on, or -1 */
	struct list_head loaded_link;	/* on that CPU's vmx_cpu.loaded */
	bool launched;			/* VMRESUME, not VMLAUNCH */
	bool flush_ept;			/* INVEPT before the next entry */
	bool flush_vpid;		/* INVVPID before the next entry */

	/* Host values cached to skip VMWRITEs that change nothing. */
	u64 host_cr3, host_cr4, host_fs_base;
	/*
	 * Host IA32_DEBUGCTL (perf LBR, ptrace BTF, bus-lock detection),
	 * which every exit clears: read before every entry with interrupts
	 * off, since perf may change it from an IPI between two entries.
	 */
	unsigned long host_debugctl;
	/* L1TF (vmx_l1d.c): flush the L1D before the next entry. */
	bool l1d_flush;
	u64 l1d_run;			/* the KVM_RUN that last entered */
	u32 proc_ctls;			/* primary controls in the VMCS */

	/* Guest state that lives outside the VMCS, or is cached from it. */
	struct vmx_event event;		/* valid when info & VALID */
	bool irq_window, nmi_window;	/* exit once an IRQ/NMI can go in */
	u32 intr_state;			/* interruptibility at intr_rip */
	u32 intr_vmcs;			/* ... as the VMCS holds it */
	u64 intr_rip;			/* RIP at the last exit */
	u64 cr4_hw, cr4_shadow;		/* GUEST_CR4 and its read shadow */
	u64 tsc_offset;
	u64 cr2;
	u8 cr8;				/* TPR: no APIC virtualisation */
	bool guest_owns_dr;		/* DR0-3, DR6 switched around entry */
	u64 dr[4], dr6;
	/*
	 * KERNEL_GS_BASE and the SYSCALL MSRs are not in the VMCS (SDM
	 * 27.3.2.1 loads only SYSENTER, PAT, EFER, ...).  They stay
	 * intercepted and are switched by hand, from the first entry on:
	 * loaded before an entry and left in the CPU across exits handled
	 * in the kernel (host code only needs them on the way back to user
	 * mode and in a task switch), put back by vcpu_put.  While loaded
	 * (syscall_msrs_loaded), the guest's KERNEL_GS_BASE lives in the
	 * MSR (SWAPGS changes it without an exit).
	 */
	bool syscall_msrs_loaded;
	u64 kernel_gs_base, star, lstar, cstar, sfmask;
	u64 host_kernel_gs_base;	/* the host's, while loaded */
};

static inline struct lhv_vmx_vcpu *to_vmx(struct lhv_vcpu *vcpu)
{
	return container_of(vcpu, struct lhv_vmx_vcpu, vcpu);
}

/* vmcs.c: the probe, the per-CPU state, VMCS residency. */
/*
 * struct vmx_cpu - per host CPU.  Touched only on that CPU, with
 * interrupts off (IPIs from vmx_vmcs_unload() run there too).
 */
struct vmx_cpu {
	void *vmxon_region;		/* one page, from hardware_setup */
	bool vmxon;			/* in VMX operation */
	struct lhv_vmx_vcpu *current_vmcs; /* after our last VMPTRLD */
	struct list_head loaded;	/* VMCSes active on this CPU */
	struct desc_ptr gdt, idt;	/* restored after every exit */
	u64 star, lstar, cstar, sfmask;	/* the host's SYSCALL MSRs */
};
DECLARE_PER_CPU(struct vmx_cpu, vmx_cpu);

bool vmx_hardware_supported(void);
/* Residency; each definition says in which context it runs. */
void vmx_vmcs_clear_here(struct lhv_vmx_vcpu *vmx);
void vmx_vmcs_unload(struct lhv_vmx_vcpu *vmx);
bool vmx_vmcs_load_here(struct lhv_vmx_vcpu *vmx);
bool vmx_vmcs_acquire(struct lhv_vmx_vcpu *vmx, unsigned long *flags);
/* Access to a VMCS outside vcpu_run (ioctls, exit handlers). */
bool vmx_vmcs_get(struct lhv_vmx_vcpu *vmx, unsigned long *flags);
void vmx_vmcs_put(struct lhv_vmx_vcpu *vmx, unsigned long flags);

/* vmx_state.c: guest state, MSRs, exits. */
void vmx_init_vmcs_guest(struct lhv_vmx_vcpu *vmx);
u64 vmx_cr4_guest_owned(void);
void vmx_set_cr4(struct lhv_vcpu *vcpu, u64 cr4);
u64 vmx_get_cr4(struct lhv_vcpu *vcpu);
void vmx_put_syscall_msrs(struct lhv_vmx_vcpu *vmx);
void vmx_get_sregs(struct lhv_vcpu *vcpu, struct kvm_sregs *sregs);
int vmx_set_sregs(struct lhv_vcpu *vcpu, const struct kvm_sregs *sregs);
int vmx_get_msr(struct lhv_vcpu *vcpu, u32 index, u64 *data);
int vmx_set_msr(struct lhv_vcpu *vcpu, u32 index, u64 data);
void vmx_set_cr2(struct lhv_vcpu *vcpu, u64 cr2);
void vmx_queue_exception(struct lhv_vcpu *vcpu, u8 vector, bool has_error,
			 u32 error_code);
u64 vmx_get_cr0(struct lhv_vcpu *vcpu);
u64 vmx_get_efer(struct lhv_vcpu *vcpu);
void vmx_msr_bitmap_init(void *bitmap);
void vmx_decode_exit(struct lhv_vmx_vcpu *vmx, u32 reason,
		     struct lhv_exit *exit);

/* vmx_events.c: registers around an entry, events, debug registers. */
void vmx_enter_guest_regs(struct lhv_vmx_vcpu *vmx);
void vmx_exit_guest_regs(struct lhv_vmx_vcpu *vmx);
void vmx_inject_event(struct lhv_vmx_vcpu *vmx);
void vmx_requeue_event(struct lhv_vmx_vcpu *vmx);
void vmx_take_dr(struct lhv_vmx_vcpu *vmx);
bool vmx_event_injected(struct lhv_vcpu *vcpu);
bool vmx_interrupt_allowed(struct lhv_vcpu *vcpu);
bool vmx_nmi_allowed(struct lhv_vcpu *vcpu);
void vmx_inject_irq(struct lhv_vcpu *vcpu, u8 vector);
void vmx_inject_nmi(struct lhv_vcpu *vcpu);
void vmx_set_irq_window(struct lhv_vcpu *vcpu, bool on);
void vmx_set_nmi_window(struct lhv_vcpu *vcpu, bool on);
void vmx_get_events(struct lhv_vcpu *vcpu, struct kvm_vcpu_events *ev);
int vmx_set_events(struct lhv_vcpu *vcpu, const struct kvm_vcpu_events *ev);
void vmx_get_debugregs(struct lhv_vcpu *vcpu, struct kvm_debugregs *d);
int vmx_set_debugregs(struct lhv_vcpu *vcpu, const struct kvm_debugregs *d);

/* vmx_entry.S: 0 after a VM exit, 1 on VMfail, 2 if VMX faulted. */
int lhv_vmx_enter(u64 *regs, bool launched);
void lhv_vmx_do_nmi(void);
extern const char lhv_vmx_exit[];

/* vmx_l1d.c: the L1TF mitigation. */
int vmx_l1d_setup(void);
void vmx_l1d_unsetup(void);
void vmx_l1d_flush(struct lhv_vmx_vcpu *vmx);

#endif /* LHV_VMX_H */
