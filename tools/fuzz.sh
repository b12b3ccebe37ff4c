#!/usr/bin/env bash
# fuzz.sh KERNEL.elf SYMBOLS.sym INITRD.cpio OUTDIR
# Boots the kernel with the system-call fuzzer /bin/fuzz (from INITRD) as init and streams the
# serial console (also to OUTDIR/fuzz.log). Exits 0 only when the fuzzer reported PASS and
# exited 0 (init's status), with no kernel panic or oops and no time-out.
#
# Coverage-guided mode (GUIDED=1, what `make fuzz` does; docs/coverage.md): the N calls run as
# rounds of ROUND calls, one boot each, under QEMU's `-d in_asm` trace of the kernel. After
# each boot tools/covguide.py finds the batches that reached kernel code no earlier batch
# reached and keeps their inputs (OUTDIR/state/corpus); the next boot mutates them
# (`fuzz --corpus`). At the end tools/covreport.py prints the kernel coverage of the run.
#
# Environment (all optional; `make fuzz` passes its variables through):
#   SEED          seed (decimal or 0x...); default: a random 32-bit one, printed
#   N             calls to make (default 200000)
#   FROM, BATCH   first batch and calls per batch (defaults 0 and 1000): FROM=B N=K BATCH=K
#                 replays batch B alone
#   CORPUS        a corpus file (OUTDIR/state/corpus-R of a guided run): replays a guided
#                 round's batches (plain mode only)
#   GUIDED=1      coverage-guided rounds of ROUND calls (default 100000, a multiple of
#                 BATCH) until the batch children made N calls; FUZZ_PROGS: the programs of INITRD (each boot's initrd adds the
#                 corpus as /corpus)
#   FUZZ_ARGS     more fuzzer arguments (e.g. "-v": print the last calls of every child that
#                 died of a signal; "--timeout 20": the per-batch watchdog)
#   FUZZ_CMDLINE  kernel command-line words (default "log=warn"; e.g. "log=warn strace=fuzz"
#                 traces every call of the fuzzer's processes)
#   FUZZ_TIMEOUT  wall-clock limit in seconds per boot (default 120 + calls/500)
#   QEMU_MEM      guest RAM (default 128M); QEMU_FLAGS extra QEMU flags
#   FUZZ_QUIET=1  print only the fuzzer's own lines and kernel panics (the log keeps it all)
#   FUZZ_KEEP_TRACE=1  keep the last round's QEMU trace (OUTDIR/trace.log)
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
export QEMU_MEM=${QEMU_MEM:-128M}
repro="make fuzz SEED=$seed N=$n$([ "$from" != 0 ] && echo " FROM=$from")$([ "$batch" != 1000 ] && echo " BATCH=$batch")"

# boot ISO LOG LIMIT [QEMU flags...]: one boot; sets $verdict ("" = pass) and $calls.
boot() {
    local iso=$1 log=$2 limit=$3 qpid halted=0 status
    shift 3
    : > "$log"
    # QEMU runs in its own process group so it can be stopped as soon as the kernel halts (a
    # panic or oops stops the kernel but not QEMU); stdbuf makes qemu.sh's filters
    # line-buffered, so the log shows the panic when it happens.
    # shellcheck disable=SC2086
    setsid stdbuf -oL "$here/qemu.sh" "$iso" "$log.raw" "$limit" ${QEMU_FLAGS:-} "$@" > /dev/null &
    qpid=$!
    # The console, streamed until QEMU ends (tail --pid).
    if [ "${FUZZ_QUIET:-0}" = 1 ]; then
        tail -n +1 -F --pid="$qpid" "$log.raw" 2>/dev/null | grep --line-buffered -aE '^(fuzz|KERNEL PANIC|init exited|init killed|qemu:)' | grep --line-buffered -av '^fuzz: input ' &
    else
        tail -n +1 -F --pid="$qpid" "$log.raw" 2>/dev/null | grep --line-buffered -av '^fuzz: input ' &
    fi
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
}

