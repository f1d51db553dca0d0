// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/fpu.c - guest FPU/SSE state through the KVM API, and kept
 * apart from the host's: KVM_GET/SET_FPU round trip; XMM0-15, x87 stack
 * and MXCSR loaded by the guest read back with KVM_GET_FPU and
 * KVM_GET_XSAVE (legacy region: MXCSR at 24, ST0 at 32, XMM0 at 160);
 * state put in with KVM_SET_XSAVE and KVM_SET_FPU stored by the guest;
 * KVM_GET/SET_XCRS (and refused XCR0 values); the guest's own XSETBV
 * (the value lands, RIP moves on, a bad value is #GP); the host thread's own
 * XMM registers, MXCSR and x87 stack unchanged across a KVM_RUN whose
 * guest overwrites all of them.
 */
#include <math.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "processor.h"

#define EXIT_PORT	0x2000
#define X86_CR4_OSXSAVE	(1ULL << 18)

#define XS_FCW		0
#define XS_FSW		2
#define XS_FTW		4
#define XS_MXCSR	24
#define XS_ST0		32
#define XS_XMM0		160
#define XS_XSTATE_BV	512

#define XMM_CLOBBERS	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",	\
			"xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", \
			"xmm12", "xmm13", "xmm14", "xmm15"

#define LD(n, p)	"movdqu " #n "*16(" p "), %%xmm" #n "\n\t"
#define ST(n, p)	"movdqu %%xmm" #n ", " #n "*16(" p ")\n\t"
#define LOAD_XMM(p)	LD(0, p) LD(1, p) LD(2, p) LD(3, p) LD(4, p)	\
			LD(5, p) LD(6, p) LD(7, p) LD(8, p) LD(9, p)	\
			LD(10, p) LD(11, p) LD(12, p) LD(13, p)		\
			LD(14, p) LD(15, p)
#define STORE_XMM(p)	ST(0, p) ST(1, p) ST(2, p) ST(3, p) ST(4, p)	\
			ST(5, p) ST(6, p) ST(7, p) ST(8, p) ST(9, p)	\
			ST(10, p) ST(11, p) ST(12, p) ST(13, p)		\
			ST(14, p) ST(15, p)
#define EXIT		"outb %%al, %%dx\n\t"

typedef u8 xmm_regs[16][16];

/* A pattern per seed; no register of it is all zeros. */
static void fill(xmm_regs r, u8 seed)
{
	int i, j;

	for (i = 0; i < 16; i++)
		for (j = 0; j < 16; j++)
			r[i][j] = (u8)(seed * 0x35 + i * 16 + j) | 1;
}

/* 80-bit extended values as FXSAVE stores them. */
static const u8 x87_one[10] = {
	0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f };
static const u8 x87_pi[10] = {
	0x35, 0xc2, 0x68, 0x21, 0xa2, 0xda, 0x0f, 0xc9, 0x00, 0x40 };

/* --- guest --- */

static xmm_regs g_load, g_out1, g_out2, g_init;
static u32 g_mxcsr_in = 0x7fa0, g_mxcsr1, g_mxcsr2;
static u16 g_fcw;

static void guest_state(void)
{
	fill(g_load, 1);
	asm volatile("fninit\n\tfldpi\n\tfld1\n\t"
		     "ldmxcsr %[mi]\n\t"
		     LOAD_XMM("%[in]")
		     EXIT	/* 1: the host reads the state */
		     STORE_XMM("%[o1]")
		     "stmxcsr %[m1]\n\t"
		     EXIT	/* 2: after KVM_SET_XSAVE */
		     STORE_XMM("%[o2]")
		     "fnstcw %[fcw]\n\t"
		     "stmxcsr %[m2]\n\t"
		     EXIT	/* 3: after KVM_SET_FPU */
		     "fninit\n\t"
		     : [m1] "=m"(g_mxcsr1), [m2] "=m"(g_mxcsr2),
		       [fcw] "=m"(g_fcw)
		     : [in] "r"(g_load), [o1] "r"(g_out1), [o2] "r"(g_out2),
		       [mi] "m"(g_mxcsr_in), "a"(0), "d"(EXIT_PORT)
		     : XMM_CLOBBERS, "memory");
}

static void assert_port_exit(struct kvm_vcpu *vcpu)
{
	vcpu_run(vcpu);
	assert_io_exit(vcpu, EXIT_PORT, 1, KVM_EXIT_IO_OUT, 1);
}

static void check_xmm(const u8 *got, xmm_regs want, const char *what)
{
	int i;

	for (i = 0; i < 16; i++)
		TEST_ASSERT(!memcmp(got + 16 * i, want[i], 16),
			    "%s: XMM%d differs (got %016llx%016llx, want %016llx%016llx)",
			    what, i,
			    *(unsigned long long *)(got + 16 * i + 8),
			    *(unsigned long long *)(got + 16 * i),
			    *(unsigned long long *)(want[i] + 8),
			    *(unsigned long long *)want[i]);
}

/* --- KVM_GET_FPU/KVM_SET_FPU without running --- */

static void fpu_round_trip(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_state, 0, 0);
	struct kvm_fpu fpu, back;
	xmm_regs pat;
	int i;

	vcpu_ioctl(vcpu, KVM_GET_FPU, &fpu);
	fill(pat, 7);
	memcpy(fpu.xmm, pat, sizeof(pat));
	for (i = 0; i < 8; i++) {
		memset(fpu.fpr[i], 0, 16);
		memcpy(fpu.fpr[i], i & 1 ? x87_pi : x87_one, 10);
	}
	fpu.fcw = 0x027f;
	fpu.fsw = 0x0000;
	fpu.ftwx = 0xff;
	vcpu_ioctl(vcpu, KVM_SET_FPU, &fpu);

	memset(&back, 0, sizeof(back));
	vcpu_ioctl(vcpu, KVM_GET_FPU, &back);
	check_xmm((u8 *)back.xmm, pat, "KVM_GET_FPU");
	for (i = 0; i < 8; i++)
		TEST_ASSERT(!memcmp(back.fpr[i], fpu.fpr[i], 10),
			    "ST%d differs", i);
	TEST_ASSERT_EQ(back.fcw, 0x027f);
	TEST_ASSERT_EQ(back.fsw, 0);
	TEST_ASSERT_EQ(back.ftwx, 0xff);
	vm_free(vm);
}

