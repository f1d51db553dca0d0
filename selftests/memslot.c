// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/memslot.c - KVM_SET_USER_MEMORY_REGION: adding, moving and
 * deleting slots as the guest sees it, and every bad request rejected
 * with the errno KVM gives (measured on kvm-amd, Linux 6.1), memory
 * beyond the guest-physical limit included.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "processor.h"

#define S1_GPA		(1 * GiB)
#define S1_MOVED	(2 * GiB + 64 * MiB)
#define S1_SIZE		(2 * MiB)
#define MARKER		0x5107da7a5107da7aULL

/* --- guest code: report the word at probe_addr, forever --- */

static u64 probe_addr;

static void guest_probe(void)
{
	for (;;) {
		u64 a = *(volatile u64 *)&probe_addr;

		GUEST_SYNC2(a, *(volatile u64 *)a);
	}
}

/* --- host side --- */

static void *anon(u64 size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

static struct kvm_vm *probe_vm(struct kvm_vcpu **vcpu)
{
	return vm_create_longmode(0, vcpu, guest_probe, 0, 0);
}

/* Run the guest once on @gpa and return what it read there. */
static u64 probe(struct kvm_vcpu *vcpu, u64 gpa)
{
	struct ucall uc;

	guest_global(vcpu->vm, probe_addr) = gpa;
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], gpa);
	return uc.args[1];
}

/*
 * The guest reads @gpa, which no slot covers: that is MMIO, and KVM (and
 * lhv) exit with KVM_EXIT_MMIO for exactly that address and width.
 */
static void probe_hole(struct kvm_vcpu *vcpu, u64 gpa)
{
	struct kvm_run *run = vcpu->run;

	guest_global(vcpu->vm, probe_addr) = gpa;
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_MMIO);
	TEST_ASSERT_EQ(run->mmio.phys_addr, gpa);
	TEST_ASSERT_EQ(run->mmio.len, 8);
	TEST_ASSERT_EQ(run->mmio.is_write, 0);
}

static void add_slot(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = probe_vm(&vcpu);
	u64 *p;

	/* Slot 0 works before anything is added. */
	*(u64 *)addr_gpa2hva(vm, 40 * MiB) = MARKER ^ 1;
	TEST_ASSERT_EQ(probe(vcpu, 40 * MiB), MARKER ^ 1);
	/* A slot added after the guest has run is visible at once. */
	p = vm_add_anon_slot(vm, 1, S1_GPA, S1_SIZE);
	p[0] = MARKER;
	p[S1_SIZE / 8 - 1] = ~MARKER;
	TEST_ASSERT_EQ(probe(vcpu, S1_GPA), MARKER);
	TEST_ASSERT_EQ(probe(vcpu, S1_GPA + S1_SIZE - 8), ~MARKER);
	/* Setting a slot to exactly what it is already is a no-op. */
	TEST_ASSERT_EQ(__vm_set_user_memory_region(vm, 1, 0, S1_GPA, S1_SIZE,
						   p), 0);
	TEST_ASSERT_EQ(probe(vcpu, S1_GPA), MARKER);
	vm_free(vm);
}

static void move_slot(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = probe_vm(&vcpu);
	u64 *p = vm_add_anon_slot(vm, 1, S1_GPA, S1_SIZE);

	p[1] = MARKER;
	TEST_ASSERT_EQ(probe(vcpu, S1_GPA + 8), MARKER);
	vm_move_slot(vm, 1, S1_MOVED);
	/* Same memory at the new address ... */
	TEST_ASSERT_EQ(probe(vcpu, S1_MOVED + 8), MARKER);
	p[1] = MARKER + 1;
	TEST_ASSERT_EQ(probe(vcpu, S1_MOVED + 8), MARKER + 1);
	/* ... and nothing at the old one. */
	probe_hole(vcpu, S1_GPA + 8);
	vm_free(vm);
}

