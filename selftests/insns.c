// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/insns.c - instructions that would reach host state if a
 * 64-bit guest ran them natively: WBINVD and INVD complete (RIP moves past
 * them, memory written before INVD survives; on lhv each one exits), RDPMC
 * is #GP(0) (lhv: any counter, CPUID leaf 0AH reports none; KVM: one that
 * does not exist), RDPRU is #UD (and CPUID 8000_0008H:EBX does not
 * advertise it), and TSC_AUX (MSR, RDTSCP, RDPID) is the vCPU's own while
 * the host's stays the host's.
 */
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "processor.h"

#define X86_TRAP_UD	6
#define X86_TRAP_GP	13
#define NO_FAULT	0xffULL

/* --- guest side: #UD and #GP handlers that resume at fault_resume --- */

volatile u64 fault_vector __attribute__((used));
volatile u64 fault_error __attribute__((used));
volatile u64 fault_rip __attribute__((used));
volatile u64 fault_resume __attribute__((used));
volatile u64 insn_rip __attribute__((used));
volatile u64 invd_canary __attribute__((used));

asm(".pushsection .text\n"
    ".globl gp_handler\n"
    "gp_handler:\n"
    "pushq %rax\n"
    "movq $13, fault_vector(%rip)\n"
    "movq 8(%rsp), %rax\n"		/* error code */
    "movq %rax, fault_error(%rip)\n"
    "movq 16(%rsp), %rax\n"		/* RIP of the faulting instruction */
    "movq %rax, fault_rip(%rip)\n"
    "movq fault_resume(%rip), %rax\n"
    "movq %rax, 16(%rsp)\n"
    "popq %rax\n"
    "addq $8, %rsp\n"
    "iretq\n"
    ".globl ud_handler\n"
    "ud_handler:\n"
    "pushq %rax\n"
    "movq $6, fault_vector(%rip)\n"
    "movq $0, fault_error(%rip)\n"
    "movq 8(%rsp), %rax\n"
    "movq %rax, fault_rip(%rip)\n"
    "movq fault_resume(%rip), %rax\n"
    "movq %rax, 8(%rsp)\n"
    "popq %rax\n"
    "iretq\n"
    ".popsection\n");
extern const u8 gp_handler[], ud_handler[];

/*
 * Run one instruction (its bytes in @insn) with ECX = @ecx, with
 * fault_resume just after it and insn_rip at it.  The value after it in
 * EAX shows the next instruction ran whole.
 */
#define GUEST_TRY(insn, ecx, a, d)					\
do {									\
	asm volatile("leaq 2f(%%rip), %%rax\n\t"			\
		     "movq %%rax, fault_resume(%%rip)\n\t"		\
		     "leaq 1f(%%rip), %%rax\n\t"			\
		     "movq %%rax, insn_rip(%%rip)\n\t"			\
		     "xorl %%eax, %%eax\n\t"				\
		     "xorl %%edx, %%edx\n"				\
		     "1: " insn "\n"					\
		     "2:"						\
		     : "=a"(a), "=d"(d) : "c"(ecx) : "memory");		\
} while (0)

static void guest_cache(void)
{
	u32 a, d;
	int i;

	fault_vector = NO_FAULT;
	/* The mov after each must run whole: RIP moved by exactly 2. */
	asm volatile("xorl %%eax, %%eax\n\t"
		     "wbinvd\n\t"
		     "movl $0x1234, %%eax" : "=a"(a) : : "memory");
	GUEST_ASSERT_EQ(a, 0x1234);
	invd_canary = 0x5a5a5a5a;
	asm volatile("xorl %%eax, %%eax\n\t"
		     "invd\n\t"
		     "movl $0x4321, %%eax" : "=a"(a) : : "memory");
	GUEST_ASSERT_EQ(a, 0x4321);
	/* A native INVD could have dropped the dirty line of the canary. */
	GUEST_ASSERT_EQ(invd_canary, 0x5a5a5a5a);
	GUEST_TRY(".byte 0x0f, 0x09", 0, a, d);	/* wbinvd */
	GUEST_ASSERT_EQ(fault_vector, NO_FAULT);
	GUEST_SYNC(0);
	for (i = 0; i < 64; i++)
		asm volatile("wbinvd" : : : "memory");
	GUEST_SYNC(1);
	for (i = 0; i < 64; i++)
		asm volatile("invd" : : : "memory");
	GUEST_SYNC(2);
}

