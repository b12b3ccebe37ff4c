#!/usr/bin/env bash
# ctest.sh KERNEL.elf SYMBOLS.sym CTESTDIR OUTDIR [LINUX-LOG] — the glibc C tests (user/c/) on OUR kernel:
# an initrd with c_run, the test programs and vmview (c_vmview runs it) in /bin, booted with init=/bin/c_run (the kernel's
# command line: log=warn panic=poweroff), one QEMU run under a wall-clock limit. Prints the
# console, then one line per problem with the run itself and "N passed, N failed, N skipped":
# every `test ... ok/FAILED/skipped` line counts; a run that does not reach "c_run: done"
# (c_run could not start, a program hung the kernel, a panic) counts as one more failure.
# With LINUX-LOG (the console of `make test-linux`, build/test-linux/linux-test.log) it also
# compares the C tests' verdict lines with Linux's, line by line, and prints the differences
# (informative: the counts decide).
#   CTEST_PROGRAMS (default: all nine), CTEST_TIMEOUT (s, default 900), CTEST_MEM (default 256M),
#   QEMU_FLAGS.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
elf=$1 sym=$2 ctests=$3 out=$4 linux_log=${5:-}
mkdir -p "$out"
log=$out/ctest.log
files=()
programs=${CTEST_PROGRAMS:-c_basic c_threads c_signals c_limits c_time c_ids c_procfs c_jobs c_tty c_pipes c_vm c_forkshare c_files c_mmap_file c_shmem c_socket c_hostile c_elf c_vmview c_exhaust c_caps c_oom c_aslr c_setid}
for p in c_run $programs vmview; do files+=("$ctests/$p"); done
"$here/mkinitrd.sh" "$out/initrd.cpio" "${files[@]}"
"$here/mkiso.sh" "$out/ctest.iso" "$elf" "$sym" 0 "log=warn panic=poweroff init=/bin/c_run -- $programs" "$out/initrd.cpio" initrd
echo "=== glibc C tests on our kernel (c_run as init, -m ${CTEST_MEM:-256M})"
# shellcheck disable=SC2086
QEMU_MEM=${CTEST_MEM:-256M} "$here/qemu.sh" "$out/ctest.iso" "$log" "${CTEST_TIMEOUT:-900}" ${QEMU_FLAGS:-}
status=$?
passed=$(grep -c '^test .* \.\.\. ok' "$log")
failed=$(grep -c '^test .* \.\.\. FAILED' "$log")
skipped=$(grep -c '^test .* \.\.\. skipped' "$log")
if [ "$status" -eq 124 ]; then
    echo "test c_run_finished ... FAILED (timed out after ${CTEST_TIMEOUT:-900} s; console: $log)"
    failed=$((failed + 1))
elif grep -q '^KERNEL PANIC' "$log"; then
    echo "test c_run_finished ... FAILED (kernel panic; console: $log)"
    failed=$((failed + 1))
elif ! grep -q '^c_run: done' "$log"; then
    why=$(grep -m1 -E '^set_thread_area failed|^init exited|killed by' "$log" || true)
    echo "test c_run_finished ... FAILED (no 'c_run: done'${why:+: $why}; QEMU status $status; console: $log)"
    failed=$((failed + 1))
fi
# The verdict lines of the C programs (between "c_run: kernel" and "c_run: done").
verdicts() { sed -n '/^c_run: kernel/,/^c_run: done/p' "$1" | grep -E '^(test |c_[a-z]+: [0-9])'; }
if [ -n "$linux_log" ] && [ -f "$linux_log" ] && grep -q '^c_run: done' "$linux_log"; then
    verdicts "$linux_log" > "$out/linux.verdicts"
    verdicts "$log" > "$out/ours.verdicts"
    n_linux=$(wc -l < "$out/linux.verdicts") n_ours=$(wc -l < "$out/ours.verdicts")
    if diff -u "$out/linux.verdicts" "$out/ours.verdicts" > "$out/verdicts.diff"; then
        echo "ctest: the C tests' verdict lines are identical to Linux's ($n_ours lines)"
    elif [ "$n_ours" -eq 0 ]; then
        echo "ctest: no verdict lines from our kernel (Linux has $n_linux)"
    else
        echo "ctest: verdict lines that differ from Linux's (- Linux, + ours; all in $out/verdicts.diff):"
        grep -E '^[-+][^-+]' "$out/verdicts.diff" | head -n 40
    fi
fi
echo "$passed $failed" > "$out/counts"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
