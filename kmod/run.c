// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/run.c - KVM_RUN: the run loop and the vendor-neutral exit handlers.
 * The backend turns a hardware exit into a struct lhv_exit; here it is
 * either handled in the kernel (CPUID, MSRs, XSETBV, nested page faults,
 * intercepted exceptions handed back to the guest, MOV to/from CR4 on SVM,
 * host interrupts) and the guest re-entered, or handed to userspace
 * through struct kvm_run.  The loop leaves for userspace only when it
 * must: an exit userspace handles, a pending signal, or immediate_exit.
 * Also the vCPU request/kick protocol (lhv_vcpu_kick) and the per-CPU
 * last-vCPU record behind the IBPB between guests.
 */
#define pr_fmt(fmt) "lhv: " fmt

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/percpu.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/fpu/api.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>

#include "lhv.h"

/* The host's XCR0, read once at module init. */
u64 lhv_host_xcr0 __ro_after_init;

/* The last vCPU that ran on each host CPU: an IBPB separates guests. */
static DEFINE_PER_CPU(struct lhv_vcpu *, lhv_last_vcpu);

/*
 * A vCPU being freed is nobody's last vCPU any more: a new one allocated
 * at the same address must still get its IBPB on every CPU this one ran
 * on.  No vCPU of its VM runs it any more, so nothing races with the
 * entry path's write but other vCPUs replacing it, which cmpxchg allows.
 */
void lhv_vcpu_forget(struct lhv_vcpu *vcpu)
{
	int cpu;

	for_each_possible_cpu(cpu)
		cmpxchg(per_cpu_ptr(&lhv_last_vcpu, cpu), vcpu, NULL);
}

/*
 * Preempt notifier, registered from the first time in a KVM_RUN that the
 * backend keeps guest state loaded in the CPU between entries
 * (lhv_vcpu_hold_state) to the end of that KVM_RUN: a task switch away
 * puts the vCPU; the next entry notices a new CPU by itself.  A KVM_RUN
 * in which the backend holds nothing (SVM, unless the guest's TSC_AUX
 * differs from the host's) pays nothing for it.
 */
static void lhv_sched_in(struct preempt_notifier *pn, int cpu)
{
}

static void lhv_sched_out(struct preempt_notifier *pn,
			  struct task_struct *next)
{
	lhv_ops->vcpu_put(container_of(pn, struct lhv_vcpu,
				       preempt_notifier));
}

static struct preempt_ops lhv_preempt_ops = {
	.sched_in = lhv_sched_in,
	.sched_out = lhv_sched_out,
};

void lhv_vcpu_preempt_init(struct lhv_vcpu *vcpu)
{
	preempt_notifier_init(&vcpu->preempt_notifier, &lhv_preempt_ops);
}

static void lhv_kick_ipi(void *unused)
{
	/* The IPI itself makes the guest exit: nothing to do. */
}

/*
 * Make the vCPU exit the guest if it is in guest mode on another CPU,
 * so that it looks at its requests (and, one day, its interrupts) again.
 * Ordering: a requester sets the request, then reads vcpu->mode, with a
 * full barrier between; the vCPU writes its mode, then reads its
 * requests (lhv_enter_guest, its barrier; the backend's vcpu_run).  So
 * either the vCPU sees the request before it enters, or the requester
 * sees it in guest mode and sends the IPI, which, the vCPU's interrupts
 * being off from the mode write on, makes that entry exit at once.
 */
void lhv_vcpu_kick(struct lhv_vcpu *vcpu)
{
	int me = get_cpu(), cpu;

	/* Pairs with the smp_mb() after the mode write in lhv_enter_guest. */
	smp_mb();
	cpu = READ_ONCE(vcpu->cpu);
	if (READ_ONCE(vcpu->mode) == LHV_MODE_IN_GUEST && cpu != me &&
	    cpu >= 0)
		smp_call_function_single(cpu, lhv_kick_ipi, NULL, 0);
	put_cpu();
}

