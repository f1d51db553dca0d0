/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-stats.h - reading KVM's binary statistics (KVM_GET_STATS_FD on a VM
 * or vCPU fd, KVM API 4.133) by name, for every userspace program: the
 * tools, the selftests and the benchmark.  The same code reads lhv's
 * counters on /dev/lhv and KVM's on /dev/kvm; the names come from the
 * file, so no program keeps a table of them.
 *
 *	int fd = kvm_stats_open(vcpu_fd);	(-1: no stats there)
 *	kvm_stats_get(fd, "exits", &v);		(0, or -1: no such name)
 *	kvm_stats_each(fd, callback, arg);	(every counter, in order)
 *	close(fd);
 */
#ifndef KVM_STATS_H
#define KVM_STATS_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

static inline int kvm_stats_open(int vm_or_vcpu_fd)
{
	return ioctl(vm_or_vcpu_fd, KVM_GET_STATS_FD, NULL);
}

static inline int kvm_stats_pread(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		errno = EIO;
	return -1;
}

/*
 * Call @fn for each counter: its name, its first value and the
 * descriptor's flags (KVM_STATS_TYPE_* | UNIT | BASE).  Stops at a
 * non-zero return of @fn and returns it; -1 when the file cannot be read.
 */
static inline int kvm_stats_each(int fd,
				 int (*fn)(const char *name, __u64 value,
					   __u32 flags, void *arg),
				 void *arg)
{
	struct kvm_stats_header h;
	size_t dsz;
	char *descs;
	__u64 v;
	__u32 i;
	int r = 0;

	if (kvm_stats_pread(fd, &h, sizeof(h), 0))
		return -1;
	dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = malloc(dsz * h.num_desc);
	if (!descs)
		return -1;
	if (kvm_stats_pread(fd, descs, dsz * h.num_desc, h.desc_offset)) {
		free(descs);
		return -1;
	}
	for (i = 0; i < h.num_desc && !r; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * dsz);

		d->name[h.name_size - 1] = 0;
		if (kvm_stats_pread(fd, &v, sizeof(v),
				    h.data_offset + d->offset)) {
			r = -1;
			break;
		}
		r = fn(d->name, v, d->flags, arg);
	}
	free(descs);
	return r;
}

struct kvm_stats_lookup {
	const char *name;
	__u64 value;
};

static inline int kvm_stats_match(const char *name, __u64 value, __u32 flags,
				  void *arg)
{
	struct kvm_stats_lookup *l = arg;

	if (strcmp(name, l->name))
		return 0;
	l->value = value;
	return 1;
}

/* The value of counter @name: 0, or -1 when there is none (or no file). */
static inline int kvm_stats_get(int fd, const char *name, __u64 *value)
{
	struct kvm_stats_lookup l = { .name = name };

	if (kvm_stats_each(fd, kvm_stats_match, &l) != 1)
		return -1;
	*value = l.value;
	return 0;
}

#endif /* KVM_STATS_H */
