// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/vcpu.c - the vCPU object and its fd: KVM_CREATE_VCPU, mmap of the
 * shared kvm_run page (page 0) and PIO data page (page 1), the register
 * ioctls (KVM_GET/SET_REGS, KVM_GET/SET_SREGS), the reset register state,
 * and the vCPU ioctl dispatcher.  KVM_RUN itself lives in run.c, the other
 * vCPU ioctls in events.c, fpu.c, msr.c and cpuid.c.
 */
#define pr_fmt(fmt) "lhv: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "lhv.h"

static vm_fault_t lhv_vcpu_fault(struct vm_fault *vmf)
{
	struct lhv_vcpu *vcpu = vmf->vma->vm_file->private_data;

	if (vmf->pgoff >= ARRAY_SIZE(vcpu->run_pages))
		return VM_FAULT_SIGBUS;
	get_page(vcpu->run_pages[vmf->pgoff]);
	vmf->page = vcpu->run_pages[vmf->pgoff];
	return 0;
}

static const struct vm_operations_struct lhv_vcpu_vm_ops = {
	.fault = lhv_vcpu_fault,
};

static int lhv_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	vma->vm_ops = &lhv_vcpu_vm_ops;
	return 0;
}

static void lhv_vcpu_get_regs(struct lhv_vcpu *vcpu, struct kvm_regs *r)
{
	u64 *g = vcpu->regs;

	r->rax = g[LHV_RAX]; r->rbx = g[LHV_RBX];
	r->rcx = g[LHV_RCX]; r->rdx = g[LHV_RDX];
	r->rsi = g[LHV_RSI]; r->rdi = g[LHV_RDI];
	r->rsp = g[LHV_RSP]; r->rbp = g[LHV_RBP];
	r->r8 = g[LHV_R8];   r->r9 = g[LHV_R9];
	r->r10 = g[LHV_R10]; r->r11 = g[LHV_R11];
	r->r12 = g[LHV_R12]; r->r13 = g[LHV_R13];
	r->r14 = g[LHV_R14]; r->r15 = g[LHV_R15];
	r->rip = g[LHV_RIP]; r->rflags = g[LHV_RFLAGS];
}

static void lhv_vcpu_set_regs(struct lhv_vcpu *vcpu, const struct kvm_regs *r)
{
	u64 *g = vcpu->regs;

	g[LHV_RAX] = r->rax; g[LHV_RBX] = r->rbx;
	g[LHV_RCX] = r->rcx; g[LHV_RDX] = r->rdx;
	g[LHV_RSI] = r->rsi; g[LHV_RDI] = r->rdi;
	g[LHV_RSP] = r->rsp; g[LHV_RBP] = r->rbp;
	g[LHV_R8] = r->r8;   g[LHV_R9] = r->r9;
	g[LHV_R10] = r->r10; g[LHV_R11] = r->r11;
	g[LHV_R12] = r->r12; g[LHV_R13] = r->r13;
	g[LHV_R14] = r->r14; g[LHV_R15] = r->r15;
	g[LHV_RIP] = r->rip;
	/* Bit 1 always reads as one (SDM 3.4.3). */
	g[LHV_RFLAGS] = r->rflags | X86_EFLAGS_FIXED;
}

