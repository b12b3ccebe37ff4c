#!/usr/bin/env bash
# mm-test.sh ours KERNEL.elf SYMBOLS.sym MMDIR OUTDIR [TESTS...]
# mm-test.sh linux MMDIR OUTDIR [TESTS...]
# Runs Linux 6.1's mm selftests (built into MMDIR by tools/mm-selftests.sh) on our kernel or
# on Debian's Linux 6.1 686 kernel (tools/linux-kernel.sh), c_run as init running mm_sel, one
# QEMU run. Prints the console, then "N passed, N failed, N skipped" over the `test mm_...`
# verdict lines (plus one failure if the run did not reach "c_run: done"). TESTS default to
# mm_sel's list; `make test` passes the ones that pass on ours. MM_INFO: tests whose verdict
# is printed but not counted (mremap_test: it fails on Linux 6.1 i386 itself, its 2 GB cases
# needing 4 GB of address space). MM_MEM (default 256M), MM_TIMEOUT (s, default 1200),
# QEMU_FLAGS.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=$1; shift
if [ "$mode" = ours ]; then
    elf=$1 sym=$2; shift 2
fi
mm=$1 out=$2; shift 2
tests=("$@")
mkdir -p "$out"
log=$out/mm-test.log
files=("$mm/c_run" "$mm/mm_sel")
for f in "$mm"/*; do
    case $(basename "$f") in c_run|mm_sel|mm_list|.stamp) ;; *) files+=("$f") ;; esac
done
# The list mm_sel runs (c_run passes programs no arguments).
if [ "${#tests[@]}" -gt 0 ]; then
    printf '%s\n' "${tests[@]}" > "$out/mm_list"
    files+=("$out/mm_list")
fi
if [ "$mode" = ours ]; then
    "$here/mkinitrd.sh" "$out/initrd.cpio" "${files[@]}"
    "$here/mkiso.sh" "$out/mm.iso" "$elf" "$sym" 0 "log=warn panic=poweroff init=/bin/c_run -- --timeout=1500 mm_sel" "$out/initrd.cpio" initrd
    echo "=== Linux's mm selftests on our kernel (-m ${MM_MEM:-256M})"
    # shellcheck disable=SC2086
    QEMU_MEM=${MM_MEM:-256M} "$here/qemu.sh" "$out/mm.iso" "$log" "${MM_TIMEOUT:-1200}" ${QEMU_FLAGS:-}
    status=$?
else
    vmlinuz=$("$here/linux-kernel.sh") || { echo "mm-test: no Linux kernel"; echo "0 passed, 1 failed"; exit 1; }
    "$here/linux-initramfs.sh" "$out/initramfs.cpio" --as /init "$mm/c_run" "${files[@]:1}"
    echo "=== Linux's mm selftests on Linux $(readlink "$vmlinuz" | sed 's/^vmlinuz-//') (-m ${MM_MEM:-256M})"
    # shellcheck disable=SC2086
    timeout --foreground -k 5 "${MM_TIMEOUT:-1200}" qemu-system-i386 -kernel "$vmlinuz" \
        -initrd "$out/initramfs.cpio" -append "console=ttyS0 quiet panic=-1 -- --dir=/bin --timeout=1500 mm_sel" \
        -display none -serial stdio -monitor none -no-reboot -m "${MM_MEM:-256M}" ${QEMU_FLAGS:-} </dev/null \
        | tr -d '\r' | tee "$log"
    status=${PIPESTATUS[0]}
fi
passed=$(grep -c '^test mm_.* \.\.\. ok' "$log")
failed=$(grep -c '^test mm_.* \.\.\. FAILED' "$log")
for t in ${MM_INFO:-}; do
    if grep -q "^test mm_$t \.\.\. FAILED" "$log"; then
        echo "mm-test: $t FAILED, not counted (MM_INFO: it fails on Linux 6.1 i386 too)"
        failed=$((failed - 1))
    fi
done
skipped=$(grep -c '^test mm_.* \.\.\. skipped' "$log")
if [ "$status" -eq 124 ] || ! grep -q '^c_run: done' "$log"; then
    echo "test mm_run_finished ... FAILED (no 'c_run: done'; QEMU status $status; console: $log)"
    failed=$((failed + 1))
fi
echo "$passed $failed" > "$out/counts"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
