#!/usr/bin/env bash
# ktest.sh KERNEL.elf SYMBOLS.sym OUTDIR
# Runs the in-kernel test suite: one boot running every normal case, then one boot per fault
# case (named by the first run's "ktest: fault cases:" line) checking that the serial output
# carries the expected report. Prints one line per case and writes "PASSED FAILED" to
# OUTDIR/counts. Extra QEMU flags come from $QEMU_FLAGS, the per-boot time limit from
# $KTEST_TIMEOUT (default 120 s).
set -uo pipefail
elf=$1 sym=$2 out=$3
limit=${KTEST_TIMEOUT:-120}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
passed=0 failed=0

# shellcheck disable=SC2086
"$here/mkiso.sh" "$out/ktest.iso" "$elf" "$sym" 0 "ktest ${KTEST_CMDLINE:-log=info}" ${KTEST_MODULES:-}
"$here/qemu.sh" "$out/ktest.iso" "$out/ktest.log" "$limit" ${QEMU_FLAGS:-}
status=$?
p=$(grep -c '^test .* \.\.\. ok' "$out/ktest.log")
f=$(grep -c '^test .* \.\.\. FAILED' "$out/ktest.log")
passed=$((passed + p)); failed=$((failed + f))
if [ "$status" -ne 33 ] && [ "$f" -eq 0 ]; then
    echo "test kernel-suite ... FAILED (QEMU exit status $status, no failing case named)"
    failed=$((failed + 1))
fi

cases=$(sed -n 's/^ktest: fault cases://p' "$out/ktest.log" | tail -n 1)
for name in $cases; do
    log="$out/fault-$name.log"
    # shellcheck disable=SC2086
    "$here/mkiso.sh" "$out/fault.iso" "$elf" "$sym" 0 "ktest=$name log=info" ${KTEST_MODULES:-}
    echo "--- fault case $name"
    "$here/qemu.sh" "$out/fault.iso" "$log" "$limit" ${QEMU_FLAGS:-} >/dev/null
    expect=$(sed -n 's/^ktest: fault case .* expects a report containing: //p' "$log" | head -n 1)
    if [ -n "$expect" ] && grep -qF -- "$expect" "$log" && grep -q '^KERNEL PANIC' "$log" \
        && ! grep -q 'returned without faulting' "$log"; then
        echo "test $name ... ok (report: $(grep -F -m1 -- "$expect" "$log" | sed 's/^ *//'))"
        passed=$((passed + 1))
    else
        echo "test $name ... FAILED (expected a report containing '$expect'; serial log follows)"
        sed 's/^/  | /' "$log"
        failed=$((failed + 1))
    fi
done
echo "$passed $failed" > "$out/counts"
