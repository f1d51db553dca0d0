// SPDX-License-Identifier: GPL-2.0
/*
 * run.c - the run loop: KVM_RUN, one switch on the exit reason, and
 * interrupt delivery without an in-kernel irqchip.
 *
 * The devices are not named here: the run loop asks the device table
 * (dev.c).  Interrupts: before each KVM_RUN the timers (the PIT) are
 * brought up to date; when the interrupt controller (the PIC) has a
 * request and the vCPU can take it (run->ready_for_interrupt_injection)
 * it is acknowledged and injected with KVM_INTERRUPT, otherwise
 * run->request_interrupt_window asks for an exit as soon as the guest can.
 * A POSIX timer armed at the next timer deadline (the PIT's next edge)
 * interrupts a guest that does not exit by itself (SIGALRM makes KVM_RUN
 * return EINTR; the handler sets run->immediate_exit where the device has
 * it, so that a signal that lands just before KVM_RUN is not lost).
 *
 * HLT with interrupts enabled waits for the next timer deadline or input
 * on a device's fd (the console); HLT with interrupts disabled and
 * nothing pending can never wake: that is how Linux ends `poweroff`
 * without ACPI, and lhv-run takes it as the guest powering off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "kvm-stats.h"
#include "lhv-run.h"

#define RUN_MAX_FDS	8	/* device fds a halted vCPU waits on */

static struct vm *run_vm;
static timer_t run_timer;
static uint64_t run_timer_armed;	/* deadline armed, 0 none */

static struct {
	uint64_t exits, io, mmio, hlt, window, intr, injected;
} run_stats;

static void run_timer_signal(int sig)
{
	if (run_vm && run_vm->has_immediate_exit)
		run_vm->run->immediate_exit = 1;
}

/*
 * SIGINT, SIGTERM, SIGHUP: stop the guest and leave through the normal
 * path (terminal restored, --debug report), status 128 + the signal.
 */
static void run_stop_signal(int sig)
{
	exit__request(128 + sig, sig == SIGINT ? "stopped by SIGINT" :
				 sig == SIGTERM ? "stopped by SIGTERM" :
				 "stopped by SIGHUP");
	if (run_vm && run_vm->has_immediate_exit)
		run_vm->run->immediate_exit = 1;
}

