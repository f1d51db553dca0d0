/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmod/lhv.h - lhv's core objects (VM, vCPU), the backend operations table
 * and the normalised exit record.  Nothing here knows what a VMCB or a VMCS
 * is: svm/ and vmx/ embed struct lhv_vcpu / struct lhv_vm at the start of
 * their own structures and fill in struct lhv_arch_ops.
 */
#ifndef LHV_H
#define LHV_H

#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/refcount.h>
#include <linux/preempt.h>

#ifndef CONFIG_PREEMPT_NOTIFIERS
#error "lhv needs CONFIG_PREEMPT_NOTIFIERS (which CONFIG_KVM selects)"
#endif
#include <linux/kvm.h>
#include <linux/lhv.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/trapnr.h>
#include <asm/debugreg.h>

#include "mmu.h"
#include "emul.h"
#include "gpt.h"

#define LHV_API_VERSION		12
#define LHV_MAX_VCPUS		8
#define LHV_MAX_VCPU_ID		1024
#define LHV_MAX_CPUID_ENTRIES	256

/* Index of the guest registers kept in struct lhv_vcpu.regs. */
enum lhv_reg {
	LHV_RAX, LHV_RCX, LHV_RDX, LHV_RBX, LHV_RSP, LHV_RBP, LHV_RSI, LHV_RDI,
	LHV_R8, LHV_R9, LHV_R10, LHV_R11, LHV_R12, LHV_R13, LHV_R14, LHV_R15,
	LHV_RIP, LHV_RFLAGS,
	LHV_NR_REGS
};

/*
 * Exceptions both backends intercept always.  #DB and #AC, because an
 * exception whose delivery raises the same exception again loops inside
 * the CPU with no VM exit and no interrupt window, and the host CPU hangs
 * (CVE-2015-8104: a data breakpoint on the stack that #DB delivery
 * writes; CVE-2015-5307: #AC delivery onto a misaligned stack at CPL 3).
 * Intercepted, each one is a VM exit and the core hands it back to the
 * guest (lhv_handle_exception): a guest that loops only loops itself,
 * and the host still takes its interrupts between exits.  #MC, because a
 * machine check in guest mode is the host's to handle.
 */
#define LHV_EXC_INTERCEPTED	(BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) | \
				 BIT(X86_TRAP_MC))

/* Requests a vCPU acts on before its next entry (bits in vcpu->requests). */
#define LHV_REQ_TLB_FLUSH	0

/*
 * Why the guest exited, as the core counts it (struct lhv_exit.reason).
 * Internal: userspace sees the counters by name through the binary stats
 * fd (kmod/stats.c names them "exits_..."), so a new reason changes no
 * ABI; give it its name there too.
 */
enum lhv_exit_reason {
	LHV_EXIT_NONE = 0,	/* host interrupt/NMI, nothing for the guest */
	LHV_EXIT_IO,
	LHV_EXIT_HLT,
	LHV_EXIT_CPUID,
	LHV_EXIT_RDMSR,
	LHV_EXIT_WRMSR,
	LHV_EXIT_NPF,		/* nested page fault / EPT violation */
	LHV_EXIT_SHUTDOWN,	/* triple fault */
	LHV_EXIT_FAIL_ENTRY,	/* the hardware refused the guest state */
	LHV_EXIT_UD,		/* instruction the guest may not use: #UD */
	LHV_EXIT_XSETBV,
	LHV_EXIT_INTR_WINDOW,
	LHV_EXIT_EXCEPTION,
	LHV_EXIT_CR_ACCESS,	/* MOV to/from a CR the core emulates */
	LHV_EXIT_UNKNOWN,	/* exit nobody handles: internal error */
	LHV_EXIT_NR
};

/* Per-vCPU counters, written by the vCPU thread only (kmod/stats.c). */
struct lhv_vcpu_stats {
	u64 runs;			/* KVM_RUN calls */
	u64 entries;			/* guest entries */
	u64 user_exits;			/* exits handed to userspace */
	u64 exits[LHV_EXIT_NR];
};

/*
 * struct lhv_exit - one VM exit, as the backend reports it to the core.
 * Filled by ops->vcpu_run() on every exit; read by kmod/run.c only.
 */
