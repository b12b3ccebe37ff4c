#!/usr/bin/env bash
# boot-elf.sh PROGRAM [ARGS...] — boots the kernel with PROGRAM (any static i386 ELF, e.g. one
# built with `gcc -m32 -static -nostdlib` or `as --32` + `ld -m elf_i386`) as init, streams the
# serial console, and exits with the program's status: its exit code (0-255, read from the
# kernel's last console line, since QEMU's exit device carries 7 bits only), or 128 + signal
# number when it was killed (like a shell). Fails loudly (status 2, or 124 on a timeout, 125
# when the kernel panicked or QEMU ended without a verdict) with a message on stderr.
# Needs build/kernel.elf (`make kernel`).
#   KERNEL=... SYMS=... override the kernel; TIMEOUT (s, default 120); QEMU_FLAGS extra flags;
#   CMDLINE extra kernel command-line words (default log=warn).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
prog=${1:?usage: boot-elf.sh PROGRAM [ARGS...]}; shift
[ -f "$prog" ] || { echo "boot-elf: $prog: no such file" >&2; exit 2; }
[ -r "$prog" ] || { echo "boot-elf: $prog: not readable" >&2; exit 2; }
command -v qemu-system-i386 >/dev/null || { echo "boot-elf: qemu-system-i386 not found (run tools/setup.sh)" >&2; exit 2; }
kernel=${KERNEL:-$root/build/kernel.elf}
syms=${SYMS:-${kernel%.elf}.sym}
[ -f "$kernel" ] || { echo "boot-elf: $kernel missing: run 'make kernel' first" >&2; exit 2; }
[ -f "$syms" ] || "$here/mksyms.sh" "$kernel" "$syms"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/mkinitrd.sh" "$work/initrd.cpio" --as /init "$prog" || { echo "boot-elf: could not build the initrd" >&2; exit 2; }
"$here/mkiso.sh" "$work/boot.iso" "$kernel" "$syms" 0 "${CMDLINE:-log=warn} init=/init -- $*" "$work/initrd.cpio" initrd \
    || { echo "boot-elf: could not build the ISO" >&2; exit 2; }
# shellcheck disable=SC2086
"$here/qemu.sh" "$work/boot.iso" "$work/serial.log" "${TIMEOUT:-120}" ${QEMU_FLAGS:-}
status=$?
if [ "$status" -eq 124 ]; then echo "boot-elf: timed out after ${TIMEOUT:-120} s" >&2; exit 124; fi
# The kernel's last words carry the full status (QEMU's exit code has room for 7 bits only):
#   "init exited with status N; powering off"   -> N (0..255)
#   "init killed by SIGNAME (N); powering off"  -> 128 + N, like a shell
last=$(grep -aE '^init (exited with status [0-9]+|killed by [A-Z0-9_]+ \([0-9]+\)); powering off' "$work/serial.log" | tail -n 1)
code=$(printf '%s\n' "$last" | sed -nE 's/^init exited with status ([0-9]+);.*/\1/p')
[ -n "$code" ] && exit "$code"
sig=$(printf '%s\n' "$last" | sed -nE 's/^init killed by [A-Z0-9_]+ \(([0-9]+)\);.*/\1/p')
[ -n "$sig" ] && exit $((128 + sig))
if grep -aq 'KERNEL PANIC' "$work/serial.log"; then
    echo "boot-elf: the kernel panicked (report above)" >&2
    exit 125
fi
echo "boot-elf: QEMU ended (status $status) without the kernel reporting how init ended" >&2
exit 125