static u64 lhv_entries(struct kvm_vcpu *vcpu)
{
	return vcpu_stat(vcpu, "entries");
}

/* Both complete as no-ops; on lhv each one is a VM exit. */
static void wbinvd_invd(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_cache, 0, 0);
	bool lhv = kvm_dev_is_lhv();
	struct ucall uc;
	u64 e0 = 0, e1 = 0, e2 = 0;

	vcpu_set_idt_handler(vcpu, X86_TRAP_UD, (void *)ud_handler);
	vcpu_set_idt_handler(vcpu, X86_TRAP_GP, (void *)gp_handler);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 0);
	if (lhv)
		e0 = lhv_entries(vcpu);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 1);
	if (lhv)
		e1 = lhv_entries(vcpu);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 2);
	if (lhv) {
		e2 = lhv_entries(vcpu);
		ktap_print("guest entries: %llu for 64 WBINVD, %llu for 64 INVD",
			   (unsigned long long)(e1 - e0),
			   (unsigned long long)(e2 - e1));
		TEST_ASSERT(e1 - e0 >= 64, "WBINVD ran without exiting");
		TEST_ASSERT(e2 - e1 >= 64, "INVD ran without exiting");
	}
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void guest_rdpmc(void)
{
	static const u32 ecx[] = { 0, 1, 0x100, 0x40000000 };
	u32 a, d;
	int i;

	for (i = 0; i < 4; i++) {
		fault_vector = NO_FAULT;
		fault_rip = 0;
		GUEST_TRY("rdpmc", ecx[i], a, d);
		GUEST_SYNC4(ecx[i], fault_vector, fault_error,
			    fault_rip == insn_rip);
	}
}

/*
 * No counters: every RDPMC is #GP(0), reported at the RDPMC itself.  KVM
 * gives an AMD guest the four legacy counters whenever the host has a
 * PMU (no CPUID bit says so), so there only an ECX that names no counter
 * of any CPU (0x100) is asserted to fault.
 */
static void rdpmc_gp(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_rdpmc, 0, 0);
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid();
	bool lhv = kvm_dev_is_lhv();
	struct kvm_cpuid_entry2 *e;
	struct ucall uc;
	int i;

	/* The vCPU's CPUID is what the device supports: no PMU version. */
	TEST_REQUIRE(c);
	e = cpuid_find(c, 0xa, 0);
	TEST_ASSERT(!e || (e->eax & 0xff) == 0,
		    "CPUID 0AH advertises PMU version %u", e ? e->eax & 0xff : 0);
	TEST_ASSERT_EQ(__vcpu_set_cpuid(vcpu, c), 0);
	free(c);
	vcpu_set_idt_handler(vcpu, X86_TRAP_UD, (void *)ud_handler);
	vcpu_set_idt_handler(vcpu, X86_TRAP_GP, (void *)gp_handler);
	for (i = 0; i < 4; i++) {
		vcpu_run_sync(vcpu, &uc);
		ktap_print("rdpmc ecx 0x%llx: vector 0x%llx error 0x%llx",
			   (unsigned long long)uc.args[0],
			   (unsigned long long)uc.args[1],
			   (unsigned long long)uc.args[2]);
		if (!lhv && uc.args[0] != 0x100)
			continue;
		TEST_ASSERT_EQ(uc.args[1], X86_TRAP_GP);
		TEST_ASSERT_EQ(uc.args[2], 0);
		TEST_ASSERT_EQ(uc.args[3], 1);
	}
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void guest_rdpru(void)
{
	u32 a, b, c, d;

	guest_cpuid(0x80000008, 0, &a, &b, &c, &d);
	fault_vector = NO_FAULT;
	GUEST_TRY(".byte 0x0f, 0x01, 0xfd", 0, a, d);	/* rdpru */
	GUEST_SYNC4(b, fault_vector, fault_error, fault_rip == insn_rip);
}

