// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/lib/kvm_util.c - device, VM, memslot and vCPU helpers on top
 * of the KVM ioctl ABI (see kvm_util.h).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_util.h"
#include "kvm-stats.h"

#define DEFAULT_DEV	"/dev/lhv"

const char *kvm_dev_path(void)
{
	const char *p = getenv("LHV_DEV");

	return p && *p ? p : DEFAULT_DEV;
}

/* lhv-only behaviour (module unload, lhv's own ioctls) is tested there only. */
bool kvm_dev_is_lhv(void)
{
	const char *p = kvm_dev_path();
	const char *base = strrchr(p, '/');

	return !strcmp(base ? base + 1 : p, "lhv");
}

int kvm_open_dev(void)
{
	int fd = open(kvm_dev_path(), O_RDWR | O_CLOEXEC);

	if (fd < 0)
		TEST_SKIP("cannot open %s: %s", kvm_dev_path(),
			  strerror(errno));
	return fd;
}

int kvm_check_cap(long cap)
{
	int fd = kvm_open_dev();
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	TEST_ASSERT(r >= 0, "KVM_CHECK_EXTENSION(%ld): %s", cap,
		    strerrorname(errno));
	close(fd);
	return r;
}

int kvm_test_main(const struct test_case *tests, unsigned int nr)
{
	char why[300];
	int fd = open(kvm_dev_path(), O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot open %s: %s",
			 kvm_dev_path(), strerror(errno));
		fprintf(stderr, "%s\n", why);
		ktap_skip_all(why);
	}
	close(fd);
	snprintf(ktap_banner, sizeof(ktap_banner), "device %s",
		 kvm_dev_path());
	return ktap_main(tests, nr);
}

struct kvm_vm *vm_create_barebones(void)
{
	struct kvm_vm *vm = calloc(1, sizeof(*vm));

	TEST_ASSERT(vm, "out of memory");
	vm->kvm_fd = kvm_open_dev();
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm->fd >= 0, "KVM_CREATE_VM: %s", strerrorname(errno));
	return vm;
}

struct kvm_vm *vm_create(u64 mem_size)
{
	struct kvm_vm *vm = vm_create_barebones();

	vm_add_anon_slot(vm, 0, 0, mem_size);
	return vm;
}

struct kvm_vm *vm_create_realmode(u64 mem_size, struct kvm_vcpu **vcpu,
				  u64 rip)
{
	struct kvm_vm *vm = vm_create(mem_size);

	*vcpu = vm_vcpu_add(vm, 0);
	vcpu_set_realmode(*vcpu, rip);
	return vm;
}

void vm_free(struct kvm_vm *vm)
{
	unsigned int i;

	if (vm->vcpu)
		vcpu_free(vm->vcpu);
	if (vm->fd >= 0)
		close(vm->fd);
	for (i = 0; i < VM_MAX_SLOTS; i++)
		if (vm->slots[i].in_use)
			munmap(vm->slots[i].hva, vm->slots[i].size);
	close(vm->kvm_fd);
	free(vm);
}

int __vm_set_user_memory_region(struct kvm_vm *vm, u32 slot, u32 flags,
				u64 gpa, u64 size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (u64)(unsigned long)hva,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r);
}

void vm_set_user_memory_region(struct kvm_vm *vm, u32 slot, u32 flags,
			       u64 gpa, u64 size, void *hva)
{
	int r = __vm_set_user_memory_region(vm, slot, flags, gpa, size, hva);

	TEST_ASSERT(r == 0,
		    "KVM_SET_USER_MEMORY_REGION slot %u gpa 0x%llx size 0x%llx: %s",
		    slot, (unsigned long long)gpa, (unsigned long long)size,
		    strerrorname(errno));
}

static struct userspace_mem *find_slot(struct kvm_vm *vm, u32 slot)
{
	unsigned int i;

	for (i = 0; i < VM_MAX_SLOTS; i++)
		if (vm->slots[i].in_use && vm->slots[i].slot == slot)
			return &vm->slots[i];
	return NULL;
}

void *vm_add_anon_slot(struct kvm_vm *vm, u32 slot, u64 gpa, u64 size)
{
	struct userspace_mem *m = NULL;
	unsigned int i;
	void *hva;

	for (i = 0; i < VM_MAX_SLOTS && !m; i++)
		if (!vm->slots[i].in_use)
			m = &vm->slots[i];
	TEST_ASSERT(m, "too many slots for the library");
	hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(hva != MAP_FAILED, "mmap %llu bytes: %s",
		    (unsigned long long)size, strerror(errno));
	vm_set_user_memory_region(vm, slot, 0, gpa, size, hva);
	*m = (struct userspace_mem){ slot, gpa, size, hva, true };
	return hva;
}

