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

# Each suite is a program booted as init that prints "test NAME ... ok|FAILED" lines and ends
# with "N passed, N failed", with the kernel's self-checks on (poisoned frees, a consistency walk
# of every address space and the page cache after each case) and panic=poweroff; it runs in every
# configuration MEM[:CPU][+OPTION] (`-cpu max` runs every user copy under SMAP and SMEP; an
# OPTION joins the kernel command line: `slub_debug` puts red zones around every kmalloc block,
# checked on free and by the walk after each case, and checks freed blocks' poison on reuse).
run_suite() { # NAME INIT-COMMAND
    local name=$1 init=$2
    for conf in ${RINGTEST_CONFIGS:-128M 128M:max+slub_debug}; do
        local opt=""
        [[ "$conf" == *+* ]] && opt=${conf#*+} && conf=${conf%%+*}
        local mem=${conf%%:*} cpu=""
        [ "$conf" != "$mem" ] && cpu="-cpu ${conf#*:}"
        "$here/mkiso.sh" "$out/$name.iso" "$elf" "$sym" 0 "log=info selfcheck $opt panic=poweroff init=$init" "$initrd" initrd
        echo "--- ring-3 suite $name with -m $mem $cpu $opt"
        local log="$out/$name-${conf/:/-}${opt:+-$opt}.log"
        # shellcheck disable=SC2086
        QEMU_MEM=$mem "$here/qemu.sh" "$out/$name.iso" "$log" "${RINGTEST_TIMEOUT:-600}" $cpu ${QEMU_FLAGS:-}
        local status=$?
        local p f
        p=$(grep -c '^test .* \.\.\. ok' "$log")
        f=$(grep -c '^test .* \.\.\. FAILED' "$log")
        passed=$((passed + p)); failed=$((failed + f))
        if ! grep -qE '^(\$ )*init exited with status' "$log" || [ "$status" -eq 124 ]; then
            echo "test $name-$conf$opt ... FAILED (the suite did not finish: QEMU status $status)"
            failed=$((failed + 1))
        elif grep -q '^KERNEL PANIC' "$log"; then
            echo "test $name-$conf$opt ... FAILED (kernel panic)"
            failed=$((failed + 1))
        elif [[ "$opt" == *slub_debug* ]] && ! grep -q 'kmalloc: slub_debug: red zones' "$log"; then
            echo "test $name-$conf$opt ... FAILED (slub_debug asked for but the kernel did not turn it on)"
            failed=$((failed + 1))
        fi
    done
}

run_suite vmtest "/bin/vmtest -- --kernel=ours --strict-leaks"
run_suite privtest "/bin/privtest"

# The MemFree values (kB) of every `free` the shell printed in LOG, on one line.
memfree_values() {
    sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' "$1" | tr '\n' ' '
}

# Allocation-failure injection: the suite again with every Nth frame allocation (or kmalloc:
# failslab reaches every kernel-heap allocation made for a process, docs/failslab.md) of its
# processes failing. Cases may fail — that is the point — but the kernel must
# not panic, every case must still pass its leak check (no "leaked"), MemFree must come back
# exactly once vmtest and the orphans of its killed runner are gone (the shell, as init, kills
# and reaps them), and a fresh process must still start afterwards.
# The same commands run before both `free`s, so the shell's own memory is the same at both;
# the warm-up also has a child that fails (`cat` of a missing file), since vmtest fails under
# injection and the shell's report of a failed child touches pages of its own (code, rodata)
# that a successful one does not, and runs `vmtest --list` once: the first exec of the large
# vmtest image grows a kernel table for good (24 bytes of heap), which must not count as a leak.
# A run where vmtest could not even start its cases fails (fewer than 50 cases ran). The
# verdict (tools/injectcheck.sh) also wants the kernel's injection report, which each line
# shows: failures injected, allocation sites reached and failed, none in interrupt context.
# shellcheck source=tools/injectcheck.sh
. "$here/injectcheck.sh"
printf '\nhello warm-up\nvmtest --list\ncat /nonexistent\nkill 9 -1\nwait\nfree\nvmtest --kernel=ours --strict-leaks --self=/bin/vmtest\nkill 9 -1\nwait\nfree\nhello after-injection\nexit\n' > "$out/inject.in"
for inj in ${INJECT_CONFIGS:-fail_page_alloc=13 fail_page_alloc=97 fail_page_alloc=397 failslab=113}; do
    name="inject_${inj/=/_}"
    echo "--- $name: ring-3 suite under $inj"
    "$here/mkiso.sh" "$out/inject.iso" "$elf" "$sym" 0 "log=warn $inj fail_filter=vmtest selfcheck panic=poweroff init=/bin/sh" "$initrd" initrd
    log="$out/$name.log"
    STDIN="$out/inject.in" QEMU_MEM=128M "$here/qemu.sh" "$out/inject.iso" "$log" "${RINGTEST_TIMEOUT:-600}" ${QEMU_FLAGS:-} > /dev/null
    inject_verdict "$log"
    cases=$(grep -c '^test .* \.\.\. ' "$log")
    [ -z "$why" ] && [ "$cases" -lt 50 ] && why="only $cases cases ran under injection"

    broke=$(grep -c '^test .* \.\.\. FAILED' "$log")
    if [ -z "$why" ]; then
        echo "test $name ... ok ($cases cases ran, $broke failed under injection; $report; MemFree back to $memfree kB)"
        passed=$((passed + 1))
    else
        echo "test $name ... FAILED ($why; serial log: $log)"
        failed=$((failed + 1))
    fi
done

# Fork storm and memory exhaustion: processes fork and touch memory until fork or a fault
# fails; they die as on Linux (ENOMEM/EAGAIN, SIGKILL), the shell still answers, and once they
# are gone every frame is back.
printf '\nhello warm-up\nkill 9 -1\nwait\nfree\nvmtest --kernel=ours fork_storm\nvmtest --kernel=ours oom_kill\nhello still-answering\nkill 9 -1\nwait\nfree\nexit\n' > "$out/storm.in"
echo "--- storm: fork storm and memory exhaustion under the shell"
"$here/mkiso.sh" "$out/storm.iso" "$elf" "$sym" 0 "log=warn panic=poweroff init=/bin/sh" "$initrd" initrd
STDIN="$out/storm.in" QEMU_MEM=128M "$here/qemu.sh" "$out/storm.iso" "$out/storm.log" "${RINGTEST_TIMEOUT:-600}" ${QEMU_FLAGS:-} > /dev/null
read -r before after _ <<< "$(memfree_values "$out/storm.log")"
ok_lines=$(grep -c '^test .* \.\.\. ok' "$out/storm.log")
if ! grep -q '^KERNEL PANIC' "$out/storm.log" && [ "$ok_lines" -eq 2 ] && [ -n "$before" ] && [ "$before" = "$after" ] \
    && grep -q '^argv\[1\] = "still-answering"' "$out/storm.log"; then
    echo "test fork_storm_and_oom_under_the_shell ... ok (MemFree back to $after kB)"
    passed=$((passed + 1))
else
    echo "test fork_storm_and_oom_under_the_shell ... FAILED (cases ok: $ok_lines/2, MemFree $before -> $after kB; log: $out/storm.log)"
    failed=$((failed + 1))
fi

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
# boot_example TEST SOURCE WANT_STATUS WANT_TEXT [ARGS...]: assembles tools/examples/SOURCE,
# boots it with boot-elf.sh and checks the status it reports (and WANT_TEXT in the console).
boot_example() {
    local test=$1 src=$2 want=$3 text=$4 name=${2%.s}
    shift 4
    if ! { as --32 "$here/examples/$src" -o "$work/$name.o" && ld -m elf_i386 -static "$work/$name.o" -o "$work/$name"; }; then
        echo "test $test ... FAILED (could not assemble $src)"
        failed=$((failed + 1))
        return
    fi
    KERNEL=$elf SYMS=$sym TIMEOUT=60 "$here/boot-elf.sh" "$work/$name" "$@" > "$out/boot-elf-$name.log" 2>&1
    local status=$?
    cat "$out/boot-elf-$name.log"
    if [ "$status" -eq "$want" ] && grep -q -- "$text" "$out/boot-elf-$name.log"; then
        echo "test $test ... ok (status $status)"
        passed=$((passed + 1))
    else
        echo "test $test ... FAILED (status $status, expected $want and '$text')"
        failed=$((failed + 1))
    fi
}
boot_example boot_elf_returns_exit_status hello32.s 42 'argc=3' one two
boot_example boot_elf_full_exit_status exit250.s 250 'init exited with status 250'
KERNEL=$elf SYMS=$sym "$here/boot-elf.sh" "$work/no-such-program" > "$out/boot-elf-missing.log" 2>&1
status=$?
if [ "$status" -ne 0 ] && grep -q 'no such file' "$out/boot-elf-missing.log"; then
    echo "test boot_elf_missing_program_fails ... ok (status $status)"
    passed=$((passed + 1))
else
    echo "test boot_elf_missing_program_fails ... FAILED (status $status; output: $(head -c 200 "$out/boot-elf-missing.log"))"
    failed=$((failed + 1))
fi

echo "--- boot-any-ELF: a static glibc program (tools/examples/glibc-hello.c)"
if gcc -m32 -static -O2 "$here/examples/glibc-hello.c" -o "$work/glibc-hello" 2> "$out/glibc-hello.cc.log"; then
    KERNEL=$elf SYMS=$sym TIMEOUT=60 "$here/boot-elf.sh" "$work/glibc-hello" one > "$out/glibc-hello.log" 2>&1
    status=$?
    cat "$out/glibc-hello.log"
    if [ "$status" -eq 3 ] && grep -q 'hello from glibc: argc=2 arg=one tls=42 close(-1)=-1 EBADF' "$out/glibc-hello.log"; then
        echo "test boot_elf_glibc_static ... ok (status 3)"
        passed=$((passed + 1))
    else
        echo "test boot_elf_glibc_static ... FAILED (status $status, expected 3 and the hello line)"
        failed=$((failed + 1))
    fi
else
    cat "$out/glibc-hello.cc.log"
    echo "test boot_elf_glibc_static ... FAILED (gcc -m32 -static failed: is gcc-multilib installed?)"
    failed=$((failed + 1))
fi
rm -rf "$work"
echo "$passed $failed" > "$out/counts"
