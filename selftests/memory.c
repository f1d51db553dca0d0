// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/memory.c - guest memory is the host's memory: patterns the
 * guest writes are read back by the host, patterns the host writes are
 * checksummed by the guest, changes on either side are seen by the other
 * between runs, accesses that straddle pages work, and a second slot
 * elsewhere in the guest-physical space is just as usable.
 */
#include "processor.h"

#define BUF_GPA		(32 * MiB)
#define BUF_SIZE	(4 * MiB)
#define SLOT1_GPA	(1 * GiB)
#define SLOT1_SIZE	(2 * MiB)

static inline u64 pattern(u64 addr, u64 seed)
{
	return (addr * 0x9e3779b97f4a7c15ULL) ^ seed;
}

/* --- guest code --- */

static void guest_fill(u64 base, u64 size)
{
	u64 a;

	for (a = base; a < base + size; a += 8)
		*(volatile u64 *)a = pattern(a, 0x5eed);
	GUEST_DONE();
}

static void guest_sum(u64 base, u64 size)
{
	u64 a, sum = 0;

	for (a = base; a < base + size; a += 8)
		sum = (sum ^ *(volatile u64 *)a) * 0x100000001b3ULL;
	GUEST_SYNC(sum);
}

/* Reads the same word each round; the host changes it in between. */
static void guest_reread(u64 addr)
{
	for (;;)
		GUEST_SYNC(*(volatile u64 *)addr);
}

/* Stores that straddle a page boundary, of every width. */
static void guest_straddle(u64 boundary)
{
	*(volatile u64 *)(boundary - 4) = 0x1122334455667788ULL;
	*(volatile u32 *)(boundary + 4096 - 2) = 0xaabbccdd;
	*(volatile u16 *)(boundary + 2 * 4096 - 1) = 0xeeff;
	GUEST_SYNC(*(volatile u64 *)(boundary - 4));
}

/* --- host side --- */

static u64 host_sum(const u8 *hva, u64 size)
{
	u64 i, sum = 0;

	for (i = 0; i < size; i += 8)
		sum = (sum ^ *(const u64 *)(hva + i)) * 0x100000001b3ULL;
	return sum;
}

static void guest_writes_host_reads(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_fill, BUF_GPA,
					       BUF_SIZE);
	u64 *p = addr_gpa2hva(vm, BUF_GPA);
	u64 i;

	vcpu_run_done(vcpu);
	for (i = 0; i < BUF_SIZE / 8; i++)
		if (p[i] != pattern(BUF_GPA + i * 8, 0x5eed))
			TEST_FAIL("GPA 0x%llx: 0x%llx, expected 0x%llx",
				  BUF_GPA + i * 8, (unsigned long long)p[i],
				  (unsigned long long)pattern(BUF_GPA + i * 8,
							      0x5eed));
	/* Nothing beyond the buffer was touched. */
	TEST_ASSERT_EQ(p[BUF_SIZE / 8], 0);
	vm_free(vm);
}

static void host_writes_guest_sums(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_sum, BUF_GPA,
					       BUF_SIZE);
	u64 *p = addr_gpa2hva(vm, BUF_GPA);
	struct ucall uc;
	u64 i;

	for (i = 0; i < BUF_SIZE / 8; i++)
		p[i] = pattern(i, 0xfeed);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], host_sum((u8 *)p, BUF_SIZE));
	vm_free(vm);
}

/* Once the guest has the page mapped, host stores still reach it. */
static void changes_seen_between_runs(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_reread,
					       BUF_GPA + 0x128, 0);
	volatile u64 *p = addr_gpa2hva(vm, BUF_GPA + 0x128);
	struct ucall uc;
	u64 v;

	for (v = 1; v <= 0x1000000; v <<= 4) {
		*p = v * 0x0101010101ULL;
		vcpu_run_sync(vcpu, &uc);
		TEST_ASSERT_EQ(uc.args[0], v * 0x0101010101ULL);
	}
	vm_free(vm);
}

static void straddling_stores(void)
{
	struct kvm_vcpu *vcpu;
	u64 b = BUF_GPA + 16 * PAGE_SIZE;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_straddle, b, 0);
	u8 *h = addr_gpa2hva(vm, b);
	struct ucall uc;
	u64 v64;
	u32 v32;
	u16 v16;

	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 0x1122334455667788ULL);
	memcpy(&v64, h - 4, 8);
	memcpy(&v32, h + 4096 - 2, 4);
	memcpy(&v16, h + 2 * 4096 - 1, 2);
	TEST_ASSERT_EQ(v64, 0x1122334455667788ULL);
	TEST_ASSERT_EQ(v32, 0xaabbccdd);
	TEST_ASSERT_EQ(v16, 0xeeff);
	/* Little endian, split exactly at the boundary. */
	TEST_ASSERT_EQ(h[-1], 0x55);
	TEST_ASSERT_EQ(h[0], 0x44);
	vm_free(vm);
}

/* A second slot far from slot 0, written by the guest, read back. */
static void second_slot(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_fill, SLOT1_GPA,
					       SLOT1_SIZE);
	u64 *p = vm_add_anon_slot(vm, 1, SLOT1_GPA, SLOT1_SIZE);
	u64 i;

	vcpu_run_done(vcpu);
	for (i = 0; i < SLOT1_SIZE / 8; i++)
		TEST_ASSERT_EQ(p[i], pattern(SLOT1_GPA + i * 8, 0x5eed));
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE(guest_writes_host_reads),
	TEST_CASE(host_writes_guest_sums),
	TEST_CASE(changes_seen_between_runs),
	TEST_CASE(straddling_stores),
	TEST_CASE(second_slot),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
