// SPDX-License-Identifier: GPL-2.0
/*
 * bench/bench.c - lhv-bench: host-side cost of hypervisor operations.
 *
 * Speaks only the KVM API of <linux/kvm.h>, so the same binary measures
 * /dev/lhv and /dev/kvm.  Every case reports TSC ticks per operation; inside
 * the QEMU lab host run with "-icount shift=0,sleep=off" the TSC counts
 * instructions, so the numbers are instruction counts, identical from run
 * to run.  Each measured loop is preceded by a warm-up, has a fixed
 * iteration count and does no I/O of its own.
 *
 * Output: one machine-parseable line per result,
 *	case <name> <ticks-per-op|n/a|FAILED> <iters>
 * then a human table; --json FILE writes the same results as JSON.
 * Exit status: 0 when every implemented case ran, 1 otherwise.
 *
 * Adding a case: write a function of type case_fn that fills a struct
 * result (or returns ST_NA), and add a line to the cases[] table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <linux/kvm.h>
#include <linux/lhv.h>

#define GUEST_MEM_SIZE	0x10000UL	/* slot 0: GPA 0 - 64 KiB */
#define GUEST_CODE_GPA	0x1000UL
#define CHURN_SLOT	1		/* memslot_churn's extra slot ... */
#define CHURN_GPA	0x100000UL	/* ... where the guest never goes */
#define CHURN_SIZE	0x10000UL
#define MMIO_GPA	0xe0000UL	/* see guest.S */
#define PORT_PIO	0x10
#define PORT_CPUID_DONE	0x11
#define HLT_COUNT_GPA	0x500		/* see guest.S */
#define HLT_VECTOR	0x20
#define CASE_TIMEOUT_S	20		/* per case; virtual seconds under icount */
#define LINUX_TIMEOUT_S	300		/* per linux_boot boot */
#define LINUX_OK_LINE	"lhv-guest-ok"	/* lab/guest-initramfs.sh's init */
#define MAX_EXTRA	2

/* Guest programs, guest.S. */
extern const char guest_pio_start[], guest_pio_end[];
extern const char guest_mmio_start[], guest_mmio_end[];
extern const char guest_cpuid_start[], guest_cpuid_end[];
extern const char guest_hlt_start[], guest_hlt_irq[], guest_hlt_end[];

enum status { ST_OK, ST_NA, ST_FAIL };

struct result {
	enum status status;
	double per_op;		/* ticks per operation */
	unsigned long iters;
	/* optional further numbers of the case: name, value */
	const char *extra_name[MAX_EXTRA];
	double extra[MAX_EXTRA];
	char note[160];
};

struct bench_case;
typedef enum status (*case_fn)(const struct bench_case *c,
			       unsigned long iters, struct result *r);

struct bench_case {
	const char *name;
	case_fn fn;
	unsigned long iters;	/* default */
	unsigned long smoke;	/* with --smoke */
	const char *what;	/* for --help */
	const char *extra_what[MAX_EXTRA]; /* notes for the extra numbers */
	bool selected;
	struct result res;
};

struct bench_vm {
	int vmfd;
	int vcpufd;
	struct kvm_run *run;
};

static int sys_fd = -1;
static size_t run_size;
static void *guest_mem;		/* shared by every VM: code only */
static void *churn_mem;
static volatile sig_atomic_t timed_out;
static bool ktap;		/* --ktap: KTAP results, case lines as comments */
static int run_ret;		/* last KVM_RUN's return value */
static int run_errno;		/* and its errno */

static inline uint64_t ticks(void)
{
	_mm_lfence();
	return __rdtsc();
}

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

static enum status fail(struct result *r, const char *what)
{
	snprintf(r->note, sizeof(r->note), "%s: %s", what,
		 timed_out ? "timeout" : strerror(errno));
	return ST_FAIL;
}

static int set_slot(int vmfd, __u32 slot, __u64 gpa, __u64 size, void *hva)
{
	struct kvm_userspace_memory_region m = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (unsigned long)hva,
	};

	return ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &m);
}

/* Real mode, every segment base 0, IP at the guest program. */
static int vcpu_reset(struct bench_vm *vm, __u64 rbp)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vm->vcpufd, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = sregs.es.base = sregs.ss.base = 0;
	sregs.ds.selector = sregs.es.selector = sregs.ss.selector = 0;
	if (ioctl(vm->vcpufd, KVM_SET_SREGS, &sregs) < 0)
		return -1;
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_CODE_GPA;
	regs.rflags = 0x2;
	regs.rbp = rbp;
	return ioctl(vm->vcpufd, KVM_SET_REGS, &regs);
}

