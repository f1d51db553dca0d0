// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/lib/processor.c - long-mode guests: identity-mapped page
 * tables, GDT and TSS in guest memory, the test binary's own image loaded
 * at its link addresses, and the vCPU state to enter it (see processor.h).
 */
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "processor.h"

#define PTE_P	(1ULL << 0)
#define PTE_RW	(1ULL << 1)
#define PTE_A	(1ULL << 5)
#define PTE_D	(1ULL << 6)
#define PTE_PS	(1ULL << 7)

/*
 * Exception stubs for vectors 0-31: push a zero where the CPU pushes no
 * error code, push the vector, and hand the frame to guest_exception(),
 * which reports it as UCALL_EXCEPTION.  Each stub is 16 bytes apart.
 */
asm(".pushsection .text\n"
	".align 16\n"
	".globl guest_exc_stubs\n"
	"guest_exc_stubs:\n"
	"vec = 0\n"
	".rept 32\n"
	".align 16\n"
	".if (vec != 8) && (vec != 10) && (vec != 11) && (vec != 12) && "
	"(vec != 13) && (vec != 14) && (vec != 17) && (vec != 21) && "
	"(vec != 29) && (vec != 30)\n"
	"pushq $0\n"
	".endif\n"
	"pushq $vec\n"
	"jmp guest_exc_common\n"
	"vec = vec + 1\n"
	".endr\n"
	"guest_exc_common:\n"
	"mov %rsp, %rdi\n"
	"and $-16, %rsp\n"
	"call guest_exception\n"
	".popsection\n");
extern const u8 guest_exc_stubs[];

/* frame: vector, error code, then the CPU's RIP, CS, RFLAGS, RSP, SS. */
void guest_exception(u64 *frame) __noreturn __used;
void guest_exception(u64 *frame)
{
	for (;;)
		ucall(UCALL_EXCEPTION, frame[0], frame[1], frame[2], frame[5]);
}

static u64 slot0_size(struct kvm_vm *vm)
{
	unsigned int i;

	for (i = 0; i < VM_MAX_SLOTS; i++)
		if (vm->slots[i].in_use && vm->slots[i].gpa == 0)
			return vm->slots[i].size;
	TEST_FAIL("long mode needs memory at GPA 0");
}

u64 vm_stack_top(struct kvm_vm *vm)
{
	return slot0_size(vm);
}

/* Identity map of 0-4 GiB with 2 MiB pages; accessed/dirty preset. */
static void build_page_tables(struct kvm_vm *vm)
{
	u64 *pml4 = addr_gpa2hva(vm, LM_PML4_GPA);
	u64 *pdpt = addr_gpa2hva(vm, LM_PDPT_GPA);
	unsigned int i, j;

	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	pml4[0] = LM_PDPT_GPA | PTE_P | PTE_RW | PTE_A;
	for (i = 0; i < 4; i++) {
		u64 pd_gpa = LM_PD_GPA + i * PAGE_SIZE;
		u64 *pd = addr_gpa2hva(vm, pd_gpa);

		pdpt[i] = pd_gpa | PTE_P | PTE_RW | PTE_A;
		for (j = 0; j < 512; j++)
			pd[j] = ((u64)i * GiB + (u64)j * 2 * MiB) |
				PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PS;
	}
}

/* A legacy 8-byte descriptor from its parts (SDM 3.4.5, APM 4.7). */
static u64 gdt_entry(u32 base, u32 limit, u8 access, u8 flags)
{
	return (u64)(limit & 0xffff) | ((u64)(base & 0xffffff) << 16) |
	       ((u64)access << 40) | ((u64)((limit >> 16) & 0xf) << 48) |
	       ((u64)(flags & 0xf) << 52) | ((u64)(base >> 24) << 56);
}

/* 64-bit interrupt gates (SDM 6.14.1) to the stubs above. */
static void build_idt(struct kvm_vm *vm)
{
	u64 *idt = addr_gpa2hva(vm, LM_IDT_GPA);
	unsigned int v;

	memset(idt, 0, PAGE_SIZE);
	for (v = 0; v < 32; v++) {
		u64 off = (u64)guest_exc_stubs + v * 16;

		idt[2 * v] = (off & 0xffff) | ((u64)LM_SEL_CODE << 16) |
			     (0x8eULL << 40) | ((off >> 16 & 0xffff) << 48);
		idt[2 * v + 1] = off >> 32;
	}
}

void vcpu_set_idt_handler(struct kvm_vcpu *vcpu, u8 vec, void *handler)
{
	u64 *idt = addr_gpa2hva(vcpu->vm, LM_IDT_GPA);
	u64 off = (u64)handler;
	struct kvm_sregs sregs;

	idt[2 * vec] = (off & 0xffff) | ((u64)LM_SEL_CODE << 16) |
		       (0x8eULL << 40) | ((off >> 16 & 0xffff) << 48);
	idt[2 * vec + 1] = off >> 32;
	vcpu_sregs_get(vcpu, &sregs);
	if (sregs.idt.limit < (vec + 1) * 16 - 1) {
		sregs.idt.limit = (vec + 1) * 16 - 1;
		vcpu_sregs_set(vcpu, &sregs);
	}
}

