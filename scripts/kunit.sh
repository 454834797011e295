#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run goalloc's KUnit suites in QEMU on the cached test kernel.
#
#   scripts/kunit.sh [--suite NAME] [--keep]
#
# Builds goalloc.ko and the test modules against the test kernel (built
# first by scripts/testkernel.sh if not cached), packs a busybox
# initramfs, boots qemu-system-x86_64 (TCG, 2 vCPUs), checks that bad
# module parameters are refused, loads goalloc and the tests, and collects
# every suite's KTAP results from debugfs over a second serial port.
# scripts/ktap.py then prints each result and fails on a failed or missing
# test or suite, a kernel splat in the console log, or a hang.
#
# --suite NAME runs one suite (a KUnit suite or goalloc_params).
# Output and logs: .out/kunit/ in the tree.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
suite=
while [ $# -gt 0 ]; do
	case "$1" in
	--suite) suite=$2; shift 2 ;;
	*) echo "usage: $0 [--suite NAME]" >&2; exit 2 ;;
	esac
done

timeout_s=${GOALLOC_QEMU_TIMEOUT:-1200}
out=$top/.out/kunit
kdir=$("$top/scripts/testkernel.sh")

rm -rf "$out"
mkdir -p "$out/src" "$out/root"

# Build in a copy so objects for different kernels never mix in the tree.
tar -C "$top" --exclude=./.out --exclude=./.git -cf - . | tar -C "$out/src" -xf -
echo "kunit: building modules against $kdir" >&2
if ! make -C "$kdir" M="$out/src" W=1 modules >"$out/build.log" 2>&1; then
	cat "$out/build.log" >&2
	exit 1
fi

# Which test modules to load, and which suites must report.
declare -A mod_of
for f in "$top"/kunit/*_test.c; do
	m=$(basename "$f" .c)
	for s in $(sed -n 's/^[[:space:]]*\.name = "\([a-z0-9_]*\)",.*/\1/p' "$f"); do
		mod_of[$s]=$m
	done
done
if [ -n "$suite" ]; then
	if [ "$suite" = goalloc_params ]; then
		mods= params=1
	elif [ -n "${mod_of[$suite]:-}" ]; then
		mods=${mod_of[$suite]} params=0
	else
		echo "kunit: no suite '$suite' (have: goalloc_params ${!mod_of[*]})" >&2
		exit 2
	fi
	expect=$suite
else
	mods=$(printf '%s\n' "${mod_of[@]}" | sort -u | tr '\n' ' ')
	mods=${mods% }
	params=1
	expect="goalloc_params ${!mod_of[*]}"
fi

cp /bin/busybox "$out/root/busybox"
gcc -static -O2 -Wall -o "$out/root/modload" "$top/kunit/modload.c"
cp "$out/src/goalloc.ko" "$out/root/"
for m in $mods; do cp "$out/src/kunit/$m.ko" "$out/root/"; done
cp "$top/kunit/init.sh" "$out/root/init"

{
	echo "dir /dev 755 0 0"
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "nod /dev/ttyS1 600 0 0 c 4 65"
	for d in /bin /proc /sys /tmp /lib /lib/goalloc; do echo "dir $d 755 0 0"; done
	echo "file /bin/busybox $out/root/busybox 755 0 0"
	echo "file /bin/modload $out/root/modload 755 0 0"
	echo "file /init $out/root/init 755 0 0"
	for f in "$out"/root/*.ko; do
		echo "file /lib/goalloc/$(basename "$f") $f 644 0 0"
	done
} >"$out/initramfs.list"
"$kdir/usr/gen_init_cpio" "$out/initramfs.list" | gzip -1 >"$out/initramfs.cpio.gz"

echo "kunit: booting the test kernel (suites: $expect)" >&2
set +e
timeout --foreground "$timeout_s" qemu-system-x86_64 \
	-nodefaults -no-reboot -display none -accel tcg -smp 2 -m 2048 \
	-kernel "$kdir/arch/x86/boot/bzImage" -initrd "$out/initramfs.cpio.gz" \
	-append "console=ttyS0 ignore_loglevel oops=panic panic=-1 ga_modules=${mods// /,} ga_params=$params" \
	-serial "file:$out/console.log" -serial "file:$out/results.log" \
	</dev/null >"$out/qemu.log" 2>&1
rc=$?
set -e
if [ $rc -eq 124 ]; then
	echo "kunit: QEMU did not finish within ${timeout_s}s" >&2
fi

python3 "$top/scripts/ktap.py" --results "$out/results.log" --console "$out/console.log" \
	--expect $expect