void lhv_vcpu_make_request(struct lhv_vcpu *vcpu, int req)
{
	lhv_vcpu_request(vcpu, req);
	lhv_vcpu_kick(vcpu);
}

/* From vcpu_run (preemption off): vcpu_put is owed before user mode. */
void lhv_vcpu_hold_state(struct lhv_vcpu *vcpu)
{
	if (!vcpu->holds_state) {
		preempt_notifier_register(&vcpu->preempt_notifier);
		vcpu->holds_state = true;
	}
}

static void lhv_vcpu_release_state(struct lhv_vcpu *vcpu)
{
	if (!vcpu->holds_state)
		return;
	preempt_disable();
	lhv_ops->vcpu_put(vcpu);
	preempt_notifier_unregister(&vcpu->preempt_notifier);
	vcpu->holds_state = false;
	preempt_enable();
}

/* Return values of exit handlers. */
#define LHV_RESUME	1	/* re-enter the guest */
#define LHV_USER	0	/* kvm_run is filled: return to userspace */

void lhv_skip_insn(struct lhv_vcpu *vcpu, const struct lhv_exit *exit)
{
	vcpu->regs[LHV_RIP] += exit->insn_len;
}

static int lhv_internal_error(struct lhv_vcpu *vcpu, u32 suberror,
			      const struct lhv_exit *exit)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 4;
	run->internal.data[0] = exit->raw;
	run->internal.data[1] = exit->info1;
	run->internal.data[2] = exit->info2;
	run->internal.data[3] = vcpu->cpu;
	return LHV_USER;
}

/*
 * INS/OUTS: the prefixes of the instruction at RIP give the address size
 * and, for OUTS, the segment (SDM vol. 2, 2.1.1): hardware without decode
 * assists reports neither, so the instruction is fetched and decoded as
 * for MMIO (lhv_fetch_insn).  Returns the linear address of the element,
 * and in *ss whether it goes through SS (an OUTS with an SS prefix, which
 * picks #SS even where 64-bit mode makes it null).
 */
static int lhv_string_io_addr(struct lhv_vcpu *vcpu, const struct kvm_sregs *sr,
			      bool in, u64 *lin, u64 *mask, int *regi, bool *ss)
{
	bool lm = (sr->efer & EFER_LMA) && sr->cs.l;
	const struct kvm_segment *seg = in ? &sr->es : &sr->ds;
	const struct kvm_segment *segs[] = {
		&sr->es, &sr->cs, &sr->ss, &sr->ds, &sr->fs, &sr->gs,
	};
	struct lhv_insn insn;

	if (lhv_fetch_insn(vcpu, sr, &insn) <= 0 ||
	    (insn.kind != LHV_INSN_INS && insn.kind != LHV_INSN_OUTS))
		return -EINVAL;		/* not INS/OUTS after all */
	if (!in && insn.seg_prefix != LHV_SEG_NONE)
		seg = segs[insn.seg_prefix];
	*mask = insn.addr_bytes == 8 ? ~0ULL :
		(1ULL << (insn.addr_bytes * 8)) - 1;
	*regi = in ? LHV_RDI : LHV_RSI;
	*ss = seg == &sr->ss;
	*lin = (vcpu->regs[*regi] & *mask) +
	       ((lm && seg != &sr->fs && seg != &sr->gs) ? 0 : seg->base);
	if (!lm)
		*lin = (u32)*lin;
	return 0;
}

/*
 * The memory operand of one INS/OUTS element, checked as the CPU would
 * before the access: in 64-bit mode a non-canonical address is #GP(0),
 * #SS(0) through SS (@ss);
 * a fault in the guest's page tables is its #PF.  Returns 0 (guest RAM:
 * go on), 1 (an exception is queued: re-enter), or -EFAULT (it is not
 * RAM, MMIO say: lhv does not emulate string I/O to MMIO).
 */
