// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/msrs.c - MSRs through the KVM API and from the guest:
 * KVM_GET_MSR_INDEX_LIST (E2BIG with the needed count, then a list that
 * holds the MSRs a Linux guest saves), KVM_SET_MSRS/KVM_GET_MSRS round
 * trips (and the count of MSRs processed when one is refused), guest
 * RDMSR of values the host set and host reads of values the guest wrote,
 * both ends of a guest SWAPGS (GS base and KERNEL_GS_BASE),
 * #GP for unknown MSRs and bad values, and KVM_CAP_X86_USER_SPACE_MSR:
 * unknown MSRs exit as KVM_EXIT_X86_RDMSR/WRMSR, the host's data reaches
 * the guest, and error = 1 becomes a #GP.
 */
#include <stdlib.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <sys/syscall.h>

#include "processor.h"

#define MSR_IA32_TSC		0x10
#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_IA32_CR_PAT		0x277
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_GS_BASE		0xc0000101

/* No CPU and no hypervisor has an MSR here. */
#define MSR_BOGUS		0xdeadbeef
#define NONCANONICAL		0x0000800000000000ULL

#define TSC_HOST	(1ULL << 40)
#define TSC_GUEST	(1ULL << 41)
/* Generous: the lab's TCG clock, 10^12 cycles = minutes. */
#define TSC_SLACK	1000000000000ULL

struct msr_val {
	u32 index;
	u64 val;
};

/* What the host sets (SYSENTER_E[IS]P: 32 bits, as on AMD). */
static const struct msr_val host_vals[] = {
	{ MSR_STAR, 0x0023001000000000 },
	{ MSR_LSTAR, 0xffffffff81000000 },
	{ MSR_CSTAR, 0xffffffff81000100 },
	{ MSR_SYSCALL_MASK, 0x47700 },
	{ MSR_KERNEL_GS_BASE, 0xffff888012345000 },
	{ MSR_IA32_SYSENTER_CS, 0x10 },
	{ MSR_IA32_SYSENTER_ESP, 0x12345000 },
	{ MSR_IA32_SYSENTER_EIP, 0x81234560 },
	{ MSR_IA32_CR_PAT, 0x0007050600070106 },
	{ MSR_IA32_MISC_ENABLE, 0x1801 },
};

/* What the guest writes. */
static const struct msr_val guest_vals[] = {
	{ MSR_STAR, 0x001b000800000000 },
	{ MSR_LSTAR, 0xffffffff82000000 },
	{ MSR_CSTAR, 0xffffffff82000040 },
	{ MSR_SYSCALL_MASK, 0x257fd5 },
	{ MSR_KERNEL_GS_BASE, 0x00007fff00001000 },
	{ MSR_IA32_SYSENTER_CS, 0x60 },
	{ MSR_IA32_SYSENTER_ESP, 0x00200000 },
	{ MSR_IA32_SYSENTER_EIP, 0x00401000 },
	{ MSR_IA32_CR_PAT, 0x0606060606060606 },
};

/* --- guest side: a #GP handler that skips the 2-byte RDMSR/WRMSR --- */

volatile u64 gp_count __attribute__((used));
volatile u64 gp_error __attribute__((used));
volatile u64 gp_rip __attribute__((used));

asm(".pushsection .text\n"
    ".globl gp_skip_handler\n"
    "gp_skip_handler:\n"
    "pushq %rax\n"
    "movq 8(%rsp), %rax\n"		/* error code */
    "movq %rax, gp_error(%rip)\n"
    "movq 16(%rsp), %rax\n"		/* RIP of the faulting instruction */
    "movq %rax, gp_rip(%rip)\n"
    "addq $2, 16(%rsp)\n"
    "incq gp_count(%rip)\n"
    "popq %rax\n"
    "addq $8, %rsp\n"
    "iretq\n"
    ".popsection\n");
extern const u8 gp_skip_handler[];

