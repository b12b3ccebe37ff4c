#!/usr/bin/env bash
# bench-report.sh [ours=LOG] [linux=LOG] [fw=LOG] [noise=LOG] — summarises the raw output of
# the `bench` program (user/programs/src/bin/bench.rs) as booted by tools/bench.sh and
# tools/bench-linux.sh: per row the median, min and max over the 5 repetitions.
#
#   ours=LOG    our kernel under -icount shift=0 (figures are guest instructions)
#   linux=LOG   Linux under the same flags: a second column and the ratio ours/Linux
#   fw=LOG      the firmware-handover stub booted like Linux (its "fw-tsc" = Linux's kernel
#               entry, for W5 on Linux)
#   noise=LOG   our kernel under plain TCG: TSC = host cycles, printed as host-time noise
#   boot=LOG    (repeatable) a boot-only run of our kernel under -icount at the RAM size its
#               "host: mem=" line names: one W5 row per RAM size
#
# Derived rows pair repetition r with repetition r: slope = (W2@64 - W2@1) / (pages64 -
# pages1); COW break = (W3 - W2@16) / pages. Targets are the issue's, for our kernel.
# Pure POSIX awk (mawk is enough).
set -euo pipefail
args=()
for a in "$@"; do
    case $a in
        ours=*|linux=*|fw=*|noise=*|boot=*) args+=("kind=${a%%=*}" "${a#*=}") ;;
        *) echo "usage: $0 [ours=LOG] [linux=LOG] [fw=LOG] [noise=LOG] [boot=LOG]..." >&2; exit 2 ;;
    esac