static int lhv_string_io_check(struct lhv_vcpu *vcpu,
			       const struct kvm_sregs *sr, u64 lin, int len,
			       bool write, bool ss)
{
	unsigned int bits = (sr->cr4 & X86_CR4_LA57) ? 57 : 48;
	u32 access = write ? LHV_PF_WRITE : 0;
	u64 fault_lin;
	u32 err;
	int r;

	if ((sr->efer & EFER_LMA) && sr->cs.l &&
	    (!lhv_canonical(lin, bits) || !lhv_canonical(lin + len - 1, bits))) {
		lhv_ops->queue_exception(vcpu, ss ? X86_TRAP_SS : X86_TRAP_GP, true,
					 0);
		return 1;
	}
	if (sr->ss.dpl == 3)
		access |= LHV_PF_USER;
	r = lhv_guest_linear_check(vcpu, sr, lin, len, access, &fault_lin,
				   &err);
	if (r == 1)
		lhv_queue_page_fault(vcpu, fault_lin, err);
	return r;
}

/* Step rSI/rDI and, with REP, rCX past one element (SDM INS/OUTS). */
static void lhv_string_io_step(struct lhv_vcpu *vcpu, u64 mask, int regi,
			       const struct lhv_exit *exit)
{
	u64 delta = (vcpu->regs[LHV_RFLAGS] & X86_EFLAGS_DF) ?
		    -(u64)exit->io.size : exit->io.size;
	u64 *r = &vcpu->regs[regi];

	*r = (*r & ~mask) | ((*r + delta) & mask);
	if (exit->io.rep) {
		u64 *c = &vcpu->regs[LHV_RCX];

		*c = (*c & ~mask) | ((*c - 1) & mask);
		if (*c & mask)
			return;	/* the guest runs the instruction again */
	}
	vcpu->regs[LHV_RIP] = exit->io.next_rip;
}

static int lhv_handle_io(struct lhv_vcpu *vcpu, const struct lhv_exit *exit)
{
	struct kvm_run *run = vcpu->run;
	u8 *data = page_address(vcpu->run_pages[1]);

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = exit->io.in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = exit->io.size;
	run->io.port = exit->io.port;
	run->io.count = 1;
	run->io.data_offset = PAGE_SIZE;
	vcpu->io_size = exit->io.size;
	vcpu->io_string = exit->io.string;

	if (exit->io.string) {
		/* One element per exit, as KVM does without decode assists. */
		struct kvm_sregs sr;
		u64 lin, mask;
		int regi, r;
		bool ss;

		lhv_ops->get_sregs(vcpu, &sr);
		if (lhv_string_io_addr(vcpu, &sr, exit->io.in, &lin, &mask,
				       &regi, &ss))
			return lhv_internal_error(vcpu,
					KVM_INTERNAL_ERROR_EMULATION, exit);
		if (exit->io.rep && !(vcpu->regs[LHV_RCX] & mask)) {
			vcpu->regs[LHV_RIP] = exit->io.next_rip;
			return LHV_RESUME;	/* REP with rCX = 0: nothing */
		}
		r = lhv_string_io_check(vcpu, &sr, lin, exit->io.size,
					exit->io.in, ss);
		if (r == 1)
			return LHV_RESUME;
		if (r)
			return lhv_internal_error(vcpu,
					KVM_INTERNAL_ERROR_EMULATION, exit);
		if (!exit->io.in &&
		    lhv_guest_linear_rw(vcpu, &sr, lin, data, exit->io.size,
					false))
			return lhv_internal_error(vcpu,
					KVM_INTERNAL_ERROR_EMULATION, exit);
		vcpu->io_lin = lin;
		vcpu->io_pending = exit->io.in;
		lhv_string_io_step(vcpu, mask, regi, exit);
		return LHV_USER;
	}

	if (!exit->io.in)
		memcpy(data, &vcpu->regs[LHV_RAX], exit->io.size);
	vcpu->io_pending = exit->io.in;
	vcpu->regs[LHV_RIP] = exit->io.next_rip;
	return LHV_USER;
}

