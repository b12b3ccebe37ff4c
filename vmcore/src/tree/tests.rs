use super::*;
use crate::addr::PAGE_SIZE;
use crate::layout::STACK_GUARD_GAP;
use crate::vma::test_file::TestFile;
use crate::vma::{Backing, VmFlags, VmaName};
use alloc::vec::Vec;

const RW: VmFlags =
    VmFlags::READ.union(VmFlags::WRITE).union(VmFlags::MAYREAD).union(VmFlags::MAYWRITE);
const R: VmFlags = VmFlags::READ.union(VmFlags::MAYREAD);

fn p(addr: u32) -> Page {
    Page::new(VirtAddr::new(addr))
}

fn anon(start: u32, pages: u32, flags: VmFlags) -> Vma {
    Vma::anonymous(p(start), pages, flags).unwrap()
}

fn extents(t: &VmaTree) -> Vec<(u32, u32)> {
    t.iter().map(|v| (v.start_addr().as_u32(), v.end().as_u32())).collect()
}

/// `remove_range`, collecting the pieces.
pub(super) fn removed(t: &mut VmaTree, start: Page, end: Page) -> Vec<Vma> {
    let mut out = Vec::new();
    t.remove_range(start, end, |v| out.push(v)).unwrap();
    out
}

fn tree(vmas: &[(u32, u32, VmFlags)]) -> VmaTree {
    let mut t = VmaTree::new();
    for &(s, n, f) in vmas {
        t.insert(anon(s, n, f)).unwrap();
    }
    t
}

#[test]
fn insert_refuses_overlap() {
    let mut t = tree(&[(0x1000, 2, RW), (0x5000, 1, RW)]);
    assert_eq!(t.insert(anon(0x2000, 1, RW)), Err(InsertError::Overlap { existing: p(0x1000) }));
    assert_eq!(t.insert(anon(0x4000, 2, RW)), Err(InsertError::Overlap { existing: p(0x5000) }));
    assert_eq!(t.insert(anon(0x0, 0x10, RW)), Err(InsertError::Overlap { existing: p(0x1000) }));
    t.insert(anon(0x3000, 2, RW)).unwrap();
    assert_eq!(extents(&t), [(0x1000, 0x3000), (0x3000, 0x5000), (0x5000, 0x6000)]);
    assert_eq!((t.len(), t.total_pages()), (3, 5));
}

#[test]
fn find_survives_a_stale_hint() {
    let mut t = tree(&[(0x1000, 4, RW), (0x8000, 1, RW)]);
    assert_eq!(t.find(VirtAddr::new(0x4fff)).unwrap().start(), p(0x1000)); // hint: 0x1000
    // The hinted area shrinks and another one takes its old end: the hint must not answer.
    removed(&mut t, p(0x3000), p(0x5000));
    t.insert(anon(0x4000, 1, R)).unwrap();
    assert_eq!(t.find(VirtAddr::new(0x4fff)).unwrap().flags, R);
    assert!(t.find(VirtAddr::new(0x3000)).is_none());
    // The hinted area goes away altogether.
    removed(&mut t, p(0x4000), p(0x5000));
    assert!(t.find(VirtAddr::new(0x4000)).is_none());
    assert_eq!(t.find(VirtAddr::new(0x1000)).unwrap().start(), p(0x1000));
    // A clone keeps answering the same.
    let c = t.try_clone().unwrap();
    assert_eq!(c.find(VirtAddr::new(0x8000)).unwrap().start(), p(0x8000));
    assert!(c.find(VirtAddr::new(0x9000)).is_none());
}

#[test]
fn find_and_find_mut() {
    let mut t = tree(&[(0x1000, 2, RW), (0x5000, 1, RW)]);
    assert_eq!(t.find(VirtAddr::new(0x2fff)).unwrap().start(), p(0x1000));
    assert!(t.find(VirtAddr::new(0x3000)).is_none());
    assert!(t.find(VirtAddr::new(0x0fff)).is_none());
    t.find_mut(VirtAddr::new(0x5123)).unwrap().flags = R;
    assert_eq!(t.find(VirtAddr::new(0x5000)).unwrap().flags, R);
}

#[test]
fn neighbours_of_a_hole() {
    let t = tree(&[(0x1000, 2, RW), (0x8000, 1, RW)]);
    let hole = VirtAddr::new(0x5abc);
    assert_eq!(t.vma_above(hole).unwrap().start(), p(0x8000));
    assert_eq!(t.vma_below(hole).unwrap().start(), p(0x1000));
    assert_eq!(t.prev_end(hole), Some(VirtAddr::new(0x3000)));
    assert!(t.vma_above(VirtAddr::new(0x8000)).is_none());
    assert!(t.prev_end(VirtAddr::new(0x800)).is_none());
}

