// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/vm.c - the VM object and its fd: creation, KVM_CHECK_EXTENSION,
 * KVM_SET_USER_MEMORY_REGION (memslot add/move/delete with the NPT/EPT
 * zap and TLB shootdown that deletion needs; no slot above what the tables
 * map), KVM_CREATE_VCPU, KVM_ENABLE_CAP, KVM_SET_TSS_ADDR and
 * KVM_SET_IDENTITY_MAP_ADDR (accepted, unused), KVM_GET_STATS_FD, a
 * request to every vCPU of the VM (lhv_vm_make_request_all), teardown.
 */
#define pr_fmt(fmt) "lhv: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/pgtable.h>

#include "lhv.h"

/* Memslot flags that work: writes to read-only slots exit as MMIO. */
#define LHV_MEM_FLAGS	KVM_MEM_READONLY

static atomic_t lhv_vm_ids = ATOMIC_INIT(0);

long lhv_check_extension(long ext)
{
	switch (ext) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_INTR_SHADOW:
	case KVM_CAP_DEBUGREGS:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_BINARY_STATS_FD:
		return 1;
	case KVM_CAP_XSAVE:
	case KVM_CAP_XCRS:
		return boot_cpu_has(X86_FEATURE_XSAVE);
	case KVM_CAP_X86_USER_SPACE_MSR:
		return 1;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
		return LHV_MAX_VCPUS;
	case KVM_CAP_MAX_VCPU_ID:
		return LHV_MAX_VCPU_ID;
	case KVM_CAP_NR_MEMSLOTS:
		return LHV_MAX_MEMSLOTS;
	case KVM_CAP_MULTI_ADDRESS_SPACE:
		return 1;
	default:
		return 0;
	}
}

static void lhv_vm_free(struct lhv_vm *vm)
{
	lhv_ops->vm_destroy(vm);
	lhv_mmu_destroy(&vm->mmu);
	kvfree(rcu_dereference_protected(vm->slots, true));
	cleanup_srcu_struct(&vm->srcu);
	mmdrop(vm->mm);
	kvfree(vm);
	module_put(THIS_MODULE);
}

void lhv_vm_put(struct lhv_vm *vm)
{
	if (refcount_dec_and_test(&vm->users))
		lhv_vm_free(vm);
}

/*
 * Request @req of every vCPU of the VM (lhv_vcpu_make_request: each one
 * acts on it before its next entry, one in guest mode is kicked out).
 * vm->vcpus never shrinks; a slot being freed reads as NULL.
 */
void lhv_vm_make_request_all(struct lhv_vm *vm, int req)
{
	int i;

	for (i = 0; i < READ_ONCE(vm->nr_vcpus); i++) {
		struct lhv_vcpu *vcpu = READ_ONCE(vm->vcpus[i]);

		if (vcpu)
			lhv_vcpu_make_request(vcpu, req);
	}
}

/* Publish @slots and wait until no fault handler still reads the old. */
static void lhv_vm_publish_slots(void *ctx, struct lhv_memslots *slots)
{
	struct lhv_vm *vm = ctx;

	rcu_assign_pointer(vm->slots, slots);
	synchronize_srcu_expedited(&vm->srcu);
}

/*
 * Unmap a slot that is deleted or moved; the layout published has it no
 * more, so no fault maps it again.  0 or -ENOMEM (some leaves remain).
 */
static int lhv_vm_zap_slot(void *ctx, const struct lhv_memslot *gone)
{
	struct lhv_vm *vm = ctx;
	struct lhv_unpin_batch *batch = NULL;
	int r;

	r = lhv_mmu_zap(&vm->mmu, gone->base_gfn, gone->npages, &batch);
	/* Stale TLB entries die at each vCPU's next entry. */
	lhv_vm_make_request_all(vm, LHV_REQ_TLB_FLUSH);
	synchronize_srcu_expedited(&vm->srcu);
	lhv_mmu_unpin(batch);
	return r;
}

static const struct lhv_slots_update_ops lhv_vm_slots_ops = {
	.publish = lhv_vm_publish_slots,
	.zap = lhv_vm_zap_slot,
};

/*
 * The order of layouts and zap is lhv_slots_update()'s (mmu/slots.c): a
 * moved slot is unmapped at its old place before its new one is visible,
 * so a failed zap has nothing to undo at the new place.
 */
static int lhv_set_memory_region(struct lhv_vm *vm,
				 struct kvm_userspace_memory_region *mem)
{
	struct lhv_memslots *old, *new, *hidden = NULL;
	enum lhv_slot_change change;
	int r;

	if (mem->memory_size &&
	    !access_ok((void __user *)(unsigned long)mem->userspace_addr,
		       mem->memory_size))
		return -EINVAL;

	mutex_lock(&vm->lock);
	old = rcu_dereference_protected(vm->slots, lockdep_is_held(&vm->lock));
	r = lhv_slot_check(old, mem, LHV_MEM_FLAGS, vm->max_gpa, &change);
	if (r || change == LHV_SLOT_NOP)
		goto out_unlock;

	r = -ENOMEM;
	new = kvmalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		goto out_unlock;
	if (change == LHV_SLOT_MOVE) {
		hidden = kvmalloc(sizeof(*hidden), GFP_KERNEL_ACCOUNT);
		if (!hidden)
			goto err_free_new;
		lhv_slots_apply(hidden, old, mem, LHV_SLOT_DELETE);
	}
	lhv_slots_apply(new, old, mem, change);

