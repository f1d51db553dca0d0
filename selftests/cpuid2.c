// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/cpuid2.c - a CPUID table of the test's own making:
 * KVM_GET_SUPPORTED_CPUID refuses too small a buffer with E2BIG;
 * KVM_SET_CPUID2 with custom leaves (leaf 0 max and vendor, a hypervisor
 * range at 0x40000000 with its signature, a leaf with significant
 * subleaves) and the guest reads exactly those values, zeros for a leaf
 * in range but absent from the table; KVM_GET_CPUID2 returns the table
 * (E2BIG when the buffer is one entry short).
 */
#include <stdlib.h>
#include <unistd.h>

#include "processor.h"

#define MAX_BASIC	7

struct leaf {
	u32 fn, idx;
};

/* What the guest reads, in order. */
static const struct leaf guest_leaves[] = {
	{ 0, 0 }, { 1, 0 }, { 5, 0 }, { 0x40000000, 0 }, { 0x40000001, 0 },
	{ 0x40000002, 0 }, { 0x40000002, 1 }, { 0x40000002, 7 },
	{ 0x80000000, 0 },
};

static void guest_read_leaves(void)
{
	u32 a, b, c, d, i;

	for (i = 0; i < ARRAY_SIZE(guest_leaves); i++) {
		guest_cpuid(guest_leaves[i].fn, guest_leaves[i].idx, &a, &b,
			    &c, &d);
		GUEST_SYNC4(a, b, c, d);
	}
}

static void sig(const char s[12], u32 *b, u32 *c, u32 *d)
{
	memcpy(b, s, 4);
	memcpy(d, s + 4, 4);
	memcpy(c, s + 8, 4);
}

static struct kvm_cpuid2 *cpuid_alloc(unsigned int n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
				      n * sizeof(struct kvm_cpuid_entry2));

	TEST_ASSERT(c, "out of memory");
	c->nent = n;
	return c;
}

/*
 * The table: leaf 0 (max 7, vendor "LhvCpuid2Tst"), leaf 1 as supported,
 * 0x40000000-2 (signature, data, two significant subleaves),
 * 0x80000000-1 (max, and 0x80000001 as supported: long mode).
 */
static struct kvm_cpuid2 *custom_table(void)
{
	struct kvm_cpuid2 *sup = kvm_get_supported_cpuid();
	struct kvm_cpuid2 *c = cpuid_alloc(8);
	struct kvm_cpuid_entry2 *e = c->entries, *s;

	TEST_REQUIRE(sup);
	e[0].function = 0;
	e[0].eax = MAX_BASIC;
	sig("LhvCpuid2Tst", &e[0].ebx, &e[0].ecx, &e[0].edx);

	s = cpuid_find(sup, 1, 0);
	TEST_ASSERT(s, "no supported leaf 1");
	e[1] = *s;

	e[2].function = 0x40000000;
	e[2].eax = 0x40000002;
	sig("TestHypSig42", &e[2].ebx, &e[2].ecx, &e[2].edx);

	e[3].function = 0x40000001;
	e[3].eax = 0x12345678;
	e[3].ebx = 0x9abcdef0;
	e[3].ecx = 0x0fedcba9;
	e[3].edx = 0x87654321;

	e[4].function = 0x40000002;
	e[4].index = 0;
	e[4].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	e[4].eax = 0xaaaa0000;
	e[4].ebx = 0xbbbb0000;
	e[4].ecx = 0xcccc0000;
	e[4].edx = 0xdddd0000;
	e[5] = e[4];
	e[5].index = 1;
	e[5].eax = 0xaaaa0001;
	e[5].ebx = 0xbbbb0001;
	e[5].ecx = 0xcccc0001;
	e[5].edx = 0xdddd0001;

	e[6].function = 0x80000000;
	e[6].eax = 0x80000001;
	sig("ExtendedLeaf", &e[6].ebx, &e[6].ecx, &e[6].edx);

	s = cpuid_find(sup, 0x80000001, 0);
	TEST_ASSERT(s, "no supported leaf 0x80000001");
	e[7] = *s;
	free(sup);
	return c;
}

/*
 * KVM keeps leaf 1's EDX.APIC (bit 9) and ECX.OSXSAVE (bit 27) in step
 * with the vCPU's APIC base and CR4: not the table's to decide.
 */
static bool entry_matches(const struct kvm_cpuid_entry2 *e, u32 a, u32 b,
			  u32 c, u32 d)
{
	u32 cm = ~0u, dm = ~0u;

	if (e->function == 1) {
		cm = ~(1u << 27);
		dm = ~(1u << 9);
	}
	return e->eax == a && e->ebx == b && ((e->ecx ^ c) & cm) == 0 &&
	       ((e->edx ^ d) & dm) == 0;
}

/* --- KVM_GET_SUPPORTED_CPUID --- */

