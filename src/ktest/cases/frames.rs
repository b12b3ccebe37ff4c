//! The physical frame allocator on the real memory map.

use crate::mm::frames;
use crate::{check, check_eq, ktest};
use alloc::vec::Vec;

ktest!(fn every_free_frame_can_be_allocated_and_freed() {
    let before = frames::counters();
    check!(before.free > 0);
    check_eq!(before.free + before.used + before.reserved, before.total);
    // Room for every frame first, so the heap does not grow while frames run out.
    let mut all: Vec<vmcore::addr::Frame> = Vec::with_capacity(before.free as usize + 16);
    let after_vec = frames::counters();
    while let Some(f) = frames::alloc() {
        all.push(f);
    }
    let full = frames::counters();
    check_eq!(full.free, 0);
    check_eq!(all.len() as u32, after_vec.free);
    check!(frames::alloc().is_none(), "allocation succeeded with no free frame");
    // In place: no memory can be had while every frame is held.
    all.sort_unstable();
    check!(all.windows(2).all(|w| w[0] != w[1]), "a frame was handed out twice");
    check!(all[0].number() != 0, "frame 0 handed out");
    for f in all.drain(..) {
        frames::free(f);
    }
    check_eq!(frames::counters(), after_vec);
    Ok(())
});

ktest!(fn reference_counts_share_and_release() {
    let before = frames::counters();
    let f = frames::alloc().expect("a free frame");
    check_eq!(frames::refcount(f), 1);
    check_eq!(frames::inc_ref(f), 2);
    check_eq!(frames::counters().shared, before.shared + 1);
    check!(!frames::dec_ref(f), "freed while still referenced");
    check_eq!(frames::counters().shared, before.shared);
    check!(frames::dec_ref(f), "last reference did not free");
    check_eq!(frames::counters(), before);
    Ok(())
});

ktest!(fn contiguous_frames_are_contiguous_and_aligned() {
    let before = frames::counters();
    let first = frames::alloc_contiguous(16, 16).expect("16 contiguous frames");
    check_eq!(first.number() % 16, 0);
    for i in 0..16 {
        let f = first.checked_add(i).expect("in range");
        check_eq!(frames::refcount(f), 1);
        frames::free(f);
    }
    check_eq!(frames::counters(), before);
    Ok(())
});

ktest!(fault "double free of Frame", fn freeing_a_frame_twice_panics() {
    let f = frames::alloc().expect("a free frame");
    frames::free(f);
    frames::free(f);
    Ok(())
});