/* --- guest state out, host state in --- */

static void guest_state_get_set(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_state, 0, 0);
	struct kvm_xsave *xs = calloc(1, sizeof(*xs));
	struct kvm_fpu fpu;
	xmm_regs pat;
	u8 *x = (u8 *)xs->region;
	u32 mxcsr;
	u16 fcw;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_XSAVE) > 0);
	/* 1: what the guest loaded, through both ioctls. */
	assert_port_exit(vcpu);
	fill(pat, 1);
	vcpu_ioctl(vcpu, KVM_GET_FPU, &fpu);
	check_xmm((u8 *)fpu.xmm, pat, "KVM_GET_FPU");
	TEST_ASSERT(!memcmp(fpu.fpr[0], x87_one, 10), "ST0 is not 1.0");
	TEST_ASSERT(!memcmp(fpu.fpr[1], x87_pi, 10), "ST1 is not pi");
	TEST_ASSERT_EQ(fpu.fcw, 0x037f);
	TEST_ASSERT_EQ(fpu.fsw & 0x3800, 6 << 11);	/* TOP = 6 */
	TEST_ASSERT_EQ(fpu.ftwx, 0xc0);

	vcpu_ioctl(vcpu, KVM_GET_XSAVE, xs);
	check_xmm(x + XS_XMM0, pat, "KVM_GET_XSAVE");
	memcpy(&mxcsr, x + XS_MXCSR, 4);
	memcpy(&fcw, x + XS_FCW, 2);
	TEST_ASSERT_EQ(mxcsr, 0x7fa0);
	TEST_ASSERT_EQ(fcw, 0x037f);
	TEST_ASSERT(!memcmp(x + XS_ST0, x87_one, 10), "XSAVE ST0 is not 1.0");
	TEST_ASSERT(!memcmp(x + XS_ST0 + 16, x87_pi, 10),
		    "XSAVE ST1 is not pi");
	TEST_ASSERT(x[XS_XSTATE_BV] & 2, "XSTATE_BV 0x%x lacks SSE",
		    x[XS_XSTATE_BV]);

	/* 2: KVM_SET_XSAVE, the guest stores what it finds. */
	fill(pat, 2);
	memcpy(x + XS_XMM0, pat, sizeof(pat));
	mxcsr = 0x5f80;
	memcpy(x + XS_MXCSR, &mxcsr, 4);
	x[XS_XSTATE_BV] |= 3;
	vcpu_ioctl(vcpu, KVM_SET_XSAVE, xs);
	assert_port_exit(vcpu);
	check_xmm((u8 *)guest_global(vm, g_out1), pat, "guest after SET_XSAVE");
	TEST_ASSERT_EQ(guest_global(vm, g_mxcsr1), 0x5f80);

	/* 3: KVM_SET_FPU likewise. */
	vcpu_ioctl(vcpu, KVM_GET_FPU, &fpu);
	fill(pat, 3);
	memcpy(fpu.xmm, pat, sizeof(pat));
	fpu.fcw = 0x027f;
	vcpu_ioctl(vcpu, KVM_SET_FPU, &fpu);
	assert_port_exit(vcpu);
	check_xmm((u8 *)guest_global(vm, g_out2), pat, "guest after SET_FPU");
	TEST_ASSERT_EQ(guest_global(vm, g_fcw), 0x027f);
	TEST_ASSERT_EQ(guest_global(vm, g_mxcsr2), 0x5f80);
	vcpu_run_done(vcpu);
	free(xs);
	vm_free(vm);
}

