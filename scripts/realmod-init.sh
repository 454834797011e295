#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the real-module run (packed by scripts/realmod.sh) on Debian's
# stock kernel: the minix file system on /dev/vda, loaded as Debian's own
# minix.ko (ga_realmod=control) or as minix_ga.ko, the same sources built
# with goalloc_redirect.h, over goalloc (ga_realmod=goalloc). Two workers
# (scripts/realmod-work.sh) on two CPUs create, verify, rename, delete,
# across drop_caches and a remount. The kernel log goes to ttyS0, this
# script's output to ttyS1, ending with "REALMOD-DONE".

/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /tmp /mnt
mod=/lib/realmod
stats=/sys/kernel/debug/goalloc/stats
files=${ga_files:-1000}

exec 3>/dev/ttyS1
step() { echo "== $*" >&3; }
fail() { echo "REALMOD-FAIL $*" >&3; }
both() {
	taskset -c 0 sh /bin/realmod-work.sh 1 "$files" /mnt "$1" >&3 2>&1 &
	taskset -c 1 sh /bin/realmod-work.sh 2 "$files" /mnt "$1" >&3 2>&1 &
	wait
}

step "$(uname -sr), $(nproc) CPUs, mode $ga_realmod, $files files per worker"
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk; do
	insmod $mod/$m.ko || fail "insmod $m"
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] || fail "no /dev/vda"

if [ "$ga_realmod" = goalloc ]; then
	insmod $mod/goalloc.ko || fail "insmod goalloc"
	insmod $mod/minix_ga.ko || fail "insmod minix_ga"
	fsmod=minix_ga
else
	insmod $mod/minix.ko || fail "insmod minix"
	fsmod=minix
fi
mount -t minix /dev/vda /mnt || fail "mount"

# The workload's time, for make bench: uptime in hundredths of a second.
uptime_cs() { awk '{ split($1, t, "."); print t[1] * 100 + t[2] }' /proc/uptime; }
t0=$(uptime_cs)
step "create"
both create
step "verify"
both verify
if [ "$ga_realmod" = goalloc ]; then
	step "stats while minix_ga runs"
	cat $stats >&3
fi
step "churn: delete every fifth file, rename every third"
both churn
both verify
step "drop_caches"
sync
echo 3 >/proc/sys/vm/drop_caches
both verify
step "unmount, mount again"
umount /mnt || fail "umount"
mount -t minix /dev/vda /mnt || fail "mount again"
both verify
step "prune: remove four directories of each worker"
both prune
both verify
step "workload done in $(($(uptime_cs) - t0)) cs"
step "unmount, rmmod $fsmod"
umount /mnt || fail "umount at the end"
sync
rmmod $fsmod || fail "rmmod $fsmod"
if [ "$ga_realmod" = goalloc ]; then
	step "stats after rmmod minix_ga"
	cat $stats >&3
	rmmod goalloc || fail "rmmod goalloc"
fi
step "kernel log lines of goalloc and minix"
dmesg | grep -E "goalloc|minix" >&3
echo "REALMOD-DONE" >&3
sync
reboot -f
