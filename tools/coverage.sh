#!/usr/bin/env bash
# coverage.sh OUTDIR — kernel coverage of the test suites and of the fuzzer (`make coverage`;
# docs/coverage.md). Environment: BUILD (build), MM_TESTS (as tools/test.sh), FUZZ_PROGS (the
# initrd's programs, for the guided fuzzer), COV_FUZZ_N (fuzzer calls, default 200000; 0: none),
# COV_FUZZ_ADDRS (instead of a new fuzzer run: the state/covered.addrs of an earlier guided one).
#
# 1. The suites: tools/test.sh runs with a `qemu-system-i386` first in PATH that adds
#    `-d in_asm -dfilter 0xc0000000..0xffffffff -D OUTDIR/traces/TAG-PID.log` (TAG ktest for
#    the ktest kernel's ISO, main otherwise): every kernel translation block each boot ran.
# 2. The fuzzer: tools/fuzz.sh in guided mode (it traces its own boots), COV_FUZZ_N calls.
# 3. tools/covreport.py maps the traces to functions and lines with the ELF each boot ran, and
#    writes OUTDIR/{suites,fuzz,all}/coverage.txt and never.txt; the summaries are printed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
build=${BUILD:-build}
rm -rf "$out" && mkdir -p "$out/traces" "$out/bin"
real=$(command -v qemu-system-i386) || { echo "coverage: no qemu-system-i386"; exit 1; }
cat > "$out/bin/qemu-system-i386" <<WRAP
#!/bin/sh
tag=main
case "\$*" in */ktest/*) tag=ktest ;; esac
exec "$real" "\$@" -d in_asm -dfilter 0xc0000000..0xffffffff -D "$(cd "$out" && pwd)/traces/\$tag-\$\$.log"
WRAP
chmod 755 "$out/bin/qemu-system-i386"

echo "=== coverage: the suites of make test, traced (log: $out/test.log)"
PATH="$(cd "$out/bin" && pwd):$PATH" BUILD=$build "$here/test.sh" > "$out/test.log" 2>&1
suites=$?
tail -n1 "$out/test.log"

fuzz_addrs=${COV_FUZZ_ADDRS:-}
if [ -z "$fuzz_addrs" ] && [ "${COV_FUZZ_N:-200000}" -gt 0 ]; then
    echo "=== coverage: the guided fuzzer, ${COV_FUZZ_N:-200000} calls (log: $out/fuzz.log)"
    GUIDED=1 N=${COV_FUZZ_N:-200000} ROUND=50000 FUZZ_QUIET=1 FUZZ_TIMEOUT=900 \
        "$here/fuzz.sh" "$build/kernel.elf" "$build/kernel.sym" "$build/initrd.cpio" "$out/fuzz" > "$out/fuzz.log" 2>&1
    grep -E '^fuzz.sh: (PASS|FAIL)' "$out/fuzz.log"
    fuzz_addrs=$out/fuzz/state/covered.addrs
fi

list() { ls "$out"/traces/"$1"-*.log 2>/dev/null | paste -sd, -; }
main=$(list main) ktest=$(list ktest)
report() { # NAME ELF=TRACES...
    local name=$1
    shift
    echo "=== coverage: $name"
    python3 "$here/covreport.py" report "$out/$name" "$@"
}
report suites "$build/kernel.elf=$main" "$build/ktest/kernel.elf=$ktest"
[ -n "$fuzz_addrs" ] && report fuzz "$build/kernel.elf=$fuzz_addrs"
report all "$build/kernel.elf=$main${fuzz_addrs:+,$fuzz_addrs}" "$build/ktest/kernel.elf=$ktest"
du -sh "$out/traces" | sed 's/^/coverage: traces kept: /'
[ "$suites" -eq 0 ]
