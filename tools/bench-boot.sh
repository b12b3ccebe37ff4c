#!/usr/bin/env bash
# bench-boot.sh LOG MARKER TIMEOUT QEMU-COMMAND... — runs a QEMU command whose serial console
# is its stdout, streams the console (carriage returns removed) to LOG, and stamps host time
# into LOG as extra lines:
#   host: qemu-start=EPOCH        just before QEMU is started
#   host: marker=EPOCH            when the first console line starting with MARKER arrived
#   host: qemu-exit=EPOCH status=N
# The console is also echoed to stdout when BENCH_ECHO=1. Exits with QEMU's status (124 when
# the wall-clock TIMEOUT in seconds ran out).
set -uo pipefail
log=$1 marker=$2 limit=$3
shift 3
: > "$log"
echo "host: qemu-start=$EPOCHREALTIME" >> "$log"
seen=0
while IFS= read -r line || [ -n "$line" ]; do
    now=$EPOCHREALTIME
    line=${line//$'\r'/}
    printf '%s\n' "$line" >> "$log"
    [ "${BENCH_ECHO:-0}" = 1 ] && printf '%s\n' "$line"
    if [ $seen = 0 ] && [[ $line == "$marker"* ]]; then
        echo "host: marker=$now" >> "$log"
        seen=1
    fi
done < <(timeout --foreground -k 5 "$limit" "$@" </dev/null 2>&1; echo "host: qemu-exit=$EPOCHREALTIME status=$?")
status=$(sed -n 's/^host: qemu-exit=.* status=//p' "$log" | tail -n 1)
status=${status:-1}
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "bench-boot: QEMU timed out after ${limit}s" | tee -a "$log" >&2
    status=124
fi
exit "$status"
