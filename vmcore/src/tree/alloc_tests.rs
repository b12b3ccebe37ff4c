//! The tree with many areas (several chunks of [`areas`](super::areas)) against a page model,
//! and with allocations failed on purpose: an edit that fails changes nothing.

use super::areas::inject::failing_after;
use super::tests::removed;
use super::*;
use crate::vma::VmFlags;
use alloc::vec::Vec;
use proptest::prelude::*;

const RW: VmFlags =
    VmFlags::READ.union(VmFlags::WRITE).union(VmFlags::MAYREAD).union(VmFlags::MAYWRITE);
const R: VmFlags = VmFlags::READ.union(VmFlags::MAYREAD).union(VmFlags::MAYWRITE);
/// Pages of the window the random operations work in (room for well over ten chunks).
const N: u32 = 800;
const BASE: u32 = 0x400;

fn pg(n: u32) -> Page {
    Page::from_number(BASE + n)
}

/// What the tree says, as comparable data: (start, pages, flags) of every area.
fn snapshot(t: &VmaTree) -> Vec<(u32, u32, VmFlags)> {
    t.iter().map(|v| (v.start().number(), v.pages(), v.flags)).collect()
}

/// The reproducer's shape: one mapping, every other page made read-only.
fn striped(pages: u32) -> VmaTree {
    let mut t = VmaTree::new();
    t.insert(Vma::anonymous(pg(0), pages, RW).unwrap()).unwrap();
    for i in (0..pages).step_by(2) {
        t.set_protection(pg(i), pg(i + 1), VmFlags::READ).unwrap();
    }
    t
}

#[test]
fn eight_thousand_areas_split_find_clone_and_merge_back() {
    let mut t = striped(8000);
    assert_eq!((t.len(), t.total_pages()), (8000, 8000));
    for i in 0..8000 {
        let v = t.find(pg(i).start()).unwrap();
        assert_eq!((v.start(), v.pages()), (pg(i), 1));
        assert_eq!(v.flags.contains(VmFlags::WRITE), i % 2 == 1);
    }
    let c = t.try_clone().unwrap();
    assert_eq!(snapshot(&c), snapshot(&t));
    // Making everything writable again merges the 8,000 areas back into one.
    t.set_protection(pg(0), pg(8000), VmFlags::READ | VmFlags::WRITE).unwrap();
    assert_eq!(snapshot(&t), [(BASE, 8000, RW)]);
    assert_eq!(c.len(), 8000, "the clone is independent");
}

#[test]
fn a_clone_that_runs_out_of_memory_fails_cleanly() {
    let t = striped(2000);
    for n in [0, 1, 5, 30, 62, 63] {
        assert_eq!(failing_after(n, || t.try_clone()).err(), Some(NoMemory), "after {n}");
    }
    assert!(failing_after(65, || t.try_clone()).is_ok(), "63 chunks, their vector and the gap index");
}

#[test]
fn a_refused_reserve_changes_nothing_and_a_granted_one_holds() {
    let mut t = striped(200);
    let before = snapshot(&t);
    assert_eq!(t.reserve(usize::MAX / 2), Err(NoMemory));
    assert_eq!(snapshot(&t), before);
    t.reserve(3).unwrap();
    // Three splits now succeed with every allocation refused.
    failing_after(0, || {
        for at in [51, 101, 151] {
            assert_eq!(t.set_protection(pg(at), pg(at + 1), VmFlags::READ), Ok(()));
        }
    });
}

#[derive(Clone, Debug)]
enum Op {
    Map { start: u32, pages: u32, write: bool },
    Unmap { start: u32, end: u32 },
    Protect { start: u32, end: u32, write: bool },
    Split { at: u32 },
}

fn op() -> impl Strategy<Value = Op> {
    let range = (0..N, 1..40u32).prop_map(|(s, n)| (s, (s + n).min(N)));
    prop_oneof![
        (0..N, 1..40u32, any::<bool>()).prop_map(|(start, pages, write)| Op::Map { start, pages: pages.min(N - start), write }),
        range.clone().prop_map(|(start, end)| Op::Unmap { start, end }),
        (range, any::<bool>()).prop_map(|((start, end), write)| Op::Protect { start, end, write }),
        (0..N).prop_map(|at| Op::Split { at }),
    ]
}

/// Applies `op` to the tree and, when it succeeded, to the page model (`Some(writable)`).
fn apply(t: &mut VmaTree, model: &mut [Option<bool>], op: &Op) -> Result<(), NoMemory> {
    match *op {
        Op::Map { start, pages, write } => {
            let flags = if write { RW } else { R };
            t.reserve(3)?;
            removed(t, pg(start), pg(start + pages));
            t.insert(Vma::anonymous(pg(start), pages, flags).unwrap()).unwrap();
            t.scavenge_range(pg(start), pg(start + pages));
            model[start as usize..(start + pages) as usize].fill(Some(write));
        }
        Op::Unmap { start, end } => {
            t.remove_range(pg(start), pg(end), drop)?;
            model[start as usize..end as usize].fill(None);
        }
        Op::Protect { start, end, write } => {
            let prot = if write { VmFlags::READ | VmFlags::WRITE } else { VmFlags::READ };
            match t.set_protection(pg(start), pg(end), prot) {
                Err(ProtectError::NoMemory) => return Err(NoMemory),
                Err(_) => return Ok(()), // a hole: refused, nothing changed (the model agrees)
                Ok(()) => model[start as usize..end as usize].fill(Some(write)),
            }
        }
        Op::Split { at } => {
            t.split_at(pg(at))?;
        }
    }
    Ok(())
}

/// The tree describes exactly the model's pages, with adjacent equal areas merged where an
/// edit ran its scavenge.
fn check(t: &VmaTree, model: &[Option<bool>]) {
    let mut pages = 0;
    let mut last_end = 0;
    for v in t.iter() {
        assert!(v.start().number() >= last_end, "ordered, no overlap");
        last_end = v.end_page().number();
        pages += v.pages();
    }
    assert_eq!(pages, t.total_pages());
    for (i, want) in model.iter().enumerate() {
        let got = t.find(pg(i as u32).start()).map(|v| v.flags.contains(VmFlags::WRITE));
        assert_eq!(got, *want, "page {i}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random edits over hundreds of areas; each is first tried with its allocations failing
    /// after a random count, and a failed try must leave the tree exactly as it was.
    #[test]
    fn many_areas_match_the_model_and_failures_change_nothing(
        ops in proptest::collection::vec((op(), 0..4u32), 1..400),
    ) {
        let mut t = VmaTree::new();
        let mut model = alloc::vec![None; N as usize];
        for (op, fail_after) in &ops {
            let before = snapshot(&t);
            let mut scratch = model.clone();
            if failing_after(*fail_after, || apply(&mut t, &mut scratch, op)).is_err() {
                prop_assert_eq!(snapshot(&t), before);
                apply(&mut t, &mut model, op).unwrap();
            } else {
                model = scratch;
            }
            check(&t, &model);
        }
    }
}
