/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * uapi/linux/lhv.h - lhv's userspace ABI beyond <linux/kvm.h>.
 *
 * /dev/lhv speaks the KVM API: the ioctl numbers and structures are those of
 * the stable UAPI header <linux/kvm.h>.  lhv implements the subset that it
 * declares through KVM_CHECK_EXTENSION; everything else fails with -EINVAL
 * (unknown ioctl: -ENOTTY).  Supported today:
 *
 *   /dev/lhv:  KVM_GET_API_VERSION, KVM_CHECK_EXTENSION, KVM_CREATE_VM,
 *              KVM_GET_VCPU_MMAP_SIZE
 *   VM fd:     KVM_SET_USER_MEMORY_REGION, KVM_CREATE_VCPU,
 *              KVM_CHECK_EXTENSION
 *   vCPU fd:   mmap (struct kvm_run, page 0; PIO data, page 1), KVM_RUN,
 *              KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS
 *
 * lhv's own additions live below, in a number range of their own (type
 * LHVIO, 0xB7) so that they can never collide with KVM's.
 */
#ifndef _UAPI_LINUX_LHV_H
#define _UAPI_LINUX_LHV_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define LHV_DEVICE_NAME		"lhv"
#define LHVIO			0xB7

/* Exit reasons counted per vCPU (index into lhv_vcpu_stats.exits). */
enum lhv_exit_reason {
	LHV_EXIT_NONE = 0,	/* host interrupt/NMI, nothing for the guest */
	LHV_EXIT_IO,
	LHV_EXIT_MMIO,
	LHV_EXIT_HLT,
	LHV_EXIT_CPUID,
	LHV_EXIT_RDMSR,
	LHV_EXIT_WRMSR,
	LHV_EXIT_NPF,		/* nested page fault / EPT violation */
	LHV_EXIT_SHUTDOWN,	/* triple fault */
	LHV_EXIT_FAIL_ENTRY,	/* the hardware refused the guest state */
	LHV_EXIT_UD,		/* instruction the guest may not use: #UD */
	LHV_EXIT_XSETBV,
	LHV_EXIT_INTR_WINDOW,
	LHV_EXIT_EXCEPTION,
	LHV_EXIT_CR_ACCESS,	/* MOV to/from a CR the core emulates */
	LHV_EXIT_UNKNOWN,	/* exit nobody handles: internal error */
	LHV_EXIT_NR
};

/*
 * LHV_GET_VCPU_STATS (vCPU fd): per-vCPU exit counters since creation.
 * On /dev/kvm this ioctl does not exist (-ENOTTY); tools fall back.
 */
struct lhv_vcpu_stats {
	__u64 runs;		/* KVM_RUN calls */
	__u64 entries;		/* guest entries */
	__u64 exits[LHV_EXIT_NR];
	__u64 user_exits;	/* exits handed to userspace */
};

#define LHV_GET_VCPU_STATS	_IOR(LHVIO, 0x01, struct lhv_vcpu_stats)

#endif /* _UAPI_LINUX_LHV_H */
