/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selftests/lib/kvm_util.h - VMs, vCPUs, memory and KVM_RUN for the lhv
 * selftests, over the KVM ioctl ABI of <linux/kvm.h>.
 *
 * The device is $LHV_DEV (default /dev/lhv), so every test runs on
 * /dev/lhv and on /dev/kvm alike.  __vm_ioctl() and friends are the raw
 * calls (return what ioctl() returns, errno intact); vm_ioctl() and
 * friends assert success and print the failing call.
 */
#ifndef SELFTEST_KVM_UTIL_H
#define SELFTEST_KVM_UTIL_H

#include <linux/kvm.h>
#include <stddef.h>
#include <sys/ioctl.h>

#include "test_util.h"

#define KiB	(1ULL << 10)
#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)
#define PAGE_SIZE	4096ULL

struct kvm_vcpu;

/* One memslot as the library set it up. */
struct userspace_mem {
	u32 slot;
	u64 gpa;
	u64 size;
	void *hva;
	bool in_use;
};

#define VM_MAX_SLOTS	8

struct kvm_vm {
	int kvm_fd;			/* the device */
	int fd;				/* the VM */
	struct userspace_mem slots[VM_MAX_SLOTS];
	struct kvm_vcpu *vcpu;		/* the first vCPU, if any */
	bool longmode;			/* page tables, GDT set up */
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	int fd;
	u32 id;
	struct kvm_run *run;
	size_t run_size;
};

/* Device. */
const char *kvm_dev_path(void);
bool kvm_dev_is_lhv(void);
int kvm_open_dev(void);			/* skips the subtest if it cannot */
int kvm_check_cap(long cap);		/* on a fresh device fd */
int kvm_test_main(const struct test_case *tests, unsigned int nr);

/* Raw and asserting ioctls. */
#define __kvm_ioctl(fd, cmd, arg)	ioctl((fd), (cmd), (arg))
#define __vm_ioctl(vm, cmd, arg)	ioctl((vm)->fd, (cmd), (arg))
#define __vcpu_ioctl(vcpu, cmd, arg)	ioctl((vcpu)->fd, (cmd), (arg))

#define __ioctl_assert(fd, cmd, name, arg)				\
({									\
	int __ret = ioctl((fd), (cmd), (arg));				\
	TEST_ASSERT(__ret >= 0, "%s failed: ret %d errno %s", name,	\
		    __ret, strerrorname(errno));			\
	__ret;								\
})

#define kvm_ioctl(fd, cmd, arg)		__ioctl_assert(fd, cmd, #cmd, arg)
#define vm_ioctl(vm, cmd, arg)		__ioctl_assert((vm)->fd, cmd, #cmd, arg)
#define vcpu_ioctl(vcpu, cmd, arg)	__ioctl_assert((vcpu)->fd, cmd, #cmd, arg)

/* VMs and memory. */
struct kvm_vm *vm_create_barebones(void);	/* no memory, no vCPU */
/* A VM with @mem_size bytes of anonymous memory in slot 0 at GPA 0. */
struct kvm_vm *vm_create(u64 mem_size);
/* The same with one vCPU (id 0) in real mode at 0000:@rip. */
struct kvm_vm *vm_create_realmode(u64 mem_size, struct kvm_vcpu **vcpu,
				  u64 rip);
void vm_free(struct kvm_vm *vm);

int __vm_set_user_memory_region(struct kvm_vm *vm, u32 slot, u32 flags,
				u64 gpa, u64 size, void *hva);
void vm_set_user_memory_region(struct kvm_vm *vm, u32 slot, u32 flags,
			       u64 gpa, u64 size, void *hva);
/* Map fresh anonymous memory as @slot at @gpa; returns the host mapping. */
void *vm_add_anon_slot(struct kvm_vm *vm, u32 slot, u64 gpa, u64 size);
void vm_move_slot(struct kvm_vm *vm, u32 slot, u64 new_gpa);
void vm_delete_slot(struct kvm_vm *vm, u32 slot);
void *addr_gpa2hva(struct kvm_vm *vm, u64 gpa);
void vm_write(struct kvm_vm *vm, u64 gpa, const void *src, size_t len);
void vm_read(struct kvm_vm *vm, u64 gpa, void *dst, size_t len);

/* vCPUs. */
struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, u32 id);
void vcpu_free(struct kvm_vcpu *vcpu);
void vcpu_set_realmode(struct kvm_vcpu *vcpu, u64 rip);
int __vcpu_run(struct kvm_vcpu *vcpu);
void vcpu_run(struct kvm_vcpu *vcpu);
void vcpu_regs_get(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
void vcpu_regs_set(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
void vcpu_sregs_get(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_sregs_set(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
u64 vcpu_get_rip(struct kvm_vcpu *vcpu);

/*
 * A counter of the vCPU's binary stats (KVM_GET_STATS_FD), by name; the
 * test fails when the device has no such counter.
 */
u64 vcpu_stat(struct kvm_vcpu *vcpu, const char *name);

/* Exits. */
const char *exit_reason_str(u32 reason);
void vcpu_dump_exit(struct kvm_vcpu *vcpu);

#define TEST_ASSERT_EXIT_REASON(vcpu, expected)				\
do {									\
	u32 __got = (vcpu)->run->exit_reason;				\
	if (__got != (expected)) {					\
		vcpu_dump_exit(vcpu);					\
		__test_fail(__FILE__, __LINE__, "exit_reason == " #expected, \
			    "expected %s, got %s (%u)",			\
			    exit_reason_str(expected),			\
			    exit_reason_str(__got), __got);		\
	}								\
} while (0)

/* Pointer to the data of a KVM_EXIT_IO in the run page. */
static inline void *vcpu_io_data(struct kvm_vcpu *vcpu)
{
	return (u8 *)vcpu->run + vcpu->run->io.data_offset;
}

/* Assert a KVM_EXIT_IO with exactly these parameters. */
void __assert_io_exit(struct kvm_vcpu *vcpu, u16 port, u8 size, u8 dir,
		      u32 count, const char *file, int line);
#define assert_io_exit(vcpu, port, size, dir, count)			\
	__assert_io_exit(vcpu, port, size, dir, count, __FILE__, __LINE__)


/*
 * CPUID: KVM_GET_SUPPORTED_CPUID into a malloc'ed table (NULL where the
 * device has no KVM_CAP_EXT_CPUID or the call fails), and KVM_SET_CPUID2.
 */
struct kvm_cpuid2 *kvm_get_supported_cpuid(void);
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, u32 fn, u32 idx);
int __vcpu_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid2 *c);
/* Give the vCPU everything the device supports; false if it cannot. */
bool vcpu_set_cpuid_supported(struct kvm_vcpu *vcpu);

#endif /* SELFTEST_KVM_UTIL_H */
