// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/main.c - module init and exit, backend selection, per-CPU
 * enabling of VMX/SVM (CPU hotplug, suspend, reboot, crash: the emergency
 * callback, left to KVM while kvm-intel/kvm-amd is loaded), and the
 * /dev/lhv system ioctls (KVM_GET_API_VERSION, KVM_CHECK_EXTENSION,
 * KVM_CREATE_VM, KVM_GET_VCPU_MMAP_SIZE; KVM_GET_SUPPORTED_CPUID and
 * KVM_GET_MSR_INDEX_LIST are dispatched here to cpuid.c and msr.c).
 */
#define pr_fmt(fmt) "lhv: " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/reboot.h>
#include <linux/syscore_ops.h>
#include <linux/percpu.h>
#include <asm/reboot.h>
#include <asm/fpu/xcr.h>

#include "lhv.h"

const struct lhv_arch_ops *lhv_ops __ro_after_init;

/* Backends in order of preference; the first whose probe succeeds wins. */
static const struct lhv_arch_ops *const lhv_backends[] = {
	&lhv_svm_ops,
	&lhv_vmx_ops,
};

static DEFINE_PER_CPU(bool, lhv_cpu_enabled);
static enum cpuhp_state lhv_cpuhp_state;

/*
 * The check that nobody else owns SVM/VMX on this CPU (EFER.SVME,
 * CR4.VMXE) and the enable are one step with interrupts off: KVM enables
 * from an IPI, which could otherwise land between the two, and lhv would
 * then take (and on failure clear) state that KVM is using.  Disabling is
 * done the same way.  Preemption is off in every caller.
 */
static int lhv_cpu_enable_this(void)
{
	unsigned long flags;
	int r = 0;

	local_irq_save(flags);
	if (!__this_cpu_read(lhv_cpu_enabled)) {
		r = lhv_ops->cpu_enable();
		if (!r)
			__this_cpu_write(lhv_cpu_enabled, true);
	}
	local_irq_restore(flags);
	return r;
}

static void lhv_cpu_disable_this(void)
{
	unsigned long flags;

	local_irq_save(flags);
	if (__this_cpu_read(lhv_cpu_enabled)) {
		lhv_ops->cpu_disable();
		__this_cpu_write(lhv_cpu_enabled, false);
	}
	local_irq_restore(flags);
}

static int lhv_cpu_online(unsigned int cpu)
{
	int r;

	preempt_disable();
	r = lhv_cpu_enable_this();
	preempt_enable();
	if (r)
		pr_warn("cannot enable %s on CPU %u: %d\n",
			lhv_ops->name, cpu, r);
	return r;
}

static int lhv_cpu_offline(unsigned int cpu)
{
	preempt_disable();
	lhv_cpu_disable_this();
	preempt_enable();
	return 0;
}

/* Suspend/resume of the boot CPU (other CPUs go through hotplug). */
static int lhv_suspend(void)
{
	lhv_cpu_disable_this();
	return 0;
}

static void lhv_resume(void)
{
	if (lhv_cpu_enable_this())
		pr_warn("cannot re-enable %s after resume\n",
			lhv_ops->name);
}

static struct syscore_ops lhv_syscore_ops = {
	.suspend = lhv_suspend,
	.resume = lhv_resume,
};

static void lhv_disable_ipi(void *unused)
{
	lhv_cpu_disable_this();
}

