#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lab/bench.sh - make bench: lhv against kvm-amd in instruction counts.
#
# Boots the SVM lab host (QEMU TCG, -icount shift=0,sleep=off: the lab
# host's TSC counts instructions) twice from a small initramfs of its own
# ($BUILD/bench/): once loading kvm-amd and running lhv-bench on /dev/kvm,
# once loading lhv.ko and running it on /dev/lhv.  One boot per target, so
# that neither's numbers depend on what the other did (or a crash of lhv).
# Prints one table (case, lhv, kvm, lhv/kvm) and writes it as JSON.
#
# linux_boot: each image also carries lhv-run, the lab kernel as the guest
# kernel and the guest initramfs of lab/guest-initramfs.sh, the same guest
# (and command line) as the lhv_run lab test; lhv-bench boots it once on
# each device (--linux-kernel ...).  BENCH_LINUX=0 leaves it out.
#
# Environment: SRC, BUILD, KVER (lab/lib.sh); BENCH_JSON (default
# $SRC/bench/results.json); BENCH_ARGS (extra lhv-bench options, e.g.
# "--smoke" or "--case pio_user"); BENCH_TARGETS (default "kvm lhv");
# BENCH_TIMEOUT (seconds per boot, default 600); BENCH_LINUX (default 1).
#
# Then the same without linux_boot in the Bochs VMX lab (lhv against
# kvm-intel; lab/vmx.sh --tests bench), JSON in BENCH_JSON_VMX (default
# $SRC/bench/results-vmx.json).  BENCH_VMX=0 leaves it out.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: lab/bench.sh
Boot the QEMU SVM lab host under icount, run lhv-bench on kvm-amd and on
lhv, print case / lhv / kvm / lhv/kvm and write JSON (\$BENCH_JSON, default
bench/results.json); then the same in the Bochs VMX lab against kvm-intel
(\$BENCH_JSON_VMX, default bench/results-vmx.json).
Env: BENCH_ARGS, BENCH_TARGETS, BENCH_TIMEOUT, BENCH_LINUX, BENCH_VMX.
USAGE
}
case "${1:-}" in
-h|--help) usage; exit 0 ;;
"") ;;
*) usage >&2; exit 2 ;;
esac

lab_env
lab_need_kernel
BDIR=$BUILD/bench
JSON=${BENCH_JSON:-$SRC/bench/results.json}
TARGETS=${BENCH_TARGETS:-kvm lhv}
TMO=${BENCH_TIMEOUT:-600}
LINUX=${BENCH_LINUX:-1}
VMX=${BENCH_VMX:-1}
JSON_VMX=${BENCH_JSON_VMX:-$SRC/bench/results-vmx.json}
mkdir -p "$BDIR"

make -s -C "$SRC/bench" O="$BUILD"
if [[ $LINUX = 1 ]] && ! make -s -C "$SRC/userspace" O="$BUILD"; then
	echo "bench: lhv-run does not build: linux_boot FAILED" >&2
fi

# ---- initramfs, one per target ------------------------------------------
# Each image holds only what its target needs, so that the kvm column does
# not move when lhv.ko changes (boot length shifts where timer ticks land).
root=$BDIR/root
rm -rf "$root"
mkdir -p "$root"/{bin,proc,sys,dev,tmp,modules}
cp /bin/busybox "$root/bin/busybox"
for a in sh mount insmod rmmod poweroff cat echo sleep; do
	ln -s busybox "$root/bin/$a"
done
cp "$BUILD/lhv-bench" "$root/bin/lhv-bench"
args=${BENCH_ARGS:-}
if [[ $LINUX = 1 ]]; then
	# The lhv_run lab test's guest: the lab kernel and a tiny initramfs,
	# built in a staging area of our own (BUILD is shared).
	mkdir -p "$root/guest"
	cp "$LAB_KERNEL" "$root/guest/vmlinuz"
	BUILD=$BDIR/guest-build bash "$SRC/lab/guest-initramfs.sh" \
		-o "$root/guest/initrd.cpio" >/dev/null
	[[ -x $BUILD/lhv-run ]] && cp "$BUILD/lhv-run" "$root/bin/lhv-run"
	args+=" --linux-kernel /guest/vmlinuz --linux-initrd /guest/initrd.cpio"
	args+=" --lhv-run /bin/lhv-run"
fi
echo "$args" >"$root/bench.args"

cat >"$root/init" <<'INIT'
#!/bin/sh
# /init of the bench lab host: load one target, run lhv-bench, power off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
t=kvm
for a in $(cat /proc/cmdline); do
	case "$a" in lhvbench.target=*) t=${a#*=} ;; esac
done
ok=1
if [ "$t" = lhv ]; then
	dev=/dev/lhv
	[ -f /lhv.ko ] && insmod /lhv.ko || ok=0
else
	dev=/dev/kvm
	for m in $(cat /modules/order); do
		insmod /modules/$m || ok=0
	done
fi
if [ $ok = 1 ]; then
	echo "@@BENCH $t BEGIN"
	lhv-bench --dev $dev $(cat /bench.args)
	echo "@@BENCH $t END $?"
	# what the numbers include: the lab kernel's mitigations
	for f in /sys/devices/system/cpu/vulnerabilities/*; do
		echo "@@VULN ${f##*/}: $(cat $f)"
	done