#[test]
fn range_includes_straddling_areas() {
    let t = tree(&[(0x1000, 2, RW), (0x4000, 2, RW), (0x8000, 1, RW)]);
    let starts = |a, b| t.range(p(a), p(b)).map(|v| v.start_addr().as_u32()).collect::<Vec<_>>();
    assert_eq!(starts(0x2000, 0x5000), [0x1000, 0x4000]);
    assert_eq!(starts(0x3000, 0x4000), [0u32; 0]);
    assert_eq!(starts(0x5000, 0x9000), [0x4000, 0x8000]);
    assert_eq!(starts(0x5000, 0x5000), [0u32; 0]);
    assert_eq!(starts(0x9000, 0x1000), [0u32; 0]);
}

#[test]
fn split_at_boundaries_and_holes_is_a_no_op() {
    let mut t = tree(&[(0x1000, 4, RW)]);
    assert!(!t.split_at(p(0x1000)).unwrap());
    assert!(!t.split_at(p(0x5000)).unwrap());
    assert!(!t.split_at(p(0x9000)).unwrap());
    assert!(t.split_at(p(0x3000)).unwrap());
    assert_eq!(extents(&t), [(0x1000, 0x3000), (0x3000, 0x5000)]);
    assert_eq!(t.total_pages(), 4);
}

#[test]
fn remove_range_splits_and_returns_pieces() {
    let mut t = tree(&[(0x1000, 4, RW), (0x6000, 1, RW), (0x8000, 4, RW)]);
    let gone = removed(&mut t, p(0x3000), p(0x9000));
    let gone: Vec<_> = gone.iter().map(|v| (v.start_addr().as_u32(), v.pages())).collect();
    assert_eq!(gone, [(0x3000, 2), (0x6000, 1), (0x8000, 1)]);
    assert_eq!(extents(&t), [(0x1000, 0x3000), (0x9000, 0xC000)]);
    assert_eq!(t.total_pages(), 5);
    assert!(removed(&mut t, p(0x4000), p(0x8000)).is_empty());
    assert!(removed(&mut t, p(0x9000), p(0x9000)).is_empty());
}

#[test]
fn protect_splits_changes_and_remerges() {
    let mut t = tree(&[(0x1000, 4, RW)]);
    t.set_protection(p(0x2000), p(0x3000), VmFlags::READ).unwrap();
    assert_eq!(extents(&t), [(0x1000, 0x2000), (0x2000, 0x3000), (0x3000, 0x5000)]);
    assert_eq!(t.find(VirtAddr::new(0x2000)).unwrap().flags, R | VmFlags::MAYWRITE);
    t.set_protection(p(0x2000), p(0x3000), VmFlags::READ | VmFlags::WRITE).unwrap();
    assert_eq!(extents(&t), [(0x1000, 0x5000)]);
}

#[test]
fn protect_refuses_beyond_may_bits_without_change() {
    let mut t = tree(&[(0x1000, 1, RW), (0x2000, 1, R)]);
    let err = t.set_protection(p(0x1000), p(0x3000), VmFlags::READ | VmFlags::WRITE);
    assert_eq!(err, Err(ProtectError::NotPermitted { at: p(0x2000), missing: VmFlags::WRITE }));
    assert_eq!(t.find(VirtAddr::new(0x1000)).unwrap().flags, RW);
    // Raising a MAY bit in the same call does not help.
    let err = t.protect_range(p(0x2000), p(0x3000), |f| f | VmFlags::MAYEXEC | VmFlags::EXEC);
    assert_eq!(err, Err(ProtectError::NotPermitted { at: p(0x2000), missing: VmFlags::EXEC }));
    let err = t.protect_range(p(0x2000), p(0x3000), |f| f | VmFlags::SHARED);
    assert!(matches!(err, Err(ProtectError::NotPermitted { .. })));
}

#[test]
fn protect_refuses_holes_without_change() {
    let mut t = tree(&[(0x1000, 1, RW), (0x3000, 2, RW)]);
    let err = t.set_protection(p(0x1000), p(0x4000), VmFlags::READ);
    assert_eq!(err, Err(ProtectError::Unmapped { at: p(0x2000) }));
    let err = t.set_protection(p(0x3000), p(0x6000), VmFlags::READ);
    assert_eq!(err, Err(ProtectError::Unmapped { at: p(0x5000) }));
    let err = t.set_protection(p(0x6000), p(0x7000), VmFlags::READ);
    assert_eq!(err, Err(ProtectError::Unmapped { at: p(0x6000) }));
    assert_eq!(t.set_protection(p(0x4000), p(0x3000), R), Err(ProtectError::InvalidRange));
    assert_eq!(t.set_protection(p(0x6000), p(0x6000), R), Ok(()));
    assert_eq!(extents(&t), [(0x1000, 0x2000), (0x3000, 0x5000)]);
    assert!(t.iter().all(|v| v.flags == RW));
}

