/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * uapi/linux/lhv.h - lhv's userspace ABI beyond <linux/kvm.h>.
 *
 * /dev/lhv speaks the KVM API: the ioctl numbers and structures are those of
 * the stable UAPI header <linux/kvm.h>.  lhv handles these ioctls and no
 * others (the dispatchers: lhv_dev_ioctl() in kmod/main.c, lhv_vm_ioctl()
 * in kmod/vm.c, lhv_vcpu_ioctl() in kmod/vcpu.c):
 *
 *   /dev/lhv:  KVM_GET_API_VERSION, KVM_CHECK_EXTENSION, KVM_CREATE_VM,
 *              KVM_GET_VCPU_MMAP_SIZE (two pages), KVM_GET_SUPPORTED_CPUID,
 *              KVM_GET_MSR_INDEX_LIST
 *   VM fd:     KVM_SET_USER_MEMORY_REGION, KVM_CREATE_VCPU,
 *              KVM_CHECK_EXTENSION, KVM_ENABLE_CAP
 *              (KVM_CAP_X86_USER_SPACE_MSR only), KVM_SET_TSS_ADDR and
 *              KVM_SET_IDENTITY_MAP_ADDR (accepted; lhv needs neither),
 *              KVM_GET_STATS_FD
 *   vCPU fd:   mmap (struct kvm_run, page 0; PIO data, page 1), KVM_RUN,
 *              KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
 *              KVM_GET_FPU, KVM_SET_FPU, KVM_GET_XSAVE, KVM_SET_XSAVE,
 *              KVM_GET_XCRS, KVM_SET_XCRS, KVM_GET_MSRS, KVM_SET_MSRS,
 *              KVM_GET_CPUID2, KVM_SET_CPUID2, KVM_GET_DEBUGREGS,
 *              KVM_SET_DEBUGREGS, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS,
 *              KVM_GET_MP_STATE, KVM_SET_MP_STATE, KVM_INTERRUPT, KVM_NMI,
 *              KVM_GET_STATS_FD
 *
 * The stats fds (KVM API 4.133, kmod/stats.c) carry lhv's counters by
 * name: on a vCPU "exits", "runs", "entries", "user_exits" and
 * "exits_<reason>" (userspace/kvm-stats.h reads them); on a VM "vcpus".
 *
 * An ioctl not listed fails as KVM fails it: -EINVAL on /dev/lhv and on a
 * vCPU fd, -ENOTTY on a VM fd.  A VM or vCPU fd used from a process other
 * than the one that created the VM fails with -EIO.
 *
 * KVM_CHECK_EXTENSION (lhv_check_extension() in kmod/vm.c) answers non-zero
 * for: KVM_CAP_USER_MEMORY, KVM_CAP_DESTROY_MEMORY_REGION_WORKS,
 * KVM_CAP_JOIN_MEMORY_REGIONS_WORKS, KVM_CAP_IMMEDIATE_EXIT,
 * KVM_CAP_SET_TSS_ADDR, KVM_CAP_SET_IDENTITY_MAP_ADDR, KVM_CAP_READONLY_MEM,
 * KVM_CAP_EXT_CPUID, KVM_CAP_MP_STATE, KVM_CAP_VCPU_EVENTS,
 * KVM_CAP_INTR_SHADOW, KVM_CAP_DEBUGREGS, KVM_CAP_CHECK_EXTENSION_VM,
 * KVM_CAP_BINARY_STATS_FD,
 * KVM_CAP_X86_USER_SPACE_MSR, KVM_CAP_MULTI_ADDRESS_SPACE (1: one address
 * space); KVM_CAP_XSAVE and KVM_CAP_XCRS when the host has XSAVE;
 * KVM_CAP_NR_VCPUS and KVM_CAP_MAX_VCPUS (8, LHV_MAX_VCPUS in kmod/lhv.h),
 * KVM_CAP_MAX_VCPU_ID (1024, LHV_MAX_VCPU_ID), KVM_CAP_NR_MEMSLOTS (32,
 * LHV_MAX_MEMSLOTS in mmu/mmu_types.h).  Every other capability answers 0.
 *
 * lhv's own additions, when there are any, live below, in a number range
 * of their own (type LHVIO, 0xB7) so that they can never collide with
 * KVM's; today there are none.
 */
#ifndef _UAPI_LINUX_LHV_H
#define _UAPI_LINUX_LHV_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define LHV_DEVICE_NAME		"lhv"
#define LHVIO			0xB7

#endif /* _UAPI_LINUX_LHV_H */