void vm_move_slot(struct kvm_vm *vm, u32 slot, u64 new_gpa)
{
	struct userspace_mem *m = find_slot(vm, slot);

	TEST_ASSERT(m, "no slot %u", slot);
	vm_set_user_memory_region(vm, slot, 0, new_gpa, m->size, m->hva);
	m->gpa = new_gpa;
}

void vm_delete_slot(struct kvm_vm *vm, u32 slot)
{
	struct userspace_mem *m = find_slot(vm, slot);

	TEST_ASSERT(m, "no slot %u", slot);
	vm_set_user_memory_region(vm, slot, 0, m->gpa, 0, m->hva);
	munmap(m->hva, m->size);
	m->in_use = false;
}

void *addr_gpa2hva(struct kvm_vm *vm, u64 gpa)
{
	unsigned int i;

	for (i = 0; i < VM_MAX_SLOTS; i++) {
		struct userspace_mem *m = &vm->slots[i];

		if (m->in_use && gpa >= m->gpa && gpa - m->gpa < m->size)
			return (u8 *)m->hva + (gpa - m->gpa);
	}
	TEST_FAIL("GPA 0x%llx is in no memslot", (unsigned long long)gpa);
}

/* Copies may not cross a slot boundary: the tests never need that. */
void vm_write(struct kvm_vm *vm, u64 gpa, const void *src, size_t len)
{
	addr_gpa2hva(vm, gpa + len - 1);
	memcpy(addr_gpa2hva(vm, gpa), src, len);
}

void vm_read(struct kvm_vm *vm, u64 gpa, void *dst, size_t len)
{
	addr_gpa2hva(vm, gpa + len - 1);
	memcpy(dst, addr_gpa2hva(vm, gpa), len);
}

struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, u32 id)
{
	struct kvm_vcpu *vcpu = calloc(1, sizeof(*vcpu));
	int size;

	TEST_ASSERT(vcpu, "out of memory");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	TEST_ASSERT(vcpu->fd >= 0, "KVM_CREATE_VCPU(%u): %s", id,
		    strerrorname(errno));
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	TEST_ASSERT(size >= (int)sizeof(struct kvm_run),
		    "KVM_GET_VCPU_MMAP_SIZE: %d %s", size, strerrorname(errno));
	vcpu->run_size = size;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	TEST_ASSERT(vcpu->run != MAP_FAILED, "mmap kvm_run: %s",
		    strerrorname(errno));
	if (!vm->vcpu)
		vm->vcpu = vcpu;
	return vcpu;
}

void vcpu_free(struct kvm_vcpu *vcpu)
{
	if (vcpu->vm && vcpu->vm->vcpu == vcpu)
		vcpu->vm->vcpu = NULL;
	munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
	free(vcpu);
}

/* Real mode with every segment at base 0 and CS:IP = 0000:@rip. */
void vcpu_set_realmode(struct kvm_vcpu *vcpu, u64 rip)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	vcpu_sregs_get(vcpu, &sregs);
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	vcpu_sregs_set(vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rflags = 0x2;
	regs.rsp = 0xfff0;
	vcpu_regs_set(vcpu, &regs);
}

int __vcpu_run(struct kvm_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0);
}

void vcpu_run(struct kvm_vcpu *vcpu)
{
	int r;

	do {
		r = __vcpu_run(vcpu);
	} while (r < 0 && errno == EINTR &&
		 vcpu->run->exit_reason == KVM_EXIT_INTR);
	if (r < 0)
		vcpu_dump_exit(vcpu);
	TEST_ASSERT(r == 0, "KVM_RUN: %s", strerrorname(errno));
}

void vcpu_regs_get(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	vcpu_ioctl(vcpu, KVM_GET_REGS, regs);
}

void vcpu_regs_set(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	vcpu_ioctl(vcpu, KVM_SET_REGS, regs);
}

void vcpu_sregs_get(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	vcpu_ioctl(vcpu, KVM_GET_SREGS, sregs);
}

void vcpu_sregs_set(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	vcpu_ioctl(vcpu, KVM_SET_SREGS, sregs);
}

u64 vcpu_get_rip(struct kvm_vcpu *vcpu)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	return regs.rip;
}

