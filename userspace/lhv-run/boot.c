// SPDX-License-Identifier: GPL-2.0
/*
 * boot.c - load a kernel: read the file, tell a bzImage from an ELF
 * vmlinux (pvh.c), and for a bzImage follow the Linux/x86 boot protocol
 * (Documentation/x86/boot.rst): check the setup header, load the
 * protected-mode kernel at its preferred address (1 MiB when it is not
 * relocatable), fill the zero page (struct boot_params: the setup header,
 * e820 map, command line, initrd) and enter through the 64-bit entry point
 * (load address + 0x200) when the kernel has one (XLF_KERNEL_64), else the
 * 32-bit one.  The initrd goes as high in low RAM as the kernel allows.
 */
#include <stdlib.h>
#include <string.h>

#include "lhv-run.h"

/* Offsets in the zero page / in the image (setup header at 0x1f1). */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define HDR_SETUP_SECTS		0x1f1
#define HDR_SYSSIZE		0x1f4
#define HDR_VID_MODE		0x1fa
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP		0x200
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_CODE32_START	0x214
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_HEAP_END_PTR	0x224
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128

#define LOADED_HIGH		0x01
#define CAN_USE_HEAP		0x80
#define XLF_KERNEL_64		0x01

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static int boot_fill_e820(struct vm *vm, uint8_t *bp)
{
	uint64_t addr[8], size[8];
	uint32_t type[8];
	int i, n = vm__e820(vm, addr, size, type, 8);

	for (i = 0; i < n && i < BP_E820_MAX; i++) {
		uint8_t *e = bp + BP_E820_TABLE + i * 20;

		wr64(e, addr[i]);
		wr64(e + 8, size[i]);
		wr32(e + 16, type[i]);
	}
	bp[BP_E820_ENTRIES] = i;
	return 0;
}

