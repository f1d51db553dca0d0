/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmx/vmcs.h - the architectural vocabulary of Intel VMX: VMCS field
 * encodings (SDM vol. 3, Appendix B), the bits of the VM-execution, exit
 * and entry controls (SDM 25.6-25.8), basic exit reasons (Appendix C),
 * exit qualifications (SDM 28.2.1) and thin wrappers around the VMX
 * instructions.  Only vmx/ includes this file.
 */
#ifndef LHV_VMCS_H
#define LHV_VMCS_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/bug.h>
#include <asm/asm.h>

/* 16-bit fields (SDM B.1) */
#define VMCS_VPID			0x0000
#define VMCS_GUEST_ES_SEL		0x0800
#define VMCS_GUEST_CS_SEL		0x0802
#define VMCS_GUEST_SS_SEL		0x0804
#define VMCS_GUEST_DS_SEL		0x0806
#define VMCS_GUEST_FS_SEL		0x0808
#define VMCS_GUEST_GS_SEL		0x080a
#define VMCS_GUEST_LDTR_SEL		0x080c
#define VMCS_GUEST_TR_SEL		0x080e
#define VMCS_HOST_ES_SEL		0x0c00
#define VMCS_HOST_CS_SEL		0x0c02
#define VMCS_HOST_SS_SEL		0x0c04
#define VMCS_HOST_DS_SEL		0x0c06
#define VMCS_HOST_FS_SEL		0x0c08
#define VMCS_HOST_GS_SEL		0x0c0a
#define VMCS_HOST_TR_SEL		0x0c0c

/* 64-bit fields (SDM B.2) */
#define VMCS_MSR_BITMAP			0x2004
#define VMCS_EXIT_MSR_STORE_ADDR	0x2006
#define VMCS_EXIT_MSR_LOAD_ADDR		0x2008
#define VMCS_ENTRY_MSR_LOAD_ADDR	0x200a
#define VMCS_TSC_OFFSET			0x2010
#define VMCS_EPT_POINTER		0x201a
#define VMCS_GUEST_PHYS_ADDR		0x2400
#define VMCS_LINK_POINTER		0x2800
#define VMCS_GUEST_DEBUGCTL		0x2802
#define VMCS_GUEST_PAT			0x2804
#define VMCS_GUEST_EFER			0x2806
#define VMCS_GUEST_PDPTE0		0x280a
#define VMCS_HOST_PAT			0x2c00
#define VMCS_HOST_EFER			0x2c02

/* 32-bit fields (SDM B.3) */
#define VMCS_PIN_CTLS			0x4000
#define VMCS_PROC_CTLS			0x4002
#define VMCS_EXCEPTION_BITMAP		0x4004
#define VMCS_PF_ERR_MASK		0x4006
#define VMCS_PF_ERR_MATCH		0x4008
#define VMCS_CR3_TARGET_COUNT		0x400a
#define VMCS_EXIT_CTLS			0x400c
#define VMCS_EXIT_MSR_STORE_COUNT	0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT	0x4010
#define VMCS_ENTRY_CTLS			0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT	0x4014
#define VMCS_ENTRY_INTR_INFO		0x4016
#define VMCS_ENTRY_EXC_ERROR		0x4018
#define VMCS_ENTRY_INSN_LEN		0x401a
#define VMCS_PROC_CTLS2			0x401e
#define VMCS_INSN_ERROR			0x4400
#define VMCS_EXIT_REASON		0x4402
#define VMCS_EXIT_INTR_INFO		0x4404
#define VMCS_EXIT_INTR_ERROR		0x4406
#define VMCS_IDT_VEC_INFO		0x4408
#define VMCS_IDT_VEC_ERROR		0x440a
#define VMCS_EXIT_INSN_LEN		0x440c
#define VMCS_EXIT_INSN_INFO		0x440e
#define VMCS_GUEST_ES_LIMIT		0x4800
#define VMCS_GUEST_GDTR_LIMIT		0x4810
#define VMCS_GUEST_IDTR_LIMIT		0x4812
#define VMCS_GUEST_ES_AR		0x4814
#define VMCS_GUEST_INTERRUPTIBILITY	0x4824
#define VMCS_GUEST_ACTIVITY		0x4826
#define VMCS_GUEST_SYSENTER_CS		0x482a
#define VMCS_PREEMPTION_TIMER		0x482e
#define VMCS_HOST_SYSENTER_CS		0x4c00

