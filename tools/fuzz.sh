#!/usr/bin/env bash
# fuzz.sh KERNEL.elf SYMBOLS.sym INITRD.cpio OUTDIR
# Boots the kernel with the system-call fuzzer /bin/fuzz (from INITRD) as init and streams the
# serial console (also to OUTDIR/fuzz.log). Exits 0 only when the fuzzer reported PASS and
# exited 0 (init's status), with no kernel panic or oops and no time-out.
#
# Environment (all optional; `make fuzz` passes its variables through):
#   SEED          seed (decimal or 0x...); default: a random 32-bit one, printed
#   N             calls to make (default 200000)
#   FROM, BATCH   first batch and calls per batch (defaults 0 and 1000): FROM=B N=K BATCH=K
#                 replays batch B alone
#   FUZZ_ARGS     more fuzzer arguments (e.g. "-v": print the last calls of every child that
#                 died of a signal; "--timeout 20": the per-batch watchdog)
#   FUZZ_CMDLINE  kernel command-line words (default "log=warn"; e.g. "log=warn strace=fuzz"
#                 traces every call of the fuzzer's processes)
#   FUZZ_TIMEOUT  wall-clock limit in seconds (default 120 + N/500)
#   QEMU_MEM      guest RAM (default 128M); QEMU_FLAGS extra QEMU flags
#   FUZZ_QUIET=1  print only the fuzzer's own lines and kernel panics (the log keeps it all)
set -uo pipefail
elf=$1 sym=$2 initrd=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
seed=${SEED:-}
if [ -z "$seed" ]; then
    seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
fi
n=${N:-200000}
from=${FROM:-0}
batch=${BATCH:-1000}
limit=${FUZZ_TIMEOUT:-}
[ -n "$limit" ] || limit=$((120 + n / 500))
export QEMU_MEM=${QEMU_MEM:-128M}
args="--seed $seed --calls $n --from $from --batch $batch ${FUZZ_ARGS:-}"
echo "fuzz.sh: seed $seed, $n calls (batches of $batch from batch $from), -m $QEMU_MEM, limit ${limit}s"
echo "fuzz.sh: reproduce with: make fuzz SEED=$seed N=$n$([ "$from" != 0 ] && echo " FROM=$from")$([ "$batch" != 1000 ] && echo " BATCH=$batch")"
"$here/mkiso.sh" "$out/fuzz.iso" "$elf" "$sym" 0 "${FUZZ_CMDLINE:-log=warn} init=/bin/fuzz -- $args" "$initrd" initrd
log="$out/fuzz.log"
: > "$log"
start=$(date +%s)
# QEMU runs in its own process group so it can be stopped as soon as the kernel halts (a panic
# or oops stops the kernel but not QEMU); stdbuf makes qemu.sh's filters line-buffered, so the
# log shows the panic when it happens.
# shellcheck disable=SC2086
setsid stdbuf -oL "$here/qemu.sh" "$out/fuzz.iso" "$log.raw" "$limit" ${QEMU_FLAGS:-} > /dev/null &
qpid=$!
# The console, streamed until QEMU ends (tail --pid).
if [ "${FUZZ_QUIET:-0}" = 1 ]; then
    tail -n +1 -F --pid="$qpid" "$log.raw" 2>/dev/null | grep --line-buffered -aE '^(fuzz|KERNEL PANIC|init exited|init killed|qemu:)' &
else
    tail -n +1 -F --pid="$qpid" "$log.raw" 2>/dev/null &
fi
halted=0
while kill -0 "$qpid" 2>/dev/null; do
    if grep -aq '^kernel halted\.' "$log.raw" 2>/dev/null; then
        halted=1
        sleep 1
        kill -- -"$qpid" 2>/dev/null
        break
    fi
    sleep 1
done
wait "$qpid" 2>/dev/null
status=$?
wait
cp "$log.raw" "$log"
rm -f "$log.raw"
elapsed=$(( $(date +%s) - start ))
calls=$(sed -nE 's/^fuzz: PASS: ([0-9]+) calls.*/\1/p' "$log" | tail -n1)
verdict=""
if [ "$halted" = 1 ] || grep -aq '^KERNEL PANIC' "$log"; then
    verdict="kernel panic or oops (see $log)"
elif [ "$status" -eq 124 ]; then
    verdict="timed out after ${limit}s (kernel or fuzzer hung; see $log)"
elif ! grep -aq '^init exited with status 0' "$log"; then
    verdict="the fuzzer did not exit 0: $(grep -aE '^init (exited|killed)' "$log" | tail -n1)"
elif [ -z "$calls" ]; then
    verdict="no PASS line from the fuzzer"
fi
if [ -z "$verdict" ]; then
    echo "fuzz.sh: PASS: seed $seed, $calls calls made, wall time ${elapsed}s"
    exit 0
fi
echo "fuzz.sh: FAIL: $verdict; seed $seed, wall time ${elapsed}s"
echo "fuzz.sh: reproduce with: make fuzz SEED=$seed N=$n$([ "$from" != 0 ] && echo " FROM=$from")$([ "$batch" != 1000 ] && echo " BATCH=$batch")"
exit 1
