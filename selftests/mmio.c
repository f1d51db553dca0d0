// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/mmio.c - guest accesses to guest-physical addresses outside
 * every memslot exit as KVM_EXIT_MMIO: address, length, direction and
 * (for writes) data are checked; a read completes with the data the host
 * put in the run page on the next KVM_RUN.  One case per instruction class
 * that must be emulated: mov (8/16/32/64, register, immediate, moffs,
 * REX/SIB/displacement, segment override), movzx/movsx, stos and movs
 * (rep, both directions), and/or/xor/add/sub (read exit, then a write
 * exit carrying the result), cmp/test (read only), xchg, bt/bts/btr/btc
 * (with register bit offsets outside the operand).  Flags are captured by
 * the guest and compared with the same instruction run natively on the
 * host.  Also: MMIO from real mode, a KVM_MEM_READONLY slot, and accesses
 * that cross a page (RAM/MMIO on either side, scattered GPAs, a #PF on
 * the second page), split into one exit per page as KVM does.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "processor.h"

/* In the guest's identity map (0-4 GiB), far above slot 0. */
#define MMIO_BASE	0xc0000000
#define MMIO_GPA	((u64)MMIO_BASE)
#define STR_(x)		#x
#define STR(x)		STR_(x)

#define FL_CF	X86_EFLAGS_CF
#define FL_PF	X86_EFLAGS_PF
#define FL_AF	(1ULL << 4)
#define FL_ZF	X86_EFLAGS_ZF
#define FL_SF	X86_EFLAGS_SF
#define FL_OF	X86_EFLAGS_OF
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
#define FL_LOGIC (FL_CF | FL_PF | FL_ZF | FL_SF | FL_OF)

/* --- host-side exit checks --- */

static void __expect_mmio(struct kvm_vcpu *vcpu, u64 gpa, u32 len,
			  bool write, const char *file, int line)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	if (run->exit_reason != KVM_EXIT_MMIO ||
	    run->mmio.phys_addr != gpa || run->mmio.len != len ||
	    run->mmio.is_write != write) {
		vcpu_dump_exit(vcpu);
		__test_fail(file, line, "mmio exit",
			    "expected KVM_EXIT_MMIO %s gpa 0x%llx len %u",
			    write ? "write" : "read", (unsigned long long)gpa,
			    len);
	}
}

/* Run; the guest must write @len bytes of @val to @gpa. */
static void __expect_write(struct kvm_vcpu *vcpu, u64 gpa, u32 len,
			   const void *val, const char *file, int line)
{
	struct kvm_run *run = vcpu->run;
	u64 got = 0, want = 0;

	__expect_mmio(vcpu, gpa, len, true, file, line);
	memcpy(&got, run->mmio.data, len);
	memcpy(&want, val, len);
	if (got != want)
		__test_fail(file, line, "mmio write data",
			    "gpa 0x%llx len %u: wrote 0x%llx, expected 0x%llx",
			    (unsigned long long)gpa, len,
			    (unsigned long long)got, (unsigned long long)want);
}

/* Run; the guest must read @len bytes at @gpa: answer with @val. */
static void __expect_read(struct kvm_vcpu *vcpu, u64 gpa, u32 len,
			  const void *val, const char *file, int line)
{
	__expect_mmio(vcpu, gpa, len, false, file, line);
	memcpy(vcpu->run->mmio.data, val, len);
}

#define expect_write(vcpu, gpa, len, v)					\
({									\
	u64 __v = (v);							\
	__expect_write(vcpu, gpa, len, &__v, __FILE__, __LINE__);	\
})
#define expect_read(vcpu, gpa, len, v)					\
({									\
	u64 __v = (v);							\
	__expect_read(vcpu, gpa, len, &__v, __FILE__, __LINE__);	\
})

/* Run; the guest must report (UCALL_SYNC) exactly these values. */
#define expect_sync(vcpu, a, b)						\
({									\
	struct ucall __uc;						\
	vcpu_run_sync(vcpu, &__uc);					\
	TEST_ASSERT_EQ(__uc.args[0], (a));				\
	TEST_ASSERT_EQ(__uc.args[1], (b));				\
})

/* --- the first access: a plain store and a plain load --- */

static void guest_basic(void)
{
	volatile u32 *p = (volatile u32 *)(MMIO_GPA + 0x40);
	u32 v;

	asm volatile("movl %0, (%1)" : : "r"(0xdeadbeefu), "r"(p) : "memory");
	asm volatile("movl (%1), %0" : "=r"(v) : "r"(p) : "memory");
	GUEST_SYNC(v);
}

static void write_then_read(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_basic, 0, 0);
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_MMIO);
	TEST_ASSERT_EQ(run->mmio.phys_addr, MMIO_GPA + 0x40);
	TEST_ASSERT_EQ(run->mmio.len, 4);
	TEST_ASSERT_EQ(run->mmio.is_write, 1);
	TEST_ASSERT_EQ(*(u32 *)run->mmio.data, 0xdeadbeef);

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_MMIO);
	TEST_ASSERT_EQ(run->mmio.phys_addr, MMIO_GPA + 0x40);
	TEST_ASSERT_EQ(run->mmio.len, 4);
	TEST_ASSERT_EQ(run->mmio.is_write, 0);
	memcpy(run->mmio.data, "\x21\x43\x65\x87", 4);

	expect_sync(vcpu, 0x87654321, 0);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * --- table-driven cases: one instruction on memory at @mem, the register
 * operand in RAX, flags captured right after it.  The same function runs
 * in the guest (mem in MMIO) and on the host (mem in a buffer), which
 * gives the expected result, memory contents and flags. ---
 */
typedef int64_t s64;
typedef u64 (*mem_fn)(u64 mem, u64 *reg);

