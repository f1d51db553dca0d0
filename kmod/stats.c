// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/stats.c - KVM's binary statistics (KVM_GET_STATS_FD on a vCPU or
 * VM fd, KVM API 4.133, KVM_CAP_BINARY_STATS_FD): a read-only fd whose
 * contents are a struct kvm_stats_header, an id string, one struct
 * kvm_stats_desc (plus its name) per counter and the counters' u64
 * values.  The names live here, next to the counters (struct
 * lhv_vcpu_stats, enum lhv_exit_reason in lhv.h): tools read counters by
 * name and need no table of their own, and a new counter changes no ABI.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "lhv.h"

/* Bytes for each name, the trailing NUL included (KVM uses the same). */
#define LHV_STATS_NAME_SIZE	48

/* One name for each enum lhv_exit_reason (a missing one: "exits_"). */
static const char *const lhv_exit_stat_names[LHV_EXIT_NR] = {
	[LHV_EXIT_NONE] = "exits_host",
	[LHV_EXIT_IO] = "exits_io",
	[LHV_EXIT_HLT] = "exits_hlt",
	[LHV_EXIT_CPUID] = "exits_cpuid",
	[LHV_EXIT_RDMSR] = "exits_rdmsr",
	[LHV_EXIT_WRMSR] = "exits_wrmsr",
	[LHV_EXIT_NPF] = "exits_npf",
	[LHV_EXIT_SHUTDOWN] = "exits_shutdown",
	[LHV_EXIT_FAIL_ENTRY] = "exits_fail_entry",
	[LHV_EXIT_UD] = "exits_ud",
	[LHV_EXIT_XSETBV] = "exits_xsetbv",
	[LHV_EXIT_INTR_WINDOW] = "exits_irq_window",
	[LHV_EXIT_EXCEPTION] = "exits_exception",
	[LHV_EXIT_CR_ACCESS] = "exits_cr",
	[LHV_EXIT_UNKNOWN] = "exits_unknown",
};

/* One counter of the file: its name, KVM_STATS_* flags and value. */
struct lhv_stat {
	const char *name;
	u32 flags;
	u64 value;
};

#define LHV_VCPU_NR_STATS	(4 + LHV_EXIT_NR)
#define LHV_VM_NR_STATS		1
#define LHV_MAX_STATS		LHV_VCPU_NR_STATS

/*
 * struct lhv_stats_file - one open stats fd.  It holds a reference on
 * the vCPU's or VM's own file (@owner), so the object outlives the fd.
 */
struct lhv_stats_file {
	struct file *owner;
	struct lhv_vcpu *vcpu;		/* or NULL for the VM's */
	struct lhv_vm *vm;
	char id[LHV_STATS_NAME_SIZE];
};

#define CUMULATIVE	(KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_NONE | \
			 KVM_STATS_BASE_POW10)
#define INSTANT		(KVM_STATS_TYPE_INSTANT | KVM_STATS_UNIT_NONE | \
			 KVM_STATS_BASE_POW10)

/*
 * A snapshot of the counters, in file order.  The vCPU thread updates
 * them without locks; each u64 is read once, whole (naturally aligned).
 */
static int lhv_stats_snapshot(const struct lhv_stats_file *sf,
			      struct lhv_stat *st)
{
	const struct lhv_vcpu_stats *vs;
	u64 total = 0;
	int i, n = 0;

	if (!sf->vcpu) {
		st[n++] = (struct lhv_stat){ "vcpus", INSTANT,
					     READ_ONCE(sf->vm->nr_vcpus) };
		return n;
	}
	vs = &sf->vcpu->stats;
	for (i = 0; i < LHV_EXIT_NR; i++) {
		st[4 + i] = (struct lhv_stat){
			lhv_exit_stat_names[i] ?: "exits_", CUMULATIVE,
			READ_ONCE(vs->exits[i]) };
		total += st[4 + i].value;
	}
	/* "exits" as KVM counts it: every exit, whatever its reason. */
	st[n++] = (struct lhv_stat){ "exits", CUMULATIVE, total };
	st[n++] = (struct lhv_stat){ "runs", CUMULATIVE, READ_ONCE(vs->runs) };
	st[n++] = (struct lhv_stat){ "entries", CUMULATIVE,
				     READ_ONCE(vs->entries) };
	st[n++] = (struct lhv_stat){ "user_exits", CUMULATIVE,
				     READ_ONCE(vs->user_exits) };
	return n + LHV_EXIT_NR;
}

