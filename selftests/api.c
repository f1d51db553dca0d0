// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/api.c - the device-level KVM API: version, extensions, mmap
 * size, VM and vCPU creation, and the errors for bad requests (the errnos
 * are KVM's, measured on kvm-amd; lhv must give the same).
 */
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_util.h"
#include "kvm-stats.h"

/* An ioctl number in KVM's space that KVM does not define. */
#define KVM_BOGUS_IOCTL	_IO(KVMIO, 0xfe)

static void api_version(void)
{
	int fd = kvm_open_dev();

	TEST_ASSERT_EQ(ioctl(fd, KVM_GET_API_VERSION, 0), KVM_API_VERSION);
	TEST_ASSERT_EQ(KVM_API_VERSION, 12);
	close(fd);
}

static void check_extension(void)
{
	int fd = kvm_open_dev();
	int nr_vcpus, max_vcpus, slots;

	TEST_ASSERT(ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) > 0,
		    "KVM_CAP_USER_MEMORY must be there");
	nr_vcpus = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	max_vcpus = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	slots = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	ktap_print("NR_VCPUS %d MAX_VCPUS %d NR_MEMSLOTS %d", nr_vcpus,
		   max_vcpus, slots);
	TEST_ASSERT(nr_vcpus > 0, "KVM_CAP_NR_VCPUS %d", nr_vcpus);
	TEST_ASSERT(max_vcpus >= nr_vcpus, "KVM_CAP_MAX_VCPUS %d < %d",
		    max_vcpus, nr_vcpus);
	TEST_ASSERT(slots > 0, "KVM_CAP_NR_MEMSLOTS %d", slots);
	/* Unknown extensions are "not there", not an error. */
	TEST_ASSERT_EQ(ioctl(fd, KVM_CHECK_EXTENSION, 0x7fffffffL), 0);
	TEST_ASSERT_EQ(ioctl(fd, KVM_CHECK_EXTENSION, -1L), 0);
	close(fd);
}

/* Where the VM fd answers KVM_CHECK_EXTENSION, it agrees with /dev. */
static void check_extension_vm(void)
{
	struct kvm_vm *vm;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_CHECK_EXTENSION_VM));
	vm = vm_create_barebones();
	TEST_ASSERT(ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) > 0,
		    "VM fd: KVM_CAP_USER_MEMORY");
	TEST_ASSERT_EQ(ioctl(vm->fd, KVM_CHECK_EXTENSION, 0x7fffffffL), 0);
	vm_free(vm);
}

static void vcpu_mmap_size(void)
{
	int fd = kvm_open_dev();
	int size = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	ktap_print("KVM_GET_VCPU_MMAP_SIZE %d", size);
	TEST_ASSERT(size >= 4096, "mmap size %d", size);
	TEST_ASSERT(size % 4096 == 0, "mmap size %d not in pages", size);
	close(fd);
}

static void create_vm_bad_type(void)
{
	int fd = kvm_open_dev();
	int vm;

	TEST_ASSERT_ERRNO(ioctl(fd, KVM_CREATE_VM, 1UL), EINVAL);
	TEST_ASSERT_ERRNO(ioctl(fd, KVM_CREATE_VM, 0xdeadUL), EINVAL);
	/* ... and the device still works afterwards. */
	vm = ioctl(fd, KVM_CREATE_VM, 0UL);
	TEST_ASSERT(vm >= 0, "KVM_CREATE_VM(0): %s", strerrorname(errno));
	close(vm);
	close(fd);
}

/*
 * KVM answers an unknown ioctl with EINVAL on the device and vCPU fds
 * and ENOTTY on the VM fd (kvm_arch_dev_ioctl, kvm_arch_vcpu_ioctl and
 * kvm_arch_vm_ioctl defaults in Linux 6.1); a foreign ioctl type on a
 * vCPU fd is EINVAL before any dispatch.
 */
static void unknown_ioctl(void)
{
	struct kvm_vm *vm = vm_create(64 * KiB);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0);
	char buf[256] = { 0 };

	TEST_ASSERT_ERRNO(ioctl(vm->kvm_fd, KVM_BOGUS_IOCTL, buf), EINVAL);
	TEST_ASSERT_ERRNO(ioctl(vm->fd, KVM_BOGUS_IOCTL, buf), ENOTTY);
	TEST_ASSERT_ERRNO(ioctl(vcpu->fd, KVM_BOGUS_IOCTL, buf), EINVAL);
	TEST_ASSERT_ERRNO(ioctl(vcpu->fd, _IO('T', 0x7f), buf), EINVAL);
	/* vCPU ioctls on the VM fd and the other way round. */
	TEST_ASSERT_ERRNO(ioctl(vm->fd, KVM_RUN, 0), ENOTTY);
	TEST_ASSERT_ERRNO(ioctl(vcpu->fd, KVM_CREATE_VCPU, 1UL), EINVAL);
	/* Nothing broke. */
	TEST_ASSERT_EQ(ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0), 12);
	vm_free(vm);
}

