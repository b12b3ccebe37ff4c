//! The reverse map under random sequences of operations on file areas (`mmap`, `munmap`,
//! `mprotect`, `mlock`/`mlock2`/`munlock`/`mlockall`, `mremap` in all its forms, `madvise`
//! with the advice that splits areas or touches pages, `fork`, `brk`): after every operation
//! (`World::with` runs `check_all`), every file area of every live space is linked exactly
//! once in the file's set, and nothing else is.

use super::*;
use crate::vma::test_file::TestFile;
use crate::vma::FileObject;
use proptest::prelude::*;
use std::sync::Arc;
use std::vec;

const A: u32 = 0x0800_0000;
/// Pages in the window the operations work on.
const N: u32 = 16;

#[derive(Clone, Debug)]
enum Op {
    Map { s: usize, at: u32, pages: u32, file: usize, pgoff: u32, shared: bool, write: bool, fixed: bool },
    Unmap { s: usize, at: u32, pages: u32 },
    Protect { s: usize, at: u32, pages: u32, write: bool },
    Lock { s: usize, at: u32, pages: u32, on_fault: bool },
    Unlock { s: usize, at: u32, pages: u32 },
    LockAll { s: usize, how: u8 },
    Remap { s: usize, at: u32, old_pages: u32, new_pages: u32, may_move: bool, to: Option<u32>, dont_unmap: bool },
    Advise { s: usize, at: u32, pages: u32, advice: Advice },
    Touch { s: usize, at: u32 },
    Fork { s: usize },
    Scavenge { s: usize },
    Brk { s: usize, top: u32 },
    Destroy { s: usize },
}

/// The advice that splits areas or touches file pages.
const ADVICE: [Advice; 9] = [
    Advice::DontFork,
    Advice::DoFork,
    Advice::WipeOnFork,
    Advice::KeepOnFork,
    Advice::Remove,
    Advice::DontNeed,
    Advice::WillNeed,
    Advice::Random,
    Advice::PopulateRead,
];

