// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/lifetime.c - file descriptors own the objects: closing fds
 * while a vCPU runs, closing them in odd orders, creating and destroying
 * 100 VMs without leaking fds or kernel memory, and (on /dev/lhv) the
 * module refusing to unload while a VM exists.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvm_util.h"

#define CODE_GPA	0x1000
#define COUNTER_GPA	0x2000

static const u8 rm_out_hlt[] = {
	0xb0, 0x42,		/* mov al, 0x42 */
	0xe6, 0x10,		/* out 0x10, al */
	0xf4,			/* hlt */
};

static const u8 rm_count[] = {
	0x66, 0x83, 0x06, 0x00, 0x20, 0x01,	/* addl $1, (0x2000) */
	0xeb, 0xf8,				/* jmp back */
};

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

static void on_signal(int sig)
{
}

static void install_handler(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

/* The canonical guest, start to end, on a VM of its own. */
static void run_canonical(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_realmode(1 * MiB, &vcpu, CODE_GPA);

	vm_write(vm, CODE_GPA, rm_out_hlt, sizeof(rm_out_hlt));
	vcpu_run(vcpu);
	assert_io_exit(vcpu, 0x10, 1, KVM_EXIT_IO_OUT, 1);
	TEST_ASSERT_EQ(*(u8 *)vcpu_io_data(vcpu), 0x42);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	vm_free(vm);
}

struct runner {
	struct kvm_vcpu *vcpu;
	volatile bool done;
	int ret, err;
};

static void *run_thread(void *arg)
{
	struct runner *r = arg;

	r->ret = __vcpu_run(r->vcpu);
	r->err = errno;
	r->done = true;
	return NULL;
}

static void close_while_running(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_realmode(64 * KiB, &vcpu, CODE_GPA);
	volatile u32 *count = addr_gpa2hva(vm, COUNTER_GPA);
	struct runner r = { .vcpu = vcpu };
	struct kvm_run *run = vcpu->run;
	pthread_t t;
	int i;

	vm_write(vm, CODE_GPA, rm_count, sizeof(rm_count));
	set_if(vcpu);
	install_handler();
	TEST_ASSERT(pthread_create(&t, NULL, run_thread, &r) == 0,
		    "pthread_create");
	for (i = 0; i < 1000 && !*count; i++)
		usleep(10 * 1000);
	TEST_ASSERT(*count, "the guest never started");

	/* Every fd goes while the vCPU is inside KVM_RUN. */
	TEST_ASSERT_EQ(close(vcpu->fd), 0);
	TEST_ASSERT_EQ(close(vm->fd), 0);
	TEST_ASSERT_EQ(close(vm->kvm_fd), 0);
	TEST_ASSERT(!r.done, "KVM_RUN returned on close: %d %s", r.ret,
		    strerrorname(r.err));
	/* The guest is still going. */
	i = *count;
	usleep(50 * 1000);
	TEST_ASSERT(*count != (u32)i, "the guest stopped when its fds closed");

	for (i = 0; i < 500 && !r.done; i++) {
		pthread_kill(t, SIGUSR1);
		usleep(10 * 1000);
	}
	TEST_ASSERT(r.done, "KVM_RUN did not return on a signal");
	pthread_join(t, NULL);
	TEST_ASSERT_EQ(r.ret, -1);
	TEST_ASSERT_EQ(r.err, EINTR);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_INTR);
	/* The run page outlived the fd; now let it go too. */
	TEST_ASSERT_EQ(run->exit_reason, KVM_EXIT_INTR);
	TEST_ASSERT_EQ(munmap(run, vcpu->run_size), 0);

	run_canonical();
}

/* The vCPU fd alone keeps the VM (and its memory) alive. */
static void vm_fd_closed_first(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_realmode(64 * KiB, &vcpu, CODE_GPA);
	struct kvm_regs regs;

	vm_write(vm, CODE_GPA, rm_out_hlt, sizeof(rm_out_hlt));
	TEST_ASSERT_EQ(close(vm->fd), 0);
	TEST_ASSERT_EQ(close(vm->kvm_fd), 0);
	vm->fd = -1;
	vm->kvm_fd = -1;

	vcpu_run(vcpu);
	assert_io_exit(vcpu, 0x10, 1, KVM_EXIT_IO_OUT, 1);
	TEST_ASSERT_EQ(*(u8 *)vcpu_io_data(vcpu), 0x42);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rip, CODE_GPA + sizeof(rm_out_hlt));
	vcpu_free(vcpu);
}