#define MEM_FN(name, insn, ...)						\
static u64 name(u64 mem, u64 *reg)					\
{									\
	u64 fl, r = *reg;						\
	asm volatile(insn "\n\tpushfq\n\tpopq %0"			\
		     : "=&r"(fl), "+a"(r) : "r"(mem)			\
		     : "cc", "memory", ##__VA_ARGS__);			\
	*reg = r;							\
	return fl;							\
}

struct mem_case {
	const char *name;
	mem_fn fn;
	s64 off;	/* where the access lands, relative to mem */
	u32 len;
	bool rd, wr;	/* exits expected: read, then write */
	u64 mem;	/* the MMIO contents the host supplies */
	u64 reg;	/* RAX before */
	u64 flags;	/* flags to compare */
};

/* mov */
MEM_FN(mov_st8, "movb %b1, (%2)")
MEM_FN(mov_st16, "movw %w1, (%2)")
MEM_FN(mov_st32, "movl %k1, (%2)")
MEM_FN(mov_st64, "movq %1, (%2)")
MEM_FN(mov_st8h, "movb %h1, (%2)")
MEM_FN(mov_ld8, "movb (%2), %b1")
MEM_FN(mov_ld16, "movw (%2), %w1")
MEM_FN(mov_ld32, "movl (%2), %k1")
MEM_FN(mov_ld64, "movq (%2), %1")
MEM_FN(mov_ld8h, "movb (%2), %h1")
MEM_FN(mov_imm8, "movb $0x5a, (%2)")
MEM_FN(mov_imm16, "movw $0x2233, (%2)")
MEM_FN(mov_imm32, "movl $0x44556677, (%2)")
MEM_FN(mov_imm64, "movq $-2, (%2)")
MEM_FN(mov_disp8, "movl %k1, 0x18(%2)")
MEM_FN(mov_disp32, "movq %1, 0x1238(%2)")
MEM_FN(mov_rex_sib, "movq %2, %%r10\n\tmovq $3, %%r11\n\tmovq %1, %%r9\n\t"
		    "movq %%r9, -0x8(%%r10,%%r11,8)", "r9", "r10", "r11")
MEM_FN(mov_rex_ld, "movq %2, %%r12\n\tmovq $-1, %%r13\n\t"
		   "movl 0x10(%%r12,%%r13,4), %%r13d\n\tmovq %%r13, %1",
       "r12", "r13")
MEM_FN(mov_sil, "movq %1, %%rsi\n\tmovb %%sil, 7(%2)", "rsi")
MEM_FN(mov_r8w, "movq %1, %%r8\n\tmovw 6(%2), %%r8w\n\tmovq %%r8, %1",
       "r8")

static const struct mem_case mov_cases[] = {
	{ "mov r8 -> m8", mov_st8, 0, 1, 0, 1, 0, 0x1122334455667788 },
	{ "mov r16 -> m16", mov_st16, 0, 2, 0, 1, 0, 0x1122334455667788 },
	{ "mov r32 -> m32", mov_st32, 0, 4, 0, 1, 0, 0x1122334455667788 },
	{ "mov r64 -> m64", mov_st64, 0, 8, 0, 1, 0, 0x1122334455667788 },
	{ "mov ah -> m8", mov_st8h, 0, 1, 0, 1, 0, 0x1122334455667788 },
	{ "mov m8 -> r8", mov_ld8, 0, 1, 1, 0, 0xa5, ~0ULL },
	{ "mov m16 -> r16", mov_ld16, 0, 2, 1, 0, 0xbeef, ~0ULL },
	{ "mov m32 -> r32 (zero-extends)", mov_ld32, 0, 4, 1, 0, 0x89abcdef,
	  ~0ULL },
	{ "mov m64 -> r64", mov_ld64, 0, 8, 1, 0, 0x0123456789abcdef, 0 },
	{ "mov m8 -> ah", mov_ld8h, 0, 1, 1, 0, 0x3c, 0x1122334455667788 },
	{ "mov imm8 -> m8", mov_imm8, 0, 1, 0, 1, 0, 0 },
	{ "mov imm16 -> m16", mov_imm16, 0, 2, 0, 1, 0, 0 },
	{ "mov imm32 -> m32", mov_imm32, 0, 4, 0, 1, 0, 0 },
	{ "mov simm32 -> m64", mov_imm64, 0, 8, 0, 1, 0, 0 },
	{ "mov r32 -> disp8(m)", mov_disp8, 0x18, 4, 0, 1, 0, 0xcafef00d },
	{ "mov r64 -> disp32(m)", mov_disp32, 0x1238, 8, 0, 1, 0,
	  0xfedcba9876543210 },
	{ "mov r9 -> disp(r10,r11,8)", mov_rex_sib, 0x10, 8, 0, 1, 0,
	  0x0badc0de0badf00d },
	{ "mov disp(r12,r13,4) -> r13d", mov_rex_ld, 0xc, 4, 1, 0, 0x7e57ab1e,
	  0 },
	{ "mov sil -> disp8(m)", mov_sil, 7, 1, 0, 1, 0, 0x99 },
	{ "mov disp8(m) -> r8w", mov_r8w, 6, 2, 1, 0, 0x4321, ~0ULL },
};

/* movzx / movsx */
MEM_FN(movzb32, "movzbl (%2), %k1")
MEM_FN(movzb64, "movzbq (%2), %1")
MEM_FN(movzw32, "movzwl (%2), %k1")
MEM_FN(movsb32, "movsbl (%2), %k1")
MEM_FN(movsb64, "movsbq (%2), %1")
MEM_FN(movsw16, "movsbw (%2), %w1")
MEM_FN(movsw64, "movswq (%2), %1")
MEM_FN(movsl64, "movslq (%2), %1")

static const struct mem_case movx_cases[] = {
	{ "movzx m8 -> r32", movzb32, 0, 1, 1, 0, 0x80, ~0ULL },
	{ "movzx m8 -> r64", movzb64, 0, 1, 1, 0, 0xff, ~0ULL },
	{ "movzx m16 -> r32", movzw32, 0, 2, 1, 0, 0x8001, ~0ULL },
	{ "movsx m8 -> r32", movsb32, 0, 1, 1, 0, 0x80, 0 },
	{ "movsx m8 -> r64", movsb64, 0, 1, 1, 0, 0xfe, 0 },
	{ "movsx m8 -> r16", movsw16, 0, 1, 1, 0, 0x81, 0x1122334455667788 },
	{ "movsx m16 -> r64", movsw64, 0, 2, 1, 0, 0x8000, 0 },
	{ "movsxd m32 -> r64", movsl64, 0, 4, 1, 0, 0x80000001, 0 },
	{ "movsx m16 -> r64 (positive)", movsw64, 0, 2, 1, 0, 0x7fff, ~0ULL },
};

/* and/or/xor/add/sub: read-modify-write */
MEM_FN(or32, "orl %k1, (%2)")
MEM_FN(and32, "andl %k1, (%2)")
MEM_FN(xor64, "xorq %1, (%2)")
MEM_FN(add32, "addl %k1, (%2)")
MEM_FN(sub16, "subw %w1, (%2)")
MEM_FN(add8i, "addb $0x81, (%2)")
MEM_FN(sub64i8, "subq $3, (%2)")
MEM_FN(or8i, "orb $0x40, (%2)")
MEM_FN(and64i32, "andq $0x7fff0000, (%2)")
MEM_FN(xor16i, "xorw $0x8001, (%2)")
MEM_FN(add64, "addq %1, (%2)")
MEM_FN(sub8, "subb %b1, 3(%2)")
MEM_FN(adc32i8, "stc\n\tadcl $1, (%2)")
MEM_FN(sbb64, "stc\n\tsbbq %1, (%2)")
MEM_FN(add_to_reg, "addl (%2), %k1")
MEM_FN(sub_to_reg, "subq (%2), %1")
MEM_FN(and_to_reg, "andw (%2), %w1")

static const struct mem_case alu_cases[] = {
	{ "or r32 -> m32", or32, 0, 4, 1, 1, 0x00f00000, 0x8000000f, FL_LOGIC },
	{ "and r32 -> m32 (zero)", and32, 0, 4, 1, 1, 0xf0f0f0f0, 0x0f0f0f0f,
	  FL_LOGIC },
	{ "xor r64 -> m64", xor64, 0, 8, 1, 1, 0x1122334455667788,
	  0xff00ff00ff00ff00, FL_LOGIC },
	{ "add r32 -> m32 (overflow)", add32, 0, 4, 1, 1, 0x7fffffff, 1,
	  FL_ARITH },
	{ "sub r16 -> m16 (borrow)", sub16, 0, 2, 1, 1, 5, 7, FL_ARITH },
	{ "add imm8 -> m8 (carry)", add8i, 0, 1, 1, 1, 0x80, 0, FL_ARITH },
	{ "sub simm8 -> m64 (zero)", sub64i8, 0, 8, 1, 1, 3, 0, FL_ARITH },
	{ "or imm8 -> m8", or8i, 0, 1, 1, 1, 0x81, 0, FL_LOGIC },
	{ "and simm32 -> m64", and64i32, 0, 8, 1, 1, 0xffffffffffffffff, 0,
	  FL_LOGIC },
	{ "xor imm16 -> m16", xor16i, 0, 2, 1, 1, 0x8001, 0, FL_LOGIC },
	{ "add r64 -> m64 (carry out)", add64, 0, 8, 1, 1, 0xffffffff00000000,
	  0x100000000, FL_ARITH },
	{ "sub r8 -> disp8(m)", sub8, 3, 1, 1, 1, 0x80, 1, FL_ARITH },
	{ "adc simm8 -> m32 (CF in)", adc32i8, 0, 4, 1, 1, 0xfffffffe, 0,
	  FL_ARITH },
	{ "sbb r64 -> m64 (CF in)", sbb64, 0, 8, 1, 1, 10, 9, FL_ARITH },
	{ "add m32 -> r32 (read only)", add_to_reg, 0, 4, 1, 0, 0xffffffff,
	  0xffffffff00000002, FL_ARITH },
	{ "sub m64 -> r64 (read only)", sub_to_reg, 0, 8, 1, 0, 1, 0,
	  FL_ARITH },
	{ "and m16 -> r16 (read only)", and_to_reg, 0, 2, 1, 0, 0x8ff0,
	  0x11223344556680ff, FL_LOGIC },
};

/* cmp/test: read only, flags */
MEM_FN(cmp32, "cmpl %k1, (%2)")
MEM_FN(cmp8i, "cmpb $0x10, (%2)")
MEM_FN(cmp64r, "cmpq (%2), %1")
MEM_FN(cmp16i8, "cmpw $-1, (%2)")
MEM_FN(test32, "testl %k1, (%2)")
MEM_FN(test8i, "testb $1, (%2)")
MEM_FN(test64, "testq %1, (%2)")

static const struct mem_case cmp_cases[] = {
	{ "cmp r32, m32 (below)", cmp32, 0, 4, 1, 0, 3, 5, FL_ARITH },
	{ "cmp imm8, m8 (equal)", cmp8i, 0, 1, 1, 0, 0x10, 0, FL_ARITH },
	{ "cmp m64, r64 (overflow)", cmp64r, 0, 8, 1, 0, 1,
	  0x8000000000000000, FL_ARITH },
	{ "cmp simm8, m16", cmp16i8, 0, 2, 1, 0, 0x7fff, 0, FL_ARITH },
	{ "test r32, m32 (sign)", test32, 0, 4, 1, 0, 0x80000000, 0x80000001,
	  FL_LOGIC },
	{ "test imm8, m8 (zero)", test8i, 0, 1, 1, 0, 2, 0, FL_LOGIC },
	{ "test r64, m64 (parity)", test64, 0, 8, 1, 0, 0x0300000000000003,
	  0xff, FL_LOGIC },
};

/* xchg: read old value, write the register, register gets the old */
MEM_FN(xchg8, "xchgb %b1, (%2)")
MEM_FN(xchg16, "xchgw %w1, (%2)")
MEM_FN(xchg32, "xchgl %k1, (%2)")
MEM_FN(xchg64, "xchgq %1, (%2)")
MEM_FN(xchg32r, "xchgl (%2), %k1")

static const struct mem_case xchg_cases[] = {
	{ "xchg r8, m8", xchg8, 0, 1, 1, 1, 0x5a, 0x1122334455667788 },
	{ "xchg r16, m16", xchg16, 0, 2, 1, 1, 0xbeef, 0x1122334455667788 },
	{ "xchg r32, m32", xchg32, 0, 4, 1, 1, 0xdeadbeef, 0xffffffff12345678 },
	{ "xchg r64, m64", xchg64, 0, 8, 1, 1, 0x0123456789abcdef,
	  0xfedcba9876543210 },
	{ "xchg m32, r32", xchg32r, 0, 4, 1, 1, 0xcafe, 0x7777 },
};

/* bt family: CF is the only defined flag */
MEM_FN(bt32i, "btl $5, (%2)")
MEM_FN(bts32i, "btsl $3, (%2)")
MEM_FN(btr64i, "btrq $63, (%2)")
MEM_FN(btc16i, "btcw $15, (%2)")
MEM_FN(bts32r, "btsl %k1, (%2)")
MEM_FN(btr64r, "btrq %1, (%2)")
MEM_FN(bt64r, "btq %1, (%2)")
MEM_FN(btc32r, "btcl %k1, (%2)")

static const struct mem_case bt_cases[] = {
	{ "bt imm, m32 (set)", bt32i, 0, 4, 1, 0, 0x20, 0, FL_CF },
	{ "bts imm, m32", bts32i, 0, 4, 1, 1, 0x1, 0, FL_CF },
	{ "btr imm, m64", btr64i, 0, 8, 1, 1, 0x8000000000000001, 0, FL_CF },
	{ "btc imm, m16", btc16i, 0, 2, 1, 1, 0x0001, 0, FL_CF },
	{ "bts r32 = 35, m32 (next dword)", bts32r, 4, 4, 1, 1, 0x1, 35,
	  FL_CF },
	{ "btr r64 = 70, m64 (next qword)", btr64r, 8, 8, 1, 1, 0x40, 70,
	  FL_CF },
	{ "bt r64 = -1, m64 (previous qword)", bt64r, -8, 8, 1, 0,
	  0x8000000000000000, ~0ULL, FL_CF },
	{ "btc r32 = 1, m32", btc32r, 0, 4, 1, 1, 0xffffffff, 1, FL_CF },
};

static void guest_cases(const struct mem_case *c, u64 n)
{
	u64 i, reg, fl;

	for (i = 0; i < n; i++) {
		reg = c[i].reg;
		fl = c[i].fn(MMIO_GPA + (i + 1) * 0x10000, &reg);
		GUEST_SYNC2(fl, reg);
	}
}

static u8 host_mem[0x4000] __attribute__((aligned(4096)));

static void run_cases(const struct mem_case *c, unsigned int n)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_cases, (u64)c,
					       n);
	unsigned int i;

	for (i = 0; i < n; i++) {
		u64 mem = MMIO_GPA + (i + 1) * 0x10000;
		u8 *base = host_mem + 0x2000;
		u64 reg = c[i].reg, fl, want = 0;
		struct ucall uc;

		/* The expected outcome, from the host CPU itself. */
		memset(host_mem, 0, sizeof(host_mem));
		memcpy(base + c[i].off, &c[i].mem, c[i].len);
		fl = c[i].fn((u64)base, &reg);
		memcpy(&want, base + c[i].off, c[i].len);

		ktap_print("%s", c[i].name);
		if (c[i].rd)
			__expect_read(vcpu, mem + c[i].off, c[i].len,
				      &c[i].mem, __FILE__, __LINE__);
		if (c[i].wr)
			__expect_write(vcpu, mem + c[i].off, c[i].len, &want,
				       __FILE__, __LINE__);
		vcpu_run_sync(vcpu, &uc);
		TEST_ASSERT(uc.args[1] == reg,
			    "%s: RAX 0x%llx, expected 0x%llx", c[i].name,
			    (unsigned long long)uc.args[1],
			    (unsigned long long)reg);
		TEST_ASSERT(!((uc.args[0] ^ fl) & c[i].flags),
			    "%s: flags 0x%llx, expected 0x%llx (mask 0x%llx)",
			    c[i].name, (unsigned long long)uc.args[0],
			    (unsigned long long)fl,
			    (unsigned long long)c[i].flags);
	}
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void mov_forms(void)
{
	run_cases(mov_cases, ARRAY_SIZE(mov_cases));
}

