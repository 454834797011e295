#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the directory that holds Debian's stock kernel matching the newest
# installed linux-headers-*-amd64: vmlinuz and lib/modules/ of its
# linux-image package, fetched once with apt and cached in
# ~/.cache/goalloc/stock-<version>. Its second line is the version.
set -euo pipefail

cache=${GOALLOC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/goalloc}
die() { echo "stock-kernel: $*" >&2; exit 1; }

kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$kdir" ] || die "no Debian linux-headers-*-amd64 installed"
kver=${kdir##*/linux-headers-}
dir=$cache/stock-$kver
if [ ! -f "$dir/vmlinuz" ] || [ ! -d "$dir/lib/modules/$kver" ]; then
	echo "stock-kernel: fetching linux-image-$kver" >&2
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -qq "linux-image-$kver") >&2 ||
		die "cannot download linux-image-$kver"
	dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/x"
	mkdir -p "$dir.tmp/lib"
	cp "$tmp/x/boot/vmlinuz-$kver" "$dir.tmp/vmlinuz"
	cp -a "$tmp/x/lib/modules" "$dir.tmp/lib/"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi
echo "$dir"
echo "$kver"
