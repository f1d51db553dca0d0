#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lab/svm.sh - the AMD SVM lab: boot Debian's kernel under QEMU TCG with
# SVM and NPT emulated, run the tests on lhv and on kvm-amd inside it,
# and turn what the lab host reports into $BUILD/results/svm.txt.
#
# The lab host's console goes to $BUILD/lab/svm.log; the result stream
# (lab/guest/init) comes back on its second serial port, ttyS1, into
# $BUILD/lab/svm.stream, so kernel messages can never garble it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: lab/svm.sh [options]
Boot the SVM lab host (QEMU TCG, -cpu qemu64,+svm,+npt) and run the tests.
  --mode MODE       check (default), demo, shell, or a lab/guest/MODE.sh
  --targets LIST    devices to test, comma-separated (default lhv,kvm)
  --tests LIST      only these tests (default: the image's test list)
  --timeout SECS    kill the lab after SECS (default 600); a FAIL
  --test-timeout S  kill one test binary after S seconds (default 120)
  --name NAME       results go to \$BUILD/results/NAME.txt (default svm,
                    or the mode's name when it is not check)
  --append ARGS     extra kernel command line
  --cpu-flags FLAGS more QEMU CPU flags after +svm,+npt (e.g.
                    +rdtscp,+rdpid for the TSC_AUX tests of insns)
  --add SRC:DEST    also put file SRC at DEST in the image (repeatable;
                    e.g. an extra test: --add x:/tests/x --tests x)
  --no-build        reuse \$BUILD/lab/NAME.cpio
Exit status: 0 when every result is PASS or SKIP, 1 otherwise.
USAGE
}

mode=check targets=lhv,kvm tests= tmo=600 ttmo=120 name= extra= build=1
cpuflags=
adds=()
while (($#)); do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	--mode) mode=$2; shift ;;
	--targets) targets=$2; shift ;;
	--tests) tests=$2; shift ;;
	--timeout) tmo=$2; shift ;;
	--test-timeout) ttmo=$2; shift ;;
	--name) name=$2; shift ;;
	--append) extra=$2; shift ;;
	--cpu-flags) cpuflags=,$2; shift ;;
	--no-build) build=0 ;;
	--add) adds+=(--add "$2"); shift ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
[[ -n "$name" ]] || { [[ $mode == check ]] && name=svm || name=$mode; }

lab_env
lab_need_kernel
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "svm lab: no qemu-system-x86_64 (make deps)" >&2; exit 1; }

initrd=$LAB/$name.cpio	# our own: other lab runs may rebuild theirs
if ((build)); then
	LAB_PVH_GUEST=1 bash "$SRC/lab/initramfs.sh" -o "$initrd" "${adds[@]}"
fi

log=$LAB/$name.log
stream=$LAB/$name.stream
out=$RESULTS/$name.txt
expected=$LAB/$name.expected
rm -f "$log" "$stream" "$out"
: >"$stream"

# What must report back: per target, load, every test, unload, dmesg.
: >"$expected"
if [[ $mode == check ]]; then
	if [[ -n "$tests" ]]; then
		list=$(tr , '\n' <<<"$tests")
	else
		list=$(grep -v '^[[:space:]]*\(#\|$\)' "$initrd.tests" || true)
	fi
	for t in ${targets//,/ }; do
		{
			echo "$t load"
			for x in $list; do echo "$t $x"; done
			echo "$t unload"
			echo "$t dmesg-clean"
		} >>"$expected"
	done
fi

append="console=ttyS0 quiet loglevel=3 panic=-1 cryptomgr.notests"
append+=" lhvlab.mode=$mode lhvlab.targets=$targets lhvlab.out=/dev/ttyS1"
append+=" lhvlab.timeout=$ttmo"
[[ -n "$tests" ]] && append+=" lhvlab.tests=$tests"
[[ -n "$extra" ]] && append+=" $extra"

qemu=(qemu-system-x86_64 -accel tcg -cpu "qemu64,+svm,+npt$cpuflags" -smp 1 -m 1024
	-nodefaults -display none -no-reboot
	-kernel "$LAB_KERNEL" -initrd "$initrd" -append "$append"
	-chardev "file,id=res,path=$stream")

echo "svm lab: booting $LAB_KERNEL ($mode; console: $log; limit ${tmo}s)"
# the clock starts when the lab lock is ours, not while queueing for it
started=$LAB/$name.started
rm -f "$started"
fg=()
[[ $mode == shell ]] && fg=(--foreground)	# qemu reads the terminal
qemu=(bash -c 'date +%s >"$0"; exec "$@"' "$started"
      timeout "${fg[@]}" -k 10 "$tmo" "${qemu[@]}")
rc=0
if [[ $mode == check ]]; then
	qemu+=(-chardev "file,id=con,path=$log" -serial chardev:con
	       -serial chardev:res)
	lab_locked "${qemu[@]}" </dev/null &
	pid=$!
	# progress, from the stream as it grows
	tail -n +1 -s 1 -f --pid=$pid "$stream" 2>/dev/null | awk '
		/^@@ TEST / { printf "  %-4s %s ...\n", $3, $4; fflush() }
		/^@@ EXIT / && $5 != 0 && $5 != 4 {
			printf "  %-4s %s: exit %s\n", $3, $4, $5; fflush() }
		/^@@ RESULT FAIL/ { sub(/^@@ RESULT /, "  "); print; fflush() }
	' || true
	wait $pid || rc=$?
else
	# demo, shell: the console on the terminal as well as in the log
	qemu+=(-chardev "stdio,id=con,signal=off,logfile=$log" -serial chardev:con
	       -serial chardev:res)
	if [[ $mode == shell ]]; then
		lab_locked "${qemu[@]}" || rc=$?
	else
		lab_locked "${qemu[@]}" </dev/null || rc=$?
	fi
fi
elapsed=$(($(date +%s) - $(cat "$started" 2>/dev/null || date +%s)))

prc=0
lab_parse_stream "$stream" "$expected" "$out" || prc=$?
if ((rc == 124 || rc == 137)); then
	echo "FAIL lab/complete # timed out after ${tmo}s (hung lab host)" >>"$out"
elif grep -q 'Kernel panic' "$log" 2>/dev/null; then
	echo "FAIL lab/complete # kernel panic: $(grep -m1 'Kernel panic' "$log" | tr -d '\r')" >>"$out"
elif ((rc != 0)); then
	echo "FAIL lab/complete # qemu exit status $rc" >>"$out"
elif ((prc != 0)); then
	echo "FAIL lab/complete # no end marker: the lab host died" >>"$out"
else
	echo "PASS lab/complete" >>"$out"
fi

if grep -q '^FAIL lab/complete' "$out"; then
	echo "svm lab: last lines of the console ($log):"
	tail -n 30 "$log" | tr -d '\r' | sed 's/^/  | /'
fi
echo "svm lab: ran ${elapsed}s"
lab_summary "$name" "$out"
[[ $(lab_count "$out" FAIL) -eq 0 ]]
