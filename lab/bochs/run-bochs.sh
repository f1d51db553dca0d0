#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lab/bochs/run-bochs.sh DIR LIMIT STALL - run one Bochs boot of the VMX
# lab (DIR/bochsrc, DIR/rc, DIR/nosrand.so) under a wall-clock LIMIT in
# seconds, killing it early when its serial output (DIR/console.out,
# DIR/stream.out) has not grown for STALL seconds: a guest that spins with
# interrupts off hangs Bochs' whole lab host for good (Bochs does not take
# external-interrupt exits while the L2 guest has IF=0), and nothing inside
# can time the test out.  lab/vmx.sh calls this with the lab lock held, so
# the times written to DIR/times exclude waiting for the lock:
#   start <epoch s>  end <epoch s>  wall_s  user_s  sys_s  rc  stalled 0|1
# Marks seen in the serial output are stamped in DIR/marks ("<epoch s>
# <mark>"): the kernel starting, init starting, the end of the tests.
# DIR/rc continues "c" with register dumps before "q": they run only when
# Bochs is stopped with SIGINT, as here on a stall.
# Exit status: Bochs' (124: over LIMIT or stalled).
set -u
dir=$1 limit=$2 stall=${3:-120}
marks=("starting kernel" "init started" "LAB END")

out_size() {
	cat "$dir/console.out" "$dir/stream.out" 2>/dev/null | wc -c
}

: >"$dir/marks"
start=$(date +%s.%N)
timeout -k 10 "$limit" env LD_PRELOAD="$dir/nosrand.so" \
	bochs-bin -q -unlock -f "$dir/bochsrc" -rc "$dir/rc" &
bochs=$!

# Watch: stamp the marks, kill Bochs when its output stops growing.
stalled=0 size=-1 still=0 m=0
while kill -0 "$bochs" 2>/dev/null; do
	sleep 1
	while ((m < ${#marks[@]})) &&
		grep -q "${marks[m]}" "$dir/console.out" "$dir/stream.out" \
			2>/dev/null; do
		echo "$(date +%s.%N) ${marks[m]}" >>"$dir/marks"
		m=$((m + 1))
	done
	s=$(out_size)
	if ((s != size)); then
		size=$s still=0
	elif ((++still >= stall)); then
		echo "run-bochs: no serial output for ${stall}s: stopping Bochs" >&2
		stalled=1
		# SIGINT drops Bochs into its debugger, which runs the rest of
		# DIR/rc (register dumps, then "q") into Bochs' stdout
		for p in $(ps -o pid= --ppid "$bochs"); do
			kill -INT "$p" 2>/dev/null
		done
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$bochs" 2>/dev/null || break
			sleep 1
		done
		kill -TERM "$bochs" 2>/dev/null
		break
	fi
done
wait "$bochs"
rc=$?
((stalled)) && rc=124
end=$(date +%s.%N)
# children's user and system CPU time: the "times" builtin, run in this
# shell (a subshell would start its own, empty, accounts)
times >"$dir/cpu"
cpu=$(tail -n 1 "$dir/cpu")
awk -v s="$start" -v e="$end" -v c="$cpu" -v rc="$rc" -v st="$stalled" '
BEGIN {
	split(c, t, " ")
	for (i = 1; i <= 2; i++) {
		v = t[i]; m = v; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", v)
		sub(/s$/, "", v); t[i] = m * 60 + v
	}
	printf "start %s\nend %s\nwall_s %.1f\nuser_s %.1f\nsys_s %.1f\n",
		s, e, e - s, t[1], t[2]
	printf "rc %d\nstalled %d\n", rc, st
}' >"$dir/times"
exit "$rc"