struct lhv_exit {
	u32 reason;		/* enum lhv_exit_reason */
	u8 insn_len;		/* exiting instruction's length, 0 if unknown */
	u64 raw;		/* backend's own exit code, for diagnostics */
	u64 info1, info2;	/* backend's qualification, for diagnostics */
	union {
		struct {
			u16 port;
			u8 size;	/* 1, 2 or 4 */
			bool in;
			bool string;
			bool rep;
			u64 next_rip;	/* RIP after the instruction */
		} io;
		struct {
			u64 gpa;
			bool write;
			bool fetch;
			bool present;	/* the translation existed */
		} npf;
		struct {
			u8 vector;
		} exception;
		struct {
			u8 cr;		/* which control register */
			bool write;	/* MOV to it */
		} cr;
	};
};

struct lhv_vm;
struct lhv_vcpu;

/* An MMIO instruction being emulated (kmod/mmio.c), across exits. */
struct lhv_mmio {
	bool active;			/* emulation in progress */
	bool pending;			/* KVM_EXIT_MMIO awaits completion */
	u32 pf_user;			/* LHV_PF_USER at CPL 3, else 0 */
	u8 nbytes;
	u8 bytes[15];
	struct lhv_insn insn;
	struct lhv_emul_ctx ctx;
	struct lhv_gpt_env env;
	/* The pages of ctx.acc[ctx.nr_done], and the one being done. */
	struct lhv_gpt_range range;
	u8 frag;
};

/*
 * struct lhv_arch_ops - one per vendor backend (svm/, vmx/), const, chosen
 * once at module init.  Per-CPU calls run on that CPU with preemption off.
 */
struct lhv_arch_ops {
	const char *name;
	size_t vm_size;		/* sizeof the backend's VM, lhv_vm first */
	size_t vcpu_size;	/* sizeof the backend's vCPU, lhv_vcpu first */
	enum lhv_mmu_format mmu_format;
	/*
	 * The guest's RDTSCP and RDPID run and see its own TSC_AUX (the
	 * backend switches MSR_TSC_AUX): CPUID may show them.
	 */
	bool tsc_aux;

	/* Can this CPU run us?  Logs one line per missing feature. */
	bool (*hardware_supported)(void);
	int (*hardware_setup)(void);
	void (*hardware_unsetup)(void);
	/* Per CPU; -EBUSY when another hypervisor owns the hardware. */
	int (*cpu_enable)(void);
	void (*cpu_disable)(void);

	int (*vm_init)(struct lhv_vm *vm);
	void (*vm_destroy)(struct lhv_vm *vm);

	int (*vcpu_create)(struct lhv_vcpu *vcpu);
	void (*vcpu_free)(struct lhv_vcpu *vcpu);
	/* Before the first entry on a CPU, or after another vCPU ran there. */
	void (*vcpu_load)(struct lhv_vcpu *vcpu, int cpu);
	/*
	 * Guest state a backend leaves in the CPU between entries (after
	 * calling lhv_vcpu_hold_state) goes back to the host's: when KVM_RUN
	 * returns, and when the task is switched out in between (preempt
	 * notifier: IRQs off, must be quick).
	 */
	void (*vcpu_put)(struct lhv_vcpu *vcpu);
	/* Enter the guest once; fill *exit.  Preemption is off. */
	int (*vcpu_run)(struct lhv_vcpu *vcpu, struct lhv_exit *exit);

	void (*get_sregs)(struct lhv_vcpu *vcpu, struct kvm_sregs *sregs);
	int (*set_sregs)(struct lhv_vcpu *vcpu, const struct kvm_sregs *sregs);
	/* Guest MSRs the backend keeps in hardware state; -ENOENT: not mine. */
	int (*get_msr)(struct lhv_vcpu *vcpu, u32 index, u64 *data);
	int (*set_msr)(struct lhv_vcpu *vcpu, u32 index, u64 data);
	void (*queue_exception)(struct lhv_vcpu *vcpu, u8 vector,
				bool has_error, u32 error_code);
	void (*set_cr2)(struct lhv_vcpu *vcpu, u64 cr2);  /* before a #PF */
	u64 (*get_cr0)(struct lhv_vcpu *vcpu);
	u64 (*get_cr4)(struct lhv_vcpu *vcpu);
	/* The guest's CR4 (checked by lhv_cr4_write): host bits stay. */
	void (*set_cr4)(struct lhv_vcpu *vcpu, u64 cr4);
	u64 (*get_efer)(struct lhv_vcpu *vcpu);

