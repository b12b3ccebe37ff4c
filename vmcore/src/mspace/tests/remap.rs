//! `mremap` (moving entries), the `madvise` family, lock-on-fault and `mincore`, with a
//! randomized check of `mremap` against a byte model.

use super::*;
use crate::pte::PteFlags;
use proptest::prelude::*;

const A: u32 = 0x0800_0000;
const B: u32 = 0x2000_0000;
const P: u32 = PAGE_SIZE;

fn remap(w: &mut World<'_>, s: usize, old: u32, old_pages: u32, new_pages: u32, how: Remap) -> Result<Page, RemapError> {
    w.with(s, |sp, t, p| sp.mremap(pg(old), old_pages, new_pages, how, &|_| true, t, p).swap())
}

fn advise(w: &mut World<'_>, s: usize, addr: u32, pages: u32, a: Advice) -> Result<(), MadviseError> {
    w.with(s, |sp, t, p| sp.madvise(pg(addr), pages, a, t, p).swap())
}

/// The whole vector, area after area as the kernel asks; `None` at a hole.
fn mincore(w: &mut World<'_>, s: usize, addr: u32, pages: usize) -> Option<Vec<u8>> {
    w.with(s, |sp, t, _| {
        let mut out = std::vec![0u8; pages];
        let mut done = 0;
        while done < pages {
            let Some(n) = sp.mincore(pg(addr + done as u32 * P), &mut out[done..], &*t, &|_, _| false) else {
                return (None, SpaceFlush::new());
            };
            done += n;
        }
        (Some(out), SpaceFlush::new())
    })
}

trait Swap<T> {
    fn swap(self) -> (T, SpaceFlush);
}
impl<T> Swap<T> for (SpaceFlush, T) {
    fn swap(self) -> (T, SpaceFlush) {
        (self.1, self.0)
    }
}

#[test]
fn a_move_carries_entries_not_contents() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 4, RW);
    w.map_at(s, A + 4 * P, 1, R); // blocks growing in place
    for i in 0..4 {
        w.write(s, A + i * P, 0x30 + i as u8).unwrap();
    }
    let frames: Vec<_> = (0..4).map(|i| w.frame(s, A + i * P)).collect();
    let allocated = w.phys.free_count();
    let to = remap(&mut w, s, A, 4, 8, Remap { may_move: true, ..Remap::default() }).unwrap();
    let t = to.start().as_u32();
    assert_ne!(t, A);
    assert_eq!(w.phys.free_count(), allocated, "no frame copied");
    for i in 0..4 {
        assert_eq!(w.frame(s, t + i * P), frames[i as usize]);
        assert_eq!(w.read(s, t + i * P), Ok(0x30 + i as u8));
    }
    assert_eq!(w.read(s, t + 5 * P), Ok(0));
    assert!(w.space(s).search(pg(A).start()).is_none());
    assert_eq!(mincore(&mut w, s, t, 8), Some(std::vec![1, 1, 1, 1, 0, 1, 0, 0]));
    w.finish();
}

#[test]
fn whole_tables_move_when_aligned_and_entries_otherwise() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 2048, RW);
    for i in [0u32, 1, 1023, 1024, 2047] {
        w.write(s, A + i * P, (i % 200) as u8 + 1).unwrap();
    }
    let tables = w.stats(s).page_tables;
    let how = Remap { may_move: true, fixed: Some(pg(B)), ..Remap::default() };
    assert_eq!(remap(&mut w, s, A, 2048, 2048, how), Ok(pg(B)));
    assert_eq!(w.stats(s).page_tables, tables, "the tables moved, none copied");
    // Not table-aligned: entry by entry, into new tables.
    let how = Remap { may_move: true, fixed: Some(pg(A + 3 * P)), ..Remap::default() };
    assert_eq!(remap(&mut w, s, B, 2048, 2048, how), Ok(pg(A + 3 * P)));
    for i in [0u32, 1, 1023, 1024, 2047] {
        assert_eq!(w.read(s, A + (3 + i) * P), Ok((i % 200) as u8 + 1));
    }
    assert_eq!(w.stats(s).p_size, 5);
    w.finish();
}

