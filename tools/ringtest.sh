#!/usr/bin/env bash
# ringtest.sh KERNEL.elf SYMBOLS.sym INITRD.cpio OUTDIR
# The ring-3 suite: boots the kernel with /bin/vmtest as init (every case in its own forked
# process, exact leak check through /proc/meminfo after each), then a short run of the
# system-call fuzzer (tools/fuzz.sh, counted as one test: fuzz_short), then the boot-any-ELF
# check with a hand-assembled program. Prints one line per case; writes "PASSED FAILED" to OUTDIR/counts.
set -uo pipefail
elf=$1 sym=$2 initrd=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
passed=0 failed=0

"$here/mkiso.sh" "$out/vmtest.iso" "$elf" "$sym" 0 "log=info init=/bin/vmtest -- --kernel=ours --strict-leaks" "$initrd" initrd
for mem in ${RINGTEST_MEMS:-128M}; do
    echo "--- ring-3 suite (vmtest) with -m $mem"
    log="$out/vmtest-$mem.log"
    # shellcheck disable=SC2086
    QEMU_MEM=$mem "$here/qemu.sh" "$out/vmtest.iso" "$log" "${RINGTEST_TIMEOUT:-600}" ${QEMU_FLAGS:-}
    status=$?
    p=$(grep -c '^test .* \.\.\. ok' "$log")
    f=$(grep -c '^test .* \.\.\. FAILED' "$log")
    passed=$((passed + p)); failed=$((failed + f))
    if ! grep -q '^init exited with status' "$log" || [ "$status" -eq 124 ]; then
        echo "test vmtest-$mem ... FAILED (the suite did not finish: QEMU status $status)"
        failed=$((failed + 1))
    elif grep -q '^KERNEL PANIC' "$log"; then
        echo "test vmtest-$mem ... FAILED (kernel panic)"
        failed=$((failed + 1))
    fi
done

echo "--- syscall fuzzer (short): a fixed seed, then a random one"
# Two boots with /bin/fuzz as init (tools/fuzz.sh): RINGTEST_FUZZ_CALLS calls each (default
# 20000), seed 1 and a fresh random seed (printed, with the command that reproduces it).
fuzz_calls=${RINGTEST_FUZZ_CALLS:-20000}
fuzz_seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
fuzz_ok=1 fuzz_why=""
for s in 1 "$fuzz_seed"; do
    if ! SEED=$s N=$fuzz_calls FUZZ_QUIET=1 FUZZ_TIMEOUT=${RINGTEST_FUZZ_TIMEOUT:-240} \
        "$here/fuzz.sh" "$elf" "$sym" "$initrd" "$out/fuzz-seed-$s"; then
        fuzz_ok=0
        fuzz_why+=" seed $s failed (make fuzz SEED=$s N=$fuzz_calls; log $out/fuzz-seed-$s/fuzz.log)"
    fi
done
if [ "$fuzz_ok" = 1 ]; then
    echo "test fuzz_short ... ok (seeds 1 and $fuzz_seed, $fuzz_calls calls each)"
    passed=$((passed + 1))
else
    echo "test fuzz_short ... FAILED (${fuzz_why# })"
    failed=$((failed + 1))
fi

echo "--- boot-any-ELF: a hand-assembled static i386 program"
work=$(mktemp -d)
if as --32 "$here/examples/hello32.s" -o "$work/hello32.o" && ld -m elf_i386 -static "$work/hello32.o" -o "$work/hello32"; then
    KERNEL=$elf SYMS=$sym TIMEOUT=60 "$here/boot-elf.sh" "$work/hello32" one two > "$out/boot-elf.log" 2>&1
    status=$?
    cat "$out/boot-elf.log"
    if [ "$status" -eq 42 ] && grep -q 'argc=3' "$out/boot-elf.log"; then
        echo "test boot_elf_returns_exit_status ... ok (status 42)"
        passed=$((passed + 1))
    else
        echo "test boot_elf_returns_exit_status ... FAILED (status $status, expected 42 and argc=3)"
        failed=$((failed + 1))
    fi
else
    echo "test boot_elf_returns_exit_status ... FAILED (could not assemble the example)"
    failed=$((failed + 1))
fi
rm -rf "$work"
echo "$passed $failed" > "$out/counts"