	r = lhv_slots_update(old, new, hidden, mem, change, &lhv_vm_slots_ops,
			     vm);
	if (r)
		goto err_free_hidden;	/* @old is the layout again */
	/* No reader is left on either: each publish waited for them. */
	kvfree(hidden);
	kvfree(old);
	goto out_unlock;

err_free_hidden:
	kvfree(hidden);
err_free_new:
	kvfree(new);
out_unlock:
	mutex_unlock(&vm->lock);
	return r;
}

static int lhv_vm_enable_cap(struct lhv_vm *vm, struct kvm_enable_cap *cap)
{
	if (cap->flags)
		return -EINVAL;
	switch (cap->cap) {
	case KVM_CAP_X86_USER_SPACE_MSR:
		if (cap->args[0] & ~(u64)(KVM_MSR_EXIT_REASON_INVAL |
					  KVM_MSR_EXIT_REASON_UNKNOWN))
			return -EINVAL;
		WRITE_ONCE(vm->user_msr_exits, cap->args[0]);
		return 0;
	default:
		return -EINVAL;
	}
}

static long lhv_vm_ioctl(struct file *filp, unsigned int ioctl,
			 unsigned long arg)
{
	struct lhv_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;

	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region mem;

		if (copy_from_user(&mem, argp, sizeof(mem)))
			return -EFAULT;
		return lhv_set_memory_region(vm, &mem);
	}
	case KVM_CREATE_VCPU:
		return lhv_create_vcpu(vm, arg);
	case KVM_CHECK_EXTENSION:
		return lhv_check_extension(arg);
	case KVM_SET_TSS_ADDR:
		/* Only VMX without unrestricted guest needs it: accepted. */
		return arg > 0xffffffffUL - 3 * PAGE_SIZE ? -EINVAL : 0;
	case KVM_SET_IDENTITY_MAP_ADDR: {
		u64 addr;

		if (copy_from_user(&addr, argp, sizeof(addr)))
			return -EFAULT;
		return 0;	/* likewise: accepted, not needed */
	}
	case KVM_ENABLE_CAP: {
		struct kvm_enable_cap cap;

		if (copy_from_user(&cap, argp, sizeof(cap)))
			return -EFAULT;
		return lhv_vm_enable_cap(vm, &cap);
	}
	case KVM_GET_STATS_FD:
		return lhv_vm_stats_fd(vm, filp);
	default:
		return -ENOTTY;
	}
}

static int lhv_vm_release(struct inode *inode, struct file *filp)
{
	lhv_vm_put(filp->private_data);
	return 0;
}

static const struct file_operations lhv_vm_fops = {
	.owner = THIS_MODULE,
	.release = lhv_vm_release,
	.unlocked_ioctl = lhv_vm_ioctl,
	.compat_ioctl = lhv_vm_ioctl,
	.llseek = noop_llseek,
};

static int lhv_mmu_levels(void)
{
	if (lhv_ops->mmu_format == LHV_MMU_NPT &&
	    (native_read_cr4() & X86_CR4_LA57))
		return 5;	/* NPT follows the host's paging depth */
	return 4;
}

/* The MAXPHYADDR lhv's CPUID 0x80000008 reports (kmod/cpuid.c). */
static unsigned int lhv_host_phys_bits(void)
{
	if (cpuid_eax(0x80000000) < 0x80000008)
		return 36;	/* SDM vol. 3, 4.1.4 */
	return cpuid_eax(0x80000008) & 0xff;
}

int lhv_create_vm(unsigned long type)
{
	struct lhv_memslots *slots;
	struct lhv_vm *vm;
	int r, fd;

	if (type)
		return -EINVAL;
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;

	vm = kvzalloc(lhv_ops->vm_size, GFP_KERNEL_ACCOUNT);
	if (!vm) {
		r = -ENOMEM;
		goto err_put_module;
	}
	refcount_set(&vm->users, 1);
	mutex_init(&vm->lock);
	vm->vm_id = atomic_inc_return(&lhv_vm_ids);
	slots = kvzalloc(sizeof(*slots), GFP_KERNEL_ACCOUNT);
	if (!slots) {
		r = -ENOMEM;
		goto err_free_vm;
	}
	RCU_INIT_POINTER(vm->slots, slots);
	r = init_srcu_struct(&vm->srcu);
	if (r)
		goto err_free_slots;
	r = lhv_mmu_init(&vm->mmu, lhv_ops->mmu_format, lhv_mmu_levels());
	if (r)
		goto err_cleanup_srcu;
	vm->max_gpa = lhv_max_gpa(vm->mmu.levels, lhv_host_phys_bits());
	r = lhv_ops->vm_init(vm);
	if (r)
		goto err_destroy_mmu;

	mmgrab(current->mm);
	vm->mm = current->mm;
	fd = anon_inode_getfd("lhv-vm", &lhv_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto err_drop_mm;
	}
	return fd;

err_drop_mm:
	mmdrop(vm->mm);
	lhv_ops->vm_destroy(vm);
err_destroy_mmu:
	lhv_mmu_destroy(&vm->mmu);
err_cleanup_srcu:
	cleanup_srcu_struct(&vm->srcu);
err_free_slots:
	kvfree(slots);
err_free_vm:
	kvfree(vm);
err_put_module:
	module_put(THIS_MODULE);
	return r;
}
