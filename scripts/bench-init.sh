#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the `make bench` initramfs (packed by scripts/bench.sh) on
# Debian's stock kernel. Loads goalloc and goalloc_bench, runs the
# scenarios named on the kernel command line (gb_scen=a,b,...; "memory" is
# the live-set measurement, which reads the backing from /proc/meminfo and
# goalloc's statistics), and writes the result lines to ttyS1, ending with
# "BENCH-DONE". The kernel log goes to ttyS0.

/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mod=/lib/goalloc
stats=/sys/kernel/debug/goalloc/stats
run=/sys/kernel/debug/goalloc_bench/run

exec 3>/dev/ttyS1
fail() { echo "BENCH-FAIL $*" >&3; }
row() { echo "$*" >&3; }

# Unreclaimable slab bytes, every CPU's counts folded in first.
sunreclaim() {
	echo 1 >/proc/sys/vm/stat_refresh
	awk '$1 == "SUnreclaim:" { print $2 * 1024 }' /proc/meminfo
}

# A value of the vmalloc heap's section of goalloc's statistics.
heap() {
	awk -v k="$1" '$1 == "heap" && NF == 1 { h = 1; next }
		       h && $1 == k { print $2; exit }' $stats
}

memory() {	# SET
	for by in slub goalloc; do
		# Both allocators' caches given back first (mem_free cools them).
		echo mem_free >$run
		s0=$(sunreclaim) p0=$(heap pages_inuse)
		echo "mem_alloc $1 $by" >$run || { fail "mem_alloc $1 $by"; continue; }
		s1=$(sunreclaim) p1=$(heap pages_inuse) m1=$(heap mapped_bytes)
		echo mem_free >$run
		meta=$((s1 - s0))
		if [ $by = slub ]; then
			row "memory,$1,slub,$meta,backing_bytes"
		else
			spans=$(((p1 - p0) * 8192))
			row "memory,$1,goalloc,$((spans + meta)),backing_bytes"
			row "memory,$1,goalloc,$spans,span_bytes"
			row "memory,$1,goalloc,$meta,metadata_bytes"
			row "memory,$1,goalloc,$m1,mapped_bytes"
		fi
	done
}

# gb_prof=f1,f2,...: after the scenarios, run each again once per function
# with the function_graph tracer timing only that function, and write
# "PROFILE scenario function calls average" lines (average: ns per call,
# instructions on the icount clock, the tracer's own cost included; the
# "nop" scenario's bench_nop_call measures that cost).
T=/sys/kernel/tracing
profile() {
	mount -t tracefs tracefs $T 2>/dev/null
	echo 65536 >$T/buffer_size_kb
	for s in nop $(echo "${gb_scen:-}" | tr , ' '); do
		[ $s = memory ] && continue
		fns=$(echo "$gb_prof" | tr , ' ')
		[ $s = nop ] && fns=bench_nop_call
		for f in $fns; do
			echo nop >$T/current_tracer
			echo >$T/trace
			echo "$f" >$T/set_ftrace_filter 2>/dev/null ||
				{ row "PROFILE $s $f untraceable"; continue; }
			echo "$f" >$T/set_graph_function
			echo 1 >$T/max_graph_depth
			echo function_graph >$T/current_tracer
			echo 1 >$T/tracing_on
			echo "$s" >$run || fail "scenario $s (profiling $f)"
			echo 0 >$T/tracing_on
			awk -v s="$s" -v f="$f" '/ us +\|/ {
				for (i = 2; i <= NF; i++) if ($i == "us") { t += $(i - 1); n++ } }
				END { printf "PROFILE %s %s %d %.0f\n", s, f, n, n ? t * 1000 / n : 0 }' \
				$T/trace >&3
			awk '$1 == "overrun:" && $2 > 0 { print "PROFILE overrun " $2 }' \
				$T/per_cpu/cpu0/stats >&3
		done
	done
	echo nop >$T/current_tracer
}

insmod $mod/goalloc.ko || fail "insmod goalloc"
insmod $mod/goalloc_bench.ko quick="${gb_quick:-0}" ops="${gb_ops:-100000}" \
	repeats="${gb_repeats:-5}" size="${gb_size:-0}" || fail "insmod goalloc_bench"
row "memory,initial,goalloc,$(heap mapped_bytes),mapped_bytes"

for s in $(echo "${gb_scen:-}" | tr , ' '); do
	echo "== $s" >/dev/console
	case $s in
	memory)
		memory uniform
		memory pow2plus
		;;
	*)
		echo "$s" >$run || fail "scenario $s"
		;;
	esac
done

# The arena once everything is freed: at once, 3 s later, and after 3 s
# of other allocations churning.
row "memory,after_all,goalloc,$(heap mapped_bytes),mapped_bytes"
sleep 3
row "memory,after_all_3s,goalloc,$(heap mapped_bytes),mapped_bytes"
echo churn_start >$run
sleep 3
row "memory,after_all_churn_3s,goalloc,$(heap mapped_bytes),mapped_bytes"
echo churn_stop >$run
row "memory,after_all,goalloc,$(heap pages_inuse),pages_inuse"

cat /sys/kernel/debug/goalloc_bench/results >&3
[ -z "${gb_prof:-}" ] || profile
[ "$(cat /sys/kernel/debug/goalloc_bench/errors)" = 0 ] || fail "the bench counted errors"
cat $stats >/dev/console
rmmod goalloc_bench || fail "rmmod goalloc_bench"
rmmod goalloc || fail "rmmod goalloc"
echo "BENCH-DONE" >&3
sync
reboot -f