/* Finish an IN that userspace has answered in the data page. */
static int lhv_complete_io(struct lhv_vcpu *vcpu)
{
	const u8 *data = page_address(vcpu->run_pages[1]);
	u64 *rax = &vcpu->regs[LHV_RAX];

	vcpu->io_pending = false;
	if (vcpu->io_string) {
		struct kvm_sregs sr;

		lhv_ops->get_sregs(vcpu, &sr);
		return lhv_guest_linear_rw(vcpu, &sr, vcpu->io_lin,
					   (void *)data, vcpu->io_size, true);
	}
	switch (vcpu->io_size) {
	case 1:
		*rax = (*rax & ~0xffULL) | data[0];
		break;
	case 2:
		*rax = (*rax & ~0xffffULL) | *(const u16 *)data;
		break;
	case 4:
		/* A 32-bit destination zero-extends (SDM 3.4.1.1). */
		*rax = *(const u32 *)data;
		break;
	}
	return 0;
}

static int lhv_handle_cpuid(struct lhv_vcpu *vcpu, const struct lhv_exit *exit)
{
	u32 a, b, c, d;

	lhv_cpuid_lookup(vcpu, vcpu->regs[LHV_RAX], vcpu->regs[LHV_RCX],
			 &a, &b, &c, &d);
	vcpu->regs[LHV_RAX] = a;
	vcpu->regs[LHV_RBX] = b;
	vcpu->regs[LHV_RCX] = c;
	vcpu->regs[LHV_RDX] = d;
	lhv_skip_insn(vcpu, exit);
	return LHV_RESUME;
}

static int lhv_handle_msr(struct lhv_vcpu *vcpu, const struct lhv_exit *exit,
			  bool write)
{
	u32 index = vcpu->regs[LHV_RCX];
	u64 data;
	int r;

	if (write) {
		data = (vcpu->regs[LHV_RDX] << 32) |
		       (u32)vcpu->regs[LHV_RAX];
		r = lhv_set_msr(vcpu, index, data, false);
	} else {
		r = lhv_get_msr(vcpu, index, &data, false);
		if (!r) {
			vcpu->regs[LHV_RAX] = (u32)data;
			vcpu->regs[LHV_RDX] = data >> 32;
		}
	}
	if ((r == -ENOENT &&
	     (vcpu->vm->user_msr_exits & KVM_MSR_EXIT_REASON_UNKNOWN)) ||
	    (r == -EINVAL &&
	     (vcpu->vm->user_msr_exits & KVM_MSR_EXIT_REASON_INVAL))) {
		/* Userspace asked to see the accesses we would #GP. */
		struct kvm_run *run = vcpu->run;

		run->exit_reason = write ? KVM_EXIT_X86_WRMSR :
					   KVM_EXIT_X86_RDMSR;
		run->msr.error = 0;
		run->msr.reason = r == -ENOENT ? KVM_MSR_EXIT_REASON_UNKNOWN :
						 KVM_MSR_EXIT_REASON_INVAL;
		run->msr.index = index;
		run->msr.data = write ? data : 0;
		vcpu->msr_pending = true;
		vcpu->msr_write = write;
		vcpu->msr_insn_len = exit->insn_len;
		return LHV_USER;
	}
	if (r) {
		lhv_ops->queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return LHV_RESUME;
	}
	lhv_skip_insn(vcpu, exit);
	return LHV_RESUME;
}

static int lhv_handle_npf(struct lhv_vcpu *vcpu, const struct lhv_exit *exit)
{
	struct lhv_vm *vm = vcpu->vm;
	const struct lhv_memslot *slot;
	u64 gpa = exit->npf.gpa;
	int r;

	slot = lhv_slot_by_gfn(srcu_dereference(vm->slots, &vm->srcu),
			       gpa >> PAGE_SHIFT);
	if (!slot || (exit->npf.write && (slot->flags & KVM_MEM_READONLY)))
		return lhv_mmio_begin(vcpu, gpa);
	r = lhv_mmu_map(&vm->mmu, slot, gpa, exit->npf.write);
	if (r == -ENOMEM || r == -EINTR || r == -EAGAIN)
		return r;
	if (r) {
		/* The user mapping behind the slot is gone. */
		return -EFAULT;
	}
	return LHV_RESUME;
}

