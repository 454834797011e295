#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write a gzip'd newc cpio archive (an initramfs) from a file list.

The list has the format of the kernel's usr/gen_init_cpio, one entry a line:

    dir  <path> <mode> <uid> <gid>
    nod  <path> <mode> <uid> <gid> c|b <major> <minor>
    file <path> <source> <mode> <uid> <gid>

Device nodes need no root: they are only headers in the archive.

Usage: mkinitramfs.py LIST OUTPUT.cpio.gz
"""

import gzip
import stat
import sys


def header(ino, mode, uid, gid, nlink, size, rmajor, rminor, name):
    fields = [ino, mode, uid, gid, nlink, 0, size, 0, 0, rmajor, rminor, len(name) + 1, 0]
    return b"070701" + b"".join(b"%08X" % f for f in fields)


def pad(n):
    return b"\0" * ((4 - n % 4) % 4)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    out = bytearray()
    ino = 1
    with open(sys.argv[1]) as f:
        for lineno, line in enumerate(f, 1):
            w = line.split()
            if not w or w[0].startswith("#"):
                continue
            kind, path = w[0], w[1].lstrip("/").encode()
            data, rmajor, rminor = b"", 0, 0
            if kind == "dir":
                mode = stat.S_IFDIR | int(w[2], 8)
                uid, gid = int(w[3]), int(w[4])
            elif kind == "nod":
                mode = (stat.S_IFCHR if w[5] == "c" else stat.S_IFBLK) | int(w[2], 8)
                uid, gid, rmajor, rminor = int(w[3]), int(w[4]), int(w[6]), int(w[7])
            elif kind == "file":
                with open(w[2], "rb") as src:
                    data = src.read()
                mode = stat.S_IFREG | int(w[3], 8)
                uid, gid = int(w[4]), int(w[5])
            else:
                sys.exit("%s:%d: unknown entry %r" % (sys.argv[1], lineno, kind))
            hdr = header(ino, mode, uid, gid, 2 if kind == "dir" else 1, len(data),
                         rmajor, rminor, path)
            out += hdr + path + b"\0"
            out += pad(len(hdr) + len(path) + 1)
            out += data + pad(len(data))
            ino += 1
    name = b"TRAILER!!!"
    hdr = header(0, 0, 0, 0, 1, 0, 0, 0, name)
    out += hdr + name + b"\0" + pad(len(hdr) + len(name) + 1)
    out += b"\0" * ((512 - len(out) % 512) % 512)
    with gzip.open(sys.argv[2], "wb", compresslevel=1) as f:
        f.write(out)


if __name__ == "__main__":
    main()
