#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the KUnit initramfs (packed by scripts/kunit.sh).
# The kernel log goes to ttyS0; results go to ttyS1 as one KTAP document
# per suite between "GOALLOC-SUITE <name>" and "GOALLOC-SUITE-END" lines,
# then "GOALLOC-DONE". Environment from the kernel command line:
#   ga_modules  comma-separated test modules to load after goalloc
#   ga_params   1 to run the module-parameter checks (suite goalloc_params)
#   ga_goalloc  comma-separated parameters for goalloc.ko (after
#               trim_ms=0, which they may override)
# After each test module, the heap verifier's verdict goes to ttyS1
# between "GOALLOC-VERIFY <module>" and "GOALLOC-VERIFY-END"; a module
# that does not load or unload is reported as "GOALLOC-ERROR ...".

/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
exec 3>/dev/ttyS1
mod=/lib/goalloc

# A task blocked for the hung-task timeout (60 s in the test kernel) is
# reported within 10 s more, not only at the detector's next full period.
echo 10 >/proc/sys/kernel/hung_task_check_interval_secs

# kmemleak: forget what the kernel's own boot left unreferenced (ACPI's
# caches, for one) before goalloc is first loaded. It reports only objects
# older than 5 s, and only from the second scan on.
# A boot with kmemleak=off (the heavy ones: it costs them tenfold) has
# the file, but refuses every command: it says so instead of a scan.
kml=/sys/kernel/debug/kmemleak
if [ -w $kml ] && echo clear 2>/dev/null >$kml; then
	up=$(cut -d. -f1 /proc/uptime)
	[ "$up" -lt 7 ] && sleep $((7 - up))
	echo scan >$kml
	echo scan >$kml
	echo clear >$kml
else
	kml=
fi

# --- goalloc_params: bad parameters must fail insmod with -EINVAL -------
n=0
ktap=""
record() {	# name ok|fail diagnostic
	n=$((n + 1))
	if [ "$2" = ok ]; then
		ktap="$ktap    ok $n $1
"
	else
		ktap="$ktap    # $1: $3
    not ok $n $1
"
	fi
}

refused() {	# name expected-log-fragment module-args...
	name=$1 frag=$2
	shift 2
	dmesg -c >/dev/null
	got=$(/bin/modload $mod/goalloc.ko "$@")
	lines=$(dmesg | grep -c "goalloc: $frag.*-EINVAL")
	if [ -e /sys/module/goalloc ]; then
		rmmod goalloc
		record "$name" fail "loaded with $*"
	elif [ "$got" != "errno=22" ]; then
		record "$name" fail "load with $* gave '$got', want errno=22 (EINVAL)"
	elif [ "$lines" != 1 ]; then
		record "$name" fail "want one log line 'goalloc: $frag ... -EINVAL', got $lines"
	else
		record "$name" ok
	fi
}

# Fail each allocation of a module load in turn (/proc/self/fail-nth with
# failslab): every failure must refuse the load and leave nothing behind.
# Leaks show in the kmemleak scan at the end, splats in the console log.
unwind_test() {
	fs=/sys/kernel/debug/failslab
	if [ ! -d $fs ]; then
		record init_unwinds_every_failure fail "no $fs in this kernel"
		return
	fi
	echo 0 >$fs/verbose
	echo N >$fs/ignore-gfp-wait
	# Points the loader passes before goalloc's init (which refuses a zero
	# arena before allocating anything), and in a whole load. Failures
	# injected into the loader's own early vmallocs only exercise the
	# loader, and make it print allocation warnings; start just before
	# goalloc's init.
	before=$(/bin/modload --count-faults $mod/goalloc.ko arena_size=0 |
		 sed -n 's/^faults=//p')
	total=$(/bin/modload --count-faults $mod/goalloc.ko | sed -n 's/^faults=//p')
	rmmod goalloc
	dmesg -c >/dev/null
	start=$((${before:-11} > 10 ? ${before:-11} - 10 : 1))
	i=$start refused=0
	while [ "$i" -le "${total:-0}" ]; do
		/bin/modload --fail-nth $i $mod/goalloc.ko >/dev/null
		if [ -e /sys/module/goalloc ]; then
			rmmod goalloc
		else
			refused=$((refused + 1))
		fi
		i=$((i + 1))
	done
	echo Y >$fs/ignore-gfp-wait
	ours=$(dmesg | grep -c "goalloc: cannot set up")
	tried=$((${total:-0} - start + 1))
	if [ "$tried" -lt 1 ]; then
		record init_unwinds_every_failure fail \
			"could not count fault points (before=$before total=$total)"
	elif [ "$ours" -lt 1 ]; then
		record init_unwinds_every_failure fail \
			"$refused of $tried failed loads (points $start..$total), none inside goalloc's init"
	else
		ktap="$ktap    # note: $refused of $tried injected allocation failures refused the load, $ours in goalloc's init
"
		record init_unwinds_every_failure ok
	fi
}