static int run_timer_init(void)
{
	static const int stop[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigevent sev;
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = run_timer_signal;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = run_stop_signal;
	for (i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		sigaction(stop[i], &sa, NULL);

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGALRM;
	if (timer_create(CLOCK_MONOTONIC, &sev, &run_timer) < 0) {
		pr_err("timer_create: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Arm the host timer at the PIT's next edge.  Without immediate_exit a
 * signal can slip in between our check and KVM_RUN: a 10 ms repeat then
 * bounds the delay.
 */
static void run_timer_arm(uint64_t deadline)
{
	struct itimerspec its;

	if (deadline == run_timer_armed)
		return;
	memset(&its, 0, sizeof(its));
	if (deadline) {
		its.it_value.tv_sec = deadline / 1000000000ULL;
		its.it_value.tv_nsec = deadline % 1000000000ULL;
		if (!run_vm->has_immediate_exit)
			its.it_interval.tv_nsec = 10000000;
	}
	timer_settime(run_timer, TIMER_ABSTIME, &its, NULL);
	run_timer_armed = deadline;
}

static int run_inject(struct vm *vm)
{
	struct kvm_run *run = vm->run;
	struct kvm_interrupt irq;

	if (!dev__intr_pending()) {
		run->request_interrupt_window = 0;
		return 0;
	}
	if (!run->ready_for_interrupt_injection || !run->if_flag) {
		run->request_interrupt_window = 1;
		return 0;
	}
	irq.irq = dev__intr_ack();
	if (ioctl(vm->vcpu_fd, KVM_INTERRUPT, &irq) < 0) {
		pr_err("KVM_INTERRUPT (vector %#x): %s", irq.irq,
		       strerror(errno));
		return -1;
	}
	run_stats.injected++;
	run->request_interrupt_window = dev__intr_pending();
	return 0;
}

static void run_io(struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t i;

	for (i = 0; i < run->io.count; i++) {
		io__port(run->io.port, data, run->io.size,
			 run->io.direction == KVM_EXIT_IO_OUT);
		data += run->io.size;
	}
}

/*
 * HLT.  Returns true when the guest has powered off: interrupts disabled
 * and nothing that could wake it.
 */
static bool run_halt(struct vm *vm)
{
	struct pollfd pfd[RUN_MAX_FDS];
	struct timespec ts;
	struct kvm_regs regs;
	uint64_t now, next;
	int fds[RUN_MAX_FDS], i, n;

	if (!vm->run->if_flag) {
		/* Double-check IF in RFLAGS: this ends the VM. */
		if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) == 0 &&
		    (regs.rflags & 0x200))
			return false;
		return true;
	}
	for (;;) {
		now = clock__ns();
		dev__tick(now);
		dev__input();
		if (dev__intr_pending() || exit__requested())
			return false;
		next = dev__next_event();
		n = dev__poll_fds(fds, RUN_MAX_FDS);
		for (i = 0; i < n; i++) {
			pfd[i].fd = fds[i];
			pfd[i].events = POLLIN;
		}
		if (next) {
			next = next > now ? next - now : 0;
			ts.tv_sec = next / 1000000000ULL;
			ts.tv_nsec = next % 1000000000ULL;
		}
		term__flush();
		ppoll(pfd, n, next ? &ts : NULL, NULL);
	}
}

static int run_fail(struct vm *vm, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int run_fail(struct vm *vm, int status, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	term__flush();
	term__restore();
	pr_err("%s; vCPU state:", msg);
	vm__dump_regs(vm);
	return status;
}

static int run_internal_error(struct vm *vm)
{
	struct kvm_run *run = vm->run;
	char data[256] = "";
	uint32_t i, n = run->internal.ndata;
	size_t off = 0;

	if (n > 16)
		n = 16;
	for (i = 0; i < n && off < sizeof(data) - 20; i++)
		off += snprintf(data + off, sizeof(data) - off, " %#llx",
				(unsigned long long)run->internal.data[i]);
	term__flush();
	term__restore();
	pr_err("internal error (KVM_EXIT_INTERNAL_ERROR), suberror %u, data:%s; vCPU state:",
	       run->internal.suberror, n ? data : " none");
	vm__dump_regs(vm);
	return RUN_EXIT_INTERNAL;
}

/* The kernel's own non-zero counters (KVM_GET_STATS_FD), by name. */
struct run_stats_line {
	char text[1024];
	size_t off;
};

static int run_stat_add(const char *name, __u64 value, __u32 flags,
			void *arg)
{
	struct run_stats_line *l = arg;

	if (value && l->off < sizeof(l->text) - 64)
		l->off += snprintf(l->text + l->off, sizeof(l->text) - l->off,
				   " %s %llu", name,
				   (unsigned long long)value);
	return 0;
}

static void run_report_kernel(struct vm *vm)
{
	struct run_stats_line l = { .off = 0 };
	int fd = kvm_stats_open(vm->vcpu_fd);

	if (fd < 0)
		return;		/* no binary stats: nothing more to say */
	if (kvm_stats_each(fd, run_stat_add, &l) == 0)
		fprintf(stderr, "lhv-run: the kernel counted:%s\n",
			l.off ? l.text : " nothing");
	close(fd);
}

static void run_report(struct vm *vm, uint64_t start)
{
	double secs = (clock__ns() - start) / 1e9;

	fprintf(stderr,
		"lhv-run: %.2f s, %llu exits: io %llu, mmio %llu, hlt %llu, irq window %llu, signal %llu; %llu interrupts injected\n",
		secs, (unsigned long long)run_stats.exits,
		(unsigned long long)run_stats.io,
		(unsigned long long)run_stats.mmio,
		(unsigned long long)run_stats.hlt,
		(unsigned long long)run_stats.window,
		(unsigned long long)run_stats.intr,
		(unsigned long long)run_stats.injected);
	run_report_kernel(vm);
}

int run__loop(struct vm *vm)
{
	struct kvm_run *run = vm->run;
	uint64_t start = clock__ns();
	int status = -1;

	run_vm = vm;
	if (run_timer_init())
		return RUN_EXIT_ERROR;

	while (status < 0) {
		if (exit__requested()) {
			status = exit__status();
			break;
		}
		dev__tick(clock__ns());
		if (run_inject(vm)) {
			status = RUN_EXIT_INTERNAL;
			break;
		}
		term__flush();
		run_timer_arm(dev__next_event());

		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			run->immediate_exit = 0;
			if (errno == EINTR || errno == EAGAIN) {
				run_stats.intr++;
				dev__input();
				continue;
			}
			status = run_fail(vm, RUN_EXIT_INTERNAL,
					  "KVM_RUN failed: %s",
					  strerror(errno));
			break;
		}
		run_stats.exits++;

		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			run_stats.io++;
			run_io(run);
			break;
		case KVM_EXIT_MMIO:
			run_stats.mmio++;
			io__mmio(run->mmio.phys_addr, run->mmio.data,
				 run->mmio.len, run->mmio.is_write);
			break;
		case KVM_EXIT_HLT:
			run_stats.hlt++;
			if (run_halt(vm))
				exit__request(RUN_EXIT_OK,
						  "power off (HLT with interrupts disabled)");
			break;
		case KVM_EXIT_IRQ_WINDOW_OPEN:
			run_stats.window++;
			break;
		case KVM_EXIT_INTR:
			run_stats.intr++;
			dev__input();
			break;
		case KVM_EXIT_SHUTDOWN:
			status = run_fail(vm, RUN_EXIT_TRIPLE_FAULT,
					  "guest triple fault (KVM_EXIT_SHUTDOWN)");
			break;
		case KVM_EXIT_FAIL_ENTRY:
			status = run_fail(vm, RUN_EXIT_FAIL_ENTRY,
					  "VM entry failed (KVM_EXIT_FAIL_ENTRY), hardware reason %#llx, cpu %u",
					  (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
					  run->fail_entry.cpu);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			status = run_internal_error(vm);
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN ||
			    run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
				exit__request(RUN_EXIT_OK, "system event");
				break;
			}
			status = run_fail(vm, RUN_EXIT_INTERNAL,
					  "system event %u",
					  run->system_event.type);
			break;
		default:
			status = run_fail(vm, RUN_EXIT_INTERNAL,
					  "unexpected exit reason %u",
					  run->exit_reason);
			break;
		}
	}
	term__flush();
	run_timer_arm(0);
	if (log_debug) {
		term__restore();
		if (status == RUN_EXIT_OK || status == RUN_EXIT_USER)
			fprintf(stderr, "lhv-run: guest ended: %s\n",
				exit__why());
		if (status > 128 && status != RUN_EXIT_USER) {
			fprintf(stderr, "lhv-run: guest %s; vCPU state:\n",
				exit__why());
			vm__dump_regs(vm);
		}
		run_report(vm, start);
		io__report();
	}
	return status;
}
