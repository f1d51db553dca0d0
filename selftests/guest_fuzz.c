// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/guest_fuzz.c - a hostile guest can only hurt itself.  Each VM
 * runs random bytes as code, with random registers and random answers to
 * its port and MMIO reads: in real mode with a random interrupt vector
 * table, and in 64-bit mode (the library's page tables, GDT and IDT,
 * every other IDT made random) at CPL 0, where it can also write control
 * registers, MSRs, its own page tables and descriptor tables.  So it
 * faults inside fault delivery, jumps into MMIO, switches modes, and so
 * on.  Every KVM_RUN must end in an ordinary way: an exit reason
 * a VMM handles, or EINTR when a timer signal cuts a loop short.  Then the
 * device must still run a well-behaved guest.  The lab fails the run on
 * any kernel warning this leaves in dmesg.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>

#include "kvm_util.h"
#include "processor.h"

#define MEM_SIZE	(1024 * KiB)
#define NR_VMS		150
#define NR_RUNS		40

#define LM_MEM_SIZE	(8 * MiB)
#define LM_CODE_GPA	0x200000ULL	/* free in the library's layout */
#define NR_LM_VMS	100

static void on_alarm(int sig)
{
}

static u64 rng_state;

static u64 rng(void)
{
	/* xorshift64: fixed seeds, the same guests on every device. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_random(void *p, size_t len)
{
	u8 *b = p;

	while (len--)
		*b++ = rng();
}

/* Where a guest was when KVM_RUN failed, for the log. */
static void dump_vcpu(struct kvm_vcpu *vcpu, struct kvm_run *run)
{
	int err = errno;
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	vcpu_regs_get(vcpu, &regs);
	vcpu_sregs_get(vcpu, &sregs);
	ktap_print("exit_reason %u, rip 0x%llx rsp 0x%llx rflags 0x%llx",
		   run->exit_reason, (unsigned long long)regs.rip,
		   (unsigned long long)regs.rsp,
		   (unsigned long long)regs.rflags);
	ktap_print("rax 0x%llx rcx 0x%llx rdx 0x%llx rsi 0x%llx rdi 0x%llx",
		   (unsigned long long)regs.rax, (unsigned long long)regs.rcx,
		   (unsigned long long)regs.rdx, (unsigned long long)regs.rsi,
		   (unsigned long long)regs.rdi);
	ktap_print("cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx cs 0x%x",
		   (unsigned long long)sregs.cr0, (unsigned long long)sregs.cr3,
		   (unsigned long long)sregs.cr4, (unsigned long long)sregs.efer,
		   sregs.cs.selector);
	errno = err;
}

/* A real-mode guest of random code, IVT, stack and registers. */
static struct kvm_vm *realmode_guest(struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_realmode(MEM_SIZE, vcpu, 0x1000);
	struct kvm_regs regs;

	/* The IVT, the code page and the stack area are all noise. */
	fill_random(addr_gpa2hva(vm, 0), 0x3000);
	fill_random(addr_gpa2hva(vm, 0xf000), 0x1000);
	vcpu_regs_get(*vcpu, &regs);
	regs.rax = rng();
	regs.rbx = rng();
	regs.rcx = rng() & 0xffff;
	regs.rdx = rng();
	regs.rsi = rng() & 0xffff;
	regs.rdi = rng() & 0xffff;
	regs.rbp = rng();
	regs.rflags = 0x2 | (rng() & 0xcd5);	/* arithmetic flags, DF */
	vcpu_regs_set(*vcpu, &regs);
	return vm;
}

/*
 * A 64-bit guest at CPL 0: two pages of random code, random registers
 * (the stack pointer stays usable), IF and TF at random; every other
 * guest gets a random IDT too, so exceptions go wherever it points.
 */
static struct kvm_vm *longmode_guest(struct kvm_vcpu **vcpu, u64 seed)
{
	struct kvm_vm *vm = vm_create_longmode(LM_MEM_SIZE, vcpu,
					       (void *)LM_CODE_GPA, 0, 0);
	struct kvm_regs regs;

	fill_random(addr_gpa2hva(vm, LM_CODE_GPA), 2 * 4096);
	if (seed & 1)
		fill_random(addr_gpa2hva(vm, LM_IDT_GPA), 4096);
	vcpu_regs_get(*vcpu, &regs);
	regs.rax = rng();
	regs.rbx = rng();
	regs.rcx = rng();
	regs.rdx = rng();
	regs.rsi = rng();
	regs.rdi = rng();
	regs.rbp = rng();
	regs.r8 = rng();
	regs.r9 = rng();
	regs.r10 = rng();
	regs.r11 = rng();
	regs.r12 = rng();
	regs.r13 = rng();
	regs.r14 = rng();
	regs.r15 = rng();
	regs.rsp -= rng() & 0xff8;
	/* arithmetic flags, DF, IF, TF */
	regs.rflags = 0x2 | (rng() & 0xfd5);
	vcpu_regs_set(*vcpu, &regs);
	return vm;
}

/* One random guest; counts how the KVM_RUNs ended in @exits. */
static void run_one(u64 seed, bool longmode, unsigned int *exits)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct itimerval it = { .it_value.tv_usec = 5000 };
	int i;

	rng_state = seed * 0x9e3779b97f4a7c15ULL + 1 + longmode;
	vm = longmode ? longmode_guest(&vcpu, seed) : realmode_guest(&vcpu);

	for (i = 0; i < NR_RUNS; i++) {
		struct kvm_run *run = vcpu->run;
		int r;

		TEST_ASSERT_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
		r = __vcpu_run(vcpu);
		if (r && errno != EINTR)
			dump_vcpu(vcpu, run);
		TEST_ASSERT(r == 0 || errno == EINTR,
			    "seed %llu run %d: KVM_RUN %d errno %s",
			    (unsigned long long)seed, i, r,
			    strerrorname(errno));
		if (r) {
			exits[KVM_EXIT_INTR]++;
			break;	/* a loop: the guest has had its chance */
		}
		TEST_ASSERT(run->exit_reason < 64, "exit %u", run->exit_reason);
		exits[run->exit_reason]++;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction == KVM_EXIT_IO_IN)
				fill_random((u8 *)run + run->io.data_offset,
					    run->io.size * run->io.count);
			continue;
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write)
				fill_random(run->mmio.data, run->mmio.len);
			continue;
		case KVM_EXIT_HLT:
			continue;
		case KVM_EXIT_SHUTDOWN:
		case KVM_EXIT_INTERNAL_ERROR:
		case KVM_EXIT_FAIL_ENTRY:
			break;
		default:
			TEST_FAIL("seed %llu: unexpected exit %s (%u)",
				  (unsigned long long)seed,
				  exit_reason_str(run->exit_reason),
				  run->exit_reason);
		}
		break;
	}
	it.it_value.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	vm_free(vm);
}

