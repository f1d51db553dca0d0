// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/mmio.c - MMIO: a guest access to guest-physical memory outside
 * every memslot (or a write to a read-only slot) is emulated.  The
 * instruction is fetched through the guest's page tables (gpt.c), decoded
 * and carried out by emul.c; each access is translated page by page
 * (one that crosses a page is split, every page checked before any part
 * of it is done), and each page of it that is not RAM becomes its own
 * KVM_EXIT_MMIO, completed on the next KVM_RUN.  A fault in the guest's
 * own page tables on an operand is its #PF; a fault that hit the delivery
 * of an event (no instruction to emulate) and what cannot be emulated
 * become KVM_EXIT_INTERNAL_ERROR.  Also: guest linear accesses for string
 * I/O (lhv_guest_linear_check/_rw), and the instruction fetch that the
 * core's other decode-only exits share (lhv_fetch_insn).
 */
#define pr_fmt(fmt) "lhv: " fmt

#include <linux/mm.h>
#include <linux/uaccess.h>

#include "lhv.h"
#include "gpt.h"

static int lhv_gpt_read(void *opaque, u64 gpa, void *buf, int size)
{
	return lhv_guest_phys_rw(opaque, gpa, buf, size, false);
}

static void lhv_gpt_env_from(struct lhv_gpt_env *env, struct lhv_vcpu *vcpu,
			     const struct kvm_sregs *sr)
{
	env->cr0 = sr->cr0;
	env->cr3 = sr->cr3;
	env->cr4 = sr->cr4;
	env->efer = sr->efer;
	env->read = lhv_gpt_read;
	env->opaque = vcpu;
}

/*
 * Can @len bytes at @lin be accessed (@access: LHV_PF_* bits) in guest
 * RAM?  0: yes; 1: the guest's own page tables fault, at *fault_lin with
 * *error_code; -EFAULT: they translate outside RAM (or a page-table page
 * is outside RAM).
 */
int lhv_guest_linear_check(struct lhv_vcpu *vcpu, const struct kvm_sregs *sr,
			   u64 lin, int len, u32 access, u64 *fault_lin,
			   u32 *error_code)
{
	struct lhv_gpt_env env;
	u64 page, gpa, last = lin + len - 1;
	int r;

	lhv_gpt_env_from(&env, vcpu, sr);
	for (page = lin; ; page = (page | (PAGE_SIZE - 1)) + 1) {
		r = lhv_gpt_walk(&env, page, access, &gpa, error_code);
		if (r == 1)
			*fault_lin = page;
		if (r)
			return r == 1 ? 1 : -EFAULT;
		if (!lhv_gpa_is_ram(vcpu, gpa, access & LHV_PF_WRITE))
			return -EFAULT;
		if ((page ^ last) < PAGE_SIZE)
			return 0;
	}
}

/* #PF at @lin: CR2 first, then the exception (SDM 4.7). */
void lhv_queue_page_fault(struct lhv_vcpu *vcpu, u64 lin, u32 error_code)
{
	lhv_ops->set_cr2(vcpu, lin);
	lhv_ops->queue_exception(vcpu, X86_TRAP_PF, true, error_code);
}

/*
 * Read or write guest memory at a linear address (string I/O), a byte at
 * a time where the access straddles a page.  -EFAULT: not RAM or no
 * translation.
 */
int lhv_guest_linear_rw(struct lhv_vcpu *vcpu, const struct kvm_sregs *sr,
			u64 lin, void *buf, int len, bool write)
{
	struct lhv_gpt_env env;
	u8 *p = buf;
	u32 err;
	u64 gpa;
	int i;

	lhv_gpt_env_from(&env, vcpu, sr);
	if ((lin & (PAGE_SIZE - 1)) + len <= PAGE_SIZE) {
		if (lhv_gpt_walk(&env, lin, write ? LHV_PF_WRITE : 0, &gpa,
				 &err))
			return -EFAULT;
		return lhv_guest_phys_rw(vcpu, gpa, buf, len, write);
	}
	for (i = 0; i < len; i++)
		if (lhv_guest_linear_rw(vcpu, sr, lin + i, p + i, 1, write))
			return -EFAULT;
	return 0;
}

static int lhv_mmio_internal_error(struct lhv_vcpu *vcpu)
{
	struct lhv_mmio *m = &vcpu->mmio;
	struct kvm_run *run = vcpu->run;

	m->active = false;
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.ndata = 3;	/* flags + insn_size/bytes */
	run->emulation_failure.flags =
		KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = m->nbytes;
	memcpy(run->emulation_failure.insn_bytes, m->bytes, m->nbytes);
	return 0;
}

/*
 * Translate every page of the access @a (lhv_gpt_walk_range): 0 and
 * m->range; 1 when the guest's page tables fault on any of its pages (the
 * #PF is queued and nothing of the access was done: no exit was issued
 * for a first page before the second is known to be good); a negative
 * errno when they cannot be read.  The hardware walked the faulting
 * access a moment ago, but the emulator also walks other operands (MOVS),
 * the second page of a split access was never walked if the first one
 * exited, and the guest may change its tables under us.
 */
