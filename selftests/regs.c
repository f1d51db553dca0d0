// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/regs.c - register state across KVM_RUN: values from
 * KVM_SET_REGS are what the guest computes with, KVM_GET_REGS after the
 * exit holds exactly what it computed (all 16 GPRs, RIP, RFLAGS), the
 * reset state, KVM_GET_SREGS/KVM_SET_SREGS round trips, and segment state
 * from KVM_SET_SREGS taking effect in the guest.
 */
#include "processor.h"

/* 64-bit: one distinct computation per register, then flags, then hlt. */
asm(".pushsection .text\n"
	".globl guest_regs_blob\n"
	"guest_regs_blob:\n"
	"adc $0x100, %rcx\n"		/* rcx = rcx + 0x100 + CF */
	"add %rbx, %rax\n"
	"shl %cl, %rbx\n"			/* by (rcx & 63) */
	"imul $7, %rdx, %rdx\n"
	"not %rsi\n"
	"shr $63, %rdi\n"
	"lea 0x10(%rbp,%rbp,2), %rbp\n"
	"add %r9, %r8\n"
	"ror $8, %r9\n"
	"neg %r10\n"
	"bswap %r11\n"
	"inc %r12\n"
	"dec %r13\n"
	"xor %r15, %r14\n"
	"shl $1, %r15\n"
	"pushq $0x8d7\n"			/* CF PF AF ZF SF OF */
	"popfq\n"
	"hlt\n"
	".globl guest_regs_blob_end\n"
	"guest_regs_blob_end:\n"
	".popsection\n");
extern const u8 guest_regs_blob[], guest_regs_blob_end[];

/* Real mode: store AX through DS, which the host moved to 0x20000. */
asm(".pushsection .rodata\n"
	".globl rm_ds_blob\n"
	"rm_ds_blob:\n"
	".code16\n"
	"mov %ax, 0x10\n"
	"mov %ds, %bx\n"
	"hlt\n"
	".code64\n"
	".globl rm_ds_blob_end\n"
	"rm_ds_blob_end:\n"
	".popsection\n");
extern const u8 rm_ds_blob[], rm_ds_blob_end[];

static u64 ror64(u64 v, unsigned int n)
{
	return (v >> n) | (v << (64 - n));
}

static void gprs_computed(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_longmode(0, &vcpu,
					       (void *)guest_regs_blob, 0, 0);
	struct kvm_regs in, out, want;
	u64 stack_word;

	vcpu_regs_get(vcpu, &in);
	in.rax = 0x1000000000000001ULL;
	in.rbx = 0x0123456789abcdefULL;
	in.rcx = 3;
	in.rdx = 0x10;
	in.rsi = 0xffffffff00000000ULL;
	in.rdi = 0x8000000000000000ULL;
	in.rbp = 0x1234;
	in.r8 = 0x0808080808080808ULL;
	in.r9 = 0x0909090909090999ULL;
	in.r10 = 10;
	in.r11 = 0x1122334455667788ULL;
	in.r12 = 0xffffffffffffffffULL;
	in.r13 = 0;
	in.r14 = 0x1414141414141414ULL;
	in.r15 = 0x8f8f8f8f8f8f8f8fULL;
	in.rflags = X86_EFLAGS_FIXED | X86_EFLAGS_CF;
	vcpu_regs_set(vcpu, &in);

	want = in;
	want.rcx = in.rcx + 0x100 + 1;
	want.rax = in.rax + in.rbx;
	want.rbx = in.rbx << (want.rcx & 63);
	want.rdx = in.rdx * 7;
	want.rsi = ~in.rsi;
	want.rdi = in.rdi >> 63;
	want.rbp = in.rbp * 3 + 0x10;
	want.r8 = in.r8 + in.r9;
	want.r9 = ror64(in.r9, 8);
	want.r10 = -in.r10;
	want.r11 = __builtin_bswap64(in.r11);
	want.r12 = in.r12 + 1;
	want.r13 = in.r13 - 1;
	want.r14 = in.r14 ^ in.r15;
	want.r15 = in.r15 << 1;
	want.rflags = 0x8d7;
	want.rip = (u64)guest_regs_blob_end;

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	vcpu_regs_get(vcpu, &out);
#define CHECK(r) TEST_ASSERT(out.r == want.r, #r " 0x%llx, expected 0x%llx", \
			     out.r, want.r)
	CHECK(rax); CHECK(rbx); CHECK(rcx); CHECK(rdx);
	CHECK(rsi); CHECK(rdi); CHECK(rbp); CHECK(rsp);
	CHECK(r8); CHECK(r9); CHECK(r10); CHECK(r11);
	CHECK(r12); CHECK(r13); CHECK(r14); CHECK(r15);
	CHECK(rip); CHECK(rflags);