/* --- XCR0 --- */

static void guest_xgetbv(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	GUEST_SYNC(lo | (u64)hi << 32);
}

static int set_xcr0(struct kvm_vcpu *vcpu, u64 v, u32 flags)
{
	struct kvm_xcrs x = { .nr_xcrs = 1, .flags = flags };

	x.xcrs[0].xcr = 0;
	x.xcrs[0].value = v;
	return __vcpu_ioctl(vcpu, KVM_SET_XCRS, &x);
}

/*
 * With KVM_CAP_XCRS (else skip): the supported CPUID (freed by the
 * caller) and what it says of XSAVE:
 * @xsave, and the XCR0 a guest may set, x87|SSE(|AVX).
 */
static struct kvm_cpuid2 *xsave_support(bool *xsave, u64 *xcr0)
{
	struct kvm_cpuid2 *c;
	struct kvm_cpuid_entry2 *e1, *ed;
	bool avx;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_XCRS) > 0);
	c = kvm_get_supported_cpuid();
	TEST_ASSERT(c, "KVM_CAP_XCRS without KVM_GET_SUPPORTED_CPUID");
	e1 = cpuid_find(c, 1, 0);
	ed = cpuid_find(c, 0xd, 0);
	*xsave = e1 && (e1->ecx & (1u << 26));
	avx = e1 && (e1->ecx & (1u << 28)) && ed && (ed->eax & 4);
	ktap_print("supported CPUID: XSAVE %d AVX %d, XCR0 mask 0x%x", *xsave,
		   avx, ed ? ed->eax : 0);
	*xcr0 = avx ? 7 : 3;
	return c;
}