static int lhv_mmio_translate(struct lhv_vcpu *vcpu,
			      const struct lhv_emul_access *a)
{
	struct lhv_mmio *m = &vcpu->mmio;
	u32 access = m->pf_user | (a->write ? LHV_PF_WRITE : 0);
	u32 err;
	int r;

	r = lhv_gpt_walk_range(&m->env, a->gva, a->size, access,
			       m->insn.mode != LHV_CPU_LONG64, &m->range, &err);
	if (r == 1)
		lhv_queue_page_fault(vcpu, m->range.fault_gva, err);
	m->frag = 0;
	return r < 0 ? -EFAULT : r;
}

/*
 * Carry out the fragments of the current access from m->frag on, in
 * order: a page in RAM directly, a page outside it as its own
 * KVM_EXIT_MMIO (one per page, as KVM does: each at its own GPA, at most
 * 8 bytes since an access is).  True when all are done; false with
 * kvm_run filled for the exit.
 */
static bool lhv_mmio_do_frags(struct lhv_vcpu *vcpu)
{
	struct lhv_mmio *m = &vcpu->mmio;
	struct lhv_emul_access *a = &m->ctx.acc[m->ctx.nr_done];
	struct kvm_run *run = vcpu->run;

	for (; m->frag < m->range.nr; m->frag++) {
		const struct lhv_gpt_frag *f = &m->range.frag[m->frag];
		u8 *data = (u8 *)&a->data + f->off;

		/* RAM (a MOVS between RAM and MMIO, say): do it here. */
		if (!lhv_guest_phys_rw(vcpu, f->gpa, data, f->len, a->write))
			continue;
		run->exit_reason = KVM_EXIT_MMIO;
		run->mmio.phys_addr = f->gpa;
		run->mmio.len = f->len;
		run->mmio.is_write = a->write;
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		if (a->write)
			memcpy(run->mmio.data, data, f->len);
		m->pending = true;
		return false;
	}
	return true;
}

/*
 * Run the emulation until it needs userspace (returns 0 with kvm_run
 * filled) or is done (returns 1: re-enter the guest).
 */
static int lhv_mmio_step(struct lhv_vcpu *vcpu)
{
	struct lhv_mmio *m = &vcpu->mmio;
	struct lhv_emul_ctx *ctx = &m->ctx;
	int r, i;

	for (;;) {
		struct lhv_emul_access *a;

		r = lhv_emulate_mmio(&m->insn, ctx);
		if (r == LHV_EMUL_DONE) {
			for (i = 0; i < 16; i++)
				vcpu->regs[i] = ctx->regs[i];
			vcpu->regs[LHV_RIP] = ctx->rip;
			vcpu->regs[LHV_RFLAGS] = ctx->rflags;
			/*
			 * Done, or one iteration of a REP string instruction:
			 * the guest runs it on, so the next iterations on RAM
			 * go at native speed and a huge count cannot keep us
			 * in the kernel.
			 */
			m->active = false;
			return 1;
		}
		if (r == LHV_EMUL_EXCEPTION) {
			lhv_ops->queue_exception(vcpu, ctx->vector,
						 ctx->has_error_code,
						 ctx->error_code);
			m->active = false;
			return 1;
		}
		if (r != LHV_EMUL_READ && r != LHV_EMUL_WRITE)
			return lhv_mmio_internal_error(vcpu);

		a = &ctx->acc[ctx->nr_done];
		r = lhv_mmio_translate(vcpu, a);
		if (r == 1) {
			m->active = false;
			return 1;
		}
		if (r)
			return lhv_mmio_internal_error(vcpu);
		if (!a->write)
			a->data = 0;
		if (!lhv_mmio_do_frags(vcpu))
			return 0;
		ctx->nr_done++;
	}
}

/* KVM_RUN after a KVM_EXIT_MMIO: take the data, go on emulating. */
int lhv_mmio_complete(struct lhv_vcpu *vcpu)
{
	struct lhv_mmio *m = &vcpu->mmio;
	struct lhv_emul_access *a = &m->ctx.acc[m->ctx.nr_done];
	const struct lhv_gpt_frag *f = &m->range.frag[m->frag];

	m->pending = false;
	if (!a->write)
		memcpy((u8 *)&a->data + f->off, vcpu->run->mmio.data, f->len);
	/* The next page of a split access, then the next access. */
	m->frag++;
	if (!lhv_mmio_do_frags(vcpu))
		return 0;
	m->ctx.nr_done++;
	return lhv_mmio_step(vcpu);
}

static enum lhv_cpu_mode lhv_cpu_mode(const struct kvm_sregs *sr, u64 rflags)
{
	if (!(sr->cr0 & X86_CR0_PE) || (rflags & X86_EFLAGS_VM))
		return LHV_CPU_REAL16;
	if ((sr->efer & EFER_LMA) && sr->cs.l)
		return LHV_CPU_LONG64;
	return sr->cs.db ? LHV_CPU_PROT32 : LHV_CPU_PROT16;
}

