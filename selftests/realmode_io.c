// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/realmode_io.c - port I/O from a real-mode guest: the canonical
 * KVM client (`mov al,0x42; out 0x10,al; hlt` at 0x1000), `in` completed
 * by the host, 8/16/32-bit ports, rep string I/O, and the HLT exit that
 * follows.
 */
#include "kvm_util.h"

#define CODE_GPA	0x1000
#define MEM_SIZE	(64 * KiB)

/* Real-mode guests as GNU as blobs in .rodata, copied to CODE_GPA. */
#define RM_BLOB(name, body)						\
	asm(".pushsection .rodata\n"					\
	    ".globl " #name "\n" #name ":\n"				\
	    ".code16\n" body "\n.code64\n"				\
	    ".globl " #name "_end\n" #name "_end:\n"			\
	    ".popsection\n");						\
	extern const u8 name[], name##_end[]

/* in al,0x11; mov [0x2000],al; mov bl,al; add bl,1; hlt */
RM_BLOB(rm_in8,
	"in $0x11, %al\n"
	"mov %al, 0x2000\n"
	"mov %al, %bl\n"
	"add $1, %bl\n"
	"hlt\n");

/* 16- and 32-bit out through DX, then 16- and 32-bit in. */
RM_BLOB(rm_wide,
	"mov $0x3f8, %dx\n"
	"mov $0xbeef, %ax\n"
	"out %ax, %dx\n"
	"mov $0xcafef00d, %eax\n"
	"out %eax, %dx\n"
	"in %dx, %ax\n"
	"mov %ax, %bx\n"
	"in %dx, %eax\n"
	"mov %eax, %ecx\n"
	"mov %eax, 0x2000\n"
	"hlt\n");

/* Three outs in a row, each with a value computed from the last. */
RM_BLOB(rm_seq,
	"mov $1, %al\n"
	"1: out %al, $0x80\n"
	"shl $1, %al\n"
	"cmp $8, %al\n"
	"jbe 1b\n"
	"hlt\n");

/* String I/O: rep outsb from 0x3000, rep insw to 0x3100. */
RM_BLOB(rm_string,
	"cld\n"
	"mov $0x3000, %si\n"
	"mov $0xe0, %dx\n"
	"mov $7, %cx\n"
	"rep outsb\n"
	"mov $0x3100, %di\n"
	"mov $5, %cx\n"
	"rep insw\n"
	"hlt\n");

static struct kvm_vm *load(const u8 *start, const u8 *end,
			   struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_realmode(MEM_SIZE, vcpu, CODE_GPA);

	vm_write(vm, CODE_GPA, start, end - start);
	return vm;
}

/* The client from the issue, hand-assembled, nothing lhv-specific. */
static void out_then_hlt(void)
{
	static const u8 code[] = {
		0xb0, 0x42,		/* mov al, 0x42 */
		0xe6, 0x10,		/* out 0x10, al */
		0xf4,			/* hlt */
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = load(code, code + sizeof(code), &vcpu);

	vcpu_run(vcpu);
	assert_io_exit(vcpu, 0x10, 1, KVM_EXIT_IO_OUT, 1);
	TEST_ASSERT_EQ(*(u8 *)vcpu_io_data(vcpu), 0x42);

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	/* RIP is past the hlt. */
	TEST_ASSERT_EQ(vcpu_get_rip(vcpu), CODE_GPA + sizeof(code));
	vm_free(vm);
}

static void in_round_trip(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = load(rm_in8, rm_in8_end, &vcpu);
	struct kvm_regs regs;

	vcpu_run(vcpu);
	assert_io_exit(vcpu, 0x11, 1, KVM_EXIT_IO_IN, 1);
	*(u8 *)vcpu_io_data(vcpu) = 0x5a;

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	TEST_ASSERT_EQ(*(u8 *)addr_gpa2hva(vm, 0x2000), 0x5a);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rax & 0xff, 0x5a);
	TEST_ASSERT_EQ(regs.rbx & 0xff, 0x5b);
	TEST_ASSERT_EQ(regs.rip, CODE_GPA + (rm_in8_end - rm_in8));
	vm_free(vm);
}

