/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svm/svm.h - the VMCB layout, intercept and exit codes of AMD SVM
 * (AMD APM vol. 2, Appendix B and C) and the SVM backend's vCPU.  Only
 * svm/ includes this file.
 */
#ifndef LHV_SVM_H
#define LHV_SVM_H

#include <linux/build_bug.h>
#include "lhv.h"

struct vmcb_seg {
	u16 selector;
	u16 attrib;		/* packed: type S DPL P AVL L DB G */
	u32 limit;
	u64 base;
} __packed;

/* APM vol. 2, Table B-1: control area, offsets from the VMCB start. */
struct vmcb_control {
	u32 intercept_cr;	/* 0x000: reads 0-15, writes 16-31 */
	u32 intercept_dr;	/* 0x004 */
	u32 intercept_exc;	/* 0x008 */
	u32 intercept1;		/* 0x00c */
	u32 intercept2;		/* 0x010 */
	u32 intercept3;		/* 0x014 */
	u8 rsvd1[0x3c - 0x18];
	u16 pause_thresh;	/* 0x03c */
	u16 pause_count;	/* 0x03e */
	u64 iopm_pa;		/* 0x040 */
	u64 msrpm_pa;		/* 0x048 */
	u64 tsc_offset;		/* 0x050 */
	u32 asid;		/* 0x058 */
	u8 tlb_control;		/* 0x05c */
	u8 rsvd2[3];
	u32 int_ctl;		/* 0x060 */
	u32 int_vector;		/* 0x064 */
	u64 int_state;		/* 0x068 */
	u64 exit_code;		/* 0x070 */
	u64 exit_info1;		/* 0x078 */
	u64 exit_info2;		/* 0x080 */
	u64 exit_int_info;	/* 0x088 */
	u64 np_ctl;		/* 0x090 */
	u64 avic_bar;		/* 0x098 */
	u64 ghcb_pa;		/* 0x0a0 */
	u64 event_inj;		/* 0x0a8 */
	u64 n_cr3;		/* 0x0b0 */
	u64 virt_ext;		/* 0x0b8 */
	u32 clean;		/* 0x0c0 */
	u32 rsvd3;
	u64 next_rip;		/* 0x0c8 */
	u8 insn_len;		/* 0x0d0 */
	u8 insn_bytes[15];
	u8 rsvd4[0x400 - 0xe0];
} __packed;

/* APM vol. 2, Table B-2: state save area, at VMCB offset 0x400. */
struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	u8 rsvd1[0xcb - 0xa0];
	u8 cpl;			/* 0x4cb */
	u32 rsvd2;
	u64 efer;		/* 0x4d0 */
	u8 rsvd3[0x148 - 0xd8];
	u64 cr4;		/* 0x548 */
	u64 cr3;
	u64 cr0;
	u64 dr7;
	u64 dr6;
	u64 rflags;
	u64 rip;		/* 0x578 */
	u8 rsvd4[0x1d8 - 0x180];
	u64 rsp;		/* 0x5d8 */
	u64 s_cet, ssp, isst_addr;
	u64 rax;		/* 0x5f8 */
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 cr2;		/* 0x640 */
	u8 rsvd5[0x268 - 0x248];
	u64 g_pat;		/* 0x668 */
	u64 dbgctl, br_from, br_to, last_excp_from, last_excp_to;
} __packed;

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __packed;

static_assert(offsetof(struct vmcb, control.exit_code) == 0x070);
static_assert(offsetof(struct vmcb, control.next_rip) == 0x0c8);
static_assert(offsetof(struct vmcb, save) == 0x400);
static_assert(offsetof(struct vmcb, save.efer) == 0x4d0);
static_assert(offsetof(struct vmcb, save.cr4) == 0x548);
static_assert(offsetof(struct vmcb, save.rsp) == 0x5d8);
static_assert(offsetof(struct vmcb, save.rax) == 0x5f8);
static_assert(offsetof(struct vmcb, save.g_pat) == 0x668);

/* intercept1 (VMCB 0x00c) */
#define SVM_I1_INTR		BIT(0)
#define SVM_I1_NMI		BIT(1)
#define SVM_I1_SMI		BIT(2)
#define SVM_I1_INIT		BIT(3)
#define SVM_I1_VINTR		BIT(4)
#define SVM_I1_RDPMC		BIT(15)
#define SVM_I1_CPUID		BIT(18)
#define SVM_I1_IRET		BIT(20)
#define SVM_I1_INVD		BIT(22)
#define SVM_I1_HLT		BIT(24)
#define SVM_I1_INVLPGA		BIT(26)
#define SVM_I1_IOIO		BIT(27)
#define SVM_I1_MSR		BIT(28)
#define SVM_I1_SHUTDOWN		BIT(31)
/* intercept2 (VMCB 0x010) */
#define SVM_I2_VMRUN		BIT(0)
#define SVM_I2_VMMCALL		BIT(1)
#define SVM_I2_VMLOAD		BIT(2)
#define SVM_I2_VMSAVE		BIT(3)
#define SVM_I2_STGI		BIT(4)
#define SVM_I2_CLGI		BIT(5)
#define SVM_I2_SKINIT		BIT(6)
#define SVM_I2_RDTSCP		BIT(7)
#define SVM_I2_WBINVD		BIT(9)	/* WBINVD and WBNOINVD */
#define SVM_I2_MONITOR		BIT(10)
#define SVM_I2_MWAIT		BIT(11)
#define SVM_I2_MWAIT_COND	BIT(12)
#define SVM_I2_XSETBV		BIT(13)
#define SVM_I2_RDPRU		BIT(14)

