//! The gap searches over many areas (dozens of chunks, so that the gap index decides which
//! chunks are skipped) against a page model: the lowest and the highest free fit, with the
//! stack guard gap, for random windows, after random inserts, removals and merges.

use super::*;
use crate::addr::PAGE_SIZE;
use crate::layout::STACK_GUARD_GAP;
use crate::vma::VmFlags;
use alloc::vec::Vec;
use proptest::prelude::*;

const RW: VmFlags =
    VmFlags::READ.union(VmFlags::WRITE).union(VmFlags::MAYREAD).union(VmFlags::MAYWRITE);
/// Pages of the modelled window.
const N: u32 = 4000;
const BASE: u32 = 0x400;
const GUARD: u32 = STACK_GUARD_GAP / PAGE_SIZE;

fn pg(n: u32) -> Page {
    Page::from_number(BASE + n)
}

/// Per page: `None` free, `Some(grows_down)` mapped.
type Model = Vec<Option<bool>>;

#[derive(Clone, Debug)]
enum Op {
    Map { start: u32, pages: u32, stack: bool },
    Unmap { start: u32, pages: u32 },
    Scavenge,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0..N, 1u32..12, prop::bool::weighted(0.05)).prop_map(|(start, pages, stack)| Op::Map { start, pages, stack }),
        2 => (0..N, 1u32..200).prop_map(|(start, pages)| Op::Unmap { start, pages }),
        1 => Just(Op::Scavenge),
    ]
}

fn apply(t: &mut VmaTree, model: &mut Model, op: &Op) {
    match *op {
        Op::Map { start, pages, stack } => {
            let pages = pages.min(N - start);
            if model[start as usize..(start + pages) as usize].iter().any(Option::is_some) {
                return;
            }
            let flags = if stack { RW | VmFlags::GROWSDOWN } else { RW };
            t.insert(Vma::anonymous(pg(start), pages, flags).unwrap()).unwrap();
            model[start as usize..(start + pages) as usize].fill(Some(stack));
        }
        Op::Unmap { start, pages } => {
            let end = (start + pages).min(N);
            t.remove_range(pg(start), pg(end), drop).unwrap();
            model[start as usize..end as usize].fill(None);
        }
        Op::Scavenge => {
            t.scavenge();
        }
    }
}

/// Whether `[at, at + pages)` is free in the model and not within the guard gap below the
/// stack that the next mapped page above it belongs to.
fn model_fits(model: &Model, at: u32, pages: u32) -> bool {
    let end = at + pages;
    if model[at as usize..end as usize].iter().any(Option::is_some) {
        return false;
    }
    match (end..N).find(|&q| model[q as usize].is_some()) {
        // The area above starts at q: a stack's guard must stay free.
        Some(q) => model[q as usize] != Some(true) || q >= end + GUARD,
        None => true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn both_searches_match_the_model(
        ops in prop::collection::vec(op(), 50..700),
        queries in prop::collection::vec((1u32..40, 0..=N, 0..=N), 1..12),
    ) {
        let mut t = VmaTree::new();
        let mut model: Model = alloc::vec![None; N as usize];
        for op in &ops {
            apply(&mut t, &mut model, op);
            // Every edit keeps the index exact (removals update it without a rescan).
            t.map.check_index();
        }
        for (pages, a, b) in queries {
            let (lower, upper) = (a.min(b), a.max(b));
            let fits = |&x: &u32| x + pages <= upper && model_fits(&model, x, pages);
            let lowest = (lower..upper).find(fits);
            let highest = (lower..upper).rev().find(fits);
            prop_assert_eq!(t.find_gap(pages, None, pg(lower), pg(upper)), lowest.map(pg), "bottom-up {} in [{}, {})", pages, lower, upper);
            prop_assert_eq!(t.find_gap_top_down(pages, None, pg(lower), pg(upper)), highest.map(pg), "top-down {} in [{}, {})", pages, lower, upper);
        }
    }
}

/// 10,000 one-page areas a page apart, then holes punched: the searches find the top-most
/// and lowest holes without walking every area, and the index follows every edit.
#[test]
fn ten_thousand_areas_and_their_holes() {
    let mut t = VmaTree::new();
    let mut flags = RW;
    for i in 0..10_000 {
        // Alternate flags so that adjacent areas never merge.
        flags.toggle(VmFlags::WRITE);
        t.insert(Vma::anonymous(pg(i), 1, flags).unwrap()).unwrap();
    }
    t.map.check_index();
    let (lower, upper) = (pg(0), pg(20_000));
    assert_eq!(t.find_gap_top_down(2, None, lower, upper), Some(pg(20_000 - 2)));
    assert_eq!(t.find_gap(2, None, lower, upper), Some(pg(10_000)));
    assert_eq!(t.find_gap_top_down(2, None, lower, pg(10_000)), None);
    // Holes of 1 page (too small) at 100, of 3 pages at 3000 and 7000.
    t.remove_range(pg(100), pg(101), drop).unwrap();
    t.remove_range(pg(3000), pg(3003), drop).unwrap();
    t.remove_range(pg(7000), pg(7003), drop).unwrap();
    t.map.check_index();
    assert_eq!(t.find_gap_top_down(2, None, lower, pg(10_000)), Some(pg(7001)));
    assert_eq!(t.find_gap(2, None, lower, pg(10_000)), Some(pg(3000)));
    assert_eq!(t.find_gap_top_down(2, None, lower, pg(7001)), Some(pg(3001)));
    assert_eq!(t.find_gap(1, None, lower, upper), Some(pg(100)));
    assert_eq!(t.find_gap(4, None, lower, pg(10_003)), None);
}
