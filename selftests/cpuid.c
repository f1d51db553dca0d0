// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/cpuid.c - CPUID in the guest is answered in the kernel, never
 * as an exit to userspace; with KVM_SET_CPUID2 the guest sees exactly the
 * table that was set; KVM_GET_SUPPORTED_CPUID is sane.  Where the device
 * lacks KVM_CAP_EXT_CPUID or KVM_SET_CPUID2, those subtests skip.
 */
#include <stdlib.h>
#include <unistd.h>

#include "processor.h"

/* --- guest code --- */

static void guest_cpuid_leaves(void)
{
	static const u32 leaves[] = { 0, 1, 0x80000000 };
	u32 a, b, c, d, i;

	for (i = 0; i < ARRAY_SIZE(leaves); i++) {
		guest_cpuid(leaves[i], 0, &a, &b, &c, &d);
		GUEST_SYNC4(a, b, c, d);
	}
}

/* --- host side --- */

struct regs4 {
	u32 a, b, c, d;
};

/* Run the guest; every exit must be its ucall, never the CPUID itself. */
static void run_leaves(struct kvm_vcpu *vcpu, struct regs4 out[3])
{
	struct ucall uc;
	int i;

	for (i = 0; i < 3; i++) {
		vcpu_run_sync(vcpu, &uc);
		out[i].a = uc.args[0];
		out[i].b = uc.args[1];
		out[i].c = uc.args[2];
		out[i].d = uc.args[3];
		ktap_print("leaf %d: %08x %08x %08x %08x", i, out[i].a,
			   out[i].b, out[i].c, out[i].d);
	}
	vcpu_run_done(vcpu);
}

static void vendor(const struct regs4 *r, char s[13])
{
	memcpy(s, &r->b, 4);
	memcpy(s + 4, &r->d, 4);
	memcpy(s + 8, &r->c, 4);
	s[12] = 0;
}

/*
 * Without KVM_SET_CPUID2 KVM's table is empty (all zeros); lhv has a
 * default table, so there leaf 0 must name a vendor and a max leaf >= 1.
 */
static void handled_in_kernel(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_cpuid_leaves,
					       0, 0);
	struct regs4 r[3];
	char v[13];
	int i;

	run_leaves(vcpu, r);
	if (kvm_dev_is_lhv()) {
		TEST_ASSERT(r[0].a >= 1, "max basic leaf %u", r[0].a);
		vendor(&r[0], v);
		for (i = 0; i < 12; i++)
			TEST_ASSERT(v[i] >= 0x20 && v[i] < 0x7f,
				    "vendor string not printable");
		TEST_ASSERT(r[2].a >= 0x80000001, "max extended leaf 0x%x",
			    r[2].a);
	}
	vm_free(vm);
}

static void supported_cpuid(void)
{
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid();
	struct kvm_cpuid_entry2 *e0, *e1;
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[1];
	} one = { .h.nent = 1 };
	int fd;

	TEST_REQUIRE(c);
	ktap_print("%u supported entries", c->nent);
	e0 = cpuid_find(c, 0, 0);
	e1 = cpuid_find(c, 1, 0);
	TEST_ASSERT(e0 && e1, "leaf 0 or 1 missing");
	TEST_ASSERT(e0->eax >= 1, "max basic leaf %u", e0->eax);
	/* Long mode is what the selftests run: it must be offered. */
	TEST_ASSERT(cpuid_find(c, 0x80000001, 0) &&
		    (cpuid_find(c, 0x80000001, 0)->edx & (1u << 29)),
		    "CPUID.80000001H:EDX.LM not supported");
	/* Too small a buffer is E2BIG. */
	fd = kvm_open_dev();
	TEST_ASSERT_ERRNO(ioctl(fd, KVM_GET_SUPPORTED_CPUID, &one), E2BIG);
	close(fd);
	free(c);
}

/* The guest sees exactly what KVM_SET_CPUID2 installed. */
static void set_cpuid2(void)
{
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid();
	struct kvm_cpuid_entry2 *e0, *ex;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct regs4 r[3];
	char v[13];
	int ret;

	TEST_REQUIRE(c);
	e0 = cpuid_find(c, 0, 0);
	ex = cpuid_find(c, 0x80000000, 0);
	TEST_ASSERT(e0 && ex, "leaf 0 or 0x80000000 missing");
	/* A vendor no CPU has: proves the guest reads our table. */
	memcpy(&e0->ebx, "LhvT", 4);
	memcpy(&e0->edx, "estV", 4);
	memcpy(&e0->ecx, "endr", 4);

	vm = vm_create_longmode(0, &vcpu, guest_cpuid_leaves, 0, 0);
	ret = __vcpu_set_cpuid(vcpu, c);
	if (ret < 0 && (errno == ENOTTY || errno == EINVAL) &&
	    kvm_dev_is_lhv())
		TEST_SKIP("KVM_SET_CPUID2: %s", strerrorname(errno));
	TEST_ASSERT(ret == 0, "KVM_SET_CPUID2: %s", strerrorname(errno));

	run_leaves(vcpu, r);
	vendor(&r[0], v);
	TEST_ASSERT(!strcmp(v, "LhvTestVendr"), "vendor \"%s\"", v);
	TEST_ASSERT_EQ(r[0].a, e0->eax);
	TEST_ASSERT_EQ(r[2].a, ex->eax);
	TEST_ASSERT_EQ(r[2].b, ex->ebx);
	TEST_ASSERT_EQ(r[2].c, ex->ecx);
	TEST_ASSERT_EQ(r[2].d, ex->edx);
	vm_free(vm);
	free(c);
}

static const struct test_case tests[] = {
	TEST_CASE(handled_in_kernel),
	TEST_CASE(supported_cpuid),
	TEST_CASE(set_cpuid2),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