#[test]
fn scavenge_merges_compatible_neighbours() {
    let mut t = tree(&[(0x1000, 1, RW), (0x2000, 1, RW), (0x3000, 1, R), (0x4000, 1, R)]);
    t.insert(anon(0x5000, 1, R).with_name(VmaName::Heap)).unwrap();
    t.insert(anon(0x7000, 1, R)).unwrap();
    assert_eq!(t.scavenge(), 2);
    assert_eq!(
        extents(&t),
        [(0x1000, 0x3000), (0x3000, 0x5000), (0x5000, 0x6000), (0x7000, 0x8000)]
    );
    assert_eq!(t.total_pages(), 6);
    assert_eq!(t.scavenge(), 0);
}

#[test]
fn scavenge_range_is_local() {
    let mut t = tree(&[(0x1000, 1, RW), (0x2000, 1, RW), (0x8000, 1, RW), (0x9000, 1, RW)]);
    assert_eq!(t.scavenge_range(p(0x2000), p(0x3000)), 1);
    assert_eq!(t.len(), 3);
}

#[test]
fn find_gap_first_fit_and_hint() {
    let lo = p(0x1000);
    let hi = p(0x10_0000);
    let t = tree(&[(0x1000, 2, RW), (0x4000, 1, RW), (0x8000, 1, RW)]);
    assert_eq!(t.find_gap(1, None, lo, hi), Some(p(0x3000)));
    assert_eq!(t.find_gap(3, None, lo, hi), Some(p(0x5000)));
    assert_eq!(t.find_gap(4, None, lo, hi), Some(p(0x9000)));
    assert_eq!(t.find_gap(2, Some(p(0x6000)), lo, hi), Some(p(0x6000)));
    assert_eq!(t.find_gap(2, Some(p(0x7000)), lo, hi), Some(p(0x5000)));
    assert_eq!(t.find_gap(2, Some(p(0x20_0000)), lo, hi), Some(p(0x5000)));
    assert_eq!(t.find_gap(1, None, p(0x1_8000), p(0x1_8000)), None);
    assert_eq!(t.find_gap(0, None, lo, hi), None);
    assert_eq!(t.find_gap(4, None, lo, p(0x9000)), None);
    assert_eq!(t.find_gap(1, None, p(0x1000), p(0x3000)), None);
    assert_eq!(t.find_gap(1, None, p(0x2000), p(0x4000)), Some(p(0x3000)));
}

#[test]
fn find_gap_keeps_the_stack_guard_gap() {
    let stack_start = 0x1000_0000;
    let t = tree(&[(stack_start, 4, RW | VmFlags::GROWSDOWN)]);
    let guard_start = stack_start - STACK_GUARD_GAP;
    let lo = p(guard_start - 2 * PAGE_SIZE);
    let hi = p(0x2000_0000);
    assert_eq!(t.find_gap(2, None, lo, hi), Some(lo));
    assert_eq!(t.find_gap(3, None, lo, hi), Some(p(stack_start + 4 * PAGE_SIZE)));
    assert_eq!(t.find_gap(1, Some(p(guard_start)), lo, hi), Some(lo));
    // A window entirely inside the guard gap has no room.
    assert_eq!(t.find_gap(1, None, p(guard_start), p(stack_start)), None);
}

#[test]
fn extend_down_grows_a_stack() {
    let mut t = tree(&[(0x1000, 1, RW), (0x8000, 2, RW | VmFlags::GROWSDOWN)]);
    t.find_mut(VirtAddr::new(0x8000)).unwrap().name = VmaName::Stack;
    assert_eq!(t.extend_down(p(0x9000), p(0x7000)), Err(ExtendError::NoSuchVma));
    assert_eq!(t.extend_down(p(0x8000), p(0x8000)), Err(ExtendError::NotBelow));
    assert_eq!(t.extend_down(p(0x8000), p(0x1000)), Err(ExtendError::Overlap));
    t.extend_down(p(0x8000), p(0x5000)).unwrap();
    assert_eq!(extents(&t), [(0x1000, 0x2000), (0x5000, 0xA000)]);
    assert_eq!(t.find(VirtAddr::new(0x5000)).unwrap().name, VmaName::Stack);
    assert_eq!(t.total_pages(), 6);
    let mut t = VmaTree::new();
    let f = TestFile::open(1, "/f", 0x10000);
    t.insert(Vma::new(p(0x8000), 1, RW, Backing::file(f, 0x1000)).unwrap()).unwrap();
    assert_eq!(t.extend_down(p(0x8000), p(0x7000)), Err(ExtendError::NotAnonymous));
}
