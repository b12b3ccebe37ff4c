#!/usr/bin/env bash
# qemu.sh ISO LOG TIMEOUT [extra QEMU flags...]
# Boots ISO headless the way `make test` and CI do (serial input from $STDIN, a file, if set —
# that is how tests type at the shell), streams the serial console to stdout and to
# LOG (carriage returns removed), and exits with QEMU's status: 33 when the kernel reported
# success through isa-debug-exit, 35 for failure, 124 when the wall-clock TIMEOUT (seconds) ran
# out — a hung kernel fails instead of hanging the run.
set -uo pipefail
iso=$1 log=$2 limit=$3
shift 3
timeout --foreground -k 5 "$limit" qemu-system-i386 \
    -cdrom "$iso" -boot d -display none -serial stdio -monitor none -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 ${QEMU_MEM:+-m "$QEMU_MEM"} "$@" <"${STDIN:-/dev/null}" \
    | tr -d '\r' | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "qemu: timed out after ${limit}s (kernel hung?)" | tee -a "$log"
    status=124
fi
exit "$status"