/* RDPRU (APERF/MPERF of the host) is not there: #UD, not advertised. */
static void rdpru_ud(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_rdpru, 0, 0);
	struct ucall uc;

	TEST_REQUIRE(vcpu_set_cpuid_supported(vcpu));
	vcpu_set_idt_handler(vcpu, X86_TRAP_UD, (void *)ud_handler);
	vcpu_set_idt_handler(vcpu, X86_TRAP_GP, (void *)gp_handler);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0] & (1u << 4), 0);	/* CPUID: no RDPRU */
	TEST_ASSERT_EQ(uc.args[1], X86_TRAP_UD);
	TEST_ASSERT_EQ(uc.args[3], 1);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

#define MSR_TSC_AUX	0xc0000103
#define AUX_HOST_SET	0x2a5ULL
#define AUX_GUEST_SET	0x1234ULL

static void guest_tsc_aux(void)
{
	u32 a, b, c, d, aux = 0;
	bool rdtscp, rdpid;
	u64 pid = 0;

	guest_cpuid(0x80000001, 0, &a, &b, &c, &d);
	rdtscp = d & (1u << 27);
	guest_cpuid(7, 0, &a, &b, &c, &d);
	rdpid = c & (1u << 22);
	GUEST_SYNC2(rdtscp, rdpid);

	GUEST_ASSERT_EQ(guest_rdmsr(MSR_TSC_AUX), AUX_HOST_SET);
	asm volatile("wrmsr" : : "c"(MSR_TSC_AUX), "a"((u32)AUX_GUEST_SET),
		     "d"(0));
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_TSC_AUX), AUX_GUEST_SET);
	if (rdtscp)
		asm volatile("rdtscp" : "=a"(a), "=d"(d), "=c"(aux));
	if (rdpid)	/* rdpid %rax */
		asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(pid));
	GUEST_SYNC2(aux, pid);
	/* Again after a round trip through the host. */
	if (rdtscp)
		asm volatile("rdtscp" : "=a"(a), "=d"(d), "=c"(aux));
	if (rdpid)
		asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(pid));
	GUEST_SYNC2(aux, pid);
}

/*
 * The host's own TSC_AUX, as its user mode sees it: Linux keeps the CPU
 * number in bits 11:0.  Read between two getcpu calls that agree.
 */
static void assert_host_tsc_aux(bool rdtscp)
{
	unsigned int cpu1, cpu2;
	u64 aux;
	int i;

	for (i = 0; i < 100; i++) {
		TEST_ASSERT_EQ(syscall(SYS_getcpu, &cpu1, NULL, NULL), 0);
		if (rdtscp) {
			u32 a, d, c;

			asm volatile("rdtscp" : "=a"(a), "=d"(d), "=c"(c));
			aux = c;
		} else {
			asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(aux));
		}
		TEST_ASSERT_EQ(syscall(SYS_getcpu, &cpu2, NULL, NULL), 0);
		if (cpu1 == cpu2)
			break;
	}
	TEST_ASSERT(cpu1 == cpu2, "kept migrating");
	TEST_ASSERT((aux & 0xfff) == cpu1,
		    "host TSC_AUX 0x%llx on CPU %u after KVM_RUN",
		    (unsigned long long)aux, cpu1);
}

static void set_msr(struct kvm_vcpu *vcpu, u32 index, u64 val)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = index, .e.data = val };

	TEST_ASSERT_EQ(__vcpu_ioctl(vcpu, KVM_SET_MSRS, &m), 1);
}

