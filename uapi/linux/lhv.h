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


#endif /* _UAPI_LINUX_LHV_H */