	/*
	 * Events.  The core decides what to inject (kmod/events.c); the
	 * backend knows whether the guest can take it right now and how.
	 */
	bool (*event_injected)(struct lhv_vcpu *vcpu);	/* entry carries one */
	bool (*interrupt_allowed)(struct lhv_vcpu *vcpu);
	bool (*nmi_allowed)(struct lhv_vcpu *vcpu);
	void (*inject_irq)(struct lhv_vcpu *vcpu, u8 vector);
	void (*inject_nmi)(struct lhv_vcpu *vcpu);
	/*
	 * Exit (LHV_EXIT_INTR_WINDOW) once the guest can take an IRQ/NMI;
	 * that exit turns the IRQ window off again by itself.
	 */
	void (*set_irq_window)(struct lhv_vcpu *vcpu, bool on);
	void (*set_nmi_window)(struct lhv_vcpu *vcpu, bool on);
	void (*get_events)(struct lhv_vcpu *vcpu,
			   struct kvm_vcpu_events *ev);
	int (*set_events)(struct lhv_vcpu *vcpu,
			  const struct kvm_vcpu_events *ev);
	void (*get_debugregs)(struct lhv_vcpu *vcpu, struct kvm_debugregs *d);
	int (*set_debugregs)(struct lhv_vcpu *vcpu,
			     const struct kvm_debugregs *d);
};

extern const struct lhv_arch_ops *lhv_ops;
extern u64 lhv_host_xcr0;
extern const struct lhv_arch_ops lhv_svm_ops;
extern const struct lhv_arch_ops lhv_vmx_ops;

/*
 * struct lhv_vm - one virtual machine.  Lifetime: created by KVM_CREATE_VM,
 * referenced by its fd and by each vCPU; freed when the last goes.
 */
struct lhv_vm {
	refcount_t users;		/* VM fd + one per vCPU */
	struct mm_struct *mm;		/* owner's mm; KVM_RUN elsewhere: -EIO */
	struct mutex lock;		/* vCPU creation, memslot changes */
	struct srcu_struct srcu;	/* readers of slots and NPT pages */
	struct lhv_memslots __rcu *slots; /* under lock, read under srcu */
	struct lhv_mmu mmu;		/* page tables; mmu.lock inside */
	u64 max_gpa;			/* set at creation: slots end below */
	int nr_vcpus;			/* under lock; ids are not reused */
	u32 vcpu_ids[LHV_MAX_VCPUS];	/* under lock */
	struct lhv_vcpu *vcpus[LHV_MAX_VCPUS]; /* under lock, never shrinks */
	u32 vm_id;			/* for logs */
	u64 user_msr_exits;		/* KVM_MSR_EXIT_REASON_* enabled */
};

/*
 * struct lhv_vcpu - one virtual CPU.  Lifetime: its fd; holds a VM ref.
 * Everything below is used by the thread holding vcpu->mutex (ioctls),
 * except requests/cpu/mode which other threads read to kick it.
 */
struct lhv_vcpu {
	struct lhv_vm *vm;
	struct mutex mutex;		/* serialises the vCPU's ioctls */
	u32 vcpu_id;
	int index;			/* in vm->vcpus */
	int cpu;			/* host CPU it is loaded on, or -1 */
	int mode;			/* LHV_MODE_*; written with IRQs off */
	unsigned long requests;		/* LHV_REQ_* bits */
	struct kvm_run *run;		/* shared page(s) with userspace */
	struct page *run_pages[2];
	u64 regs[LHV_NR_REGS];		/* valid between exits */
	struct fpu_guest guest_fpu;
	/*
	 * The backend keeps guest state in the CPU between entries
	 * (lhv_vcpu_hold_state): vcpu_put through the preempt notifier
	 * when the task is switched out, and when KVM_RUN returns.
	 */
	struct preempt_notifier preempt_notifier;
	bool holds_state;
	u64 apic_base;
	u64 misc_enable;
	u64 pat;
	u64 mtrr_def_type;
	u64 mtrr_var[16];		/* base/mask pairs 0x200-0x20f */
	u64 mtrr_fixed[11];
	/* Userspace interrupt controller (KVM_INTERRUPT, KVM_NMI). */
	bool irq_pending;
	u8 irq_vector;
	bool nmi_pending;
	bool nmi_masked;		/* an NMI handler runs (until IRET) */
	bool irq_window_on;		/* backend asked to exit at the window */
	u32 mp_state;
	u64 xcr0;			/* guest XCR0 */
	u32 tsc_aux;			/* guest MSR_TSC_AUX (bits 31:0) */
	/* The vCPU's CPUID has RDTSCP / RDPID (set with the table). */
	bool cpuid_rdtscp;
	bool cpuid_rdpid;
	/* MSR exit being completed by userspace (KVM_EXIT_X86_*MSR). */
	bool msr_pending;
	bool msr_write;
	u8 msr_insn_len;
	/* I/O exit being completed by userspace (valid when io_pending). */
	bool io_pending;
	bool io_in;
	u8 io_size;
	bool io_string;			/* INS: store the data at io_lin */
	u64 io_lin;
	bool shutdown;			/* triple fault seen: state is dead */
	struct lhv_mmio mmio;
	int nr_cpuid;
	struct kvm_cpuid_entry2 cpuid[LHV_MAX_CPUID_ENTRIES];
	struct lhv_vcpu_stats stats;
};

