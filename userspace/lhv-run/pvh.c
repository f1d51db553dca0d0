// SPDX-License-Identifier: GPL-2.0
/*
 * pvh.c - PVH boot of an uncompressed ELF vmlinux, the fast path: no
 * decompression, no setup code.  The kernel names its 32-bit entry in an
 * ELF note (owner "Xen", type XEN_ELFNOTE_PHYS32_ENTRY = 18; Linux has it
 * with CONFIG_PVH=y); the PT_LOAD segments go to their physical addresses;
 * struct hvm_start_info (version 1: with the memory map) describes the
 * command line, the initrd (one module) and RAM.  Entry state, from Xen's
 * PVH ABI: 32-bit protected mode, paging off, flat CS/DS/ES/SS, a 32-bit
 * TSS, IF clear, EBX = the start info's physical address.
 */
#include <elf.h>
#include <string.h>

#include "lhv-run.h"

#define XEN_ELFNOTE_PHYS32_ENTRY	18
#define HVM_START_MAGIC			0x336ec578
#define PVH_CMDLINE_MAX			2048	/* x86 COMMAND_LINE_SIZE */

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;		/* version 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/* Layout inside the start-info page. */
#define SI_MODLIST_OFF	0x100
#define SI_MEMMAP_OFF	0x200
#define SI_MEMMAP_MAX	((4096 - SI_MEMMAP_OFF) / sizeof(struct hvm_memmap_table_entry))

static size_t align4(size_t x)
{
	return (x + 3) & ~(size_t)3;
}

/* The PVH entry from the notes of one PT_NOTE segment; 0 when absent. */
static uint64_t pvh_find_entry(const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (len - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		size_t name_off, desc_off;

		memcpy(&nh, p + off, sizeof(nh));
		name_off = off + sizeof(nh);
		if (nh.n_namesz > len - name_off)
			return 0;
		desc_off = name_off + align4(nh.n_namesz);
		if (desc_off > len || nh.n_descsz > len - desc_off)
			return 0;
		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY &&
		    nh.n_namesz == 4 && !memcmp(p + name_off, "Xen", 4)) {
			uint32_t e32;
			uint64_t e64;

			if (nh.n_descsz == 4) {
				memcpy(&e32, p + desc_off, 4);
				return e32;
			}
			if (nh.n_descsz == 8) {
				memcpy(&e64, p + desc_off, 8);
				return e64;
			}
			return 0;
		}
		off = desc_off + align4(nh.n_descsz);
	}
	return 0;
}

