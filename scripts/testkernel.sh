#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a test kernel from Debian's linux-source-6.1, or reuse the one
# built before:
#
#   scripts/testkernel.sh [kasan]   kunit/kernel.config: KUnit, KASAN,
#                                   kmemleak, lockdep and the rest
#   scripts/testkernel.sh kcsan     the same with kunit/kcsan.config on
#                                   top: KCSAN instead of KASAN/kmemleak
#
# The build lives outside the clone, keyed by source version, compiler,
# this recipe and the config fragments, so every clone and every run
# shares it. Prints the kernel build directory (bzImage, Module.symvers,
# the tree to build modules against) on stdout; progress goes to stderr.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
flavour=${1:-kasan}
frags=("$top/kunit/kernel.config")
case "$flavour" in
kasan) ;;
kcsan) frags+=("$top/kunit/kcsan.config") ;;
*) echo "usage: $0 [kasan|kcsan]" >&2; exit 2 ;;
esac
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${GOALLOC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/goalloc}
recipe=1	# bump when the steps below change what gets built

log() { echo "testkernel: $*" >&2; }

[ -f "$tarball" ] || { log "$tarball missing (run scripts/deps.sh)"; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$({ echo "$recipe"; echo "$srcver"; gcc -dumpfullversion; cat "${frags[@]}"; } |
	sha256sum | cut -c1-12)
out=$cache/kernel-$srcver-$flavour-$key

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

log "configuring $flavour (tinyconfig + ${frags[*]##*/})"
kmake tinyconfig >"$out/config.log" 2>&1
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" \
	>>"$out/config.log" 2>&1
kmake olddefconfig >>"$out/config.log" 2>&1

# Every option the fragments ask for (the last word on each) must have
# survived dependency resolution; a silently dropped KASAN, KCSAN or
# lockdep would void the tests.
missing=0
declare -A want
for f in "${frags[@]}"; do
	while read -r line; do
		case "$line" in
		CONFIG_*=*) want[${line%%=*}]=$line ;;
		"# CONFIG_"*" is not set") line=${line#\# }; want[${line%% *}]="# $line" ;;
		esac
	done <"$f"
done
for opt in "${!want[@]}"; do
	case "${want[$opt]}" in
	"# "*) ! grep -q "^$opt=[ym]" "$out/.config" ;;
	*) grep -qx -- "${want[$opt]}" "$out/.config" ;;
	esac || {
		log "config option lost: ${want[$opt]}"
		missing=1
	}
done
[ "$missing" = 0 ] || exit 1

log "building $out (a few minutes; log in $out/build.log)"
if ! kmake -j"$(($(nproc) + 1))" >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	log "kernel build failed"
	exit 1
fi
touch "$out/.complete"
echo "$out"
