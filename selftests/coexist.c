// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/coexist.c - lhv and KVM share one piece of hardware (EFER.SVME
 * or CR4.VMXE/VMXON), so whoever has it first keeps it: loading lhv while
 * a KVM VM runs fails with EBUSY, KVM_CREATE_VM on /dev/kvm fails with
 * EBUSY while lhv is loaded, and each works again once the other is gone.
 * Those run on the kvm target (KVM loaded, lhv not); the lab puts lhv.ko
 * at /lhv.ko (LHV_KO overrides).  On the lhv target, KVM's modules load
 * and unload while lhv is loaded (from the lab image's /modules, in the
 * order of /modules/order-kvm-{amd,intel}), and KVM_CREATE_VM is refused
 * meanwhile.  The lab checks dmesg for warnings after.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvm_util.h"

static const char *lhv_ko(void)
{
	const char *p = getenv("LHV_KO");

	return p ? p : "/lhv.ko";
}

static int load_lhv(void)
{
	int fd = open(lhv_ko(), O_RDONLY | O_CLOEXEC);
	int r, err;

	TEST_ASSERT(fd >= 0, "open %s: %s", lhv_ko(), strerrorname(errno));
	r = syscall(SYS_finit_module, fd, "", 0);
	err = errno;
	close(fd);
	errno = err;
	return r;
}

static void unload_lhv(void)
{
	TEST_ASSERT_EQ(syscall(SYS_delete_module, "lhv", O_NONBLOCK), 0);
}

static void require_kvm_target(void)
{
	TEST_REQUIRE(!kvm_dev_is_lhv());
	TEST_REQUIRE(access(lhv_ko(), R_OK) == 0);
	TEST_REQUIRE(access("/dev/lhv", F_OK) != 0);	/* lhv not loaded */
}

/* A KVM VM whose vCPU has run: KVM has the hardware enabled. */
static struct kvm_vm *kvm_vm_running(void)
{
	static const u8 code[] = { 0xf4 };	/* hlt */
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_realmode(64 * KiB, &vcpu, 0x1000);

	vm_write(vm, 0x1000, code, sizeof(code));
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	return vm;
}

static void lhv_refused_while_kvm_runs(void)
{
	struct kvm_vm *vm;

	require_kvm_target();
	vm = kvm_vm_running();
	TEST_ASSERT_ERRNO(load_lhv(), EBUSY);
	TEST_ASSERT(access("/dev/lhv", F_OK) != 0, "/dev/lhv appeared");
	/* KVM's VM is unharmed. */
	vm_free(vm);
	vm = kvm_vm_running();
	vm_free(vm);
}

/* KVM_CREATE_VM on /dev/kvm (the VM closed at once); its errno in *err. */
static int kvm_create_vm(int *err)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int r;

	TEST_ASSERT(kvm >= 0, "open /dev/kvm: %s", strerrorname(errno));
	r = ioctl(kvm, KVM_CREATE_VM, 0);
	*err = errno;
	if (r >= 0)
		close(r);
	close(kvm);
	return r;
}

static void kvm_refused_while_lhv_loaded(void)
{
	int r, err;

	require_kvm_target();
	TEST_ASSERT_EQ(load_lhv(), 0);
	r = kvm_create_vm(&err);
	unload_lhv();
	errno = err;
	TEST_ASSERT_ERRNO(r, EBUSY);
	/* With lhv gone, KVM works again. */
	vm_free(kvm_vm_running());
}

/* Is module NAME (dashes or underscores) in /proc/modules? */
static bool module_loaded(const char *name)
{
	char want[64], line[256];
	bool found = false;
	size_t i, n;
	FILE *f;

	snprintf(want, sizeof(want), "%s", name);
	for (i = 0; want[i]; i++)
		if (want[i] == '-')
			want[i] = '_';
	n = strlen(want);
	f = fopen("/proc/modules", "r");
	TEST_ASSERT(f, "/proc/modules: %s", strerrorname(errno));
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, want, n) && line[n] == ' ';
	fclose(f);
	return found;
}

