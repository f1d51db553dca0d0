#!/usr/bin/env python3
# lab/bochs/mkdisk.py: lay out the raw disk image booted by boot.S.
#
#   mkdisk.py LOADER.bin VMLINUX INITRAMFS CMDLINE OUT.img
#
# Disk layout (512-byte sectors):
#   0 .. 31   the loader image (boot.S), whose last 12 KiB hold the table:
#             header {u32 "LHVB", u32 PVH entry, u32 nent, u32 initrd addr,
#             u32 initrd size}, cmdline at +64, entries at +2048, each
#             {u32 lba, u32 load address, u32 bytes, u32 0}; lba 0xffffffff
#             means "fill with zeros" (not stored on disk)
#   32 ..     payloads, each starting on a sector boundary
# The vmlinux PT_LOAD segments are split into runs of data and runs of
# zero pages so that bss and other zero runs cost no disk reads.  The PVH
# entry comes from the ELF note XEN_ELFNOTE_PHYS32_ENTRY (type 18, "Xen").
# The initramfs goes at INITRD_ADDR (physical), above the kernel.
# The image is padded to whole 16 heads x 63 sectors cylinders, which is
# what Bochs' flat disk mode expects.
import struct
import sys

LOADER_SECTORS = 32
TABLE_OFF = 0x1000
ENTRIES_OFF = TABLE_OFF + 2048
MAX_ENTRIES = (LOADER_SECTORS * 512 - ENTRIES_OFF) // 16
ZERO_LBA = 0xffffffff
PAGE = 4096
MIN_ZERO_RUN = 16 * PAGE
INITRD_ADDR = 0x6000000          # 96 MiB: above the kernel's ~75 MiB
XEN_ELFNOTE_PHYS32_ENTRY = 18


def die(msg):
    sys.exit('mkdisk: ' + msg)


def elf_segments(elf):
    if elf[:4] != b'\x7fELF' or elf[4] != 2:
        die('vmlinux is not ELF64')
    phoff, = struct.unpack_from('<Q', elf, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', elf, 0x36)
    loads, entry = [], None
    for i in range(phnum):
        (p_type, _, off, _, paddr, filesz, memsz,
         _) = struct.unpack_from('<IIQQQQQQ', elf, phoff + i * phentsize)
        if p_type == 1:
            loads.append((paddr, off, filesz, memsz))
        elif p_type == 4:
            entry = entry or pvh_entry(elf[off:off + filesz])
    if entry is None:
        die('no XEN_ELFNOTE_PHYS32_ENTRY note: kernel without CONFIG_PVH?')
    return loads, entry


def pvh_entry(notes):
    pos = 0
    while pos + 12 <= len(notes):
        namesz, descsz, ntype = struct.unpack_from('<III', notes, pos)
        name = notes[pos + 12:pos + 12 + namesz].rstrip(b'\0')
        desc_off = pos + 12 + (namesz + 3) // 4 * 4
        desc = notes[desc_off:desc_off + descsz]
        if name == b'Xen' and ntype == XEN_ELFNOTE_PHYS32_ENTRY:
            return struct.unpack('<I', desc[:4])[0]
        pos = desc_off + (descsz + 3) // 4 * 4
    return None


def split_zero_runs(addr, data):
    """Split a segment into (addr, bytes, 0) data runs and (addr, None, len)
    zero runs; zero runs are whole pages, at least MIN_ZERO_RUN long."""
    runs, start, pos, n = [], 0, 0, len(data)
    zpage = bytes(PAGE)
    while pos + PAGE <= n:
        if data[pos:pos + PAGE] != zpage:
            pos += PAGE
            continue
        zstart = pos
        while pos + PAGE <= n and data[pos:pos + PAGE] == zpage:
            pos += PAGE
        if pos - zstart < MIN_ZERO_RUN:
            continue
        if zstart > start:
            runs.append((addr + start, data[start:zstart], 0))
        runs.append((addr + zstart, None, pos - zstart))
        start = pos
    if start < n:
        runs.append((addr + start, data[start:n], 0))
    return runs


def main():
    if len(sys.argv) != 6:
        die('usage: mkdisk.py LOADER VMLINUX INITRAMFS CMDLINE OUT')
    loader = bytearray(open(sys.argv[1], 'rb').read())
    elf = open(sys.argv[2], 'rb').read()
    initrd = open(sys.argv[3], 'rb').read()
    cmdline = sys.argv[4].encode() + b'\0'
    if len(loader) > TABLE_OFF:
        die('loader code overlaps the table')
    if len(cmdline) > ENTRIES_OFF - TABLE_OFF - 64:
        die('command line too long')
    loader = loader.ljust(LOADER_SECTORS * 512, b'\0')

    loads, entry = elf_segments(elf)
    runs = []                        # (addr, data or None, zero length)
    kernel_end = 0
    for paddr, off, filesz, memsz in loads:
        runs += split_zero_runs(paddr, elf[off:off + filesz])
        if memsz > filesz:
            runs.append((paddr + filesz, None, memsz - filesz))
        kernel_end = max(kernel_end, paddr + memsz)
    if kernel_end > INITRD_ADDR:
        die('kernel ends at %#x, past the initramfs' % kernel_end)
    runs.append((INITRD_ADDR, initrd, 0))

    if len(runs) > MAX_ENTRIES:
        die('%d table entries, at most %d' % (len(runs), MAX_ENTRIES))
    payload = bytearray()
    table = bytearray()
    lba0 = LOADER_SECTORS
    for addr, data, zlen in runs:
        if data is None:
            table += struct.pack('<IIII', ZERO_LBA, addr, zlen, 0)
            continue
        lba = lba0 + len(payload) // 512
        table += struct.pack('<IIII', lba, addr, len(data), 0)
        payload += data
        payload += bytes(-len(payload) % 512)
    struct.pack_into('<4sIIII', loader, TABLE_OFF, b'LHVB', entry,
                     len(runs), INITRD_ADDR, len(initrd))
    loader[TABLE_OFF + 64:TABLE_OFF + 64 + len(cmdline)] = cmdline
    loader[ENTRIES_OFF:ENTRIES_OFF + len(table)] = table

    image = loader + payload
    cyl = 16 * 63 * 512
    image += bytes(-len(image) % cyl)
    with open(sys.argv[5], 'wb') as f:
        f.write(image)
    print('mkdisk: entry %#x, %d entries, %d MiB on disk, %d cylinders'
          % (entry, len(runs), len(payload) >> 20, len(image) // cyl))


if __name__ == '__main__':
    main()