static int lhv_handle_xsetbv(struct lhv_vcpu *vcpu,
			     const struct lhv_exit *exit)
{
	u64 v = (vcpu->regs[LHV_RDX] << 32) | (u32)vcpu->regs[LHV_RAX];

	if (!(lhv_ops->get_cr4(vcpu) & X86_CR4_OSXSAVE)) {
		lhv_ops->queue_exception(vcpu, X86_TRAP_UD, false, 0);
		return LHV_RESUME;
	}
	if ((u32)vcpu->regs[LHV_RCX] != 0 || lhv_set_xcr0(vcpu, v)) {
		lhv_ops->queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return LHV_RESUME;
	}
	lhv_skip_insn(vcpu, exit);
	return LHV_RESUME;
}

/* Finish an RDMSR/WRMSR that userspace handled (KVM_EXIT_X86_*MSR). */
static void lhv_complete_msr(struct lhv_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	vcpu->msr_pending = false;
	if (run->msr.error) {
		lhv_ops->queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return;
	}
	if (!vcpu->msr_write) {
		vcpu->regs[LHV_RAX] = (u32)run->msr.data;
		vcpu->regs[LHV_RDX] = run->msr.data >> 32;
	}
	vcpu->regs[LHV_RIP] += vcpu->msr_insn_len;
}

/*
 * An intercepted exception (LHV_EXC_INTERCEPTED) goes back to the guest,
 * as the CPU would have delivered it; the backend already did what is
 * vendor-specific (DR6, INT1).  An event whose delivery the exception
 * interrupted is dropped as the CPU drops it for a benign exception (SDM
 * 6.15, Table 6-5) when it is an exception; an external interrupt or an
 * NMI is not lost but pending again, delivered after the exception.
 */
static int lhv_handle_exception(struct lhv_vcpu *vcpu,
				const struct lhv_exit *exit)
{
	u8 vector = exit->exception.vector;
	struct kvm_vcpu_events ev = {};

	if (vector == X86_TRAP_MC)
		return LHV_RESUME;	/* the host's, handled at the exit */
	if (vector != X86_TRAP_DB && vector != X86_TRAP_AC)
		return lhv_internal_error(vcpu,
				KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
				exit);
	if (lhv_ops->event_injected(vcpu)) {
		lhv_ops->get_events(vcpu, &ev);
		if (ev.interrupt.injected && !ev.interrupt.soft) {
			vcpu->irq_pending = true;
			vcpu->irq_vector = ev.interrupt.nr;
		} else if (ev.nmi.injected) {
			vcpu->nmi_pending = true;
		}
	}
	/* #AC pushes an error code of 0; #DB none (SDM 6.15). */
	lhv_ops->queue_exception(vcpu, vector, vector == X86_TRAP_AC, 0);
	return LHV_RESUME;
}

/*
 * A MOV to or from a control register that the backend intercepts but
 * cannot decode (SVM without decode assists: CR4, whose MCE bit the host
 * keeps set underneath).  The instruction at RIP is decoded here; it
 * must be the one that exited (the guest may have rewritten it since).
 */
static int lhv_handle_cr(struct lhv_vcpu *vcpu, const struct lhv_exit *exit)
{
	u8 kind = exit->cr.write ? LHV_INSN_MOV_TO_CR : LHV_INSN_MOV_FROM_CR;
	struct kvm_sregs sr;
	struct lhv_insn in;
	u64 *reg, val;
	bool lm;

	lhv_ops->get_sregs(vcpu, &sr);
	if (lhv_fetch_insn(vcpu, &sr, &in) <= 0 || in.kind != kind ||
	    in.reg != exit->cr.cr || exit->cr.cr != 4)
		return lhv_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					  exit);
	/* CPL 0 only, not in virtual-8086 mode (SDM Vol. 2B, MOV CR). */
	if (((sr.cr0 & X86_CR0_PE) && sr.ss.dpl) ||
	    (vcpu->regs[LHV_RFLAGS] & X86_EFLAGS_VM)) {
		lhv_ops->queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return LHV_RESUME;
	}
	lm = in.mode == LHV_CPU_LONG64;
	reg = &vcpu->regs[in.rm];
	if (exit->cr.write) {
		val = lm ? *reg : (u32)*reg;
		if (lhv_cr4_write(vcpu, &sr, val)) {
			lhv_ops->queue_exception(vcpu, X86_TRAP_GP, true, 0);
			return LHV_RESUME;
		}
	} else {
		val = lhv_ops->get_cr4(vcpu);
		*reg = lm ? val : (u32)val;
	}
	vcpu->regs[LHV_RIP] += in.len;
	if (!lm)
		vcpu->regs[LHV_RIP] = (u32)vcpu->regs[LHV_RIP];
	return LHV_RESUME;
}

