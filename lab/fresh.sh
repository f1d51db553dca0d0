#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lab/fresh.sh - "make check-fresh": the first "make check" on a machine
# that has none of lhv's packages.  It builds a minimal Debian 12 root with
# debootstrap (--variant=minbase, from the mirror this machine's apt already
# uses, read from its sources at run time), copies a clean clone of the
# committed tree into it, and runs "make check" there as root in a chroot
# with its own proc, sysfs and a private /dev (a tmpfs with the few nodes a
# build and the lab need; the host's /dev is never bind-mounted).  The
# chroot's last line ("N passed, M failed") is the verdict.
#
# Everything mounted is unmounted, and checked to be, before the root is
# removed.  Needs root and network access to the Debian mirror.
set -uo pipefail

usage() {
	cat <<USAGE
usage: lab/fresh.sh [--keep] [--root DIR] [--suite SUITE]
Run "make check" in a fresh minimal Debian root (debootstrap, chroot).
  --keep        leave the root in place afterwards (its path is printed)
  --root DIR    where to build the root (default: a new /var/tmp/lhv-fresh.*)
  --suite NAME  Debian suite (default: bookworm, Debian 12)
The log is kept in build/fresh.log.  Exit status: that of "make check".
USAGE
}

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
keep=0 root= suite=bookworm
while (($#)); do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	--keep) keep=1 ;;
	--root) root=$2; shift ;;
	--suite) suite=$2; shift ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

die() { echo "fresh: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot, mounts)"

# The mirror: the first Debian URI of this machine's apt sources (deb822
# or one-line format), so the run uses whatever registry apt already uses.
mirror_of_host() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -r $f ]] || continue
		awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' "$f"
	done | head -n 1
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -r $f ]] || continue
		awk '$1 == "deb" && $0 !~ /security/ {
			for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f"
	done | head -n 1
}
mirror=$(mirror_of_host | head -n 1)
[[ -n "$mirror" ]] || die "no Debian mirror in /etc/apt/sources*: cannot debootstrap"

if ! command -v debootstrap >/dev/null; then
	echo "fresh: installing debootstrap on this machine"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends debootstrap </dev/null >/dev/null ||
		die "apt-get install debootstrap failed"
fi

if [[ -z "$root" ]]; then
	root=$(mktemp -d /var/tmp/lhv-fresh.XXXXXX) || die "mktemp failed"
else
	[[ -e $root && -n "$(ls -A "$root" 2>/dev/null)" ]] &&
		die "$root exists and is not empty"
	mkdir -p "$root" || die "cannot create $root"
fi
root=$(cd "$root" && pwd)
mounts=()	# in mount order; undone in reverse

cleanup() {
	local i left
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" 2>/dev/null
	done
	mounts=()
	left=$(awk -v r="$root/" 'index($2 "/", r) == 1 { print $2 }' /proc/mounts)
	if [[ -n "$left" ]]; then
		echo "fresh: still mounted under $root, not removing it:" >&2
		echo "$left" >&2
		return
	fi
	if ((keep)); then
		echo "fresh: root kept in $root"
	else
		rm -rf --one-file-system "$root"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

t0=$SECONDS
mkdir -p "$BUILD"
log=$BUILD/fresh.log
: >"$log"
echo "fresh: debootstrap --variant=minbase $suite $root $mirror"
if ! debootstrap --variant=minbase --include=make,git,ca-certificates \
	"$suite" "$root" "$mirror" >>"$log" 2>&1; then
	tail -n 20 "$log" >&2
	die "debootstrap failed (log: $log)"
fi
echo "fresh: root ready in $((SECONDS - t0))s"

# apt inside the root: the host's sources and its Acquire settings (a
# mirror that serves a snapshot needs e.g. Check-Valid-Until false).
rm -f "$root/etc/apt/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
	 /etc/apt/sources.list.d/*.list; do
	[[ -r $f ]] && cp "$f" "$root$f"
done
for f in /etc/apt/apt.conf.d/*; do
	[[ -r $f ]] && grep -q '^Acquire::' "$f" && cp "$f" "$root/etc/apt/apt.conf.d/"
done
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null

# A clean clone of what is committed: what CI sees.
git clone -q --no-local "$SRC" "$root/root/lhv" >>"$log" 2>&1 ||
	die "git clone of $SRC failed"
echo "fresh: clone of $(git -C "$SRC" rev-parse --short HEAD) in /root/lhv"

# proc, sysfs and a private /dev.
mnt() {	# mnt TYPE SOURCE TARGET [OPTIONS]
	mkdir -p "$3" || return 1
	mount -t "$1" ${4:+-o "$4"} "$2" "$3" || return 1
	mounts+=("$3")
}
dev=$root/dev
mnt proc proc "$root/proc" || die "mount proc failed"
mnt sysfs sysfs "$root/sys" || die "mount sysfs failed"
mnt tmpfs lhv-fresh-dev "$dev" mode=0755,size=16m || die "mount /dev failed"
for n in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" \
	 "tty 5 0"; do
	set -- $n
	mknod -m 0666 "$dev/$1" c "$2" "$3" || die "mknod $1 failed"
done
ln -s /proc/self/fd "$dev/fd"
ln -s /proc/self/fd/0 "$dev/stdin"
ln -s /proc/self/fd/1 "$dev/stdout"
ln -s /proc/self/fd/2 "$dev/stderr"
mnt devpts devpts "$dev/pts" newinstance,ptmxmode=0666,mode=0620 ||
	die "mount devpts failed"
ln -s pts/ptmx "$dev/ptmx"
mnt tmpfs lhv-fresh-shm "$dev/shm" mode=1777 || die "mount /dev/shm failed"

# The chroot's lab boots queue with this machine's (lab/lib.sh,
# lab_locked): its lock file and queue are this machine's, bound in.
lock=${LAB_LOCK:-/tmp/lhv-lab.lock}
touch "$lock" && mkdir -p "$lock.queue" && chmod 1777 "$lock.queue" ||
	die "cannot create $lock"
mkdir -p "$root/tmp/lhv-lab.lock.queue" && touch "$root/tmp/lhv-lab.lock"
mount --bind "$lock" "$root/tmp/lhv-lab.lock" &&
	mounts+=("$root/tmp/lhv-lab.lock") || die "bind $lock failed"
mount --bind "$lock.queue" "$root/tmp/lhv-lab.lock.queue" &&
	mounts+=("$root/tmp/lhv-lab.lock.queue") || die "bind $lock.queue failed"

# make check, as a new root user would run it: a plain environment.
echo "fresh: make check in the chroot (log: $log)"
t1=$SECONDS
chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	/bin/bash -c 'cd /root/lhv && make check' </dev/null 2>&1 |
	tee -a "$log" | grep --line-buffered -E '^(== |deps: |[0-9]+ passed)'
rc=${PIPESTATUS[0]}
last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
echo "fresh: make check took $((SECONDS - t1))s, all $((SECONDS - t0))s;" \
	"exit status $rc"
echo "fresh: ${last:-no summary line (see $log)}"
exit "$rc"
