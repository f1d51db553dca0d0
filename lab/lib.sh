# SPDX-License-Identifier: GPL-2.0
#
# lab/lib.sh - helpers shared by the lab scripts (sourced, not run).
#
# Conventions every lab suite follows:
#   - Paths: SRC (repo root), BUILD ($SRC/build), LAB ($BUILD/lab),
#     RESULTS ($BUILD/results); KVER names the Debian kernel the lab boots
#     (/boot/vmlinuz-$KVER, modules from /lib/modules/$KVER).
#   - Every qemu/bochs run holds /tmp/lhv-lab.lock (lab_locked): one lab
#     boot at a time on a machine.
#   - A suite writes $RESULTS/<suite>.txt, one result a line:
#         PASS <name>
#         FAIL <name> # <why>
#         SKIP <name> # <why>
#     <name> is target/test[/subtest] (e.g. lhv/hello/...); it may hold
#     spaces, never " # ".
#   - Inside the lab, /init writes a stream of "@@ " lines (see
#     lab/guest/init); lab_parse_stream turns it into results.

LAB_LOCK=${LAB_LOCK:-/tmp/lhv-lab.lock}

# lab_env: set SRC, BUILD, LAB, RESULTS, KVER, LAB_KERNEL.
lab_env() {
	SRC=${SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
	BUILD=${BUILD:-$SRC/build}
	LAB=$BUILD/lab
	RESULTS=${RESULTS:-$BUILD/results}
	if [[ -z "${KVER:-}" ]]; then
		# KDIR=/lib/modules/<KVER>/build
		if [[ -n "${KDIR:-}" ]]; then
			KVER=$(basename "$(dirname "$KDIR")")
			[[ -d /lib/modules/$KVER/kernel ]] || KVER=
		fi
	fi
	if [[ -z "${KVER:-}" ]]; then
		KVER=$(cd /lib/modules 2>/dev/null && ls -d 6.1.*-amd64 \
			2>/dev/null | sort -V | tail -n 1 || true)
	fi
	LAB_KERNEL=/boot/vmlinuz-$KVER
	export SRC BUILD KVER
	mkdir -p "$LAB" "$RESULTS"
}

# lab_need_kernel: the lab boots Debian's kernel and loads its KVM modules.
lab_need_kernel() {
	if [[ -z "$KVER" || ! -r "$LAB_KERNEL" || ! -d /lib/modules/$KVER/kernel ]]; then
		echo "lab: no Debian kernel to boot (KVER='$KVER', $LAB_KERNEL):" \
			"run 'make deps' (linux-image-amd64)" >&2
		return 1
	fi
}

# lab_locked CMD...: run CMD holding the machine-wide lab lock.  flock
# alone is not fair (a run could wait behind later arrivals for many
# minutes), so callers first queue for their turn in $LAB_LOCK.queue/:
# a ticket named by arrival time; stale tickets (dead pids) are dropped.
lab_locked() {
	local q=$LAB_LOCK.queue me=$BASHPID t first pid rc=0 said=0
	mkdir -p "$q" 2>/dev/null && chmod 1777 "$q" 2>/dev/null
	t=$(date +%s%N).$me
	if ! echo "$me" >"$q/$t" 2>/dev/null; then
		t=	# no queue (read-only /tmp?): plain flock
	fi
	while [[ -n "$t" ]]; do
		first=$(ls "$q" 2>/dev/null | LC_ALL=C sort | head -n 1)
		[[ -z "$first" || "$first" == "$t" ]] && break
		pid=${first##*.}
		if ! kill -0 "$pid" 2>/dev/null; then
			rm -f "$q/$first"
			continue
		fi
		if ((!said)); then
			echo "lab: waiting for earlier lab runs to finish ($LAB_LOCK)" >&2
			said=1
		fi
		sleep 1
	done
	if ! flock -n "$LAB_LOCK" true 2>/dev/null; then
		((said)) || echo "lab: waiting for $LAB_LOCK (another lab boot is running)" >&2
	fi
	flock "$LAB_LOCK" "$@" || rc=$?
	[[ -n "$t" ]] && rm -f "$q/$t"
	return $rc
}

# lab_parse_stream STREAM EXPECTED OUT
#   STREAM: the "@@ " lines the lab's /init wrote (other lines ignored).
#   EXPECTED: file of "target test" lines, one per test that must report.
#   OUT: results file to write (format above).
# A test binary's verdict: each top-level KTAP "ok N"/"not ok N" line is a
# result target/test/<description>; its exit status adds a FAIL when it is
# neither 0 nor 4, or when fewer results came than the KTAP plan promised;
# with no KTAP results the exit status alone decides (0 pass, 4 skip).
# Tests that never reported, and a lab that never reached its end marker,
# are failures.
lab_parse_stream() {
	local stream=$1 expected=$2 out=$3
	tr -d '\r' <"$stream" | awk -v expected="$expected" '
	function res(st, name, why) {
		gsub(/ # /, " - ", name)
		if (why != "") printf "%s %s # %s\n", st, name, why
		else printf "%s %s\n", st, name
	}
	function finish(key, rc, why,    n, i) {
		n = nsub[key]
		if (n == 0) {
			if (rc == 0) res("PASS", key, "")
			else if (rc == 4) res("SKIP", key, "exit status 4")
			else res("FAIL", key, why)
		} else {
			if (rc != 0 && rc != 4)
				res("FAIL", key, why)
			else if (plan[key] > n)
				res("FAIL", key, "KTAP plan " plan[key] ", only " n " results")
		}
		done[key] = 1
	}
	BEGIN {
		while ((getline l < expected) > 0) {
			split(l, f, " ")
			nexp++; exp_t[nexp] = f[1]; exp_n[nexp] = f[2]
		}
	}
	!/^@@ / { next }
	{ line = substr($0, 4) }
	line ~ /^LAB END/ { ended = 1; next }
	line ~ /^RESULT / {
		split(line, f, " ")
		st = f[2]; rest = substr(line, length("RESULT " st " ") + 1)
		why = ""
		i = index(rest, " # ")
		if (i) { why = substr(rest, i + 3); rest = substr(rest, 1, i - 1) }
		res(st, rest, why)
		split(rest, g, "/")
		if (g[3] == "") done[rest] = 1
		next
	}
	line ~ /^TEST / {
		split(line, f, " ")
		key = f[2] "/" f[3]; started[key] = 1; cur[key] = 1
		next
	}
	line ~ /^OUT / {
		split(line, f, " ")
		key = f[2] "/" f[3]
		text = substr(line, length("OUT " f[2] " " f[3] " ") + 1)
		if (text ~ /^1\.\.[0-9]+/) { sub(/^1\.\./, "", text); plan[key] = text + 0; next }
		if (text !~ /^(not )?ok [0-9]+/) next
		ok = (text ~ /^ok /)
		sub(/^(not )?ok /, "", text)
		num = text; sub(/ .*/, "", num)
		desc = text; sub(/^[0-9]+ ?(- )?/, "", desc)
		dir = ""
		i = index(desc, " # ")
		if (i == 0 && desc ~ /^# /) { i = 1; desc = " " desc }
		if (i) { dir = substr(desc, i + 3); desc = substr(desc, 1, i - 1) }
		if (desc == "") desc = "test " num
		nsub[key]++
		if (toupper(dir) ~ /^SKIP/) res("SKIP", key "/" desc, dir)
		else if (ok) res("PASS", key "/" desc, "")
		else res("FAIL", key "/" desc, dir)
		next
	}
	line ~ /^EXIT / {
		split(line, f, " ")
		key = f[2] "/" f[3]; rc = f[4] + 0
		why = substr(line, length("EXIT " f[2] " " f[3] " " f[4] " ") + 1)
		if (why == "") why = "exit status " rc
		finish(key, rc, why)
		delete cur[key]
		next
	}
	END {
		for (key in cur)
			if (!done[key]) finish(key, -1, "did not finish (the lab host died or hung)")
		for (i = 1; i <= nexp; i++) {
			key = exp_t[i] "/" exp_n[i]
			if (!done[key] && !started[key])
				res("FAIL", key, "no result (the lab host died or hung before it ran)")
		}
		if (!ended) exit 3
	}' >"$out"
}

# lab_summary SUITE RESULTS_FILE: per-test summary (target/test with its
# subtests folded), the failures in full, and the counts.
lab_summary() {
	local suite=$1 file=$2
	awk -v suite="$suite" '
	{
		st = $1; name = substr($0, length(st) + 2)
		why = ""; i = index(name, " # ")
		if (i) { why = substr(name, i + 3); name = substr(name, 1, i - 1) }
		n = split(name, p, "/")
		key = (n >= 2) ? p[1] "/" p[2] : name
		if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
		tot[key]++; cnt[key, st]++
		c[st]++
		if (st == "FAIL") fails[++nf] = name (why != "" ? "  (" why ")" : "")
	}
	END {
		printf "%s lab: per-test summary\n", suite
		for (i = 1; i <= nk; i++) {
			k = order[i]
			v = cnt[k, "FAIL"] ? "FAIL" : (cnt[k, "PASS"] ? "PASS" : "SKIP")
			extra = ""
			if (tot[k] > 1)
				extra = sprintf(" (%d results: %d pass, %d fail, %d skip)",
					tot[k], cnt[k, "PASS"], cnt[k, "FAIL"], cnt[k, "SKIP"])
			printf "  %-4s %s%s\n", v, k, extra
		}
		if (nf) {
			printf "%s lab: failures\n", suite
			for (i = 1; i <= nf; i++) printf "  FAIL %s\n", fails[i]
		}
		printf "%s lab: %d passed, %d failed, %d skipped\n", suite,
			c["PASS"], c["FAIL"], c["SKIP"]
	}' "$file"
}

# lab_count FILE STATUS: number of results with that status.
lab_count() {
	local n
	n=$(grep -c "^$2 " "$1" 2>/dev/null) || true
	echo "${n:-0}"
}
