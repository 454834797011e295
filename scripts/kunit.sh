#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run goalloc's KUnit suites in QEMU on the cached test kernels.
#
#   scripts/kunit.sh                    every boot below
#   scripts/kunit.sh --suite NAME       one suite (or goalloc_params), once
#   scripts/kunit.sh --torture MINUTES  the torture alone, for MINUTES
#
# Builds goalloc.ko and the test modules against each test kernel (built
# first by scripts/testkernel.sh if not cached), packs a busybox
# initramfs, and boots qemu-system-x86_64 (TCG) once per row:
#
#   boot       kernel  CPUs  what
#   params     kasan   2     the module parameter checks, with
#                            no_debug_objects (its pool refills would
#                            shift the fail-nth points from load to load)
#   default    kasan   2     every suite but the torture and goalloc_kasan,
#                            without kmemleak (kmemleak=off: tenfold cost);
#                            init_on_alloc=0 init_on_free=0
#   a1f0       kasan   2     the API suites with init_on_alloc=1
#   a0f1       kasan   2     the API suites with init_on_free=1
#   a1f1       kasan   2     the API suites with both
#   direct     kasan   2     the API, backing and redirect suites with the
#                            kmalloc family on the direct-map backing
#                            (goalloc.kmalloc_direct=1)
#   kasan-a0f0 kasan   2     goalloc_kasan alone (its reports taint the
#   kasan-a1f1 kasan   2     kernel and end lockdep), in both policies
#   torture    kasan   4     the torture, goalloc capped at 128 MiB, no kmemleak
#   kcsan      kcsan   4     the concurrency suites and the torture
#
# Every boot passes ga_policy=aXfY, which the API suite checks against the
# policy the kernel really has. Results come from debugfs over a second
# serial port; scripts/ktap.py prints each one and fails on a failed,
# skipped (unless allowed) or missing test or suite, a kernel report, a
# goalloc report no test expected, a heap the verifier finds broken, a
# leak or a hang. Output and logs: .out/kunit/ in the tree.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
suite= torture=
while [ $# -gt 0 ]; do
	case "$1" in
	--suite) suite=$2; shift 2 ;;
	--torture) torture=$2; shift 2 ;;
	*) echo "usage: $0 [--suite NAME | --torture MINUTES]" >&2; exit 2 ;;
	esac
done

out=$top/.out/kunit
rm -rf "$out"
mkdir -p "$out"

# Which test module holds each suite.
declare -A mod_of
for f in "$top"/kunit/*_test.c; do
	m=$(basename "$f" .c)
	for s in $(sed -n 's/^[[:space:]]*\.name = "\([a-z0-9_]*\)",.*/\1/p' "$f"); do
		mod_of[$s]=$m
	done
done
suites_of() {	# modules... -> the suites they hold
	local s m
	for s in "${!mod_of[@]}"; do
		for m in "$@"; do
			if [ "${mod_of[$s]}" = "$m" ]; then
				echo "$s"
			fi
		done
	done | sort | tr '\n' ' '
}

