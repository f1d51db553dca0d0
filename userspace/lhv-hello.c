// SPDX-License-Identifier: GPL-2.0
/*
 * lhv-hello.c - the smallest useful KVM-API client: one VM, one vCPU,
 * 64 KiB of guest memory at GPA 0 and a real-mode guest at 0x1000 that
 * prints a greeting byte by byte through port 0x3f8, then halts.
 *
 * It knows nothing about lhv beyond the device name: the same binary runs
 * on /dev/kvm.  Exit status 0 after KVM_EXIT_HLT, 1 on any other exit or
 * error, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/lhv.h>

#include "kvm-stats.h"

#define MEM_SIZE	0x10000
#define CODE_GPA	0x1000
#define MSG_OFF		0x10		/* message, right after the code */
#define COM1		0x3f8

/*
 * Real mode, CS = DS = 0:
 *	   mov si, CODE_GPA + MSG_OFF
 *	   mov dx, COM1
 *	   cld
 *	1: lodsb
 *	   test al, al
 *	   jz 2f
 *	   out dx, al
 *	   jmp 1b
 *	2: hlt
 */
static const unsigned char guest_code[] = {
	0xbe, (CODE_GPA + MSG_OFF) & 0xff, (CODE_GPA + MSG_OFF) >> 8,
	0xba, COM1 & 0xff, COM1 >> 8,
	0xfc,
	0xac,
	0x84, 0xc0,
	0x74, 0x03,
	0xee,
	0xeb, 0xf8,
	0xf4,
};
static const char guest_msg[] = "Hello from a guest under lhv\n";

static const char *exit_name(__u32 reason)
{
	switch (reason) {
	case KVM_EXIT_UNKNOWN:		return "KVM_EXIT_UNKNOWN";
	case KVM_EXIT_EXCEPTION:	return "KVM_EXIT_EXCEPTION";
	case KVM_EXIT_IO:		return "KVM_EXIT_IO";
	case KVM_EXIT_HLT:		return "KVM_EXIT_HLT";
	case KVM_EXIT_MMIO:		return "KVM_EXIT_MMIO";
	case KVM_EXIT_SHUTDOWN:		return "KVM_EXIT_SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY:	return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_INTR:		return "KVM_EXIT_INTR";
	case KVM_EXIT_INTERNAL_ERROR:	return "KVM_EXIT_INTERNAL_ERROR";
	default:			return "?";
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lhv-hello [--dev PATH] [--stats]\n"
		"Run a tiny real-mode guest that prints a greeting through port\n"
		"0x3f8 and halts, using only the KVM API.\n"
		"  --dev PATH  device to use (default: $LHV_DEV, else /dev/lhv;\n"
		"              /dev/kvm works too)\n"
		"  --stats     print the vCPU's non-zero counters afterwards\n"
		"              (KVM_GET_STATS_FD: lhv's and KVM's alike)\n"
		"Exit status: 0 when the guest halted, 1 otherwise.\n");
}

static int xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	int r = ioctl(fd, req, arg);

	if (r < 0)
		fprintf(stderr, "lhv-hello: %s: %s\n", what, strerror(errno));
	return r;
}

static int print_stat(const char *name, __u64 value, __u32 flags,
		      void *arg)
{
	if (value)
		fprintf(stderr, "  %-20s %llu\n", name,
			(unsigned long long)value);
	return 0;
}