static void delete_slot(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = probe_vm(&vcpu);
	u64 *p = anon(S1_SIZE);

	p[2] = MARKER;
	vm_set_user_memory_region(vm, 1, 0, S1_GPA, S1_SIZE, p);
	TEST_ASSERT_EQ(probe(vcpu, S1_GPA + 16), MARKER);
	vm_set_user_memory_region(vm, 1, 0, S1_GPA, 0, p);
	/* The host's memory is untouched by the delete. */
	TEST_ASSERT_EQ(p[2], MARKER);
	probe_hole(vcpu, S1_GPA + 16);
	munmap(p, S1_SIZE);
	vm_free(vm);
}

/* A deleted slot id can be reused, with another size and place. */
static void delete_and_recreate(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = probe_vm(&vcpu);
	u64 *a = anon(S1_SIZE), *b = anon(2 * S1_SIZE);

	a[0] = MARKER;
	b[S1_SIZE / 8] = ~MARKER;
	vm_set_user_memory_region(vm, 1, 0, S1_GPA, S1_SIZE, a);
	TEST_ASSERT_EQ(probe(vcpu, S1_GPA), MARKER);
	vm_set_user_memory_region(vm, 1, 0, S1_GPA, 0, a);
	vm_set_user_memory_region(vm, 1, 0, S1_MOVED, 2 * S1_SIZE, b);
	TEST_ASSERT_EQ(probe(vcpu, S1_MOVED + S1_SIZE), ~MARKER);
	vm_free(vm);
	munmap(a, S1_SIZE);
	munmap(b, 2 * S1_SIZE);
}

#define EXPECT_EINVAL(...)						\
	TEST_ASSERT_ERRNO(__vm_set_user_memory_region(vm, __VA_ARGS__), EINVAL)

static void bad_alignment(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	u8 *p = anon(S1_SIZE + PAGE_SIZE);

	EXPECT_EINVAL(1, 0, S1_GPA + 0x800, S1_SIZE, p);	/* GPA */
	EXPECT_EINVAL(1, 0, S1_GPA + 1, S1_SIZE, p);
	EXPECT_EINVAL(1, 0, S1_GPA, S1_SIZE + 0x800, p);	/* size */
	EXPECT_EINVAL(1, 0, S1_GPA, 1, p);
	EXPECT_EINVAL(1, 0, S1_GPA, S1_SIZE, p + 0x10);		/* HVA */
	EXPECT_EINVAL(1, 0, S1_GPA, S1_SIZE, p + 0x800);
	/* Aligned, the same request is fine. */
	vm_set_user_memory_region(vm, 1, 0, S1_GPA, S1_SIZE, p + PAGE_SIZE);
	vm_free(vm);
}

static void bad_modify(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	u8 *p = anon(2 * S1_SIZE), *q = anon(S1_SIZE);

	vm_set_user_memory_region(vm, 1, 0, S1_GPA, S1_SIZE, p);
	/* An existing slot cannot change size ... */
	EXPECT_EINVAL(1, 0, S1_GPA, 2 * S1_SIZE, p);
	EXPECT_EINVAL(1, 0, S1_GPA, S1_SIZE - PAGE_SIZE, p);
	/* ... nor its host memory, even when moving. */
	EXPECT_EINVAL(1, 0, S1_GPA, S1_SIZE, q);
	EXPECT_EINVAL(1, 0, S1_MOVED, S1_SIZE, q);
	vm_free(vm);
}

static void overlap(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	u8 *p = anon(S1_SIZE), *q = anon(4 * S1_SIZE);

	vm_set_user_memory_region(vm, 1, 0, S1_GPA, S1_SIZE, p);
	TEST_ASSERT_ERRNO(__vm_set_user_memory_region(vm, 2, 0, S1_GPA,
						      S1_SIZE, q), EEXIST);
	TEST_ASSERT_ERRNO(__vm_set_user_memory_region(vm, 2, 0,
						      S1_GPA + S1_SIZE / 2,
						      S1_SIZE, q), EEXIST);
	TEST_ASSERT_ERRNO(__vm_set_user_memory_region(vm, 2, 0,
						      S1_GPA - PAGE_SIZE,
						      2 * PAGE_SIZE, q), EEXIST);
	/* Covering it entirely. */
	TEST_ASSERT_ERRNO(__vm_set_user_memory_region(vm, 2, 0,
						      S1_GPA - S1_SIZE,
						      4 * S1_SIZE, q), EEXIST);
	/* Moving another slot onto it. */
	vm_set_user_memory_region(vm, 3, 0, S1_MOVED, S1_SIZE, q);
	TEST_ASSERT_ERRNO(__vm_set_user_memory_region(vm, 3, 0, S1_GPA,
						      S1_SIZE, q), EEXIST);
	/* Adjacent is not overlapping. */
	vm_set_user_memory_region(vm, 2, 0, S1_GPA + S1_SIZE, S1_SIZE, q);
	vm_set_user_memory_region(vm, 4, 0, S1_GPA - S1_SIZE, S1_SIZE,
				  q + S1_SIZE);
	vm_free(vm);
}