/* RDMSR; returns true (and *val untouched) if it raised #GP. */
static bool rdmsr_gp(u32 msr, u64 *val)
{
	u64 before = gp_count, rip;
	u32 lo = 0, hi = 0;

	asm volatile("1: rdmsr\n\t"
		     "leaq 1b(%%rip), %2"
		     : "+a"(lo), "+d"(hi), "=r"(rip) : "c"(msr) : "memory");
	if (gp_count != before) {
		GUEST_ASSERT_EQ(gp_rip, rip);
		GUEST_ASSERT_EQ(gp_error, 0);
		return true;
	}
	*val = lo | (u64)hi << 32;
	return false;
}

static bool wrmsr_gp(u32 msr, u64 val)
{
	u64 before = gp_count, rip;

	asm volatile("1: wrmsr\n\t"
		     "leaq 1b(%%rip), %0"
		     : "=r"(rip)
		     : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
		     : "memory");
	if (gp_count != before) {
		GUEST_ASSERT_EQ(gp_rip, rip);
		GUEST_ASSERT_EQ(gp_error, 0);
		return true;
	}
	return false;
}

static u64 guest_rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (u64)hi << 32;
}

/* --- host helpers --- */

static struct kvm_msrs *msrs_alloc(unsigned int n)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) +
				    n * sizeof(struct kvm_msr_entry));

	TEST_ASSERT(m, "out of memory");
	m->nmsrs = n;
	return m;
}

static u64 vcpu_get_msr(struct kvm_vcpu *vcpu, u32 index)
{
	struct kvm_msrs *m = msrs_alloc(1);
	u64 v;
	int r;

	m->entries[0].index = index;
	r = __vcpu_ioctl(vcpu, KVM_GET_MSRS, m);
	TEST_ASSERT(r == 1, "KVM_GET_MSRS(0x%x): %d %s", index, r,
		    r < 0 ? strerrorname(errno) : "");
	v = m->entries[0].data;
	free(m);
	return v;
}

/* KVM_SET_MSRS of one MSR: the number processed (1 on success). */
static int __vcpu_set_msr(struct kvm_vcpu *vcpu, u32 index, u64 val)
{
	struct kvm_msrs *m = msrs_alloc(1);
	int r;

	m->entries[0].index = index;
	m->entries[0].data = val;
	r = __vcpu_ioctl(vcpu, KVM_SET_MSRS, m);
	free(m);
	return r;
}

static void vcpu_set_msr(struct kvm_vcpu *vcpu, u32 index, u64 val)
{
	int r = __vcpu_set_msr(vcpu, index, val);

	TEST_ASSERT(r == 1, "KVM_SET_MSRS(0x%x, 0x%llx): %d %s", index,
		    (unsigned long long)val, r, r < 0 ? strerrorname(errno) : "");
}

static void set_msr_list(struct kvm_vcpu *vcpu, const struct msr_val *v,
			 unsigned int n)
{
	struct kvm_msrs *m = msrs_alloc(n);
	unsigned int i;
	int r;

	for (i = 0; i < n; i++) {
		m->entries[i].index = v[i].index;
		m->entries[i].data = v[i].val;
	}
	r = __vcpu_ioctl(vcpu, KVM_SET_MSRS, m);
	TEST_ASSERT(r == (int)n, "KVM_SET_MSRS: %d of %u (%s)", r, n,
		    r < 0 ? strerrorname(errno) : "refused one");
	free(m);
}

static void check_msr_list(struct kvm_vcpu *vcpu, const struct msr_val *v,
			   unsigned int n)
{
	struct kvm_msrs *m = msrs_alloc(n);
	unsigned int i;
	int r;

	for (i = 0; i < n; i++)
		m->entries[i].index = v[i].index;
	r = __vcpu_ioctl(vcpu, KVM_GET_MSRS, m);
	TEST_ASSERT(r == (int)n, "KVM_GET_MSRS: %d of %u", r, n);
	for (i = 0; i < n; i++)
		TEST_ASSERT(m->entries[i].data == v[i].val,
			    "MSR 0x%x: 0x%llx, expected 0x%llx", v[i].index,
			    (unsigned long long)m->entries[i].data,
			    (unsigned long long)v[i].val);
	free(m);
}

static struct kvm_vm *msr_vm(struct kvm_vcpu **vcpu, void *guest_code)
{
	struct kvm_vm *vm = vm_create_longmode(0, vcpu, guest_code, 0, 0);

