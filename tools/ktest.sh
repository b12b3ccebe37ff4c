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
rm -f "$out"/*.log
passed=0 failed=0

# The main suite runs once per configuration: RAM sizes from the smallest to the most a non-PAE
# i386 kernel uses well, and once on `-cpu max` (SMEP and SMAP on) with `slub_debug` (red zones
# around every kmalloc block, poison checked on reuse). A configuration is MEM[:CPU][+OPTION].
for conf in ${KTEST_CONFIGS:-128M 32M 3G 128M:max+slub_debug}; do
    opt=""
    [[ "$conf" == *+* ]] && opt=${conf#*+} && conf=${conf%%+*}
    mem=${conf%%:*}
    cpu=""; [ "$conf" != "$mem" ] && cpu="-cpu ${conf#*:}"
    # shellcheck disable=SC2086
    "$here/mkiso.sh" "$out/ktest.iso" "$elf" "$sym" 0 "ktest ${KTEST_CMDLINE:-log=info} $opt" ${KTEST_MODULES:-}
    echo "--- kernel suite with -m $mem $cpu $opt"
    log="$out/ktest-${conf/:/-}${opt:+-$opt}.log"
    # shellcheck disable=SC2086
    QEMU_MEM=$mem "$here/qemu.sh" "$out/ktest.iso" "$log" "$limit" $cpu ${QEMU_FLAGS:-}
    status=$?
    p=$(grep -c '^test .* \.\.\. ok' "$log")
    f=$(grep -c '^test .* \.\.\. FAILED' "$log")
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$status" -ne 33 ] && [ "$f" -eq 0 ]; then
        echo "test kernel-suite-$mem ... FAILED (QEMU exit status $status, no failing case named)"
        failed=$((failed + 1))
    fi
    [ -f "$out/ktest.log" ] || cp "$log" "$out/ktest.log"
done

cases=$(sed -n 's/^ktest: fault cases://p' "$out/ktest.log" | tail -n 1)
for name in $cases; do
    log="$out/fault-$name.log"
    # shellcheck disable=SC2086
    # A case named for slub_debug tests the kmalloc debugging's own report: boot it with it on.
    opt=""; [[ "$name" == *slub_debug* ]] && opt=slub_debug
    "$here/mkiso.sh" "$out/fault.iso" "$elf" "$sym" 0 "ktest=$name log=info $opt" ${KTEST_MODULES:-}
    echo "--- fault case $name"
    # Fault cases run on -cpu max so the SMEP/SMAP cases have the features to trip.
    # shellcheck disable=SC2086
    "$here/qemu.sh" "$out/fault.iso" "$log" "$limit" ${FAULT_QEMU_FLAGS:--cpu max} ${QEMU_FLAGS:-} >/dev/null
    expect=$(sed -n 's/^ktest: fault case .* expects a report containing: //p' "$log" | head -n 1)
    report=$(grep -v '^ktest: fault case' "$log" | grep -F -m1 -- "$expect")
    if [ -n "$expect" ] && [ -n "$report" ] && grep -q '^KERNEL PANIC' "$log" \
        && ! grep -q 'returned without faulting' "$log"; then
        echo "test $name ... ok (reported: $(echo "$report" | sed 's/^ *//'))"
        passed=$((passed + 1))
    else
        echo "test $name ... FAILED (expected a report containing '$expect'; serial log follows)"
        sed 's/^/  | /' "$log"
        failed=$((failed + 1))
    fi
done
echo "$passed $failed" > "$out/counts"