#[test]
fn fixed_dontunmap_shrink_grow_and_duplicate() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 4, RW);
    w.write(s, A, 7).unwrap();
    w.map_at(s, B, 2, RW);
    w.write(s, B, 9).unwrap();
    // FIXED replaces what is at the target.
    let how = Remap { may_move: true, fixed: Some(pg(B)), ..Remap::default() };
    assert_eq!(remap(&mut w, s, A, 4, 4, how), Ok(pg(B)));
    assert_eq!(w.read(s, B), Ok(7));
    // DONTUNMAP: the old range stays mapped, empty.
    let how = Remap { may_move: true, dont_unmap: true, ..Remap::default() };
    let to = remap(&mut w, s, B, 4, 4, how).unwrap();
    assert_eq!(w.read(s, to.start().as_u32()), Ok(7));
    assert_eq!(w.read(s, B), Ok(0));
    // Shrink, grow in place.
    assert_eq!(remap(&mut w, s, B, 4, 1, Remap::default()), Ok(pg(B)));
    assert_eq!(w.space(s).search(pg(B + P).start()).map(|v| v.pages()), None);
    assert_eq!(remap(&mut w, s, B, 1, 3, Remap::default()), Ok(pg(B)));
    assert_eq!(w.space(s).search(pg(B).start()).map(|v| v.pages()), Some(3));
    // old_len 0: EINVAL for private, a shared duplicate for shared.
    assert_eq!(remap(&mut w, s, B, 0, 1, Remap { may_move: true, ..Remap::default() }), Err(RemapError::Invalid));
    let sh = w.map(s, MapRequest::anonymous(2, RW | VmFlags::SHARED | VmFlags::MAYSHARE | VmFlags::MAYWRITE | VmFlags::MAYREAD)).unwrap();
    let dup = remap(&mut w, s, sh.start().as_u32(), 0, 2, Remap { may_move: true, ..Remap::default() }).unwrap();
    w.write(s, dup.start().as_u32() + P, 5).unwrap();
    assert_eq!(w.read(s, sh.start().as_u32() + P), Ok(5), "the duplicate shares the pages");
    w.finish();
}

#[test]
fn lock_on_fault_locks_without_populating() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 4, RW);
    w.with(s, |sp, t, p| (sp.lock_with(pg(A), 4, true, t, p).map(|_| ()), SpaceFlush::new())).unwrap();
    assert_eq!(w.stats(s).p_size, 0);
    assert_eq!(w.space(s).locked_pages(), 4);
    w.write(s, A + P, 1).unwrap();
    let locked = w.with(s, |sp, t, p| (sp.locked_resident(&*t, &*p), SpaceFlush::new()));
    assert_eq!(locked, 1);
    // munlock of the middle splits the area.
    w.unlock(s, A + P, 2).unwrap();
    assert_eq!(w.space(s).tree().len(), 3);
    assert_eq!(w.space(s).locked_pages(), 2);
    w.finish();
}