# build FLAVOUR: modules and initramfs for the kasan or kcsan kernel.
declare -A kdir_of
build() {
	local flavour=$1 kdir dir f
	kdir=$("$top/scripts/testkernel.sh" "$flavour")
	kdir_of[$flavour]=$kdir
	dir=$out/$flavour
	mkdir -p "$dir/src" "$dir/root"
	# Build in a copy so objects for different kernels never mix in the tree.
	tar -C "$top" --exclude=./.out --exclude=./.git -cf - . | tar -C "$dir/src" -xf -
	echo "kunit: building modules against $kdir" >&2
	if ! make -C "$kdir" M="$dir/src" W=1 modules >"$dir/build.log" 2>&1; then
		cat "$dir/build.log" >&2
		exit 1
	fi
	cp /bin/busybox "$dir/root/busybox"
	gcc -static -O2 -Wall -o "$dir/root/modload" "$top/kunit/modload.c"
	{
		echo "dir /dev 755 0 0"
		echo "nod /dev/console 600 0 0 c 5 1"
		echo "nod /dev/kmsg 644 0 0 c 1 11"
		echo "nod /dev/ttyS1 600 0 0 c 4 65"
		for d in /bin /proc /sys /tmp /lib /lib/goalloc; do echo "dir $d 755 0 0"; done
		echo "file /bin/busybox $dir/root/busybox 755 0 0"
		echo "file /bin/modload $dir/root/modload 755 0 0"
		echo "file /init $top/kunit/init.sh 755 0 0"
		for f in "$dir"/src/goalloc.ko "$dir"/src/kunit/*.ko; do
			echo "file /lib/goalloc/$(basename "$f") $f 644 0 0"
		done
	} >"$dir/initramfs.list"
	python3 "$top/scripts/mkinitramfs.py" "$dir/initramfs.list" "$dir/initramfs.cpio.gz"
}

timeout_s=${GOALLOC_QEMU_TIMEOUT:-1200}
args=()

# boot LABEL FLAVOUR CPUS "KERNEL ARGS" "MODULES" PARAMS: one QEMU run,
# whose results ktap.py then expects from every suite of MODULES.
boot() {
	local label=$1 flavour=$2 cpus=$3 extra=$4 mods=$5 params=$6 rc expect
	local kdir=${kdir_of[$flavour]} dir=$out/$flavour
	echo "kunit: booting the $flavour test kernel ($label, $cpus CPUs: ${mods:-no modules})" >&2
	set +e
	timeout --foreground "$timeout_s" qemu-system-x86_64 \
		-nodefaults -no-reboot -display none -accel tcg -smp "$cpus" -m 2048 \
		-kernel "$kdir/arch/x86/boot/bzImage" -initrd "$dir/initramfs.cpio.gz" \
		-append "console=ttyS0 ignore_loglevel oops=panic panic=-1 $extra ga_modules=${mods// /,} ga_params=$params" \
		-serial "file:$out/console-$label.log" -serial "file:$out/results-$label.log" \
		</dev/null >"$out/qemu-$label.log" 2>&1
	rc=$?
	set -e
	[ $rc -ne 124 ] || echo "kunit: QEMU ($label) did not finish within ${timeout_s}s" >&2
	# shellcheck disable=SC2086
	expect="$(suites_of $mods)"
	if [ "$params" = 1 ]; then
		expect="goalloc_params $expect"
	fi
	args+=(--boot "$label" "$out/results-$label.log" "$out/console-$label.log" "$expect"
	       "$flavour" "$kdir/.config")
}

policy() {	# init_on_alloc init_on_free
	echo "init_on_alloc=$1 init_on_free=$2 ga_policy=a$1f$2"
}

# kmemleak tracks every object with its stack: it makes the object,
# free-path and model suites and the torture ten times slower. Their boots
# run without it; the params, API and debugger boots check for leaks.
noleak=kmemleak=off
torture_mod=goalloc_torture_test
torture_cap="ga_goalloc=max_heap=128M"
kasan_mod=${mod_of[goalloc_kasan]}
all_mods=$(for m in "${mod_of[@]}"; do echo "$m"; done | sort -u |
	   grep -vx -e "$torture_mod" -e "$kasan_mod" | tr '\n' ' ')
api_mod=${mod_of[goalloc_api]}
backing_mod=${mod_of[goalloc_backing]}
redirect_mod=${mod_of[goalloc_redirect]}
kcsan_mods="${mod_of[goalloc_free]} ${mod_of[goalloc_heap]} $torture_mod"

build kasan
if [ -n "$torture" ]; then
	timeout_s=$((torture * 60 + 900))
	boot torture kasan 4 "$(policy 0 0) $torture_cap $noleak ga_torture_minutes=$torture" \
		"$torture_mod" 0
elif [ -n "$suite" ]; then
	if [ "$suite" = goalloc_params ]; then
		boot params kasan 2 "$(policy 0 0) no_debug_objects" "" 1
	elif [ -n "${mod_of[$suite]:-}" ]; then
		extra=$noleak
		if [ "${mod_of[$suite]}" = "$torture_mod" ]; then extra="$torture_cap $noleak"; fi
		if [ "${mod_of[$suite]}" = "$kasan_mod" ]; then extra=; fi
		boot default kasan 4 "$(policy 0 0) $extra" "${mod_of[$suite]}" 0
	else
		echo "kunit: no suite '$suite' (have: goalloc_params ${!mod_of[*]})" >&2
		exit 2
	fi
else
	boot params kasan 2 "$(policy 0 0) no_debug_objects" "" 1
	boot default kasan 2 "$(policy 0 0) $noleak" "${all_mods% }" 0
	boot a1f0 kasan 2 "$(policy 1 0)" "$api_mod" 0
	boot a0f1 kasan 2 "$(policy 0 1)" "$api_mod" 0
	boot a1f1 kasan 2 "$(policy 1 1)" "$api_mod" 0
	boot direct kasan 2 "$(policy 0 0) ga_goalloc=kmalloc_direct=1" "$api_mod $backing_mod $redirect_mod" 0
	boot kasan-a0f0 kasan 2 "$(policy 0 0)" "$kasan_mod" 0
	boot kasan-a1f1 kasan 2 "$(policy 1 1)" "$kasan_mod" 0
	boot torture kasan 4 "$(policy 0 0) $torture_cap $noleak" "$torture_mod" 0
	build kcsan
	boot kcsan kcsan 4 "$(policy 0 0) $torture_cap" "$kcsan_mods" 0
fi

# Results of other test runs to report with these (make check: make run).
for extra in ${GOALLOC_EXTRA_RESULTS:-}; do
	args+=(--extra "$(basename "$extra" .status)" "$extra")
done
python3 "$top/scripts/ktap.py" "${args[@]}"