else
	echo "@@BENCH $t LOADFAIL"
fi
poweroff -f
INIT
chmod 755 "$root/init"

# mkcpio OUT: the image of $root, reproducibly
mkcpio() {
	find "$root" -exec touch -h -d @0 {} +
	(cd "$root" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
		cpio -o -H newc --reproducible -R 0:0 2>/dev/null) >"$1"
}

# lhv: lhv.ko
rm -f "$root/lhv.ko"
if [[ -f "$SRC/lhv.ko" ]]; then
	cp "$SRC/lhv.ko" "$root/lhv.ko"
else
	echo "bench: no $SRC/lhv.ko (make module failed?): lhv column FAILED" >&2
fi
mkcpio "$BDIR/initramfs-lhv.cpio"
rm -f "$root/lhv.ko"

# kvm: the kvm-amd chain in dependency order, uncompressed
declare -A seen=()
mod_order() {
	local d
	[[ -n "${seen[$1]:-}" ]] && return
	seen[$1]=1
	for d in $(modinfo -k "$KVER" -F depends "$1" | tr , ' '); do
		mod_order "$d"
	done
	echo "$1"
}
for m in $(mod_order kvm-amd); do
	f=$(modinfo -k "$KVER" -F filename "$m")
	n=$(basename "$f"); n=${n%.xz}; n=${n%.zst}; n=${n%.gz}
	case "$f" in
	*.xz) xz -dc "$f" >"$root/modules/$n" ;;
	*.zst) zstd -qdc "$f" >"$root/modules/$n" ;;
	*.gz) gzip -dc "$f" >"$root/modules/$n" ;;
	*) cp "$f" "$root/modules/$n" ;;
	esac
	echo "$n" >>"$root/modules/order"
done
mkcpio "$BDIR/initramfs-kvm.cpio"

# ---- boots ---------------------------------------------------------------
boot() {
	local t=$1 log=$BDIR/serial-$1.log rc=0
	echo "bench: booting the lab host for $t (log $log)" >&2
	lab_locked timeout "$TMO" qemu-system-x86_64 -accel tcg \
		-cpu qemu64,+svm,+npt -icount shift=0,sleep=off \
		-rtc base=2020-01-01T00:00:00,clock=vm \
		-m 1024 -smp 1 -display none -nodefaults -serial stdio \
		-no-reboot -kernel "$LAB_KERNEL" -initrd "$BDIR/initramfs-$t.cpio" \
		-append "console=ttyS0 quiet panic=-1 lhvbench.target=$t" \
		</dev/null >"$log" 2>&1 || rc=$?
	[[ $rc = 0 ]] || echo "bench: $t boot: qemu exit status $rc" >&2
	tr -d '\r' <"$log" >"$log.txt"
}
rm -f "$BDIR"/serial-*.log "$BDIR"/serial-*.log.txt
for t in $TARGETS; do
	boot "$t"
done

# ---- table and JSON ------------------------------------------------------
for t in kvm lhv; do
	[[ -f $BDIR/serial-$t.log.txt ]] || : >"$BDIR/serial-$t.log.txt"