static void movzx_movsx(void)
{
	run_cases(movx_cases, ARRAY_SIZE(movx_cases));
}

static void alu_read_modify_write(void)
{
	run_cases(alu_cases, ARRAY_SIZE(alu_cases));
}

static void cmp_test(void)
{
	run_cases(cmp_cases, ARRAY_SIZE(cmp_cases));
}

static void xchg(void)
{
	run_cases(xchg_cases, ARRAY_SIZE(xchg_cases));
}

static void bt_family(void)
{
	run_cases(bt_cases, ARRAY_SIZE(bt_cases));
}

/* --- moffs (absolute 64-bit addresses) and segment overrides --- */

#define MOFFS(x)	STR(MMIO_BASE) " + " #x
#define MSR_FS_BASE	0xc0000100
#define MSR_GS_BASE	0xc0000101

static void guest_wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static void guest_moffs_seg(void)
{
	u64 rax = 0x1122334455667788;

	asm volatile("movabs %%al, " MOFFS(0x1001) : : "a"(rax) : "memory");
	asm volatile("movabs %%ax, " MOFFS(0x1002) : : "a"(rax) : "memory");
	asm volatile("movabs %%eax, " MOFFS(0x1004) : : "a"(rax) : "memory");
	asm volatile("movabs %%rax, " MOFFS(0x1008) : : "a"(rax) : "memory");
	asm volatile("movabs " MOFFS(0x1010) ", %%rax" : "+a"(rax) : : "memory");
	GUEST_SYNC(rax);
	rax = ~0ULL;
	asm volatile("movabs " MOFFS(0x1018) ", %%al" : "+a"(rax) : : "memory");
	GUEST_SYNC(rax);
	asm volatile("movabs " MOFFS(0x101c) ", %%eax" : "+a"(rax) : : "memory");
	GUEST_SYNC(rax);

	/* FS and GS bases come from the MSRs in long mode. */
	guest_wrmsr(MSR_FS_BASE, 0x10000);
	guest_wrmsr(MSR_GS_BASE, 0x20000);
	asm volatile("movl %0, %%fs:(%1)"
		     : : "r"(0xf5f5f5f5u), "r"(MMIO_GPA + 0x2000 - 0x10000)
		     : "memory");
	asm volatile("movq %%gs:8(%1), %0"
		     : "=r"(rax) : "r"(MMIO_GPA + 0x3000 - 0x20000)
		     : "memory");
	GUEST_SYNC(rax);
	/* CS, DS, ES and SS overrides have base 0 in long mode. */
	asm volatile("movw %0, %%es:(%1)"
		     : : "r"((u16)0x1234), "r"(MMIO_GPA + 0x4000) : "memory");
}