#undef CHECK
	/* pushq went through the guest's stack to memory. */
	vm_read(vm, in.rsp - 8, &stack_word, 8);
	TEST_ASSERT_EQ(stack_word, 0x8d7);
	vm_free(vm);
}

/* KVM_SET_REGS then KVM_GET_REGS without running: nothing changes. */
static void regs_roundtrip(void)
{
	struct kvm_vm *vm = vm_create(64 * KiB);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0);
	struct kvm_regs in, out;
	u64 *r = (u64 *)&in;
	unsigned int i;

	for (i = 0; i < sizeof(in) / 8; i++)
		r[i] = 0x0101010101010101ULL * (i + 1);
	in.rflags = X86_EFLAGS_FIXED | X86_EFLAGS_ZF | X86_EFLAGS_DF;
	vcpu_regs_set(vcpu, &in);
	vcpu_regs_get(vcpu, &out);
	TEST_ASSERT(!memcmp(&in, &out, sizeof(in)), "KVM_GET_REGS differs");
	vm_free(vm);
}

/* The state after KVM_CREATE_VCPU is the x86 reset state (SDM 9.1.1). */
static void reset_state(void)
{
	struct kvm_vm *vm = vm_create(64 * KiB);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0);
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	vcpu_regs_get(vcpu, &regs);
	vcpu_sregs_get(vcpu, &sregs);
	TEST_ASSERT_EQ(regs.rip, 0xfff0);
	TEST_ASSERT_EQ(regs.rflags, X86_EFLAGS_FIXED);
	TEST_ASSERT_EQ(regs.rax, 0);
	TEST_ASSERT_EQ(regs.rsp, 0);
	TEST_ASSERT_EQ(sregs.cs.selector, 0xf000);
	TEST_ASSERT_EQ(sregs.cs.base, 0xffff0000);
	TEST_ASSERT_EQ(sregs.cs.limit, 0xffff);
	TEST_ASSERT_EQ(sregs.ds.selector, 0);
	TEST_ASSERT_EQ(sregs.ds.base, 0);
	TEST_ASSERT_EQ(sregs.ds.limit, 0xffff);
	TEST_ASSERT_EQ(sregs.cr0, 0x60000010);
	TEST_ASSERT_EQ(sregs.cr3, 0);
	TEST_ASSERT_EQ(sregs.cr4, 0);
	TEST_ASSERT_EQ(sregs.efer, 0);
	TEST_ASSERT_EQ(sregs.gdt.limit, 0xffff);
	TEST_ASSERT_EQ(sregs.idt.limit, 0xffff);
	vm_free(vm);
}

