#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lab/initramfs.sh - build the lab host's initramfs: busybox, lhv.ko, the
# KVM modules of the lab kernel (the baseline), the userspace tools, the
# selftests and the lab's own tests, with lab/guest/init as /init.
# Reproducible: fixed timestamps and owners, sorted entries.
#
# Layout of the image:
#   /init /bin/busybox (+ applet links)   /lhv.ko (when it was built)
#   /modules/*.ko, /modules/order-kvm-amd, /modules/order-kvm-intel
#   /usr/bin/<tools from $BUILD>          /bench/<$BUILD/bench executables>
#   /tests/<test binaries>, /tests/TESTS (run order)
#   /lab/*.sh (mode scripts, lab/guest/*.sh)
#   /guest/vmlinuz, /guest/initrd.cpio (the guest lhv-run boots)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: lab/initramfs.sh [-o FILE] [--gzip] [--add SRC:DEST]...
Build the lab initramfs (default \$BUILD/lab/initramfs.cpio, uncompressed)
and write the test list it carries to \$BUILD/lab/TESTS.
  -o FILE        output file
  --gzip         gzip the archive (smaller, slower to unpack under emulation)
  --add SRC:DEST put file SRC at DEST (absolute path in the image)
Environment: SRC, BUILD, KVER (see lab/lib.sh).
USAGE
}

lab_env
out=$LAB/initramfs.cpio
gz=0
adds=()
while (($#)); do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	-o) out=$2; shift ;;
	--gzip) gz=1 ;;
	--add) adds+=("$2"); shift ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
lab_need_kernel

# a staging tree of our own: other lab scripts may build images meanwhile
root=$(mktemp -d "$LAB/root.XXXXXX")
tests_copy=
trap 'rm -rf "$root" "$root.cpio" $tests_copy' EXIT
chmod 755 "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,modules,tests,lab,bench}

# busybox and its applets
bb=/bin/busybox	# busybox-static's; busybox's own would need libc
[[ -x $bb ]] || { echo "initramfs: no busybox (apt-get install busybox-static)" >&2; exit 1; }
cp "$bb" "$root/bin/busybox"
for a in $("$root/bin/busybox" --list-full); do
	[[ -e "$root/$a" ]] || ln -s /bin/busybox "$root/$a"
done

# copy_ko SRC DESTNAME: modules go in uncompressed and stripped of debug
# info (and so of the appended signature: the kernel only taints).
copy_ko() {
	local src=$1 dst=$root/modules/$2
	case "$src" in
	*.ko.xz)  xz -dc "$src" >"$dst" ;;
	*.ko.zst) zstd -qdc "$src" >"$dst" ;;
	*.ko.gz)  gzip -dc "$src" >"$dst" ;;
	*)        cp "$src" "$dst" ;;
	esac
	strip --strip-debug "$dst" 2>/dev/null || true
}

# dependency order of MOD (modinfo "depends"), deepest first
declare -A seen=()
mod_order() {
	local m=$1 d
	[[ -n "${seen[$m]:-}" ]] && return
	seen[$m]=1
	for d in $(modinfo -k "$KVER" -F depends "$m" | tr , ' '); do
		mod_order "$d"
	done
	echo "$m"
}

for chain in kvm-amd kvm-intel; do
	seen=()
	: >"$root/modules/order-$chain"
	for m in $(mod_order "$chain"); do
		f=$(modinfo -k "$KVER" -F filename "$m")
		name=$(basename "$f"); name=${name%.xz}; name=${name%.zst}; name=${name%.gz}
		[[ -f "$root/modules/$name" ]] || copy_ko "$f" "$name"
		echo "$name" >>"$root/modules/order-$chain"
	done
done

if [[ -f "$SRC/lhv.ko" ]]; then
	cp "$SRC/lhv.ko" "$root/lhv.ko"
	strip --strip-debug "$root/lhv.ko" 2>/dev/null || true