static void mov_moffs_segment(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_moffs_seg, 0, 0);

	expect_write(vcpu, MMIO_GPA + 0x1001, 1, 0x88);
	expect_write(vcpu, MMIO_GPA + 0x1002, 2, 0x7788);
	expect_write(vcpu, MMIO_GPA + 0x1004, 4, 0x55667788);
	expect_write(vcpu, MMIO_GPA + 0x1008, 8, 0x1122334455667788);
	expect_read(vcpu, MMIO_GPA + 0x1010, 8, 0x0f1e2d3c4b5a6978);
	expect_sync(vcpu, 0x0f1e2d3c4b5a6978, 0);
	expect_read(vcpu, MMIO_GPA + 0x1018, 1, 0x42);
	expect_sync(vcpu, 0xffffffffffffff42, 0);
	expect_read(vcpu, MMIO_GPA + 0x101c, 4, 0x87654321);
	expect_sync(vcpu, 0x87654321, 0);
	expect_write(vcpu, MMIO_GPA + 0x2000, 4, 0xf5f5f5f5);
	expect_read(vcpu, MMIO_GPA + 0x3008, 8, 0x600dcafe600dcafe);
	expect_sync(vcpu, 0x600dcafe600dcafe, 0);
	expect_write(vcpu, MMIO_GPA + 0x4000, 2, 0x1234);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* --- string instructions --- */