static long lhv_vcpu_ioctl(struct file *filp, unsigned int ioctl,
			   unsigned long arg)
{
	struct lhv_vcpu *vcpu = filp->private_data;
	void __user *argp = (void __user *)arg;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (_IOC_TYPE(ioctl) != KVMIO && _IOC_TYPE(ioctl) != LHVIO)
		return -EINVAL;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;

	switch (ioctl) {
	case KVM_RUN:
		r = arg ? -EINVAL : lhv_vcpu_run(vcpu);
		break;
	case KVM_GET_REGS: {
		struct kvm_regs regs;

		memset(&regs, 0, sizeof(regs));
		lhv_vcpu_get_regs(vcpu, &regs);
		r = copy_to_user(argp, &regs, sizeof(regs)) ? -EFAULT : 0;
		break;
	}
	case KVM_SET_REGS: {
		struct kvm_regs regs;

		r = -EFAULT;
		if (copy_from_user(&regs, argp, sizeof(regs)))
			break;
		lhv_vcpu_set_regs(vcpu, &regs);
		r = 0;
		break;
	}
	case KVM_GET_SREGS: {
		struct kvm_sregs sregs;

		memset(&sregs, 0, sizeof(sregs));
		lhv_ops->get_sregs(vcpu, &sregs);
		sregs.apic_base = vcpu->apic_base;
		r = copy_to_user(argp, &sregs, sizeof(sregs)) ? -EFAULT : 0;
		break;
	}
	case KVM_SET_SREGS: {
		struct kvm_sregs sregs;

		r = -EFAULT;
		if (copy_from_user(&sregs, argp, sizeof(sregs)))
			break;
		r = lhv_ops->set_sregs(vcpu, &sregs);
		if (!r)
			vcpu->apic_base = sregs.apic_base;
		break;
	}
	case KVM_INTERRUPT:
		r = lhv_ioctl_interrupt(vcpu, argp);
		break;
	case KVM_NMI:
		r = lhv_ioctl_nmi(vcpu);
		break;
	case KVM_GET_VCPU_EVENTS:
		r = lhv_ioctl_get_events(vcpu, argp);
		break;
	case KVM_SET_VCPU_EVENTS:
		r = lhv_ioctl_set_events(vcpu, argp);
		break;
	case KVM_GET_MP_STATE:
		r = lhv_ioctl_get_mp_state(vcpu, argp);
		break;
	case KVM_SET_MP_STATE:
		r = lhv_ioctl_set_mp_state(vcpu, argp);
		break;
	case KVM_GET_DEBUGREGS:
		r = lhv_ioctl_get_debugregs(vcpu, argp);
		break;
	case KVM_SET_DEBUGREGS:
		r = lhv_ioctl_set_debugregs(vcpu, argp);
		break;
	case KVM_GET_MSRS:
		r = lhv_ioctl_get_msrs(vcpu, argp);
		break;
	case KVM_SET_MSRS:
		r = lhv_ioctl_set_msrs(vcpu, argp);
		break;
	case KVM_SET_CPUID2:
		r = lhv_ioctl_set_cpuid2(vcpu, argp);
		break;
	case KVM_GET_CPUID2:
		r = lhv_ioctl_get_cpuid2(vcpu, argp);
		break;
	case KVM_GET_FPU:
		r = lhv_ioctl_get_fpu(vcpu, argp);
		break;
	case KVM_SET_FPU:
		r = lhv_ioctl_set_fpu(vcpu, argp);
		break;
	case KVM_GET_XSAVE:
		r = lhv_ioctl_get_xsave(vcpu, argp);
		break;
	case KVM_SET_XSAVE:
		r = lhv_ioctl_set_xsave(vcpu, argp);
		break;
	case KVM_GET_XCRS:
		r = lhv_ioctl_get_xcrs(vcpu, argp);
		break;
	case KVM_SET_XCRS:
		r = lhv_ioctl_set_xcrs(vcpu, argp);
		break;
	case KVM_GET_STATS_FD:
		r = lhv_vcpu_stats_fd(vcpu, filp);
		break;
	default:
		r = -EINVAL;	/* as KVM answers on a vCPU fd */
		break;
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

static void lhv_vcpu_destroy(struct lhv_vcpu *vcpu)
{
	struct lhv_vm *vm = vcpu->vm;
	int i;

	lhv_ops->vcpu_free(vcpu);
	lhv_vcpu_forget(vcpu);
	fpu_free_guest_fpstate(&vcpu->guest_fpu);
	for (i = 0; i < ARRAY_SIZE(vcpu->run_pages); i++)
		if (vcpu->run_pages[i])
			__free_page(vcpu->run_pages[i]);
	kvfree(vcpu);
	lhv_vm_put(vm);
}

static int lhv_vcpu_release(struct inode *inode, struct file *filp)
{
	struct lhv_vcpu *vcpu = filp->private_data;
	struct lhv_vm *vm = vcpu->vm;

	/* The slot in vm->vcpus stays taken: ids are never reused. */
	mutex_lock(&vm->lock);
	WRITE_ONCE(vm->vcpus[vcpu->index], NULL);
	mutex_unlock(&vm->lock);
	lhv_vcpu_destroy(vcpu);
	return 0;
}

static const struct file_operations lhv_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = lhv_vcpu_release,
	.unlocked_ioctl = lhv_vcpu_ioctl,
	.compat_ioctl = lhv_vcpu_ioctl,
	.mmap = lhv_vcpu_mmap,
	.llseek = noop_llseek,
};

int lhv_create_vcpu(struct lhv_vm *vm, unsigned long id)
{
	struct lhv_vcpu *vcpu;
	int i, r, fd;

	if (id >= LHV_MAX_VCPU_ID)
		return -EINVAL;

	vcpu = kvzalloc(lhv_ops->vcpu_size, GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->vcpu_id = id;
	vcpu->cpu = -1;
	mutex_init(&vcpu->mutex);
	for (i = 0; i < ARRAY_SIZE(vcpu->run_pages); i++) {
		vcpu->run_pages[i] = alloc_page(GFP_KERNEL_ACCOUNT |
						__GFP_ZERO);
		if (!vcpu->run_pages[i]) {
			r = -ENOMEM;
			goto err_free_pages;
		}
	}
	vcpu->run = page_address(vcpu->run_pages[0]);
	if (!fpu_alloc_guest_fpstate(&vcpu->guest_fpu)) {
		r = -ENOMEM;
		goto err_free_pages;
	}
	/* Reset state, as after INIT (SDM 9.1.1; KVM's defaults). */
	lhv_vcpu_reset_regs(vcpu, 0);
	vcpu->apic_base = 0xfee00000ULL | (1ULL << 11) |
			  (id == 0 ? 1ULL << 8 : 0);
	vcpu->pat = 0x0007040600070406ULL;
	lhv_cpuid_init_default(vcpu);
	lhv_vcpu_preempt_init(vcpu);

	r = lhv_ops->vcpu_create(vcpu);
	if (r)
		goto err_free_fpu;

	mutex_lock(&vm->lock);
	for (i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpu_ids[i] == id) {
			r = -EEXIST;
			goto err_unlock;
		}
	}
	if (vm->nr_vcpus >= LHV_MAX_VCPUS) {
		r = -EINVAL;
		goto err_unlock;
	}
	vcpu->index = vm->nr_vcpus;
	refcount_inc(&vm->users);
	fd = anon_inode_getfd("lhv-vcpu", &lhv_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		refcount_dec(&vm->users);
		r = fd;
		goto err_unlock;
	}
	vm->vcpu_ids[vm->nr_vcpus] = id;
	WRITE_ONCE(vm->vcpus[vm->nr_vcpus], vcpu);
	WRITE_ONCE(vm->nr_vcpus, vm->nr_vcpus + 1);
	mutex_unlock(&vm->lock);
	return fd;

err_unlock:
	mutex_unlock(&vm->lock);
	lhv_ops->vcpu_free(vcpu);
err_free_fpu:
	fpu_free_guest_fpstate(&vcpu->guest_fpu);
err_free_pages:
	for (i = 0; i < ARRAY_SIZE(vcpu->run_pages); i++)
		if (vcpu->run_pages[i])
			__free_page(vcpu->run_pages[i]);
	kvfree(vcpu);
	return r;
}
