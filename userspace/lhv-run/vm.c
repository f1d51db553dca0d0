// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - the VM through the KVM API: open the device, guest RAM and its
 * memslots, the one vCPU and its kvm_run page, the guest's CPUID, the
 * entry states of the boot protocols (64-bit long mode, 32-bit protected
 * mode), the e820 map, and the register dump printed on a bad exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lhv-run.h"

#define CR0_PE		(1ULL << 0)
#define CR0_ET		(1ULL << 4)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define MSR_IA32_APICBASE	0x1b
#define APICBASE_BSP		(1ULL << 8)

/* CPUID.1:EDX (and 0x80000001:EDX) bits hidden: MCE, APIC, MTRR, MCA */
#define CPUID_EDX_HIDDEN	((1u << 7) | (1u << 9) | (1u << 12) | (1u << 14))

#define SEL_CODE	0x10	/* __BOOT_CS of the boot protocol */
#define SEL_DATA	0x18	/* __BOOT_DS */
#define SEL_TSS		0x20

static int vm_check_cap(struct vm *vm, int cap)
{
	int r = ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

static int vm_add_slot(struct vm *vm, int slot, uint64_t gpa, uint64_t size,
		       void *hva)
{
	struct kvm_userspace_memory_region mr = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &mr) < 0) {
		pr_err("KVM_SET_USER_MEMORY_REGION (slot %d, %llu MiB at %#llx): %s",
		       slot, (unsigned long long)(size >> 20),
		       (unsigned long long)gpa, strerror(errno));
		return -1;
	}
	return 0;
}

int vm__init(struct vm *vm, const char *dev, uint64_t ram_size, bool debug)
{
	uint64_t ident = GPA_IDENT_MAP;
	int r;

	memset(vm, 0, sizeof(*vm));
	vm->sys_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->dev = dev;
	vm->debug = debug;

	vm->sys_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0) {
		pr_err("cannot open %s: %s%s", dev, strerror(errno),
		       errno == ENOENT ? " (is the module loaded? --dev picks another device)" : "");
		return -1;
	}
	r = ioctl(vm->sys_fd, KVM_GET_API_VERSION, 0);
	if (r != KVM_API_VERSION) {
		pr_err("%s: KVM API version %d, expected %d", dev, r,
		       KVM_API_VERSION);
		goto err_close;
	}
	vm->vm_fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		pr_err("%s: KVM_CREATE_VM: %s", dev, strerror(errno));
		goto err_close;
	}
	/* Intel needs them for real mode; absent elsewhere: fine. */
	if (vm_check_cap(vm, KVM_CAP_SET_TSS_ADDR) &&
	    ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, GPA_TSS) < 0)
		pr_debug("KVM_SET_TSS_ADDR: %s (ignored)", strerror(errno));
	if (vm_check_cap(vm, KVM_CAP_SET_IDENTITY_MAP_ADDR) &&
	    ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0)
		pr_debug("KVM_SET_IDENTITY_MAP_ADDR: %s (ignored)",
			 strerror(errno));

	vm->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		pr_err("cannot allocate %llu MiB of guest memory: %s",
		       (unsigned long long)(ram_size >> 20), strerror(errno));
		vm->ram = NULL;
		goto err_close_vm;
	}
	vm->ram_size = ram_size;
	/* Keep the 32-bit hole (APIC, BIOS, our TSS) free of RAM. */
	vm->low_size = ram_size < GPA_MEM_HOLE ? ram_size : GPA_MEM_HOLE;
	if (vm_add_slot(vm, 0, 0, vm->low_size, vm->ram))
		goto err_unmap;
	if (ram_size > vm->low_size &&
	    vm_add_slot(vm, 1, GPA_4G, ram_size - vm->low_size,
			vm->ram + vm->low_size))
		goto err_unmap;

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0) {
		pr_err("%s: KVM_CREATE_VCPU: %s", dev, strerror(errno));
		goto err_unmap;
	}
	r = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r < (int)sizeof(struct kvm_run)) {
		pr_err("%s: KVM_GET_VCPU_MMAP_SIZE: %d", dev, r);
		goto err_close_vcpu;
	}
	vm->run_size = r;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		pr_err("%s: mmap of the vCPU: %s", dev, strerror(errno));
		vm->run = NULL;
		goto err_close_vcpu;
	}
	vm->has_immediate_exit = vm_check_cap(vm, KVM_CAP_IMMEDIATE_EXIT);
	return 0;

err_close_vcpu:
	close(vm->vcpu_fd);
err_unmap:
	munmap(vm->ram, ram_size);
err_close_vm:
	close(vm->vm_fd);
err_close:
	close(vm->sys_fd);
	return -1;
}

void vm__exit(struct vm *vm)
{
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
}

/* Host address of [gpa, gpa + len) when all of it is RAM, else NULL. */
void *vm__gpa(struct vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t high = vm->ram_size - vm->low_size;

	if (!vm->ram || gpa + len < gpa)
		return NULL;
	if (gpa + len <= vm->low_size)
		return vm->ram + gpa;
	if (gpa >= GPA_4G && gpa - GPA_4G + len <= high)
		return vm->ram + vm->low_size + (gpa - GPA_4G);
	return NULL;
}