static void guest_stos(void)
{
	u64 rdi, rcx;

	/* rep stosl, forward: three dword writes. */
	rdi = MMIO_GPA + 0x100;
	rcx = 3;
	asm volatile("cld\n\trep stosl"
		     : "+D"(rdi), "+c"(rcx) : "a"(0xa5a5a5a5u) : "memory");
	GUEST_SYNC2(rdi, rcx);
	/* rep stosb, backward. */
	rdi = MMIO_GPA + 0x202;
	rcx = 3;
	asm volatile("std\n\trep stosb\n\tcld"
		     : "+D"(rdi), "+c"(rcx) : "a"(0x3c) : "memory");
	GUEST_SYNC2(rdi, rcx);
	/* stosq, no rep. */
	rdi = MMIO_GPA + 0x300;
	asm volatile("stosq" : "+D"(rdi) : "a"(0x0102030405060708) : "memory");
	GUEST_SYNC2(rdi, 0);
	/* rep stosw with RCX = 0: nothing at all. */
	rdi = MMIO_GPA + 0x400;
	rcx = 0;
	asm volatile("rep stosw"
		     : "+D"(rdi), "+c"(rcx) : "a"(0xffff) : "memory");
	GUEST_SYNC2(rdi, rcx);
}

static void stos(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_stos, 0, 0);

	expect_write(vcpu, MMIO_GPA + 0x100, 4, 0xa5a5a5a5);
	expect_write(vcpu, MMIO_GPA + 0x104, 4, 0xa5a5a5a5);
	expect_write(vcpu, MMIO_GPA + 0x108, 4, 0xa5a5a5a5);
	expect_sync(vcpu, MMIO_GPA + 0x10c, 0);
	expect_write(vcpu, MMIO_GPA + 0x202, 1, 0x3c);
	expect_write(vcpu, MMIO_GPA + 0x201, 1, 0x3c);
	expect_write(vcpu, MMIO_GPA + 0x200, 1, 0x3c);
	expect_sync(vcpu, MMIO_GPA + 0x1ff, 0);
	expect_write(vcpu, MMIO_GPA + 0x300, 8, 0x0102030405060708);
	expect_sync(vcpu, MMIO_GPA + 0x308, 0);
	expect_sync(vcpu, MMIO_GPA + 0x400, 0);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static u32 movs_dst[4];
static const u16 movs_src[3] = { 0x1234, 0x5678, 0x9abc };

