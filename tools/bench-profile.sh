#!/usr/bin/env bash
# bench-profile.sh KERNEL.elf KERNEL.sym BENCH-DEBUG-ELF OUTDIR WORKLOAD [BENCH-ARGS...]
# A flat, exact profile of where our kernel's instructions go in one benchmark workload.
#
# Boots our kernel with `bench --only=WORKLOAD BENCH-ARGS` as init under -icount shift=0 with
# QEMU's instruction trace on (-d in_asm,exec,nochain, filtered to the kernel and to the
# user function `profile_mark`, which bench calls before and after each profiled section).
# Every kernel translation block executed between a pair of marks adds its instruction count to
# the function holding it (from KERNEL.sym). Prints the kernel instructions per section, and
# the functions sorted by self instructions. WORKLOAD: W1, W2, W2@64, W3, W4, or boot (every
# kernel instruction from entry until init powers off, bench running no workload). Default
# BENCH-ARGS: --quick (1 repetition, small sizes; the trace is large). PROFILE_TOP (default 30);
# PROFILE_SECTION=N profiles only the N-th marked section (W2 has one per size: 1 = 0 MiB).
# The unstripped bench (BENCH-DEBUG-ELF) is needed for the address of profile_mark.
# PROFILE_INIT_ARGS replaces init's arguments (for another program with a profile_mark, e.g.
# bench-scale: `make bench-scale PROFILE=1`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
elf=$1 sym=$2 bench=$3 out=$4 work=$5
shift 5
[ $# -gt 0 ] || set -- --quick
mkdir -p "$out"
mark=$(nm "$bench" | awk '$3 == "profile_mark" { sub(/^0+/, "", $1); print $1 }')
[ -n "$mark" ] || { echo "bench-profile: no profile_mark in $bench" >&2; exit 1; }
"$here/mkinitrd.sh" "$out/initrd.cpio" --as /init "$bench"
"$here/mkiso.sh" "$out/profile.iso" "$elf" "$sym" 0 "log=warn init=/init -- ${PROFILE_INIT_ARGS:---only=$work $*}" "$out/initrd.cpio" initrd
trace=$out/trace-$work.log
echo "=== tracing ${PROFILE_INIT_ARGS:-bench --only=$work $*} (QEMU -d in_asm,exec,nochain; slow)" >&2
timeout --foreground 1200 qemu-system-i386 -cdrom "$out/profile.iso" -boot d -display none -serial stdio \
    -monitor none -no-reboot -m "${BENCH_MEM:-256M}" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -icount shift=0 -d in_asm,exec,nochain -dfilter "0xc0000000..0xffffffff,0x$mark+0x10" \
    -D "$trace" </dev/null | tr -d '\r' > "$out/console-$work.log" || true
grep -E '^bench(-|: done)' "$out/console-$work.log" >&2 || { echo "bench-profile: bench did not run; console:" >&2; cat "$out/console-$work.log" >&2; exit 1; }
awk -v MARK="$mark" -v TOP="${PROFILE_TOP:-30}" -v ONLY="${PROFILE_SECTION:-0}" -v BOOT="$([ "$work" = boot ] && echo 1 || echo 0)" '
FNR == NR { SA[++NS] = tolower($1); n = $0; sub(/^[^ ]+ [^ ]+ /, "", n); SN[NS] = n; next }
/^IN:/ { intb = 1; first = ""; cnt = 0; next }
intb && /^0x[0-9a-f]+:/ { if (first == "") first = substr($1, 3, length($1) - 3); cnt++; next }
intb { if (first != "") SZ[first] = cnt; intb = 0 }
/^Trace / {
    s = $0; sub(/^[^[]*\[/, "", s); split(s, f, "/"); pc = f[2]; sub(/^0+/, "", pc)
    if (pc == MARK) { marks++; if (marks % 2 == 0) SEC[marks / 2] = sec; sec = 0; next }
    if ((BOOT || marks % 2 == 1) && length(pc) == 8 && pc >= "c0000000" && (ONLY == 0 || int(marks / 2) + 1 == ONLY)) {
        k = SZ[pc] + 0; if (k == 0) unknown++; CNT[pc] += k; tot += k; sec += k
    }
}
END {
    for (pc in CNT) {
        lo = 1; hi = NS
        while (lo < hi) { mid = int((lo + hi + 1) / 2); if (SA[mid] <= pc) lo = mid; else hi = mid - 1 }
        FN[SN[lo]] += CNT[pc]
    }
    printf "kernel instructions profiled: %d%s; per section:", tot, ONLY ? " (section " ONLY " only)" : ""
    for (i = 1; i <= int(marks / 2); i++) printf " %d", SEC[i]
    printf "\n"
    if (unknown) printf "(%d executed blocks of unknown size)\n", unknown
    cmd = "sort -rn | head -n " TOP
    for (g in FN) printf "%10d %5.1f%%  %s\n", FN[g], 100 * FN[g] / tot, g | cmd
    close(cmd)
}' "$sym" "$trace"
rm -f "$trace"
