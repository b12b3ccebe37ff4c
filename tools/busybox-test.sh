#!/usr/bin/env bash
# busybox-test.sh ours KERNEL.elf SYMBOLS.sym INITRD.cpio OUTDIR [LINUX-LOG]
# busybox-test.sh linux INITRAMFS.cpio OUTDIR
# The BusyBox ash suite (tests/busybox/, runner tests/busybox/run.sh) booted as init, in one
# QEMU run under a wall-clock limit, on our kernel or on Debian's Linux (tools/linux-kernel.sh),
# with the same BusyBox binary and layout (tools/busybox-initrd.sh). Prints the console, then
# one line per problem with the run itself and "N passed, N failed": every
# `test busybox/... ok/FAILED` line counts; a run that does not reach "busybox-suite: done"
# (init did not start, a hang, a panic) counts as one more failure. Writes "PASSED FAILED" to
# OUTDIR/counts. For ours, with LINUX-LOG (the log of the Linux run, build/test-linux/busybox.log)
# it prints the verdict lines that differ from Linux's (informative: the counts decide).
#   BUSYBOX_TEST_TIMEOUT (s, default 600), BUSYBOX_TEST_MEM (default 256M), QEMU_FLAGS,
#   BUSYBOX_CMDLINE (our kernel's words before init=, default "log=warn panic=poweroff").
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
init_args="sh /tests/busybox/run.sh"
mem=${BUSYBOX_TEST_MEM:-256M} limit=${BUSYBOX_TEST_TIMEOUT:-600}
kind=${1:?usage: busybox-test.sh ours|linux ...}
case $kind in
ours)
    elf=$2 sym=$3 initrd=$4 out=$5 linux_log=${6:-}
    mkdir -p "$out"
    log=$out/busybox.log
    "$here/mkiso.sh" "$out/busybox.iso" "$elf" "$sym" 0 \
        "${BUSYBOX_CMDLINE:-log=warn panic=poweroff} init=/bin/busybox -- $init_args" "$initrd" initrd
    echo "=== BusyBox ash suite on our kernel (init=/bin/busybox $init_args, -m $mem)"
    # shellcheck disable=SC2086
    QEMU_MEM=$mem "$here/qemu.sh" "$out/busybox.iso" "$log" "$limit" ${QEMU_FLAGS:-}
    status=$? ;;
linux)
    initramfs=$2 out=$3 linux_log=""
    mkdir -p "$out"
    log=$out/busybox.log
    vmlinuz=$("$here/linux-kernel.sh") || { echo "busybox-test: no Linux kernel"; echo "0 passed, 1 failed"; echo "0 1" > "$out/counts"; exit 1; }
    echo "=== BusyBox ash suite on Linux $(readlink "$vmlinuz" | sed 's/^vmlinuz-//') (rdinit=/bin/busybox $init_args, -m $mem)"
    # shellcheck disable=SC2086
    timeout --foreground -k 5 "$limit" qemu-system-i386 -kernel "$vmlinuz" -initrd "$initramfs" \
        -append "console=ttyS0 quiet panic=-1 rdinit=/bin/busybox -- $init_args" \
        -display none -serial stdio -monitor none -no-reboot -m "$mem" ${QEMU_FLAGS:-} </dev/null \
        | tr -d '\r' | tee "$log"
    status=${PIPESTATUS[0]}
    [ "$status" -eq 137 ] && status=124 ;;
*)
    echo "usage: busybox-test.sh ours|linux ..." >&2; exit 2 ;;
esac

passed=$(grep -c '^test busybox/.* \.\.\. ok' "$log")
failed=$(grep -c '^test busybox/.* \.\.\. FAILED' "$log")
if [ "$status" -eq 124 ]; then
    echo "test busybox/run_finished ... FAILED (timed out after $limit s; console: $log)"
    failed=$((failed + 1))
elif grep -qE '^KERNEL PANIC|Kernel panic' "$log"; then
    echo "test busybox/run_finished ... FAILED (kernel panic; console: $log)"
    failed=$((failed + 1))
elif ! grep -q '^busybox-suite: done' "$log"; then
    why=$(grep -m1 -E "^cannot start init|^init exited|killed by" "$log" || true)
    echo "test busybox/run_finished ... FAILED (no 'busybox-suite: done'${why:+: $why}; QEMU status $status; console: $log)"
    failed=$((failed + 1))
fi
if [ -n "$linux_log" ] && [ -f "$linux_log" ] && grep -q '^busybox-suite: done' "$linux_log"; then
    grep '^test busybox/' "$linux_log" > "$out/linux.verdicts"
    grep '^test busybox/' "$log" > "$out/ours.verdicts"
    if diff -u "$out/linux.verdicts" "$out/ours.verdicts" > "$out/verdicts.diff"; then
        echo "busybox-test: the verdict lines are identical to Linux's ($(wc -l < "$out/ours.verdicts") lines)"
    elif [ ! -s "$out/ours.verdicts" ]; then
        echo "busybox-test: no verdict lines from our kernel (Linux has $(wc -l < "$out/linux.verdicts"))"
    else
        echo "busybox-test: verdict lines that differ from Linux's (- Linux, + ours; all in $out/verdicts.diff):"
        grep -E '^[-+][^-+]' "$out/verdicts.diff" | head -n 40
    fi
fi
echo "$passed $failed" > "$out/counts"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