static void guest_movs(void)
{
	u64 rsi, rdi, rcx;

	/* MMIO -> RAM: three reads, the data lands in memory. */
	movs_dst[3] = 0x77777777;
	rsi = MMIO_GPA + 0x500;
	rdi = (u64)movs_dst;
	rcx = 3;
	asm volatile("cld\n\trep movsl"
		     : "+S"(rsi), "+D"(rdi), "+c"(rcx) : : "memory");
	GUEST_SYNC4(movs_dst[0], movs_dst[1], movs_dst[2], movs_dst[3]);
	GUEST_SYNC2(rsi, rdi);
	/* RAM -> MMIO: three writes carrying the memory's data. */
	rsi = (u64)movs_src;
	rdi = MMIO_GPA + 0x600;
	rcx = 3;
	asm volatile("rep movsw"
		     : "+S"(rsi), "+D"(rdi), "+c"(rcx) : : "memory");
	GUEST_SYNC2(rdi, rcx);
	/* movsq without rep, MMIO -> RAM. */
	rsi = MMIO_GPA + 0x700;
	rdi = (u64)movs_dst;
	asm volatile("movsq" : "+S"(rsi), "+D"(rdi) : : "memory");
	GUEST_SYNC2(movs_dst[0] | (u64)movs_dst[1] << 32, rsi);
}

static void movs(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_movs, 0, 0);
	struct ucall uc;

	expect_read(vcpu, MMIO_GPA + 0x500, 4, 0x11111111);
	expect_read(vcpu, MMIO_GPA + 0x504, 4, 0x22222222);
	expect_read(vcpu, MMIO_GPA + 0x508, 4, 0x33333333);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 0x11111111);
	TEST_ASSERT_EQ(uc.args[1], 0x22222222);
	TEST_ASSERT_EQ(uc.args[2], 0x33333333);
	TEST_ASSERT_EQ(uc.args[3], 0x77777777);
	expect_sync(vcpu, MMIO_GPA + 0x50c, (u64)movs_dst + 12);
	expect_write(vcpu, MMIO_GPA + 0x600, 2, 0x1234);
	expect_write(vcpu, MMIO_GPA + 0x602, 2, 0x5678);
	expect_write(vcpu, MMIO_GPA + 0x604, 2, 0x9abc);
	expect_sync(vcpu, MMIO_GPA + 0x606, 0);
	expect_read(vcpu, MMIO_GPA + 0x700, 8, 0x8877665544332211);
	expect_sync(vcpu, 0x8877665544332211, MMIO_GPA + 0x708);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* --- real mode --- */

#define RM_CODE		0x1000

/* DS = 0x2000 puts its offsets at 0x20000, outside the 64 KiB slot. */
asm(".pushsection .rodata\n"
    "rm_mmio_blob:\n"
    ".code16\n"
    "mov $0x2000, %ax\n"
    "mov %ax, %ds\n"
    "movw $0xbeef, 0x10\n"
    "mov $0x12345678, %eax\n"
    "mov %eax, 0x20\n"
    "movb 0x30, %al\n"
    "out %al, $0x10\n"
    "mov $0x3000, %bx\n"
    "mov %bx, %es\n"
    "movb $0x77, %es:0x5(%bx)\n"
    "hlt\n"
    ".code64\n"
    "rm_mmio_blob_end:\n"
    ".popsection\n");
extern const u8 rm_mmio_blob[], rm_mmio_blob_end[];

static void realmode(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_realmode(64 * KiB, &vcpu, RM_CODE);

	vm_write(vm, RM_CODE, rm_mmio_blob, rm_mmio_blob_end - rm_mmio_blob);
	expect_write(vcpu, 0x20010, 2, 0xbeef);
	expect_write(vcpu, 0x20020, 4, 0x12345678);
	expect_read(vcpu, 0x20030, 1, 0xa5);
	vcpu_run(vcpu);
	assert_io_exit(vcpu, 0x10, 1, KVM_EXIT_IO_OUT, 1);
	TEST_ASSERT_EQ(*(u8 *)vcpu_io_data(vcpu), 0xa5);
	expect_write(vcpu, 0x30000 + 0x3005, 1, 0x77);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	vm_free(vm);
}

/* --- KVM_MEM_READONLY --- */

#define RO_GPA		0x8000000ULL	/* 128 MiB */
#define RO_SIZE		(2 * MiB)

static void guest_readonly(void)
{
	volatile u64 *ro = (volatile u64 *)RO_GPA;
	u64 a, b;

	a = ro[0];
	asm volatile("movq %0, 8(%1)" : : "r"(0xabababababababab), "r"(ro)
		     : "memory");
	b = ro[1];
	GUEST_SYNC2(a, b);
	asm volatile("movl %0, 0x1ffffc(%1)" : : "r"(0x5555aaaau), "r"(ro)
		     : "memory");
	GUEST_SYNC(ro[0x1ffff8 / 8]);
}

static void readonly_slot(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	u64 *hva;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_READONLY_MEM) > 0);
	vm = vm_create_longmode(0, &vcpu, guest_readonly, 0, 0);
	hva = mmap(NULL, RO_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(hva != MAP_FAILED, "mmap: %s", strerror(errno));
	hva[0] = 0x0123456789abcdef;
	hva[1] = 0x1111111111111111;
	hva[RO_SIZE / 8 - 1] = 0x2222222233333333;
	vm_set_user_memory_region(vm, 1, KVM_MEM_READONLY, RO_GPA, RO_SIZE,
				  hva);

	/* The reads see the memory, the write exits and lands nowhere. */
	expect_write(vcpu, RO_GPA + 8, 8, 0xabababababababab);
	expect_sync(vcpu, 0x0123456789abcdef, 0x1111111111111111);
	expect_write(vcpu, RO_GPA + RO_SIZE - 4, 4, 0x5555aaaa);
	expect_sync(vcpu, 0x2222222233333333, 0);
	vcpu_run_done(vcpu);
	TEST_ASSERT_EQ(hva[1], 0x1111111111111111);
	TEST_ASSERT_EQ(hva[RO_SIZE / 8 - 1], 0x2222222233333333);
	vm_free(vm);
	munmap(hva, RO_SIZE);
}

