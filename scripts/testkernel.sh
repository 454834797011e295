#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the KUnit test kernel from Debian's linux-source-6.1 with the
# options in kunit/kernel.config, or reuse the one built before. The build
# lives outside the clone, keyed by source version, compiler, this recipe
# and the config fragment, so every clone and every run shares it.
#
# Prints the kernel build directory (bzImage, Module.symvers, the tree to
# build modules against) on stdout; progress goes to stderr.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
frag=$top/kunit/kernel.config
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${GOALLOC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/goalloc}
recipe=1	# bump when the steps below change what gets built

log() { echo "testkernel: $*" >&2; }

[ -f "$tarball" ] || { log "$tarball missing (run scripts/deps.sh)"; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$({ echo "$recipe"; echo "$srcver"; gcc -dumpfullversion; cat "$frag"; } |
	sha256sum | cut -c1-12)
out=$cache/kernel-$srcver-$key

if [ -f "$out/.complete" ]; then
	log "reusing cached kernel $out"
	echo "$out"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ -f "$out/.complete" ]; then
	log "reusing cached kernel $out"
	echo "$out"
	exit 0
fi

src=$cache/src-$srcver
if [ ! -f "$src/Makefile" ]; then
	log "unpacking $tarball"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xf "$tarball" -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
fi

rm -rf "$out"
mkdir -p "$out"
kmake() { make -C "$src" O="$out" ARCH=x86_64 "$@"; }

log "configuring (tinyconfig + kunit/kernel.config)"
kmake tinyconfig >"$out/config.log" 2>&1
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$frag" \
	>>"$out/config.log" 2>&1
kmake olddefconfig >>"$out/config.log" 2>&1

# Every option the fragment asks for must have survived dependency
# resolution; a silently dropped KASAN or lockdep would void the tests.
missing=0
while read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qx -- "$line" "$out/.config" || {
			log "config option lost: $line"
			missing=1
		}
		;;
	esac
done <"$frag"
[ "$missing" = 0 ] || exit 1

log "building $out (a few minutes; log in $out/build.log)"
if ! kmake -j"$(($(nproc) + 1))" >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	log "kernel build failed"
	exit 1
fi
touch "$out/.complete"
echo "$out"
