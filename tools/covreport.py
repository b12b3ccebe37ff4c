#!/usr/bin/env python3
"""covreport.py — kernel coverage from QEMU `-d in_asm` traces (tools/coverage.sh, tools/fuzz.sh).

    covreport.py report OUTDIR ELF=TRACE[,TRACE...] [ELF=TRACE...]
    covreport.py blocks TRACE            (prints the executed kernel instruction addresses)

QEMU prints a translation block (TB) under `-d in_asm` when it translates it, that is when
execution first reaches it (again after a TB flush). Every instruction of a printed kernel TB
counts as executed. (Exact except for a TB left early by a fault or an interrupt-enabled
`hlt`: its tail counts too. TBs end at jumps, so this is rare.)

`report` maps the addresses of each trace with the ELF it ran (the ktest kernel differs from
the normal one), so results are merged by source location. Every frame of an instruction's
inline chain (`addr2line -f -i`: the innermost function and line, then each call site it was
inlined through) names a function and a line of some file: a function or line is executable
if some instruction names it, executed if one of those ran — so functions inlined everywhere
count too, and a call-site line runs when code inlined from it runs. It writes OUTDIR/coverage.txt (summary per directory and per file),
OUTDIR/never.txt (functions never executed, by file) and prints the summary.
"""
import collections
import os
import re
import subprocess
import sys

# The directories reported (prefix match on the path relative to the repository).
DIRS = ["src/syscall", "src/mm", "src/fs", "src/proc", "vmcore/src/mspace", "src", "vmcore/src"]
INSN = re.compile(r"^0x([0-9a-f]{8}):")


def executed(trace):
    """Kernel instruction addresses of every TB printed in TRACE."""
    out = set()
    with open(trace, errors="replace") as f:
        for line in f:
            m = INSN.match(line)
            if m and line[2] >= "c":
                out.add(int(m.group(1), 16))
    return out


def repo_rel(path, root):
    """Path relative to the repository (None for code outside it: core, alloc, crates)."""
    if not path or path.startswith("/rustc/") or "/.cargo/" in path:
        return None
    for r in (root + "/", "/work/"):
        if path.startswith(r):
            rel = path[len(r):]
            if r == "/work/":
                rel = rel.split("/", 1)[1] if "/" in rel else rel
            return rel
    return path if not path.startswith("/") else None


def addr2line(elf, addrs):
    """The inline chain of each address, innermost first: [(function, file, line), ...]."""
    text = "".join("%x\n" % a for a in addrs)
    out = subprocess.run(["addr2line", "-a", "-f", "-i", "-C", "-e", elf], input=text, capture_output=True, text=True, check=True).stdout
    res, name = [], None
    for ln in out.splitlines():
        if ln.startswith("0x") and name is None:
            res.append([])
        elif name is None:
            name = re.sub(r"::h[0-9a-f]{16}$", "", ln)
        else:
            res[-1].append((name,) + split_loc(ln))
            name = None
    return res


def split_loc(ln):
    ln = ln.split(" (discriminator")[0]
    f, _, l = ln.rpartition(":")
    return (f if f and f != "??" else None, int(l) if l.isdigit() else 0)


def elf_model(elf, root):
    """Instructions, and the inline chain of each in the repository: {addr: [(fn, file, line)]}."""
    dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", elf], capture_output=True, text=True, check=True).stdout
    insns = [int(m.group(1), 16) for m in re.finditer(r"^ *(c[0-9a-f]{7}):\t", dis, re.M)]
    # Every frame of an instruction's inline chain: a call-site line (and the function it is
    # in) runs when code inlined from it runs.
    chains = addr2line(elf, insns)
    return insns, {a: [(fn, repo_rel(f, root), l) for fn, f, l in ch] for a, ch in zip(insns, chains)}


def report(out, pairs, root):
    lines_all, lines_hit = collections.defaultdict(set), collections.defaultdict(set)
    fn_all, fn_hit = collections.defaultdict(set), collections.defaultdict(set)
    for elf, traces in pairs:
        hit = set()
        for t in traces:
            hit |= executed(t)
        insns, chain_of = elf_model(elf, root)
        for a in insns:
            ran = a in hit
            for fn, f, l in chain_of[a]:
                if f and l:
                    lines_all[f].add(l)
                    fn_all[f].add(fn)
                    if ran:
                        lines_hit[f].add(l)
                        fn_hit[f].add(fn)
    files = sorted(set(lines_all) | set(fn_all))
    os.makedirs(out, exist_ok=True)
    rows = []

    def row(label, fs):
        fa = sum(len(fn_all[f]) for f in fs)
        fh = sum(len(fn_hit[f]) for f in fs)
        la = sum(len(lines_all[f]) for f in fs)
        lh = sum(len(lines_hit[f]) for f in fs)
        pct = lambda h, a: 100.0 * h / a if a else 0.0
        return "| %-40s | %5d / %5d | %5.1f %% | %6d / %6d | %5.1f %% |" % (label, fh, fa, pct(fh, fa), lh, la, pct(lh, la))

    head = ["| %-40s | %-13s | %-7s | %-15s | %-7s |" % ("directory / file", "functions", "", "lines", ""),
            "|%s|%s|%s|%s|%s|" % ("-" * 42, "-" * 15, "-" * 9, "-" * 17, "-" * 9)]
    summary = head + [row(d + "/", [f for f in files if f.startswith(d + "/")]) for d in DIRS]
    rows = head + [row(f, [f]) for f in files if f.startswith(("src/", "vmcore/src/"))]
    with open(os.path.join(out, "coverage.txt"), "w") as fo:
        fo.write("\n".join(summary) + "\n\nPer file:\n" + "\n".join(rows) + "\n")
    with open(os.path.join(out, "never.txt"), "w") as fo:
        for f in files:
            if not f.startswith(tuple(d + "/" for d in DIRS[:5])):
                continue
            for name in sorted(fn_all[f] - fn_hit[f]):
                fo.write("%s\t%s\n" % (f, name))
    never = sum(len(fn_all[f] - fn_hit[f]) for f in files if f.startswith(tuple(d + "/" for d in DIRS[:5])))
    print("\n".join(summary))
    print("never-executed functions in %s: %d (list: %s)" % (", ".join(DIRS[:5]), never, os.path.join(out, "never.txt")))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "blocks":
        for a in sorted(executed(sys.argv[2])):
            print("%x" % a)
        return
    if len(sys.argv) < 4 or sys.argv[1] != "report":
        sys.exit(__doc__)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    pairs = []
    for arg in sys.argv[3:]:
        elf, _, traces = arg.partition("=")
        pairs.append((elf, [t for t in traces.split(",") if t]))
    report(sys.argv[2], pairs, root)


if __name__ == "__main__":
    main()