static void sregs_roundtrip_realmode(void)
{
	struct kvm_vm *vm = vm_create(64 * KiB);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0);
	struct kvm_sregs in, out;

	vcpu_sregs_get(vcpu, &in);
	in.ds.selector = 0x1234;
	in.ds.base = 0x12340;
	in.es.selector = 0x2000;
	in.es.base = 0x20000;
	in.ss.selector = 0x0800;
	in.ss.base = 0x8000;
	in.gdt.base = 0x5000;
	in.gdt.limit = 0x37;
	in.idt.base = 0x6000;
	in.idt.limit = 0x3ff;
	vcpu_sregs_set(vcpu, &in);
	vcpu_sregs_get(vcpu, &out);
	TEST_ASSERT_EQ(out.ds.selector, 0x1234);
	TEST_ASSERT_EQ(out.ds.base, 0x12340);
	TEST_ASSERT_EQ(out.es.selector, 0x2000);
	TEST_ASSERT_EQ(out.es.base, 0x20000);
	TEST_ASSERT_EQ(out.ss.base, 0x8000);
	TEST_ASSERT_EQ(out.gdt.base, 0x5000);
	TEST_ASSERT_EQ(out.gdt.limit, 0x37);
	TEST_ASSERT_EQ(out.idt.base, 0x6000);
	TEST_ASSERT_EQ(out.idt.limit, 0x3ff);
	TEST_ASSERT_EQ(out.cr0, in.cr0);
	TEST_ASSERT_EQ(out.cs.base, in.cs.base);
	vm_free(vm);
}

static void sregs_roundtrip_longmode(void)
{
	struct kvm_vm *vm = vm_create(LM_DEFAULT_MEM);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0);
	struct kvm_sregs out;

	vm_setup_longmode(vm);
	vcpu_setup_longmode(vcpu);
	vcpu_sregs_get(vcpu, &out);
	TEST_ASSERT_EQ(out.cr0, LM_CR0);
	TEST_ASSERT_EQ(out.cr3, LM_PML4_GPA);
	TEST_ASSERT_EQ(out.cr4, LM_CR4);
	TEST_ASSERT_EQ(out.efer, LM_EFER);
	TEST_ASSERT_EQ(out.cs.selector, LM_SEL_CODE);
	TEST_ASSERT_EQ(out.cs.l, 1);
	TEST_ASSERT_EQ(out.cs.db, 0);
	TEST_ASSERT_EQ(out.cs.present, 1);
	TEST_ASSERT_EQ(out.ds.selector, LM_SEL_DATA);
	TEST_ASSERT_EQ(out.ss.selector, LM_SEL_DATA);
	TEST_ASSERT_EQ(out.tr.selector, LM_SEL_TSS);
	TEST_ASSERT_EQ(out.tr.base, LM_TSS_GPA);
	TEST_ASSERT_EQ(out.tr.type, 11);
	TEST_ASSERT_EQ(out.gdt.base, LM_GDT_GPA);
	TEST_ASSERT_EQ(out.idt.base, LM_IDT_GPA);
	vm_free(vm);
}

/* A segment base set through KVM_SET_SREGS is used by the guest. */
static void segment_base_used(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_realmode(256 * KiB, &vcpu, 0x1000);
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vm_write(vm, 0x1000, rm_ds_blob, rm_ds_blob_end - rm_ds_blob);
	vcpu_sregs_get(vcpu, &sregs);
	sregs.ds.selector = 0x2000;
	sregs.ds.base = 0x20000;
	vcpu_sregs_set(vcpu, &sregs);
	vcpu_regs_get(vcpu, &regs);
	regs.rax = 0xa55a;
	vcpu_regs_set(vcpu, &regs);

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	TEST_ASSERT_EQ(*(u16 *)addr_gpa2hva(vm, 0x20010), 0xa55a);
	TEST_ASSERT_EQ(*(u16 *)addr_gpa2hva(vm, 0x10), 0);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rbx & 0xffff, 0x2000);
	TEST_ASSERT_EQ(regs.rip, 0x1000 + (rm_ds_blob_end - rm_ds_blob));
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE(gprs_computed),
	TEST_CASE(regs_roundtrip),
	TEST_CASE(reset_state),
	TEST_CASE(sregs_roundtrip_realmode),
	TEST_CASE(sregs_roundtrip_longmode),
	TEST_CASE(segment_base_used),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
