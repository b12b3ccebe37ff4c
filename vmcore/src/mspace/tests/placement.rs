//! Where mappings without an address go: top-down below `mmap_base` (Linux's layout), the
//! fallback bottom-up from `TASK_UNMAPPED_BASE`, the legacy bottom-up layout, hints, and a
//! child keeping its parent's placement.

use super::*;
use crate::aslr::TASK_UNMAPPED_BASE;

const BASE: u32 = 0xB800_0000;

fn anon(pages: u32) -> MapRequest {
    MapRequest::anonymous(pages, RW)
}

#[test]
fn top_down_from_mmap_base_then_bottom_up_from_a_third() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.spaces[s].as_mut().unwrap().set_placement(BASE, true);
    assert_eq!(w.map(s, anon(2)), Ok(pg(BASE - 2 * PAGE_SIZE)));
    assert_eq!(w.map(s, anon(3)), Ok(pg(BASE - 5 * PAGE_SIZE)));
    // A hole left by munmap is reused when it fits, highest first.
    w.unmap(s, BASE - 2 * PAGE_SIZE, 2).unwrap();
    assert_eq!(w.map(s, anon(1)), Ok(pg(BASE - PAGE_SIZE)));
    // A free hint is taken, even above mmap_base.
    assert_eq!(w.map(s, anon(1).hint(pg(0xB900_0000))), Ok(pg(0xB900_0000)));
    // Everything below mmap_base taken: bottom-up from TASK_UNMAPPED_BASE, above mmap_base.
    let below = (BASE - crate::layout::USER_START) / PAGE_SIZE - 5;
    assert_eq!(w.map(s, anon(below).fixed(pg(crate::layout::USER_START))), Ok(pg(crate::layout::USER_START)));
    assert_eq!(w.map(s, anon(1)), Ok(pg(BASE - 2 * PAGE_SIZE)), "the last free page below the base");
    assert_eq!(w.map(s, anon(4)), Ok(pg(BASE)), "no room below: the lowest fit from 0x40000000 up");
}

#[test]
fn legacy_layout_is_bottom_up_from_its_base_and_children_keep_it() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.spaces[s].as_mut().unwrap().set_placement(TASK_UNMAPPED_BASE, false);
    assert_eq!(w.map(s, anon(2)), Ok(pg(TASK_UNMAPPED_BASE)));
    assert_eq!(w.map(s, anon(1)), Ok(pg(TASK_UNMAPPED_BASE + 2 * PAGE_SIZE)));
    let placement = w.space(s).placement();
    assert_eq!((placement.base, placement.top_down), (pg(TASK_UNMAPPED_BASE), false));
    let child = w.fork(s).unwrap();
    assert_eq!(w.space(child).placement(), placement);
    assert_eq!(w.map(child, anon(1)), Ok(pg(TASK_UNMAPPED_BASE + 3 * PAGE_SIZE)));
}
