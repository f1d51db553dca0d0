// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/fuzz/fuzz_emul.c - libFuzzer target for the x86 decoder and
 * MMIO emulator (kmod/emul.c).  Built by selftests/host/Makefile (make fuzz)
 * with clang -fsanitize=fuzzer,address,undefined.
 *
 * Input: byte 0 picks the CPU mode (bits 1:0) and a few knobs; the rest
 * are instruction bytes, passed at their exact length so that ASan catches
 * any read past them.  Guest registers and the data MMIO reads return come
 * from a PRNG seeded with a hash of the input.
 *
 * Invariants checked (abort() on violation):
 *  - decode returns 1..15 (and no more than it was given), TRUNCATED (only
 *    when fewer than 15 bytes were given) or UNSUPPORTED; a decoded
 *    instruction's fields are in range; every proper prefix of it decodes
 *    as TRUNCATED and the exact bytes decode to the same struct;
 *  - emulation never reports BAD_CTX under the protocol; accesses have
 *    sizes 1/2/4/8, write data fits the size, at most 2 per instruction,
 *    canonical addresses in 64-bit mode; asking twice gives the same
 *    request; errors and exceptions leave the guest state untouched; DONE
 *    moves RIP by the length exactly when complete; only status flags
 *    change; a second run with the same read data ends identically;
 *  - lhv_emul_mem_gva() agrees with the first access.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emul.h"

#define CHECK(c)	do { if (!(c)) abort(); } while (0)

struct prng {
	u64 s;
};