static void vm_close(struct bench_vm *vm)
{
	if (vm->run)
		munmap(vm->run, run_size);
	if (vm->vcpufd >= 0)
		close(vm->vcpufd);
	if (vm->vmfd >= 0)
		close(vm->vmfd);
	vm->run = NULL;
	vm->vcpufd = vm->vmfd = -1;
}

/* A VM with slot 0 holding the guest program and one real-mode vCPU. */
static int vm_open(struct bench_vm *vm, const char *start, const char *end,
		   struct result *r)
{
	void *p;

	vm->vcpufd = -1;
	vm->run = NULL;
	vm->vmfd = ioctl(sys_fd, KVM_CREATE_VM, 0);
	if (vm->vmfd < 0)
		return fail(r, "KVM_CREATE_VM"), -1;
	memcpy((char *)guest_mem + GUEST_CODE_GPA, start, end - start);
	if (set_slot(vm->vmfd, 0, 0, GUEST_MEM_SIZE, guest_mem) < 0) {
		fail(r, "KVM_SET_USER_MEMORY_REGION");
		goto err;
	}
	vm->vcpufd = ioctl(vm->vmfd, KVM_CREATE_VCPU, 0);
	if (vm->vcpufd < 0) {
		fail(r, "KVM_CREATE_VCPU");
		goto err;
	}
	p = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 vm->vcpufd, 0);
	if (p == MAP_FAILED) {
		fail(r, "mmap vcpu");
		goto err;
	}
	vm->run = p;
	if (vcpu_reset(vm, 0) < 0) {
		fail(r, "KVM_SET_SREGS/REGS");
		goto err;
	}
	return 0;
err:
	vm_close(vm);
	return -1;
}

/* One KVM_RUN that must end in a 1-byte "out" to @port. */
static inline bool run_to_out(struct bench_vm *vm, __u16 port)
{
	struct kvm_run *run = vm->run;

	run_ret = ioctl(vm->vcpufd, KVM_RUN, 0);
	if (run_ret < 0)
		run_errno = errno;
	return run_ret == 0 && run->exit_reason == KVM_EXIT_IO &&
	       run->io.direction == KVM_EXIT_IO_OUT && run->io.port == port;
}

static enum status bad_exit(struct bench_vm *vm, struct result *r,
			    const char *want)
{
	if (run_ret < 0) {
		errno = run_errno;
		return fail(r, "KVM_RUN");
	}
	snprintf(r->note, sizeof(r->note), "want %s, got exit_reason %u",
		 want, vm->run->exit_reason);
	return ST_FAIL;
}

/* ---- cases ------------------------------------------------------------ */

static enum status case_floor(const struct bench_case *c, unsigned long n,
			      struct result *r)
{
	unsigned long i;
	uint64_t t0, t1;
	int bad = 0;