static int lhv_handle_exit(struct lhv_vcpu *vcpu, const struct lhv_exit *exit)
{
	struct kvm_run *run = vcpu->run;

	switch (exit->reason) {
	case LHV_EXIT_NONE:
		return LHV_RESUME;
	case LHV_EXIT_IO:
		return lhv_handle_io(vcpu, exit);
	case LHV_EXIT_HLT:
		lhv_skip_insn(vcpu, exit);
		run->exit_reason = KVM_EXIT_HLT;
		return LHV_USER;
	case LHV_EXIT_CPUID:
		return lhv_handle_cpuid(vcpu, exit);
	case LHV_EXIT_RDMSR:
		return lhv_handle_msr(vcpu, exit, false);
	case LHV_EXIT_WRMSR:
		return lhv_handle_msr(vcpu, exit, true);
	case LHV_EXIT_NPF:
		return lhv_handle_npf(vcpu, exit);
	case LHV_EXIT_SHUTDOWN:
		run->exit_reason = KVM_EXIT_SHUTDOWN;
		return LHV_USER;
	case LHV_EXIT_FAIL_ENTRY:
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = exit->raw;
		run->fail_entry.cpu = vcpu->cpu;
		return LHV_USER;
	case LHV_EXIT_UD:
		lhv_ops->queue_exception(vcpu, X86_TRAP_UD, false, 0);
		return LHV_RESUME;
	case LHV_EXIT_XSETBV:
		return lhv_handle_xsetbv(vcpu, exit);
	case LHV_EXIT_EXCEPTION:
		return lhv_handle_exception(vcpu, exit);
	case LHV_EXIT_CR_ACCESS:
		return lhv_handle_cr(vcpu, exit);
	case LHV_EXIT_INTR_WINDOW:
		vcpu->irq_window_on = false;
		if (READ_ONCE(run->request_interrupt_window) &&
		    lhv_ready_for_interrupt(vcpu)) {
			run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
			return LHV_USER;
		}
		return LHV_RESUME;
	default:
		return lhv_internal_error(vcpu,
				KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
				exit);
	}
}

/*
 * One trip into the guest.  Interrupts are off from the last check of
 * pending work until the guest exits, so a kick (IPI) or a host interrupt
 * arriving in between makes the guest exit at once instead of being lost.
 */
