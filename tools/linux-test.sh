#!/usr/bin/env bash
# linux-test.sh USERDIR OUTDIR [CTESTDIR [BUSYBOX-INITRAMFS]] — the ring-3 suite's binaries on Debian's 32-bit Linux kernel
# (tools/linux-kernel.sh; downloaded once, then cached), in the same QEMU as our kernel.
#
# The initramfs holds linit (user/programs/src/bin/linit.rs) as /init and vmtest, notelf,
# hello, echo, cat, sh and a hand-assembled ELF (tools/examples/hello32.s) in /bin. linit
# mounts /proc, runs vmtest (every case, with --force so that the "our kernel only" oom_kill
# runs too: the OOM killer here is the guest's; without --strict-leaks, whose exact MemFree
# accounting is our kernel's: reported as skipped), the runner self-checks and the small
# programs, then — with CTESTDIR (user/c/build.sh's output) — the glibc C tests through
# /bin/c_run, then powers off. Every `test ... ok/FAILED/skipped` line of the console counts; a
# run that does not reach "linit: done" (and "c_run: done" with the C tests) or panics counts as
# one more failure. With BUSYBOX-INITRAMFS (tools/busybox-initrd.sh --linux) a second boot runs
# the BusyBox ash suite (tools/busybox-test.sh linux; console in OUTDIR/busybox.log, which
# `make test-busybox` compares ours with) and its counts are added.
# Last line: "N passed, N failed, N skipped".
#   LINUX_TEST_MEM (default 256M), LINUX_TEST_TIMEOUT (s, default 900), QEMU_FLAGS.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
user=${1:?usage: linux-test.sh USERDIR OUTDIR [CTESTDIR]} out=${2:?usage: linux-test.sh USERDIR OUTDIR [CTESTDIR]}
ctests=${3:-} bbinitramfs=${4:-}
mkdir -p "$out"
log=$out/linux-test.log

vmlinuz=$("$here/linux-kernel.sh") || { echo "linux-test: no Linux kernel"; echo "0 passed, 1 failed"; exit 1; }
files=()
for p in vmtest notelf hello echo cat sh; do files+=("$user/$p"); done
if [ -n "$ctests" ]; then
    for p in c_run c_basic c_threads c_signals c_limits c_time c_ids c_procfs c_jobs c_tty c_pipes c_vm c_forkshare c_files c_mmap_file c_shmem c_socket c_hostile c_elf c_vmview c_exhaust c_caps c_oom c_aslr c_setid vmview; do files+=("$ctests/$p"); done
fi
if as --32 "$here/examples/hello32.s" -o "$out/hello32.o" && ld -m elf_i386 -static "$out/hello32.o" -o "$out/hello32"; then
    files+=("$out/hello32")
fi
"$here/linux-initramfs.sh" "$out/initramfs.cpio" --as /init "$user/linit" "${files[@]}"

echo "=== ring-3 suite on Linux $(readlink "$vmlinuz" | sed 's/^vmlinuz-//') (linit as /init, -m ${LINUX_TEST_MEM:-256M})"
# shellcheck disable=SC2086
timeout --foreground -k 5 "${LINUX_TEST_TIMEOUT:-900}" qemu-system-i386 -kernel "$vmlinuz" \
    -initrd "$out/initramfs.cpio" -append "console=ttyS0 quiet panic=-1" \
    -display none -serial stdio -monitor none -no-reboot -m "${LINUX_TEST_MEM:-256M}" ${QEMU_FLAGS:-} </dev/null \
    | tr -d '\r' | tee "$log"
status=${PIPESTATUS[0]}

passed=$(grep -c '^test .* \.\.\. ok' "$log")
failed=$(grep -c '^test .* \.\.\. FAILED' "$log")
skipped=$(grep -c '^test .* \.\.\. skipped' "$log")
if ! grep -q '^linit: done' "$log"; then
    echo "test linux_run_completed ... FAILED (no 'linit: done'; QEMU status $status)"
    failed=$((failed + 1))
elif [ -n "$ctests" ] && ! grep -q '^c_run: done' "$log"; then
    echo "test linux_run_completed ... FAILED (the C tests did not finish: no 'c_run: done')"
    failed=$((failed + 1))
elif grep -q 'Kernel panic' "$log"; then
    echo "test linux_run_completed ... FAILED (kernel panic)"
    failed=$((failed + 1))
elif [ "$status" -ne 0 ]; then
    echo "test linux_run_completed ... FAILED (QEMU status $status, want 0 after power-off)"
    failed=$((failed + 1))
fi
if [ -n "$bbinitramfs" ]; then
    "$here/busybox-test.sh" linux "$bbinitramfs" "$out"
    if read -r p f < "$out/counts"; then
        passed=$((passed + p)); failed=$((failed + f))
    else
        echo "test linux_busybox_suite ... FAILED (no counts)"
        failed=$((failed + 1))
    fi
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