	vcpu_set_idt_handler(*vcpu, 13, (void *)gp_skip_handler);
	return vm;
}

/* --- KVM_GET_MSR_INDEX_LIST --- */

static void index_list(void)
{
	static const u32 must[] = {
		MSR_IA32_TSC, MSR_STAR, MSR_LSTAR, MSR_CSTAR,
		MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE, MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
		MSR_IA32_CR_PAT, MSR_IA32_MISC_ENABLE,
	};
	struct kvm_msr_list small = { .nmsrs = 1 }, *list;
	unsigned int i, j, n;
	int fd = kvm_open_dev();

	TEST_ASSERT_ERRNO(ioctl(fd, KVM_GET_MSR_INDEX_LIST, &small), E2BIG);
	n = small.nmsrs;
	ktap_print("%u MSRs in the index list", n);
	TEST_ASSERT(n >= ARRAY_SIZE(must), "E2BIG says %u MSRs", n);

	list = calloc(1, sizeof(*list) + (n + 1) * sizeof(u32));
	TEST_ASSERT(list, "out of memory");
	/* One too few is still E2BIG. */
	list->nmsrs = n - 1;
	TEST_ASSERT_ERRNO(ioctl(fd, KVM_GET_MSR_INDEX_LIST, list), E2BIG);
	list->nmsrs = n + 1;
	kvm_ioctl(fd, KVM_GET_MSR_INDEX_LIST, list);
	TEST_ASSERT_EQ(list->nmsrs, n);
	for (i = 0; i < ARRAY_SIZE(must); i++) {
		for (j = 0; j < n && list->indices[j] != must[i]; j++)
			;
		TEST_ASSERT(j < n, "MSR 0x%x not in the list", must[i]);
	}
	for (i = 0; i < n; i++)
		TEST_ASSERT(list->indices[i] != MSR_BOGUS, "bogus MSR listed");
	free(list);
	close(fd);
}

/* --- host round trips --- */

static void host_round_trip(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create(LM_DEFAULT_MEM);
	u64 tsc;

	vcpu = vm_vcpu_add(vm, 0);
	set_msr_list(vcpu, host_vals, ARRAY_SIZE(host_vals));
	check_msr_list(vcpu, host_vals, ARRAY_SIZE(host_vals));
	set_msr_list(vcpu, guest_vals, ARRAY_SIZE(guest_vals));
	check_msr_list(vcpu, guest_vals, ARRAY_SIZE(guest_vals));

	/* The TSC runs on from what was set. */
	vcpu_set_msr(vcpu, MSR_IA32_TSC, TSC_HOST);
	tsc = vcpu_get_msr(vcpu, MSR_IA32_TSC);
	TEST_ASSERT(tsc >= TSC_HOST && tsc - TSC_HOST < TSC_SLACK,
		    "TSC 0x%llx after setting 0x%llx",
		    (unsigned long long)tsc, (unsigned long long)TSC_HOST);
	vm_free(vm);
}

/* Refused values: KVM_SET_MSRS stops at the first and says how many went. */
static void host_refused(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create(LM_DEFAULT_MEM);
	struct kvm_msrs *m = msrs_alloc(3);
	int r;

	vcpu = vm_vcpu_add(vm, 0);
	set_msr_list(vcpu, host_vals, ARRAY_SIZE(host_vals));

	m->entries[0].index = MSR_LSTAR;
	m->entries[0].data = 0xffffffff83000000;
	m->entries[1].index = MSR_BOGUS;
	m->entries[1].data = 1;
	m->entries[2].index = MSR_STAR;
	m->entries[2].data = 0x1234;
	r = __vcpu_ioctl(vcpu, KVM_SET_MSRS, m);
	TEST_ASSERT(r == 1, "SET_MSRS with an unknown MSR second: %d", r);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_LSTAR), 0xffffffff83000000);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_STAR), host_vals[0].val);

	m->nmsrs = 1;
	m->entries[0].index = MSR_BOGUS;
	TEST_ASSERT_EQ(__vcpu_ioctl(vcpu, KVM_GET_MSRS, m), 0);

	/* Non-canonical LSTAR, a PAT entry of type 2: not taken. */
	TEST_ASSERT_EQ(__vcpu_set_msr(vcpu, MSR_LSTAR, NONCANONICAL), 0);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_LSTAR), 0xffffffff83000000);
	TEST_ASSERT_EQ(__vcpu_set_msr(vcpu, MSR_IA32_CR_PAT,
				      0x0007040600070402), 0);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_IA32_CR_PAT), host_vals[8].val);
	free(m);
	vm_free(vm);
}