int boot__load_bzimage(struct vm *vm, const struct boot_args *args,
		       const uint8_t *img, size_t len)
{
	uint32_t setup_sects, setup_size, kernel_size, init_size, cmd_max;
	uint32_t align = 0x200000, initrd_max = 0x37ffffff;
	uint64_t load, end, rd_gpa = 0, rd_size = 0;
	uint16_t ver, xlf = 0;
	size_t hdr_end, cmd_len = strlen(args->cmdline);
	uint8_t *bp, *dst;
	char *cmd;

	if (len < 0x270) {
		pr_err("kernel %s: truncated bzImage (%zu bytes, no room for the setup header)",
		       args->kernel, len);
		return -1;
	}
	ver = rd16(img + HDR_VERSION);
	if (ver < 0x206) {
		pr_err("kernel %s: boot protocol %u.%02u is too old (2.06 or later needed)",
		       args->kernel, ver >> 8, ver & 0xff);
		return -1;
	}
	if (rd16(img + HDR_BOOT_FLAG) != 0xaa55 ||
	    !(img[HDR_LOADFLAGS] & LOADED_HIGH)) {
		pr_err("kernel %s: not a bzImage (boot flag %#x, loadflags %#x)",
		       args->kernel, rd16(img + HDR_BOOT_FLAG),
		       img[HDR_LOADFLAGS]);
		return -1;
	}
	setup_sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	setup_size = (setup_sects + 1) * 512;
	kernel_size = rd32(img + HDR_SYSSIZE) * 16;
	if (setup_size >= len || kernel_size == 0 ||
	    kernel_size > len - setup_size) {
		pr_err("kernel %s: truncated bzImage (%zu bytes; its header says %u)",
		       args->kernel, len, setup_size + kernel_size);
		return -1;
	}
	kernel_size = len - setup_size;	/* the payload may be padded */

	cmd_max = rd32(img + HDR_CMDLINE_SIZE);
	if (cmd_len > cmd_max || cmd_len > CMDLINE_MAX) {
		pr_err("command line too long: %zu bytes, this kernel takes at most %u",
		       cmd_len, cmd_max);
		return -1;
	}
	if (ver >= 0x203)
		initrd_max = rd32(img + HDR_INITRD_ADDR_MAX);
	if (ver >= 0x20c)
		xlf = rd16(img + HDR_XLOADFLAGS);
	load = GPA_HIGH_MEM;
	if (ver >= 0x205 && img[HDR_RELOCATABLE]) {
		align = rd32(img + HDR_KERNEL_ALIGNMENT);
		if (ver >= 0x20a)
			load = rd64(img + HDR_PREF_ADDRESS);
		if (align & (align - 1) || align < 4096)
			align = 0x200000;
		load = (load + align - 1) & ~(uint64_t)(align - 1);
		if (load < GPA_HIGH_MEM)
			load = GPA_HIGH_MEM;
	}
	init_size = ver >= 0x20a ? rd32(img + HDR_INIT_SIZE) : kernel_size * 4;
	end = load + (init_size > kernel_size ? init_size : kernel_size);
	if (end > vm->low_size) {
		pr_err("kernel %s needs %llu MiB of guest RAM to decompress (loaded at %#llx): use a larger --mem",
		       args->kernel, (unsigned long long)((end + (1 << 20) - 1) >> 20),
		       (unsigned long long)load);
		return -1;
	}
	if (!vm->ram)		/* checking only: the initrd, then done */
		return args->initrd ? load__initrd(vm, args->initrd, end,
					initrd_max, &rd_gpa, &rd_size) : 0;
	dst = vm__gpa(vm, load, kernel_size);
	bp = vm__gpa(vm, GPA_BOOT_INFO, 4096);
	cmd = vm__gpa(vm, GPA_CMDLINE, cmd_len + 1);
	if (!dst || !bp || !cmd)
		return -1;
	memcpy(dst, img + setup_size, kernel_size);

	/* Zero page: zeroes, then the setup header as the image has it. */
	memset(bp, 0, 4096);
	hdr_end = 0x202 + img[HDR_JUMP + 1];
	if (hdr_end > setup_size)
		hdr_end = setup_size;
	if (hdr_end > 4096)
		hdr_end = 4096;
	memcpy(bp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS,
	       hdr_end - HDR_SETUP_SECTS);
	wr16(bp + HDR_VID_MODE, 0xffff);		/* "normal" */
	bp[HDR_TYPE_OF_LOADER] = 0xff;			/* undefined loader */
	bp[HDR_LOADFLAGS] |= CAN_USE_HEAP;
	wr16(bp + HDR_HEAP_END_PTR, 0xfe00);
	wr32(bp + HDR_CODE32_START, load);
	memcpy(cmd, args->cmdline, cmd_len + 1);
	wr32(bp + HDR_CMD_LINE_PTR, GPA_CMDLINE);
	wr32(bp + BP_EXT_CMD_LINE_PTR, 0);

	if (args->initrd) {
		if (load__initrd(vm, args->initrd, end, initrd_max,
				      &rd_gpa, &rd_size))
			return -1;
		wr32(bp + HDR_RAMDISK_IMAGE, rd_gpa);
		wr32(bp + HDR_RAMDISK_SIZE, rd_size);
		wr32(bp + BP_EXT_RAMDISK_IMAGE, rd_gpa >> 32);
		wr32(bp + BP_EXT_RAMDISK_SIZE, rd_size >> 32);
	}
	boot_fill_e820(vm, bp);

	pr_debug("bzImage: protocol %u.%02u, %u KiB at %#llx, init_size %u KiB, %s entry, initrd %llu KiB at %#llx",
		 ver >> 8, ver & 0xff, kernel_size >> 10,
		 (unsigned long long)load, init_size >> 10,
		 (xlf & XLF_KERNEL_64) ? "64-bit" : "32-bit",
		 (unsigned long long)(rd_size >> 10),
		 (unsigned long long)rd_gpa);
	if (xlf & XLF_KERNEL_64)
		return vm__set_entry_long(vm, load + 0x200, GPA_BOOT_INFO);
	/* 32-bit protocol: ESI = boot_params, EBX = EBP = EDI = 0. */
	return vm__set_entry_prot32(vm, load, GPA_BOOT_INFO, 0);
}

/*
 * Load the kernel (and initrd) into the VM.  With vm->ram NULL (only
 * ram_size and low_size set) nothing is loaded: every input is checked,
 * so that lhv-run can refuse bad input before it opens the device.
 */
int boot__load(struct vm *vm, const struct boot_args *args)
{
	static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };
	uint8_t *img;
	size_t len;
	int r;

	img = load__file("kernel", args->kernel, &len);
	if (!img)
		return -1;
	if (len >= 4 && !memcmp(img, elf_magic, 4))
		r = pvh__load_elf(vm, args, img, len);
	else if (len >= HDR_MAGIC + 4 && !memcmp(img + HDR_MAGIC, "HdrS", 4))
		r = boot__load_bzimage(vm, args, img, len);
	else {
		pr_err("kernel %s: neither a bzImage (no \"HdrS\" at 0x202) nor an ELF vmlinux",
		       args->kernel);
		r = -1;
	}
	free(img);
	return r;
}