static int lhv_enter_guest(struct lhv_vcpu *vcpu, struct lhv_exit *exit)
{
	bool swap_xcr0;
	int cpu, r;

	preempt_disable();
	cpu = smp_processor_id();
	if (this_cpu_read(lhv_last_vcpu) != vcpu || vcpu->cpu != cpu) {
		/* Another guest (or none) ran here: no shared predictions. */
		indirect_branch_prediction_barrier();
		this_cpu_write(lhv_last_vcpu, vcpu);
		lhv_ops->vcpu_load(vcpu, cpu);
		WRITE_ONCE(vcpu->cpu, cpu);
	}

	local_irq_disable();
	WRITE_ONCE(vcpu->mode, LHV_MODE_IN_GUEST);
	/* Pairs with lhv_vcpu_kick(): requests set before are seen. */
	smp_mb();
	if (need_resched() || signal_pending(current)) {
		WRITE_ONCE(vcpu->mode, LHV_MODE_OUTSIDE);
		local_irq_enable();
		preempt_enable();
		return 1;	/* nothing ran: let the loop look again */
	}
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	lhv_inject_pending(vcpu);

	/* The guest's XCR0 only matters, and is only loaded, with OSXSAVE. */
	swap_xcr0 = vcpu->xcr0 != lhv_host_xcr0 &&
		    boot_cpu_has(X86_FEATURE_OSXSAVE) &&
		    (lhv_ops->get_cr4(vcpu) & X86_CR4_OSXSAVE);
	if (swap_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
	r = lhv_ops->vcpu_run(vcpu, exit);
	/*
	 * VMSCAPE: the guest may have trained the branch predictors; an
	 * IBPB before this CPU next runs user mode (the VMM included), set
	 * before preemption could move us elsewhere.
	 */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);
	if (swap_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, lhv_host_xcr0);
	WRITE_ONCE(vcpu->mode, LHV_MODE_OUTSIDE);
	vcpu->stats.entries++;
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	local_irq_enable();
	preempt_enable();
	return r;
}

int lhv_vcpu_run(struct lhv_vcpu *vcpu)
{
	struct lhv_vm *vm = vcpu->vm;
	struct kvm_run *run = vcpu->run;
	struct lhv_exit exit;
	int r, idx;

	vcpu->stats.runs++;
	if (vcpu->io_pending) {
		idx = srcu_read_lock(&vm->srcu);
		r = lhv_complete_io(vcpu);
		srcu_read_unlock(&vm->srcu, idx);
		if (r) {
			/* The INS buffer stopped being RAM since the exit. */
			run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
			run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
			run->internal.ndata = 0;
			r = LHV_USER;
			goto out_user;
		}
	}
	if (vcpu->msr_pending)
		lhv_complete_msr(vcpu);
	if (vcpu->mmio.pending) {
		idx = srcu_read_lock(&vm->srcu);
		r = lhv_mmio_complete(vcpu);
		srcu_read_unlock(&vm->srcu, idx);
		if (r == LHV_USER)
			goto out_user;
	}
	if (READ_ONCE(run->immediate_exit)) {
		run->exit_reason = KVM_EXIT_INTR;
		r = -EINTR;
		goto out_user;
	}

	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, true);
	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			r = -EINTR;
			break;
		}
		idx = srcu_read_lock(&vm->srcu);
		memset(&exit, 0, sizeof(exit));
		r = lhv_enter_guest(vcpu, &exit);
		if (r > 0) {
			/* Rescheduling or a signal is due: see to it. */
			srcu_read_unlock(&vm->srcu, idx);
			cond_resched();
			continue;
		}
		if (r < 0) {
			/* The hardware refused: the VM is unusable. */
			srcu_read_unlock(&vm->srcu, idx);
			run->exit_reason = KVM_EXIT_FAIL_ENTRY;
			run->fail_entry.hardware_entry_failure_reason = r;
			run->fail_entry.cpu = vcpu->cpu;
			r = 0;
			break;
		}
		vcpu->stats.exits[min_t(u32, exit.reason, LHV_EXIT_NR - 1)]++;
		r = lhv_handle_exit(vcpu, &exit);
		srcu_read_unlock(&vm->srcu, idx);
		if (r <= 0)
			break;
		/* Userspace wants to inject and the guest can take it. */
		if (unlikely(READ_ONCE(run->request_interrupt_window)) &&
		    lhv_ready_for_interrupt(vcpu)) {
			run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
			r = LHV_USER;
			break;
		}
	}
	lhv_vcpu_release_state(vcpu);
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, false);
out_user:
	if (r == LHV_USER)
		vcpu->stats.user_exits++;
	/* What a userspace interrupt controller looks at (KVM API 5). */
	run->if_flag = !!(vcpu->regs[LHV_RFLAGS] & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = lhv_ready_for_interrupt(vcpu);
	run->apic_base = vcpu->apic_base;
	run->flags = 0;
	return r;
}
