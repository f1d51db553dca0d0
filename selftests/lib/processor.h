/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selftests/lib/processor.h - x86 state for test guests: 64-bit long mode
 * with C code from the test binary itself, and the constants behind it.
 *
 * vm_create_longmode() gives a VM whose slot 0 (GPA 0) holds:
 *
 *   0x10000  PML4, PDPT, 4 page directories: identity map of 0-4 GiB
 *            in 2 MiB pages (memory outside every slot included, so that
 *            guests can poke at holes)
 *   0x16000  GDT: null, 0x08 64-bit code, 0x10 data, 0x18 TSS
 *   0x17000  TSS
 *   0x18000  IDT: vectors 0-31 report the exception as a ucall
 *            (UCALL_EXCEPTION: vector, error code, RIP, RSP), which the
 *            host turns into a test failure with those values
 *   0x400000 the PT_LOAD segments of /proc/self/exe, at their addresses
 *   top      1 MiB of stack, ending at the end of slot 0
 *
 * Guest code is an ordinary function of the test (built -no-pie): it may
 * use its stack, call other functions and read the binary's constants,
 * but must not call libc.  Returning from it is a UCALL_DONE.
 */
#ifndef SELFTEST_PROCESSOR_H
#define SELFTEST_PROCESSOR_H

#include "kvm_util.h"
#include "ucall.h"

#define X86_CR0_PE	(1ULL << 0)
#define X86_CR0_MP	(1ULL << 1)
#define X86_CR0_ET	(1ULL << 4)
#define X86_CR0_NE	(1ULL << 5)
#define X86_CR0_WP	(1ULL << 16)
#define X86_CR0_PG	(1ULL << 31)
#define X86_CR4_PAE	(1ULL << 5)
#define X86_CR4_OSFXSR	(1ULL << 9)
#define X86_CR4_OSXMMEXCPT (1ULL << 10)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define MSR_EFER	0xc0000080

#define X86_EFLAGS_FIXED 0x2ULL
#define X86_EFLAGS_CF	(1ULL << 0)
#define X86_EFLAGS_PF	(1ULL << 2)
#define X86_EFLAGS_ZF	(1ULL << 6)
#define X86_EFLAGS_SF	(1ULL << 7)
#define X86_EFLAGS_DF	(1ULL << 10)
#define X86_EFLAGS_OF	(1ULL << 11)

#define LM_PML4_GPA	0x10000ULL
#define LM_PDPT_GPA	0x11000ULL
#define LM_PD_GPA	0x12000ULL	/* four of them */
#define LM_GDT_GPA	0x16000ULL
#define LM_TSS_GPA	0x17000ULL
#define LM_IDT_GPA	0x18000ULL
#define LM_STACK_SIZE	(1ULL * MiB)
#define LM_DEFAULT_MEM	(64ULL * MiB)

#define LM_CR0	(X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | \
		 X86_CR0_WP | X86_CR0_PG)
#define LM_CR4	(X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)
#define LM_EFER	(EFER_LME | EFER_LMA)

#define LM_SEL_CODE	0x08
#define LM_SEL_DATA	0x10
#define LM_SEL_TSS	0x18

/*
 * A VM with @mem_size bytes (0: LM_DEFAULT_MEM) set up as above and one
 * vCPU about to call guest_code(arg0, arg1).
 */
struct kvm_vm *vm_create_longmode(u64 mem_size, struct kvm_vcpu **vcpu,
				  void *guest_code, u64 arg0, u64 arg1);
/* Page tables, GDT, TSS and the binary's image in an existing slot 0. */
void vm_setup_longmode(struct kvm_vm *vm);
/* Long-mode sregs, and RIP/RSP/RDI/RSI for a call of guest_code. */
void vcpu_setup_longmode(struct kvm_vcpu *vcpu);
void vcpu_set_entry(struct kvm_vcpu *vcpu, void *guest_code, u64 arg0,
		    u64 arg1);
u64 vm_stack_top(struct kvm_vm *vm);
/*
 * Point IDT vector @vec of @vcpu's VM at @handler (a 64-bit interrupt
 * gate; the handler is guest code ending in iretq) and grow the vCPU's
 * IDT limit to cover it.
 */
void vcpu_set_idt_handler(struct kvm_vcpu *vcpu, u8 vec, void *handler);

/* The host CPU's vendor (CPUID.0), for vendor-specific expectations. */
bool host_cpu_is_amd(void);		/* AuthenticAMD or HygonGenuine */
bool host_cpu_is_intel(void);		/* GenuineIntel */

/* The guest's copy of a global of this binary. */
#define guest_global(vm, g)	(*(__typeof__(&(g)))addr_gpa2hva(vm, (u64)&(g)))
/* Copy the host's value of a global into the guest's copy. */
#define sync_global_to_guest(vm, g)	(guest_global(vm, g) = (g))

/* Guest helpers. */
static inline void guest_cpuid(u32 leaf, u32 subleaf, u32 *a, u32 *b,
			       u32 *c, u32 *d)
{
	asm volatile("cpuid"
		     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(leaf), "c"(subleaf));
}

static inline u64 guest_rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | ((u64)hi << 32);
}

#define DEFINE_GUEST_READ_CR(n)					\
static inline u64 guest_read_cr##n(void)			\
{								\
	u64 v;							\
	asm volatile("mov %%cr" #n ", %0" : "=r"(v));		\
	return v;						\
}
DEFINE_GUEST_READ_CR(0)
DEFINE_GUEST_READ_CR(3)
DEFINE_GUEST_READ_CR(4)

#endif /* SELFTEST_PROCESSOR_H */