/*
 * The bytes at the guest's RIP, up to 15, page by page (SDM 2.3.11),
 * through @env at the access rights @pf_user adds; stops at the first
 * page that does not translate or is not RAM (the bytes past the
 * instruction may well fault).  Returns how many were read.
 */
static int lhv_fetch_bytes(struct lhv_vcpu *vcpu, const struct kvm_sregs *sr,
			   const struct lhv_gpt_env *env, u32 pf_user,
			   u8 *bytes)
{
	bool lm = (sr->efer & EFER_LMA) && sr->cs.l;
	u64 lin = (lm ? 0 : sr->cs.base) + vcpu->regs[LHV_RIP];
	int got = 0, n;
	u64 ipa;
	u32 err;

	if (!lm)
		lin = (u32)lin;
	while (got < LHV_INSN_MAX_LEN) {
		u64 addr = lin + got;

		n = min_t(int, LHV_INSN_MAX_LEN - got,
			  PAGE_SIZE - (addr & (PAGE_SIZE - 1)));
		if (lhv_gpt_walk(env, addr, LHV_PF_FETCH | pf_user, &ipa,
				 &err) ||
		    lhv_guest_phys_rw(vcpu, ipa, bytes + got, n, false))
			break;
		got += n;
	}
	return got;
}

/*
 * Fetch and decode the instruction at RIP, for the exits the core
 * emulates without a memory operand (MOV to/from CR on SVM without decode
 * assists) and for string I/O, whose prefixes such hardware does not
 * report.  Returns its length, or <= 0 when it cannot be read or
 * decoded.
 */
int lhv_fetch_insn(struct lhv_vcpu *vcpu, const struct kvm_sregs *sr,
		   struct lhv_insn *insn)
{
	struct lhv_gpt_env env;
	u8 bytes[LHV_INSN_MAX_LEN];
	u32 pf_user;
	int n;

	lhv_gpt_env_from(&env, vcpu, sr);
	pf_user = (sr->cr0 & X86_CR0_PE) && sr->ss.dpl == 3 ? LHV_PF_USER : 0;
	n = lhv_fetch_bytes(vcpu, sr, &env, pf_user, bytes);
	return lhv_decode(bytes, n, lhv_cpu_mode(sr, vcpu->regs[LHV_RFLAGS]),
			  insn);
}

/* Start emulating the instruction at RIP that touched MMIO at @gpa. */
int lhv_mmio_begin(struct lhv_vcpu *vcpu, u64 gpa)
{
	struct lhv_mmio *m = &vcpu->mmio;
	struct lhv_emul_ctx *ctx = &m->ctx;
	struct kvm_sregs sr;
	enum lhv_cpu_mode mode;
	int i, r;

	/*
	 * The access faulted while the CPU delivered an event (its IDT, GDT
	 * or stack is MMIO): there is no instruction at RIP to emulate.
	 */
	if (lhv_ops->event_injected(vcpu)) {
		struct kvm_run *run = vcpu->run;

		run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
		run->internal.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
		run->internal.ndata = 1;
		run->internal.data[0] = gpa;
		return 0;
	}
	lhv_ops->get_sregs(vcpu, &sr);
	lhv_gpt_env_from(&m->env, vcpu, &sr);
	/* The operands the CPU has not checked yet, at the guest's CPL. */
	m->pf_user = (sr.cr0 & X86_CR0_PE) && sr.ss.dpl == 3 ? LHV_PF_USER : 0;
	m->active = true;
	m->nbytes = 0;
	mode = lhv_cpu_mode(&sr, vcpu->regs[LHV_RFLAGS]);
	m->nbytes = lhv_fetch_bytes(vcpu, &sr, &m->env, m->pf_user, m->bytes);
	r = lhv_decode(m->bytes, m->nbytes, mode, &m->insn);
	if (r <= 0)
		return lhv_mmio_internal_error(vcpu);

	memset(ctx, 0, sizeof(*ctx));
	for (i = 0; i < 16; i++)
		ctx->regs[i] = vcpu->regs[i];
	ctx->rip = vcpu->regs[LHV_RIP];
	ctx->rflags = vcpu->regs[LHV_RFLAGS];
	ctx->seg_base[LHV_SEG_ES] = sr.es.base;
	ctx->seg_base[LHV_SEG_CS] = sr.cs.base;
	ctx->seg_base[LHV_SEG_SS] = sr.ss.base;
	ctx->seg_base[LHV_SEG_DS] = sr.ds.base;
	ctx->seg_base[LHV_SEG_FS] = sr.fs.base;
	ctx->seg_base[LHV_SEG_GS] = sr.gs.base;
	ctx->va_bits = (sr.cr4 & X86_CR4_LA57) ? 57 : 48;
	return lhv_mmio_step(vcpu);
}