#define LHV_MODE_OUTSIDE	0
#define LHV_MODE_IN_GUEST	1

/*
 * Requests: bits in vcpu->requests (LHV_REQ_*) that the vCPU acts on
 * before its next entry.  lhv_vcpu_request() only sets the bit, for the
 * vCPU's own thread; lhv_vcpu_make_request() (kmod/run.c) also kicks a
 * vCPU that is in guest mode on another CPU, so that the request takes
 * effect now; lhv_vm_make_request_all() (kmod/vm.c) does that for every
 * vCPU of a VM.
 */
static inline void lhv_vcpu_request(struct lhv_vcpu *vcpu, int req)
{
	set_bit(req, &vcpu->requests);
}

static inline bool lhv_vcpu_check_request(struct lhv_vcpu *vcpu, int req)
{
	return test_and_clear_bit(req, &vcpu->requests);
}

/*
 * A guest that owns the debug registers has its DR0-3 in the CPU around
 * each entry.  The host's breakpoints (perf, ptrace: live in DR7) go off
 * first: with the host's DR7 enabled, the guest's addresses would fire in
 * the host, between here and the entry and, on SVM, after #VMEXIT, which
 * reloads the host's DR7 that VMRUN saved.  lhv_enter_guest() puts the
 * host's registers back after the exit (hw_breakpoint_restore()).
 */
static inline void lhv_load_guest_dr(const u64 *db)
{
	if (hw_breakpoint_active())
		set_debugreg(0UL, 7);
	set_debugreg(db[0], 0);
	set_debugreg(db[1], 1);
	set_debugreg(db[2], 2);
	set_debugreg(db[3], 3);
}

static inline void lhv_save_guest_dr(u64 *db)
{
	get_debugreg(db[0], 0);
	get_debugreg(db[1], 1);
	get_debugreg(db[2], 2);
	get_debugreg(db[3], 3);
}

/* kmod/stats.c */
int lhv_vcpu_stats_fd(struct lhv_vcpu *vcpu, struct file *vcpu_file);
int lhv_vm_stats_fd(struct lhv_vm *vm, struct file *vm_file);

/* kmod/vm.c */
int lhv_create_vm(unsigned long type);
void lhv_vm_put(struct lhv_vm *vm);
long lhv_check_extension(long ext);
void lhv_vm_make_request_all(struct lhv_vm *vm, int req);

/* kmod/vcpu.c */
int lhv_create_vcpu(struct lhv_vm *vm, unsigned long id);

/* kmod/run.c */
int lhv_vcpu_run(struct lhv_vcpu *vcpu);
void lhv_skip_insn(struct lhv_vcpu *vcpu, const struct lhv_exit *exit);
void lhv_vcpu_preempt_init(struct lhv_vcpu *vcpu);
void lhv_vcpu_hold_state(struct lhv_vcpu *vcpu);
void lhv_vcpu_forget(struct lhv_vcpu *vcpu);
void lhv_vcpu_kick(struct lhv_vcpu *vcpu);
void lhv_vcpu_make_request(struct lhv_vcpu *vcpu, int req);

/* DR6 and DR7 after RESET/INIT: their fixed bits only (SDM 9.1.1). */
#define LHV_DR6_RESET		DR6_RESERVED	/* FFFF0FF0h */
#define LHV_DR7_RESET		0x400ULL