const char *exit_reason_str(u32 reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "KVM_EXIT_UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "KVM_EXIT_EXCEPTION",
		[KVM_EXIT_IO] = "KVM_EXIT_IO",
		[KVM_EXIT_HYPERCALL] = "KVM_EXIT_HYPERCALL",
		[KVM_EXIT_DEBUG] = "KVM_EXIT_DEBUG",
		[KVM_EXIT_HLT] = "KVM_EXIT_HLT",
		[KVM_EXIT_MMIO] = "KVM_EXIT_MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "KVM_EXIT_IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "KVM_EXIT_SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "KVM_EXIT_FAIL_ENTRY",
		[KVM_EXIT_INTR] = "KVM_EXIT_INTR",
		[KVM_EXIT_SET_TPR] = "KVM_EXIT_SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "KVM_EXIT_TPR_ACCESS",
		[KVM_EXIT_NMI] = "KVM_EXIT_NMI",
		[KVM_EXIT_INTERNAL_ERROR] = "KVM_EXIT_INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "KVM_EXIT_SYSTEM_EVENT",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "KVM_EXIT_?";
}

/* Everything the run page says about the last exit, as KTAP comments. */
void vcpu_dump_exit(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	unsigned int i;

	ktap_print("exit %s (%u)", exit_reason_str(run->exit_reason),
		   run->exit_reason);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		ktap_print("io port 0x%x size %u dir %s count %u",
			   run->io.port, run->io.size,
			   run->io.direction ? "out" : "in", run->io.count);
		break;
	case KVM_EXIT_MMIO:
		ktap_print("mmio gpa 0x%llx len %u %s",
			   (unsigned long long)run->mmio.phys_addr,
			   run->mmio.len, run->mmio.is_write ? "write" : "read");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		ktap_print("hardware_entry_failure_reason 0x%llx",
			   (unsigned long long)
			   run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		ktap_print("suberror %u ndata %u", run->internal.suberror,
			   run->internal.ndata);
		for (i = 0; i < run->internal.ndata && i < 16; i++)
			ktap_print("  data[%u] 0x%llx", i,
				   (unsigned long long)run->internal.data[i]);
		break;
	}
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) == 0)
		ktap_print("rip 0x%llx rsp 0x%llx rax 0x%llx rflags 0x%llx",
			   regs.rip, regs.rsp, regs.rax, regs.rflags);
}

void __assert_io_exit(struct kvm_vcpu *vcpu, u16 port, u8 size, u8 dir,
		      u32 count, const char *file, int line)
{
	struct kvm_run *run = vcpu->run;

	if (run->exit_reason != KVM_EXIT_IO || run->io.port != port ||
	    run->io.size != size || run->io.direction != dir ||
	    run->io.count != count) {
		vcpu_dump_exit(vcpu);
		__test_fail(file, line, "io exit",
			    "expected KVM_EXIT_IO port 0x%x size %u %s count %u",
			    port, size, dir ? "out" : "in", count);
	}
	if (run->io.data_offset < sizeof(*run) ||
	    run->io.data_offset + (u64)size * count > vcpu->run_size)
		__test_fail(file, line, "io.data_offset",
			    "data_offset %llu outside the mapping (%zu bytes)",
			    (unsigned long long)run->io.data_offset,
			    vcpu->run_size);
}

struct kvm_cpuid2 *kvm_get_supported_cpuid(void)
{
	int fd, nent = 128;
	struct kvm_cpuid2 *c;

	if (kvm_check_cap(KVM_CAP_EXT_CPUID) <= 0)
		return NULL;
	fd = kvm_open_dev();
	for (;;) {
		c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		TEST_ASSERT(c, "out of memory");
		c->nent = nent;
		if (ioctl(fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		free(c);
		if (errno != E2BIG || nent >= 4096) {
			c = NULL;
			break;
		}
		nent *= 2;
	}
	close(fd);
	return c;
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, u32 fn, u32 idx)
{
	u32 i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn &&
		    (c->entries[i].index == idx ||
		     !(c->entries[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX)))
			return &c->entries[i];
	return NULL;
}

int __vcpu_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid2 *c)
{
	return ioctl(vcpu->fd, KVM_SET_CPUID2, c);
}

bool vcpu_set_cpuid_supported(struct kvm_vcpu *vcpu)
{
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid();
	int r;

	if (!c)
		return false;
	r = __vcpu_set_cpuid(vcpu, c);
	free(c);
	return r == 0;
}

u64 vcpu_stat(struct kvm_vcpu *vcpu, const char *name)
{
	int fd = kvm_stats_open(vcpu->fd);
	__u64 v = 0;
	int r;

	TEST_ASSERT(fd >= 0, "KVM_GET_STATS_FD: %s", strerrorname(errno));
	r = kvm_stats_get(fd, name, &v);
	close(fd);
	TEST_ASSERT(r == 0, "no counter \"%s\" in the vCPU's stats", name);
	return v;
}
