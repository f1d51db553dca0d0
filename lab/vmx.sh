#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lab/vmx.sh - the VMX lab: boot Debian's kernel in Bochs (an emulated
# Intel host with VT-x, EPT, VPID, unrestricted guest) and run the focused
# VMX suite (lab/bochs/TESTS) on each target; results in $RESULTS/vmx.txt
# (PASS/FAIL/SKIP lines, lab/lib.sh format), a summary on stdout, exit 1
# on any FAIL or when the lab host hung or died.
#
# Fast boot path (see lab/bochs/boot.S and mkdisk.py): the bzImage's
# payload is unpacked on the host and the kernel entered at its PVH entry
# by our own disk loader; no decompression inside the emulator.
#
# Targets (--targets or VMX_TARGETS, comma-separated, in order):
#   kvm        kvm-intel (irqbypass, kvm, kvm-intel) on /dev/kvm
#   lhv        lhv.ko on /dev/lhv (its VMX backend): load, the suite, unload
#   lhv-probe  lhv.ko loads, or refuses cleanly with ENODEV
# Default: lhv,kvm (lhv first: kvm-intel working after it shows that
# rmmod lhv left VMX off, CR4.VMXE clear).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: lab/vmx.sh [--targets LIST] [--tests LIST] [--shell] [--timeout S]
Boot the Bochs VMX lab host and run the VMX suite on each target.
  --targets LIST  comma-separated: lhv, kvm, lhv-probe (default
                  \${VMX_TARGETS:-lhv,kvm})
  --tests LIST    comma-separated test names (default: lab/bochs/TESTS)
  --timeout S     wall-clock limit of the Bochs run (default \${VMX_TIMEOUT:-900})
  --stall S       kill Bochs when its serial output stops for S seconds
                  (default \${VMX_STALL:-90}): a hung L2 guest hangs Bochs
  --test-timeout S  per test binary, in guest seconds (default 120)
  --dry-run       build everything, print the kernel command line, no boot
  --shell         boot to a busybox shell on the console (stdin), no tests
Environment: SRC, BUILD, KVER (lab/lib.sh), VMX_MEGS (512),
VMX_CMDLINE (extra kernel arguments, e.g. mitigations=off).
USAGE
}

lab_env
lab_need_kernel

targets=${VMX_TARGETS:-lhv,kvm}
tests=
wall_limit=${VMX_TIMEOUT:-900}
stall=${VMX_STALL:-90}
test_tmo=120
shell=0
dry=0
while (($#)); do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	--targets) targets=$2; shift ;;
	--tests) tests=$2; shift ;;
	--timeout) wall_limit=$2; shift ;;
	--test-timeout) test_tmo=$2; shift ;;
	--stall) stall=$2; shift ;;
	--shell) shell=1 ;;
	--dry-run) dry=1 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

B=$LAB/bochs
BX=$SRC/lab/bochs
mkdir -p "$B"
for tool in bochs-bin python3 as ld gcc; do
	command -v $tool >/dev/null ||
		{ echo "vmx: no $tool: run 'make deps'" >&2; exit 1; }
done

# 1. The kernel's uncompressed vmlinux: the bzImage payload, unpacked here
#    (xz or gzip, Debian's choices: the first stream that decompresses to
#    an ELF; python3's standard library has no zstd).
vmlinux=$B/vmlinux-$KVER
if [[ ! -s $vmlinux || $vmlinux -ot $LAB_KERNEL ]]; then
	python3 - "$LAB_KERNEL" "$vmlinux.tmp" <<'PY'
import lzma, sys, zlib
img = open(sys.argv[1], 'rb').read()
def tries():
    for magic, unpack in ((b'\xfd7zXZ\x00', lambda b: lzma.LZMADecompressor(
            format=lzma.FORMAT_XZ).decompress(b)),
            (b'\x1f\x8b\x08', lambda b: zlib.decompressobj(31).decompress(b))):
        pos = img.find(magic)
        while pos >= 0:
            yield unpack, pos
            pos = img.find(magic, pos + 1)
for unpack, pos in tries():
    try:
        out = unpack(img[pos:])
    except Exception:
        continue
    if out[:4] == b'\x7fELF':
        open(sys.argv[2], 'wb').write(out)
        sys.exit(0)
sys.exit('vmx: no xz or gzip payload in %s' % sys.argv[1])
PY
	mv "$vmlinux.tmp" "$vmlinux"
fi

# 2. The loader, the srand shim for Bochs, the smoke client.
as --32 -o "$B/boot.o" "$BX/boot.S"
ld -m elf_i386 -Ttext=0x7c00 --oformat=binary -o "$B/boot.bin" "$B/boot.o"
gcc -O2 -shared -fPIC -o "$B/nosrand.so" "$BX/nosrand.c"
gcc -O2 -Wall -static -o "$B/vmx-smoke" "$BX/vmx-smoke.c"