/* kmod/x86.c */
u64 lhv_cr4_allowed(void);
bool lhv_sregs_valid(const struct kvm_sregs *sr, u64 cr4_ok, u64 efer_ok);
bool lhv_pat_valid(u64 pat);
void lhv_reset_sregs(struct kvm_sregs *sr);
void lhv_vcpu_reset_regs(struct lhv_vcpu *vcpu, u32 sig);
bool lhv_gpa_is_ram(struct lhv_vcpu *vcpu, u64 gpa, bool write);
int lhv_guest_phys_rw(struct lhv_vcpu *vcpu, u64 gpa, void *buf, int len,
		      bool write);
void lhv_host_machine_check(void);
int lhv_cr4_write(struct lhv_vcpu *vcpu, const struct kvm_sregs *sr, u64 val);

/* kmod/mmio.c */
int lhv_mmio_begin(struct lhv_vcpu *vcpu, u64 gpa);
int lhv_mmio_complete(struct lhv_vcpu *vcpu);
int lhv_guest_linear_check(struct lhv_vcpu *vcpu, const struct kvm_sregs *sr,
			   u64 lin, int len, u32 access, u64 *fault_lin,
			   u32 *error_code);
void lhv_queue_page_fault(struct lhv_vcpu *vcpu, u64 lin, u32 error_code);
int lhv_guest_linear_rw(struct lhv_vcpu *vcpu, const struct kvm_sregs *sr,
			u64 lin, void *buf, int len, bool write);
int lhv_fetch_insn(struct lhv_vcpu *vcpu, const struct kvm_sregs *sr,
		   struct lhv_insn *insn);

/* kmod/events.c */
int lhv_ioctl_interrupt(struct lhv_vcpu *vcpu, void __user *argp);
int lhv_ioctl_nmi(struct lhv_vcpu *vcpu);
void lhv_inject_pending(struct lhv_vcpu *vcpu);
bool lhv_ready_for_interrupt(struct lhv_vcpu *vcpu);
int lhv_ioctl_get_events(struct lhv_vcpu *vcpu, void __user *argp);
int lhv_ioctl_set_events(struct lhv_vcpu *vcpu, void __user *argp);
int lhv_ioctl_get_mp_state(struct lhv_vcpu *vcpu, void __user *argp);
int lhv_ioctl_set_mp_state(struct lhv_vcpu *vcpu, void __user *argp);
int lhv_ioctl_get_debugregs(struct lhv_vcpu *vcpu, void __user *argp);
int lhv_ioctl_set_debugregs(struct lhv_vcpu *vcpu, void __user *argp);

/* kmod/msr.c */
int lhv_get_msr(struct lhv_vcpu *vcpu, u32 index, u64 *data, bool host);
int lhv_efer_write(u64 old, u64 data, u64 cr0, u64 efer_ok, u64 *efer);
int lhv_set_msr(struct lhv_vcpu *vcpu, u32 index, u64 data, bool host);
int lhv_ioctl_msr_index_list(void __user *argp);
int lhv_ioctl_get_msrs(struct lhv_vcpu *vcpu, void __user *argp);
int lhv_ioctl_set_msrs(struct lhv_vcpu *vcpu, void __user *argp);

/* kmod/fpu.c */
int lhv_ioctl_get_fpu(struct lhv_vcpu *vcpu, void __user *argp);
int lhv_ioctl_set_fpu(struct lhv_vcpu *vcpu, void __user *argp);
int lhv_ioctl_get_xsave(struct lhv_vcpu *vcpu, void __user *argp);
int lhv_ioctl_set_xsave(struct lhv_vcpu *vcpu, void __user *argp);
int lhv_ioctl_get_xcrs(struct lhv_vcpu *vcpu, void __user *argp);
int lhv_ioctl_set_xcrs(struct lhv_vcpu *vcpu, void __user *argp);
int lhv_set_xcr0(struct lhv_vcpu *vcpu, u64 xcr0);
u64 lhv_supported_xcr0(void);

/* kmod/cpuid.c */
int lhv_ioctl_get_supported_cpuid(void __user *argp);
int lhv_ioctl_set_cpuid2(struct lhv_vcpu *vcpu, void __user *argp);
int lhv_ioctl_get_cpuid2(struct lhv_vcpu *vcpu, void __user *argp);
void lhv_cpuid_init_default(struct lhv_vcpu *vcpu);
void lhv_cpuid_lookup(struct lhv_vcpu *vcpu, u32 fn, u32 idx,
		      u32 *eax, u32 *ebx, u32 *ecx, u32 *edx);

#endif /* LHV_H */