# goalloc's own reports of the bad loads below are expected.
expect() { echo "goalloc-test: expect-$*" >/dev/kmsg; }

if [ "$ga_params" = 1 ]; then
	expect begin bad module parameters
	refused zero_arena "arena_size=0 " arena_size=0
	refused misaligned_arena "arena_size=5242880 " arena_size=5M
	refused absurd_arena "arena_size=1099511627776 " arena_size=1T
	refused cap_below_arena "max_heap=4194304 " arena_size=8M max_heap=4M
	refused misaligned_cap "max_heap=10485760 " max_heap=10M
	refused absurd_cap "max_heap=1125899906842624 " max_heap=1P
	refused misaligned_direct_cap "direct_max=5242880 " direct_max=5M
	refused absurd_direct_cap "direct_max=1125899906842624 " direct_max=1P
	unwind_test
	expect end
	if /bin/modload $mod/goalloc.ko arena_size=8M max_heap=64M &&
	   [ "$(cat /sys/module/goalloc/parameters/arena_size)" = 8388608 ] &&
	   rmmod goalloc && [ ! -e /sys/module/goalloc ]; then
		record load_unload_valid ok
	else
		record load_unload_valid fail "valid parameters did not load and unload"
	fi
	if /bin/modload $mod/goalloc.ko kmalloc_direct=1 direct_max=16M &&
	   [ "$(cat /sys/module/goalloc/parameters/kmalloc_direct)" = Y ] &&
	   [ "$(cat /sys/module/goalloc/parameters/direct_max)" = 16777216 ] &&
	   rmmod goalloc && [ ! -e /sys/module/goalloc ]; then
		record load_unload_kmalloc_direct ok
	else
		record load_unload_kmalloc_direct fail "kmalloc_direct=1 did not load and unload"
	fi
	echo "GOALLOC-SUITE goalloc_params" >&3
	printf 'KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: goalloc_params\n    1..%d\n%s' \
		"$n" "$ktap" >&3
	case "$ktap" in
	*"not ok"*) echo "not ok 1 goalloc_params" >&3 ;;
	*) echo "ok 1 goalloc_params" >&3 ;;
	esac
	echo "GOALLOC-SUITE-END" >&3
fi

# --- KUnit suites: run at module load; results stay in debugfs ----------
verify() {	# after-what
	echo "GOALLOC-VERIFY $1" >&3
	cat /sys/kernel/debug/goalloc/verify >&3 || echo "cannot read the verifier" >&3
	echo "GOALLOC-VERIFY-END" >&3
}

ga_modules=$(echo "$ga_modules" | tr , ' ')
if [ -n "$ga_modules" ]; then
	# The trim work off (trim_ms=0): a drain it starts would take spans
	# off the CPUs in the middle of a test that counts on them. The trim
	# tests and the torture turn it on themselves.
	# shellcheck disable=SC2046
	insmod $mod/goalloc.ko trim_ms=0 $(echo "$ga_goalloc" | tr , ' ') ||
		echo "GOALLOC-ERROR insmod goalloc failed" >&3
	verify load
	for m in $ga_modules; do
		insmod $mod/$m.ko || echo "GOALLOC-ERROR insmod $m failed" >&3
		verify "$m"
	done
	for d in /sys/kernel/debug/kunit/*; do
		[ -f "$d/results" ] || continue
		echo "GOALLOC-SUITE ${d##*/}" >&3
		cat "$d/results" >&3
		echo "GOALLOC-SUITE-END" >&3
	done
	for m in $ga_modules; do
		rmmod "$m" || echo "GOALLOC-ERROR rmmod $m failed" >&3
	done
	verify unload
	rmmod goalloc || echo "GOALLOC-ERROR rmmod goalloc failed" >&3
fi

# kmemleak ignores objects younger than 5 s, and the first scan only
# checksums an object: what two scans find unreferenced has leaked.
if [ -z "$kml" ]; then
	echo "GOALLOC-KMEMLEAK-OFF" >&3
else
	sleep 6
	echo scan >$kml
	echo scan >$kml
	echo "GOALLOC-KMEMLEAK" >&3
	cat $kml >&3
	echo "GOALLOC-KMEMLEAK-END" >&3
fi

# How full lockdep's tables got (on the console, for diagnosis).
[ -r /proc/lockdep_stats ] && grep -E "lock-classes|direct dependencies|dependency chains|chain lock|stack-trace entries" /proc/lockdep_stats

echo "GOALLOC-DONE" >&3
sync
reboot -f