/* Natural-width fields (SDM B.4) */
#define VMCS_CR0_MASK			0x6000
#define VMCS_CR4_MASK			0x6002
#define VMCS_CR0_SHADOW			0x6004
#define VMCS_CR4_SHADOW			0x6006
#define VMCS_EXIT_QUAL			0x6400
#define VMCS_GUEST_LINEAR_ADDR		0x640a
#define VMCS_GUEST_CR0			0x6800
#define VMCS_GUEST_CR3			0x6802
#define VMCS_GUEST_CR4			0x6804
#define VMCS_GUEST_ES_BASE		0x6806
#define VMCS_GUEST_GDTR_BASE		0x6816
#define VMCS_GUEST_IDTR_BASE		0x6818
#define VMCS_GUEST_DR7			0x681a
#define VMCS_GUEST_RSP			0x681c
#define VMCS_GUEST_RIP			0x681e
#define VMCS_GUEST_RFLAGS		0x6820
#define VMCS_GUEST_PENDING_DBG		0x6822
#define VMCS_GUEST_SYSENTER_ESP		0x6824
#define VMCS_GUEST_SYSENTER_EIP		0x6826
#define VMCS_HOST_CR0			0x6c00
#define VMCS_HOST_CR3			0x6c02
#define VMCS_HOST_CR4			0x6c04
#define VMCS_HOST_FS_BASE		0x6c06
#define VMCS_HOST_GS_BASE		0x6c08
#define VMCS_HOST_TR_BASE		0x6c0a
#define VMCS_HOST_GDTR_BASE		0x6c0c
#define VMCS_HOST_IDTR_BASE		0x6c0e
#define VMCS_HOST_SYSENTER_ESP		0x6c10
#define VMCS_HOST_SYSENTER_EIP		0x6c12
#define VMCS_HOST_RSP			0x6c14
#define VMCS_HOST_RIP			0x6c16

/*
 * The guest segment fields come in runs of eight, in the order ES CS SS
 * DS FS GS LDTR TR, two encodings apart (SDM B.1.2, B.3.3, B.4.3).
 */
enum vmx_seg { VMX_ES, VMX_CS, VMX_SS, VMX_DS, VMX_FS, VMX_GS, VMX_LDTR,
	       VMX_TR };
#define VMCS_SEG_SEL(s)		(VMCS_GUEST_ES_SEL + 2 * (s))
#define VMCS_SEG_LIMIT(s)	(VMCS_GUEST_ES_LIMIT + 2 * (s))
#define VMCS_SEG_AR(s)		(VMCS_GUEST_ES_AR + 2 * (s))
#define VMCS_SEG_BASE(s)	(VMCS_GUEST_ES_BASE + 2 * (s))

/* Pin-based VM-execution controls (SDM 25.6.1) */
#define PIN_EXT_INTR_EXITING		BIT(0)
#define PIN_NMI_EXITING			BIT(3)
#define PIN_VIRTUAL_NMIS		BIT(5)
#define PIN_PREEMPTION_TIMER		BIT(6)

/* Primary processor-based VM-execution controls (SDM 25.6.2) */
#define PROC_INTR_WINDOW_EXITING	BIT(2)
#define PROC_TSC_OFFSETTING		BIT(3)
#define PROC_HLT_EXITING		BIT(7)
#define PROC_INVLPG_EXITING		BIT(9)
#define PROC_MWAIT_EXITING		BIT(10)
#define PROC_RDPMC_EXITING		BIT(11)
#define PROC_RDTSC_EXITING		BIT(12)
#define PROC_CR3_LOAD_EXITING		BIT(15)
#define PROC_CR3_STORE_EXITING		BIT(16)
#define PROC_CR8_LOAD_EXITING		BIT(19)
#define PROC_CR8_STORE_EXITING		BIT(20)
#define PROC_TPR_SHADOW			BIT(21)
#define PROC_NMI_WINDOW_EXITING		BIT(22)
#define PROC_MOV_DR_EXITING		BIT(23)
#define PROC_UNCOND_IO_EXITING		BIT(24)
#define PROC_IO_BITMAPS			BIT(25)
#define PROC_MSR_BITMAPS		BIT(28)
#define PROC_MONITOR_EXITING		BIT(29)
#define PROC_SECONDARY			BIT(31)

/* Secondary processor-based VM-execution controls (SDM 25.6.2) */
#define PROC2_EPT			BIT(1)
#define PROC2_RDTSCP			BIT(3)
#define PROC2_VPID			BIT(5)
#define PROC2_WBINVD_EXITING		BIT(6)
#define PROC2_UNRESTRICTED		BIT(7)
#define PROC2_INVPCID			BIT(12)