/*
 * Seeds 1..nr; for a longer hunt, LHV_FUZZ_VMS=N runs N guests of each
 * kind from LHV_FUZZ_SEED (default 1) on.
 */
static void random_guests_mode(bool longmode, u64 nr)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	unsigned int exits[64] = { 0 };
	const char *env = getenv("LHV_FUZZ_VMS");
	u64 seed, first = 1;
	int i;

	if (env)
		nr = strtoull(env, NULL, 0);
	env = getenv("LHV_FUZZ_SEED");
	if (env)
		first = strtoull(env, NULL, 0);
	TEST_ASSERT_EQ(sigaction(SIGALRM, &sa, NULL), 0);
	for (seed = first; seed < first + nr; seed++) {
		run_one(seed, longmode, exits);
		/* A sign of life for the lab's no-output watchdog. */
		if ((seed - first) % 500 == 499)
			ktap_print("%llu guests", (unsigned long long)(seed - first + 1));
	}
	for (i = 0; i < 64; i++)
		if (exits[i])
			ktap_print("%-16s %u", exit_reason_str(i), exits[i]);
}

static void random_guests(void)
{
	random_guests_mode(false, NR_VMS);
}

static void random_longmode_guests(void)
{
	random_guests_mode(true, NR_LM_VMS);
}

/* After all that, an ordinary guest still runs as it should. */
static void device_still_works(void)
{
	static const u8 code[] = { 0xb0, 0x42, 0xe6, 0x10, 0xf4 };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_realmode(64 * KiB, &vcpu, 0x1000);

	vm_write(vm, 0x1000, code, sizeof(code));
	vcpu_run(vcpu);
	assert_io_exit(vcpu, 0x10, 1, KVM_EXIT_IO_OUT, 1);
	TEST_ASSERT_EQ(*(u8 *)vcpu_io_data(vcpu), 0x42);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE_T(random_guests, 100),
	TEST_CASE_T(random_longmode_guests, 100),
	TEST_CASE(device_still_works),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
