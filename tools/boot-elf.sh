#!/usr/bin/env bash
# boot-elf.sh PROGRAM [ARGS...] — boots the kernel with PROGRAM (any static i386 ELF, e.g. one
# built with `gcc -m32 -static -nostdlib` or `as --32` + `ld -m elf_i386`) as init, streams the
# serial console, and exits with the program's status: its exit code, or 128 + signal number
# when it was killed (like a shell). Needs build/kernel.elf (`make kernel`).
#   KERNEL=... SYMS=... override the kernel; TIMEOUT (s, default 120); QEMU_FLAGS extra flags;
#   CMDLINE extra kernel command-line words (default log=warn).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
prog=${1:?usage: boot-elf.sh PROGRAM [ARGS...]}; shift
kernel=${KERNEL:-$root/build/kernel.elf}
syms=${SYMS:-${kernel%.elf}.sym}
[ -f "$kernel" ] || { echo "boot-elf: $kernel missing: run 'make kernel' first" >&2; exit 2; }
[ -f "$syms" ] || "$here/mksyms.sh" "$kernel" "$syms"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/mkinitrd.sh" "$work/initrd.cpio" --as /init "$prog"
"$here/mkiso.sh" "$work/boot.iso" "$kernel" "$syms" 0 "${CMDLINE:-log=warn} init=/init -- $*" "$work/initrd.cpio" initrd
# shellcheck disable=SC2086
"$here/qemu.sh" "$work/boot.iso" "$work/serial.log" "${TIMEOUT:-120}" ${QEMU_FLAGS:-}
status=$?
if [ "$status" -eq 124 ]; then exit 124; fi
if [ $((status % 2)) -eq 0 ]; then
    echo "boot-elf: QEMU ended without the kernel powering off (status $status)" >&2
    exit 125
fi
code=$(( (status - 1) / 2 ))
if [ "$code" -ge 100 ]; then exit $((128 + code - 100)); fi
exit "$code"
