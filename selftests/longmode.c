// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/longmode.c - 64-bit guests running C code of this binary:
 * calls and recursion on the guest stack, the binary's constants and
 * globals, control registers and EFER as the guest sees them, and ucalls
 * that carry values and resume.
 */
#include "processor.h"

/* --- guest code: no libc --- */

static const u8 table[] = "lhv runs C code in a 64-bit guest";
static u64 guest_results[16];	/* written by the guest, read by the host */
static u64 host_input;	/* written by the host into the guest copy */

static noinline u64 fib(u64 n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* FNV-1a over the string constant: reads .rodata from the loaded image. */
static noinline u64 fnv1a(const u8 *p, u64 len)
{
	u64 h = 0xcbf29ce484222325ULL;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void guest_compute(void)
{
	u64 i;

	GUEST_SYNC2(fib(20), fnv1a(table, sizeof(table) - 1));
	for (i = 0; i < 16; i++)
		guest_results[i] = fib(i) * 3 + i;
	GUEST_SYNC(0x600d);
}

static void guest_args(u64 a, u64 b)
{
	GUEST_SYNC2(a + b, a ^ b);
}

static void guest_control_regs(void)
{
	u64 rsp;

	asm volatile("mov %%rsp, %0" : "=r"(rsp));
	GUEST_SYNC4(guest_read_cr0(), guest_read_cr3(), guest_read_cr4(), rsp);
}

static void guest_efer(void)
{
	GUEST_SYNC(guest_rdmsr(MSR_EFER));
}

/* Reads what the host put into its copy of host_input, each round. */
static void guest_mailbox(void)
{
	u64 round;

	for (round = 0; round < 4; round++)
		GUEST_SYNC2(round, *(volatile u64 *)&host_input * 2);
}

static void guest_assert_fails(u64 v)
{
	GUEST_ASSERT_EQ(v, 1);
}

/* --- host side --- */

static u64 host_fib(u64 n)
{
	return n < 2 ? n : host_fib(n - 1) + host_fib(n - 2);
}

static void c_code(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_compute, 0, 0);
	struct ucall uc;
	u64 i;

	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 6765);
	TEST_ASSERT_EQ(uc.args[1], fnv1a(table, sizeof(table) - 1));
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 0x600d);
	for (i = 0; i < 16; i++)
		TEST_ASSERT_EQ(guest_global(vm, guest_results)[i],
			       host_fib(i) * 3 + i);
	/* Returning from guest_code ends in UCALL_DONE. */
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void arguments(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_args,
					       0x1111222233334444ULL,
					       0x0f0f0f0f0f0f0f0fULL);
	struct ucall uc;

	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 0x1111222233334444ULL + 0x0f0f0f0f0f0f0f0fULL);
	TEST_ASSERT_EQ(uc.args[1], 0x1111222233334444ULL ^ 0x0f0f0f0f0f0f0f0fULL);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void control_regs(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_control_regs,
					       0, 0);
	struct ucall uc;

	vcpu_run_sync(vcpu, &uc);
	/* CR0.ET is hardwired to 1 on everything since the 486. */
	TEST_ASSERT_EQ(uc.args[0], LM_CR0);
	TEST_ASSERT_EQ(uc.args[1], LM_PML4_GPA);
	TEST_ASSERT_EQ(uc.args[2], LM_CR4);
	/* The stack is where the library put it. */
	TEST_ASSERT(uc.args[3] < vm_stack_top(vm) &&
		    uc.args[3] > vm_stack_top(vm) - LM_STACK_SIZE,
		    "guest RSP 0x%llx", (unsigned long long)uc.args[3]);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void efer(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_efer, 0, 0);
	struct ucall uc;

	vcpu_run_sync(vcpu, &uc);
	/* The guest never sees EFER.SVME, whatever the host needs. */
	TEST_ASSERT_EQ(uc.args[0], LM_EFER);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void host_writes_between_runs(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_mailbox, 0, 0);
	struct ucall uc;
	u64 round;

	for (round = 0; round < 4; round++) {
		guest_global(vm, host_input) = 0x1000 + round;
		vcpu_run_sync(vcpu, &uc);
		TEST_ASSERT_EQ(uc.args[0], round);
		TEST_ASSERT_EQ(uc.args[1], (0x1000 + round) * 2);
	}
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* The library's failure path: a failing GUEST_ASSERT is reported. */
static void guest_assert_reported(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu, guest_assert_fails,
					       7, 0);
	struct ucall uc;

	vcpu_run(vcpu);
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_ABORT);
	TEST_ASSERT_EQ(uc.args[0], 7);
	TEST_ASSERT_EQ(uc.args[1], 1);
	TEST_ASSERT(uc.line > 0, "no line in the abort");
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE(c_code),
	TEST_CASE(arguments),
	TEST_CASE(control_regs),
	TEST_CASE(efer),
	TEST_CASE(host_writes_between_runs),
	TEST_CASE(guest_assert_reported),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
