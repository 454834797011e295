#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the `make run` initramfs (packed by scripts/run.sh) on Debian's
# stock kernel. The kernel log goes to ttyS0; the demo's own output to
# ttyS1, ending with "GOALLOC-DONE". With ga_shell=1 on the kernel command
# line it loads the modules and gives a shell on the console instead.

/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mod=/lib/goalloc
stats=/sys/kernel/debug/goalloc/stats

if [ "$ga_shell" = 1 ]; then
	insmod $mod/goalloc.ko && insmod $mod/goalloc_sample.ko
	echo "goalloc and goalloc_sample are loaded; stats: cat $stats"
	echo "modules are in $mod; 'reboot -f' leaves QEMU"
	exec setsid cttyhack sh
fi

exec 3>/dev/ttyS1
step() { echo "== $*" >&3; }
fail() { echo "GOALLOC-FAIL $*" >&3; }

step "$(uname -sr): insmod goalloc.ko"
insmod $mod/goalloc.ko || fail "insmod goalloc"
step "insmod goalloc_sample.ko"
insmod $mod/goalloc_sample.ko || fail "insmod goalloc_sample"
step "$stats while the sample holds its objects"
cat $stats >&3 || fail "cannot read $stats"
step "rmmod goalloc_sample"
rmmod goalloc_sample || fail "rmmod goalloc_sample"
step "$stats after the sample is gone"
cat $stats >&3 || fail "cannot read $stats"
step "rmmod goalloc"
rmmod goalloc || fail "rmmod goalloc"
[ -e /sys/module/goalloc ] && fail "goalloc still loaded"
step "kernel log lines of goalloc and the sample"
dmesg | grep -E "goalloc" >&3
echo "GOALLOC-DONE" >&3
sync
reboot -f
