/*
 * lab/bochs/boot.S: a tiny BIOS disk loader for the Bochs VMX lab host.
 *
 * Boots Debian's uncompressed vmlinux straight into its PVH entry point,
 * skipping the bzImage decompressor (most of Bochs' boot time otherwise).
 * The BIOS loads sector 0 at 0x7c00; stage 1 reads the rest of the loader
 * image (LOADER_SECTORS, which includes the table written by mkdisk.py) to
 * 0x7e00.  Stage 2 then:
 *   1. walks the table of (lba, load address, length) entries: each chunk
 *      is read with INT 13h AH=42h into a buffer below 1 MiB and copied to
 *      its load address from a short trip into 32-bit protected mode (no
 *      reliance on unreal mode surviving BIOS calls); lba 0xffffffff means
 *      "fill with zeros" (bss and other zero runs are not stored on disk);
 *   2. collects the BIOS E820 map (INT 15h EAX=E820) directly in the
 *      layout of struct hvm_memmap_table_entry;
 *   3. builds struct hvm_start_info version 1 (Xen's arch-x86/hvm/start_info.h)
 *      with one module, the initramfs, and the command line from the table;
 *   4. enters 32-bit protected mode, paging off, flat 4 GiB segments, and
 *      jumps to XEN_ELFNOTE_PHYS32_ENTRY with EBX = &hvm_start_info.
 * Progress and errors go straight to COM1 (port 0x3f8): Bochs writes them
 * to the serial log before the kernel's own output.
 *
 * Build: as --32 boot.S; ld -m elf_i386 -Ttext=0x7c00 --oformat=binary.
 */

	.set	LOADER_SECTORS, 32		/* whole image: code + table */
	.set	TABLE, 0x7c00 + 0x1000		/* table offset in the image */
	.set	T_MAGIC, 0			/* 'LHVB' */
	.set	T_ENTRY, 4			/* PVH entry, physical */
	.set	T_NENT, 8			/* number of entries */
	.set	T_INITRD_ADDR, 12
	.set	T_INITRD_SIZE, 16
	.set	T_CMDLINE, 64			/* NUL-terminated, < 1984 bytes */
	.set	T_ENTRIES, 2048			/* 16 bytes each: lba addr len 0 */
	.set	ZERO_LBA, 0xffffffff

	.set	BUF_SEG, 0x1000			/* read buffer at 0x10000 */
	.set	BUF, 0x10000
	.set	CHUNK, 64			/* sectors per INT 13h read */

	.set	START_INFO, 0x6000		/* struct hvm_start_info */
	.set	MODLIST, 0x6040			/* struct hvm_modlist_entry */
	.set	MEMMAP, 0x6100			/* hvm_memmap_table_entry[] */
	.set	MEMMAP_MAX, 64

	.set	COM1, 0x3f8

	.code16
	.text
	.globl	_start
_start:
	cli
	ljmp	$0, $1f				/* normalise CS:IP to 0:7cxx */
1:	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7c00, %sp
	sti
	cld
	mov	%dl, boot_drive
	mov	$COM1 + 3, %dx			/* LCR: 8N1, DLAB off */
	mov	$0x03, %al
	out	%al, %dx

	/* Stage 1: the rest of the loader image, to 0x7e00. */
	movw	$LOADER_SECTORS - 1, dap_count
	movw	$0x7e00, dap_off
	movw	$0, dap_seg
	movl	$1, dap_lba
	call	disk_read
	jmp	stage2

/* Read dap_count sectors at dap_lba to dap_seg:dap_off; dies on error. */
disk_read:
	pushal				/* the BIOS may clobber 32-bit halves */
	mov	$0x42, %ah
	mov	boot_drive, %dl
	mov	$dap, %si
	int	$0x13
	popal
	jc	1f
	ret
1:	mov	$msg_disk, %si
	jmp	die

/* Print the NUL-terminated string at DS:SI to COM1. */
puts:
	push	%ax
	push	%dx
1:	lodsb
	test	%al, %al
	jz	3f
	mov	%al, %ah
	mov	$COM1 + 5, %dx			/* LSR: wait for THR empty */
2:	in	%dx, %al
	test	$0x20, %al
	jz	2b
	mov	$COM1, %dx
	mov	%ah, %al
	out	%al, %dx
	jmp	1b
3:	pop	%dx
	pop	%ax
	ret

die:
	call	puts
1:	cli
	hlt
	jmp	1b

	.p2align 2
dap:	.byte	16, 0
dap_count:	.word	0
dap_off:	.word	0
dap_seg:	.word	0
dap_lba:	.quad	0
boot_drive:	.byte	0
msg_disk:	.asciz	"lhvboot: disk read failed\r\n"

	.org	510
	.byte	0x55, 0xaa

/* ---- stage 2 (sectors 1..) ---- */
stage2:
	mov	$msg_hello, %si
	call	puts
	cmpl	$0x4256484c, TABLE + T_MAGIC	/* "LHVB" */
	je	1f
	mov	$msg_table, %si
	jmp	die
1:
	/* Fast A20 (port 0x92); Bochs' BIOS usually has it on already. */
	in	$0x92, %al
	or	$2, %al
	and	$0xfe, %al
	out	%al, $0x92

	/* Load every table entry. */
	mov	$TABLE + T_ENTRIES, %bx
	mov	TABLE + T_NENT, %cx
next_entry:
	jcxz	entries_done
	push	%cx
	mov	0(%bx), %eax			/* lba */
	mov	4(%bx), %edi			/* load address */
	mov	8(%bx), %ebp			/* bytes left */
	cmp	$ZERO_LBA, %eax
	jne	chunk
	mov	%ebp, %ecx
	call	pm_zero
	jmp	entry_done