static void bad_flags(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	u8 *p = anon(S1_SIZE);

	EXPECT_EINVAL(1, 0x80000000, S1_GPA, S1_SIZE, p);
	EXPECT_EINVAL(1, 1u << 8, S1_GPA, S1_SIZE, p);
	EXPECT_EINVAL(1, 0xfffffffc, S1_GPA, S1_SIZE, p);
	vm_free(vm);
}

static void bad_slot_id(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	int nr = kvm_check_cap(KVM_CAP_NR_MEMSLOTS);
	int as = kvm_check_cap(KVM_CAP_MULTI_ADDRESS_SPACE);
	u8 *p = anon(S1_SIZE);

	ktap_print("NR_MEMSLOTS %d MULTI_ADDRESS_SPACE %d", nr, as);
	TEST_ASSERT(nr > 0 && nr <= 0xffff, "NR_MEMSLOTS %d", nr);
	EXPECT_EINVAL(nr, 0, S1_GPA, S1_SIZE, p);
	EXPECT_EINVAL(0xffff, 0, S1_GPA, S1_SIZE, p);
	/* The highest id is usable. */
	vm_set_user_memory_region(vm, nr - 1, 0, S1_GPA, S1_SIZE, p);
	/* Address spaces beyond those announced (x86 KVM has 2: SMM). */
	EXPECT_EINVAL(((as > 1 ? as : 1) << 16) | 2, 0, S1_MOVED, S1_SIZE,
		      p);
	EXPECT_EINVAL(0xffff0002, 0, S1_MOVED, S1_SIZE, p);
	vm_free(vm);
}

static void delete_nonexistent(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	u8 *p = anon(S1_SIZE);

	EXPECT_EINVAL(5, 0, S1_GPA, 0, p);
	vm_set_user_memory_region(vm, 5, 0, S1_GPA, S1_SIZE, p);
	vm_set_user_memory_region(vm, 5, 0, S1_GPA, 0, p);
	/* Deleted already. */
	EXPECT_EINVAL(5, 0, S1_GPA, 0, p);
	vm_free(vm);
}

static void bad_host_address(void)
{
	struct kvm_vm *vm = vm_create_barebones();

	/* Kernel half, and the first non-canonical address above user. */
	EXPECT_EINVAL(1, 0, S1_GPA, S1_SIZE, (void *)0xffff888000000000ULL);
	EXPECT_EINVAL(1, 0, S1_GPA, S1_SIZE, (void *)0xffffffff81000000ULL);
	EXPECT_EINVAL(1, 0, S1_GPA, S1_SIZE, (void *)0x0000800000000000ULL);
	/* A user range that runs into the kernel half. */
	EXPECT_EINVAL(1, 0, S1_GPA, S1_SIZE, (void *)(0x0000800000000000ULL -
						      PAGE_SIZE));
	vm_free(vm);
}

/* KVM_MEM_MAX_NR_PAGES aside, a slot may not wrap the GPA space. */
static void gpa_wrap(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	u8 *p = anon(S1_SIZE);

	EXPECT_EINVAL(1, 0, 0xffffffffffe00000ULL + PAGE_SIZE, S1_SIZE, p);
	EXPECT_EINVAL(1, 0, 0xfffffffffffff000ULL, 2 * PAGE_SIZE, p);
	vm_free(vm);
}

