#!/usr/bin/env bash
# linux-initramfs.sh OUT.cpio [--as PATH] FILE... — an initramfs for booting a Linux kernel:
# a cpio "newc" archive holding each FILE as /bin/NAME (or at PATH after `--as PATH`, e.g.
# `--as /init`), the directories /dev, /proc, /tmp, the device node /dev/console
# (character 5:1), which Linux opens as init's stdin/stdout/stderr, /dev/tty (5:0) and
# /dev/ttyS0 (4:64) for the terminal tests, and /dev/null, zero, full, random, urandom. The
# node is written
# straight into the archive (a second cpio member appended to the first, which Linux
# accepts), so building needs no mknod and no root.
set -euo pipefail
out=$1; shift
tools=$(cd "$(dirname "$0")" && pwd)
"$tools/mkinitrd.sh" "$out.files" "$@"

# One newc member: NAME MODE(octal) RDEVMAJOR RDEVMINOR, no data.
newc() {
    local name=$1 mode=$2 maj=$3 min=$4 ino=$5
    local namesize=$(( ${#name} + 1 ))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$ino" "$((8#$mode))" 0 0 1 0 0 0 0 "$maj" "$min" "$namesize" 0
    printf '%s\0' "$name"
    # header (110 bytes) + name, padded to a multiple of 4
    local pad=$(( (4 - (110 + namesize) % 4) % 4 ))
    head -c "$pad" /dev/zero
}
{
    cat "$out.files"
    newc dev 040755 0 0 900001
    newc dev/console 020600 5 1 900002
    newc dev/tty 020666 5 0 900005
    newc dev/ttyS0 020660 4 64 900006
    newc dev/null 020666 1 3 900007
    newc dev/zero 020666 1 5 900008
    newc dev/full 020666 1 7 900009
    newc dev/random 020666 1 8 900010
    newc dev/urandom 020666 1 9 900011
    newc proc 040555 0 0 900003
    newc tmp 041777 0 0 900004
    newc TRAILER!!! 0 0 0 0
} > "$out"
rm -f "$out.files"
