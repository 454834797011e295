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
# every suite's KTAP results from debugfs over a second serial port. A
# second boot with init_on_alloc=1 init_on_free=1 runs the API suites
# again. scripts/ktap.py then prints each result and fails on a failed or
# missing test or suite, a kernel splat in a console log, a leak or a hang.
#
# --suite NAME runs one suite (a KUnit suite or goalloc_params), once.
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

cp /bin/busybox "$out/root/busybox"
gcc -static -O2 -Wall -o "$out/root/modload" "$top/kunit/modload.c"
cp "$out/src/goalloc.ko" "$out/root/"
cp "$out"/src/kunit/*.ko "$out/root/"
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
python3 "$top/scripts/mkinitramfs.py" "$out/initramfs.list" "$out/initramfs.cpio.gz"

# boot LABEL "EXTRA KERNEL ARGS" "MODULES" PARAMS: one QEMU run.
boot() {
	local label=$1 extra=$2 mods=$3 params=$4 rc
	echo "kunit: booting the test kernel ($label: ${mods:-no modules}${params:+, params})" >&2
	set +e
	timeout --foreground "$timeout_s" qemu-system-x86_64 \
		-nodefaults -no-reboot -display none -accel tcg -smp 2 -m 2048 \
		-kernel "$kdir/arch/x86/boot/bzImage" -initrd "$out/initramfs.cpio.gz" \
		-append "console=ttyS0 ignore_loglevel oops=panic panic=-1 $extra ga_modules=${mods// /,} ga_params=${params:-0}" \
		-serial "file:$out/console-$label.log" -serial "file:$out/results-$label.log" \
		</dev/null >"$out/qemu-$label.log" 2>&1
	rc=$?
	set -e
	[ $rc -ne 124 ] || echo "kunit: QEMU ($label) did not finish within ${timeout_s}s" >&2
}

# The suites that run under the second boot, with init_on_alloc and
# init_on_free on.
policy_suites="goalloc_api goalloc_stats"
args=()
if [ -n "$suite" ]; then
	if [ "$suite" = goalloc_params ]; then
		boot default "" "" 1
	elif [ -n "${mod_of[$suite]:-}" ]; then
		boot default "" "${mod_of[$suite]}" ""
	else
		echo "kunit: no suite '$suite' (have: goalloc_params ${!mod_of[*]})" >&2
		exit 2
	fi
	args+=(--boot default "$out/results-default.log" "$out/console-default.log" "$suite")
else
	mods=$(printf '%s\n' "${mod_of[@]}" | sort -u | tr '\n' ' ')
	boot default "" "${mods% }" 1
	args+=(--boot default "$out/results-default.log" "$out/console-default.log"
	       "goalloc_params ${!mod_of[*]}")
	pmods=$(for s in $policy_suites; do echo "${mod_of[$s]}"; done | sort -u | tr '\n' ' ')
	boot init_on "init_on_alloc=1 init_on_free=1" "${pmods% }" ""
	args+=(--boot init_on "$out/results-init_on.log" "$out/console-init_on.log"
	       "$policy_suites")
fi

# Results of other test runs to report with these (make check: make run).
for extra in ${GOALLOC_EXTRA_RESULTS:-}; do
	args+=(--extra "$(basename "$extra" .status)" "$extra")
done
python3 "$top/scripts/ktap.py" "${args[@]}"