/*
 * No slot above what the guest can address.  KVM refuses memory above the
 * host's MAXPHYADDR (what CPUID 0x80000008 reports to guests) with
 * EINVAL; lhv does too, and also refuses memory at or above 2^48 where
 * its 4-level EPT/NPT would walk the address with the high bits dropped
 * and alias memory below.  The lab's CPUs have MAXPHYADDR 40 or less, so
 * here both limits give EINVAL on both devices.
 */
static void gpa_beyond_tables(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid();
	struct kvm_cpuid_entry2 *e = cpuid ? cpuid_find(cpuid, 0x80000008, 0) :
					     NULL;
	unsigned int phys = e ? e->eax & 0xff : 36;
	u8 *p = anon(2 * PAGE_SIZE);
	u64 top;

	ktap_print("MAXPHYADDR %u", phys);
	if (phys <= 48) {
		EXPECT_EINVAL(1, 0, 1ULL << 48, PAGE_SIZE, p);
		EXPECT_EINVAL(1, 0, (1ULL << 48) - PAGE_SIZE, 2 * PAGE_SIZE,
			      p);
		EXPECT_EINVAL(1, 0, 1ULL << 51, PAGE_SIZE, p);
	}
	/* Memory may end exactly at the limit, not a page beyond. */
	top = 1ULL << (phys < 48 ? phys : 48);
	EXPECT_EINVAL(1, 0, top - PAGE_SIZE, 2 * PAGE_SIZE, p);
	EXPECT_EINVAL(1, 0, top, PAGE_SIZE, p);
	vm_set_user_memory_region(vm, 1, 0, top - PAGE_SIZE, PAGE_SIZE, p);
	/* Nor may a slot move past it. */
	EXPECT_EINVAL(1, 0, top, PAGE_SIZE, p);
	vm_set_user_memory_region(vm, 1, 0, top - 2 * PAGE_SIZE, PAGE_SIZE, p);
	vm_free(vm);
	free(cpuid);
	munmap(p, 2 * PAGE_SIZE);
}

/*
 * Host memory that is not mapped: KVM takes the slot (it only checks
 * the range is user space) and fails the vCPU's access with EFAULT.
 */
static void unmapped_host_memory(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = probe_vm(&vcpu);
	u8 *p = anon(S1_SIZE);
	int r;

	munmap(p, S1_SIZE);
	vm_set_user_memory_region(vm, 1, 0, S1_GPA, S1_SIZE, p);
	guest_global(vm, probe_addr) = S1_GPA;
	r = __vcpu_run(vcpu);
	if (r == 0)
		vcpu_dump_exit(vcpu);
	TEST_ASSERT_ERRNO(r, EFAULT);
	vm_free(vm);
}

/* After all those failures the VM's real slots are as they were. */
static void rejected_requests_change_nothing(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = probe_vm(&vcpu);
	u64 *p = vm_add_anon_slot(vm, 1, S1_GPA, S1_SIZE);
	u8 *q = anon(2 * S1_SIZE);

	p[3] = MARKER;
	__vm_set_user_memory_region(vm, 1, 0, S1_GPA, 2 * S1_SIZE, q);
	__vm_set_user_memory_region(vm, 2, 0, S1_GPA, S1_SIZE, q);
	__vm_set_user_memory_region(vm, 1, 0x80000000, S1_MOVED, S1_SIZE, p);
	__vm_set_user_memory_region(vm, 1, 0, S1_MOVED + 1, S1_SIZE, p);
	TEST_ASSERT_EQ(probe(vcpu, S1_GPA + 24), MARKER);
	probe_hole(vcpu, S1_MOVED + 24);
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE(add_slot),
	TEST_CASE(move_slot),
	TEST_CASE(delete_slot),
	TEST_CASE(delete_and_recreate),
	TEST_CASE(bad_alignment),
	TEST_CASE(bad_modify),
	TEST_CASE(overlap),
	TEST_CASE(bad_flags),
	TEST_CASE(bad_slot_id),
	TEST_CASE(delete_nonexistent),
	TEST_CASE(bad_host_address),
	TEST_CASE(gpa_wrap),
	TEST_CASE(gpa_beyond_tables),
	TEST_CASE(unmapped_host_memory),
	TEST_CASE(rejected_requests_change_nothing),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
