// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/interrupt.c - getting a spinning guest back: a signal makes
 * KVM_RUN return -1/EINTR with KVM_EXIT_INTR (sent by another thread, or
 * by an interval timer), and kvm_run.immediate_exit makes KVM_RUN return
 * EINTR without entering the guest, after completing a pending `in`.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include "kvm_util.h"

#define CODE_GPA	0x1000
#define COUNTER_GPA	0x2000

/* Real mode: count forever in a 32-bit word at COUNTER_GPA. */
static const u8 rm_count[] = {
	0x66, 0x83, 0x06, 0x00, 0x20, 0x01,	/* addl $1, (0x2000) */
	0xeb, 0xf8,				/* jmp back */
};

/* Real mode: in al,0x11; mov [0x2000],al; hlt */
static const u8 rm_in_store[] = {
	0xe4, 0x11,		/* in al, 0x11 */
	0xa2, 0x00, 0x20,	/* mov [0x2000], al */
	0xf4,			/* hlt */
};

static volatile sig_atomic_t signals_seen;

static void on_signal(int sig)
{
	signals_seen++;
}

/* No SA_RESTART: the interrupted ioctl must come back with EINTR. */
static void install_handler(int sig)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	TEST_ASSERT(sigaction(sig, &sa, NULL) == 0, "sigaction: %s",
		    strerror(errno));
}

/*
 * The spinner runs with IF=1: nothing is ever injected, but Bochs (the VMX
 * lab) takes no external-interrupt exit from a guest with IF=0, which
 * would hang kvm-intel there.
 */
static void set_if(struct kvm_vcpu *vcpu)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	regs.rflags |= 0x200;
	vcpu_regs_set(vcpu, &regs);
}

static struct kvm_vm *spinner(struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_realmode(64 * KiB, vcpu, CODE_GPA);

	vm_write(vm, CODE_GPA, rm_count, sizeof(rm_count));
	set_if(*vcpu);
	return vm;
}

static u32 counter(struct kvm_vm *vm)
{
	return *(volatile u32 *)addr_gpa2hva(vm, COUNTER_GPA);
}

/* The run came back because of the signal, after running the guest. */
static void assert_interrupted(struct kvm_vcpu *vcpu, int r)
{
	struct kvm_regs regs;

	if (r == 0)
		vcpu_dump_exit(vcpu);
	TEST_ASSERT_ERRNO(r, EINTR);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_INTR);
	TEST_ASSERT(signals_seen > 0, "handler never ran");
	TEST_ASSERT(counter(vcpu->vm) > 0, "the guest never ran");
	/* Stopped inside the loop, not somewhere else. */
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT(regs.rip >= CODE_GPA &&
		    regs.rip < CODE_GPA + sizeof(rm_count),
		    "RIP 0x%llx outside the loop", regs.rip);
}

struct kicker {
	pthread_t target;
	volatile bool stop;
};

/* Signal the vCPU thread until told to stop: the first may come early. */
static void *kick(void *arg)
{
	struct kicker *k = arg;

	while (!k->stop) {
		usleep(100 * 1000);
		if (!k->stop)
			pthread_kill(k->target, SIGUSR1);
	}
	return NULL;
}

static void signal_from_thread(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = spinner(&vcpu);
	struct kicker k = { .target = pthread_self() };
	pthread_t t;
	int r;

	install_handler(SIGUSR1);
	TEST_ASSERT(pthread_create(&t, NULL, kick, &k) == 0, "pthread_create");
	r = __vcpu_run(vcpu);
	k.stop = true;
	pthread_join(t, NULL);
	assert_interrupted(vcpu, r);

	/* The guest resumes where it stopped and keeps counting. */
	{
		u32 before = counter(vm);

		k.stop = false;
		signals_seen = 0;
		pthread_create(&t, NULL, kick, &k);
		r = __vcpu_run(vcpu);
		k.stop = true;
		pthread_join(t, NULL);
		assert_interrupted(vcpu, r);
		TEST_ASSERT(counter(vm) > before, "no progress after resume");
	}
	vm_free(vm);
}

static void signal_from_timer(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = spinner(&vcpu);
	struct itimerval it = {
		.it_interval = { .tv_usec = 100 * 1000 },
		.it_value = { .tv_usec = 100 * 1000 },
	};
	struct itimerval off = { 0 };
	int r;

	install_handler(SIGALRM);
	TEST_ASSERT(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	r = __vcpu_run(vcpu);
	setitimer(ITIMER_REAL, &off, NULL);
	assert_interrupted(vcpu, r);
	vm_free(vm);
}

/*
 * immediate_exit: EINTR at once, the guest not entered.  KVM (6.1) leaves
 * exit_reason as it was; KVM_EXIT_INTR is accepted too.
 */
static void immediate_exit(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = spinner(&vcpu);
	struct kvm_regs before, after;
	int r;

	TEST_ASSERT(kvm_check_cap(KVM_CAP_IMMEDIATE_EXIT) > 0,
		    "KVM_CAP_IMMEDIATE_EXIT not announced");
	vcpu_regs_get(vcpu, &before);
	vcpu->run->immediate_exit = 1;
	vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;
	r = __vcpu_run(vcpu);
	TEST_ASSERT_ERRNO(r, EINTR);
	TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_UNKNOWN ||
		    vcpu->run->exit_reason == KVM_EXIT_INTR,
		    "exit_reason %u", vcpu->run->exit_reason);
	TEST_ASSERT_EQ(counter(vm), 0);
	vcpu_regs_get(vcpu, &after);
	TEST_ASSERT_EQ(after.rip, before.rip);
	/* Again: it is a flag, not a one-shot. */
	TEST_ASSERT_ERRNO(__vcpu_run(vcpu), EINTR);
	TEST_ASSERT_EQ(counter(vm), 0);

	/* Cleared, the guest runs (and a signal gets it back). */
	vcpu->run->immediate_exit = 0;
	{
		struct kicker k = { .target = pthread_self() };
		pthread_t t;

		install_handler(SIGUSR1);
		pthread_create(&t, NULL, kick, &k);
		r = __vcpu_run(vcpu);
		k.stop = true;
		pthread_join(t, NULL);
		assert_interrupted(vcpu, r);
	}
	vm_free(vm);
}

/*
 * A pending `in` is completed by a KVM_RUN with immediate_exit set: the
 * value lands in AL and RIP moves past the `in`, but nothing more runs.
 */
static void immediate_exit_completes_in(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_realmode(64 * KiB, &vcpu, CODE_GPA);
	struct kvm_regs regs;

	vm_write(vm, CODE_GPA, rm_in_store, sizeof(rm_in_store));
	vcpu_run(vcpu);
	assert_io_exit(vcpu, 0x11, 1, KVM_EXIT_IO_IN, 1);
	*(u8 *)vcpu_io_data(vcpu) = 0x77;

	vcpu->run->immediate_exit = 1;
	TEST_ASSERT_ERRNO(__vcpu_run(vcpu), EINTR);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rax & 0xff, 0x77);
	TEST_ASSERT_EQ(regs.rip, CODE_GPA + 2);
	TEST_ASSERT_EQ(*(u8 *)addr_gpa2hva(vm, COUNTER_GPA), 0);

	vcpu->run->immediate_exit = 0;
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	TEST_ASSERT_EQ(*(u8 *)addr_gpa2hva(vm, COUNTER_GPA), 0x77);
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE(signal_from_thread),
	TEST_CASE(signal_from_timer),
	TEST_CASE(immediate_exit),
	TEST_CASE(immediate_exit_completes_in),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
