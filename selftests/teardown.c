// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/teardown.c - a guest as big as the lab host allows has every
 * page of its memory mapped, then loses half of it by a slot deletion and
 * the rest when the VM is destroyed: both take the unpin loops through
 * every page.  Those loops must give the CPU back as they go (a guest of
 * hundreds of GiB is millions of pages: without cond_resched the kernel
 * reports a soft lockup).  The lockup itself needs far more memory than
 * the lab hosts have (512 MiB to 1 GiB), so what this test can show there
 * is that the paths run to the end with every page accounted for: the
 * lab's dmesg check fails the run on any WARNING (lhv warns when pages
 * stay pinned at teardown), BUG or soft lockup.  It also prints how long
 * each teardown took and the longest stretch another thread on the same
 * CPU went without running meanwhile, for information only.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "processor.h"

#define SLOT_A		1
#define SLOT_B		2
#define GPA_A		(1 * GiB)
#define GPA_B		(2 * GiB)
#define MAX_HALF	(128 * MiB)

/* --- guest code: write each page's own address into it --- */

static void guest_touch(u64 half, u64 unused)
{
	u64 a;

	for (a = 0; a < half; a += PAGE_SIZE) {
		*(volatile u64 *)(GPA_A + a) = GPA_A + a;
		*(volatile u64 *)(GPA_B + a) = GPA_B + a;
	}
	GUEST_DONE();
}

/* --- host side --- */

static u64 now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

/* Half of what the host has free, per slot a quarter, at most 128 MiB. */
static u64 half_size(void)
{
	unsigned long long kb = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");
	u64 half;

	TEST_ASSERT(f, "/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	half = (kb * KiB / 4) & ~(2 * MiB - 1);
	if (half > MAX_HALF)
		half = MAX_HALF;
	TEST_REQUIRE(half >= 16 * MiB);
	return half;
}

/* A thread that notes the longest gap between two of its own runs. */
struct watcher {
	pthread_t thread;
	volatile bool stop;
	u64 max_gap_us;
};

static void *watch(void *arg)
{
	struct watcher *w = arg;
	u64 last = now_us(), t;

	while (!w->stop) {
		t = now_us();
		if (t - last > w->max_gap_us)
			w->max_gap_us = t - last;
		last = t;
	}
	return NULL;
}

static void watch_start(struct watcher *w)
{
	w->stop = false;
	w->max_gap_us = 0;
	TEST_ASSERT_EQ(pthread_create(&w->thread, NULL, watch, w), 0);
	usleep(20000);	/* let it start */
}

static u64 watch_stop(struct watcher *w)
{
	w->stop = true;
	pthread_join(w->thread, NULL);
	return w->max_gap_us;
}

static void check_pages(const u64 *p, u64 gpa, u64 size)
{
	u64 off;

	for (off = 0; off < size; off += PAGE_SIZE)
		if (p[off / 8] != gpa + off)
			TEST_FAIL("GPA 0x%llx: 0x%llx",
				  (unsigned long long)(gpa + off),
				  (unsigned long long)p[off / 8]);
}

static void big_guest_teardown(void)
{
	u64 half = half_size(), t0;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_touch, half,
					       0);
	u64 *a = vm_add_anon_slot(vm, SLOT_A, GPA_A, half);
	u64 *b = vm_add_anon_slot(vm, SLOT_B, GPA_B, half);
	struct watcher w;

	ktap_print("guest memory: 2 x %llu MiB, %llu pages",
		   (unsigned long long)(half / MiB),
		   (unsigned long long)(2 * half / PAGE_SIZE));
	t0 = now_us();
	vcpu_run_done(vcpu);
	ktap_print("touching every page: %llu ms",
		   (unsigned long long)(now_us() - t0) / 1000);
	/* Every page reached the host's memory behind its slot. */
	check_pages(a, GPA_A, half);
	check_pages(b, GPA_B, half);

	/* Slot deletion: the zap queues every page, then unpins them. */
	watch_start(&w);
	t0 = now_us();
	vm_delete_slot(vm, SLOT_A);
	ktap_print("deleting slot A: %llu ms, longest gap %llu ms",
		   (unsigned long long)(now_us() - t0) / 1000,
		   (unsigned long long)watch_stop(&w) / 1000);

	/* VM destruction: the table walk unpins what is left. */
	watch_start(&w);
	t0 = now_us();
	vm_free(vm);
	ktap_print("destroying the VM: %llu ms, longest gap %llu ms",
		   (unsigned long long)(now_us() - t0) / 1000,
		   (unsigned long long)watch_stop(&w) / 1000);
}

static const struct test_case tests[] = {
	TEST_CASE_T(big_guest_teardown, 110),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