static void supported_e2big(void)
{
	struct kvm_cpuid2 *c = cpuid_alloc(1);
	struct kvm_cpuid2 *full = kvm_get_supported_cpuid();
	int fd;

	TEST_REQUIRE(full);
	ktap_print("%u supported entries", full->nent);
	TEST_ASSERT(full->nent > 1, "%u entries", full->nent);
	TEST_ASSERT(cpuid_find(full, 0, 0) && cpuid_find(full, 0x80000000, 0),
		    "leaf 0 or 0x80000000 missing");
	fd = kvm_open_dev();
	TEST_ASSERT_ERRNO(ioctl(fd, KVM_GET_SUPPORTED_CPUID, c), E2BIG);
	free(c);
	/* One short of what it returned is still too small. */
	c = cpuid_alloc(full->nent - 1);
	TEST_ASSERT_ERRNO(ioctl(fd, KVM_GET_SUPPORTED_CPUID, c), E2BIG);
	free(c);
	/* Room for more: the same count again. */
	c = cpuid_alloc(full->nent + 8);
	kvm_ioctl(fd, KVM_GET_SUPPORTED_CPUID, c);
	TEST_ASSERT_EQ(c->nent, full->nent);
	free(c);
	free(full);
	close(fd);
}

/* --- KVM_SET_CPUID2: the guest reads exactly the table --- */

static void guest_reads_table(void)
{
	struct kvm_cpuid2 *c = custom_table();
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	unsigned int i;

	vm = vm_create_longmode(0, &vcpu, guest_read_leaves, 0, 0);
	TEST_ASSERT(__vcpu_set_cpuid(vcpu, c) == 0, "KVM_SET_CPUID2: %s",
		    strerrorname(errno));
	for (i = 0; i < ARRAY_SIZE(guest_leaves); i++) {
		const struct leaf *l = &guest_leaves[i];
		struct kvm_cpuid_entry2 *e;
		u32 a, b, cx, d;

		vcpu_run_sync(vcpu, &uc);
		a = uc.args[0];
		b = uc.args[1];
		cx = uc.args[2];
		d = uc.args[3];
		ktap_print("CPUID 0x%x.%u: %08x %08x %08x %08x", l->fn, l->idx,
			   a, b, cx, d);
		e = cpuid_find(c, l->fn, l->idx);
		if (!e) {
			/* In range, absent: all zeros. */
			TEST_ASSERT(!a && !b && !cx && !d,
				    "absent leaf 0x%x.%u not zero", l->fn,
				    l->idx);
			continue;
		}
		TEST_ASSERT(entry_matches(e, a, b, cx, d),
			    "leaf 0x%x.%u: table %08x %08x %08x %08x", l->fn,
			    l->idx, e->eax, e->ebx, e->ecx, e->edx);
	}
	vcpu_run_done(vcpu);
	vm_free(vm);
	free(c);
}

/* --- KVM_GET_CPUID2 gives the table back --- */

static void get_cpuid2(void)
{
	struct kvm_cpuid2 *c = custom_table();
	struct kvm_cpuid2 *got;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	unsigned int i, j, n = c->nent;

	vm = vm_create_longmode(0, &vcpu, guest_read_leaves, 0, 0);
	TEST_ASSERT(__vcpu_set_cpuid(vcpu, c) == 0, "KVM_SET_CPUID2: %s",
		    strerrorname(errno));

	got = cpuid_alloc(n - 1);
	TEST_ASSERT_ERRNO(__vcpu_ioctl(vcpu, KVM_GET_CPUID2, got), E2BIG);
	free(got);

	got = cpuid_alloc(n);
	vcpu_ioctl(vcpu, KVM_GET_CPUID2, got);
	TEST_ASSERT_EQ(got->nent, n);
	for (i = 0; i < n; i++) {
		struct kvm_cpuid_entry2 *want = &c->entries[i], *e = NULL;

		for (j = 0; j < n && !e; j++)
			if (got->entries[j].function == want->function &&
			    got->entries[j].index == want->index)
				e = &got->entries[j];
		TEST_ASSERT(e, "leaf 0x%x.%u not returned", want->function,
			    want->index);
		TEST_ASSERT(entry_matches(want, e->eax, e->ebx, e->ecx, e->edx),
			    "leaf 0x%x.%u: %08x %08x %08x %08x", want->function,
			    want->index, e->eax, e->ebx, e->ecx, e->edx);
		TEST_ASSERT_EQ(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			       want->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	}
	free(got);
	vm_free(vm);
	free(c);
}

/* Too many entries is E2BIG, before anything is read. */
static void set_cpuid2_e2big(void)
{
	struct kvm_cpuid2 *c = cpuid_alloc(1);
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create(LM_DEFAULT_MEM);

	vcpu = vm_vcpu_add(vm, 0);
	c->nent = 1 << 20;
	TEST_ASSERT_ERRNO(__vcpu_ioctl(vcpu, KVM_SET_CPUID2, c), E2BIG);
	free(c);
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE(supported_e2big),
	TEST_CASE(guest_reads_table),
	TEST_CASE(get_cpuid2),
	TEST_CASE(set_cpuid2_e2big),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