	for (i = 0; i < 1000; i++)
		bad |= ioctl(sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0;
	t0 = ticks();
	for (i = 0; i < n; i++)
		bad |= ioctl(sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0;
	t1 = ticks();
	if (bad)
		return fail(r, "KVM_CHECK_EXTENSION(KVM_CAP_USER_MEMORY)");
	r->per_op = (double)(t1 - t0) / n;
	return ST_OK;
}

static enum status case_pio_user(const struct bench_case *c, unsigned long n,
				 struct result *r)
{
	struct bench_vm vm;
	enum status st = ST_OK;
	unsigned long i, warm = n < 100 ? n : 100;
	uint64_t t0, t1;

	if (vm_open(&vm, guest_pio_start, guest_pio_end, r))
		return ST_FAIL;
	for (i = 0; i < warm; i++)
		if (!run_to_out(&vm, PORT_PIO))
			goto bad;
	t0 = ticks();
	for (i = 0; i < n; i++)
		if (!run_to_out(&vm, PORT_PIO))
			break;
	t1 = ticks();
	if (i < n)
		goto bad;
	r->per_op = (double)(t1 - t0) / n;
	goto out;
bad:
	st = bad_exit(&vm, r, "KVM_EXIT_IO out 0x10");
out:
	vm_close(&vm);
	return st;
}

static inline bool run_to_mmio(struct bench_vm *vm)
{
	struct kvm_run *run = vm->run;

	run_ret = ioctl(vm->vcpufd, KVM_RUN, 0);
	if (run_ret < 0)
		run_errno = errno;
	return run_ret == 0 && run->exit_reason == KVM_EXIT_MMIO &&
	       run->mmio.is_write && run->mmio.phys_addr == MMIO_GPA;
}

static enum status case_mmio_user(const struct bench_case *c, unsigned long n,
				  struct result *r)
{
	struct bench_vm vm;
	enum status st = ST_OK;
	unsigned long i, warm = n < 100 ? n : 100;
	uint64_t t0, t1;

	if (vm_open(&vm, guest_mmio_start, guest_mmio_end, r))
		return ST_FAIL;
	/* No MMIO exit the first time: the hypervisor lacks MMIO, n/a. */
	if (!run_to_mmio(&vm)) {
		if (run_ret < 0)
			snprintf(r->note, sizeof(r->note), "first KVM_RUN: %s",
				 timed_out ? "timeout" : strerror(run_errno));
		else
			snprintf(r->note, sizeof(r->note),
				 "first exit_reason %u, not MMIO",
				 vm.run->exit_reason);
		st = ST_NA;
		goto out;
	}
	for (i = 0; i < warm; i++)
		if (!run_to_mmio(&vm))
			goto bad;
	t0 = ticks();
	for (i = 0; i < n; i++)
		if (!run_to_mmio(&vm))
			break;
	t1 = ticks();
	if (i < n)
		goto bad;
	r->per_op = (double)(t1 - t0) / n;
	goto out;
bad:
	st = bad_exit(&vm, r, "KVM_EXIT_MMIO write 0xe0000");
out:
	vm_close(&vm);
	return st;
}

/*
 * One KVM_RUN covering @n guest cpuids.  Host view: ticks around KVM_RUN
 * (including the one "out" that ends it).  Guest view: the guest's rdtsc
 * before and after its loop; with a TSC offset the difference still counts
 * host ticks.
 */
static int cpuid_run(struct bench_vm *vm, unsigned long n, uint64_t *host,
		     uint64_t *guest)
{
	struct kvm_regs regs;
	uint64_t t0, t1;

	if (vcpu_reset(vm, n) < 0)
		return -1;
	t0 = ticks();
	if (!run_to_out(vm, PORT_CPUID_DONE))
		return -2;
	t1 = ticks();
	if (ioctl(vm->vcpufd, KVM_GET_REGS, &regs) < 0)
		return -1;
	*host = t1 - t0;
	*guest = (((regs.rdx & 0xffffffff) << 32) | (regs.rax & 0xffffffff)) -
		 (((regs.rdi & 0xffffffff) << 32) | (regs.rsi & 0xffffffff));
	return 0;
}

static enum status case_cpuid_kernel(const struct bench_case *c,
				     unsigned long n, struct result *r)
{
	struct bench_vm vm;
	enum status st = ST_OK;
	uint64_t host, guest;
	int ret;

	if (n > 0xffffffffUL)
		n = 0xffffffffUL;
	if (vm_open(&vm, guest_cpuid_start, guest_cpuid_end, r))
		return ST_FAIL;
	ret = cpuid_run(&vm, n, &host, &guest);		/* warm-up */
	if (!ret)
		ret = cpuid_run(&vm, n, &host, &guest);
	if (ret == -2)
		st = bad_exit(&vm, r, "KVM_EXIT_IO out 0x11");
	else if (ret)
		st = fail(r, "KVM_GET/SET_REGS");
	r->per_op = (double)host / n;
	r->extra_name[0] = "cpuid_kernel_guest";
	r->extra[0] = (double)guest / n;
	vm_close(&vm);
	return st;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Ticks here are latency: they include time the CPU sat idle waiting (RCU
 * and SRCU grace periods), which QEMU's icount skips but still adds to the
 * TSC.  The second number, this process's CPU time in ns (= instructions
 * under icount with its 1 GHz TSC), leaves out idle time and the kernel
 * threads that work for us.
 */
static enum status case_vm_lifecycle(const struct bench_case *c,
				     unsigned long n, struct result *r)
{
	struct bench_vm vm;
	unsigned long i, warm = 2;
	uint64_t t0 = 0, t1, c0 = 0, c1;

	r->extra_name[0] = "vm_lifecycle_cpu";
	for (i = 0; i < warm + n; i++) {
		if (i == warm) {
			c0 = cpu_ns();
			t0 = ticks();
		}
		if (vm_open(&vm, guest_pio_start, guest_pio_end, r))
			return ST_FAIL;
		if (!run_to_out(&vm, PORT_PIO)) {
			bad_exit(&vm, r, "KVM_EXIT_IO out 0x10");
			vm_close(&vm);
			return ST_FAIL;
		}
		vm_close(&vm);
	}
	t1 = ticks();
	c1 = cpu_ns();
	r->per_op = (double)(t1 - t0) / n;
	r->extra[0] = (double)(c1 - c0) / n;
	return ST_OK;
}

struct churn_vcpu {
	struct bench_vm *vm;
	volatile bool stop;
	volatile unsigned long exits;
	bool bad;
};

static void *churn_vcpu_thread(void *arg)
{
	struct churn_vcpu *cv = arg;

	while (!cv->stop) {
		if (!run_to_out(cv->vm, PORT_PIO)) {
			cv->bad = !cv->stop;	/* SIGUSR1 at the end: EINTR */
			break;
		}
		cv->exits++;
	}
	return NULL;
}

static void nop_signal(int sig)
{
	(void)sig;
}

/* Add and delete a memslot the guest never touches while a vCPU runs. */
static enum status case_memslot_churn(const struct bench_case *c,
				      unsigned long n, struct result *r)
{
	struct churn_vcpu cv = { 0 };
	struct bench_vm vm;
	enum status st = ST_OK;
	unsigned long i, warm = 2;
	uint64_t t0 = 0, t1 = 0;
	struct sigaction sa = { .sa_handler = nop_signal };
	pthread_t th;
	bool bad = false;

	if (vm_open(&vm, guest_pio_start, guest_pio_end, r))
		return ST_FAIL;
	cv.vm = &vm;
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
	if (pthread_create(&th, NULL, churn_vcpu_thread, &cv)) {
		snprintf(r->note, sizeof(r->note), "pthread_create failed");
		vm_close(&vm);
		return ST_FAIL;
	}
	while (!cv.exits && !cv.bad && !timed_out)
		sched_yield();
	if (!cv.exits) {		/* the vCPU never got going */
		bad = true;
		snprintf(r->note, sizeof(r->note), "no vCPU exit before churn");
	}
	for (i = 0; i < warm + n && !cv.bad && !bad; i++) {
		if (i == warm)
			t0 = ticks();
		if (set_slot(vm.vmfd, CHURN_SLOT, CHURN_GPA, CHURN_SIZE,
			     churn_mem) < 0 ||
		    set_slot(vm.vmfd, CHURN_SLOT, CHURN_GPA, 0, churn_mem) < 0) {
			bad = true;
			fail(r, "KVM_SET_USER_MEMORY_REGION");
			break;
		}
	}
	t1 = ticks();
	cv.stop = true;
	pthread_kill(th, SIGUSR1);	/* in case the vCPU is stuck */
	pthread_join(th, NULL);
	if (bad) {
		st = ST_FAIL;
	} else if (cv.bad) {
		st = bad_exit(&vm, r, "KVM_EXIT_IO out 0x10");
	} else {
		r->per_op = (double)(t1 - t0) / n;
		snprintf(r->note, sizeof(r->note), "%lu vCPU exits meanwhile",
			 cv.exits);
	}
	vm_close(&vm);
	return st;
}

/*
 * Wake a halted guest with an interrupt, as a launcher without an
 * in-kernel irqchip does: the vCPU sits at a KVM_EXIT_HLT; inject vector
 * 0x20 with KVM_INTERRUPT when run->ready_for_interrupt_injection says the
 * guest can take it now, else first ask for an interrupt window
 * (request_interrupt_window, KVM_EXIT_IRQ_WINDOW_OPEN); the next KVM_RUN
 * delivers it, the guest's handler counts it and the guest halts again.
 * Returns false on anything else; *windows counts the detours.
 */
static bool hlt_wake_once(struct bench_vm *vm, unsigned long *windows)
{
	struct kvm_run *run = vm->run;
	struct kvm_interrupt irq = { .irq = HLT_VECTOR };

	if (!run->ready_for_interrupt_injection || !run->if_flag) {
		run->request_interrupt_window = 1;
		run_ret = ioctl(vm->vcpufd, KVM_RUN, 0);
		if (run_ret < 0)
			run_errno = errno;
		run->request_interrupt_window = 0;
		if (run_ret || run->exit_reason != KVM_EXIT_IRQ_WINDOW_OPEN ||
		    !run->ready_for_interrupt_injection)
			return false;
		(*windows)++;
	}
	if (ioctl(vm->vcpufd, KVM_INTERRUPT, &irq) < 0) {
		run_ret = -1;
		run_errno = errno;
		return false;
	}
	run_ret = ioctl(vm->vcpufd, KVM_RUN, 0);
	if (run_ret < 0)
		run_errno = errno;
	return run_ret == 0 && run->exit_reason == KVM_EXIT_HLT;
}

static enum status case_hlt_wake(const struct bench_case *c, unsigned long n,
				 struct result *r)
{
	volatile uint32_t *count = (void *)((char *)guest_mem + HLT_COUNT_GPA);
	uint16_t *ivt = (void *)((char *)guest_mem + HLT_VECTOR * 4);
	unsigned long i, warm = n < 100 ? n : 100, windows = 0;
	unsigned long warm_windows = 0;
	struct bench_vm vm;
	enum status st = ST_OK;
	uint64_t t0 = 0, t1;

	if (vm_open(&vm, guest_hlt_start, guest_hlt_end, r))
		return ST_FAIL;
	ivt[0] = GUEST_CODE_GPA + (guest_hlt_irq - guest_hlt_start);
	ivt[1] = 0;
	*count = 0;
	run_ret = ioctl(vm.vcpufd, KVM_RUN, 0);	/* to the first hlt */
	if (run_ret < 0)
		run_errno = errno;
	if (run_ret || vm.run->exit_reason != KVM_EXIT_HLT)
		goto bad;
	for (i = 0; i < warm + n; i++) {
		if (i == warm) {
			warm_windows = windows;
			t0 = ticks();
		}
		if (!hlt_wake_once(&vm, &windows))
			goto bad;
	}
	t1 = ticks();
	if (*count != warm + n) {
		snprintf(r->note, sizeof(r->note),
			 "guest handler ran %u times for %lu interrupts",
			 *count, warm + n);
		st = ST_FAIL;
		goto out;
	}
	r->per_op = (double)(t1 - t0) / n;
	snprintf(r->note, sizeof(r->note), "%lu of %lu via an irq window exit",
		 windows - warm_windows, n);
	goto out;
bad:
	st = bad_exit(&vm, r, "KVM_EXIT_HLT / KVM_EXIT_IRQ_WINDOW_OPEN");
out:
	vm_close(&vm);
	return st;
}

/*
 * KVM_RUN that returns at once (immediate_exit): the ioctl path of a
 * round trip without the guest (a profiling aid; see README.md).
 */
static enum status case_run_immediate(const struct bench_case *c,
				      unsigned long n, struct result *r)
{
	struct bench_vm vm;
	unsigned long i, warm = n < 100 ? n : 100;
	uint64_t t0 = 0, t1;
	int bad = 0;

	if (vm_open(&vm, guest_pio_start, guest_pio_end, r))
		return ST_FAIL;
	if (!run_to_out(&vm, PORT_PIO)) {	/* the vCPU has run once */
		enum status st = bad_exit(&vm, r, "KVM_EXIT_IO out 0x10");

		vm_close(&vm);
		return st;
	}
	vm.run->immediate_exit = 1;
	for (i = 0; i < warm + n; i++) {
		if (i == warm)
			t0 = ticks();
		bad |= ioctl(vm.vcpufd, KVM_RUN, 0) != -1 || errno != EINTR;
	}
	t1 = ticks();
	vm_close(&vm);
	if (bad) {
		snprintf(r->note, sizeof(r->note),
			 "KVM_RUN with immediate_exit did not fail with EINTR");
		return ST_FAIL;
	}
	r->per_op = (double)(t1 - t0) / n;
	return ST_OK;
}

/* linux_boot: lhv-run and the guest it boots (--linux-*). */
static const char *linux_kernel, *linux_initrd;
static const char *linux_mem = "128M";
static const char *linux_cmdline =
	"console=ttyS0 reboot=k panic=-1 pci=off quiet";
static const char *linux_run = "lhv-run";
static const char *bench_dev;

/*
 * One boot: lhv-run with the guest console on a pipe, which is scanned
 * for LINUX_OK_LINE.  Ticks from before fork() to that line (*t_ok) and
 * to lhv-run's exit (*t_exit); *cpu_ns: lhv-run's CPU time, user and
 * system (KVM_RUN and so the guest's own instructions included).
 */
static enum status linux_boot_once(struct result *r, uint64_t *t_ok,
				   uint64_t *t_exit, uint64_t *cpu_ns)
{
	char buf[4096], line[256], tail[4][256];
	size_t len = 0;
	unsigned int ntail = 0;
	int pfd[2], status, i;
	bool seen = false;
	struct rusage ru;
	uint64_t t0;
	ssize_t got;
	pid_t pid;

	if (pipe(pfd) < 0)
		return fail(r, "pipe");
	t0 = ticks();
	pid = fork();
	if (pid < 0)
		return fail(r, "fork");
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execlp(linux_run, linux_run, "--dev", bench_dev, "--kernel",
		       linux_kernel, "--initrd", linux_initrd, "--mem",
		       linux_mem, "--debug", "--cmdline", linux_cmdline,
		       (char *)NULL);
		fprintf(stderr, "lhv-bench: exec %s: %s\n", linux_run,
			strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	alarm(LINUX_TIMEOUT_S);
	while ((got = read(pfd[0], buf, sizeof(buf))) != 0) {
		if (got < 0) {
			if (errno == EINTR && !timed_out)
				continue;
			break;
		}
		for (i = 0; i < got; i++) {
			if (buf[i] == '\r')
				continue;
			if (buf[i] != '\n') {
				if (len < sizeof(line) - 1)
					line[len++] = buf[i];
				continue;
			}
			line[len] = 0;
			if (!seen && !strcmp(line, LINUX_OK_LINE)) {
				*t_ok = ticks() - t0;
				seen = true;
			}
			memcpy(tail[ntail++ % 4], line, len + 1);
			len = 0;
		}
	}
	if (timed_out)
		kill(pid, SIGKILL);
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	*t_exit = ticks() - t0;
	alarm(0);
	close(pfd[0]);
	*cpu_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
		  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
	if (seen && WIFEXITED(status) && !WEXITSTATUS(status))
		return ST_OK;
	/* What the guest said last, for the log. */
	for (i = ntail > 4 ? ntail - 4 : 0; i < (int)ntail; i++)
		printf("# linux_boot: guest: %s\n", tail[i % 4]);
	snprintf(r->note, sizeof(r->note), "%s; lhv-run %s %d",
		 seen ? "saw " LINUX_OK_LINE : "no " LINUX_OK_LINE,
		 timed_out ? "timed out, killed" : WIFEXITED(status) ?
		 "exit status" : "signal", WIFEXITED(status) ?
		 WEXITSTATUS(status) : WTERMSIG(status));
	return ST_FAIL;
}

static enum status case_linux_boot(const struct bench_case *c,
				   unsigned long n, struct result *r)
{
	uint64_t ok = 0, ex = 0, cpu = 0, a = 0, b = 0, d = 0;
	unsigned long i;
	enum status st;

	if (!linux_kernel || !linux_initrd) {
		snprintf(r->note, sizeof(r->note),
			 "no guest: --linux-kernel and --linux-initrd");
		return ST_NA;
	}
	r->extra_name[0] = "linux_boot_exit";
	r->extra_name[1] = "linux_boot_cpu";
	for (i = 0; i < n; i++) {
		st = linux_boot_once(r, &a, &b, &d);
		if (st != ST_OK)
			return st;
		ok += a;
		ex += b;
		cpu += d;
	}
	r->per_op = (double)ok / n;
	r->extra[0] = (double)ex / n;
	r->extra[1] = (double)cpu / n;
	snprintf(r->note, sizeof(r->note), "%s --mem %s", linux_kernel,
		 linux_mem);
	return ST_OK;
}

static struct bench_case cases[] = {
	{ "floor", case_floor, 100000, 200,
	  "KVM_CHECK_EXTENSION(KVM_CAP_USER_MEMORY) on the system fd" },
	{ "pio_user", case_pio_user, 10000, 200,
	  "guest out -> KVM_EXIT_IO -> KVM_RUN, per round trip" },
	{ "mmio_user", case_mmio_user, 10000, 200,
	  "guest store to unmapped GPA -> KVM_EXIT_MMIO -> KVM_RUN" },
	{ "cpuid_kernel", case_cpuid_kernel, 10000, 200,
	  "guest cpuid handled in the kernel (host and guest view)",
	  { "measured inside the guest (guest rdtsc)" } },
	{ "hlt_wake", case_hlt_wake, 10000, 200,
	  "guest hlt -> KVM_EXIT_HLT -> KVM_INTERRUPT -> handler -> hlt" },
	{ "run_immediate", case_run_immediate, 10000, 200,
	  "KVM_RUN with immediate_exit set: the ioctl without the guest" },
	{ "vm_lifecycle", case_vm_lifecycle, 100, 3,
	  "CREATE_VM+memslot+CREATE_VCPU+mmap+KVM_RUN to first exit+close",
	  { "CPU time of this process (ns), no idle" } },
	{ "memslot_churn", case_memslot_churn, 100, 3,
	  "memslot add+delete while a vCPU runs a pio loop, per pair" },
	{ "linux_boot", case_linux_boot, 1, 1,
	  "lhv-run boots Linux to its init's end (needs --linux-kernel)",
	  { "until lhv-run exits (guest powered off)",
	    "CPU time of lhv-run (ns, guest included), no idle" } },
};

#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

static const char *fmt_val(const struct result *r, double v, char *buf,
			   size_t len)
{
	if (r->status == ST_NA)
		return "n/a";
	if (r->status == ST_FAIL)
		return "FAILED";
	snprintf(buf, len, "%.1f", v);
	return buf;
}

static void print_case(const struct bench_case *c, int nr)
{
	const struct result *r = &c->res;
	const char *pfx = ktap ? "# " : "";
	char buf[32];
	int i;

	printf("%scase %s %s %lu\n", pfx, c->name,
	       fmt_val(r, r->per_op, buf, sizeof(buf)), r->iters);
	for (i = 0; i < MAX_EXTRA && r->extra_name[i]; i++)
		printf("%scase %s %s %lu\n", pfx, r->extra_name[i],
		       fmt_val(r, r->extra[i], buf, sizeof(buf)), r->iters);
	if (ktap && r->status == ST_OK)
		printf("ok %d %s\n", nr, c->name);
	else if (ktap && r->status == ST_NA)
		printf("ok %d %s # SKIP %s\n", nr, c->name, r->note);
	else if (ktap)
		printf("not ok %d %s # %s\n", nr, c->name, r->note);
	fflush(stdout);
}

static void print_table(const char *dev)
{
	const struct bench_case *c;
	const char *pfx = ktap ? "# " : "";
	char buf[32];
	int i;

	printf("%s\n%slhv-bench on %s: TSC ticks per operation "
	       "(instructions under QEMU icount)\n", pfx, pfx, dev);
	printf("%s%-20s %12s %8s  %s\n", pfx, "name", "ticks/op", "iters",
	       "note");
	for (c = cases; c < cases + NR_CASES; c++) {
		const struct result *r = &c->res;

		if (!c->selected)
			continue;
		printf("%s%-20s %12s %8lu  %s\n", pfx, c->name,
		       fmt_val(r, r->per_op, buf, sizeof(buf)), r->iters,
		       r->note);
		for (i = 0; i < MAX_EXTRA && r->extra_name[i]; i++)
			printf("%s%-20s %12s %8lu  %s\n", pfx,
			       r->extra_name[i],
			       fmt_val(r, r->extra[i], buf, sizeof(buf)),
			       r->iters, c->extra_what[i] ? c->extra_what[i] : "");
	}
}

static void json_entry(FILE *f, bool *first, const char *name,
		       const struct result *r, double v)
{
	static const char *const st[] = { "ok", "n/a", "failed" };
	const char *p;

	fprintf(f, "%s\n    {\"name\": \"%s\", \"status\": \"%s\", ",
		*first ? "" : ",", name, st[r->status]);
	if (r->status == ST_OK)
		fprintf(f, "\"ticks_per_op\": %.1f, ", v);
	else
		fprintf(f, "\"ticks_per_op\": null, ");
	fprintf(f, "\"iters\": %lu, \"note\": \"", r->iters);
	for (p = r->note; *p; p++)
		if (*p != '"' && *p != '\\' && (unsigned char)*p >= ' ')
			fputc(*p, f);
	fprintf(f, "\"}");
	*first = false;
}

static int write_json(const char *path, const char *dev)
{
	const struct bench_case *c;
	bool first = true;
	FILE *f = fopen(path, "w");
	int i;

	if (!f) {
		perror(path);
		return -1;
	}
	fprintf(f, "{\n  \"device\": \"%s\",\n  \"unit\": \"tsc_ticks\",\n"
		"  \"cases\": [", dev);
	for (c = cases; c < cases + NR_CASES; c++) {
		if (!c->selected)
			continue;
		json_entry(f, &first, c->name, &c->res, c->res.per_op);
		for (i = 0; i < MAX_EXTRA && c->res.extra_name[i]; i++)
			json_entry(f, &first, c->res.extra_name[i], &c->res,
				   c->res.extra[i]);
	}
	fprintf(f, "\n  ]\n}\n");
	return fclose(f);
}

enum {
	OPT_LINUX_KERNEL = 0x100,
	OPT_LINUX_INITRD,
	OPT_LINUX_MEM,
	OPT_LINUX_CMDLINE,
	OPT_LHV_RUN,
};

static void usage(FILE *f)
{
	const struct bench_case *c;

	fprintf(f,
"usage: lhv-bench [--dev PATH] [--case NAME]... [--iters N] [--smoke]\n"
"                 [--json FILE] [--ktap] [--linux-kernel FILE\n"
"                 --linux-initrd FILE [--linux-mem SIZE]\n"
"                 [--linux-cmdline STR] [--lhv-run PATH]]\n"
"Measures hypervisor operations through the KVM API in TSC ticks per\n"
"operation (instructions inside a QEMU -icount lab host).\n"
"  --dev PATH    device (default: $LHV_DEV, else /dev/lhv)\n"
"  --case NAME   run only this case (repeatable; default: all)\n"
"  --iters N     iterations for every selected case (default: per case)\n"
"  --smoke       few iterations: a quick check that every case runs\n"
"  --json FILE   also write the results as JSON\n"
"  --ktap        KTAP output: a result per case (n/a is SKIP); the case\n"
"                lines and the table become '# ' comments\n"
"  --linux-kernel FILE, --linux-initrd FILE   the guest of linux_boot\n"
"                (without them linux_boot is n/a); it must print a line\n"
"                '" LINUX_OK_LINE "' at the end of its init\n"
"  --linux-mem SIZE      its RAM (default 128M)\n"
"  --linux-cmdline STR   its command line (default: lab/guest/tests/lhv_run's)\n"
"  --lhv-run PATH        the launcher (default: lhv-run in $PATH)\n"
"Output: 'case <name> <ticks-per-op|n/a|FAILED> <iters>' per result, then\n"
"a table.  Exit status 0 when every implemented case ran.\n"
"Cases:\n");
	for (c = cases; c < cases + NR_CASES; c++)
		fprintf(f, "  %-14s %s\n", c->name, c->what);
}

static struct bench_case *find_case(const char *name)
{
	struct bench_case *c;

	for (c = cases; c < cases + NR_CASES; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int setup(const char *dev)
{
	int ret;

	sys_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (sys_fd < 0) {
		fprintf(stderr, "lhv-bench: %s: %s\n", dev, strerror(errno));
		return -1;
	}
	ret = ioctl(sys_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		fprintf(stderr, "lhv-bench: %s: API version %d, want %d\n",
			dev, ret, KVM_API_VERSION);
		return -1;
	}
	ret = ioctl(sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret <= 0) {
		fprintf(stderr, "lhv-bench: KVM_GET_VCPU_MMAP_SIZE: %s\n",
			strerror(errno));
		return -1;
	}
	run_size = ret;
	guest_mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	churn_mem = mmap(NULL, CHURN_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (guest_mem == MAP_FAILED || churn_mem == MAP_FAILED) {
		perror("lhv-bench: mmap");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "dev", required_argument, NULL, 'd' },
		{ "case", required_argument, NULL, 'c' },
		{ "iters", required_argument, NULL, 'n' },
		{ "smoke", no_argument, NULL, 's' },
		{ "json", required_argument, NULL, 'j' },
		{ "ktap", no_argument, NULL, 'k' },
		{ "linux-kernel", required_argument, NULL, OPT_LINUX_KERNEL },
		{ "linux-initrd", required_argument, NULL, OPT_LINUX_INITRD },
		{ "linux-mem", required_argument, NULL, OPT_LINUX_MEM },
		{ "linux-cmdline", required_argument, NULL, OPT_LINUX_CMDLINE },
		{ "lhv-run", required_argument, NULL, OPT_LHV_RUN },
		{ }
	};
	const char *dev = getenv("LHV_DEV");
	const char *json = NULL;
	unsigned long iters = 0;
	bool smoke = false, any = false, failed = false;
	struct bench_case *c;
	struct sigaction sa;
	int opt, anchor, nr = 0;

	if (!dev || !*dev)
		dev = "/dev/lhv";
	while ((opt = getopt_long(argc, argv, "hd:c:n:sj:k", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'd':
			dev = optarg;
			break;
		case 'c':
			c = find_case(optarg);
			if (!c) {
				fprintf(stderr, "lhv-bench: no case '%s'\n",
					optarg);
				usage(stderr);
				return 2;
			}
			c->selected = any = true;
			break;
		case 'n':
			iters = strtoul(optarg, NULL, 0);
			if (!iters) {
				fprintf(stderr, "lhv-bench: bad --iters\n");
				return 2;
			}
			break;
		case 's':
			smoke = true;
			break;
		case 'j':
			json = optarg;
			break;
		case 'k':
			ktap = true;
			break;
		case OPT_LINUX_KERNEL:
			linux_kernel = optarg;
			break;
		case OPT_LINUX_INITRD:
			linux_initrd = optarg;
			break;
		case OPT_LINUX_MEM:
			linux_mem = optarg;
			break;
		case OPT_LINUX_CMDLINE:
			linux_cmdline = optarg;
			break;
		case OPT_LHV_RUN:
			linux_run = optarg;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	bench_dev = dev;
	if (!any)
		for (c = cases; c < cases + NR_CASES; c++)
			c->selected = true;
	if (setup(dev))
		return 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: KVM_RUN gets EINTR */
	sigaction(SIGALRM, &sa, NULL);

	/*
	 * Keep one VM open throughout, so that vm_lifecycle measures a VM's
	 * own cost and not enabling virtualization on the CPUs, which KVM
	 * does when its first VM appears and undoes when the last one goes.
	 */
	anchor = ioctl(sys_fd, KVM_CREATE_VM, 0);
	if (anchor < 0)
		fprintf(stderr, "lhv-bench: anchor KVM_CREATE_VM: %s\n",
			strerror(errno));

	if (ktap) {
		for (c = cases; c < cases + NR_CASES; c++)
			nr += c->selected;
		printf("KTAP version 1\n1..%d\n", nr);
		nr = 0;
	}
	printf("# lhv-bench %s: case <name> <ticks-per-op> <iters>\n", dev);
	for (c = cases; c < cases + NR_CASES; c++) {
		if (!c->selected)
			continue;
		nr++;
		c->res.iters = iters ? iters : smoke ? c->smoke : c->iters;
		timed_out = 0;
		alarm(CASE_TIMEOUT_S);
		c->res.status = c->fn(c, c->res.iters, &c->res);
		alarm(0);
		failed |= c->res.status == ST_FAIL;
		print_case(c, nr);
	}
	print_table(dev);
	if (json && write_json(json, dev))
		failed = true;
	if (anchor >= 0)
		close(anchor);
	return failed ? 1 : 0;
}
