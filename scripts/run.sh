#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make run`: goalloc on Debian's stock 6.1 kernel, in QEMU.
#   scripts/run.sh          the demo: load goalloc and its sample module,
#                           print the stats with the sample's objects and
#                           after it is gone, unload; fail on any error,
#                           leak, kernel warning or report of goalloc's
#   scripts/run.sh --shell  the same system, to a shell on the console
#
# Builds goalloc.ko and samples/goalloc_sample.ko against Debian's
# linux-headers for the newest installed 6.1 ABI, fetches the matching
# linux-image package's kernel (scripts/stock-kernel.sh), and boots it
# with a busybox initramfs (scripts/run-init.sh as /init).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
shell=0
[ "${1:-}" = --shell ] && shell=1
out=$top/.out/run
log() { echo "run: $*" >&2; }
die() { echo "run: FAILED: $*" >&2; exit 1; }

"$top/scripts/deps.sh"
kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$kdir" ] || die "no Debian linux-headers-*-amd64 installed"
kver=${kdir##*/linux-headers-}

# The stock kernel image matching the headers.
stock=$("$top/scripts/stock-kernel.sh" | sed -n 1p)
img=$stock/vmlinuz

log "building goalloc.ko and goalloc_sample.ko against $kdir"
rm -rf "$out"
mkdir -p "$out/src" "$out/root"
tar -C "$top" --exclude=./.out --exclude=./.git -cf - . | tar -C "$out/src" -xf -
make -C "$kdir" M="$out/src" modules >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; die "build"; }

cp /bin/busybox "$out/root/busybox"
cat >"$out/initramfs.list" <<LIST
dir /dev 755 0 0
nod /dev/console 600 0 0 c 5 1
nod /dev/ttyS0 600 0 0 c 4 64
nod /dev/ttyS1 600 0 0 c 4 65
dir /bin 755 0 0
dir /proc 755 0 0
dir /sys 755 0 0
dir /lib 755 0 0
dir /lib/goalloc 755 0 0
file /bin/busybox $out/root/busybox 755 0 0
file /init $top/scripts/run-init.sh 755 0 0
file /lib/goalloc/goalloc.ko $out/src/goalloc.ko 644 0 0
file /lib/goalloc/goalloc_sample.ko $out/src/samples/goalloc_sample.ko 644 0 0
LIST
python3 "$top/scripts/mkinitramfs.py" "$out/initramfs.list" "$out/initramfs.cpio.gz"

qemu=(qemu-system-x86_64 -nodefaults -no-reboot -accel tcg -smp 2 -m 1024
      -kernel "$img" -initrd "$out/initramfs.cpio.gz")
if [ $shell = 1 ]; then
	log "booting Debian's $kver to a shell (leave with 'reboot -f', or Ctrl-A X)"
	exec "${qemu[@]}" -nographic -serial mon:stdio \
		-append "console=ttyS0 loglevel=4 panic=-1 ga_shell=1"
fi

log "booting Debian's $kver in QEMU"
set +e
# Every kernel message reaches the console log, warnings included.
timeout --foreground 600 "${qemu[@]}" -display none \
	-append "console=ttyS0 ignore_loglevel oops=panic panic=-1" \
	-serial "file:$out/console.log" -serial "file:$out/demo.log" \
	</dev/null >"$out/qemu.log" 2>&1
rc=$?
set -e
tr -d '\r' <"$out/demo.log" >"$out/demo.txt"
cat "$out/demo.txt"
[ $rc -ne 124 ] || die "QEMU did not finish within 600 s (log: $out/console.log)"
grep -q "^GOALLOC-DONE" "$out/demo.txt" || die "the demo did not finish (log: $out/console.log)"
! grep "^GOALLOC-FAIL" "$out/demo.txt" >&2 || die "a step failed"
# Any kernel report, and any report of goalloc's (a refused call, a
# failed allocation, objects or caches left behind), fails the demo.
python3 "$top/scripts/ktap.py" --scan "$out/console.log" ||
	die "kernel or goalloc reports in $out/console.log"
grep -q "goalloc_sample: freed [0-9]* records, all intact" "$out/demo.txt" ||
	die "the sample did not free its records intact"
! grep "still allocated\|never destroyed\|destroyed with" "$out/demo.txt" >&2 ||
	die "goalloc reported leaked objects"
# After the sample is gone, no class or cache may hold an object; the tiny
# class may hold only the blocks CPUs still pack into.
awk '/after the sample is gone/ { t = 1; next }
     t && $1 == "rmmod" { exit }
     t && $1 == "tiny" && NF == 14 { tinyblocks = $9; next }
     t && $1 == "blocks_cached" { cached = $2 }
     t && $1 == "objects_inuse" && $2 != 0 { print "tiny objects in use:", $2; bad = 1 }
     t && $1 ~ /^[0-9]+$/ && NF == 14 && $9 != 0 { print "in use:", $0; bad = 1 }
     t && $1 ~ /^cache:/ { print "cache left:", $0; bad = 1 }
     END { if (tinyblocks > cached) { print "tiny blocks in use:", tinyblocks; bad = 1 }
	   exit bad }' "$out/demo.txt" >&2 || die "objects left in goalloc"
log "ok: no leaks, no kernel warnings"