# 3. The image: lab/initramfs.sh's (busybox, lhv.ko, the KVM chains, the
#    tests, lab/guest/init) plus our smoke client, the full bench run
#    (lab/bochs/bench, for make bench: not in TESTS) and mode script.
bash "$SRC/lab/initramfs.sh" -o "$B/initramfs.cpio" \
	--add "$B/vmx-smoke:/tests/vmx-smoke" \
	--add "$BX/bench:/tests/bench" \
	--add "$BX/vmx-mode.sh:/lab/vmx.sh" >"$B/initramfs.log" 2>&1 ||
	{ cat "$B/initramfs.log" >&2; exit 1; }

# 4. The test list: lab/bochs/TESTS (or --tests), split into what the image
#    holds and what was not built (SKIP).  A TESTS line may exclude
#    targets ("lifetime -kvm"): those pairs are SKIPs, and each target's
#    own list goes to the lab as lhvvmx.tests.<target>= (vmx-mode.sh).
#    A line may also give the test its own lab timeout ("timeout=S",
#    guest seconds) and kernel arguments for the lab host (any word
#    with a dot before its "=", e.g. lhvrun.timeout=200); these apply
#    with --tests too.
declare -A excluded=()
tests_given=$tests
test_args=
while read -r t rest; do
	for x in $rest; do
		case $x in
		-*) excluded[$t/${x#-}]=1 ;;
		timeout=*) test_args+=" lhvlab.timeout.$t=${x#timeout=}" ;;
		*.*=*) test_args+=" $x" ;;
		*) echo "vmx: lab/bochs/TESTS: $t: what is '$x'?" >&2; exit 2 ;;
		esac
	done
	[[ -n $tests_given ]] || tests+=$t,
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$BX/TESTS")
run_list=() skip_list=()
for t in $(echo "$tests" | tr , ' '); do
	if [[ $t == vmx-smoke || $t == bench ]] ||
	   grep -qx -- "$t" "$LAB/TESTS"; then
		run_list+=("$t")
	else
		skip_list+=("$t")
	fi
done
# target_list TARGET: the tests TARGET runs, one a line.
target_list() {
	local t
	for t in "${run_list[@]}"; do
		[[ -n ${excluded[$t/$1]:-} ]] || echo "$t"
	done
}
run_csv=$(IFS=,; echo "${run_list[*]}")

mode=vmx
((shell)) && mode=shell
# (no rodata=off: it saves ~1 s of guest time but the PTI W+X check then
# warns at boot)
cmdline="console=ttyS0,115200 quiet cryptomgr.notests panic=-1"
cmdline+=" lhvlab.mode=$mode lhvlab.targets=$targets"
cmdline+=" lhvlab.tests=$run_csv lhvlab.timeout=$test_tmo lhvlab.out=/dev/ttyS1"
for target in $(echo "$targets" | tr , ' '); do
	[[ $target =~ ^[a-z0-9_]+$ ]] || continue
	cmdline+=" lhvvmx.tests.$target=$(target_list "$target" | paste -sd,)"
done
cmdline+="$test_args ${VMX_CMDLINE:-}"
python3 "$BX/mkdisk.py" "$B/boot.bin" "$vmlinux" "$B/initramfs.cpio" \
	"$cmdline" "$B/disk.img" >"$B/mkdisk.log"

sed -e "s|@MEGS@|${VMX_MEGS:-512}|" -e "s|@DISK@|$B/disk.img|" \
	-e "s|@CONSOLE@|$B/console.out|" -e "s|@STREAM@|$B/stream.out|" \
	-e "s|@LOG@|$B/bochs.log|" "$BX/bochsrc.in" >"$B/bochsrc"
# Debugger script: run; when stopped by SIGINT (a stall, see
# run-bochs.sh), dump where the CPU is, then quit.
printf '%s\n' c r sreg creg "u /12" "print-stack 24" q >"$B/rc"

if ((dry)); then
	echo "vmx: $B/disk.img ready; kernel command line:"
	echo "  $cmdline"
	exit 0
fi

# 5. Boot.  Bochs exits when the guest powers off through ACPI.
rm -f "$B/console.out" "$B/stream.out" "$B/bochs.log" "$B/times" "$B/marks"
if ((shell)); then
	# The console on this terminal (Bochs "term" mode), no tests.
	tty=$(tty) || { echo "vmx: --shell needs a terminal" >&2; exit 1; }
	sed -i "s|^com1:.*|com1: enabled=1, mode=term, dev=$tty|" "$B/bochsrc"
	echo "vmx: booting Bochs to a shell on $tty (poweroff -f to leave)"
	lab_locked env LD_PRELOAD="$B/nosrand.so" bochs-bin -q -unlock \
		-f "$B/bochsrc" -rc "$B/rc" 2>"$B/bochs.out"
	exit 0
