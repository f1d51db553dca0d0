/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/guest.S - real-mode guest programs for lhv-bench.
 *
 * Each program is a position-independent blob between a *_start and a
 * *_end symbol.  lhv-bench copies it to GUEST_CODE_GPA in guest memory and
 * starts the vCPU there in real mode (CS base 0, IP at the blob).  Nothing
 * here runs on the host: the blobs live in .rodata.
 *
 * Ports used (all exits are 1-byte "out" of %al):
 *   0x10  pio loop tick          0x11  cpuid loop done (results in regs)
 * The hlt program exits only through HLT and takes interrupt 0x20.
 */

	.section .rodata
	.code16

/* pio: out to port 0x10 forever; every iteration is one KVM_EXIT_IO. */
	.globl guest_pio_start, guest_pio_end
guest_pio_start:
1:	outb	%al, $0x10
	jmp	1b
guest_pio_end:

/*
 * mmio: byte store to GPA 0xe0000 (ES = 0xe000), which no memslot covers,
 * forever; every iteration is one KVM_EXIT_MMIO.
 */
	.globl guest_mmio_start, guest_mmio_end
guest_mmio_start:
	movw	$0xe000, %ax
	movw	%ax, %es
1:	movb	%al, %es:0
	jmp	1b
guest_mmio_end:

/*
 * cpuid: %ebp = number of cpuid instructions (set by the host).  Reads the
 * TSC before and after the loop and reports through port 0x11 with
 * %edi:%esi = start, %edx:%eax = end.  Then halts the loop: the host sets
 * the registers again before every run.
 */
	.globl guest_cpuid_start, guest_cpuid_end
guest_cpuid_start:
	rdtsc
	movl	%eax, %esi
	movl	%edx, %edi
1:	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cpuid
	decl	%ebp
	jnz	1b
	rdtsc
	outb	%al, $0x11
2:	jmp	2b
guest_cpuid_end:

/*
 * hlt: "sti; hlt" forever; every iteration is one KVM_EXIT_HLT.  The host
 * points IVT entry 0x20 at guest_hlt_irq, which counts the interrupt in
 * the dword at GPA 0x500 (HLT_COUNT_GPA in bench.c) and returns to the
 * loop.  Real mode: the interrupt pushes FLAGS/CS/IP below SS:SP = 0:0.
 */
	.globl guest_hlt_start, guest_hlt_irq, guest_hlt_end
guest_hlt_start:
1:	sti
	hlt
	jmp	1b
guest_hlt_irq:
	incl	0x500
	iret
guest_hlt_end:

	.code64
	.section .note.GNU-stack, "", @progbits
