#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A real in-tree module on goalloc, moved with one line: minix, from
# Debian's linux-source-6.1 (the sources of the stock kernel), built
# against Debian's headers with
#   ccflags-y += -include include/goalloc_redirect.h
# and loaded over goalloc on Debian's stock kernel in QEMU, under a file
# workload (scripts/realmod-init.sh, scripts/realmod-work.sh) on a minix
# disk image. The control is the same workload on Debian's own minix.ko.
#
#   scripts/realmod.sh [FILES]    FILES per worker (default 1000)
#
# Pass: every verification of every byte in both runs, fsck.minix of each
# image clean afterwards, minix_ga.ko calling goalloc and not the slab
# allocator for its own caches, its cache and classes in use in goalloc's
# statistics during the run and nothing left after its rmmod, goalloc's
# error counters 0, and no kernel or goalloc report in either log.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
files=${1:-1000}
out=$top/.out/realmod
log() { echo "realmod: $*" >&2; }
die() { echo "realmod: FAILED: $*" >&2; exit 1; }

"$top/scripts/deps.sh"
{ read -r stock; read -r kver; } < <("$top/scripts/stock-kernel.sh")
kdir=/usr/src/linux-headers-$kver
kmod=$stock/lib/modules/$kver/kernel
tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1)
[ -n "$tarball" ] || die "no /usr/src/linux-source-6.1.tar.*"

rm -rf "$out"
mkdir -p "$out/goalloc" "$out/minix_ga" "$out/src" "$out/root"
log "building goalloc.ko against $kdir"
tar -C "$top" --exclude=./.out --exclude=./.git -cf - . | tar -C "$out/goalloc" -xf -
make -C "$kdir" M="$out/goalloc" modules >"$out/build-goalloc.log" 2>&1 ||
	{ cat "$out/build-goalloc.log" >&2; die "goalloc build"; }

