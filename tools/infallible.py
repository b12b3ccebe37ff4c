#!/usr/bin/env python3
"""infallible.py KERNEL.elf — the kernel functions that can still make an infallible heap
allocation: those whose code calls the allocation-error handler (`handle_alloc_error`,
`raw_vec::handle_error`) directly or through `alloc`'s own growth helpers (`grow_one`,
`reserve`, `to_vec`, `format`, ...), found in the disassembly. Each is a place where failslab's
injected failure (or a real exhaustion) would panic, unless the allocation provably cannot
happen there (a push into capacity reserved before, a path only boot takes): a guide for
docs/failslab.md's "Left" list, not a proof. Prints one function per line, then the count."""
import re
import subprocess
import sys

HANDLERS = ("alloc::alloc::handle_alloc_error", "alloc::raw_vec::handle_error")
dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-C", sys.argv[1]], capture_output=True, text=True, check=True).stdout
calls = {}  # function -> set of callees
fn = None
head = re.compile(r"^[0-9a-f]+ <(.*)>:$")
call = re.compile(r"\scall\s+[0-9a-f]+ <(.*?)(\+0x[0-9a-f]+)?>$")
for line in dis.splitlines():
    m = head.match(line)
    if m:
        fn = m.group(1)
        calls.setdefault(fn, set())
        continue
    m = call.search(line)
    if m and fn:
        calls[fn].add(m.group(1))

def is_library(name):
    return not ("kernel::" in name or "vmcore::" in name or name in ("kmain", "trap_dispatch")) or name.startswith(("<alloc::", "<<alloc::", "alloc::", "core::"))

# alloc's growth helpers that end in the handler when the heap says no (their callers are the
# sites); other library code reaching a handler (through a `dyn` call, a drop) is not followed.
GROWTH = re.compile(r"grow_one|grow_amortized|do_reserve_and_handle|reserve_for_push|from_elem|to_vec|format_inner|alloc::fmt::format|"
                    r"String as core::clone::Clone|Vec<.*> as core::clone::Clone|from_utf8_lossy|with_capacity|exchange_malloc|"
                    r"btree::node::.*insert|btree::map::.*insert|VecDeque<.*>>::grow|driftsort_main|from_iter|Arc<.*>>::new|Box<.*>>::new")

# Functions that can reach a handler: the handlers' direct callers, then (through library
# helpers only) their callers.
reach = {f for f, cs in calls.items() if any(c in HANDLERS for c in cs)}
changed = True
while changed:
    changed = False
    for f, cs in calls.items():
        if f not in reach and any(c in reach and is_library(c) and (c.startswith("alloc::") or GROWTH.search(c)) for c in cs):
            reach.add(f)
            changed = True
ours = sorted(f for f in reach if not is_library(f))
for f in ours:
    print(f)
print(f"{len(ours)} kernel functions can make an infallible allocation", file=sys.stderr)