done
# table DIR JSON TITLE UNIT: the table of DIR/serial-{kvm,lhv}.log.txt
# (@@BENCH markers around lhv-bench's "case" lines) on stdout, as JSON too.
table() {
	awk -v json="$2" -v kver="$KVER" -v targets="$TARGETS" \
	    -v title="$3" -v unit="$4" '
BEGIN { nt = split(targets, tt, " "); for (i = 1; i <= nt; i++) booted[tt[i]] = 1 }
# state per target: "" never ran, LOADFAIL, RAN (BEGIN seen), END rc
FILENAME ~ /serial-kvm/ { t = "kvm" }
FILENAME ~ /serial-lhv/ { t = "lhv" }
/^@@BENCH / {
	if ($3 == "BEGIN") { in_run[t] = 1; st[t] = "RAN" }
	else if ($3 == "END") { in_run[t] = 0; st[t] = "END"; rc[t] = $4 }
	else if ($3 == "LOADFAIL") st[t] = "LOADFAIL"
	next
}
/^# case / { sub(/^# /, "") }		# lhv-bench --ktap
in_run[t] && /^case [a-z0-9_]+ ([0-9.]+|n\/a|FAILED) [0-9]+$/ {
	if (!($2 in known)) { known[$2] = 1; order[++n] = $2 }
	v[t, $2] = $3; it[t, $2] = $4
}
function cell(t, c) {
	if ((t, c) in v) return v[t, c]
	if (!(t in booted)) return "n/a"	# target not run
	return "FAILED"				# no load, crash, hang
}
function iters(c) {
	if (("kvm", c) in it) return it["kvm", c]
	if (("lhv", c) in it) return it["lhv", c]
	return "null"
}
function num(s) { return s ~ /^[0-9.]+$/ }
function jv(s) { return num(s) ? s : "null" }
function js(s) { return num(s) ? "\"ok\"" : "\"" s "\"" }
END {
	if (n == 0) {	# nothing ran at all: still list the known cases
		split("floor pio_user mmio_user cpuid_kernel cpuid_kernel_guest hlt_wake run_immediate vm_lifecycle vm_lifecycle_cpu memslot_churn linux_boot linux_boot_exit linux_boot_cpu", d, " ")
		for (i = 1; i in d; i++) order[++n] = d[i]
	}
	printf "\nmake bench: %s\n", title
	printf "%-20s %12s %12s %8s\n", "case", "lhv", "kvm", "lhv/kvm"
	printf "{\n  \"unit\": \"%s\",\n", unit > json
	printf "  \"kernel\": \"%s\",\n  \"lhv_status\": \"%s\",\n  \"kvm_status\": \"%s\",\n  \"cases\": [", kver, st["lhv"] == "END" ? "exit " rc["lhv"] : (!("lhv" in booted) ? "not run" : (st["lhv"] == "" ? "no output" : st["lhv"])), st["kvm"] == "END" ? "exit " rc["kvm"] : (!("kvm" in booted) ? "not run" : (st["kvm"] == "" ? "no output" : st["kvm"])) > json
	for (i = 1; i <= n; i++) {
		c = order[i]; a = cell("lhv", c); b = cell("kvm", c)
		r = (num(a) && num(b) && b > 0) ? sprintf("%.2f", a / b) : "n/a"
		printf "%-20s %12s %12s %8s\n", c, a, b, r
		printf "%s\n    {\"case\": \"%s\", \"lhv\": %s, \"kvm\": %s, \"lhv_kvm\": %s, \"lhv_status\": %s, \"kvm_status\": %s, \"iters\": %s}", (i > 1) ? "," : "", c, jv(a), jv(b), jv(r), js(a), js(b), iters(c) > json
	}
	printf "\n  ]\n}\n" > json
	for (t in booted) if (st[t] != "END") printf "note: %s did not finish (%s): see its serial log\n", t, st[t] == "" ? "no output" : st[t]
}' "$1/serial-kvm.log.txt" "$1/serial-lhv.log.txt"
}
table "$BDIR" "$JSON" \
	"instructions per operation (QEMU TCG, icount; kernel $KVER)" \
	"instructions (TSC ticks under QEMU -icount shift=0)"
# the same kernel and CPU in both boots: one list is enough
vuln=$(cat "$BDIR"/serial-*.log.txt | sed -n 's/^@@VULN //p' | awk '!seen[$0]++' |
	grep -v ': Not affected$' | sed 's/^/  /' || true)
[[ -z $vuln ]] || printf 'lab host mitigations (the rest: Not affected):\n%s\n' "$vuln"
echo "bench: JSON in $JSON; serial logs in $BDIR/serial-*.log"

# ---- the VMX lab (Bochs) -------------------------------------------------
# The same lhv-bench (all but linux_boot) in the Bochs VMX lab host
# (lab/vmx.sh --tests bench), one boot per target: lhv's VMX backend
# against kvm-intel.  Bochs' TSC ticks once per instruction and a run is
# deterministic (lab/bochs/bochsrc.in, nosrand.so).
if [[ $VMX = 1 ]]; then
	VDIR=$BDIR/vmx
	mkdir -p "$VDIR"
	for t in $TARGETS; do
		echo "bench: booting the VMX lab host for $t (log $VDIR/vmx-$t.log)" >&2
		rm -f "$BUILD/lab/bochs/stream.out"
		RESULTS=$VDIR bash "$SRC/lab/vmx.sh" --targets "$t" \
			--tests bench >"$VDIR/vmx-$t.log" 2>&1 ||
			echo "bench: the VMX lab run for $t failed" >&2
		# the lab's result stream, in the form table() reads
		awk -v t="$t" '$1 != "@@" || $3 != t || $4 != "bench" { next }
		$2 == "TEST" { print "@@BENCH " t " BEGIN"; next }
		$2 == "EXIT" { print "@@BENCH " t " END " $5; next }
		$2 == "OUT" { $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }' \
			"$BUILD/lab/bochs/stream.out" >"$VDIR/serial-$t.log.txt" \
			2>/dev/null || : >"$VDIR/serial-$t.log.txt"
	done
	table "$VDIR" "$JSON_VMX" \
		"instructions per operation (Bochs VMX, Haswell; kernel $KVER)" \
		"instructions (TSC ticks in Bochs: one per instruction)"
	vuln=$(cat "$VDIR"/serial-*.log.txt | sed -n 's/^# vuln //p' |
		awk '!seen[$0]++' | grep -v ': Not affected$' | sed 's/^/  /' ||
		true)
	[[ -z $vuln ]] ||
		printf 'VMX lab host mitigations (the rest: Not affected):\n%s\n' "$vuln"
	echo "bench: JSON in $JSON_VMX; lab logs in $VDIR"
fi
