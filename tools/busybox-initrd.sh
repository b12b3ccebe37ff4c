#!/usr/bin/env bash
# busybox-initrd.sh OUT.cpio USERDIR [--linux] [FILE...] — the BusyBox userland's initrd: Debian's
# busybox-static (tools/busybox.sh, cached) as /bin/busybox with its applet links (symbolic
# links to /bin/busybox in /bin, /sbin, /usr/bin, /usr/sbin), /dev, /proc, /root, /tmp, the
# files of rootfs/ (/etc: passwd, group, profile, hostname, motd), the BusyBox ash suite in
# /tests/busybox, and our own programs from USERDIR in /bin: vmtest, privtest, fuzz, notelf,
# hello, bench, and our hand-written shell as /bin/minish (/bin/sh, echo and cat are BusyBox's),
# and each FILE in /bin (the Makefile adds vmview, built with the glibc C programs).
# With --linux the archive is one Linux boots (tools/linux-initramfs.sh adds /dev/console).
# The one layout both kernels boot, so the suite's outputs can be compared line by line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=$1 user=$2 mode=
shift 2
if [ "${1:-}" = --linux ]; then mode=--linux; shift; fi
bb=$("$here/busybox.sh")
args=(--busybox "$bb" --tree "$root/rootfs" / --tree "$root/tests/busybox" /tests/busybox)
for p in vmtest privtest fuzz notelf hello bench; do
    [ -f "$user/$p" ] && args+=("$user/$p")
done
args+=("$@" --as /bin/minish "$user/sh")
if [ "$mode" = --linux ]; then
    "$here/linux-initramfs.sh" "$out" "${args[@]}"
else
    "$here/mkinitrd.sh" "$out" "${args[@]}"
fi
