#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lhvrun_layers.sh DIR - KTAP: the file-level call graph of lhv-run (DIR,
# userspace/lhv-run) has no cycle, so its shared services stay at the
# bottom (STYLE.md 11).  Each DIR/*.c is compiled alone with -c; nm gives
# the global symbols each object defines and those it needs; an edge
# A -> B is a symbol A needs that B defines (calls and data: a device
# table naming a device is an edge too; a function pointer handed over
# at run time, like util.c's error hook, is not).  tsort finds any loop.
# The graph is printed as KTAP comments.
set -u
dir=${1:?usage: lhvrun_layers.sh DIR}
cc=${CC:-cc}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

echo "KTAP version 1"
echo "1..1"
for c in "$dir"/*.c; do
	b=$(basename "$c" .c)
	if ! $cc -O2 -c -I"$dir/../../uapi" -I"$dir/.." -I"$dir" \
		-o "$tmp/$b.o" "$c" 2>"$tmp/cc.log"; then
		sed 's/^/# /' "$tmp/cc.log"
		echo "not ok 1 lhv-run call graph # $b.c does not compile"
		exit 1
	fi
done
for o in "$tmp"/*.o; do
	nm "$o" | awk -v f="$(basename "$o" .o)" \
		'$2 ~ /^[TDBRC]$/ { print $3, f }'
done | sort >"$tmp/defs"
for o in "$tmp"/*.o; do
	b=$(basename "$o" .o)
	nm -u "$o" | awk '{ print $NF }' | sort -u | join - "$tmp/defs" |
		awk -v f="$b" '$2 != f { print f, $2 }'
done | sort -u >"$tmp/edges"
awk '{ e[$1] = e[$1] " " $2 } END { for (f in e) print "# " f " ->" e[f] }' \
	"$tmp/edges" | sort
if tsort "$tmp/edges" >/dev/null 2>"$tmp/tsort"; then
	echo "ok 1 lhv-run: the file-level call graph has no cycle"
	exit 0
fi
sed 's/^/# /' "$tmp/tsort"
echo "not ok 1 lhv-run: the file-level call graph has a cycle"
exit 1
