//! Model-based property tests: random map/protect/unmap/scavenge sequences against a
//! page-granular array.

use super::*;
use super::tests::removed;
use crate::addr::{PhysAddr, PAGE_SIZE};
use crate::layout::STACK_GUARD_GAP;
use crate::vma::test_file::TestFile;
use crate::vma::{Backing, FileObject, VmFlags, VmaName};
use alloc::sync::Arc;
use alloc::vec::Vec;
use proptest::prelude::*;

/// Pages in the modelled window.
const N: u32 = 24;
/// First page of the window.
const BASE: u32 = 0x400;

/// What the model remembers of a page.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PageInfo {
    flags: VmFlags,
    /// 0 anonymous, 1 and 2 files (inode), 3 physical.
    backing: u8,
    /// File offset in pages, or physical frame number; 0 for anonymous.
    offset: u64,
    /// Bytes of file data in the page.
    data: u32,
    heap: bool,
}

type Model = Vec<Option<PageInfo>>;

#[derive(Clone, Debug)]
enum Op {
    Map {
        start: u32,
        pages: u32,
        flags: VmFlags,
        backing: u8,
        offset: u64,
        limit: u64,
        heap: bool,
    },
    Protect {
        start: u32,
        end: u32,
        prot: VmFlags,
    },
    Unmap {
        start: u32,
        end: u32,
    },
    /// Splits without changing any page: scavenge must be able to undo it.
    Split {
        at: u32,
    },
    Scavenge,
}

fn flags() -> impl Strategy<Value = VmFlags> {
    // Mostly a few common combinations, so that neighbours often match and merge; sometimes
    // arbitrary R/W/X and MAY bits; rarely GROWSDOWN.
    let may = VmFlags::MAYREAD | VmFlags::MAYWRITE | VmFlags::MAYEXEC;
    let common = prop::sample::select(alloc::vec![
        VmFlags::READ | may,
        VmFlags::READ | VmFlags::WRITE | may,
        VmFlags::READ | VmFlags::MAYREAD,
        VmFlags::MAYREAD,
    ]);
    let any = (0u32..0x80).prop_map(|bits| VmFlags::from_bits_truncate(bits & 0x77));
    (prop_oneof![3 => common, 1 => any], prop::bool::weighted(0.1)).prop_map(|(f, grows)| {
        if grows {
            f | VmFlags::GROWSDOWN
        } else {
            f
        }
    })
}

fn op() -> impl Strategy<Value = Op> {
    let map = (0..N, 1u32..12, flags(), 0u8..4, 0u64..4, 0u64..0x9000, prop::bool::weighted(0.2))
        .prop_map(|(start, pages, flags, backing, offset, limit, heap)| Op::Map {
            start,
            pages: pages.min(N - start),
            flags,
            backing,
            offset,
            limit,
            heap,
        });
    let protect = (0..N, 0..6u32, 0u32..8).prop_map(|(start, len, prot)| Op::Protect {
        start,
        end: (start + len).min(N),
        prot: VmFlags::from_bits_truncate(prot),
    });
    let unmap = (0..=N, 0..=N).prop_map(|(a, b)| Op::Unmap { start: a.min(b), end: a.max(b) });
    let split = (0..=N).prop_map(|at| Op::Split { at });
    prop_oneof![4 => map, 4 => protect, 1 => unmap, 2 => split, 2 => Just(Op::Scavenge)]
}

fn pg(i: u32) -> Page {
    Page::from_number(BASE + i)
}

fn files() -> [Arc<dyn FileObject>; 2] {
    [TestFile::open(1, "/one", 1 << 30), TestFile::open(2, "/two", 1 << 30)]
}