/* The lab image's list of KVM's modules for this CPU, or NULL. */
static const char *kvm_module_order(void)
{
	const char *order = NULL;
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");

	TEST_ASSERT(f, "/proc/cpuinfo: %s", strerrorname(errno));
	while (!order && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		if (strstr(line, " svm"))
			order = "/modules/order-kvm-amd";
		else if (strstr(line, " vmx"))
			order = "/modules/order-kvm-intel";
	}
	fclose(f);
	return order;
}

static void kvm_loads_while_lhv_loaded(void)
{
	const char *order = kvm_module_order();
	char names[8][64], path[96];
	int i, j, n = 0, fd, r, err;
	FILE *f;

	TEST_REQUIRE(kvm_dev_is_lhv());
	TEST_REQUIRE(access("/dev/kvm", F_OK) != 0);	/* KVM not loaded */
	TEST_REQUIRE(order);
	f = fopen(order, "r");
	TEST_REQUIRE(f);
	/* The chain, in dependency order; only what is not loaded yet. */
	while (n < 8 && fscanf(f, "%63s", names[n]) == 1) {
		*strrchr(names[n], '.') = 0;		/* "kvm-amd.ko" */
		if (module_loaded(names[n]))
			continue;
		snprintf(path, sizeof(path), "/modules/%s.ko", names[n]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		TEST_ASSERT(fd >= 0, "open %s: %s", path, strerrorname(errno));
		r = syscall(SYS_finit_module, fd, "", 0);
		err = errno;
		close(fd);
		TEST_ASSERT(r == 0, "insmod %s: %s", path, strerrorname(err));
		n++;
	}
	fclose(f);
	ktap_print("loaded %d modules from %s", n, order);
	TEST_ASSERT(n > 0, "nothing loaded from %s", order);

	r = kvm_create_vm(&err);
	for (i = n - 1; i >= 0; i--) {
		for (j = 0; names[i][j]; j++)
			if (names[i][j] == '-')
				names[i][j] = '_';
		TEST_ASSERT(syscall(SYS_delete_module, names[i], O_NONBLOCK) == 0,
			    "rmmod %s: %s", names[i], strerrorname(errno));
	}
	errno = err;
	TEST_ASSERT_ERRNO(r, EBUSY);
	/* lhv is unharmed. */
	vm_free(kvm_vm_running());
}

/*
 * Both at once, in a loop (issue 12, finding 17): a child creates and
 * closes KVM VMs (KVM enables the hardware on each CPU for the first VM
 * and disables it after the last) while lhv is loaded and unloaded.  Each
 * attempt either works or gets EBUSY, nothing else; afterwards each works
 * alone again.  The race itself needs a second CPU (KVM's enable IPI
 * landing between lhv's check and its enable): on a one-CPU lab host
 * this checks the interleavings preemption allows.
 */
#define RACE_LOADS	40
#define RACE_VMS	400

static void load_race(void)
{
	int loaded = 0, busy = 0, i, r, err, status;
	pid_t pid;

	require_kvm_target();
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerrorname(errno));
	if (pid == 0) {
		int made = 0;

		for (i = 0; i < RACE_VMS; i++) {
			if (kvm_create_vm(&err) >= 0)
				made++;
			else if (err != EBUSY)
				_exit(255);
			usleep(200);
		}
		/* How many KVM got (at most 254), for the log. */
		_exit(made * 254 / RACE_VMS);
	}
	for (i = 0; i < RACE_LOADS; i++) {
		r = load_lhv();
		if (r == 0) {
			loaded++;
			usleep(2000);
			unload_lhv();
		} else {
			TEST_ASSERT(errno == EBUSY, "loading lhv: %s",
				    strerrorname(errno));
			busy++;
		}
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) != 255,
		    "KVM_CREATE_VM failed with an errno other than EBUSY");
	printf("# lhv loaded %d times, refused %d times; KVM got %d%% of its VMs\n",
	       loaded, busy, WEXITSTATUS(status) * 100 / 254);
	TEST_ASSERT_EQ(load_lhv(), 0);
	unload_lhv();
	vm_free(kvm_vm_running());
}

static const struct test_case tests[] = {
	TEST_CASE(lhv_refused_while_kvm_runs),
	TEST_CASE(kvm_refused_while_lhv_loaded),
	TEST_CASE(kvm_loads_while_lhv_loaded),
	TEST_CASE(load_race),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