int pvh__load_elf(struct vm *vm, const struct boot_args *args,
		  const uint8_t *img, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)img;
	const Elf64_Phdr *ph;
	struct hvm_start_info *si;
	struct hvm_memmap_table_entry *mm;
	struct hvm_modlist_entry *mod;
	uint64_t entry = 0, kend = 0, rd_gpa, rd_size;
	uint64_t addr[8], size[8];
	uint32_t type[8];
	size_t cmd_len = strlen(args->cmdline);
	char *cmd;
	int i, n, nload = 0;

	if (len < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64) {
		pr_err("kernel %s: not a 64-bit x86 ELF vmlinux", args->kernel);
		return -1;
	}
	if (eh->e_phentsize != sizeof(*ph) || eh->e_phnum == 0 ||
	    eh->e_phoff > len ||
	    (uint64_t)eh->e_phnum * sizeof(*ph) > len - eh->e_phoff) {
		pr_err("kernel %s: truncated or corrupt ELF program headers",
		       args->kernel);
		return -1;
	}
	ph = (const void *)(img + eh->e_phoff);
	for (i = 0; i < eh->e_phnum && !entry; i++) {
		if (ph[i].p_type != PT_NOTE)
			continue;
		if (ph[i].p_offset > len || ph[i].p_filesz > len - ph[i].p_offset) {
			pr_err("kernel %s: truncated ELF (a note segment lies past the end of the file)",
			       args->kernel);
			return -1;
		}
		entry = pvh_find_entry(img + ph[i].p_offset, ph[i].p_filesz);
	}
	if (!entry || entry >= GPA_4G) {
		pr_err("kernel %s: no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY; CONFIG_PVH=y): boot its bzImage instead",
		       args->kernel);
		return -1;
	}
	if (cmd_len >= PVH_CMDLINE_MAX) {
		pr_err("command line too long: %zu bytes, the kernel takes at most %d",
		       cmd_len, PVH_CMDLINE_MAX - 1);
		return -1;
	}

	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		uint8_t *dst;

		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		if (p->p_offset > len || p->p_filesz > len - p->p_offset ||
		    p->p_filesz > p->p_memsz) {
			pr_err("kernel %s: truncated ELF (segment %d lies past the end of the file)",
			       args->kernel, i);
			return -1;
		}
		if (p->p_paddr < GPA_HIGH_MEM) {
			pr_err("kernel %s: segment %d at %#llx, below 1 MiB",
			       args->kernel, i, (unsigned long long)p->p_paddr);
			return -1;
		}
		if (p->p_memsz > vm->low_size ||
		    p->p_paddr > vm->low_size - p->p_memsz) {
			pr_err("kernel %s: segment %d (%#llx-%#llx) is outside guest RAM: use a larger --mem",
			       args->kernel, i, (unsigned long long)p->p_paddr,
			       (unsigned long long)(p->p_paddr + p->p_memsz));
			return -1;
		}
		dst = vm__gpa(vm, p->p_paddr, p->p_memsz);
		if (dst) {	/* NULL: checking only (see boot__load) */
			memcpy(dst, img + p->p_offset, p->p_filesz);
			memset(dst + p->p_filesz, 0, p->p_memsz - p->p_filesz);
		}
		if (p->p_paddr + p->p_memsz > kend)
			kend = p->p_paddr + p->p_memsz;
		nload++;
	}
	if (!nload) {
		pr_err("kernel %s: ELF without loadable segments", args->kernel);
		return -1;
	}

	kend = (kend + 0xfff) & ~0xfffULL;
	if (!vm->ram)
		return args->initrd ? load__initrd(vm, args->initrd, kend,
					GPA_MEM_HOLE - 1, &rd_gpa, &rd_size) : 0;
	si = vm__gpa(vm, GPA_BOOT_INFO, 4096);
	cmd = vm__gpa(vm, GPA_CMDLINE, cmd_len + 1);
	if (!si || !cmd)
		return -1;
	memset(si, 0, 4096);
	memcpy(cmd, args->cmdline, cmd_len + 1);
	si->magic = HVM_START_MAGIC;
	si->version = 1;
	si->cmdline_paddr = GPA_CMDLINE;

	if (args->initrd) {
		if (load__initrd(vm, args->initrd, kend, GPA_MEM_HOLE - 1,
				      &rd_gpa, &rd_size))
			return -1;
		mod = (void *)((uint8_t *)si + SI_MODLIST_OFF);
		mod->paddr = rd_gpa;
		mod->size = rd_size;
		si->nr_modules = 1;
		si->modlist_paddr = GPA_BOOT_INFO + SI_MODLIST_OFF;
	}

	mm = (void *)((uint8_t *)si + SI_MEMMAP_OFF);
	n = vm__e820(vm, addr, size, type, 8);
	for (i = 0; i < n && i < (int)SI_MEMMAP_MAX; i++) {
		mm[i].addr = addr[i];
		mm[i].size = size[i];
		mm[i].type = type[i];	/* e820 types are PVH's types */
	}
	si->memmap_paddr = GPA_BOOT_INFO + SI_MEMMAP_OFF;
	si->memmap_entries = i;

	pr_debug("PVH: entry %#llx, kernel ends at %#llx", (unsigned long long)entry,
		 (unsigned long long)kend);
	return vm__set_entry_prot32(vm, entry, 0, GPA_BOOT_INFO);
}