static void wide_ports(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = load(rm_wide, rm_wide_end, &vcpu);
	struct kvm_regs regs;
	u16 v16 = 0x1234;
	u32 v32 = 0x89abcdef;
	u16 got16;
	u32 got32;

	vcpu_run(vcpu);
	assert_io_exit(vcpu, 0x3f8, 2, KVM_EXIT_IO_OUT, 1);
	memcpy(&got16, vcpu_io_data(vcpu), 2);
	TEST_ASSERT_EQ(got16, 0xbeef);

	vcpu_run(vcpu);
	assert_io_exit(vcpu, 0x3f8, 4, KVM_EXIT_IO_OUT, 1);
	memcpy(&got32, vcpu_io_data(vcpu), 4);
	TEST_ASSERT_EQ(got32, 0xcafef00d);

	vcpu_run(vcpu);
	assert_io_exit(vcpu, 0x3f8, 2, KVM_EXIT_IO_IN, 1);
	memcpy(vcpu_io_data(vcpu), &v16, 2);

	vcpu_run(vcpu);
	assert_io_exit(vcpu, 0x3f8, 4, KVM_EXIT_IO_IN, 1);
	memcpy(vcpu_io_data(vcpu), &v32, 4);

	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rbx & 0xffff, v16);
	TEST_ASSERT_EQ(regs.rcx & 0xffffffff, v32);
	TEST_ASSERT_EQ(regs.rax & 0xffffffff, v32);
	TEST_ASSERT_EQ(regs.rdx & 0xffff, 0x3f8);
	TEST_ASSERT_EQ(*(u32 *)addr_gpa2hva(vm, 0x2000), v32);
	vm_free(vm);
}

/* Several exits in a row: each resumes exactly where the last left off. */
static void out_sequence(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = load(rm_seq, rm_seq_end, &vcpu);
	u8 expect;

	for (expect = 1; expect <= 8; expect <<= 1) {
		vcpu_run(vcpu);
		assert_io_exit(vcpu, 0x80, 1, KVM_EXIT_IO_OUT, 1);
		TEST_ASSERT_EQ(*(u8 *)vcpu_io_data(vcpu), expect);
	}
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	TEST_ASSERT_EQ(vcpu_get_rip(vcpu), CODE_GPA + (rm_seq_end - rm_seq));
	vm_free(vm);
}

/*
 * However the device batches a rep string instruction into exits (KVM
 * hands over several elements per exit, with io.count saying how many),
 * the elements arrive in order, and the guest ends with RCX = 0.
 */
static void string_io(void)
{
	static const u8 out[7] = "lhv-str";
	static const u16 in[5] = { 0x1111, 0x2222, 0x3333, 0x4444, 0x5555 };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = load(rm_string, rm_string_end, &vcpu);
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	u8 got[7];
	unsigned int n = 0, exits = 0;

	vm_write(vm, 0x3000, out, sizeof(out));
	while (n < sizeof(out)) {
		vcpu_run(vcpu);
		TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_IO);
		TEST_ASSERT(run->io.count >= 1 &&
			    n + run->io.count <= sizeof(out),
			    "count %u after %u elements", run->io.count, n);
		assert_io_exit(vcpu, 0xe0, 1, KVM_EXIT_IO_OUT, run->io.count);
		memcpy(got + n, vcpu_io_data(vcpu), run->io.count);
		n += run->io.count;
		TEST_ASSERT(++exits <= sizeof(out), "too many exits");
	}
	TEST_ASSERT(!memcmp(got, out, sizeof(out)), "rep outsb data");
	ktap_print("rep outsb of %zu bytes: %u exits", sizeof(out), exits);

	for (n = 0, exits = 0; n < ARRAY_SIZE(in); ) {
		vcpu_run(vcpu);
		TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_IO);
		TEST_ASSERT(run->io.count >= 1 &&
			    n + run->io.count <= ARRAY_SIZE(in),
			    "count %u after %u elements", run->io.count, n);
		assert_io_exit(vcpu, 0xe0, 2, KVM_EXIT_IO_IN, run->io.count);
		memcpy(vcpu_io_data(vcpu), in + n, 2 * run->io.count);
		n += run->io.count;
		TEST_ASSERT(++exits <= ARRAY_SIZE(in), "too many exits");
	}
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	TEST_ASSERT(!memcmp(addr_gpa2hva(vm, 0x3100), in, sizeof(in)),
		    "rep insw data");
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rcx & 0xffff, 0);
	TEST_ASSERT_EQ(regs.rsi & 0xffff, 0x3000 + sizeof(out));
	TEST_ASSERT_EQ(regs.rdi & 0xffff, 0x3100 + sizeof(in));
	vm_free(vm);
}

static const struct test_case tests[] = {
	TEST_CASE(out_then_hlt),
	TEST_CASE(in_round_trip),
	TEST_CASE(wide_ports),
	TEST_CASE(out_sequence),
	TEST_CASE(string_io),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
