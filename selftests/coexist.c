// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/coexist.c - lhv and KVM share one piece of hardware (EFER.SVME
 * or CR4.VMXE/VMXON), so whoever has it first keeps it: loading lhv while
 * a KVM VM runs fails with EBUSY, KVM_CREATE_VM on /dev/kvm fails with
 * EBUSY while lhv is loaded, and each works again once the other is gone.
 * Runs on the kvm target (KVM loaded, lhv not); the lab puts lhv.ko at
 * /lhv.ko (LHV_KO overrides).  The lab checks dmesg for warnings after.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
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

static void kvm_refused_while_lhv_loaded(void)
{
	int kvm, r, err;

	require_kvm_target();
	TEST_ASSERT_EQ(load_lhv(), 0);
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	TEST_ASSERT(kvm >= 0, "open /dev/kvm: %s", strerrorname(errno));
	r = ioctl(kvm, KVM_CREATE_VM, 0);
	err = errno;
	if (r >= 0)
		close(r);
	close(kvm);
	unload_lhv();
	errno = err;
	TEST_ASSERT_ERRNO(r, EBUSY);
	/* With lhv gone, KVM works again. */
	vm_free(kvm_vm_running());
}

static const struct test_case tests[] = {
	TEST_CASE(lhv_refused_while_kvm_runs),
	TEST_CASE(kvm_refused_while_lhv_loaded),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
