#!/usr/bin/env bash
# failslab.sh KERNEL.elf SYMBOLS.sym USERDIR CTESTDIR OUTDIR — glibc C programs under failslab
# (docs/failslab.md): our shell as init runs each program of FAILSLAB_PROGRAMS once to warm the
# caches, reads MemFree, runs them all again, kills and reaps what is left, reads MemFree again
# and starts a fresh process; all with `failslab=N fail_filter=<the programs>` (the shell itself
# is never injected), for each N of FAILSLAB_N. The programs may fail — with ENOMEM, EAGAIN,
# SIGKILL: that is the point — but the kernel must not panic, MemFree must come back (within
# 1 kB of heap bookkeeping, as the vmtest runs of tools/ringtest.sh), and the shell must still
# start a process. Prints one "test ..." line per N with the kernel's injection report; writes
# "PASSED FAILED" to OUTDIR/counts.
set -uo pipefail
elf=$1 sym=$2 user=$3 ctests=$4 out=$5
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
passed=0 failed=0
# shellcheck source=tools/injectcheck.sh
. "$here/injectcheck.sh"
programs=${FAILSLAB_PROGRAMS:-c_basic c_signals c_pipes c_files c_procfs c_vm}
files=("$user/sh" "$user/hello" "$user/cat")
for p in $programs; do files+=("$ctests/$p"); done
"$here/mkinitrd.sh" "$out/initrd.cpio" "${files[@]}"
{
    printf '\nhello warm-up\ncat /nonexistent\n'
    for p in $programs; do printf '%s\n' "$p"; done
    printf 'kill 9 -1\nwait\nfree\n'
    for p in $programs; do printf '%s\n' "$p"; done
    printf 'kill 9 -1\nwait\nfree\nhello after-injection\nexit\n'
} > "$out/input"
filter=$(echo $programs | tr ' ' ',')
for n in ${FAILSLAB_N:-7 31}; do
    name="failslab_c_$n"
    echo "--- $name: glibc C programs ($programs) under failslab=$n"
    "$here/mkiso.sh" "$out/$name.iso" "$elf" "$sym" 0 "log=warn failslab=$n fail_filter=$filter panic=poweroff init=/bin/sh" "$out/initrd.cpio" initrd
    log="$out/$name.log"
    STDIN="$out/input" QEMU_MEM=128M "$here/qemu.sh" "$out/$name.iso" "$log" "${FAILSLAB_TIMEOUT:-600}" ${QEMU_FLAGS:-} > /dev/null
    inject_verdict "$log" MemAvailable
    ok=$(grep -c '^test .* \.\.\. ok' "$log") bad=$(grep -c '^test .* \.\.\. FAILED' "$log")
    if [ -z "$why" ]; then
        echo "test $name ... ok ($ok checks passed, $bad failed under injection; $report; MemAvailable back to $memfree kB)"
        passed=$((passed + 1))
    else
        echo "test $name ... FAILED ($why; serial log: $log)"
        failed=$((failed + 1))
    fi
done
echo "$passed $failed" > "$out/counts"
[ "$failed" -eq 0 ]