start=$(date +%s)
if [ "${GUIDED:-0}" != 1 ]; then
    limit=${FUZZ_TIMEOUT:-$((120 + n / 500))}
    args="--seed $seed --calls $n --from $from --batch $batch ${FUZZ_ARGS:-}"
    if [ -n "${CORPUS:-}" ]; then
        "$here/mkinitrd.sh" "$out/initrd.cpio" ${FUZZ_PROGS:?CORPUS needs FUZZ_PROGS} --as /corpus "$CORPUS"
        initrd=$out/initrd.cpio args="$args --corpus /corpus" repro="$repro CORPUS=$CORPUS"
    fi
    echo "fuzz.sh: seed $seed, $n calls (batches of $batch from batch $from), -m $QEMU_MEM, limit ${limit}s"
    echo "fuzz.sh: reproduce with: $repro"
    "$here/mkiso.sh" "$out/fuzz.iso" "$elf" "$sym" 0 "${FUZZ_CMDLINE:-log=warn} init=/bin/fuzz -- $args" "$initrd" initrd
    boot "$out/fuzz.iso" "$out/fuzz.log" "$limit"
    elapsed=$(( $(date +%s) - start ))
    if [ -z "$verdict" ]; then
        echo "fuzz.sh: PASS: seed $seed, $calls calls made, wall time ${elapsed}s"
        exit 0
    fi
    echo "fuzz.sh: FAIL: $verdict; seed $seed, wall time ${elapsed}s"
    echo "fuzz.sh: reproduce with: $repro"
    exit 1
fi

# Guided: rounds of $round calls, one traced boot each, until the batch children have made N
# calls (a child that dies early makes fewer than its share; descendants' calls not counted).
round=${ROUND:-100000}
[ $((round % batch)) -eq 0 ] || { echo "fuzz.sh: ROUND ($round) must be a multiple of BATCH ($batch)"; exit 2; }
state=$out/state
rm -rf "$state" && mkdir -p "$state" && : > "$state/corpus"
limit=${FUZZ_TIMEOUT:-$((120 + round / 500))}
total=0 sub=0 r=0
echo "fuzz.sh: guided: seed $seed, $n calls in rounds of $round (batches of $batch from batch $from), -m $QEMU_MEM, limit ${limit}s per round"
while [ "$total" -lt "$n" ]; do
    b=$(( from + r * round / batch ))
    cp "$state/corpus" "$state/corpus-$r"
    "$here/mkinitrd.sh" "$out/initrd.cpio" ${FUZZ_PROGS:?GUIDED needs FUZZ_PROGS} --as /corpus "$state/corpus-$r"
    args="--seed $seed --calls $round --from $b --batch $batch --marks --corpus /corpus ${FUZZ_ARGS:-}"
    "$here/mkiso.sh" "$out/fuzz.iso" "$elf" "$sym" 0 "${FUZZ_CMDLINE:-log=warn} init=/bin/fuzz -- $args" "$out/initrd.cpio" initrd
    echo "fuzz.sh: round $r: $round calls from batch $b, corpus of $(wc -l < "$state/corpus-$r")"
    boot "$out/fuzz.iso" "$out/fuzz-$r.log" "$limit" -d in_asm -dfilter 0xc0000000..0xffffffff,0x3f00a000+0x10 -D "$out/trace.log"
    python3 "$here/covguide.py" update "$state" "$out/trace.log" "$out/fuzz-$r.log"
    [ "${FUZZ_KEEP_TRACE:-0}" = 1 ] || rm -f "$out/trace.log"
    if [ -n "$verdict" ]; then
        echo "fuzz.sh: FAIL in round $r: $verdict; seed $seed, wall time $(( $(date +%s) - start ))s"
        echo "fuzz.sh: reproduce the round with: make fuzz GUIDED=0 SEED=$seed N=$round FROM=$b BATCH=$batch CORPUS=$state/corpus-$r"
        exit 1
    fi
    d=$(sed -nE 's/^fuzz: PASS: [0-9]+ calls \(\+([0-9]+) in descendants\).*/\1/p' "$out/fuzz-$r.log" | tail -n1)
    total=$((total + calls)) sub=$((sub + ${d:-0})) r=$((r + 1))
done
echo "fuzz.sh: kernel coverage of this run (tools/covreport.py):"
python3 "$here/covreport.py" report "$out/coverage" "$elf=$state/covered.addrs" | sed 's/^/fuzz.sh:   /'
echo "fuzz.sh: PASS: seed $seed, $total calls made (+$sub in descendants) in $r rounds, corpus $(wc -l < "$state/corpus"), wall time $(( $(date +%s) - start ))s"
