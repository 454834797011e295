#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test goalloc has, from a fresh Debian 12 machine.
#   1. install missing Debian packages (scripts/deps.sh)
#   2. the committed size-class header equals a fresh generation
#   3. goalloc.ko builds against Debian's 6.1 headers with W=1, no warnings
#   4. checkpatch --strict is clean on every C file and header
#   5. `make run` on Debian's stock kernel (scripts/run.sh)
#   6. `make realmod`: minix moved onto goalloc under a file workload on
#      the stock kernel, against Debian's own minix.ko (scripts/realmod.sh)
#   7. `make bench` in short (scripts/bench.sh --quick): that the bench
#      runs and reports on both clocks; no timing is asserted
#   8. the KUnit suites in QEMU under KASAN and lockdep (scripts/kunit.sh);
#      the summary counts steps 5 to 7 too and ends with "N passed, N failed"
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
step() { echo "== $*" >&2; }
die() { echo "check: $*" >&2; exit 1; }

step "dependencies"
scripts/deps.sh

step "size classes: include/goalloc_sizeclasses.h against scripts/mksizeclasses.py"
python3 scripts/mksizeclasses.py | diff -u include/goalloc_sizeclasses.h - >&2 ||
	die "include/goalloc_sizeclasses.h differs from a fresh generation"

kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$kdir" ] || die "no Debian linux-headers-*-amd64 installed"
step "build against $kdir with W=1"
out=$top/.out/debian
rm -rf "$out"
mkdir -p "$out"
tar --exclude=./.out --exclude=./.git -cf - . | tar -C "$out" -xf -
make -C "$kdir" M="$out" W=1 modules >"$out.log" 2>&1 || { cat "$out.log" >&2; die "build failed"; }
if grep -E "warning:|error:" "$out.log" >&2; then
	die "the W=1 build has warnings"
fi

step "checkpatch --strict"
src=$(scripts/testkernel.sh)/source
files=$(git ls-files '*.c' '*.h' | grep -v '^include/goalloc_sizeclasses.h$' || true)
[ -n "$files" ] || files=$(find . -path ./.out -prune -o \( -name '*.c' -o -name '*.h' \) -print |
	grep -v 'goalloc_sizeclasses.h\|\.mod\.c$')
bad=0
for f in $files; do
	ignore=FILE_PATH_CHANGES
	# The one place version checks belong in an out-of-tree module.
	[ "${f#./}" = include/goalloc_compat.h ] && ignore=$ignore,LINUX_VERSION_CODE,CONSTANT_COMPARISON
	perl "$src/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
		--ignore "$ignore" -f "$f" >&2 || bad=1
done
[ $bad = 0 ] || die "checkpatch found problems"

step "make run on Debian's stock kernel"
status=$top/.out/stock_kernel_make_run.status
mkdir -p "$top/.out"
if scripts/run.sh >"$top/.out/make-run.log" 2>&1; then
	echo pass >"$status"
	tail -n 1 "$top/.out/make-run.log" >&2
else
	{ echo fail; tail -n 40 "$top/.out/make-run.log"; } >"$status"
	echo "check: make run failed; see .out/make-run.log" >&2
fi

step "a real module on goalloc: minix with goalloc_redirect.h"
rstatus=$top/.out/real_module_minix_on_goalloc.status
if scripts/realmod.sh >"$top/.out/realmod.log" 2>&1; then
	echo pass >"$rstatus"
	sed -n '/^realmod: control:/,$p' "$top/.out/realmod.log" >&2
else
	{ echo fail; tail -n 60 "$top/.out/realmod.log"; } >"$rstatus"
	echo "check: the real module run failed; see .out/realmod.log" >&2
fi

step "the bench, short: goalloc against SLUB on both clocks"
bstatus=$top/.out/bench_runs_and_reports.status
if scripts/bench.sh --quick >"$top/.out/bench-quick.log" 2>&1 &&
   python3 scripts/bench-report.py --check .out/bench-quick >>"$top/.out/bench-quick.log" 2>&1; then
	echo pass >"$bstatus"
	grep "^bench: " "$top/.out/bench-quick.log" >&2
else
	{ echo fail; tail -n 40 "$top/.out/bench-quick.log"; } >"$bstatus"
	echo "check: the short bench failed; see .out/bench-quick.log" >&2
fi

step "KUnit in QEMU"
GOALLOC_EXTRA_RESULTS="$status $rstatus $bstatus" scripts/kunit.sh