static void print_stats(int vcpu)
{
	int fd = kvm_stats_open(vcpu);

	if (fd < 0 || kvm_stats_each(fd, print_stat, NULL) < 0)
		fprintf(stderr, "lhv-hello: no counters here (%s)\n",
			strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Real mode at CODE_GPA: every segment based at 0. */
static int setup_regs(int vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_segment *segs[] = {
		&sregs.cs, &sregs.ds, &sregs.es, &sregs.fs, &sregs.gs, &sregs.ss,
	};
	unsigned int i;

	if (xioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS") < 0)
		return -1;
	for (i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		segs[i]->base = 0;
		segs[i]->selector = 0;
	}
	if (xioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS") < 0)
		return -1;

	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
	regs.rsp = 0x8000;
	regs.rflags = 0x2;
	return xioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");
}

static int run(int vcpu, struct kvm_run *r)
{
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, NULL) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "lhv-hello: KVM_RUN: %s\n",
				strerror(errno));
			return 1;
		}
		switch (r->exit_reason) {
		case KVM_EXIT_IO:
			if (r->io.port == COM1 &&
			    r->io.direction == KVM_EXIT_IO_OUT &&
			    r->io.size == 1) {
				fwrite((char *)r + r->io.data_offset, 1,
				       r->io.count, stdout);
				fflush(stdout);
				continue;
			}
			fprintf(stderr,
				"lhv-hello: unexpected KVM_EXIT_IO: port 0x%x %s size %u count %u\n",
				r->io.port,
				r->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
				r->io.size, r->io.count);
			return 1;
		case KVM_EXIT_HLT:
			return 0;
		case KVM_EXIT_FAIL_ENTRY:
			fprintf(stderr,
				"lhv-hello: KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx\n",
				(unsigned long long)
				r->fail_entry.hardware_entry_failure_reason);
			return 1;
		case KVM_EXIT_INTERNAL_ERROR:
			fprintf(stderr,
				"lhv-hello: KVM_EXIT_INTERNAL_ERROR, suberror %u\n",
				r->internal.suberror);
			return 1;
		default:
			fprintf(stderr, "lhv-hello: unexpected exit %u (%s)\n",
				r->exit_reason, exit_name(r->exit_reason));
			return 1;
		}
	}
}

int main(int argc, char **argv)
{
	const char *dev = getenv("LHV_DEV");
	struct kvm_userspace_memory_region region;
	struct kvm_run *r;
	int kvm, vm, vcpu, mmap_size, i, stats = 0, ret;
	void *mem;

	if (!dev || !*dev)
		dev = "/dev/" LHV_DEVICE_NAME;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--dev") && i + 1 < argc) {
			dev = argv[++i];
		} else if (!strcmp(argv[i], "--stats")) {
			stats = 1;
		} else {
			usage(stderr);
			return 2;
		}
	}

	kvm = open(dev, O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		fprintf(stderr, "lhv-hello: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	ret = ioctl(kvm, KVM_GET_API_VERSION, NULL);
	if (ret != KVM_API_VERSION) {
		fprintf(stderr, "lhv-hello: %s: API version %d, want %d\n",
			dev, ret, KVM_API_VERSION);
		return 1;
	}
	vm = xioctl(kvm, KVM_CREATE_VM, (void *)0, "KVM_CREATE_VM");
	if (vm < 0)
		return 1;

	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		perror("lhv-hello: mmap guest memory");
		return 1;
	}
	memcpy((char *)mem + CODE_GPA, guest_code, sizeof(guest_code));
	memcpy((char *)mem + CODE_GPA + MSG_OFF, guest_msg, sizeof(guest_msg));

	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = MEM_SIZE;
	region.userspace_addr = (unsigned long)mem;
	if (xioctl(vm, KVM_SET_USER_MEMORY_REGION, &region,
		   "KVM_SET_USER_MEMORY_REGION") < 0)
		return 1;

	vcpu = xioctl(vm, KVM_CREATE_VCPU, (void *)0, "KVM_CREATE_VCPU");
	if (vcpu < 0)
		return 1;
	mmap_size = xioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL,
			   "KVM_GET_VCPU_MMAP_SIZE");
	if (mmap_size < (int)sizeof(*r)) {
		fprintf(stderr, "lhv-hello: vCPU mmap size %d too small\n",
			mmap_size);
		return 1;
	}
	r = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (r == MAP_FAILED) {
		perror("lhv-hello: mmap kvm_run");
		return 1;
	}
	if (setup_regs(vcpu) < 0)
		return 1;

	ret = run(vcpu, r);
	if (stats)
		print_stats(vcpu);
	munmap(r, mmap_size);
	close(vcpu);
	close(vm);
	munmap(mem, MEM_SIZE);
	close(kvm);
	return ret;
}