static u64 get_msr(struct kvm_vcpu *vcpu, u32 index)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = index };

	TEST_ASSERT_EQ(__vcpu_ioctl(vcpu, KVM_GET_MSRS, &m), 1);
	return m.e.data;
}

/* Set @bit of @reg in entry (@fn, @idx) of @c, adding the entry if need be. */
static void cpuid_force(struct kvm_cpuid2 *c, u32 fn, u32 idx, int reg,
			u32 bit)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(c, fn, idx);
	u32 *r;

	TEST_ASSERT(e, "no CPUID leaf 0x%x in the supported table", fn);
	r = reg == 'c' ? &e->ecx : &e->edx;
	*r |= bit;
}

/*
 * TSC_AUX is the vCPU's: userspace and the guest read back what they
 * wrote, the guest's RDTSCP (ECX) and RDPID return its value, not the
 * host's, and the host's user mode sees its own CPU number again after
 * KVM_RUN.  RDTSCP and RDPID are put into the vCPU's CPUID where the host
 * CPU has them, as a VMM would; a device that takes them out again
 * (lhv on VMX: both #UD there) is skipped.
 */
static void tsc_aux(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_tsc_aux, 0, 0);
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid();
	u32 a, b, ecx, edx;
	bool host_rdtscp, host_rdpid;
	struct ucall uc;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(ecx), "=d"(edx)
		     : "a"(0x80000001), "c"(0));
	host_rdtscp = edx & (1u << 27);
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(ecx), "=d"(edx)
		     : "a"(7), "c"(0));
	host_rdpid = ecx & (1u << 22);
	if (!host_rdtscp && !host_rdpid)
		TEST_SKIP("the host CPU has neither RDTSCP nor RDPID (SVM lab: lab/svm.sh --cpu-flags +rdtscp,+rdpid)");
	TEST_REQUIRE(c);
	if (host_rdtscp)
		cpuid_force(c, 0x80000001, 0, 'd', 1u << 27);
	if (host_rdpid)
		cpuid_force(c, 7, 0, 'c', 1u << 22);
	TEST_ASSERT_EQ(__vcpu_set_cpuid(vcpu, c), 0);
	free(c);

	vcpu_run_sync(vcpu, &uc);
	ktap_print("guest CPUID: rdtscp %llu rdpid %llu (host %d %d)",
		   (unsigned long long)uc.args[0],
		   (unsigned long long)uc.args[1], host_rdtscp, host_rdpid);
	if (!uc.args[0] && !uc.args[1])
		TEST_SKIP("the device gives the guest neither RDTSCP nor RDPID");
	set_msr(vcpu, MSR_TSC_AUX, AUX_HOST_SET);
	TEST_ASSERT_EQ(get_msr(vcpu, MSR_TSC_AUX), AUX_HOST_SET);

	vcpu_run_sync(vcpu, &uc);
	if (host_rdtscp)
		TEST_ASSERT_EQ(uc.args[0], AUX_GUEST_SET);
	if (host_rdpid)
		TEST_ASSERT_EQ(uc.args[1], AUX_GUEST_SET);
	assert_host_tsc_aux(host_rdtscp);
	TEST_ASSERT_EQ(get_msr(vcpu, MSR_TSC_AUX), AUX_GUEST_SET);

	vcpu_run_sync(vcpu, &uc);
	if (host_rdtscp)
		TEST_ASSERT_EQ(uc.args[0], AUX_GUEST_SET);
	if (host_rdpid)
		TEST_ASSERT_EQ(uc.args[1], AUX_GUEST_SET);
	vcpu_run_done(vcpu);
	assert_host_tsc_aux(host_rdtscp);
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE(wbinvd_invd),
	TEST_CASE(rdpmc_gp),
	TEST_CASE(rdpru_ud),
	TEST_CASE(tsc_aux),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
