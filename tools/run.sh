#!/usr/bin/env bash
# run.sh ISO [QEMU flags...] — `make run`: boots ISO with the serial console (and QEMU's monitor,
# Ctrl-A c) on this terminal, then turns QEMU's exit status into one a shell or make reads as
# success or failure. With isa-debug-exit, the kernel's power-off code c ends QEMU with status
# (c << 1) | 1 (src/system.rs):
#   c 0..99     a power-off (`poweroff -f`, reboot(RB_POWER_OFF)) or init's exit status c:
#               a normal end of the session, exit 0 (the status is reported)
#   c 100..127  init killed by signal c-100, init could not start (127), a panic with
#               panic=poweroff (126): exit with QEMU's status
# Status 0 (a restart with -no-reboot, Ctrl-A x) is 0; QEMU's own failure (status 1 with an
# error on stderr, e.g. a bad flag) stays 1.
set -uo pipefail
iso=$1
shift
err=$(mktemp)
trap 'rm -f "$err"' EXIT
qemu-system-i386 -cdrom "$iso" -boot d -display none -serial mon:stdio \
    -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" 2> >(tee "$err" >&2)
status=$?
wait
if [ "$status" -eq 1 ] && grep -v 'warning:' "$err" | grep -q 'qemu-system-i386:'; then
    exit 1
fi
if [ "$status" -eq 0 ]; then
    echo "=== QEMU exited (restart or quit)"
    exit 0
fi
if [ $((status & 1)) -eq 1 ]; then
    code=$((status >> 1))
    if [ "$code" -le 99 ]; then
        echo "=== the kernel powered off (code $code)"
        exit 0
    fi
    echo "=== the kernel powered off with code $code (126: panic, 127: init did not start, 100+N: init killed by signal N)"
fi
exit "$status"
