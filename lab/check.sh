#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lab/check.sh - what "make check" runs after lab/deps.sh: build
# everything, the host unit tests, checkpatch, the SVM lab (QEMU) and the
# VMX lab (Bochs, when lab/vmx.sh exists), then one table and, as the very
# last line, "N passed, M failed".
#
# Every suite leaves $BUILD/results/<suite>.txt (PASS|FAIL|SKIP <name>
# [# why], see lab/lib.sh) and its log next to it; a suite that cannot run
# at all counts as a FAIL, never as nothing.
# Not -e: a failing suite must still end in the summary line.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: lab/check.sh [--no-build] [--only SUITE,...]
Build lhv, run every test suite and print "N passed, M failed" last.
Suites: build unit checkpatch svm vmx (default: all).
Exit status 0 only when nothing failed.
USAGE
}

only=build,unit,checkpatch,svm,vmx
while (($#)); do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	--no-build) only=${only//build,/} ;;
	--only) only=$2; shift ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
want() { [[ ",$only," == *",$1,"* ]]; }

lab_env
suites=()
t0=$SECONDS

# build: each part a result, so a module that does not build yet still
# lets the rest run (its lab tests then fail on "load").
run_build() {
	local out=$RESULTS/build.txt part
	: >"$out"
	for part in module userspace selftests bench-tool; do
		echo "== build: make $part"
		if make -C "$SRC" --no-print-directory -j"$(nproc)" "$part" \
			>"$RESULTS/build-$part.log" 2>&1; then
			echo "PASS build/$part" >>"$out"
		else
			echo "FAIL build/$part # see $RESULTS/build-$part.log" >>"$out"
			tail -n 15 "$RESULTS/build-$part.log" | sed 's/^/  | /'
		fi
	done
	suites+=(build)
}

# unit: "make unit" prints PASS/FAIL/SKIP lines or KTAP; skipped when
# selftests/Makefile has no such target yet.
run_unit() {
	local out=$RESULTS/unit.txt log=$RESULTS/unit.log rc=0
	: >"$out"
	suites+=(unit)
	echo "== unit: make unit"
	if [[ ! -f $SRC/selftests/Makefile ]] ||
	   make -C "$SRC/selftests" -n O="$BUILD" unit 2>&1 |
		grep -q "No rule to make target 'unit'"; then
		echo "  (no 'unit' target in selftests/Makefile yet: skipped)"
		echo "SKIP unit/all # selftests/Makefile has no unit target" >>"$out"
		return
	fi
	make -C "$SRC" --no-print-directory unit >"$log" 2>&1 || rc=$?
	tr -d '\r' <"$log" | awk '
		/^(PASS|FAIL|SKIP) / { st = $1; sub(/^[A-Z]+ /, ""); print st " unit/" $0; next }
		/^(not )?ok [0-9]+/ {
			ok = ($0 ~ /^ok/); l = $0
			sub(/^(not )?ok [0-9]+ ?(- )?/, "", l)
			dir = ""; i = index(l, " # ")
			if (i) { dir = substr(l, i + 3); l = substr(l, 1, i - 1) }
			if (toupper(dir) ~ /^SKIP/) print "SKIP unit/" l " # " dir
			else print (ok ? "PASS" : "FAIL") " unit/" l
		}' >>"$out"
	if ((rc != 0)) && ! grep -q '^FAIL' "$out"; then
		echo "FAIL unit/make # exit status $rc, see $log" >>"$out"
		tail -n 15 "$log" | sed 's/^/  | /'
	fi
	if [[ ! -s $out ]]; then
		echo "SKIP unit/all # make unit reported no tests" >>"$out"
	fi
}

run_checkpatch() {
	local out=$RESULTS/checkpatch.txt log=$RESULTS/checkpatch.log
	suites+=(checkpatch)
	echo "== checkpatch"
	if bash "$SRC/lab/checkpatch.sh" >"$log" 2>&1; then
		echo "PASS checkpatch/clean" >"$out"
	else
		echo "FAIL checkpatch/clean # $(tail -n 1 "$log")" >"$out"
		sed 's/^/  | /' "$log" | tail -n 20
	fi
}

# run_lab SUITE SCRIPT: the lab script writes $RESULTS/SUITE.txt itself.
run_lab() {
	local suite=$1 script=$2 rc=0
	suites+=("$suite")
	echo "== $suite lab"
	rm -f "$RESULTS/$suite.txt"
	bash "$script" || rc=$?
	if [[ ! -s $RESULTS/$suite.txt ]]; then
		echo "FAIL $suite/run # $script exited $rc and wrote no results" \
			>"$RESULTS/$suite.txt"
	elif ((rc != 0)) && ! grep -q '^FAIL' "$RESULTS/$suite.txt"; then
		echo "FAIL $suite/run # $script exited $rc" >>"$RESULTS/$suite.txt"
	fi
}

want build && run_build
want unit && run_unit
want checkpatch && run_checkpatch
want svm && run_lab svm "$SRC/lab/svm.sh"
if want vmx; then
	if [[ -f $SRC/lab/vmx.sh ]]; then
		run_lab vmx "$SRC/lab/vmx.sh"
	else
		echo "== vmx lab: lab/vmx.sh does not exist yet (not counted)"
	fi
fi

echo
echo "== summary ($((SECONDS - t0))s)"
printf '  %-12s %6s %6s %6s\n' suite passed failed skipped
tp=0 tf=0 ts=0
for s in "${suites[@]}"; do
	f=$RESULTS/$s.txt
	p=$(lab_count "$f" PASS); x=$(lab_count "$f" FAIL); k=$(lab_count "$f" SKIP)
	printf '  %-12s %6d %6d %6d\n' "$s" "$p" "$x" "$k"
	tp=$((tp + p)) tf=$((tf + x)) ts=$((ts + k))
done
if ((tf)); then
	echo "failures:"
	for s in "${suites[@]}"; do
		grep '^FAIL' "$RESULTS/$s.txt" | sed "s/^FAIL /  FAIL [$s] /"
	done
fi
((ts)) && echo "$ts skipped"
echo "$tp passed, $tf failed"
((tf == 0))
