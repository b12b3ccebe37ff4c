//! Stack growth, its guard gap and its limit.

use super::*;

pub(super) static CASES: &[Case] = &[
    case!(stack_grow, OK, ALL, "the stack grows by 1 MiB through recursion (with a mapping 3 MiB below)"),
    case!(stack_guard_gap, SEGV, ALL, "stack growth into the guard gap above a mapping placed 16 MiB below the stack kills"),
    case!(stack_far, SEGV, ALL, "a touch 16 MiB below the stack (nothing mapped) kills: beyond the stack limit"),
];

fn stack_grow(ctx: &Ctx) {
    let s = sp() & !(PG - 1);
    // A mapping 3 MiB below: after growing 1 MiB the gap to it is still 2 MiB (> the 1 MiB
    // guard gap), so growth must succeed.
    let m = map_at(s - 3 * MIB, PG, sys::PROT_READ);
    note!(
        ctx,
        "sp {:#x}, mapping 3 MiB below: {}",
        s,
        if m.is_ok() { "placed" } else { "not placed" }
    );
    let depth = 260; // 260 * ~4 KiB > 1 MiB
    let want: u32 = (0..=depth).map(|d| 2 * (d as u8) as u32).sum();
    check_eq!(recurse(depth), want, "recursion result");
    check!(sp() & !(PG - 1) == s, "sp moved");
}

fn stack_guard_gap(ctx: &Ctx) {
    let s = sp() & !(PG - 1);
    let m = s - 16 * MIB;
    let got = ok!(
        map_at(m, PG, sys::PROT_READ | sys::PROT_WRITE),
        "mapping 16 MiB below the stack"
    );
    check_eq!(got, m, "mapping address");
    note!(ctx, "sp {:#x}, mapping at {:#x}", s, m);
    // SAFETY: our mapping.
    unsafe { poke(m, 1) };
    // SAFETY: expected to fault: growing the stack down to here would leave less than the
    // guard gap (Linux: 256 pages) above the mapping (and exceed an 8 MiB stack limit).
    unsafe { peek(m + 2 * PG) };
}

fn stack_far(ctx: &Ctx) {
    let target = (sp() & !(PG - 1)) - 16 * MIB;
    note!(ctx, "touching {:#x}", target);
    // Nothing may be mapped there: map_at must succeed (and then we remove it again).
    let got = ok!(map_at(target, PG, sys::PROT_READ), "probe mapping");
    check_eq!(got, target, "probe mapping address");
    ok!(unmap(target, PG), "unmap probe");
    // SAFETY: expected to fault: 16 MiB below the stack exceeds the stack limit.
    unsafe { peek(target) };
}