done
awk -f /dev/stdin "${args[@]}" <<'AWK'
function hex(s,   i, c, v) {
    s = tolower(s); sub(/^0x/, "", s); v = 0
    for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
    return v
}
function field(name,   i, kv) {          # value of name=... in the current line
    for (i = 1; i <= NF; i++) if (index($i, name "=") == 1) return substr($i, length(name) + 2)
    return ""
}
function put(k, key, rep, val) { V[k, key, rep] = val; if (rep + 1 > N[k, key]) N[k, key] = rep + 1; HAVE[k] = 1 }
function commas(x,   s, neg, out) {
    neg = x < 0; if (neg) x = -x
    s = sprintf("%.0f", x); out = ""
    while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    return (neg ? "-" : "") s out
}
function num(x, key) {
    if (key ~ /host/) return sprintf("%.2f s", x)
    return (x < 100 && x != int(x)) ? sprintf("%.2f", x) : commas(x)
}
# statistics of series (k, key) into S_MED, S_MIN, S_MAX; returns the count
function stats(k, key,   n, i, j, a, t) {
    n = N[k, key]; if (n == 0) return 0
    for (i = 0; i < n; i++) a[i] = V[k, key, i] + 0
    for (i = 1; i < n; i++) { t = a[i]; for (j = i - 1; j >= 0 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    S_MIN = a[0]; S_MAX = a[n - 1]
    S_MED = (n % 2) ? a[int(n / 2)] : (a[n / 2 - 1] + a[n / 2]) / 2
    return n
}
{ sub(/\r$/, "") }
$1 == "bench-raw" && $2 == "W1" {
    r = field("rep"); p = field("pages")
    put(kind, "w1mmap", r, field("mmap") / p); put(kind, "w1touch", r, field("touch") / p)
    put(kind, "w1munmap", r, field("munmap") / p)
}
$1 == "bench-raw" && $2 == "W2" { m = field("mib"); r = field("rep"); put(kind, "w2_" m, r, field("fork_exit_wait")); P2[kind, m] = field("pages") }
$1 == "bench-raw" && $2 == "W3" { r = field("rep"); put(kind, "w3raw", r, field("fork_cow_exit_wait")); P3[kind] = field("pages") }
$1 == "bench-raw" && $2 == "W4" { r = field("rep"); put(kind, "w4", r, field("total") / field("iters")) }
$1 == "bench-raw" && $2 == "W6" { r = field("rep"); put(kind, "w6", r, field("mremap") / field("pages")) }
$1 == "bench-raw" && $2 == "W7" { r = field("rep"); put(kind, "w7", r, field("mincore") / field("pages")) }
kind == "boot" && /^bench: first-line tsc=/ { BF[FILENAME] = field("tsc"); if (!(FILENAME in BSEEN)) { BSEEN[FILENAME] = 1; BORDER[++nb] = FILENAME } }
kind == "boot" && /^boot-tsc: / { BB[FILENAME] = $2 }
kind == "boot" && /^host: mem=/ { BM[FILENAME] = substr($2, 5) }
kind == "boot" { next }
/^bench: first-line tsc=/ { FIRST[kind] = field("tsc") }
/^boot-tsc: / { BOOT[kind] = $2 }
/^fw-tsc: / { FW = hex($2) }
/^host: qemu-start=/ { START[kind] = substr($2, 12) }
/^host: marker=/ { MARK[kind] = substr($2, 8) }
/^bench: done/ { DONE[kind] = 1 }
END {
    for (k in HAVE) {
        n = N[k, "w2_64"]
        for (r = 0; r < n; r++) {
            if ((k, "w2_1", r) in V) put(k, "slope", r, (V[k, "w2_64", r] - V[k, "w2_1", r]) / (P2[k, 64] - P2[k, 1]))
        }
        n = N[k, "w3raw"]
        for (r = 0; r < n; r++) if ((k, "w2_16", r) in V) put(k, "w3", r, (V[k, "w3raw", r] - V[k, "w2_16", r]) / P3[k])
        if (k in FIRST) put(k, "w5reset", 0, FIRST[k])
        if ((k in FIRST) && (k in BOOT)) put(k, "w5entry", 0, FIRST[k] - BOOT[k])
        if (k == "linux" && (k in FIRST) && FW > 0) put(k, "w5entry", 0, FIRST[k] - FW)
        if ((k in START) && (k in MARK)) put(k, "w5host", 0, MARK[k] - START[k])
    }
    nr = 0
    R[++nr] = "w1mmap";   L[nr] = "W1 mmap 16 MiB, per page";                 T[nr] = ""
    R[++nr] = "w1touch";  L[nr] = "W1 demand-zero fault, per page";           T[nr] = 1300
    R[++nr] = "w1munmap"; L[nr] = "W1 munmap 16 MiB, per page";               T[nr] = ""
    R[++nr] = "w2_0";     L[nr] = "W2 fork+exit+wait, 0 MiB touched";         T[nr] = 40000
    R[++nr] = "w2_1";     L[nr] = "W2 fork+exit+wait, 1 MiB touched";         T[nr] = ""
    R[++nr] = "w2_16";    L[nr] = "W2 fork+exit+wait, 16 MiB touched";        T[nr] = ""
    R[++nr] = "w2_64";    L[nr] = "W2 fork+exit+wait, 64 MiB touched";        T[nr] = 200000
    R[++nr] = "w2_256";   L[nr] = "W2 fork+exit+wait, 256 MiB touched";       T[nr] = ""
    R[++nr] = "slope";    L[nr] = "W2 slope per touched page (64 vs 1 MiB)";  T[nr] = 10
    R[++nr] = "w3";       L[nr] = "W3 COW break per page (beyond W2@16)";     T[nr] = 1900
    R[++nr] = "w4";       L[nr] = "W4 mmap+write+munmap, per iteration";      T[nr] = 5000
    R[++nr] = "w6";       L[nr] = "W6 mremap move of 64 MiB, per page";      T[nr] = 60
    R[++nr] = "w7";       L[nr] = "W7 mincore of 64 MiB, per page";          T[nr] = ""
    R[++nr] = "w5entry";  L[nr] = "W5 kernel entry -> init's first line";     T[nr] = 3000000
    R[++nr] = "w5reset";  L[nr] = "W5 machine reset -> init's first line";    T[nr] = ""
    R[++nr] = "w5host";   L[nr] = "W5 host seconds, QEMU start -> first line"; T[nr] = ""

    both = ("ours" in HAVE) && ("linux" in HAVE)
    if ("ours" in HAVE && !("ours" in DONE)) print "WARNING: our kernel's run did not finish (no 'bench: done')"
    if ("linux" in HAVE && !("linux" in DONE)) print "WARNING: the Linux run did not finish (no 'bench: done')"
    if (both) {
        printf "%-43s %29s %29s %8s %12s  %s\n", "row (guest instructions; median [min-max])", "ours", "Linux", "ours/Lx", "target", "ours vs target"
    } else if ("ours" in HAVE) {
        printf "%-43s %12s %12s %12s %12s  %s\n", "row (guest instructions)", "median", "min", "max", "target", "vs target"
    }
    for (i = 1; i <= nr; i++) {
        key = R[i]
        if (!("ours" in HAVE)) continue
        no = stats("ours", key); mo = S_MED; lo = S_MIN; ho = S_MAX
        verdict = ""
        if (T[i] != "" && no) verdict = (mo <= T[i]) ? "meets" : sprintf("MISSES (%.1fx)", mo / T[i])
        tgt = (T[i] == "") ? "" : "<= " commas(T[i])
        if (both) {
            nl = stats("linux", key); ml = S_MED; ll = S_MIN; hl = S_MAX
            co = !no ? "-" : (no == 1 ? num(mo, key) : num(mo, key) " [" num(lo, key) "-" num(ho, key) "]")
            cl = !nl ? "-" : (nl == 1 ? num(ml, key) : num(ml, key) " [" num(ll, key) "-" num(hl, key) "]")
            ratio = (no && nl && ml != 0) ? sprintf(mo / ml < 0.01 ? "%.1e" : "%.2f", mo / ml) : "-"
            if (key == "w5entry" && nl) cl = "~" cl
            printf "%-43s %29s %29s %8s %12s  %s\n", L[i], co, cl, ratio, tgt, verdict
        } else if (no) {
            printf "%-43s %12s %12s %12s %12s  %s\n", L[i], num(mo, key), num(lo, key), num(ho, key), tgt, verdict
        }
    }
    if (nb) {
        print ""
        printf "%-43s %12s %12s  %s\n", "boot at several RAM sizes (guest instructions)", "ours", "target", "vs target"
        for (i = 1; i <= nb; i++) {
            f = BORDER[i]
            if (!(f in BB)) continue
            v = BF[f] - BB[f]
            printf "%-43s %12s %12s  %s\n", "W5 kernel entry -> init's first line, -m " BM[f], commas(v), "<= 3,000,000", (v <= 3000000) ? "meets" : sprintf("MISSES (%.1fx)", v / 3000000)
        }
    }
    if ("noise" in HAVE) {
        print ""
        print "Host-time noise: the same binary on our kernel under plain TCG (no -icount): the TSC"
        print "is then the host's, so these are host cycles, not guest instructions."
        printf "%-43s %12s %12s %12s\n", "row (host cycles)", "median", "min", "max"
        for (i = 1; i <= nr; i++) {
            key = R[i]
            if (key == "w5reset") continue
            if (stats("noise", key)) printf "%-43s %12s %12s %12s\n", L[i], num(S_MED, key), num(S_MIN, key), num(S_MAX, key)
        }
    }
}
AWK