static int lhv_reboot(struct notifier_block *nb, unsigned long code, void *p)
{
	on_each_cpu(lhv_disable_ipi, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block lhv_reboot_nb = {
	.notifier_call = lhv_reboot,
	.priority = 0,
};

/* Crash/emergency reboot: NMI context, just turn the extension off. */
static void lhv_emergency_disable(void)
{
	if (__this_cpu_read(lhv_cpu_enabled))
		lhv_ops->cpu_disable();
}

/*
 * The kernel has one emergency-callback slot and WARNs when it is taken
 * twice.  kvm-intel takes it while it is loaded (kvm-amd too, in newer
 * kernels; 6.1 turns SVM off on a crash by itself), and KVM's callback
 * turns VMX off whoever turned it on (CR4.VMXE): lhv leaves the slot to
 * it.  lhv holds the slot while it is loaded and no KVM vendor module is:
 * one is found at load by its /sys/module entry (our own module kobject's
 * kset is /sys/module), and a module notifier follows it coming (before
 * its init runs) and going (after its exit ran).
 */
static DEFINE_MUTEX(lhv_emergency_lock);
static bool lhv_emergency_registered;	/* our callback is in the slot */
static bool lhv_emergency_wanted;	/* lhv is loaded */
static bool lhv_kvm_vendor;		/* kvm_intel/kvm_amd is (coming) in */

static bool lhv_is_kvm_vendor(const char *name)
{
	return !strcmp(name, "kvm_intel") || !strcmp(name, "kvm_amd");
}

static bool lhv_kvm_vendor_loaded(void)
{
	static const char *const names[] = { "kvm_intel", "kvm_amd" };
	struct kobject *kobj;
	int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		kobj = kset_find_obj(THIS_MODULE->mkobj.kobj.kset, names[i]);
		if (kobj) {
			kobject_put(kobj);
			return true;
		}
	}
	return false;
}

/* Take or leave the slot as things now stand; lhv_emergency_lock held. */
static void lhv_emergency_update(void)
{
	bool want = lhv_emergency_wanted && !lhv_kvm_vendor;

	if (want && !lhv_emergency_registered)
		cpu_emergency_register_virt_callback(lhv_emergency_disable);
	else if (!want && lhv_emergency_registered)
		cpu_emergency_unregister_virt_callback(lhv_emergency_disable);
	lhv_emergency_registered = want;
}

static int lhv_module_event(struct notifier_block *nb, unsigned long state,
			    void *data)
{
	struct module *mod = data;

	if (!lhv_is_kvm_vendor(mod->name) ||
	    (state != MODULE_STATE_COMING && state != MODULE_STATE_GOING))
		return NOTIFY_DONE;
	mutex_lock(&lhv_emergency_lock);
	lhv_kvm_vendor = state == MODULE_STATE_COMING;
	lhv_emergency_update();
	mutex_unlock(&lhv_emergency_lock);
	return NOTIFY_DONE;
}

static struct notifier_block lhv_module_nb = {
	.notifier_call = lhv_module_event,
};

/*
 * The notifier first (not under our lock: it takes the chain's), so that
 * a vendor module coming meanwhile is seen one way or the other.
 */
static void lhv_emergency_register(void)
{
	register_module_notifier(&lhv_module_nb);
	mutex_lock(&lhv_emergency_lock);
	lhv_kvm_vendor |= lhv_kvm_vendor_loaded();
	lhv_emergency_wanted = true;
	lhv_emergency_update();
	mutex_unlock(&lhv_emergency_lock);
}

static void lhv_emergency_unregister(void)
{
	unregister_module_notifier(&lhv_module_nb);
	mutex_lock(&lhv_emergency_lock);
	lhv_emergency_wanted = false;
	lhv_kvm_vendor = false;
	lhv_emergency_update();
	mutex_unlock(&lhv_emergency_lock);
}

static long lhv_dev_ioctl(struct file *filp, unsigned int ioctl,
			  unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : LHV_API_VERSION;
	case KVM_CHECK_EXTENSION:
		return lhv_check_extension(arg);
	case KVM_CREATE_VM:
		return lhv_create_vm(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : 2 * PAGE_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		return lhv_ioctl_get_supported_cpuid((void __user *)arg);
	case KVM_GET_MSR_INDEX_LIST:
		return lhv_ioctl_msr_index_list((void __user *)arg);
	default:
		/* What KVM answers for an unknown system ioctl. */
		return -EINVAL;
	}
}

static const struct file_operations lhv_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = lhv_dev_ioctl,
	.compat_ioctl = lhv_dev_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice lhv_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = LHV_DEVICE_NAME,
	.fops = &lhv_dev_fops,
	.mode = 0600,
};

/* Every operation is mandatory: a hole is a bug, caught at load time. */
static bool lhv_ops_complete(const struct lhv_arch_ops *ops)
{
	const void *const *fn = (const void *const *)&ops->hardware_supported;
	const void *const *end = (const void *const *)(ops + 1);

	for (; fn < end; fn++) {
		if (!*fn) {
			pr_err("%s backend lacks operation %td\n",
			       ops->name, fn - (const void *const *)ops);
			return false;
		}
	}
	return true;
}

static const struct lhv_arch_ops *lhv_pick_backend(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(lhv_backends); i++)
		if (lhv_backends[i]->hardware_supported())
			return lhv_ops_complete(lhv_backends[i]) ?
			       lhv_backends[i] : NULL;
	return NULL;
}

static int __init lhv_init(void)
{
	int r;

	lhv_ops = lhv_pick_backend();
	if (!lhv_ops) {
		pr_err("no usable VMX or SVM on this CPU\n");
		return -ENODEV;
	}
	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		lhv_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	r = lhv_ops->hardware_setup();
	if (r)
		return r;
	/* Before any CPU turns VMX/SVM on: a crash then finds it off. */
	lhv_emergency_register();

	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "lhv:online",
			      lhv_cpu_online, lhv_cpu_offline);
	if (r < 0) {
		/* -EBUSY: another hypervisor owns the hardware. */
		goto err_emergency;
	}
	lhv_cpuhp_state = r;
	register_syscore_ops(&lhv_syscore_ops);
	register_reboot_notifier(&lhv_reboot_nb);

	/* KVM_RUN registers a preempt notifier (kmod/run.c). */
	preempt_notifier_inc();
	r = misc_register(&lhv_misc);
	if (r)
		goto err_notifier_dec;
	pr_info("%s backend ready, /dev/%s\n", lhv_ops->name,
		LHV_DEVICE_NAME);
	return 0;

err_notifier_dec:
	preempt_notifier_dec();
	unregister_reboot_notifier(&lhv_reboot_nb);
	unregister_syscore_ops(&lhv_syscore_ops);
	cpuhp_remove_state(lhv_cpuhp_state);
err_emergency:
	lhv_emergency_unregister();
	lhv_ops->hardware_unsetup();
	return r;
}

static void __exit lhv_exit(void)
{
	misc_deregister(&lhv_misc);
	preempt_notifier_dec();
	unregister_reboot_notifier(&lhv_reboot_nb);
	unregister_syscore_ops(&lhv_syscore_ops);
	cpuhp_remove_state(lhv_cpuhp_state);
	/* After every CPU turned VMX/SVM off. */
	lhv_emergency_unregister();
	lhv_ops->hardware_unsetup();
	pr_info("unloaded\n");
}

module_init(lhv_init);
module_exit(lhv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lhv: a light hypervisor speaking the KVM API");