else
	echo "initramfs: no $SRC/lhv.ko: the lhv target will fail to load" >&2
fi

# executables of a build directory
executables() {
	local d=$1 f
	[[ -d "$d" ]] || return 0
	for f in "$d"/*; do
		if [[ -f "$f" && -x "$f" ]]; then basename "$f"; fi
	done
	return 0
}

for t in $(executables "$BUILD"); do cp "$BUILD/$t" "$root/usr/bin/"; done
for t in $(executables "$BUILD/bench"); do cp "$BUILD/bench/$t" "$root/bench/"; done
for t in $(executables "$BUILD/selftests"); do cp "$BUILD/selftests/$t" "$root/tests/"; done
for t in $(executables "$SRC/lab/guest/tests"); do cp "$SRC/lab/guest/tests/$t" "$root/tests/"; done

# the test list: the lab's own tests, then the selftests in their order
{
	executables "$SRC/lab/guest/tests"
	if [[ -f "$BUILD/selftests/TESTS" ]]; then
		grep -v '^[[:space:]]*\(#\|$\)' "$BUILD/selftests/TESTS" || true
	else
		executables "$BUILD/selftests"
	fi
} >"$root/tests/TESTS"
cp "$root/tests/TESTS" "$LAB/TESTS.$$" && mv -f "$LAB/TESTS.$$" "$LAB/TESTS"
tests_copy=$(mktemp "$LAB/tests.XXXXXX")
cp "$root/tests/TESTS" "$tests_copy"

cp "$SRC/lab/guest/init" "$root/init"
chmod 755 "$root/init"
for s in "$SRC"/lab/guest/*.sh; do
	[[ -f "$s" ]] && cp "$s" "$root/lab/"
done

# The Linux guest that lhv-run boots in the lab (lab/guest/tests/lhv_run):
# the lab kernel itself and a tiny busybox initramfs.
# With LAB_PVH_GUEST=1 (the SVM lab) also its ELF vmlinux, so the PVH
# entry is tested too; the Bochs lab leaves the 65 MB out.
mkdir -p "$root/guest"
if [[ ${LAB_PVH_GUEST:-0} == 1 ]]; then
	bash "$SRC/lab/guest-initramfs.sh" -o "$root/guest/initrd.cpio" \
		--vmlinux "$root/guest/vmlinux" >/dev/null
else
	bash "$SRC/lab/guest-initramfs.sh" -o "$root/guest/initrd.cpio" >/dev/null
fi
cp "$LAB_KERNEL" "$root/guest/vmlinuz"

for a in "${adds[@]}"; do
	mkdir -p "$root$(dirname "${a#*:}")"
	cp "${a%%:*}" "$root${a#*:}"
done

# Dynamically linked programs get their libraries (selftests and tools
# should be static; this keeps a stray dynamic one runnable).
while IFS= read -r -d '' f; do
	if readelf -l "$f" 2>/dev/null | grep -q 'program interpreter'; then
		echo "initramfs: note: ${f#$root} is dynamically linked" >&2
		for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
			[[ -e "$root$lib" ]] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	fi
done < <(find "$root/usr/bin" "$root/tests" "$root/bench" -type f -perm -u+x -print0)

# reproducible archive
find "$root" -exec touch -h -d @0 {} +
mkdir -p "$(dirname "$out")"
tmp=$root.cpio
(
	cd "$root"
	find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
		cpio -o -H newc --reproducible -R 0:0 2>"$root.err" ||
		{ cat "$root.err" >&2; exit 1; }
) >"$tmp"
rm -f "$root.err"
if ((gz)); then
	gzip -n -1 <"$tmp" >"$out.$$"
	rm -f "$tmp"
else
	mv "$tmp" "$out.$$"
fi
mv -f "$out.$$" "$out"
mv -f "$tests_copy" "$out.tests"
echo "initramfs: $out ($(du -h "$out" | cut -f1)), tests: $(tr '\n' ' ' <"$LAB/TESTS")"