log "building minix_ga.ko: fs/minix of $(basename "$tarball") with goalloc_redirect.h"
tar -C "$out/src" -xf "$tarball" --wildcards 'linux-source-6.1/fs/minix/*'
cp "$out"/src/linux-source-6.1/fs/minix/*.[ch] "$out/minix_ga/"
objs=$(sed -n 's/^minix-objs := //p' "$out/src/linux-source-6.1/fs/minix/Makefile")
[ -n "$objs" ] || die "no minix-objs in fs/minix/Makefile"
cat >"$out/minix_ga/Kbuild" <<KBUILD
# fs/minix, unchanged, moved onto goalloc by the one line below.
obj-m := minix_ga.o
minix_ga-y := $objs
ccflags-y += -include $out/goalloc/include/goalloc_redirect.h -I$out/goalloc/include
KBUILD
make -C "$kdir" M="$out/minix_ga" KBUILD_EXTRA_SYMBOLS="$out/goalloc/Module.symvers" \
	modules >"$out/build-minix_ga.log" 2>&1 ||
	{ cat "$out/build-minix_ga.log" >&2; die "minix_ga build"; }
# Its own caches and kmallocs are goalloc's: no slab cache is created.
undef=$(nm -u "$out/minix_ga/minix_ga.ko")
grep -qw goalloc_kmem_cache_create_any <<<"$undef" || die "minix_ga does not create goalloc caches"
! grep -qwE "kmem_cache_create|kmem_cache_create_usercopy|__kmalloc|kmalloc_trace" <<<"$undef" ||
	die "minix_ga still calls the slab allocator: $(grep -wE 'kmem_cache_create|__kmalloc|kmalloc_trace' <<<"$undef" | tr '\n' ' ')"
log "minix_ga.ko calls: $(grep -o 'goalloc_[a-z_]*' <<<"$undef" | sort -u | tr '\n' ' ')"

cp /bin/busybox "$out/root/busybox"
{
	cat <<LIST
dir /dev 755 0 0
nod /dev/console 600 0 0 c 5 1
nod /dev/ttyS0 600 0 0 c 4 64
nod /dev/ttyS1 600 0 0 c 4 65
dir /bin 755 0 0
dir /proc 755 0 0
dir /sys 755 0 0
dir /lib 755 0 0
dir /lib/realmod 755 0 0
file /bin/busybox $out/root/busybox 755 0 0
file /bin/realmod-work.sh $top/scripts/realmod-work.sh 755 0 0
file /init $top/scripts/realmod-init.sh 755 0 0
file /lib/realmod/goalloc.ko $out/goalloc/goalloc.ko 644 0 0
file /lib/realmod/minix_ga.ko $out/minix_ga/minix_ga.ko 644 0 0
file /lib/realmod/minix.ko $kmod/fs/minix/minix.ko 644 0 0
LIST
	for m in drivers/virtio/virtio_ring drivers/virtio/virtio \
		drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci_legacy_dev \
		drivers/virtio/virtio_pci drivers/block/virtio_blk; do
		echo "file /lib/realmod/$(basename $m).ko $kmod/$m.ko 644 0 0"
	done
} >"$out/initramfs.list"
python3 "$top/scripts/mkinitramfs.py" "$out/initramfs.list" "$out/initramfs.cpio.gz"

# One boot: MODE is control or goalloc.
run() {
	local mode=$1 img=$out/$1.img rc
	truncate -s 128M "$img"
	mkfs.minix -3 "$img" >"$out/mkfs-$mode.log" 2>&1 || die "mkfs.minix"
	log "booting Debian's $kver: $mode, $files files per worker on each of 2 CPUs"
	set +e
	timeout --foreground 1800 qemu-system-x86_64 -nodefaults -no-reboot -accel tcg \
		-smp 2 -m 1024 -display none -kernel "$stock/vmlinuz" \
		-initrd "$out/initramfs.cpio.gz" \
		-drive "file=$img,format=raw,if=virtio" \
		-append "console=ttyS0 ignore_loglevel oops=panic panic=-1 ga_realmod=$mode ga_files=$files" \
		-serial "file:$out/console-$mode.log" -serial "file:$out/$mode.log" \
		</dev/null >"$out/qemu-$mode.log" 2>&1
	rc=$?
	set -e
	tr -d '\r' <"$out/$mode.log" >"$out/$mode.txt"
	[ $rc -ne 124 ] || die "$mode: QEMU did not finish in 30 minutes"
	grep -q "^REALMOD-DONE" "$out/$mode.txt" || die "$mode: the run did not finish"
	! grep -E "^(REALMOD-FAIL|VERIFY-FAIL)" "$out/$mode.txt" >&2 || die "$mode: a step failed"
	[ "$(grep -c "^VERIFIED [12] [0-9]* 0$" "$out/$mode.txt")" = 10 ] ||
		die "$mode: not every verification passed"
	python3 "$top/scripts/ktap.py" --scan "$out/console-$mode.log" ||
		die "$mode: kernel or goalloc reports in $out/console-$mode.log"
	fsck.minix -f "$img" >"$out/fsck-$mode.log" 2>&1 ||
		{ cat "$out/fsck-$mode.log" >&2; die "$mode: fsck.minix of the image failed"; }
	ops=$(awk '/^(CREATED|VERIFIED|CHURNED) / { n += $3 } END { print n }' "$out/$mode.txt")
	cs=$(sed -n 's/^== workload done in \([0-9]*\) cs$/\1/p' "$out/$mode.txt")
	[ -n "$cs" ] && [ "$cs" -gt 0 ] || die "$mode: the workload's time is missing"
	log "$mode: $(grep -E '^VERIFIED' "$out/$mode.txt" | awk '{ n += $3 } END { print n }') file verifications, fsck.minix clean; $ops file operations in $cs cs"
	# make bench: the workload's rate (files created, verified and churned
	# per second of the whole workload), SLUB's minix against minix_ga.
	if [ -n "${GOALLOC_BENCH_CSV:-}" ]; then
		awk -v m="$mode" -v ops="$ops" -v cs="$cs" 'BEGIN {
			a = m == "goalloc" ? "goalloc" : "slub"
			printf "realworld,minix,%s,time,1,%.2f,s\n", a, cs / 100
			printf "realworld,minix,%s,time,1,%.1f,ops/s\n", a, ops * 100 / cs }' \
			>>"$GOALLOC_BENCH_CSV"
	fi
}

run control
run goalloc

# The statistics: minix_ga's inode cache and classes in use during the
# run, nothing after its rmmod, no errors.
t=$out/goalloc.txt
during=$(sed -n '/^== stats while minix_ga runs/,/^== /p' "$t")
after=$(sed -n '/^== stats after rmmod minix_ga/,/^== /p' "$t")
row=$(awk '$1 == "cache:minix_inode_cache"' <<<"$during")
[ -n "$row" ] || die "no minix_inode_cache row while minix_ga runs"
[ "$(awk '{ print $9 }' <<<"$row")" -gt 0 ] || die "minix_inode_cache holds no inode"
awk '$1 == "minix_inode_cache" && $2 == "direct" { ok = 1 } END { exit !ok }' <<<"$during" ||
	die "minix_inode_cache is not on the direct map"
log "while minix_ga runs:"
awk 'NF == 14 && ($1 ~ /^cache:/ || ($1 ~ /^[0-9]+$/ && $9 > 0)) || $1 == "class"' \
	<<<"$during" >&2
grep -E "^(frees_to_goalloc|frees_to_kernel|slab_account_dropped|kfree_rcu_queued) " \
	<<<"$during" >&2
! awk '$1 ~ /^cache:/' <<<"$after" | grep . >&2 || die "a cache is left after rmmod minix_ga"
! awk 'NF == 14 && $1 ~ /^[0-9]+$/ && $9 != 0' <<<"$after" | grep . >&2 ||
	die "objects left in goalloc after rmmod minix_ga"
for e in double_free invalid_free interior_free alloc_fail bad_cache nmi; do
	[ "$(awk -v e=$e '$1 == e { print $2 }' <<<"$after")" = 0 ] || die "error counter $e is not 0"
done
log "after rmmod minix_ga:"
grep -E "^(frees_to_goalloc|frees_to_kernel|slab_account_dropped|kfree_rcu_queued|kfree_rcu_freed) " \
	<<<"$after" >&2
log "ok: minix on goalloc and the control passed the same workload"