/* --- guest reads what the host set, host reads what the guest wrote --- */

static void guest_rw(void)
{
	unsigned int i;
	u64 v, tsc;

	for (i = 0; i < ARRAY_SIZE(host_vals); i++) {
		GUEST_ASSERT(!rdmsr_gp(host_vals[i].index, &v));
		GUEST_SYNC2(host_vals[i].index, v);
	}
	tsc = guest_rdtsc();
	GUEST_ASSERT(!rdmsr_gp(MSR_IA32_TSC, &v));
	GUEST_SYNC2(tsc, v);

	for (i = 0; i < ARRAY_SIZE(guest_vals); i++)
		GUEST_ASSERT(!wrmsr_gp(guest_vals[i].index, guest_vals[i].val));
	GUEST_ASSERT(!wrmsr_gp(MSR_IA32_TSC, TSC_GUEST));
	GUEST_SYNC(0);

	/* And the guest reads its own values back. */
	for (i = 0; i < ARRAY_SIZE(guest_vals); i++) {
		GUEST_ASSERT(!rdmsr_gp(guest_vals[i].index, &v));
		GUEST_ASSERT_EQ(v, guest_vals[i].val);
	}
	GUEST_ASSERT(guest_rdtsc() >= TSC_GUEST);
}

static void guest_sees_host(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = msr_vm(&vcpu, guest_rw);
	struct ucall uc;
	unsigned int i;
	u64 tsc;

	set_msr_list(vcpu, host_vals, ARRAY_SIZE(host_vals));
	vcpu_set_msr(vcpu, MSR_IA32_TSC, TSC_HOST);
	for (i = 0; i < ARRAY_SIZE(host_vals); i++) {
		vcpu_run_sync(vcpu, &uc);
		TEST_ASSERT_EQ(uc.args[0], host_vals[i].index);
		TEST_ASSERT(uc.args[1] == host_vals[i].val,
			    "guest RDMSR 0x%x: 0x%llx, host set 0x%llx",
			    host_vals[i].index,
			    (unsigned long long)uc.args[1],
			    (unsigned long long)host_vals[i].val);
	}
	vcpu_run_sync(vcpu, &uc);
	ktap_print("guest TSC 0x%llx, MSR 0x%llx",
		   (unsigned long long)uc.args[0],
		   (unsigned long long)uc.args[1]);
	TEST_ASSERT(uc.args[0] >= TSC_HOST && uc.args[0] - TSC_HOST < TSC_SLACK,
		    "guest RDTSC 0x%llx", (unsigned long long)uc.args[0]);
	TEST_ASSERT(uc.args[1] >= uc.args[0] && uc.args[1] - TSC_HOST < TSC_SLACK,
		    "guest RDMSR(TSC) 0x%llx", (unsigned long long)uc.args[1]);

	vcpu_run_sync(vcpu, &uc);
	check_msr_list(vcpu, guest_vals, ARRAY_SIZE(guest_vals));
	tsc = vcpu_get_msr(vcpu, MSR_IA32_TSC);
	TEST_ASSERT(tsc >= TSC_GUEST && tsc - TSC_GUEST < TSC_SLACK,
		    "TSC 0x%llx after the guest wrote 0x%llx",
		    (unsigned long long)tsc, (unsigned long long)TSC_GUEST);
	vcpu_run_done(vcpu);
	TEST_ASSERT_EQ(guest_global(vm, gp_count), 0);
	vm_free(vm);
}

/*
 * SWAPGS exchanges GS.base and KERNEL_GS_BASE without an exit; both ends
 * of the swap must be what the host and the guest read afterwards, also
 * when the guest's syscall MSRs stay loaded in the CPU between exits.
 */
