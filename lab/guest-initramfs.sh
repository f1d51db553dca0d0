#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lab/guest-initramfs.sh - build the initramfs of the Linux guest that
# lhv-run boots inside the lab host: static busybox and an /init that
# prints the guest's kernel version, mounts proc, runs a few commands and
# powers off.  Tiny on purpose (it rides inside the lab host's own
# initramfs) and uncompressed (unpacking costs nothing under emulation).
# Reproducible: fixed timestamps and owners, sorted entries.
#
# What the guest prints, one "lhv-guest:" line each (lab/guest/tests/
# lhv_run checks them):
#   lhv-guest: kernel <uname -r>
#   lhv-guest: cpus <processors in /proc/cpuinfo>
#   lhv-guest: sum <the sum 1..100 computed by the shell: 5050>
#   lhv-guest: uptime <seconds>
#   lhv-guest: ready for input, then lhv-guest: read <line>  (only with
#     lhvguest.input on the kernel command line: a console input check)
#   lhv-guest-ok
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: lab/guest-initramfs.sh [-o FILE] [--vmlinux FILE]
Build the guest initramfs (default \$BUILD/lab/guest/initrd.cpio).
  --vmlinux FILE  also extract the ELF vmlinux from the lab kernel's
                  bzImage into FILE (for lhv-run's PVH boot; ~66 MB)
USAGE
}

# extract_vmlinux BZIMAGE OUT: the payload (setup header fields
# payload_offset, payload_length; Documentation/x86/boot.rst), unpacked.
extract_vmlinux() {
	local bz=$1 dst=$2 sects off len
	sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$bz" | tr -d ' ')
	((sects)) || sects=4
	off=$(od -An -tu4 -j $((0x248)) -N4 "$bz" | tr -d ' ')
	len=$(od -An -tu4 -j $((0x24c)) -N4 "$bz" | tr -d ' ')
	off=$((off + (sects + 1) * 512))
	dd if="$bz" of="$dst.payload" bs=1M iflag=skip_bytes,count_bytes \
		skip="$off" count="$len" status=none
	# by magic; the payload ends with 4 bytes of size after the stream
	case $(head -c 4 "$dst.payload" | od -An -tx1 | tr -d ' ') in
	fd377a58) xz -dc --single-stream "$dst.payload" >"$dst" ;;
	1f8b*)    gzip -dc "$dst.payload" >"$dst" 2>/dev/null || true ;;
	28b52ffd) zstd -qdc "$dst.payload" >"$dst" ;;
	*) echo "guest-initramfs: unknown compression in $bz" >&2
	   rm -f "$dst.payload"; return 1 ;;
	esac
	rm -f "$dst.payload"
	[[ $(head -c 4 "$dst" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] ||
		{ echo "guest-initramfs: no ELF in the payload of $bz" >&2; return 1; }
	echo "guest-initramfs: $dst ($(du -h "$dst" | cut -f1))"
}

lab_env
out=$LAB/guest/initrd.cpio
vmlinux=
while (($#)); do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	-o) out=$2; shift ;;
	--vmlinux) vmlinux=$2; shift ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
if [[ -n $vmlinux ]]; then
	lab_need_kernel
	mkdir -p "$(dirname "$vmlinux")"
	extract_vmlinux "$LAB_KERNEL" "$vmlinux"
fi

bb=/bin/busybox
[[ -x $bb ]] && ! readelf -l "$bb" 2>/dev/null | grep -q 'program interpreter' ||
	{ echo "guest-initramfs: no static $bb (apt-get install busybox-static)" >&2; exit 1; }

root=$LAB/guest/root
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp "$bb" "$root/bin/busybox"
for a in sh mount umount uname cat grep cut echo sleep poweroff halt sync \
	dmesg ls seq; do
	ln -s busybox "$root/bin/$a"
done

cat >"$root/init" <<'INIT'
#!/bin/sh
# /init of the lhv-run test guest (lab/guest-initramfs.sh)
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "lhv-guest: kernel $(uname -r)"
echo "lhv-guest: cpus $(grep -c ^processor /proc/cpuinfo)"
sum=0
for i in $(seq 1 100); do sum=$((sum + i)); done
echo "lhv-guest: sum $sum"
echo "lhv-guest: uptime $(cut -d' ' -f1 /proc/uptime)"
# lhvguest.input on the command line: read a line from the console
if grep -qw lhvguest.input /proc/cmdline; then
	echo "lhv-guest: ready for input"
	if read -t 60 line; then
		echo "lhv-guest: read $line"
	else
		echo "lhv-guest: no input"
	fi
fi
echo "lhv-guest-ok"
sync
poweroff -f
INIT
chmod 755 "$root/init"

# The kernel opens /dev/console for init before anything is mounted (its
# built-in initramfs has one too; this one does not rely on that).
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
find "$root" -exec touch -h -d @0 {} +
mkdir -p "$(dirname "$out")"
{
	cd "$root"
	find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
		cpio -o -H newc --reproducible -R 0:0 2>/dev/null
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "guest-initramfs: $out ($(du -h "$out" | cut -f1))"