/* Closing the vCPU first leaves a working VM; its run page stays mapped. */
static void vcpu_fd_closed_first(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_realmode(64 * KiB, &vcpu, CODE_GPA);
	struct kvm_run *run = vcpu->run;
	struct kvm_vcpu *second;
	size_t size = vcpu->run_size;

	vm_write(vm, CODE_GPA, rm_out_hlt, sizeof(rm_out_hlt));
	vcpu_run(vcpu);
	TEST_ASSERT_EQ(close(vcpu->fd), 0);
	/* Still mapped: the last exit can be read after the close. */
	TEST_ASSERT_EQ(run->exit_reason, KVM_EXIT_IO);
	TEST_ASSERT_EQ(munmap(run, size), 0);
	free(vcpu);
	vm->vcpu = NULL;

	/* A new vCPU in the same VM runs the same memory. */
	second = vm_vcpu_add(vm, 1);
	vcpu_set_realmode(second, CODE_GPA);
	vcpu_run(second);
	assert_io_exit(second, 0x10, 1, KVM_EXIT_IO_OUT, 1);
	vm_free(vm);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	TEST_ASSERT(d, "opendir /proc/self/fd: %s", strerror(errno));
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* A /proc/meminfo field in KiB. */
static long kib_of(const char *field)
{
	char line[256];
	size_t len = strlen(field);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	TEST_ASSERT(f, "/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	TEST_ASSERT(v >= 0, "no %s in /proc/meminfo", field);
	return v;
}

static void hundred_vms(void)
{
	long avail0, avail1, slab0, slab1;
	int fds0, fds1, i;

	/* Warm up: first-use allocations are not leaks. */
	for (i = 0; i < 5; i++)
		run_canonical();
	sleep(1);
	fds0 = count_fds();
	avail0 = kib_of("MemAvailable");
	slab0 = kib_of("Slab");

	for (i = 0; i < 100; i++)
		run_canonical();
	sleep(1);
	fds1 = count_fds();
	avail1 = kib_of("MemAvailable");
	slab1 = kib_of("Slab");

	ktap_print("fds %d -> %d, MemAvailable %ld -> %ld KiB, Slab %ld -> %ld KiB",
		   fds0, fds1, avail0, avail1, slab0, slab1);
	TEST_ASSERT_EQ(fds1, fds0);
	TEST_ASSERT(slab1 - slab0 < 2048, "Slab grew by %ld KiB",
		    slab1 - slab0);
	TEST_ASSERT(avail0 - avail1 < 4096, "MemAvailable fell by %ld KiB",
		    avail0 - avail1);
}

/* Only lhv: a VM keeps the module in; /dev/lhv works on afterwards. */
static void unload_refused(void)
{
	struct kvm_vm *vm;
	int r;

	if (!kvm_dev_is_lhv())
		TEST_SKIP("module unload is only tested on /dev/lhv");
	vm = vm_create(64 * KiB);
	/* Only the VM fd holds the module now. */
	close(vm->kvm_fd);
	vm->kvm_fd = open("/dev/null", O_RDONLY);
	r = syscall(SYS_delete_module, "lhv", O_NONBLOCK);
	if (r < 0 && errno == EPERM)
		TEST_SKIP("delete_module needs CAP_SYS_MODULE");
	TEST_ASSERT(r == -1 && (errno == EBUSY || errno == EAGAIN),
		    "delete_module(lhv) with a VM open: %d %s", r,
		    strerrorname(errno));
	run_canonical();
	vm_free(vm);
	run_canonical();
}

static const struct test_case tests[] = {
	TEST_CASE(close_while_running),
	TEST_CASE(vm_fd_closed_first),
	TEST_CASE(vcpu_fd_closed_first),
	TEST_CASE_T(hundred_vms, 600),
	TEST_CASE(unload_refused),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