#define SWAP_KGS	0xffff888000abc000ULL
#define SWAP_GS		0x00007f0000def000ULL

static void guest_swapgs(void)
{
	u64 v;

	GUEST_ASSERT(!wrmsr_gp(MSR_KERNEL_GS_BASE, SWAP_KGS));
	GUEST_ASSERT(!wrmsr_gp(MSR_GS_BASE, SWAP_GS));
	asm volatile("swapgs" ::: "memory");
	GUEST_ASSERT(!rdmsr_gp(MSR_KERNEL_GS_BASE, &v));
	GUEST_SYNC(v);
	GUEST_ASSERT(!rdmsr_gp(MSR_GS_BASE, &v));
	GUEST_SYNC(v);
	asm volatile("swapgs" ::: "memory");
	GUEST_SYNC(0);
}

static void swapgs(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = msr_vm(&vcpu, guest_swapgs);
	struct ucall uc;

	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], SWAP_GS);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_KERNEL_GS_BASE), SWAP_GS);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_GS_BASE), SWAP_KGS);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], SWAP_KGS);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_KERNEL_GS_BASE), SWAP_KGS);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_GS_BASE), SWAP_GS);
	vcpu_run_done(vcpu);
	TEST_ASSERT_EQ(guest_global(vm, gp_count), 0);
	vm_free(vm);
}

/*
 * A guest that never wrote KERNEL_GS_BASE or a SYSCALL MSR still has its
 * own (issue 12, finding 4): its SWAPGS swaps with its KERNEL_GS_BASE
 * (0 after reset), not the VMM thread's GS base, and the VMM's GS base is
 * the same after KVM_RUN.
 */
#define VMM_GS		0x00007f1234560000ULL
#define FRESH_GS	0x0000000000345000ULL

static void guest_swapgs_fresh(void)
{
	asm volatile("swapgs" ::: "memory");
	GUEST_SYNC(0);
	asm volatile("swapgs" ::: "memory");
	GUEST_SYNC(1);
}

static u64 vmm_gs_base(void)
{
	unsigned long v = 0;

	TEST_ASSERT(syscall(SYS_arch_prctl, ARCH_GET_GS, &v) == 0,
		    "arch_prctl(ARCH_GET_GS): %s", strerror(errno));
	return v;
}

static void swapgs_fresh_vcpu(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = msr_vm(&vcpu, guest_swapgs_fresh);
	struct kvm_sregs sregs;
	struct ucall uc;

	TEST_ASSERT(syscall(SYS_arch_prctl, ARCH_SET_GS, VMM_GS) == 0,
		    "arch_prctl(ARCH_SET_GS): %s", strerror(errno));
	vcpu_sregs_get(vcpu, &sregs);
	sregs.gs.base = FRESH_GS;
	vcpu_sregs_set(vcpu, &sregs);

	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 0);
	TEST_ASSERT_EQ(vmm_gs_base(), VMM_GS);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_GS_BASE), 0);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_KERNEL_GS_BASE), FRESH_GS);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 1);
	TEST_ASSERT_EQ(vmm_gs_base(), VMM_GS);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_GS_BASE), FRESH_GS);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_KERNEL_GS_BASE), 0);
	vm_free(vm);
}

/* --- #GP for what no one handles --- */

static void guest_gp(void)
{
	u64 v = 0x5a5a;

	GUEST_ASSERT(rdmsr_gp(MSR_BOGUS, &v));
	GUEST_ASSERT_EQ(v, 0x5a5a);
	GUEST_ASSERT(wrmsr_gp(MSR_BOGUS, 0x1234));
	/*
	 * A reserved PAT type faults too.  (Not a non-canonical LSTAR: SVM
	 * lets the guest write LSTAR directly, and QEMU's TCG, the lab's
	 * CPU, does not check it.)
	 */
	GUEST_ASSERT(wrmsr_gp(MSR_IA32_CR_PAT, 0x0007040600070402));
	GUEST_ASSERT(!rdmsr_gp(MSR_LSTAR, &v));
	GUEST_SYNC2(gp_count, v);
}

