#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lab/checkpatch.sh - run the kernel's scripts/checkpatch.pl (taken once
# from Debian's linux-source-6.1 tarball into $BUILD/tools) over lhv's
# kernel-side sources: kmod/ svm/ vmx/ mmu/ uapi/.
set -euo pipefail

usage() {
	cat <<USAGE
usage: lab/checkpatch.sh [--ignore TYPE,...] [FILE...]
Run checkpatch.pl --no-tree -f --terse over the module's .c/.h/.S files
(or over FILE...).  Exit status 1 on any ERROR or WARNING.
  --ignore TYPES  checkpatch message types to ignore (comma-separated)
USAGE
}

SRC=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRC/build}
TOOLS=$BUILD/tools
ignore=
files=()
while (($#)); do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	--ignore) ignore=$2; shift ;;
	*) files+=("$1") ;;
	esac
	shift
done

cp_pl=$TOOLS/scripts/checkpatch.pl
if [[ ! -x $cp_pl ]]; then
	tarball=$(ls /usr/src/linux-source-6.1*.tar.xz 2>/dev/null | tail -n 1)
	if [[ -z "$tarball" ]]; then
		echo "checkpatch: no /usr/src/linux-source-6.1.tar.xz (make deps)" >&2
		exit 1
	fi
	echo "checkpatch: extracting checkpatch.pl from $tarball (once)"
	mkdir -p "$TOOLS"
	top=$(basename "$tarball" .tar.xz)
	tar -xJf "$tarball" -C "$TOOLS" --strip-components=1 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
fi

cd "$SRC"
if ((${#files[@]} == 0)); then
	mapfile -t files < <(find kmod svm vmx mmu uapi -type f \
		\( -name '*.c' -o -name '*.h' -o -name '*.S' \) \
		! -name '*.mod.c' 2>/dev/null | LC_ALL=C sort)
fi
if ((${#files[@]} == 0)); then
	echo "checkpatch: no files to check"
	exit 0
fi

# EMBEDDED_FILENAME: lhv's house style opens every file with a comment
# "path - what lives here" (STYLE.md), which this check dislikes.
ignore=EMBEDDED_FILENAME${ignore:+,$ignore}
args=(--no-tree -f --terse --show-types --ignore "$ignore")
report=$(perl "$cp_pl" "${args[@]}" "${files[@]}" 2>&1 | grep -E ': (ERROR|WARNING|CHECK):' || true)
if [[ -n "$report" ]]; then
	echo "$report"
fi
nerr=$(grep -c ': ERROR:' <<<"$report" || true)
nwarn=$(grep -c ': WARNING:' <<<"$report" || true)
echo "checkpatch: ${#files[@]} files, $nerr errors, $nwarn warnings"
((nerr == 0 && nwarn == 0))