#[test]
fn madvise_rules() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 4, RW);
    w.map_at(s, A + 6 * P, 2, RW | VmFlags::SHARED | VmFlags::MAYSHARE | VmFlags::MAYWRITE);
    w.write(s, A, 1).unwrap();
    // A hole: the mapped parts are advised, then ENOMEM.
    assert_eq!(advise(&mut w, s, A, 8, Advice::DontFork), Err(MadviseError::Unmapped));
    assert!(w.space(s).tree().iter().all(|v| v.flags.contains(VmFlags::DONTCOPY)));
    assert_eq!(advise(&mut w, s, A + 6 * P, 2, Advice::WipeOnFork), Err(MadviseError::Invalid { at: pg(A + 6 * P) }));
    assert_eq!(advise(&mut w, s, A, 1, Advice::Remove), Err(MadviseError::Invalid { at: pg(A) }));
    assert_eq!(advise(&mut w, s, A, 4, Advice::Free), Ok(()));
    assert_eq!(w.read(s, A), Ok(1), "lazy free keeps the page without memory pressure");
    assert!(!w.pte(s, A).flags().contains(PteFlags::DIRTY));
    assert_eq!(advise(&mut w, s, A, 1, Advice::PopulateWrite), Ok(()));
    assert_eq!(advise(&mut w, s, A + P, 3, Advice::PopulateWrite), Ok(()));
    assert_eq!(w.stats(s).p_size, 4);
    w.protect(s, A + 3 * P, 1, VmFlags::READ).unwrap();
    assert_eq!(advise(&mut w, s, A + 3 * P, 1, Advice::PopulateWrite), Err(MadviseError::Invalid { at: pg(A + 3 * P) }));
    w.write(s, A + 6 * P, 3).unwrap();
    assert_eq!(advise(&mut w, s, A + 6 * P, 2, Advice::DoFork), Ok(()));
    let c = w.fork(s).unwrap();
    assert_eq!(w.read(c, A + 6 * P), Ok(3), "shared with the child");
    assert_eq!(w.remove(s, A + 6 * P, 2), Ok(()));
    assert_eq!(w.read(s, A + 6 * P), Ok(0), "punched");
    assert_eq!(w.read(c, A + 6 * P), Ok(0), "punched in the child too");
    w.destroy(c);
    w.finish();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Random sequences of writes and mremaps of one private area keep every byte where the
    /// model says, and the world's counts exact (checked by `World` after each step).
    #[test]
    fn mremap_keeps_contents(ops in proptest::collection::vec((0u32..8, 1u32..12, any::<bool>(), 0u8..255), 1..12)) {
        let m = Machine::new(NFRAMES);
        let mut w = World::new(&m);
        let s = w.create();
        let mut at = A;
        let mut len = 4u32;
        w.map_at(s, at, len, RW);
        let mut model: Vec<u8> = std::vec![0; len as usize];
        for (page, new_len, fixed, byte) in ops {
            let page = page % len;
            w.write(s, at + page * P, byte).unwrap();
            model[page as usize] = byte;
            let target = if at == A { B } else { A };
            let how = Remap { may_move: true, fixed: fixed.then(|| pg(target)), ..Remap::default() };
            let to = remap(&mut w, s, at, len, new_len, how).unwrap();
            at = to.start().as_u32();
            len = new_len;
            model.resize(len as usize, 0);
            for (i, &b) in model.iter().enumerate() {
                prop_assert_eq!(w.read(s, at + i as u32 * P), Ok(b));
            }
        }
        w.finish();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Random locks (populating or on fault), unlocks, fork-flag advice and writes on one
    /// 16-page area against a page-granular model: every page's area carries exactly the
    /// model's bits, pages locked without `on_fault` are resident, pages only ever locked on
    /// fault are resident only once written, and the areas stay merged where the bits agree.
    #[test]
    fn lock_and_advice_follow_the_page_model(ops in proptest::collection::vec((0u8..5, 0u32..16, 1u32..8), 1..24)) {
        let m = Machine::new(NFRAMES);
        let mut w = World::new(&m);
        let s = w.create();
        w.map_at(s, A, 16, RW);
        // Per page: (LOCKED, LOCKONFAULT, DONTCOPY, resident).
        let mut model = [(false, false, false, false); 16];
        for (op, first, len) in ops {
            let len = len.min(16 - first);
            let range = first as usize..(first + len) as usize;
            match op {
                0 | 1 => {
                    let on_fault = op == 1;
                    w.with(s, |sp, t, p| (sp.lock_with(pg(A + first * P), len, on_fault, t, p).map(|_| ()), SpaceFlush::new())).unwrap();
                    for e in &mut model[range] {
                        *e = (true, on_fault, e.2, e.3 || !on_fault);
                    }
                }
                2 => {
                    w.unlock(s, A + first * P, len).unwrap();
                    for e in &mut model[range] {
                        e.0 = false;
                        e.1 = false;
                    }
                }
                3 => {
                    let a = if first % 2 == 0 { Advice::DontFork } else { Advice::DoFork };
                    prop_assert_eq!(advise(&mut w, s, A + first * P, len, a), Ok(()));
                    for e in &mut model[range] {
                        e.2 = a == Advice::DontFork;
                    }
                }
                _ => {
                    w.write(s, A + first * P, 1).unwrap();
                    model[first as usize].3 = true;
                }
            }
            let resident = mincore(&mut w, s, A, 16).unwrap();
            let mut areas = 0;
            let mut prev = None;
            for (i, e) in model.iter().enumerate() {
                let v = w.space(s).search(pg(A + i as u32 * P).start()).unwrap();
                let f = v.flags;
                prop_assert_eq!((f.contains(VmFlags::LOCKED), f.contains(VmFlags::LOCKONFAULT), f.contains(VmFlags::DONTCOPY)), (e.0, e.1, e.2));
                prop_assert_eq!(resident[i] == 1, e.3, "page {}", i);
                if prev != Some((e.0, e.1, e.2)) {
                    areas += 1;
                    prev = Some((e.0, e.1, e.2));
                }
            }
            prop_assert_eq!(w.space(s).tree().range(pg(A), pg(A + 16 * P)).count(), areas);
            let locked = model.iter().filter(|e| e.0).count() as u32;
            prop_assert_eq!(w.space(s).locked_pages(), locked);
        }
        w.finish();
    }
}
