// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/guest_fuzz.c - a hostile guest can only hurt itself.  Each VM
 * runs random bytes as code (real mode, with random registers, a random
 * interrupt vector table and random answers to its port and MMIO reads),
 * so it faults inside fault delivery, jumps into MMIO, switches modes,
 * and so on.  Every KVM_RUN must end in an ordinary way: an exit reason
 * a VMM handles, or EINTR when a timer signal cuts a loop short.  Then the
 * device must still run a well-behaved guest.  The lab fails the run on
 * any kernel warning this leaves in dmesg.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>

#include "kvm_util.h"

#define MEM_SIZE	(1024 * KiB)
#define NR_VMS		150
#define NR_RUNS		40

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

/* One random guest; returns how many KVM_RUNs ended in each way. */
static void run_one(u64 seed, unsigned int *exits)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct kvm_regs regs;
	struct itimerval it = { .it_value.tv_usec = 5000 };
	int i;

	rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	vm = vm_create_realmode(MEM_SIZE, &vcpu, 0x1000);
	/* The IVT, the code page and the stack area are all noise. */
	fill_random(addr_gpa2hva(vm, 0), 0x3000);
	fill_random(addr_gpa2hva(vm, 0xf000), 0x1000);
	vcpu_regs_get(vcpu, &regs);
	regs.rax = rng();
	regs.rbx = rng();
	regs.rcx = rng() & 0xffff;
	regs.rdx = rng();
	regs.rsi = rng() & 0xffff;
	regs.rdi = rng() & 0xffff;
	regs.rbp = rng();
	regs.rflags = 0x2 | (rng() & 0xcd5);	/* arithmetic flags, DF */
	vcpu_regs_set(vcpu, &regs);

	for (i = 0; i < NR_RUNS; i++) {
		struct kvm_run *run = vcpu->run;
		int r;

		TEST_ASSERT_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
		r = __vcpu_run(vcpu);
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

static void random_guests(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	unsigned int exits[64] = { 0 };
	u64 seed;
	int i;

	TEST_ASSERT_EQ(sigaction(SIGALRM, &sa, NULL), 0);
	for (seed = 1; seed <= NR_VMS; seed++)
		run_one(seed, exits);
	for (i = 0; i < 64; i++)
		if (exits[i])
			ktap_print("%-16s %u", exit_reason_str(i), exits[i]);
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
	TEST_CASE(device_still_works),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