/* The e820 map: low RAM, the EBDA/VGA/BIOS hole, RAM, RAM above 4 GiB. */
int vm__e820(struct vm *vm, uint64_t *addr, uint64_t *size, uint32_t *type,
	     int max)
{
	int n = 0;

#define E820_ADD(a, s, t) do {				\
	if (n < max) {					\
		addr[n] = (a); size[n] = (s); type[n] = (t); \
	}						\
	n++;						\
} while (0)
	E820_ADD(0, GPA_EBDA, 1);
	E820_ADD(GPA_EBDA, 0xa0000 - GPA_EBDA, 2);
	E820_ADD(0xf0000, 0x10000, 2);
	E820_ADD(GPA_HIGH_MEM, vm->low_size - GPA_HIGH_MEM, 1);
	if (vm->ram_size > vm->low_size)
		E820_ADD(GPA_4G, vm->ram_size - vm->low_size, 1);
#undef E820_ADD
	return n;
}

/*
 * KVM shows CPUID.1:EDX.APIC as IA32_APIC_BASE.EN says, whatever
 * KVM_SET_CPUID2 was given: clear EN (keep BSP and the default base) so
 * that the guest sees no local APIC.  A device without the MSR: fine.
 */
static void vm_disable_apic(struct vm *vm)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.e.index = MSR_IA32_APICBASE;
	m.e.data = 0xfee00000ULL | APICBASE_BSP;
	if (ioctl(vm->vcpu_fd, KVM_SET_MSRS, &m) != 1)
		pr_debug("%s: KVM_SET_MSRS(IA32_APIC_BASE) not taken: the guest may see an APIC",
			 vm->dev);
}

/*
 * The guest's CPUID: what the device supports, minus what lhv-run does not
 * emulate.  No local APIC (no x2APIC, no TSC deadline): interrupts come
 * from the 8259 pair in userspace, so Linux runs in PIC mode.  No machine
 * check (MCE/MCA, and with them the MCG/MCi MSRs), no MTRRs (and their 30
 * MSRs: guest RAM is all write-back anyway), no KVM paravirtual
 * leaves (kvmclock & co. are KVM's, not the KVM API's), no architectural
 * PMU; the hypervisor bit set.  A device without KVM_GET_SUPPORTED_CPUID
 * keeps its own default CPUID.
 */
int vm__setup_cpuid(struct vm *vm)
{
	struct kvm_cpuid2 *c = NULL;
	int nent = 128, i, j;

	if (!vm_check_cap(vm, KVM_CAP_EXT_CPUID)) {
		pr_debug("%s has no KVM_GET_SUPPORTED_CPUID: the guest sees its default CPUID",
			 vm->dev);
		return 0;
	}
	for (;;) {
		free(c);
		c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		if (!c)
			return -1;
		c->nent = nent;
		if (ioctl(vm->sys_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		if (errno != E2BIG || nent >= 4096) {
			pr_err("%s: KVM_GET_SUPPORTED_CPUID: %s", vm->dev,
			       strerror(errno));
			free(c);
			return -1;
		}
		nent *= 2;
	}
	for (i = j = 0; i < (int)c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if ((e->function & 0xf0000000) == 0x40000000)
			continue;		/* paravirtual leaves */
		switch (e->function) {
		case 1:
			e->ecx &= ~((1u << 21) | (1u << 24));	/* x2APIC, TSC-deadline */
			e->ecx |= 1u << 31;			/* hypervisor */
			e->edx &= ~CPUID_EDX_HIDDEN;
			e->ebx &= 0x0000ffff;			/* APIC ID 0 */
			e->ebx |= 1u << 16;			/* one logical CPU */
			break;
		case 0x80000001:	/* AMD mirrors the leaf 1 EDX bits */
			e->edx &= ~CPUID_EDX_HIDDEN;
			break;
		case 0xa:
			e->eax = e->ebx = e->ecx = e->edx = 0;	/* no PMU */
			break;
		default:
			break;
		}
		c->entries[j++] = *e;
	}
	c->nent = j;
	if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, c) < 0) {
		pr_err("%s: KVM_SET_CPUID2: %s", vm->dev, strerror(errno));
		free(c);
		return -1;
	}
	free(c);
	vm_disable_apic(vm);
	return 0;
}

static void vm_seg(struct kvm_segment *s, uint16_t sel, uint8_t type,
		   bool code64)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->db = !code64;
	s->l = code64;
}