fn op() -> impl Strategy<Value = Op> {
    let s = 0..3usize;
    let range = (0..N).prop_flat_map(|at| (Just(at), 1..=N - at));
    prop_oneof![
        4 => (s.clone(), range.clone(), 0..4usize, 0..4u32, any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(s, (at, pages), file, pgoff, shared, write, fixed)| Op::Map { s, at, pages, file, pgoff, shared, write, fixed }),
        2 => (s.clone(), range.clone()).prop_map(|(s, (at, pages))| Op::Unmap { s, at, pages }),
        2 => (s.clone(), range.clone(), any::<bool>()).prop_map(|(s, (at, pages), write)| Op::Protect { s, at, pages, write }),
        1 => (s.clone(), range.clone(), any::<bool>()).prop_map(|(s, (at, pages), on_fault)| Op::Lock { s, at, pages, on_fault }),
        1 => (s.clone(), range.clone()).prop_map(|(s, (at, pages))| Op::Unlock { s, at, pages }),
        1 => (s.clone(), 0..3u8).prop_map(|(s, how)| Op::LockAll { s, how }),
        3 => (s.clone(), range.clone(), 0..=N, any::<bool>(), proptest::option::of(0..N), any::<bool>())
            .prop_map(|(s, (at, old_pages), new_pages, may_move, to, dont_unmap)| Op::Remap { s, at, old_pages, new_pages, may_move, to, dont_unmap }),
        3 => (s.clone(), range.clone(), proptest::sample::select(ADVICE.to_vec()))
            .prop_map(|(s, (at, pages), advice)| Op::Advise { s, at, pages, advice }),
        2 => (s.clone(), 0..N).prop_map(|(s, at)| Op::Touch { s, at }),
        1 => s.clone().prop_map(|s| Op::Fork { s }),
        1 => s.clone().prop_map(|s| Op::Scavenge { s }),
        2 => (s.clone(), 0..=N).prop_map(|(s, top)| Op::Brk { s, top }),
        1 => s.prop_map(|s| Op::Destroy { s }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn every_file_area_is_linked_exactly_once(ops in proptest::collection::vec(op(), 1..40)) {
        let m = Machine::new(NFRAMES);
        let mut w = World::new(&m);
        // Three slots of spaces (None: destroyed or not yet forked).
        let mut ids: [Option<usize>; 3] = [Some(w.create()), Some(w.create()), None];
        // The heap starts at the window, so that brk gives up file areas mapped over it.
        for id in ids.iter().flatten() {
            w.with(*id, |sp, _, _| (sp.init_heap(pg(A)).expect("heap"), SpaceFlush::new()));
        }
        let files: [Arc<dyn FileObject>; 3] =
            [TestFile::open(1, "/a", 0x20000), TestFile::open(2, "/b", 0x20000), TestFile::open(3, "/c", 0x3000)];
        let addr = |page: u32| A + page * PAGE_SIZE;
        for op in ops {
            match op {
                Op::Map { s, at, pages, file, pgoff, shared, write, fixed } => {
                    let Some(id) = ids[s] else { continue };
                    let mut flags = VmFlags::READ | VmFlags::MAYREAD | VmFlags::MAYWRITE;
                    if write {
                        flags |= VmFlags::WRITE;
                    }
                    if shared {
                        flags |= VmFlags::SHARED | VmFlags::MAYSHARE;
                    }
                    // File 3 is anonymous memory; a mapping without MAP_FIXED only hints.
                    let mut req = MapRequest::anonymous(pages, flags);
                    if let Some(f) = files.get(file) {
                        req = req.backed_by(Backing::file(f.clone(), u64::from(pgoff) * u64::from(PAGE_SIZE)));
                    }
                    req = if fixed { req.fixed(pg(addr(at))) } else { req.hint(pg(addr(at))) };
                    let _ = w.map(id, req);
                }
                Op::Unmap { s, at, pages } => {
                    if let Some(id) = ids[s] {
                        let _ = w.unmap(id, addr(at), pages);
                    }
                }
                Op::Protect { s, at, pages, write } => {
                    if let Some(id) = ids[s] {
                        let prot = if write { VmFlags::READ | VmFlags::WRITE } else { VmFlags::READ };
                        let _ = w.protect(id, addr(at), pages, prot);
                    }
                }
                Op::Lock { s, at, pages, on_fault } => {
                    if let Some(id) = ids[s] {
                        w.with(id, |sp, t, p| match sp.lock_with(pg(addr(at)), pages, on_fault, t, p) {
                            Ok(f) | Err(LockError::OutOfMemory { flush: f }) => ((), f),
                            Err(_) => ((), SpaceFlush::new()),
                        });
                    }
                }
                Op::LockAll { s, how } => {
                    if let Some(id) = ids[s] {
                        let add = [VmFlags::empty(), VmFlags::LOCKED, VmFlags::LOCKED | VmFlags::LOCKONFAULT][usize::from(how)];
                        w.with(id, |sp, t, p| ((), sp.lock_all(add, t, p)));
                    }
                }
                Op::Remap { s, at, old_pages, new_pages, may_move, to, dont_unmap } => {
                    if let Some(id) = ids[s] {
                        // DONTUNMAP needs MAYMOVE and equal lengths, FIXED needs MAYMOVE (the
                        // kernel's checks); old_len 0 duplicates.
                        let old_pages = if dont_unmap { new_pages.max(1) } else { old_pages };
                        let new_pages = if dont_unmap { old_pages } else { new_pages.max(1) };
                        let how = Remap {
                            may_move: may_move || dont_unmap || to.is_some(),
                            fixed: to.map(|t| pg(addr(t))),
                            dont_unmap,
                            hint: None,
                        };
                        let _ = w.with(id, |sp, t, p| {
                            let (f, r) = sp.mremap(pg(addr(at)), old_pages, new_pages, how, &|_| true, t, p);
                            (r, f)
                        });
                    }
                }
                Op::Advise { s, at, pages, advice } => {
                    if let Some(id) = ids[s] {
                        let _ = w.with(id, |sp, t, p| {
                            let (f, r) = sp.madvise(pg(addr(at)), pages, advice, t, p);
                            (r, f)
                        });
                    }
                }
                Op::Unlock { s, at, pages } => {
                    if let Some(id) = ids[s] {
                        let _ = w.unlock(id, addr(at), pages);
                    }
                }
                Op::Touch { s, at } => {
                    if let Some(id) = ids[s] {
                        let _ = w.read(id, addr(at));
                    }
                }
                Op::Fork { s } => {
                    let free = ids.iter().position(Option::is_none);
                    if let (Some(id), Some(slot)) = (ids[s], free) {
                        ids[slot] = w.fork(id).ok();
                    }
                }
                Op::Scavenge { s } => {
                    if let Some(id) = ids[s] {
                        w.with(id, |sp, t, p| {
                            let (_, f) = sp.scavenge(t, p);
                            ((), f)
                        });
                    }
                }
                Op::Brk { s, top } => {
                    if let Some(id) = ids[s] {
                        let _ = w.with(id, |sp, t, p| match sp.set_brk(VirtAddr::new(addr(top)), t, p) {
                            Ok(f) => (Ok(()), f),
                            Err(e) => (Err(e), SpaceFlush::new()),
                        });
                    }
                }
                Op::Destroy { s } => {
                    if let Some(id) = ids[s].take() {
                        w.destroy(id);
                    }
                }
            }
        }
        // Destroys what is left: every frame and every link must be gone.
        w.finish();
    }
}

/// A reverse map without room refuses every edit of a file area, changing nothing: the lock
/// calls, a mremap move, grow and shrink, and flag advice (ENOMEM, as Linux's failed split).
#[test]
fn a_full_reverse_map_refuses_and_changes_nothing() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    let file: Arc<dyn FileObject> = TestFile::open(1, "/a", 0x20000);
    let rw = VmFlags::READ | VmFlags::WRITE | VmFlags::MAYREAD | VmFlags::MAYWRITE;
    w.map(s, MapRequest::anonymous(4, rw).backed_by(Backing::file(file, 0)).fixed(pg(A))).unwrap();
    w.phys.set_rmap_full(true);
    let before = std::format!("{:?}", w.space(s).tree().iter().collect::<Vec<_>>());
    let lock = w.with(s, |sp, t, p| (sp.lock_with(pg(A + PAGE_SIZE), 1, true, t, p).map(|_| ()), SpaceFlush::new()));
    assert_eq!(lock, Err(LockError::NoRmapMemory));
    assert_eq!(w.unlock(s, A + PAGE_SIZE, 1), Err(UnlockError::OutOfMemory));
    let advise = w.with(s, |sp, t, p| {
        let (f, r) = sp.madvise(pg(A), 1, Advice::DontFork, t, p);
        (r, f)
    });
    assert_eq!(advise, Err(MadviseError::OutOfMemory));
    for (pages, how) in [
        (4, Remap { may_move: true, fixed: Some(pg(A + 8 * PAGE_SIZE)), ..Remap::default() }),
        (6, Remap::default()),
        (2, Remap::default()),
    ] {
        let r = w.with(s, |sp, t, p| {
            let (f, r) = sp.mremap(pg(A), 4, pages, how, &|_| true, t, p);
            (r, f)
        });
        assert_eq!(r, Err(RemapError::NoMemory));
    }
    assert_eq!(std::format!("{:?}", w.space(s).tree().iter().collect::<Vec<_>>()), before);
    w.phys.set_rmap_full(false);
    w.finish();
}
