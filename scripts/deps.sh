#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian 12 packages goalloc's build and tests need, if any
# is missing. Safe to run again: it does nothing when all are present.
set -euo pipefail

pkgs=(
	gcc libc6-dev make bc bison flex libelf-dev libssl-dev perl python3 kmod
	cpio gzip xz-utils busybox-static qemu-system-x86
	linux-source-6.1 linux-headers-amd64 gnuplot-nox
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