static u64 next(struct prng *p)
{
	u64 z = (p->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 size_mask(unsigned int n)
{
	return n >= 8 ? ~0ULL : (1ULL << (n * 8)) - 1;
}

static bool canonical(u64 a, unsigned int va_bits)
{
	unsigned int shift = 64 - va_bits;

	return (u64)((int64_t)(a << shift) >> shift) == a;
}

static void check_insn(const struct lhv_insn *in, int ret, int mode)
{
	CHECK(in->len == ret);
	CHECK(in->mode == mode);
	CHECK(in->kind != LHV_INSN_INVALID);
	CHECK(in->op_bytes == 1 || in->op_bytes == 2 || in->op_bytes == 4 ||
	      in->op_bytes == 8);
	CHECK(in->src_bytes >= 1 && in->src_bytes <= in->op_bytes);
	if (mode == LHV_CPU_LONG64)
		CHECK(in->addr_bytes == 4 || in->addr_bytes == 8);
	else
		CHECK(in->addr_bytes == 2 || in->addr_bytes == 4);
	CHECK(mode == LHV_CPU_LONG64 || (!in->rex && in->op_bytes != 8));
	CHECK(in->reg < 16 && in->rm < 16);
	CHECK(in->imm_bytes == 0 || in->imm_bytes == 1 ||
	      in->imm_bytes == 2 || in->imm_bytes == 4);
	CHECK(in->seg_override == LHV_SEG_NONE ||
	      in->seg_override < LHV_NR_SEGS);
	CHECK(in->seg_prefix == LHV_SEG_NONE || in->seg_prefix < LHV_NR_SEGS);
	if (in->has_mem) {
		const struct lhv_mem_operand *m = &in->mem;

		CHECK(m->base >= LHV_GPR_NONE && m->base < 16);
		CHECK(m->index >= LHV_GPR_NONE && m->index < 16);
		CHECK(m->index != 4);
		CHECK(m->scale == 1 || m->scale == 2 || m->scale == 4 ||
		      m->scale == 8);
		CHECK(m->seg < LHV_NR_SEGS);
		CHECK(!m->rip_rel || (mode == LHV_CPU_LONG64 &&
				      m->base == LHV_GPR_NONE &&
				      m->index == LHV_GPR_NONE));
		CHECK(in->addr_bytes != 2 || m->index == LHV_GPR_NONE ||
		      m->scale == 1);
	}
}

struct outcome {
	int ret;
	int naccs;
	struct lhv_emul_access accs[64];
	struct lhv_emul_ctx ctx;
};

/*
 * Run the protocol to the end with reads answered from p; at most `iters`
 * rep iterations.
 */
static void emulate(const struct lhv_insn *in, const struct lhv_emul_ctx *init,
		    u64 seed, struct outcome *o)
{
	struct lhv_emul_ctx *ctx = &o->ctx;
	struct prng p = { seed };
	int iters = 0, calls;

	memset(o, 0, sizeof(*o));
	*ctx = *init;
	for (calls = 0; calls < 200; calls++) {
		struct lhv_emul_ctx before = *ctx, again;
		struct lhv_emul_access *a = &ctx->acc[ctx->nr_done];
		int ret = lhv_emulate_mmio(in, ctx), ret2;

		CHECK(ret != LHV_EMUL_BAD_CTX);
		if (ret == LHV_EMUL_READ || ret == LHV_EMUL_WRITE) {
			/* Asking again gives the same answer. */
			again = *ctx;
			ret2 = lhv_emulate_mmio(in, &again);
			CHECK(ret2 == ret);
			CHECK(!memcmp(&again.acc[ctx->nr_done], a, sizeof(*a)));
			/* Guest state is untouched until DONE. */
			CHECK(!memcmp(ctx->regs, before.regs,
				      sizeof(ctx->regs)));
			CHECK(ctx->rip == before.rip &&
			      ctx->rflags == before.rflags);
			CHECK(a->size == 1 || a->size == 2 || a->size == 4 ||
			      a->size == 8);
			CHECK(a->write == (ret == LHV_EMUL_WRITE));
			CHECK(!(a->data & ~size_mask(a->size)));
			CHECK(ctx->nr_done < LHV_EMUL_MAX_ACC);
			if (in->mode == LHV_CPU_LONG64)
				CHECK(canonical(a->gva, ctx->va_bits) &&
				      canonical(a->gva + a->size - 1,
						ctx->va_bits));
			else
				CHECK(a->gva <= 0xffffffffULL);
			if (!a->write)
				a->data = next(&p) & size_mask(a->size);
			if (o->naccs < 64)
				o->accs[o->naccs++] = *a;
			ctx->nr_done++;
			continue;
		}
		o->ret = ret;
		if (ret != LHV_EMUL_DONE) {
			CHECK(ret == LHV_EMUL_EXCEPTION ||
			      ret == LHV_EMUL_UNSUPPORTED);
			CHECK(!memcmp(ctx->regs, before.regs,
				      sizeof(ctx->regs)));
			CHECK(ctx->rip == before.rip &&
			      ctx->rflags == before.rflags);
			if (ret == LHV_EMUL_EXCEPTION)
				CHECK(ctx->vector == 6 || ctx->vector == 12 ||
				      ctx->vector == 13);
			return;
		}
		/* Only the status flags change; RIP moves iff complete. */
		CHECK(!((ctx->rflags ^ before.rflags) & ~0x8d5ULL));
		if (ctx->complete) {
			u64 rip = before.rip + in->len;

			if (in->mode != LHV_CPU_LONG64)
				rip &= 0xffffffffULL;
			CHECK(ctx->rip == rip);
			return;
		}
		CHECK(ctx->rip == before.rip);
		CHECK(in->kind == LHV_INSN_MOVS || in->kind == LHV_INSN_STOS ||
		      in->kind == LHV_INSN_LODS);
		if (++iters >= 8)
			return;
		ctx->nr_done = 0;
	}
	CHECK(0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lhv_insn in, in2;
	struct lhv_emul_ctx ctx;
	struct outcome *o1, *o2;
	struct prng p;
	int mode, ret, k, i;
	u64 h = 0xcbf29ce484222325ULL, gva;
	const u8 *bytes;
	int len;

	if (size < 1)
		return 0;
	mode = data[0] & 3;
	bytes = data + 1;
	len = size - 1 > 64 ? 64 : (int)size - 1;

	ret = lhv_decode(bytes, len, mode, &in);
	CHECK(ret == LHV_DECODE_UNSUPPORTED || ret == LHV_DECODE_TRUNCATED ||
	      (ret >= 1 && ret <= LHV_INSN_MAX_LEN && ret <= len));
	if (ret == LHV_DECODE_TRUNCATED)
		CHECK(len < LHV_INSN_MAX_LEN);
	if (ret < 0)
		return 0;
	check_insn(&in, ret, mode);

	/* The exact bytes decode the same; every proper prefix is short. */
	CHECK(lhv_decode(bytes, ret, mode, &in2) == ret);
	CHECK(!memcmp(&in, &in2, sizeof(in)));
	for (k = 0; k < ret; k++)
		CHECK(lhv_decode(bytes, k, mode, &in2) == LHV_DECODE_TRUNCATED);

	/* Guest state from a hash of the input. */
	for (i = 0; i < (int)size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	p.s = h;
	memset(&ctx, 0, sizeof(ctx));
	for (i = 0; i < LHV_NR_GPRS; i++) {
		u64 v = next(&p);

		/* Mostly small values, so addresses tend to be canonical. */
		switch ((data[0] >> 2) & 3) {
		case 0:
			v &= 0xffff;
			break;
		case 1:
			v &= 0x7fffffffffffULL;
			break;
		case 2:
			v = (v & 0xff) | (v & 0xffffffff00000000ULL);
			break;
		}
		ctx.regs[i] = v;
	}
	ctx.rflags = 0x2 | (next(&p) & 0x8d5) |
		     ((data[0] & 0x10) ? 0x400 : 0);
	ctx.rip = next(&p) & ((data[0] & 0x20) ? ~0ULL : 0xfff);
	if (mode != LHV_CPU_LONG64)
		ctx.rip &= 0xffffffffULL;
	for (i = 0; i < LHV_NR_SEGS; i++)
		ctx.seg_base[i] = (data[0] & 0x40) ? next(&p) :
				  next(&p) & 0xffff0;
	ctx.va_bits = (data[0] & 0x80) ? 57 : 48;

	o1 = malloc(sizeof(*o1));
	o2 = malloc(sizeof(*o2));
	if (!o1 || !o2)
		abort();
	emulate(&in, &ctx, h ^ 1, o1);
	emulate(&in, &ctx, h ^ 1, o2);
	CHECK(o1->ret == o2->ret && o1->naccs == o2->naccs);
	CHECK(!memcmp(o1->accs, o2->accs, o1->naccs * sizeof(o1->accs[0])));
	CHECK(!memcmp(o1->ctx.regs, o2->ctx.regs, sizeof(o1->ctx.regs)));
	CHECK(o1->ctx.rip == o2->ctx.rip && o1->ctx.rflags == o2->ctx.rflags);

	/* mem_gva names the first access. */
	{
		struct lhv_emul_ctx c2 = ctx;

		ret = lhv_emul_mem_gva(&in, &c2, &gva);
		CHECK(ret == 0 || ret == LHV_EMUL_EXCEPTION ||
		      ret == LHV_EMUL_UNSUPPORTED);
		if (ret == 0 && o1->naccs)
			CHECK(o1->accs[0].gva == gva);
		if (o1->naccs && o1->ret != LHV_EMUL_EXCEPTION)
			CHECK(ret == 0);
	}
	free(o1);
	free(o2);
	return 0;
}