/* VM-exit controls (SDM 25.7.1) */
#define EXIT_SAVE_DEBUG			BIT(2)
#define EXIT_HOST_64			BIT(9)
#define EXIT_ACK_INTR			BIT(15)
#define EXIT_SAVE_PAT			BIT(18)
#define EXIT_LOAD_PAT			BIT(19)
#define EXIT_SAVE_EFER			BIT(20)
#define EXIT_LOAD_EFER			BIT(21)
#define EXIT_SAVE_PREEMPTION_TIMER	BIT(22)

/* VM-entry controls (SDM 25.8.1) */
#define ENTRY_LOAD_DEBUG		BIT(2)
#define ENTRY_IA32E_GUEST		BIT(9)
#define ENTRY_LOAD_PAT			BIT(14)
#define ENTRY_LOAD_EFER			BIT(15)

/* IA32_VMX_BASIC (SDM A.1) */
#define VMX_BASIC_REVISION(b)		((u32)(b) & 0x7fffffff)
#define VMX_BASIC_SIZE(b)		(((b) >> 32) & 0x1fff)
#define VMX_BASIC_32BIT_ADDR		BIT_ULL(48)
#define VMX_BASIC_MEMTYPE(b)		(((b) >> 50) & 0xf)
#define VMX_BASIC_TRUE_CONTROLS		BIT_ULL(55)
#define VMX_MEMTYPE_WB			6

/* IA32_VMX_MISC (SDM A.6) */
#define VMX_MISC_TIMER_RATE(m)		((m) & 0x1f)
#define VMX_MISC_SAVES_LMA		BIT_ULL(5)

/* IA32_VMX_EPT_VPID_CAP (SDM A.10) */
#define EPT_CAP_WALK4			BIT_ULL(6)
#define EPT_CAP_WB			BIT_ULL(14)
#define EPT_CAP_INVEPT			BIT_ULL(20)
#define EPT_CAP_AD			BIT_ULL(21)
#define EPT_CAP_INVEPT_SINGLE		BIT_ULL(25)
#define EPT_CAP_INVEPT_ALL		BIT_ULL(26)
#define VPID_CAP_INVVPID		BIT_ULL(32)
#define VPID_CAP_INVVPID_SINGLE		BIT_ULL(41)
#define VPID_CAP_INVVPID_ALL		BIT_ULL(42)

/* EPT pointer (SDM 25.6.11) */
#define EPTP_WB				6ULL
#define EPTP_WALK4			(3ULL << 3)
#define EPTP_AD				BIT_ULL(6)

/* INVEPT / INVVPID types (SDM vol. 2B) */
#define INVEPT_SINGLE			1
#define INVEPT_ALL			2
#define INVVPID_SINGLE			1
#define INVVPID_ALL			2

/* Basic exit reasons (SDM Appendix C) */
#define EXIT_EXCEPTION_NMI		0
#define EXIT_EXT_INTR			1
#define EXIT_TRIPLE_FAULT		2
#define EXIT_INIT			3
#define EXIT_SIPI			4
#define EXIT_IO_SMI			5
#define EXIT_OTHER_SMI			6
#define EXIT_INTR_WINDOW		7
#define EXIT_NMI_WINDOW			8
#define EXIT_TASK_SWITCH		9
#define EXIT_CPUID			10
#define EXIT_GETSEC			11
#define EXIT_HLT			12
#define EXIT_INVD			13
#define EXIT_RDPMC			15
#define EXIT_RSM			17
#define EXIT_VMCALL			18
#define EXIT_VMCLEAR			19
#define EXIT_VMXON			27
#define EXIT_CR_ACCESS			28
#define EXIT_DR_ACCESS			29
#define EXIT_IO				30
#define EXIT_RDMSR			31
#define EXIT_WRMSR			32
#define EXIT_INVALID_STATE		33
#define EXIT_MSR_LOAD_FAIL		34
#define EXIT_MWAIT			36
#define EXIT_MONITOR			39
#define EXIT_MCE_DURING_ENTRY		41
#define EXIT_EPT_VIOLATION		48
#define EXIT_EPT_MISCONFIG		49
#define EXIT_INVEPT			50
#define EXIT_PREEMPTION_TIMER		52
#define EXIT_INVVPID			53
#define EXIT_WBINVD			54
#define EXIT_XSETBV			55
#define EXIT_VMFUNC			59
#define EXIT_REASON_ENTRY_FAIL		BIT(31)
#define EXIT_REASON_BASIC(r)		((r) & 0xffff)

/* VM-entry/exit interruption information (SDM 25.8.3, 25.9.2) */
#define INTR_INFO_VECTOR(i)		((i) & 0xff)
#define INTR_INFO_TYPE(i)		(((i) >> 8) & 7)
#define INTR_INFO_ERR_VALID		BIT(11)
#define INTR_INFO_VALID			BIT(31)
#define INTR_TYPE_EXT			0
#define INTR_TYPE_NMI			2
#define INTR_TYPE_HW_EXC		3
#define INTR_TYPE_SW_INT		4
#define INTR_TYPE_PRIV_SW_EXC		5
#define INTR_TYPE_SW_EXC		6

