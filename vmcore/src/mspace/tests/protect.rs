//! `mprotect`: splitting, entry updates, PROT_NONE, and what never becomes writable.

use super::*;
use crate::pte::PteFlags;

const A: u32 = 0x0800_0000;
const P: u32 = PAGE_SIZE;
const RWP: VmFlags = VmFlags::READ.union(VmFlags::WRITE);

#[test]
fn protect_splits_in_three_updates_entries_and_merges_back() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 3, RW);
    for i in 0..3 {
        w.write(s, A + i * P, i as u8 + 1).unwrap(); // in the TLB, writable
    }
    w.protect(s, A + P, 1, VmFlags::READ).unwrap();
    let flags: Vec<_> = w.space(s).tree().iter().map(|v| v.flags).collect();
    assert_eq!(flags, [RW, R | VmFlags::MAYWRITE, RW]);
    assert!(!w.pte(s, A + P).flags().contains(PteFlags::WRITABLE));
    assert!(w.pte(s, A + P).flags().contains(PteFlags::USER));
    assert!(w.pte(s, A).flags().contains(PteFlags::WRITABLE));
    // The stale writable TLB entry was flushed: the write faults and is refused.
    assert!(matches!(
        w.write(s, A + P, 9),
        Err(Sig::Segv(SegvReason::AccessDenied { access: Access::Write, .. }))
    ));
    assert_eq!(w.read(s, A + P), Ok(2));
    w.write(s, A + 2 * P, 3).unwrap();

    w.protect(s, A + P, 1, RWP).unwrap();
    assert_eq!(w.space(s).tree().len(), 1, "merged back");
    assert!(w.pte(s, A + P).flags().contains(PteFlags::WRITABLE), "exclusive: writable again");
    let faults = w.faults;
    w.write(s, A + P, 4).unwrap();
    assert_eq!(w.faults, faults);
    assert_eq!(w.with(s, |sp, t, p| sp.scavenge(t, p)), 0, "nothing left to merge");
    assert_eq!(w.stats(s).p_size, 3);
    w.finish();
}

#[test]
fn scavenge_frees_a_linked_but_empty_table() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 1, RW);
    w.write(s, A, 1).unwrap();
    let free = w.phys.free_count();
    w.with(s, |sp, t, p| {
        // A table linked and never used (no operation does this; scavenge is the safety net).
        let pdi = pg(0x0C00_0000).pd_index();
        let made = crate::paging::Mapper::new(t, &mut sp.counts, p).ensure_table(pdi);
        assert_eq!(made, Ok(true));
        sp.resident.table_linked();
        ((), SpaceFlush::new())
    });
    assert_eq!(w.stats(s).page_tables, 2);
    assert_eq!(w.with(s, |sp, t, p| sp.scavenge(t, p)), 0);
    assert_eq!(w.stats(s).page_tables, 1);
    assert_eq!(w.phys.free_count(), free);
    assert_eq!(w.read(s, A), Ok(1));
    w.finish();
}

#[test]
fn prot_none_keeps_the_data_and_restoring_access_brings_it_back() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 2, RW);
    w.write(s, A, 0x31).unwrap();
    w.write(s, A + P, 0x32).unwrap();
    let before = w.stats(s);
    w.protect(s, A, 2, VmFlags::empty()).unwrap();
    let flags = w.pte(s, A).flags();
    assert!(flags.contains(PteFlags::PRESENT));
    assert!(!flags.intersects(PteFlags::USER | PteFlags::WRITABLE));
    assert_eq!(w.stats(s), before, "the pages stay resident");
    assert!(matches!(
        w.read(s, A),
        Err(Sig::Segv(SegvReason::AccessDenied { access: Access::Read, .. }))
    ));
    // Ring 0 still reads the page without a fault: copy routines must check the area first.
    assert_eq!(w.access(s, A, None, Mode::Kernel), Ok(0x31));
    assert!(w.space(s).search(VirtAddr::new(A)).is_some_and(|v| !v.allows(Access::Read)));
    // A kernel write faults and is refused (the copy routine's fixup).
    assert!(matches!(w.access(s, A, Some(1), Mode::Kernel), Err(Sig::Segv(_))));
    w.protect(s, A, 2, RWP).unwrap();
    assert!(w.pte(s, A).flags().contains(PteFlags::USER | PteFlags::WRITABLE));
    assert_eq!((w.read(s, A), w.read(s, A + P)), (Ok(0x31), Ok(0x32)));
    w.write(s, A, 0x33).unwrap();
    w.finish();
}

#[test]
fn adding_write_never_makes_the_zero_page_or_a_cow_page_writable() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 2, R | VmFlags::MAYWRITE);
    w.read(s, A).unwrap();
    w.protect(s, A, 2, RWP).unwrap();
    assert_eq!(w.frame(s, A), Some(w.phys.zero_page()));
    assert!(!w.pte(s, A).flags().contains(PteFlags::WRITABLE));
    w.write(s, A, 7).unwrap(); // breaks the zero page
    assert_ne!(w.frame(s, A), Some(w.phys.zero_page()));
    assert_eq!(w.read(s, A + 1), Ok(0));
    // PROT_NONE then back on a copy-on-write page.
    let c = w.fork(s).unwrap();
    w.protect(s, A, 1, VmFlags::empty()).unwrap();
    assert_eq!(w.pte(s, A).flags() & (PteFlags::COW | PteFlags::USER), PteFlags::COW);
    w.protect(s, A, 1, RWP).unwrap();
    assert!(!w.pte(s, A).flags().contains(PteFlags::WRITABLE));
    w.write(s, A, 8).unwrap();
    assert_eq!((w.read(s, A), w.read(c, A)), (Ok(8), Ok(7)));
    w.finish();
}

#[test]
fn protect_refuses_holes_missing_may_bits_and_bad_prot() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 1, R);
    w.map_at(s, A + 2 * P, 1, RW);
    assert_eq!(w.protect(s, A, 3, VmFlags::READ), Err(ProtectError::Unmapped { at: pg(A + P) }));
    assert_eq!(
        w.protect(s, A, 1, RWP),
        Err(ProtectError::NotPermitted { at: pg(A), missing: VmFlags::WRITE })
    );
    assert_eq!(w.protect(s, A, 1, VmFlags::SHARED), Err(ProtectError::InvalidProt(VmFlags::SHARED)));
    assert_eq!(
        w.protect(s, 0xBFFF_F000, 2, VmFlags::READ),
        Err(ProtectError::Range(RangeError::OutOfBounds))
    );
    assert_eq!(w.protect(s, A, 0, VmFlags::READ), Ok(()));
    let errno = crate::errno::Errno::from(ProtectError::Unmapped { at: pg(A) });
    assert_eq!(errno, crate::errno::Errno::ENOMEM);
    assert_eq!(w.space(s).tree().len(), 2, "nothing changed");
    w.finish();
}