/*
 * --- accesses that cross a 4 KiB page: each page is translated on its
 * own (SDM vol. 3 4.1.1: a linear address range that spans pages is
 * checked page by page), and KVM's API gives one KVM_EXIT_MMIO per page
 * fragment.  A 2 MiB region of the identity map is replaced by a page
 * table that maps consecutive linear pages to scattered GPAs:
 *
 *   SPLIT_LIN + 0x0000  RAM  SPLIT_RAM0
 *   SPLIT_LIN + 0x1000  MMIO SPLIT_MMIO_A
 *   SPLIT_LIN + 0x2000  MMIO SPLIT_MMIO_B (below A: not contiguous)
 *   SPLIT_LIN + 0x3000  MMIO SPLIT_MMIO_C
 *   SPLIT_LIN + 0x4000  not present
 *   SPLIT_LIN + 0x5000  MMIO SPLIT_MMIO_D
 *   SPLIT_LIN + 0x6000  RAM  SPLIT_RAM1
 *   SPLIT_LIN + 0x7000  MMIO SPLIT_MMIO_E
 *   SPLIT_LIN + 0x8000  RAM  SPLIT_RAM1, read-only (CR0.WP is set)
 * ---
 */
#define SPLIT_LIN	0xa0000000ULL
#define SPLIT_PT	0x1000000ULL	/* in slot 0, above the image */
#define SPLIT_RAM0	0x1001000ULL
#define SPLIT_RAM1	0x1002000ULL
#define SPLIT_MMIO_A	(MMIO_GPA + 0x15000)
#define SPLIT_MMIO_B	(MMIO_GPA + 0x13000)
#define SPLIT_MMIO_C	(MMIO_GPA + 0x19000)
#define SPLIT_MMIO_D	(MMIO_GPA + 0x1b000)
#define SPLIT_MMIO_E	(MMIO_GPA + 0x11000)
#define PG_P		(1ULL << 0)
#define PG_RW		(1ULL << 1)
#define PG_A		(1ULL << 5)
#define PG_D		(1ULL << 6)
#define PG_FLAGS	(PG_P | PG_RW | PG_A | PG_D)

static void split_map(struct kvm_vm *vm)
{
	u64 *pde = addr_gpa2hva(vm, LM_PD_GPA + 8 * (SPLIT_LIN >> 21));
	u64 *pt = addr_gpa2hva(vm, SPLIT_PT);

	memset(pt, 0, PAGE_SIZE);
	pt[0] = SPLIT_RAM0 | PG_FLAGS;
	pt[1] = SPLIT_MMIO_A | PG_FLAGS;
	pt[2] = SPLIT_MMIO_B | PG_FLAGS;
	pt[3] = SPLIT_MMIO_C | PG_FLAGS;
	pt[5] = SPLIT_MMIO_D | PG_FLAGS;
	pt[6] = SPLIT_RAM1 | PG_FLAGS;
	pt[7] = SPLIT_MMIO_E | PG_FLAGS;
	pt[8] = SPLIT_RAM1 | PG_P | PG_A;
	*pde = SPLIT_PT | PG_P | PG_RW | PG_A;
}

static inline void split_st32(u64 la, u32 v)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(la) : "memory");
}

static inline void split_st64(u64 la, u64 v)
{
	asm volatile("movq %0, (%1)" : : "r"(v), "r"(la) : "memory");
}

/* A 32-bit load zero-extends: the ~0 in the upper half must go. */
static inline u64 split_ld32(u64 la)
{
	u64 v = ~0ULL;

	asm volatile("movl (%1), %k0" : "+r"(v) : "r"(la) : "memory");
	return v;
}

static inline u64 split_ld64(u64 la)
{
	u64 v;

	asm volatile("movq (%1), %0" : "=r"(v) : "r"(la) : "memory");
	return v;
}

static void guest_split(void)
{
	/* (i) RAM -> MMIO */
	split_st32(SPLIT_LIN + 0x1000 - 2, 0x44332211);
	GUEST_SYNC(0);
	split_st64(SPLIT_LIN + 0x1000 - 3, 0x8877665544332211);
	GUEST_SYNC(0);
	GUEST_SYNC(split_ld32(SPLIT_LIN + 0x1000 - 2));
	GUEST_SYNC(split_ld64(SPLIT_LIN + 0x1000 - 5));
	/* (ii) MMIO -> MMIO, two GPAs that are not adjacent */
	split_st32(SPLIT_LIN + 0x2000 - 2, 0x44332211);
	split_st64(SPLIT_LIN + 0x2000 - 5, 0x8877665544332211);
	GUEST_SYNC(split_ld32(SPLIT_LIN + 0x2000 - 1));
	GUEST_SYNC(split_ld64(SPLIT_LIN + 0x2000 - 6));
	/* MMIO -> RAM */
	split_st64(SPLIT_LIN + 0x6000 - 4, 0x8877665544332211);
	GUEST_SYNC(0);
	GUEST_SYNC(split_ld32(SPLIT_LIN + 0x6000 - 3));
	/* MMIO -> read-only RAM: a read is fine */
	GUEST_SYNC(split_ld64(SPLIT_LIN + 0x8000 - 2));
}

static void __expect_ram(struct kvm_vm *vm, u64 gpa, const u8 *want, int n,
			 const char *file, int line)
{
	u8 got[8];

	vm_read(vm, gpa, got, n);
	if (memcmp(got, want, n))
		__test_fail(file, line, "ram part", "gpa 0x%llx: %d bytes differ",
			    (unsigned long long)gpa, n);
}

#define expect_ram(vm, gpa, ...)					\
({									\
	static const u8 __w[] = { __VA_ARGS__ };			\
	__expect_ram(vm, gpa, __w, sizeof(__w), __FILE__, __LINE__);	\
})

/*
 * The RAM part is checked at the next sync only: an access that crosses
 * a page is not atomic and may be done as several accesses (SDM vol. 3,
 * "Guaranteed Atomic Operations"), and KVM does the RAM part before the
 * first exit even when it is the second page, where lhv goes page by
 * page.
 */