/* The flat GDT both protocols want, and the segment registers. */
static int vm_set_segments(struct vm *vm, struct kvm_sregs *sr, bool lm)
{
	uint64_t *gdt = vm__gpa(vm, GPA_GDT, 6 * 8);

	if (!gdt)
		return -1;
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = lm ? 0x00af9b000000ffffULL : 0x00cf9b000000ffffULL;
	gdt[3] = 0x00cf93000000ffffULL;
	gdt[4] = 0x00008b0000000067ULL;	/* busy TSS at 0, limit 0x67 */
	gdt[5] = 0;
	sr->gdt.base = GPA_GDT;
	sr->gdt.limit = 6 * 8 - 1;
	sr->idt.base = 0;
	sr->idt.limit = 0;

	vm_seg(&sr->cs, SEL_CODE, 0xb, lm);
	vm_seg(&sr->ds, SEL_DATA, 0x3, false);
	sr->es = sr->fs = sr->gs = sr->ss = sr->ds;

	memset(&sr->tr, 0, sizeof(sr->tr));
	sr->tr.selector = SEL_TSS;
	sr->tr.limit = 0x67;
	sr->tr.type = 0xb;
	sr->tr.present = 1;
	memset(&sr->ldt, 0, sizeof(sr->ldt));
	sr->ldt.limit = 0xffff;
	sr->ldt.type = 0x2;
	sr->ldt.present = 1;
	return 0;
}

static int vm_set_regs(struct vm *vm, struct kvm_sregs *sr,
		       struct kvm_regs *regs)
{
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, sr) < 0) {
		pr_err("%s: KVM_SET_SREGS: %s", vm->dev, strerror(errno));
		return -1;
	}
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, regs) < 0) {
		pr_err("%s: KVM_SET_REGS: %s", vm->dev, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * 64-bit boot protocol: long mode, identity map of the first 4 GiB with
 * 2 MiB pages (PML4, one PDPT, four PDs), RSI = boot_params.
 */
int vm__set_entry_long(struct vm *vm, uint64_t rip, uint64_t rsi)
{
	uint64_t *pml4 = vm__gpa(vm, GPA_PML4, 6 * 4096);
	uint64_t *pdpt, *pd;
	struct kvm_sregs sr;
	struct kvm_regs regs;
	int i;

	if (!pml4 || ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sr) < 0) {
		pr_err("%s: KVM_GET_SREGS: %s", vm->dev, strerror(errno));
		return -1;
	}
	pdpt = pml4 + 512;
	pd = pml4 + 1024;
	memset(pml4, 0, 6 * 4096);
	pml4[0] = (GPA_PML4 + 0x1000) | 0x3;		/* P, RW */
	for (i = 0; i < 4; i++)
		pdpt[i] = (GPA_PML4 + 0x2000 + i * 0x1000) | 0x3;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;	/* P, RW, 2M */

	if (vm_set_segments(vm, &sr, true))
		return -1;
	sr.cr0 = CR0_PE | CR0_ET | CR0_PG;
	sr.cr3 = GPA_PML4;
	sr.cr4 = CR4_PAE;
	sr.efer = EFER_LME | EFER_LMA;

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = rip;
	regs.rsi = rsi;
	regs.rsp = GPA_STACK_TOP;
	return vm_set_regs(vm, &sr, &regs);
}

/* 32-bit protected mode, paging off (PVH, and the 32-bit boot protocol). */
int vm__set_entry_prot32(struct vm *vm, uint64_t eip, uint32_t esi,
			 uint32_t ebx)
{
	struct kvm_sregs sr;
	struct kvm_regs regs;

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sr) < 0) {
		pr_err("%s: KVM_GET_SREGS: %s", vm->dev, strerror(errno));
		return -1;
	}
	if (vm_set_segments(vm, &sr, false))
		return -1;
	sr.cr0 = CR0_PE | CR0_ET;
	sr.cr3 = 0;
	sr.cr4 = 0;
	sr.efer = 0;

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = eip;
	regs.rsi = esi;
	regs.rbx = ebx;
	regs.rsp = GPA_STACK_TOP;
	return vm_set_regs(vm, &sr, &regs);
}

static void vm_dump_seg(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "  %-4s sel %04x base %016llx limit %08x type %x%s%s%s\n",
		name, s->selector, (unsigned long long)s->base, s->limit,
		s->type, s->present ? " p" : "", s->l ? " l" : "",
		s->db ? " db" : "");
}

void vm__dump_regs(struct vm *vm)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0) {
		fprintf(stderr, "  (KVM_GET_REGS: %s)\n", strerror(errno));
		return;
	}
	fprintf(stderr,
		"  rip %016llx rsp %016llx rflags %08llx\n"
		"  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		"  rsi %016llx rdi %016llx rbp %016llx\n"
		"  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
		"  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n",
		r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx,
		r.rsi, r.rdi, r.rbp, r.r8, r.r9, r.r10, r.r11,
		r.r12, r.r13, r.r14, r.r15);
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "  (KVM_GET_SREGS: %s)\n", strerror(errno));
		return;
	}
	fprintf(stderr,
		"  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx\n"
		"  efer %016llx gdt %016llx/%x idt %016llx/%x\n",
		s.cr0, s.cr2, s.cr3, s.cr4, s.efer,
		s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit);
	vm_dump_seg("cs", &s.cs);
	vm_dump_seg("ss", &s.ss);
	vm_dump_seg("ds", &s.ds);
	vm_dump_seg("tr", &s.tr);
}
