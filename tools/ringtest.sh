#!/usr/bin/env bash
# ringtest.sh KERNEL.elf SYMBOLS.sym INITRD.cpio OUTDIR
# The ring-3 suite: boots the kernel with /bin/vmtest as init (every case in its own forked
# process, exact leak check through /proc/meminfo after each), then the boot-any-ELF check with
# a hand-assembled program. Prints one line per case; writes "PASSED FAILED" to OUTDIR/counts.
set -uo pipefail
elf=$1 sym=$2 initrd=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
passed=0 failed=0

# Each suite is a program booted as init that prints "test NAME ... ok|FAILED" lines and ends
# with "N passed, N failed"; it runs in every configuration (MEM or MEM:CPU — `-cpu max` runs
# every user copy under SMAP and SMEP).
run_suite() { # NAME INIT-COMMAND
    local name=$1 init=$2
    "$here/mkiso.sh" "$out/$name.iso" "$elf" "$sym" 0 "log=info init=$init" "$initrd" initrd
    for conf in ${RINGTEST_CONFIGS:-128M 128M:max}; do
        local mem=${conf%%:*} cpu=""
        [ "$conf" != "$mem" ] && cpu="-cpu ${conf#*:}"
        echo "--- ring-3 suite $name with -m $mem $cpu"
        local log="$out/$name-${conf/:/-}.log"
        # shellcheck disable=SC2086
        QEMU_MEM=$mem "$here/qemu.sh" "$out/$name.iso" "$log" "${RINGTEST_TIMEOUT:-600}" $cpu ${QEMU_FLAGS:-}
        local status=$?
        local p f
        p=$(grep -c '^test .* \.\.\. ok' "$log")
        f=$(grep -c '^test .* \.\.\. FAILED' "$log")
        passed=$((passed + p)); failed=$((failed + f))
        if ! grep -q '^init exited with status' "$log" || [ "$status" -eq 124 ]; then
            echo "test $name-$conf ... FAILED (the suite did not finish: QEMU status $status)"
            failed=$((failed + 1))
        elif grep -q '^KERNEL PANIC' "$log"; then
            echo "test $name-$conf ... FAILED (kernel panic)"
            failed=$((failed + 1))
        fi
    done
}

run_suite vmtest "/bin/vmtest -- --kernel=ours --strict-leaks"
run_suite privtest "/bin/privtest"

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