/*
 * The whole file, built for each read (it is small) and copied from
 * *pos: header, id, descriptors with their names, data.
 */
static ssize_t lhv_stats_read(struct file *file, char __user *buf,
			      size_t size, loff_t *pos)
{
	const size_t desc_size = sizeof(struct kvm_stats_desc) +
				 LHV_STATS_NAME_SIZE;
	struct lhv_stats_file *sf = file->private_data;
	struct lhv_stat st[LHV_MAX_STATS];
	struct kvm_stats_header *h;
	size_t len, off;
	ssize_t r;
	u64 *data;
	char *img;
	int i, n;

	n = lhv_stats_snapshot(sf, st);
	off = sizeof(*h) + LHV_STATS_NAME_SIZE;
	len = off + n * desc_size + n * sizeof(u64);
	if (*pos < 0)
		return -EINVAL;
	if (*pos >= len || !size)
		return 0;
	img = kzalloc(len, GFP_KERNEL);
	if (!img)
		return -ENOMEM;

	h = (struct kvm_stats_header *)img;
	h->name_size = LHV_STATS_NAME_SIZE;
	h->num_desc = n;
	h->id_offset = sizeof(*h);
	h->desc_offset = off;
	h->data_offset = off + n * desc_size;
	strscpy(img + h->id_offset, sf->id, LHV_STATS_NAME_SIZE);
	data = (u64 *)(img + h->data_offset);
	for (i = 0; i < n; i++) {
		struct kvm_stats_desc *d = (void *)(img + off + i * desc_size);

		d->flags = st[i].flags;
		d->size = 1;
		d->offset = i * sizeof(u64);	/* into the data block */
		strscpy(d->name, st[i].name, LHV_STATS_NAME_SIZE);
		data[i] = st[i].value;
	}

	size = min_t(size_t, size, len - *pos);
	r = copy_to_user(buf, img + *pos, size) ? -EFAULT : size;
	if (r > 0)
		*pos += r;
	kfree(img);
	return r;
}

static int lhv_stats_release(struct inode *inode, struct file *file)
{
	struct lhv_stats_file *sf = file->private_data;

	fput(sf->owner);
	kfree(sf);
	return 0;
}

static const struct file_operations lhv_stats_fops = {
	.owner = THIS_MODULE,
	.read = lhv_stats_read,
	.release = lhv_stats_release,
	.llseek = noop_llseek,
};

/* A new stats fd that keeps @owner (the vCPU's or VM's file) open. */
static int lhv_stats_fd(struct lhv_stats_file *sf, struct file *owner,
			const char *name)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		goto err_free;
	file = anon_inode_getfile(name, &lhv_stats_fops, sf, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		fd = PTR_ERR(file);
		goto err_free;
	}
	/* pread() at any offset, as KVM's stats fds allow. */
	file->f_mode |= FMODE_PREAD;
	sf->owner = get_file(owner);
	fd_install(fd, file);
	return fd;

err_free:
	kfree(sf);
	return fd;
}

int lhv_vcpu_stats_fd(struct lhv_vcpu *vcpu, struct file *vcpu_file)
{
	struct lhv_stats_file *sf = kzalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT);

	if (!sf)
		return -ENOMEM;
	sf->vcpu = vcpu;
	sf->vm = vcpu->vm;
	snprintf(sf->id, sizeof(sf->id), "lhv-%d/vcpu-%u",
		 task_pid_nr(current), vcpu->vcpu_id);
	return lhv_stats_fd(sf, vcpu_file, "lhv-vcpu-stats");
}

int lhv_vm_stats_fd(struct lhv_vm *vm, struct file *vm_file)
{
	struct lhv_stats_file *sf = kzalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT);

	if (!sf)
		return -ENOMEM;
	sf->vm = vm;
	snprintf(sf->id, sizeof(sf->id), "lhv-%d", task_pid_nr(current));
	return lhv_stats_fd(sf, vm_file, "lhv-vm-stats");
}