static void split_page_crossing(void)
{
	static const u8 ram0[] = { 0x01, 0x02, 0x03, 0x04, 0x05 };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_split, 0, 0);
	u8 ff[8];

	split_map(vm);
	memset(ff, 0xff, sizeof(ff));
	vm_write(vm, SPLIT_RAM0 + 0xff8, ff, 8);
	vm_write(vm, SPLIT_RAM1, ff, 8);

	ktap_print("RAM -> MMIO: the exit carries the MMIO part only");
	expect_write(vcpu, SPLIT_MMIO_A, 2, 0x4433);
	expect_sync(vcpu, 0, 0);
	expect_ram(vm, SPLIT_RAM0 + 0xffc, 0xff, 0xff, 0x11, 0x22);
	expect_write(vcpu, SPLIT_MMIO_A, 5, 0x8877665544);
	expect_sync(vcpu, 0, 0);
	expect_ram(vm, SPLIT_RAM0 + 0xffc, 0xff, 0x11, 0x22, 0x33);
	vm_write(vm, SPLIT_RAM0 + 0xffb, ram0, sizeof(ram0));
	expect_read(vcpu, SPLIT_MMIO_A, 2, 0xcdab);
	expect_sync(vcpu, 0xcdab0504, 0);
	expect_read(vcpu, SPLIT_MMIO_A, 3, 0x080706);
	expect_sync(vcpu, 0x0807060504030201, 0);

	ktap_print("MMIO -> MMIO: one exit per page, each at its own GPA");
	expect_write(vcpu, SPLIT_MMIO_A + 0xffe, 2, 0x2211);
	expect_write(vcpu, SPLIT_MMIO_B, 2, 0x4433);
	expect_write(vcpu, SPLIT_MMIO_A + 0xffb, 5, 0x5544332211);
	expect_write(vcpu, SPLIT_MMIO_B, 3, 0x887766);
	expect_read(vcpu, SPLIT_MMIO_A + 0xfff, 1, 0x11);
	expect_read(vcpu, SPLIT_MMIO_B, 3, 0x443322);
	expect_sync(vcpu, 0x44332211, 0);
	expect_read(vcpu, SPLIT_MMIO_A + 0xffa, 6, 0x060504030201);
	expect_read(vcpu, SPLIT_MMIO_B, 2, 0x0807);
	expect_sync(vcpu, 0x0807060504030201, 0);

	ktap_print("MMIO -> RAM");
	expect_write(vcpu, SPLIT_MMIO_D + 0xffc, 4, 0x44332211);
	expect_sync(vcpu, 0, 0);
	expect_ram(vm, SPLIT_RAM1, 0x55, 0x66, 0x77, 0x88, 0xff);
	expect_read(vcpu, SPLIT_MMIO_D + 0xffd, 3, 0xc0b0a0);
	expect_sync(vcpu, 0x55c0b0a0, 0);
	expect_read(vcpu, SPLIT_MMIO_E + 0xffe, 2, 0x1234);
	expect_sync(vcpu, 0xffff887766551234, 0);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * (iii) MMIO -> a page that is not present, or read-only for a write:
 * the guest's #PF, CR2 = the first byte of the second page, and nothing
 * of the access happens (no exit at all, not even for the first page of
 * a write).
 */
enum { SPLIT_ST32, SPLIT_ST64, SPLIT_LD32, SPLIT_LD64 };

static noinline void guest_split_fault(u64 kind, u64 la)
{
	switch (kind) {
	case SPLIT_ST32:
		split_st32(la, 0x44332211);
		break;
	case SPLIT_ST64:
		split_st64(la, 0x8877665544332211);
		break;
	case SPLIT_LD32:
		GUEST_SYNC(split_ld32(la));
		break;
	default:
		GUEST_SYNC(split_ld64(la));
		break;
	}
	GUEST_SYNC(0);
}

static void split_fault_one(u64 kind, u64 la, u64 cr2, u32 error)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_split_fault,
					       kind, la);
	struct kvm_sregs sregs;
	struct ucall uc;

	split_map(vm);
	vcpu_run(vcpu);
	if (vcpu->run->exit_reason == KVM_EXIT_MMIO)
		vcpu_dump_exit(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_IO);
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_EXCEPTION);
	TEST_ASSERT_EQ(uc.args[0], 14);
	TEST_ASSERT_EQ(uc.args[1], error);
	vcpu_sregs_get(vcpu, &sregs);
	TEST_ASSERT_EQ(sregs.cr2, cr2);
	vm_free(vm);
}

static void split_fault_second_page(void)
{
	const u64 np = SPLIT_LIN + 0x4000, ro = SPLIT_LIN + 0x8000;

	/* Not present: P = 0; W for the stores (SDM 4.7). */
	split_fault_one(SPLIT_ST32, np - 2, np, 2);
	split_fault_one(SPLIT_ST64, np - 4, np, 2);
	split_fault_one(SPLIT_LD32, np - 1, np, 0);
	split_fault_one(SPLIT_LD64, np - 7, np, 0);
	/* A write to a read-only page: P and W. */
	split_fault_one(SPLIT_ST32, ro - 1, ro, 3);
	split_fault_one(SPLIT_ST64, ro - 6, ro, 3);
}

static const struct test_case tests[] = {
	TEST_CASE(write_then_read),
	TEST_CASE(mov_forms),
	TEST_CASE(mov_moffs_segment),
	TEST_CASE(movzx_movsx),
	TEST_CASE(stos),
	TEST_CASE(movs),
	TEST_CASE(alu_read_modify_write),
	TEST_CASE(cmp_test),
	TEST_CASE(xchg),
	TEST_CASE(bt_family),
	TEST_CASE(realmode),
	TEST_CASE(readonly_slot),
	TEST_CASE(split_page_crossing),
	TEST_CASE(split_fault_second_page),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
