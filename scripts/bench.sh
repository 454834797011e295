#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: goalloc against the kernel's allocator (SLUB) on Debian's
# stock 6.1 kernel in QEMU, one boot per clock and init_on_alloc policy:
#
#   boot        clock   CPUs  init_on_alloc  scenarios
#   time-a0     time    4     0              all, and the memory sets
#   time-a1     time    4     1              all, and the memory sets
#   icount-a0   icount  1     0              the single-CPU ones
#   icount-a1   icount  1     1              the single-CPU ones
#
# "time" is wall time under TCG; "icount" boots with -icount shift=0, where
# a guest nanosecond is one instruction (repeatable), but Debian 12's QEMU
# brings up only one CPU that way, so remote, parallel and larson run on
# the time clock only. Then the real-module workload (scripts/realmod.sh)
# on SLUB and on goalloc, timed, unless --no-realworld.
#
#   scripts/bench.sh                 the whole bench into build/bench/
#   scripts/bench.sh --quick         a short run (few sizes, few operations,
#                                    both clocks) into .out/bench-quick/:
#                                    make check's test that it works
#   scripts/bench.sh --only LABEL [--scenarios LIST]
#                                    one boot of the table below (and only
#                                    those scenarios), full length, into
#                                    .out/bench-only/: before/after numbers
#                                    while working on one scenario
#       [--size N]                   pair and batch at size N only
#       [--profile F1,F2,...]        then each scenario again once per
#                                    function, timed by the function_graph
#                                    tracer: calls, and instructions per
#                                    call (icount boots) net of the
#                                    tracer's own cost, into profile.txt
#
# Writes results.csv (scenario,size,allocator,clock,init_on_alloc,value,
# unit), summary.md and the plots (scripts/bench-report.py, gnuplot).
# Fails if a boot does not finish, the bench counts an error (an object not
# from the allocator measured, a failed allocation), or the kernel log has
# a report.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
quick=0 realworld=1 only= scenarios= size=0 prof=
usage() {
	echo "usage: $0 [--quick] [--no-realworld]" \
	     "[--only LABEL [--scenarios LIST] [--size N] [--profile FUNCTIONS]]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 realworld=0 ;;
	--no-realworld) realworld=0 ;;
	--only) [ $# -ge 2 ] || usage; only=$2 realworld=0; shift ;;
	--scenarios) [ $# -ge 2 ] || usage; scenarios=$2; shift ;;
	--size) [ $# -ge 2 ] || usage; size=$2; shift ;;
	--profile) [ $# -ge 2 ] || usage; prof=$2; shift ;;
	*) usage ;;
	esac
	shift
done
[ -z "$scenarios" ] || [ -n "$only" ] || usage
[ "$size" = 0 ] && [ -z "$prof" ] || [ -n "$only" ] || usage
case $size in *[!0-9]* | '') usage ;; esac
case $prof in *[!A-Za-z0-9_.,]*) usage ;; esac
log() { echo "bench: $*" >&2; }
die() { echo "bench: FAILED: $*" >&2; exit 1; }

if [ $quick = 1 ]; then
	dest=$top/.out/bench-quick
elif [ -n "$only" ]; then
	dest=$top/.out/bench-only
else
	dest=$top/build/bench