/*
 * Exit qualification of a #DB exit (SDM Table 28-1): the DR6 bits the
 * exception would have set (B0-B3, BD, BS) and RTM, active high here.
 */
#define VMX_DB_QUAL_DR6			(DR_TRAP_BITS | BIT(13) | DR_STEP)
#define VMX_DB_QUAL_RTM			BIT(16)

/* Guest interruptibility state (SDM 25.4.2, Table 25-3) */
#define INTERRUPT_STI			BIT(0)
#define INTERRUPT_MOV_SS		BIT(1)
#define INTERRUPT_NMI			BIT(3)

/* Exit qualification of I/O instructions (SDM Table 28-5) */
#define IO_QUAL_SIZE(q)			(((q) & 7) + 1)
#define IO_QUAL_IN			BIT(3)
#define IO_QUAL_STRING			BIT(4)
#define IO_QUAL_REP			BIT(5)
#define IO_QUAL_PORT(q)			(((q) >> 16) & 0xffff)

/* Exit qualification of control-register accesses (SDM Table 28-3) */
#define CR_QUAL_CR(q)			((q) & 15)
#define CR_QUAL_TYPE(q)			(((q) >> 4) & 3)
#define CR_QUAL_GPR(q)			(((q) >> 8) & 15)
#define CR_TYPE_MOV_TO			0
#define CR_TYPE_MOV_FROM		1

/* Exit qualification of EPT violations (SDM Table 28-7) */
#define EPT_QUAL_READ			BIT(0)
#define EPT_QUAL_WRITE			BIT(1)
#define EPT_QUAL_FETCH			BIT(2)
#define EPT_QUAL_PRESENT		(BIT(3) | BIT(4) | BIT(5))
#define EPT_QUAL_NMI_UNBLOCK		BIT(12)

/* VM-instruction error numbers worth naming (SDM 31.4) */
#define VMX_ERR_ENTRY_BAD_CTLS		7
#define VMX_ERR_ENTRY_BAD_HOST		8

/*
 * For VMXON and VMXOFF: a fault (#GP, #UD: VMX not usable after all)
 * continues at 2:, and reports failure as VMfail does.
 */
#define VMX_FAULT_IS_FAIL	"jmp 3f\n2:\tjmp %l[fail]\n3:\n\t" \
				_ASM_EXTABLE(1b, 2b)

/*
 * The instruction wrappers.  VMX instructions report failure in RFLAGS
 * (SDM 31.2): CF for VMfailInvalid, ZF for VMfailValid; "jna" takes both.
 */
static __always_inline u64 vmcs_read(unsigned long field)
{
	u64 value;

	asm volatile("vmread %1, %0" : "=r" (value) : "r" (field) : "cc");
	return value;
}

static inline void vmcs_write_failed(unsigned long field, u64 value)
{
	WARN_ONCE(1, "lhv: vmx: VMWRITE %#lx <- %#llx failed\n", field,
		  value);
}

static __always_inline void vmcs_write(unsigned long field, u64 value)
{
	asm goto("vmwrite %0, %1\n\t"
		 "jna %l[fail]"
		 : : "r" (value), "r" (field) : "cc" : fail);
	return;
fail:
	vmcs_write_failed(field, value);
}

/* VMCLEAR and VMPTRLD: false on VMfail. */
static inline bool vmx_vmclear(u64 pa)
{
	asm goto("vmclear %0\n\t"
		 "jna %l[fail]"
		 : : "m" (pa) : "cc", "memory" : fail);
	return true;
fail:
	return false;
}

static inline bool vmx_vmptrld(u64 pa)
{
	asm goto("vmptrld %0\n\t"
		 "jna %l[fail]"
		 : : "m" (pa) : "cc", "memory" : fail);
	return true;
fail:
	return false;
}

static inline bool vmx_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, rsvd; } desc = { eptp, 0 };

	asm goto("invept %0, %1\n\t"
		 "jna %l[fail]"
		 : : "m" (desc), "r" (type) : "cc", "memory" : fail);
	return true;
fail:
	return false;
}

static inline bool vmx_invvpid(unsigned long type, u16 vpid)
{
	struct { u64 vpid, gla; } desc = { vpid, 0 };

	asm goto("invvpid %0, %1\n\t"
		 "jna %l[fail]"
		 : : "m" (desc), "r" (type) : "cc", "memory" : fail);
	return true;
fail:
	return false;
}

#endif /* LHV_VMCS_H */