fn apply(tree: &mut VmaTree, model: &mut Model, files: &[Arc<dyn FileObject>; 2], op: &Op) {
    match *op {
        Op::Map { start, pages, flags, backing, offset, limit, heap } => {
            let b = match backing {
                0 => Backing::Anonymous,
                1 | 2 => Backing::File {
                    file: files[usize::from(backing - 1)].clone(),
                    offset: offset * u64::from(PAGE_SIZE),
                    limit,
                },
                _ => Backing::Physical { base: PhysAddr::new((offset as u32) << 12) },
            };
            let name = if heap { VmaName::Heap } else { VmaName::None };
            let vma = Vma::new(pg(start), pages, flags, b).unwrap().with_name(name);
            removed(tree, pg(start), pg(start + pages));
            tree.insert(vma).unwrap();
            for i in 0..pages {
                let rel = u64::from(i) * u64::from(PAGE_SIZE);
                let data = if (1..=2).contains(&backing) {
                    limit.min(u64::from(pages * PAGE_SIZE)).saturating_sub(rel).min(4096) as u32
                } else {
                    0
                };
                let off = if backing == 0 { 0 } else { offset + u64::from(i) };
                model[(start + i) as usize] =
                    Some(PageInfo { flags, backing, offset: off, data, heap });
            }
        }
        Op::Protect { start, end, prot } => {
            let result = tree.set_protection(pg(start), pg(end), prot);
            let range = &model[start as usize..end as usize];
            let hole = range.iter().position(Option::is_none);
            let denied = range.iter().position(|p| {
                p.as_ref()
                    .is_some_and(|p| !p.flags.with_protection(prot).exceeding(p.flags).is_empty())
            });
            match (hole, denied) {
                (None, None) => {
                    assert_eq!(result, Ok(()));
                    for p in model[start as usize..end as usize].iter_mut().flatten() {
                        p.flags = p.flags.with_protection(prot);
                    }
                }
                (Some(h), d) if d.is_none_or(|d| h < d) => {
                    assert_eq!(result, Err(ProtectError::Unmapped { at: pg(start + h as u32) }));
                }
                _ => {
                    assert!(matches!(result, Err(ProtectError::NotPermitted { .. })), "{result:?}")
                }
            }
        }
        Op::Unmap { start, end } => {
            let removed = removed(tree, pg(start), pg(end));
            let mapped = model[start as usize..end as usize].iter().flatten().count() as u32;
            assert_eq!(removed.iter().map(Vma::pages).sum::<u32>(), mapped);
            assert!(removed.iter().all(|v| v.start() >= pg(start) && v.end_page() <= pg(end)));
            for p in &mut model[start as usize..end as usize] {
                *p = None;
            }
        }
        Op::Split { at } => {
            let inside = at > 0 && at < N && model[at as usize - 1].is_some() && {
                let vma = tree.find(pg(at).start());
                vma.is_some_and(|v| v.start() != pg(at))
            };
            assert_eq!(tree.split_at(pg(at)), Ok(inside));
        }
        Op::Scavenge => {
            tree.scavenge();
            for (a, b) in tree.iter().zip(tree.iter().skip(1)) {
                assert!(!a.can_merge_with(b), "{a:?} and {b:?} still mergeable");
            }
        }
    }
}

/// What the tree says about page `i`, in the model's terms.
fn observe(tree: &VmaTree, i: u32) -> Option<PageInfo> {
    let addr = pg(i).start();
    let vma = tree.find(addr)?;
    let (backing, offset, data) = match &vma.backing {
        Backing::Anonymous => (0, 0, 0),
        Backing::File { file, .. } => {
            let pos = vma.file_position(addr).unwrap();
            assert!(!pos.past_eof);
            (file.ino() as u8, pos.offset / u64::from(PAGE_SIZE), pos.bytes)
        }
        Backing::Physical { .. } => (3, u64::from(vma.physical_frame(addr).unwrap().number()), 0),
    };
    Some(PageInfo { flags: vma.flags, backing, offset, data, heap: vma.name == VmaName::Heap })
}

fn check(tree: &VmaTree, model: &Model) {
    for i in 0..N {
        assert_eq!(observe(tree, i), model[i as usize], "page {i}");
    }
    let vmas: Vec<&Vma> = tree.iter().collect();
    for w in vmas.windows(2) {
        assert!(w[0].end_page() <= w[1].start(), "sorted and disjoint");
    }
    assert!(vmas.iter().all(|v| v.start() >= pg(0) && v.end_page() <= pg(N)));
    assert_eq!(tree.len(), vmas.len());
    let total = vmas.iter().map(|v| v.pages()).sum::<u32>();
    assert_eq!(tree.total_pages(), total);
    assert_eq!(total as usize, model.iter().flatten().count());
}

/// First fit in the model: free pages and, if the next mapped page is a stack, the guard gap.
fn model_fits(model: &Model, at: u32, pages: u32) -> bool {
    let end = at + pages;
    if model[at as usize..end as usize].iter().any(Option::is_some) {
        return false;
    }
    match (end..N).find(|&q| model[q as usize].is_some()) {
        Some(q) => {
            let guard = STACK_GUARD_GAP / PAGE_SIZE;
            !model[q as usize].as_ref().unwrap().flags.contains(VmFlags::GROWSDOWN)
                || q >= end + guard
        }
        None => true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn tree_matches_page_model(ops in prop::collection::vec(op(), 1..40)) {
        let files = files();
        let mut tree = VmaTree::new();
        let mut model: Model = alloc::vec![None; N as usize];
        for op in &ops {
            apply(&mut tree, &mut model, &files, op);
            check(&tree, &model);
        }
    }

    #[test]
    fn find_gap_is_first_fit(
        ops in prop::collection::vec(op(), 0..12),
        pages in 1u32..6,
        bounds in (0..=N, 0..=N),
        hint in proptest::option::of(0..N),
    ) {
        let files = files();
        let mut tree = VmaTree::new();
        let mut model: Model = alloc::vec![None; N as usize];
        for op in &ops {
            apply(&mut tree, &mut model, &files, op);
        }
        let (lower, upper) = (bounds.0.min(bounds.1), bounds.0.max(bounds.1));
        let got = tree.find_gap(pages, hint.map(pg), pg(lower), pg(upper));
        let candidates = || (lower..upper).filter(|&a| a + pages <= upper);
        let hinted = hint.filter(|&h| h >= lower && h + pages <= upper && model_fits(&model, h, pages));
        let expected = hinted.or_else(|| candidates().find(|&a| model_fits(&model, a, pages)));
        prop_assert_eq!(got, expected.map(pg));
    }
}