fi
work=$top/.out/bench-work
"$top/scripts/deps.sh"
kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$kdir" ] || die "no Debian linux-headers-*-amd64 installed"
kver=${kdir##*/linux-headers-}
stock=$("$top/scripts/stock-kernel.sh" | sed -n 1p)

log "building goalloc.ko and goalloc_bench.ko against $kdir"
rm -rf "$work" "$dest"
mkdir -p "$work/src" "$work/root" "$dest"
tar -C "$top" --exclude=./.out --exclude=./.git --exclude=./build -cf - . | tar -C "$work/src" -xf -
make -C "$kdir" M="$work/src" modules >"$work/build.log" 2>&1 ||
	{ cat "$work/build.log" >&2; die "build"; }

cp /bin/busybox "$work/root/busybox"
cat >"$work/initramfs.list" <<LIST
dir /dev 755 0 0
nod /dev/console 600 0 0 c 5 1
nod /dev/ttyS0 600 0 0 c 4 64
nod /dev/ttyS1 600 0 0 c 4 65
dir /bin 755 0 0
dir /proc 755 0 0
dir /sys 755 0 0
dir /lib 755 0 0
dir /lib/goalloc 755 0 0
file /bin/busybox $work/root/busybox 755 0 0
file /init $top/scripts/bench-init.sh 755 0 0
file /lib/goalloc/goalloc.ko $work/src/goalloc.ko 644 0 0
file /lib/goalloc/goalloc_bench.ko $work/src/bench/goalloc_bench.ko 644 0 0
LIST
python3 "$top/scripts/mkinitramfs.py" "$work/initramfs.list" "$work/initramfs.cpio.gz"

all=memory,pair,pair_const,batch,cache_pair,cache_batch,cache_bulk,remote,parallel,larson
single=pair,pair_const,batch,cache_pair,cache_batch,cache_bulk
if [ $quick = 1 ]; then
	boots=("time-a0 time 2 0 $all" "icount-a0 icount 1 0 pair,batch")
	params="gb_quick=1 gb_ops=2000 gb_repeats=3"
	limit=900
else
	boots=("time-a0 time 4 0 $all" "time-a1 time 4 1 $all"
	       "icount-a0 icount 1 0 $single" "icount-a1 icount 1 1 $single")
	params="gb_quick=0 gb_ops=100000 gb_repeats=5 gb_size=$size${prof:+ gb_prof=$prof}"
	limit=5400
fi
if [ -n "$only" ]; then
	sel=()
	for b in "${boots[@]}"; do
		read -r label clock cpus ioa scen <<<"$b"
		[ "$label" = "$only" ] && sel+=("$label $clock $cpus $ioa ${scenarios:-$scen}")
	done
	[ ${#sel[@]} = 1 ] || die "no boot $only"
	boots=("${sel[@]}")
fi

echo "scenario,size,allocator,clock,init_on_alloc,value,unit" >"$dest/results.csv"
for b in "${boots[@]}"; do
	read -r label clock cpus ioa scen <<<"$b"
	qemu=(qemu-system-x86_64 -nodefaults -no-reboot -display none -accel tcg
	      -smp "$cpus" -m 2048 -kernel "$stock/vmlinuz" -initrd "$work/initramfs.cpio.gz")
	[ "$clock" = icount ] && qemu+=(-icount shift=0,sleep=off)
	log "booting Debian's $kver: $label ($clock clock, $cpus CPUs, init_on_alloc=$ioa)"
	start=$(date +%s)
	set +e
	timeout --foreground $limit "${qemu[@]}" \
		-append "console=ttyS0 ignore_loglevel oops=panic panic=-1 init_on_alloc=$ioa init_on_free=0 gb_scen=$scen $params" \
		-serial "file:$work/console-$label.log" -serial "file:$work/results-$label.log" \
		</dev/null >"$work/qemu-$label.log" 2>&1
	rc=$?
	set -e
	tr -d '\r' <"$work/results-$label.log" >"$work/results-$label.txt"
	cp "$work/console-$label.log" "$dest/console-$label.log"
	[ $rc -ne 124 ] || die "QEMU ($label) did not finish within $limit s"
	grep -q "^BENCH-DONE" "$work/results-$label.txt" || die "$label did not finish (log: $dest/console-$label.log)"
	! grep "^BENCH-FAIL\|^error," "$work/results-$label.txt" >&2 || die "$label: the bench failed"
	python3 "$top/scripts/ktap.py" --scan "$work/console-$label.log" ||
		die "kernel or goalloc reports in $dest/console-$label.log"
	awk -F, -v c="$clock" -v a="$ioa" 'NF == 5 && $1 !~ /^(skip|error)$/ {
		print $1 "," $2 "," $3 "," c "," a "," $4 "," $5 }' \
		"$work/results-$label.txt" >>"$dest/results.csv"
	log "$label: $(grep -c . "$work/results-$label.txt") lines in $(($(date +%s) - start)) s"
done

if [ $realworld = 1 ]; then
	log "realworld: the minix workload on SLUB and on goalloc (scripts/realmod.sh)"
	GOALLOC_BENCH_CSV="$dest/results.csv" "$top/scripts/realmod.sh" 1000 >"$work/realmod.log" 2>&1 ||
		{ tail -n 30 "$work/realmod.log" >&2; die "realmod"; }
fi

if [ -n "$prof" ]; then
	# PROFILE scenario function calls average -> net of the nop's average.
	awk '$1 == "PROFILE" && $2 == "nop" { nop = $5 }
	     $1 == "PROFILE" && $2 != "nop" { r[++n] = $0 }
	     END {
		printf "%-12s %-32s %10s %10s %10s\n", "scenario", "function", "calls", "per call", "net"
		printf "%-12s %-32s %10s %10s %10s\n", "nop", "(the tracer)", "", nop, ""
		for (i = 1; i <= n; i++) {
			split(r[i], f, " ")
			printf "%-12s %-32s %10s %10s %10s\n", f[2], f[3], f[4], f[5],
			       f[5] == "" ? "" : f[5] - nop
		}
	     }' "$work/results-$only.txt" >"$dest/profile.txt"
	cat "$dest/profile.txt"
fi
if [ -n "$only" ]; then
	log "results: $dest/results.csv${prof:+ and $dest/profile.txt}"
	exit 0
fi
python3 "$top/scripts/bench-report.py" "$dest"
log "results: $dest/results.csv, $dest/summary.md and the plots in $dest"
