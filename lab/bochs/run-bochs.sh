#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lab/bochs/run-bochs.sh DIR LIMIT - run one Bochs boot of the VMX lab
# (DIR/bochsrc, DIR/rc, DIR/nosrand.so) under a wall-clock LIMIT in
# seconds.  lab/vmx.sh calls it with the lab lock held, so the times it
# writes to DIR/times exclude waiting for the lock:
#   start <epoch s>  end <epoch s>  wall_s  user_s  sys_s  rc
# While Bochs runs, marks seen in DIR/console.out are stamped in
# DIR/marks ("<epoch s> <mark>"): the kernel starting, init starting, the
# end of the tests.  Exit status: Bochs' (124/137: timed out).
set -u
dir=$1 limit=$2

watch_marks() {
	local m
	for m in "starting kernel" "init started" "LAB END"; do
		until grep -q "$m" "$dir/console.out" "$dir/stream.out" \
			2>/dev/null; do
			sleep 0.2
		done
		echo "$(date +%s.%N) $m" >>"$dir/marks"
	done
}

: >"$dir/marks"
watch_marks &
watcher=$!
start=$(date +%s.%N)
timeout -k 10 "$limit" env LD_PRELOAD="$dir/nosrand.so" \
	bochs-bin -q -unlock -f "$dir/bochsrc" -rc "$dir/rc"
rc=$?
end=$(date +%s.%N)
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
# children's user and system CPU time: the "times" builtin, run in this
# shell (a subshell would start its own, empty, accounts)
times >"$dir/cpu"
cpu=$(tail -n 1 "$dir/cpu")
awk -v s="$start" -v e="$end" -v c="$cpu" -v rc="$rc" 'BEGIN {
	split(c, t, " ")
	for (i = 1; i <= 2; i++) {
		v = t[i]; m = v; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", v)
		sub(/s$/, "", v); t[i] = m * 60 + v
	}
	printf "start %s\nend %s\nwall_s %.1f\nuser_s %.1f\nsys_s %.1f\nrc %d\n",
		s, e, e - s, t[1], t[2], rc
}' >"$dir/times"
exit "$rc"
