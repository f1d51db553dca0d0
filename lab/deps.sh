#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lab/deps.sh - install the Debian 12 packages that lhv's build, lab, bench
# and fuzzing need.  Idempotent and quick: it asks dpkg first and only runs
# apt-get when something is missing.  Needs root (or sudo) for that step.
set -euo pipefail

PKGS=(
	build-essential gcc make clang pkg-config bc flex bison libelf-dev
	linux-image-amd64 linux-headers-amd64 linux-source-6.1 kmod xz-utils
	libnl-3-dev libnl-genl-3-dev python3
	qemu-system-x86 bochs bochsbios vgabios busybox-static cpio
)

usage() {
	cat <<USAGE
usage: lab/deps.sh [--check]
Install the Debian 12 packages lhv needs (apt-get, as root) if any is missing.
  --check   only report what is missing; exit 1 if anything is
USAGE
}

check_only=0
case "${1:-}" in
	-h|--help) usage; exit 0 ;;
	--check) check_only=1 ;;
	"") ;;
	*) usage >&2; exit 2 ;;
esac

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ "$st" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	exit 0
fi

echo "deps: missing packages: ${missing[*]}"
if ((check_only)); then
	exit 1
fi

if ! command -v apt-get >/dev/null; then
	echo "deps: no apt-get: install the packages above by hand" >&2
	exit 1
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null; then
		SUDO=(sudo)
	else
		echo "deps: not root and no sudo: run as root" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
echo "deps: installed ${missing[*]}"
