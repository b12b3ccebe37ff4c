//! `mlock`/`munlock`, populating, and `madvise(MADV_DONTNEED)`.

use super::*;
use crate::pte::PteFlags;
use crate::vma::test_file::TestFile;

const A: u32 = 0x0800_0000;
const P: u32 = PAGE_SIZE;

#[test]
fn a_locked_mapping_is_populated_at_once() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 3, RW | VmFlags::LOCKED);
    assert_eq!(w.stats(s).p_size, 3);
    for i in 0..3 {
        assert!(w.pte(s, A + i * P).flags().contains(PteFlags::WRITABLE));
    }
    // Read-only locked memory is populated as if read: the zero page.
    w.map_at(s, A + 8 * P, 2, R | VmFlags::LOCKED);
    assert_eq!(w.frame(s, A + 8 * P), Some(w.phys.zero_page()));
    assert_eq!(w.stats(s).p_size, 3);
    let faults = w.faults;
    w.write(s, A + P, 1).unwrap();
    assert_eq!(w.read(s, A + 9 * P), Ok(0));
    assert_eq!(w.faults, faults, "nothing left to fault in");
    w.finish();
}

#[test]
fn lock_and_unlock_split_populate_and_merge() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 4, RW);
    w.lock(s, A + P, 2).unwrap();
    let locked: Vec<_> =
        w.space(s).tree().iter().map(|v| v.flags.contains(VmFlags::LOCKED)).collect();
    assert_eq!(locked, [false, true, false]);
    assert_eq!(w.stats(s).p_size, 2);
    assert!(!w.pte(s, A).is_present() && w.pte(s, A + 2 * P).is_present());
    w.unlock(s, A + P, 2).unwrap();
    assert_eq!(w.space(s).tree().len(), 1);
    assert_eq!(w.stats(s).p_size, 2, "unlocking keeps the pages");
    assert_eq!(w.lock(s, A + 3 * P, 2), Err(LockError::Unmapped { at: pg(A + 4 * P) }));
    assert_eq!(w.unlock(s, A + 3 * P, 2), Err(UnlockError::Unmapped { at: pg(A + 4 * P) }));
    assert_eq!(w.space(s).tree().len(), 1, "a refused lock changes nothing");
    assert_eq!(w.lock(s, A, 0), Ok(()));
    w.finish();
}

#[test]
fn lock_after_fork_breaks_copy_on_write_and_survives_running_out() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let p = w.create();
    w.map_at(p, A, 3, RW);
    for i in 0..3 {
        w.write(p, A + i * P, 0x10 + i as u8).unwrap(); // cached writable in the TLB
    }
    let c = w.fork(p).unwrap();
    let shared = w.frame(p, A).unwrap();
    w.activate(p);
    // One frame for the private copy of the table fork shared, one for the first page.
    w.phys.set_budget(Some(2));
    let r = w.lock(p, A, 3);
    w.phys.set_budget(None);
    assert_eq!(r, Err(LockError::OutOfMemory { flush: SpaceFlush::new() }));
    assert_ne!(w.frame(p, A), Some(shared), "the first page was copied");
    assert!(w.pte(p, A).flags().contains(PteFlags::WRITABLE));
    assert!(w.space(p).tree().iter().all(|v| v.flags.contains(VmFlags::LOCKED)));
    w.lock(p, A, 3).unwrap();
    for i in 0..3 {
        assert!(w.pte(p, A + i * P).flags().contains(PteFlags::WRITABLE));
        w.write(c, A + i * P, 0x20).unwrap();
        assert_eq!(w.read(p, A + i * P), Ok(0x10 + i as u8));
    }
    w.finish();
}

#[test]
fn populate_reads_or_writes_and_refuses_holes() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 2, RW);
    w.map_at(s, A + 2 * P, 1, VmFlags::MAYREAD); // PROT_NONE: skipped
    w.populate(s, A, 3, false).unwrap();
    assert_eq!(w.frame(s, A), Some(w.phys.zero_page()));
    assert!(!w.pte(s, A + 2 * P).is_present());
    w.populate(s, A, 3, true).unwrap();
    assert_ne!(w.frame(s, A), Some(w.phys.zero_page()));
    assert_eq!(w.stats(s).p_size, 2);
    assert_eq!(w.populate(s, A, 4, true), Err(PopulateError::Unmapped { at: pg(A + 3 * P) }));
    w.map_at(s, A + 8 * P, 4, RW);
    w.phys.set_budget(Some(2));
    let r = w.populate(s, A + 8 * P, 4, true);
    w.phys.set_budget(None);
    assert_eq!(r, Err(PopulateError::OutOfMemory { flush: SpaceFlush::new() }));
    assert_eq!(w.stats(s).p_size, 4);
    w.finish();
}

#[test]
fn dontneed_zero_fills_anonymous_and_reverts_file_pages() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 2, RW);
    w.write(s, A, 0x11).unwrap();
    w.write(s, A + P, 0x12).unwrap();
    let file = TestFile::open(5, "/etc/conf", 0x1000);
    let backing = Backing::File { file, offset: 0, limit: u64::MAX };
    w.map(s, MapRequest::anonymous(1, RW).backed_by(backing).fixed(pg(A + 4 * P))).unwrap();
    w.write(s, A + 4 * P + 3, 0xEE).unwrap();
    w.map_at(s, A + 6 * P, 1, RW | SHARED);
    w.write(s, A + 6 * P, 0x66).unwrap();
    assert_eq!(w.dontneed(s, A + P, 2), Err(AdviseError::Unmapped { at: pg(A + 2 * P) }));
    w.dontneed(s, A + P, 1).unwrap();
    assert_eq!((w.read(s, A), w.read(s, A + P)), (Ok(0x11), Ok(0)));
    w.dontneed(s, A + 4 * P, 1).unwrap();
    assert_eq!(w.read(s, A + 4 * P + 3), Ok(3), "the file's contents again");
    w.dontneed(s, A + 6 * P, 1).unwrap();
    assert_eq!(w.read(s, A + 6 * P), Ok(0x66), "shared anonymous memory is kept");
    w.map_at(s, A + 8 * P, 1, RW | VmFlags::LOCKED);
    assert_eq!(w.dontneed(s, A + 8 * P, 1), Err(AdviseError::NotAllowed { at: pg(A + 8 * P) }));
    assert_eq!(w.stats(s).p_size, 3);
    w.finish();
}