static void xcrs(void)
{
	struct kvm_cpuid2 *c;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct kvm_xcrs x;
	struct kvm_sregs sregs;
	struct ucall uc;
	bool xsave;
	u64 want;

	c = xsave_support(&xsave, &want);

	vm = vm_create_longmode(0, &vcpu, guest_xgetbv, 0, 0);
	/* Which XCR0 bits are allowed follows the guest's CPUID. */
	TEST_ASSERT(vcpu_set_cpuid_supported(vcpu), "KVM_SET_CPUID2 failed");

	memset(&x, 0, sizeof(x));
	vcpu_ioctl(vcpu, KVM_GET_XCRS, &x);
	TEST_ASSERT(x.nr_xcrs >= 1, "nr_xcrs %u", x.nr_xcrs);
	TEST_ASSERT_EQ(x.xcrs[0].xcr, 0);
	TEST_ASSERT_EQ(x.xcrs[0].value & 1, 1);

	TEST_ASSERT(set_xcr0(vcpu, want, 0) == 0, "XCR0 = 0x%llx: %s",
		    (unsigned long long)want, strerrorname(errno));
	memset(&x, 0, sizeof(x));
	vcpu_ioctl(vcpu, KVM_GET_XCRS, &x);
	TEST_ASSERT_EQ(x.xcrs[0].xcr, 0);
	TEST_ASSERT_EQ(x.xcrs[0].value, want);

	/* x87 is mandatory; YMM needs SSE; flags must be 0. */
	TEST_ASSERT_ERRNO(set_xcr0(vcpu, 0, 0), EINVAL);
	TEST_ASSERT_ERRNO(set_xcr0(vcpu, 2, 0), EINVAL);
	TEST_ASSERT_ERRNO(set_xcr0(vcpu, 5, 0), EINVAL);
	TEST_ASSERT_ERRNO(set_xcr0(vcpu, want, 1), EINVAL);
	memset(&x, 0, sizeof(x));
	vcpu_ioctl(vcpu, KVM_GET_XCRS, &x);
	TEST_ASSERT_EQ(x.xcrs[0].value, want);

	/* The guest reads it, where it can (CR4.OSXSAVE needs XSAVE). */
	if (xsave) {
		vcpu_sregs_get(vcpu, &sregs);
		sregs.cr4 |= X86_CR4_OSXSAVE;
		vcpu_sregs_set(vcpu, &sregs);
		vcpu_run_sync(vcpu, &uc);
		TEST_ASSERT_EQ(uc.args[0], want);
		vcpu_run_done(vcpu);
	}
	vm_free(vm);
	free(c);
}

/*
 * The guest writes XCR0 itself: XSETBV exits, the value lands, RIP moves
 * past the instruction (one ucall per step proves the guest went on); a
 * value the CPUID does not allow is #GP(0) at the XSETBV.
 */
static u64 g_xsetbv_rip;

static void guest_xsetbv(u64 want, u64 bad)
{
	u32 lo, hi;

	asm volatile("xsetbv" : : "a"((u32)want), "d"((u32)(want >> 32)),
		     "c"(0));
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	GUEST_SYNC(lo | (u64)hi << 32);
	asm volatile("lea 1f(%%rip), %%rax\n\t"
		     "mov %%rax, %0\n\t"
		     "mov %1, %%eax\n\t"
		     "1: xsetbv"
		     : "=m"(g_xsetbv_rip)
		     : "r"((u32)bad), "d"(0), "c"(0) : "rax");
	GUEST_SYNC(0xbad);
}

static void xsetbv_guest(void)
{
	struct kvm_cpuid2 *c;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct kvm_sregs sregs;
	struct kvm_xcrs x;
	struct ucall uc;
	bool xsave;
	u64 want;

	c = xsave_support(&xsave, &want);
	if (!xsave) {
		free(c);
		TEST_SKIP("the supported CPUID has no XSAVE");
	}

	vm = vm_create_longmode(0, &vcpu, guest_xsetbv, want, 2);
	TEST_ASSERT(vcpu_set_cpuid_supported(vcpu), "KVM_SET_CPUID2 failed");
	TEST_ASSERT(set_xcr0(vcpu, 1, 0) == 0, "XCR0 = 1: %s",
		    strerrorname(errno));
	vcpu_sregs_get(vcpu, &sregs);
	sregs.cr4 |= X86_CR4_OSXSAVE;
	vcpu_sregs_set(vcpu, &sregs);

	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], want);
	memset(&x, 0, sizeof(x));
	vcpu_ioctl(vcpu, KVM_GET_XCRS, &x);
	TEST_ASSERT_EQ(x.xcrs[0].value, want);

	/* XCR0 = 2 (SSE without x87): #GP(0), XCR0 unchanged. */
	vcpu_run(vcpu);
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_EXCEPTION);
	TEST_ASSERT_EQ(uc.args[0], 13);
	TEST_ASSERT_EQ(uc.args[1], 0);
	TEST_ASSERT_EQ(uc.args[2], guest_global(vm, g_xsetbv_rip));
	memset(&x, 0, sizeof(x));
	vcpu_ioctl(vcpu, KVM_GET_XCRS, &x);
	TEST_ASSERT_EQ(x.xcrs[0].value, want);
	vm_free(vm);
	free(c);
}

