#!/usr/bin/env python3
"""covguide.py — the host's half of the coverage-guided fuzzer (tools/fuzz.sh; the runner's half
is user/programs/src/bin/fuzz/guide.rs; the loop is described in docs/coverage.md).

    covguide.py update STATE TRACE FUZZLOG [MAX]

TRACE is QEMU's `-d in_asm` log of one boot of the fuzzer run with `--marks`: kernel
translation blocks, and the runner's marker block (`mov eax, B` at guide::MARK) before each
batch B. FUZZLOG is that boot's console with the `fuzz: input B GENOME` lines.

Every kernel instruction printed after marker B and not yet in STATE/covered.addrs is new code
reached first by batch B (QEMU prints a block when execution first reaches it). The genomes
of batches that reached new code join the corpus STATE/corpus (at most MAX entries, default
16; scores are the new instructions found, halved every round so that fresh finds displace
old ones), which the next boot mutates. Prints one line: what this boot added.
"""
import os
import re
import sys

MARK = 0x3F00A000  # guide::MARK = world::FIX + 10 pages
INSN = re.compile(r"^0x([0-9a-f]{8}):\s+(.*)")
IMM = re.compile(r"\$(0x[0-9a-f]+|\d+)")  # the disassembler prints small immediates in decimal


def load_covered(path):
    cov = set()
    if os.path.exists(path):
        with open(path) as f:
            cov = {int(l[2:10], 16) for l in f if l.startswith("0x")}
    return cov


def new_per_batch(trace, covered):
    """{batch: new kernel instructions} (batch -1: before the first marker); updates covered."""
    new = {}
    batch, in_mark = -1, False
    with open(trace, errors="replace") as f:
        for line in f:
            if line.startswith("IN:"):
                in_mark = None  # the next instruction decides
                continue
            m = INSN.match(line)
            if not m:
                continue
            a = int(m.group(1), 16)
            if in_mark is None:
                in_mark = a == MARK
                if in_mark:
                    imm = IMM.search(m.group(2))
                    if imm:
                        v = int(imm.group(1), 0)
                        batch = -1 if v == 0xFFFFFFFF else v
                    continue
            if a >= 0xC0000000 and a not in covered:
                covered.add(a)
                new[batch] = new.get(batch, 0) + 1
    return new


def main():
    if len(sys.argv) < 5 or sys.argv[1] != "update":
        sys.exit(__doc__)
    state, trace, log = sys.argv[2:5]
    cap = int(sys.argv[5]) if len(sys.argv) > 5 else 16
    os.makedirs(state, exist_ok=True)
    cov_path = os.path.join(state, "covered.addrs")
    covered = load_covered(cov_path)
    before = len(covered)
    new = new_per_batch(trace, covered)
    inputs = {}
    with open(log, errors="replace") as f:
        for line in f:
            m = re.match(r"^fuzz: input (\d+) (\S+)", line)
            if m:
                inputs[int(m.group(1))] = m.group(2)
    scores = {}
    sc_path = os.path.join(state, "corpus.scores")
    if os.path.exists(sc_path):
        with open(sc_path) as f:
            for l in f:
                g, s = l.split()
                scores[g] = float(s) / 2
    finds = {b: n for b, n in new.items() if b >= 0 and b in inputs}
    for b, n in finds.items():
        scores[inputs[b]] = max(scores.get(inputs[b], 0), n)
    kept = sorted(scores.items(), key=lambda kv: -kv[1])[:cap]
    with open(sc_path, "w") as f:
        f.writelines("%s %g\n" % kv for kv in kept)
    with open(os.path.join(state, "corpus"), "w") as f:
        f.writelines(g + "\n" for g, _ in kept)
    with open(cov_path, "w") as f:
        f.writelines("0x%08x:\n" % a for a in sorted(covered))
    print("covguide: +%d kernel instructions (%d batches of %d found new code; %d before the first batch), "
          "%d covered in all, corpus %d" % (len(covered) - before, len(finds), len(inputs), new.get(-1, 0), len(covered), len(kept)))


if __name__ == "__main__":
    main()
