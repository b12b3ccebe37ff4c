#!/usr/bin/env bash
# test.sh — the whole test run behind `make test`: the host tests of the hardware-free crate,
# then the kernel suite under QEMU (tools/ktest.sh), then the ring-3 suite (tools/ringtest.sh), then
# the glibc C programs our kernel runs in full (tools/ctest.sh) and under failslab
# (tools/failslab.sh), then the terminal driven by
# keystrokes (tools/ttytest.sh). Ends with the line "N passed, N failed"
# summed over both and exits non-zero on any failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-build}
mkdir -p "$build"
passed=0 failed=0

echo "=== host tests (cargo test, vmcore)"
cargo test --quiet 2>&1 | tee "$build/host-test.log"
host_status=${PIPESTATUS[0]}
while read -r p f; do
    passed=$((passed + p)); failed=$((failed + f))
done < <(sed -nE 's/^test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' "$build/host-test.log")
if [ "$host_status" -ne 0 ] && ! grep -q '^test result: FAILED' "$build/host-test.log"; then
    echo "host tests did not build or run (cargo exit status $host_status)"
    failed=$((failed + 1))
fi

echo "=== kernel tests (QEMU)"
"$here/ktest.sh" "$build/ktest/kernel.elf" "$build/ktest/kernel.sym" "$build/ktest"
if read -r p f < "$build/ktest/counts"; then
    passed=$((passed + p)); failed=$((failed + f))
else
    echo "kernel tests produced no counts"
    failed=$((failed + 1))
fi

echo "=== ring-3 tests (QEMU, user programs)"
"$here/ringtest.sh" "$build/kernel.elf" "$build/kernel.sym" "$build/initrd.cpio" "$build/ringtest"
if read -r p f < "$build/ringtest/counts"; then
    passed=$((passed + p)); failed=$((failed + f))
else
    echo "ring-3 tests produced no counts"
    failed=$((failed + 1))
fi

# The glibc C programs (user/c/): every one our kernel runs (make test-c runs the same list
# by default, make test-linux runs them on Linux).
echo "=== glibc C tests (QEMU, gcc -m32 -static programs)"
CTEST_PROGRAMS="c_basic c_threads c_signals c_time c_ids c_limits c_procfs c_jobs c_tty c_pipes c_vm c_forkshare c_files c_mmap_file c_shmem c_socket c_hostile c_elf c_vmview c_exhaust c_caps c_oom c_aslr c_setid" CTEST_TIMEOUT=600 \
    "$here/ctest.sh" "$build/kernel.elf" "$build/kernel.sym" "$build/ctests" "$build/ctest"
if read -r p f < "$build/ctest/counts"; then
    passed=$((passed + p)); failed=$((failed + f))
else
    echo "glibc C tests produced no counts"
    failed=$((failed + 1))
fi

# Issue 13's exhaustion reproducers and the out-of-memory killer again at -m 32M, where the
# heap and the frames run out first.
echo "=== glibc C tests c_exhaust c_oom at -m 32M (fork bombs, 8,000-area forks, memory hogs)"
CTEST_PROGRAMS="c_exhaust c_oom" CTEST_MEM=32M CTEST_TIMEOUT=600 \
    "$here/ctest.sh" "$build/kernel.elf" "$build/kernel.sym" "$build/ctests" "$build/ctest32"
if read -r p f < "$build/ctest32/counts"; then
    passed=$((passed + p)); failed=$((failed + f))
else
    echo "c_exhaust c_oom at 32M produced no counts"
    failed=$((failed + 1))
fi

# The glibc C programs under failslab at several N (docs/failslab.md): no panic, no leak.
echo "=== glibc C programs under failslab (QEMU, the shell as init)"
"$here/failslab.sh" "$build/kernel.elf" "$build/kernel.sym" "$build/user" "$build/ctests" "$build/failslab"
if read -r p f < "$build/failslab/counts"; then
    passed=$((passed + p)); failed=$((failed + f))
else
    echo "failslab runs produced no counts"
    failed=$((failed + 1))
fi

echo "=== the terminal by keystrokes (QEMU; make test-linux compares with Linux)"
TTYTEST_LINUX=never "$here/ttytest.sh" "$build/kernel.elf" "$build/kernel.sym" "$build/user" "$build/ttytest"
if read -r p f < "$build/ttytest/counts"; then
    passed=$((passed + p)); failed=$((failed + f))
else
    echo "terminal tests produced no counts"
    failed=$((failed + 1))
fi

# Linux 6.1's own mm selftests that pass on our kernel (MM_TESTS from the Makefile; make test-mm
# runs them all).
if [ -n "${MM_TESTS:-}" ]; then
    echo "=== Linux's mm selftests (QEMU)"
    # shellcheck disable=SC2086
    "$here/mm-test.sh" ours "$build/kernel.elf" "$build/kernel.sym" "$build/mm" "$build/test-mm-passing" $MM_TESTS
    if read -r p f < "$build/test-mm-passing/counts"; then
        passed=$((passed + p)); failed=$((failed + f))
    else
        echo "mm selftests produced no counts"
        failed=$((failed + 1))
    fi
fi

echo "=== BusyBox ash suite (QEMU, Debian's busybox-static as init)"
"$here/busybox-test.sh" ours "$build/kernel.elf" "$build/kernel.sym" "$build/busybox/initrd.cpio" "$build/test-busybox" "$build/test-linux/busybox.log"
if read -r p f < "$build/test-busybox/counts"; then
    passed=$((passed + p)); failed=$((failed + f))
else
    echo "BusyBox suite produced no counts"
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
