#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lab/demo.sh - what "make demo" runs after lab/deps.sh: build lhv.ko and
# the tools, boot the SVM lab host (QEMU TCG) in demo mode and run a guest
# under lhv there (lab/guest/demo.sh), with its console on this terminal.
# When something fails it says what, and where the logs are.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: lab/demo.sh [--no-build]
Build lhv and boot the SVM lab host to run a guest under lhv; the lab
host's console is shown here.  Exit status 0 when the guest ran.
USAGE
}

build=1
case "${1:-}" in
	-h|--help) usage; exit 0 ;;
	--no-build) build=0 ;;
	"") ;;
	*) usage >&2; exit 2 ;;
esac

lab_env
broken=()
if ((build)); then
	for part in module userspace; do
		echo "demo: make $part"
		if ! make -C "$SRC" --no-print-directory -j"$(nproc)" "$part" \
			>"$LAB/demo-build-$part.log" 2>&1; then
			broken+=("$part")
			echo "demo: 'make $part' failed; last lines of $LAB/demo-build-$part.log:"
			tail -n 15 "$LAB/demo-build-$part.log" | sed 's/^/  | /'
		fi
	done
fi

rc=0
bash "$SRC/lab/svm.sh" --mode demo --timeout 300 || rc=$?
out=$RESULTS/demo.txt

echo
if ((rc == 0)) && grep -q '^PASS demo/lhv-hello' "$out"; then
	echo "demo: a guest ran under lhv in the SVM lab host (console: $LAB/demo.log)"
	if grep -q '^PASS demo/lhv-run' "$out"; then
		echo "demo: and Debian's own kernel booted under lhv with lhv-run, ran its init and powered off"
	fi
	exit 0
fi
echo "demo: the demo did not work.  What went wrong:"
for p in "${broken[@]}"; do
	echo "  - 'make $p' failed (log: $LAB/demo-build-$p.log)"
done
grep '^FAIL' "$out" 2>/dev/null | sed 's/^FAIL /  - /; s/ # /: /' || true
echo "  (lab host console: $LAB/demo.log)"
exit 1
