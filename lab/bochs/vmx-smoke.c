// SPDX-License-Identifier: GPL-2.0
/*
 * lab/bochs/vmx-smoke.c - the smallest useful KVM-API client, for the
 * Bochs VMX lab: a real-mode guest runs "mov al,0x42; out 0x10,al; hlt"
 * and we check for KVM_EXIT_IO (port 0x10, one byte, 0x42) then
 * KVM_EXIT_HLT; then a guest looping on "out 0x11,al" measures the cost
 * of one exit-to-userspace round trip in TSC ticks (Bochs' TSC counts
 * instructions, so this is an instruction count there).
 *
 * Talks to $LHV_DEV (default /dev/kvm): the same binary runs on kvm-intel
 * and on /dev/lhv.  Prints KTAP; exit 0 pass, 1 fail, 4 skip (no device).
 * Built static by lab/vmx.sh so the lab image needs no libc.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM_SIZE	0x10000
#define CODE_HLT	0x1000
#define CODE_LOOP	0x1100
#define LOOPS		1000

static const uint8_t guest_hlt[] = {
	0xb0, 0x42,		/* mov al, 0x42 */
	0xe6, 0x10,		/* out 0x10, al */
	0xf4,			/* hlt */
};

static const uint8_t guest_loop[] = {
	0xe6, 0x11,		/* 1: out 0x11, al */
	0xeb, 0xfc,		/* jmp 1b */
};

struct vm {
	int sys, vm, vcpu;
	struct kvm_run *run;
	uint8_t *mem;
};

static int ntest, nfail;

static void result(int ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++ntest, what);
	nfail += !ok;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static int vm_create(struct vm *v, const char *dev)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
	};
	int mmap_size;

	v->sys = open(dev, O_RDWR | O_CLOEXEC);
	if (v->sys < 0) {
		printf("# open %s: %s\n", dev, strerror(errno));
		return -1;
	}
	if (ioctl(v->sys, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		printf("# %s: KVM_GET_API_VERSION is not %d\n", dev,
		       KVM_API_VERSION);
		return -1;
	}
	v->vm = ioctl(v->sys, KVM_CREATE_VM, 0);
	if (v->vm < 0) {
		printf("# KVM_CREATE_VM: %s\n", strerror(errno));
		return -1;
	}
	v->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (v->mem == MAP_FAILED)
		return -1;
	region.userspace_addr = (uintptr_t)v->mem;
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		printf("# KVM_SET_USER_MEMORY_REGION: %s\n", strerror(errno));
		return -1;
	}
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0) {
		printf("# KVM_CREATE_VCPU: %s\n", strerror(errno));
		return -1;
	}
	mmap_size = ioctl(v->sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(*v->run))
		return -1;
	v->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->vcpu, 0);
	return v->run == MAP_FAILED ? -1 : 0;
}

/* Real mode, CS:IP = 0:rip, everything else flat at 0. */
static int vcpu_reset_to(struct vm *v, uint64_t rip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(v->vcpu, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(v->vcpu, KVM_SET_SREGS, &sregs) < 0)
		return -1;
	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rflags = 2;
	return ioctl(v->vcpu, KVM_SET_REGS, &regs);
}

static const char *exit_name(uint32_t r)
{
	switch (r) {
	case KVM_EXIT_IO: return "KVM_EXIT_IO";
	case KVM_EXIT_HLT: return "KVM_EXIT_HLT";
	case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
	case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN";
	case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
	default: return "other";
	}
}

static int run_once(struct vm *v)
{
	if (ioctl(v->vcpu, KVM_RUN, 0) < 0) {
		printf("# KVM_RUN: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int check_io(struct vm *v)
{
	struct kvm_run *r = v->run;
	uint8_t val;

	if (run_once(v))
		return 0;
	if (r->exit_reason != KVM_EXIT_IO) {
		printf("# exit %u (%s), wanted KVM_EXIT_IO\n", r->exit_reason,
		       exit_name(r->exit_reason));
		if (r->exit_reason == KVM_EXIT_FAIL_ENTRY)
			printf("# hardware_entry_failure_reason %#llx\n",
			       (unsigned long long)
			       r->fail_entry.hardware_entry_failure_reason);
		return 0;
	}
	val = *((uint8_t *)r + r->io.data_offset);
	printf("# io: dir %u size %u port %#x count %u value %#x\n",
	       r->io.direction, r->io.size, r->io.port, r->io.count, val);
	return r->io.direction == KVM_EXIT_IO_OUT && r->io.size == 1 &&
	       r->io.port == 0x10 && r->io.count == 1 && val == 0x42;
}

static int check_hlt(struct vm *v)
{
	struct kvm_regs regs;

	if (run_once(v))
		return 0;
	if (v->run->exit_reason != KVM_EXIT_HLT) {
		printf("# exit %u (%s), wanted KVM_EXIT_HLT\n",
		       v->run->exit_reason, exit_name(v->run->exit_reason));
		return 0;
	}
	if (ioctl(v->vcpu, KVM_GET_REGS, &regs) < 0)
		return 0;
	printf("# hlt: rip %#llx\n", (unsigned long long)regs.rip);
	return regs.rip == CODE_HLT + sizeof(guest_hlt);
}

static int measure_loop(struct vm *v)
{
	uint64_t t0, t1;
	int i;

	if (vcpu_reset_to(v, CODE_LOOP) < 0)
		return 0;
	if (run_once(v) || v->run->exit_reason != KVM_EXIT_IO)
		return 0;
	t0 = rdtsc();
	for (i = 0; i < LOOPS; i++) {
		if (run_once(v) || v->run->exit_reason != KVM_EXIT_IO ||
		    v->run->io.port != 0x11)
			return 0;
	}
	t1 = rdtsc();
	printf("# out round trip: %llu TSC ticks per exit (%d exits)\n",
	       (unsigned long long)(t1 - t0) / LOOPS, LOOPS);
	return 1;
}

int main(void)
{
	const char *dev = getenv("LHV_DEV");
	struct vm v;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!dev)
		dev = "/dev/kvm";
	printf("KTAP version 1\n");
	printf("# TSC at start: %llu\n", (unsigned long long)rdtsc());
	if (access(dev, F_OK) != 0) {
		printf("1..0 # SKIP %s does not exist\n", dev);
		return 4;
	}
	printf("1..4\n");
	if (vm_create(&v, dev) < 0) {
		result(0, "create VM and vCPU");
		return 1;
	}
	result(1, "create VM and vCPU");
	memcpy(v.mem + CODE_HLT, guest_hlt, sizeof(guest_hlt));
	memcpy(v.mem + CODE_LOOP, guest_loop, sizeof(guest_loop));
	if (vcpu_reset_to(&v, CODE_HLT) < 0) {
		printf("# setting registers: %s\n", strerror(errno));
		return 1;
	}
	result(check_io(&v), "real-mode out 0x10 gives KVM_EXIT_IO 0x42");
	result(check_hlt(&v), "hlt gives KVM_EXIT_HLT");
	result(measure_loop(&v), "out round trips to userspace");
	return nfail ? 1 : 0;
}