/* --- the host's own registers across KVM_RUN --- */

/* Filled by the host: no guest code between entry and the first store. */
static xmm_regs g_clobber[2];

static void guest_clobber(void)
{
	int round;

	for (round = 0; round < 2; round++) {
		asm volatile(STORE_XMM("%[init]")
			     LOAD_XMM("%[c]")
			     "ldmxcsr %[m]\n\t"
			     "fninit\n\tfldz\n\tfldz\n\tfldz\n\t"
			     EXIT
			     "fninit\n\t"
			     : : [init] "r"(g_init), [c] "r"(g_clobber[round]),
			       [m] "m"(g_mxcsr_in), "a"(0), "d"(EXIT_PORT)
			     : XMM_CLOBBERS, "memory");
		GUEST_SYNC(round);
	}
}

/*
 * KVM_RUN by a raw syscall with the host's XMM0-15, MXCSR and an x87
 * value live around it; what the registers hold afterwards goes to @out.
 */
static long run_with_live_fpu(int fd, xmm_regs in, xmm_regs out,
			      u32 *mxcsr_out, double *st0_out)
{
	u32 mx_new = 0x7f80, mx_saved;
	long ret = SYS_ioctl;

	asm volatile("stmxcsr %[sv]\n\t"
		     "ldmxcsr %[mn]\n\t"
		     "fldpi\n\t"
		     LOAD_XMM("%[in]")
		     "syscall\n\t"
		     STORE_XMM("%[out]")
		     "stmxcsr %[mo]\n\t"
		     "fstpl %[st]\n\t"
		     "ldmxcsr %[sv]\n\t"
		     : "+a"(ret), [sv] "=m"(mx_saved), [mo] "=m"(*mxcsr_out),
		       [st] "=m"(*st0_out)
		     : "D"((long)fd), "S"((long)KVM_RUN), "d"(0L),
		       [in] "r"(in), [out] "r"(out), [mn] "m"(mx_new)
		     : "rcx", "r11", "memory", "cc", XMM_CLOBBERS);
	return ret;
}

static void host_fpu_untouched(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_clobber, 0, 0);
	static xmm_regs host_in, host_out;
	struct kvm_fpu before;
	struct ucall uc;
	double st0;
	u32 mxcsr;
	int round;
	long r;

	fill(guest_global(vm, g_clobber)[0], 0x40);
	fill(guest_global(vm, g_clobber)[1], 0x41);
	for (round = 0; round < 2; round++) {
		/* The guest's XMM state, which its first store must find. */
		vcpu_ioctl(vcpu, KVM_GET_FPU, &before);
		fill(host_in, 0x80 + round);
		memset(host_out, 0, sizeof(host_out));
		do {
			r = run_with_live_fpu(vcpu->fd, host_in, host_out,
					      &mxcsr, &st0);
		} while (r == -EINTR);
		TEST_ASSERT(r == 0, "KVM_RUN: %ld", r);
		assert_io_exit(vcpu, EXIT_PORT, 1, KVM_EXIT_IO_OUT, 1);

		check_xmm((u8 *)host_out, host_in, "host XMM after KVM_RUN");
		TEST_ASSERT_EQ(mxcsr, 0x7f80);
		TEST_ASSERT(st0 == M_PI, "host ST0 %a after KVM_RUN", st0);
		check_xmm((u8 *)guest_global(vm, g_init), before.xmm,
			  "guest's XMM at entry");
		vcpu_run_sync(vcpu, &uc);
		TEST_ASSERT_EQ(uc.args[0], round);
	}
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE(fpu_round_trip),
	TEST_CASE(guest_state_get_set),
	TEST_CASE(xcrs),
	TEST_CASE(xsetbv_guest),
	TEST_CASE(host_fpu_untouched),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
