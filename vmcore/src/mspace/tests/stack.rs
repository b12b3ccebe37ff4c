//! GROWSDOWN stacks: growth on faults, the size limit and the guard gap.

use super::*;
use crate::layout::{STACK_GUARD_GAP, STACK_LIMIT, USER_END};
use crate::vma::VmaName;

const P: u32 = PAGE_SIZE;
const STACK: VmFlags = RW.union(VmFlags::GROWSDOWN);
/// Four pages at the top of user space.
const STACK_START: u32 = USER_END - 4 * P;

fn with_stack(w: &mut World<'_>) -> usize {
    let s = w.create();
    let req = MapRequest::anonymous(4, STACK).named(VmaName::Stack).fixed(pg(STACK_START));
    w.map(s, req).unwrap();
    s
}

fn stack_start(w: &World<'_>, s: usize) -> u32 {
    w.space(s).search(VirtAddr::new(USER_END - 1)).unwrap().start_addr().as_u32()
}

#[test]
fn a_fault_below_the_stack_grows_it() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = with_stack(&mut w);
    w.write(s, STACK_START - 16, 0xAB).unwrap();
    assert_eq!(stack_start(&w, s), STACK_START - P);
    assert_eq!(w.stats(s).v_size, 5);
    assert_eq!(w.read(s, STACK_START - 16), Ok(0xAB));
    // Far below, within the limit: the stack grows down to the faulting page at once.
    let far = USER_END - 0x10_0000;
    assert_eq!(w.read(s, far), Ok(0));
    assert_eq!(stack_start(&w, s), far);
    assert_eq!(w.stats(s).v_size, 0x100);
    assert_eq!(w.space(s).tree().len(), 1);
    // A kernel-mode access (a copy to user memory) grows it too.
    assert_eq!(w.access(s, far - P, Some(1), Mode::Kernel), Ok(0));
    assert_eq!(stack_start(&w, s), far - P);
    w.finish();
}

#[test]
fn the_stack_limit_stops_growth() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = with_stack(&mut w);
    let lowest = USER_END - STACK_LIMIT;
    assert_eq!(w.read(s, lowest - 1), Err(Sig::Segv(SegvReason::StackLimit)));
    assert_eq!(stack_start(&w, s), STACK_START, "no growth on refusal");
    assert_eq!(w.read(s, lowest), Ok(0));
    assert_eq!(w.stats(s).v_size, STACK_LIMIT / P);
    w.finish();
}

#[test]
fn the_guard_gap_keeps_the_stack_off_the_area_below() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = with_stack(&mut w);
    let below_end = USER_END - 0x40_0000;
    w.map_at(s, below_end - P, 1, RW);
    assert_eq!(w.read(s, below_end + P), Err(Sig::Segv(SegvReason::GuardGap)));
    assert_eq!(w.read(s, below_end + STACK_GUARD_GAP), Ok(0));
    assert_eq!(stack_start(&w, s), below_end + STACK_GUARD_GAP);
    // mmap without MAP_FIXED keeps out of the gap below a stack.
    let hint = pg(below_end + STACK_GUARD_GAP - 2 * P);
    let placed = w.map(s, MapRequest::anonymous(1, RW).hint(hint)).unwrap();
    assert_ne!(placed, hint);
    w.finish();
}

#[test]
fn a_stack_grown_against_another_stack_is_merged_by_scavenge() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    let x = 0x0800_0000;
    w.map_at(s, x - P, 1, STACK);
    w.map_at(s, x + P, 1, STACK);
    w.write(s, x, 1).unwrap(); // the upper stack grows against the lower one
    assert_eq!(w.space(s).tree().len(), 2);
    assert_eq!(w.with(s, |sp, t, p| sp.scavenge(t, p)), 1);
    assert_eq!(w.space(s).tree().len(), 1);
    assert_eq!(w.read(s, x), Ok(1));
    w.finish();
}