static void create_vcpu(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	int max_id = kvm_check_cap(KVM_CAP_MAX_VCPU_ID);
	int a, b;

	a = ioctl(vm->fd, KVM_CREATE_VCPU, 0UL);
	TEST_ASSERT(a >= 0, "KVM_CREATE_VCPU(0): %s", strerrorname(errno));
	TEST_ASSERT_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, 0UL), EEXIST);
	ktap_print("KVM_CAP_MAX_VCPU_ID %d", max_id);
	if (max_id > 0)
		TEST_ASSERT_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU,
					(unsigned long)max_id), EINVAL);
	TEST_ASSERT_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, 0x7fffffffUL),
			  EINVAL);
	/* A second, distinct id is fine where more than one vCPU is. */
	if (kvm_check_cap(KVM_CAP_MAX_VCPUS) > 1) {
		b = ioctl(vm->fd, KVM_CREATE_VCPU, 1UL);
		TEST_ASSERT(b >= 0, "KVM_CREATE_VCPU(1): %s",
			    strerrorname(errno));
		TEST_ASSERT(b != a, "same fd twice");
		TEST_ASSERT_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, 1UL), EEXIST);
		close(b);
	}
	close(a);
	vm_free(vm);
}

/* kvm_run is mappable at the reported size and starts out sane. */
static void run_mmap(void)
{
	struct kvm_vm *vm = vm_create(64 * KiB);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0);

	TEST_ASSERT_EQ(vcpu->run->immediate_exit, 0);
	/* The whole reported size is backed: touch its last byte. */
	((volatile u8 *)vcpu->run)[vcpu->run_size - 1];
	vm_free(vm);
}

/*
 * KVM_GET_STATS_FD (KVM API 4.133) on a VM and a vCPU: a header whose
 * blocks lie in the file, one descriptor per counter, an "exits" counter
 * that grows with the vCPU's exits (both lhv and KVM have it), nothing
 * past the end, and a file that still reads after the vCPU's fd is gone.
 */
static int count_stat(const char *name, __u64 value, __u32 flags, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void binary_stats(void)
{
	static const u8 code[] = { 0xe6, 0x10, 0xf4 };	/* out 0x10; hlt */
	struct kvm_stats_header h;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	__u64 before, after;
	int fd, vmfd, n = 0;
	char c;

	TEST_REQUIRE(kvm_check_cap(KVM_CAP_BINARY_STATS_FD) > 0);
	vm = vm_create_realmode(64 * KiB, &vcpu, 0x1000);
	vm_write(vm, 0x1000, code, sizeof(code));

	fd = kvm_stats_open(vcpu->fd);
	TEST_ASSERT(fd >= 0, "vCPU KVM_GET_STATS_FD: %s", strerrorname(errno));
	TEST_ASSERT_EQ(pread(fd, &h, sizeof(h), 0), sizeof(h));
	TEST_ASSERT(h.num_desc > 0 && h.name_size >= 8 &&
		    h.id_offset >= sizeof(h) &&
		    h.desc_offset >= h.id_offset + h.name_size &&
		    h.data_offset >= h.desc_offset + h.num_desc *
		    (sizeof(struct kvm_stats_desc) + h.name_size),
		    "header %u %u %u %u %u", h.name_size, h.num_desc,
		    h.id_offset, h.desc_offset, h.data_offset);
	TEST_ASSERT_EQ(kvm_stats_each(fd, count_stat, &n), 0);
	TEST_ASSERT_EQ(n, h.num_desc);
	TEST_ASSERT_EQ(pread(fd, &c, 1, 1 << 20), 0);

	TEST_ASSERT_EQ(kvm_stats_get(fd, "exits", &before), 0);
	vcpu_run(vcpu);
	assert_io_exit(vcpu, 0x10, 1, KVM_EXIT_IO_OUT, 1);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	TEST_ASSERT_EQ(kvm_stats_get(fd, "exits", &after), 0);
	TEST_ASSERT(after >= before + 2, "exits %llu -> %llu",
		    (unsigned long long)before, (unsigned long long)after);

	vmfd = kvm_stats_open(vm->fd);
	TEST_ASSERT(vmfd >= 0, "VM KVM_GET_STATS_FD: %s", strerrorname(errno));
	TEST_ASSERT_EQ(pread(vmfd, &h, sizeof(h), 0), sizeof(h));
	close(vmfd);

	/* The stats fd keeps its vCPU: it still reads once all else is gone. */
	vm_free(vm);
	TEST_ASSERT_EQ(kvm_stats_get(fd, "exits", &after), 0);
	close(fd);
}

static const struct test_case tests[] = {
	TEST_CASE(api_version),
	TEST_CASE(check_extension),
	TEST_CASE(check_extension_vm),
	TEST_CASE(vcpu_mmap_size),
	TEST_CASE(create_vm_bad_type),
	TEST_CASE(unknown_ioctl),
	TEST_CASE(create_vcpu),
	TEST_CASE(run_mmap),
	TEST_CASE(binary_stats),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