#define SVM_INT_CTL_V_IRQ	BIT(8)
#define SVM_INT_CTL_V_PRIO_MASK	(0xfu << 16)
#define SVM_INT_CTL_V_IGN_TPR	BIT(20)
#define SVM_INT_CTL_V_INTR_MASKING	BIT(24)
#define SVM_INT_SHADOW		BIT_ULL(0)
#define SVM_NP_ENABLE		BIT_ULL(0)
#define SVM_TLB_FLUSH_ALL	1

/* EVENTINJ / EXITINTINFO (APM 15.20) */
#define SVM_EV_VALID		BIT_ULL(31)
#define SVM_EV_ERR_VALID	BIT_ULL(11)
#define SVM_EV_TYPE_SHIFT	8
#define SVM_EV_TYPE_MASK	(7ULL << SVM_EV_TYPE_SHIFT)
#define SVM_EV_TYPE_INTR	(0ULL << SVM_EV_TYPE_SHIFT)
#define SVM_EV_TYPE_NMI		(2ULL << SVM_EV_TYPE_SHIFT)
#define SVM_EV_TYPE_EXC		(3ULL << SVM_EV_TYPE_SHIFT)
#define SVM_EV_TYPE_SOFT	(4ULL << SVM_EV_TYPE_SHIFT)

/*
 * CR4 reads and writes are intercepted (bits 4 and 16 + 4 of
 * intercept_cr): the hardware CR4 keeps the host's MCE bit, so that a
 * machine check in guest mode is an #MC exit and not a shutdown, and the
 * guest sees its own value (svm->cr4).  CR0 is the guest's outright:
 * #VMEXIT loads the host's CR0 again (APM 15.6), so a guest's CR0.CD or
 * NW makes only guest mode run uncached, at the guest's own cost.
 */
#define SVM_CR_INTERCEPTS	(BIT(4) | BIT(16 + 4))

/* Exit codes (APM vol. 2, Appendix C) */
#define SVM_EXIT_READ_CR4	0x004
#define SVM_EXIT_WRITE_CR4	0x014
#define SVM_EXIT_DR0_READ	0x020
#define SVM_EXIT_DR15_WRITE	0x03f
#define SVM_EXIT_EXCP_BASE	0x040	/* + the vector, to 0x05f */
#define SVM_EXIT_EXCP_LAST	0x05f
#define SVM_EXIT_INTR		0x060
#define SVM_EXIT_NMI		0x061
#define SVM_EXIT_SMI		0x062
#define SVM_EXIT_INIT		0x063
#define SVM_EXIT_VINTR		0x064
#define SVM_EXIT_RDPMC		0x06f
#define SVM_EXIT_CPUID		0x072
#define SVM_EXIT_IRET		0x074
#define SVM_EXIT_INVD		0x076
#define SVM_EXIT_HLT		0x078
#define SVM_EXIT_INVLPGA	0x07a
#define SVM_EXIT_IOIO		0x07b
#define SVM_EXIT_MSR		0x07c
#define SVM_EXIT_SHUTDOWN	0x07f
#define SVM_EXIT_VMRUN		0x080
#define SVM_EXIT_SKINIT		0x086
#define SVM_EXIT_RDTSCP		0x087
#define SVM_EXIT_WBINVD		0x089
#define SVM_EXIT_MONITOR	0x08a
#define SVM_EXIT_MWAIT_COND	0x08c
#define SVM_EXIT_XSETBV		0x08d
#define SVM_EXIT_RDPRU		0x08e
#define SVM_EXIT_NPF		0x400
#define SVM_EXIT_INVALID	((u64)-1)

/* IOIO EXITINFO1 (APM 15.10.2) */
#define SVM_IO_IN		BIT(0)
#define SVM_IO_STR		BIT(2)
#define SVM_IO_REP		BIT(3)

/* Nested page fault EXITINFO1 (APM 15.25.6) */
#define SVM_NPF_P		BIT_ULL(0)
#define SVM_NPF_W		BIT_ULL(1)
#define SVM_NPF_ID		BIT_ULL(4)

/* DR0-DR3 reads and writes start intercepted (see svm_take_dr). */
#define SVM_DR_INTERCEPTS	0x000f000f

struct lhv_svm_vcpu {
	struct lhv_vcpu vcpu;		/* first: the core's part */
	struct vmcb *vmcb;
	u64 vmcb_pa;
	u32 asid;			/* valid while asid_gen matches */
	u64 asid_gen;
	u64 shadow_rip;			/* RIP of the last exit */
	bool guest_owns_dr;		/* DR0-3 switched around VMRUN */
	bool tsc_aux_loaded;		/* MSR_TSC_AUX holds the guest's */
	u32 tsc_aux_hw;			/* what it holds then */
	u64 dr[4];
	u32 pkru;			/* the guest's, on hosts with PKU */
	u64 cr4;			/* the guest's view (SVM_CR_INTERCEPTS) */
};

static inline struct lhv_svm_vcpu *to_svm(struct lhv_vcpu *vcpu)
{
	return container_of(vcpu, struct lhv_svm_vcpu, vcpu);
}

/* svm_entry.S */
int lhv_svm_enter(u64 *regs, u64 vmcb_pa, u64 host_save_pa);

#endif /* LHV_SVM_H */
