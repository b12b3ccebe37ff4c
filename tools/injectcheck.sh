# injectcheck.sh — sourced by tools/ringtest.sh and tools/failslab.sh: the verdict on one boot
# under allocation-failure injection with the shell as init, which typed `free` before and
# after the injected programs, then `hello after-injection`, then `exit`.
#
# inject_verdict LOG [FIELD] sets `why` (empty when the run is clean), `report` (the kernel's
# power-off line "failure injection: ...", without that prefix) and `memfree` (the last value of
# FIELD, default MemFree, kB; MemAvailable also counts page-cache pages, which a program's
# first run fills for good from its binary).
# Clean means: no kernel panic; no case reporting a leak; MemFree back to its first figure —
# within 1 kB, after what the live processes gained (AnonPages, PageTables): it counts the heap's free bytes floored to kB, so a few bytes of heap
# bookkeeping (a collection that grew by one element for good) can move it, frames are exact;
# the fresh process ran; the shell exited cleanly (the terminal echoed the typed-ahead
# commands at boot, so the kernel's line follows the shell's last prompt, as on Linux); the
# report is there and counts no allocation in interrupt context.
inject_verdict() {
    local log=$1 field=${2:-MemFree} before after
    read -r before after _ <<< "$(sed -n "s/^$field: *\([0-9]*\) kB/\1/p" "$log" | tr '\n' ' ')"
    why="" memfree=$after
    report=$(grep -m1 '^failure injection:' "$log" | sed 's/^failure injection: //')
    grep -q 'KERNEL PANIC' "$log" && why="kernel panic: $(grep -m1 -o 'KERNEL PANIC.*' "$log" | cut -c1-120)"
    [ -z "$why" ] && grep -q '^test .*leaked' "$log" && why="leak: $(grep -m1 '^test .*leaked' "$log")"
    # What the processes still alive (the shell) hold now and did not before — a stack page a
    # signal frame reached, a page table — is theirs, not a leak: AnonPages and PageTables sum
    # the live address spaces.
    local a0 a1 t0 t1 held=0
    read -r a0 a1 _ <<< "$(sed -n 's/^AnonPages: *\([0-9]*\) kB/\1/p' "$log" | tr '\n' ' ')"
    read -r t0 t1 _ <<< "$(sed -n 's/^PageTables: *\([0-9]*\) kB/\1/p' "$log" | tr '\n' ' ')"
    [ -n "$a1" ] && [ -n "$t1" ] && held=$(( (a1 - a0) + (t1 - t0) ))
    [ -z "$why" ] && { [ -n "$before" ] && [ -n "$after" ] && [ $((before - after - held)) -le 1 ] && [ $((after + held - before)) -le 1 ] || why="$field $before -> $after kB (live processes hold $held kB more)"; }
    [ -z "$why" ] && ! grep -q '^argv\[1\] = "after-injection"' "$log" && why="no fresh process afterwards"
    [ -z "$why" ] && ! grep -qE '^(\$ )*init exited with status 0' "$log" && why="the shell did not exit cleanly"
    [ -z "$why" ] && [ -z "$report" ] && why="no injection report at power-off"
    [ -z "$why" ] && ! grep -q '; 0 allocations in interrupt context' <<< "$report" && why="allocations in interrupt context: $report"
}