fi
echo "vmx: booting Bochs (targets $targets; tests ${run_csv:-none})"
set +e
lab_locked bash "$BX/run-bochs.sh" "$B" "$wall_limit" "$stall" \
	>"$B/bochs.out" 2>&1
brc=$?
set -e
ticks=$(sed -n 's/^(0)\.\[\([0-9]*\)\].*/\1/p' "$B/bochs.out" | tail -n 1)

# 6. Results.
expected=$B/expected
: >"$expected"
for target in $(echo "$targets" | tr , ' '); do
	if [[ $target == lhv-probe ]]; then
		echo "lhv load-or-refuse" >>"$expected"
		continue
	fi
	target_list "$target" | sed "s/^/$target /" >>"$expected"
done
out=$RESULTS/vmx.txt
cat "$B/stream.out" "$B/console.out" 2>/dev/null >"$B/all.out" || true
set +e
lab_parse_stream "$B/all.out" "$expected" "$out"
prc=$?
set -e
for target in $(echo "$targets" | tr , ' '); do
	[[ $target == lhv-probe ]] && continue
	for t in "${skip_list[@]}"; do
		echo "SKIP $target/$t # not built" >>"$out"
	done
	for t in "${run_list[@]}"; do
		[[ -n ${excluded[$t/$target]:-} ]] &&
			echo "SKIP $target/$t # excluded for $target in lab/bochs/TESTS" >>"$out"
	done
done
if ((prc == 3)); then
	why="the lab host never reached LAB END"
	((brc == 124 || brc == 137)) && why="Bochs timed out after ${wall_limit}s"
	grep -q '^stalled 1' "$B/times" 2>/dev/null &&
		why="the lab host hung: no serial output for ${stall}s"
	echo "FAIL vmx/lab-complete # $why (bochs exit $brc)" >>"$out"
	echo "vmx: $why; last console lines:" >&2
	tail -n 20 "$B/console.out" >&2 2>/dev/null || true
	if grep -q '^stalled 1' "$B/times" 2>/dev/null; then
		echo "vmx: where the CPU was (debugger, $B/bochs.out):" >&2
		grep -A1 '^Next at' "$B/bochs.out" | tail -n 2 >&2
	fi
fi

init_at=$(sed -n 's/.*init started at uptime \([0-9.]*\).*/\1/p' "$B/console.out" | head -n 1)
# mark_s MARK: wall seconds from Bochs' start to MARK (marks file).
mark_s() {
	awk -v m="$1" -v s="$start" '
	{ t = $1; $1 = ""; sub(/^ /, "") }
	$0 == m { printf "%.1f", t - s; exit }' "$B/marks" 2>/dev/null
}
start=$(sed -n 's/^start //p' "$B/times" 2>/dev/null)
wall=$(sed -n 's/^wall_s //p' "$B/times" 2>/dev/null)
cpu=$(sed -n 's/^user_s //p' "$B/times" 2>/dev/null)
# roundtrip TARGET: vmx-smoke's "out" round trip on TARGET, in ticks.
roundtrip() {
	sed -n "s/^@@ OUT $1 vmx-smoke # out round trip: \\([0-9]*\\) .*/\\1/p" \
		"$B/stream.out" 2>/dev/null | head -n 1
}
smoke=
for target in $(echo "$targets" | tr , ' '); do
	r=$(roundtrip "$target")
	[[ -n $r ]] && smoke+="$target $r, "
done
smoke=${smoke%, }
{
	echo "wall_s ${wall:-?}"
	echo "bochs_user_cpu_s ${cpu:-?}"
	echo "bochs_ticks ${ticks:-?}"
	echo "kernel_start_wall_s $(mark_s "starting kernel")"
	echo "init_wall_s $(mark_s "init started")"
	echo "init_uptime_s ${init_at:-?}"
	echo "lab_end_wall_s $(mark_s "LAB END")"
	for target in $(echo "$targets" | tr , ' '); do
		echo "out_roundtrip_ticks_$target $(roundtrip "$target")"
	done
} >"$RESULTS/vmx-timing.txt"

lab_summary vmx "$out"
echo "vmx: Bochs ${wall:-?} s wall (${cpu:-?} s CPU), ${ticks:-?} ticks;" \
	"init at $(mark_s "init started") s wall, ${init_at:-?} s uptime;" \
	"out round trip (ticks): ${smoke:-none}"
[[ $(lab_count "$out" FAIL) -eq 0 ]]