static void unknown_msr_gp(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = msr_vm(&vcpu, guest_gp);

	vcpu_set_msr(vcpu, MSR_LSTAR, 0xffffffff81000000);
	/* No exit to userspace on the way: the next exit is the ucall. */
	{
		struct ucall uc;

		vcpu_run_sync(vcpu, &uc);
		TEST_ASSERT_EQ(uc.args[0], 3);
		TEST_ASSERT_EQ(uc.args[1], 0xffffffff81000000);
	}
	vcpu_run_done(vcpu);
	TEST_ASSERT_EQ(guest_global(vm, gp_error), 0);
	vm_free(vm);
}

/* --- KVM_CAP_X86_USER_SPACE_MSR --- */

static void guest_user_msr(void)
{
	u64 v = 0;

	GUEST_ASSERT(!rdmsr_gp(MSR_BOGUS, &v));
	GUEST_SYNC(v);
	GUEST_ASSERT(!wrmsr_gp(MSR_BOGUS, 0xcafef00d12345678));
	GUEST_SYNC(gp_count);
	v = 0x77;
	GUEST_ASSERT(rdmsr_gp(MSR_BOGUS + 1, &v));
	GUEST_ASSERT_EQ(v, 0x77);
	GUEST_ASSERT(wrmsr_gp(MSR_BOGUS + 2, 5));
	/* Known MSRs stay in the kernel; a refused value is still #GP. */
	GUEST_ASSERT(!wrmsr_gp(MSR_LSTAR, 0xffffffff84000000));
	GUEST_ASSERT(!rdmsr_gp(MSR_LSTAR, &v));
	GUEST_ASSERT(wrmsr_gp(MSR_IA32_CR_PAT, 0x0007040600070402));
	GUEST_SYNC2(gp_count, v);
}

static void expect_msr_exit(struct kvm_vcpu *vcpu, u32 reason, u32 index)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	if (run->exit_reason != reason)
		vcpu_dump_exit(vcpu);
	TEST_ASSERT(run->exit_reason == reason, "exit %u, expected %u",
		    run->exit_reason, reason);
	TEST_ASSERT_EQ(run->msr.index, index);
	TEST_ASSERT_EQ(run->msr.reason, KVM_MSR_EXIT_REASON_UNKNOWN);
}

static void user_space_msr(void)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args[0] = KVM_MSR_EXIT_REASON_UNKNOWN,
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct kvm_run *run;
	struct ucall uc;

	/* KVM answers 1, not the mask of reasons. */
	TEST_REQUIRE(kvm_check_cap(KVM_CAP_X86_USER_SPACE_MSR) > 0);
	vm = msr_vm(&vcpu, guest_user_msr);
	run = vcpu->run;
	vm_ioctl(vm, KVM_ENABLE_CAP, &cap);

	expect_msr_exit(vcpu, KVM_EXIT_X86_RDMSR, MSR_BOGUS);
	run->msr.data = 0x1122334455667788;
	run->msr.error = 0;
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 0x1122334455667788);

	expect_msr_exit(vcpu, KVM_EXIT_X86_WRMSR, MSR_BOGUS);
	TEST_ASSERT_EQ(run->msr.data, 0xcafef00d12345678);
	run->msr.error = 0;
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 0);

	expect_msr_exit(vcpu, KVM_EXIT_X86_RDMSR, MSR_BOGUS + 1);
	run->msr.data = 0x99;
	run->msr.error = 1;
	expect_msr_exit(vcpu, KVM_EXIT_X86_WRMSR, MSR_BOGUS + 2);
	TEST_ASSERT_EQ(run->msr.data, 5);
	run->msr.error = 1;

	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 3);
	TEST_ASSERT_EQ(uc.args[1], 0xffffffff84000000);
	vcpu_run_done(vcpu);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_LSTAR), 0xffffffff84000000);
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE(index_list),
	TEST_CASE(host_round_trip),
	TEST_CASE(host_refused),
	TEST_CASE(guest_sees_host),
	TEST_CASE(swapgs),
	TEST_CASE(swapgs_fresh_vcpu),
	TEST_CASE(unknown_msr_gp),
	TEST_CASE(user_space_msr),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