static void build_gdt(struct kvm_vm *vm)
{
	u64 *gdt = addr_gpa2hva(vm, LM_GDT_GPA);

	memset(gdt, 0, PAGE_SIZE);
	memset(addr_gpa2hva(vm, LM_TSS_GPA), 0, PAGE_SIZE);
	/* 0x08: code, present, DPL 0, execute/read, accessed; G, L. */
	gdt[1] = gdt_entry(0, 0xfffff, 0x9b, 0xa);
	/* 0x10: data, present, read/write, accessed; G, D/B. */
	gdt[2] = gdt_entry(0, 0xfffff, 0x93, 0xc);
	/* 0x18: 64-bit TSS (busy), 16 bytes: high base in the next slot. */
	gdt[3] = gdt_entry((u32)LM_TSS_GPA, 0x67, 0x8b, 0);
	gdt[4] = LM_TSS_GPA >> 32;
}

/* Copy the PT_LOAD segments of our own executable to GPA = vaddr. */
static void load_self(struct kvm_vm *vm)
{
	u64 limit = vm_stack_top(vm) - LM_STACK_SIZE;
	struct stat st;
	Elf64_Ehdr *eh;
	u8 *image;
	ssize_t got;
	size_t off = 0;
	int fd, i;

	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	TEST_ASSERT(fd >= 0, "open /proc/self/exe: %s", strerror(errno));
	TEST_ASSERT(fstat(fd, &st) == 0, "fstat: %s", strerror(errno));
	image = malloc(st.st_size);
	TEST_ASSERT(image, "out of memory");
	while (off < (size_t)st.st_size) {
		got = read(fd, image + off, st.st_size - off);
		TEST_ASSERT(got > 0, "read /proc/self/exe: %s",
			    strerror(errno));
		off += got;
	}
	close(fd);

	eh = (Elf64_Ehdr *)image;
	TEST_ASSERT(!memcmp(eh->e_ident, ELFMAG, SELFMAG) &&
		    eh->e_ident[EI_CLASS] == ELFCLASS64 &&
		    eh->e_type == ET_EXEC,
		    "/proc/self/exe is not a static non-PIE ELF64 executable");
	for (i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(image + eh->e_phoff +
						(size_t)i * eh->e_phentsize);
		u8 *dst;

		if (ph->p_type != PT_LOAD)
			continue;
		TEST_ASSERT(ph->p_vaddr >= LM_IDT_GPA + PAGE_SIZE &&
			    ph->p_vaddr + ph->p_memsz <= limit,
			    "segment 0x%lx+0x%lx does not fit guest memory",
			    (unsigned long)ph->p_vaddr,
			    (unsigned long)ph->p_memsz);
		dst = addr_gpa2hva(vm, ph->p_vaddr);
		memcpy(dst, image + ph->p_offset, ph->p_filesz);
		memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	}
	free(image);
}

void vm_setup_longmode(struct kvm_vm *vm)
{
	build_page_tables(vm);
	build_gdt(vm);
	build_idt(vm);
	load_self(vm);
	vm->longmode = true;
}

static void seg_flat(struct kvm_segment *s, u16 sel, u8 type, bool code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

void vcpu_setup_longmode(struct kvm_vcpu *vcpu)
{
	struct kvm_sregs sregs;

	vcpu_sregs_get(vcpu, &sregs);
	seg_flat(&sregs.cs, LM_SEL_CODE, 11, true);
	seg_flat(&sregs.ds, LM_SEL_DATA, 3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;

	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.base = LM_TSS_GPA;
	sregs.tr.limit = 0x67;
	sregs.tr.selector = LM_SEL_TSS;
	sregs.tr.type = 11;
	sregs.tr.present = 1;

	sregs.gdt.base = LM_GDT_GPA;
	sregs.gdt.limit = 5 * 8 - 1;
	sregs.idt.base = LM_IDT_GPA;
	sregs.idt.limit = 32 * 16 - 1;

	sregs.cr0 = LM_CR0;
	sregs.cr3 = LM_PML4_GPA;
	sregs.cr4 = LM_CR4;
	sregs.efer = LM_EFER;
	vcpu_sregs_set(vcpu, &sregs);
}

void vcpu_set_entry(struct kvm_vcpu *vcpu, void *guest_code, u64 arg0,
		    u64 arg1)
{
	u64 rsp = vm_stack_top(vcpu->vm) - 16;
	u64 ret = (u64)guest_returned;
	struct kvm_regs regs;

	/* As if called: the return address on top, RSP+8 16-byte aligned. */
	rsp -= 8;
	vm_write(vcpu->vm, rsp, &ret, sizeof(ret));
	memset(&regs, 0, sizeof(regs));
	regs.rip = (u64)guest_code;
	regs.rsp = rsp;
	regs.rdi = arg0;
	regs.rsi = arg1;
	regs.rflags = X86_EFLAGS_FIXED;
	vcpu_regs_set(vcpu, &regs);
}

struct kvm_vm *vm_create_longmode(u64 mem_size, struct kvm_vcpu **vcpu,
				  void *guest_code, u64 arg0, u64 arg1)
{
	struct kvm_vm *vm = vm_create(mem_size ?: LM_DEFAULT_MEM);

	vm_setup_longmode(vm);
	*vcpu = vm_vcpu_add(vm, 0);
	vcpu_setup_longmode(*vcpu);
	vcpu_set_entry(*vcpu, guest_code, arg0, arg1);
	return vm;
}

static void host_cpu_vendor(char v[13])
{
	u32 a, b, c, d;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(0), "c"(0));
	memcpy(v, &b, 4);
	memcpy(v + 4, &d, 4);
	memcpy(v + 8, &c, 4);
	v[12] = 0;
}

bool host_cpu_is_amd(void)
{
	char v[13];

	host_cpu_vendor(v);
	return !strcmp(v, "AuthenticAMD") || !strcmp(v, "HygonGenuine");
}

bool host_cpu_is_intel(void)
{
	char v[13];

	host_cpu_vendor(v);
	return !strcmp(v, "GenuineIntel");
}