chunk:
	test	%ebp, %ebp
	jz	entry_done
	mov	%eax, dap_lba
	movw	$CHUNK, dap_count
	movw	$0, dap_off
	movw	$BUF_SEG, dap_seg
	call	disk_read
	mov	$CHUNK * 512, %ecx
	cmp	%ecx, %ebp
	jae	1f
	mov	%ebp, %ecx
1:	sub	%ecx, %ebp
	mov	$BUF, %esi
	call	pm_copy				/* advances EDI */
	add	$CHUNK, %eax
	jmp	chunk
entry_done:
	mov	$'.', %al
	call	putc
	pop	%cx
	add	$16, %bx
	dec	%cx
	jmp	next_entry
entries_done:

	/* E820 map straight into hvm_memmap_table_entry[] (24 bytes each). */
	xor	%ebx, %ebx
	mov	$MEMMAP, %di
	xor	%bp, %bp			/* entries */
e820_next:
	movl	$0, 20(%di)			/* reserved / ext. attributes */
	mov	$0xe820, %eax
	mov	$0x534d4150, %edx		/* "SMAP" */
	mov	$20, %ecx
	int	$0x15
	jc	e820_done
	cmp	$0x534d4150, %eax
	jne	e820_done
	movl	$0, 20(%di)
	cmpl	$0, 8(%di)			/* skip empty ranges */
	jne	1f
	cmpl	$0, 12(%di)
	je	2f
1:	add	$24, %di
	inc	%bp
	cmp	$MEMMAP_MAX, %bp
	je	e820_done
2:	test	%ebx, %ebx
	jnz	e820_next
e820_done:
	test	%bp, %bp
	jnz	1f
	mov	$msg_e820, %si
	jmp	die
1:
	/* struct hvm_start_info, version 1. */
	mov	$START_INFO, %di
	xor	%ax, %ax
	mov	$(MEMMAP - START_INFO) / 2, %cx
	rep stosw
	movl	$0x336ec578, START_INFO + 0	/* magic */
	movl	$1, START_INFO + 4		/* version */
	movl	$1, START_INFO + 12		/* nr_modules */
	movl	$MODLIST, START_INFO + 16	/* modlist_paddr */
	movl	$TABLE + T_CMDLINE, START_INFO + 24	/* cmdline_paddr */
	movl	$MEMMAP, START_INFO + 40	/* memmap_paddr */
	movzwl	%bp, %eax
	mov	%eax, START_INFO + 48		/* memmap_entries */
	mov	TABLE + T_INITRD_ADDR, %eax
	mov	%eax, MODLIST + 0		/* paddr */
	mov	TABLE + T_INITRD_SIZE, %eax
	mov	%eax, MODLIST + 8		/* size */

	mov	$msg_go, %si
	call	puts

	/* Into 32-bit protected mode for good: the PVH entry contract. */
	cli
	lgdtl	gdt_desc
	mov	%cr0, %eax
	or	$1, %al
	mov	%eax, %cr0
	ljmpl	$0x08, $pvh_jump

/* Print the character in AL to COM1. */
putc:
	push	%si
	mov	%al, putc_buf
	mov	$putc_buf, %si
	call	puts
	pop	%si
	ret

/*
 * Copy ECX bytes from ESI to EDI (flat physical) in 32-bit protected mode,
 * then return to real mode.  EDI is left past the copied bytes; EAX kept.
 */
pm_copy:
	movb	$0, pm_op
	jmp	pm_enter
/* Zero ECX bytes at EDI the same way. */
pm_zero:
	movb	$1, pm_op
pm_enter:
	push	%eax
	pushf
	cli
	lgdtl	gdt_desc
	mov	%cr0, %eax
	or	$1, %al
	mov	%eax, %cr0
	ljmpl	$0x08, $pm32
	.code32
pm32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	cld
	mov	%ecx, %edx
	shr	$2, %ecx
	and	$3, %edx
	cmpb	$0, pm_op
	jne	1f
	rep movsl
	mov	%edx, %ecx
	rep movsb
	jmp	2f
1:	xor	%eax, %eax
	rep stosl
	mov	%edx, %ecx
	rep stosb
2:	ljmp	$0x18, $pm16
	.code16
pm16:
	mov	$0x20, %ax			/* 64 KiB limits back for real mode */
	mov	%ax, %ds
	mov	%ax, %es
	mov	%cr0, %eax
	and	$0xfe, %al
	mov	%eax, %cr0
	ljmp	$0, $rm16
rm16:
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	popf
	pop	%eax
	ret

	.code32
pvh_jump:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$0x7c00, %esp
	mov	$START_INFO, %ebx
	mov	TABLE + T_ENTRY, %eax
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%ebp, %ebp
	jmp	*%eax
	.code16

	.p2align 3
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff		/* 0x08: 32-bit code, flat */
	.quad	0x00cf93000000ffff		/* 0x10: 32-bit data, flat */
	.quad	0x00009b000000ffff		/* 0x18: 16-bit code, 64 KiB */
	.quad	0x000093000000ffff		/* 0x20: 16-bit data, 64 KiB */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

pm_op:		.byte	0
putc_buf:	.byte	0, 0
msg_hello:	.asciz	"lhvboot: loading"
msg_table:	.asciz	"\r\nlhvboot: no table (run mkdisk.py)\r\n"
msg_e820:	.asciz	"\r\nlhvboot: no E820 map\r\n"
msg_go:		.asciz	" starting kernel\r\n"

	.org	0x1000				/* the table starts here */
