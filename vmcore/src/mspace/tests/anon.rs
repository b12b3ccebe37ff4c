//! Anonymous memory: demand zero, private frames, map/unmap, fixed replacement.

use super::*;
use crate::pte::PteFlags;
use crate::vma::VmaName;
use std::format;
use std::string::String;

const A: u32 = 0x0800_0000;
const P: u32 = PAGE_SIZE;

fn stats(v_size: u32, p_size: u32, s_size: u32, page_tables: u32) -> MSpaceStats {
    let phys_pg_count = p_size + s_size + page_tables + 1;
    MSpaceStats { v_size, p_size, s_size, page_tables, phys_pg_count }
}

#[test]
fn demand_zero_read_maps_the_zero_page_then_write_gets_a_private_frame() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    assert_eq!(w.map(s, MapRequest::anonymous(4, RW).hint(pg(A))), Ok(pg(A)));
    assert_eq!(w.stats(s), stats(4, 0, 0, 0));
    assert_eq!(w.read(s, A), Ok(0));
    assert_eq!(w.read(s, A + P + 7), Ok(0));
    let zero = w.phys.zero_page();
    assert_eq!((w.frame(s, A), w.frame(s, A + P)), (Some(zero), Some(zero)));
    let flags = w.pte(s, A).flags();
    assert!(flags.contains(PteFlags::USER) && !flags.contains(PteFlags::WRITABLE));
    assert_eq!(w.stats(s), stats(4, 0, 0, 1), "zero-page mappings are not counted");

    w.write(s, A + 5, 0x42).unwrap();
    let f = w.frame(s, A).unwrap();
    assert_ne!(f, zero);
    assert_eq!(w.phys.refcount(f), 1);
    assert!(w.pte(s, A).flags().contains(PteFlags::USER | PteFlags::WRITABLE));
    assert!(!w.pte(s, A).flags().contains(PteFlags::GLOBAL));
    assert_eq!(w.read(s, A + 5), Ok(0x42));
    assert_eq!(w.read(s, A + 6), Ok(0), "the private frame was zeroed");
    assert_eq!(w.frame(s, A + P), Some(zero), "the other page still maps the zero frame");
    assert_eq!(w.stats(s), stats(4, 1, 0, 1));

    // A write to an untouched page gets a private frame directly.
    w.write(s, A + 2 * P, 1).unwrap();
    assert_eq!(w.stats(s), stats(4, 2, 0, 1));
    w.finish();
}

#[test]
fn accesses_the_areas_forbid_are_refused() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 1, R);
    assert_eq!(w.read(s, A), Ok(0));
    assert!(matches!(
        w.write(s, A, 1),
        Err(Sig::Segv(SegvReason::AccessDenied { access: Access::Write, .. }))
    ));
    assert_eq!(w.read(s, A + P), Err(Sig::Segv(SegvReason::NoMapping)));
    assert_eq!(w.read(s, 0x1000), Err(Sig::Segv(SegvReason::NullPage)));
    assert_eq!(w.read(s, 0xC000_0000), Err(Sig::Segv(SegvReason::KernelAddress)));
    // Kernel-mode access to a hole: the copy routine's fixup.
    assert_eq!(
        w.access(s, A + P, None, Mode::Kernel),
        Err(Sig::Segv(SegvReason::NoMapping))
    );
    w.finish();
}

#[test]
fn map_validates_its_request() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    let anon = |n| MapRequest::anonymous(n, RW);
    assert_eq!(w.map(s, anon(0)), Err(MapError::Range(RangeError::Empty)));
    let fixed_none = MapRequest { fixed: true, ..anon(1) };
    assert_eq!(w.map(s, fixed_none), Err(MapError::FixedWithoutAddress));
    assert_eq!(w.map(s, anon(1).fixed(pg(0x1000))), Err(MapError::Range(RangeError::OutOfBounds)));
    let near_top = anon(2).fixed(pg(0xBFFF_F000));
    assert_eq!(w.map(s, near_top), Err(MapError::Range(RangeError::OutOfBounds)));
    let wrap = anon(2).fixed(pg(0xFFFF_F000));
    assert_eq!(w.map(s, wrap), Err(MapError::Range(RangeError::WrapAround)));
    let no_may = MapRequest::anonymous(1, VmFlags::READ | VmFlags::WRITE | VmFlags::MAYREAD);
    assert_eq!(w.map(s, no_may), Err(MapError::NotPermitted { missing: VmFlags::WRITE }));
    let shared_stack = MapRequest::anonymous(1, RW | SHARED | VmFlags::GROWSDOWN);
    assert_eq!(w.map(s, shared_stack), Err(MapError::InvalidFlags(VmFlags::GROWSDOWN)));
    let file = crate::vma::test_file::TestFile::open(1, "/f", 0x4000);
    let odd = anon(1).backed_by(Backing::File { file, offset: 0x10, limit: 0x1000 });
    assert_eq!(w.map(s, odd), Err(MapError::Unaligned));
    let base = PhysAddr::new(0xFFFF_F000);
    let device = anon(2).backed_by(Backing::Physical { base });
    assert_eq!(w.map(s, device), Err(MapError::PhysicalPastTop));
    assert_eq!(w.map(s, anon(0xC0000)), Err(MapError::NoSpace));
    assert_eq!(crate::errno::Errno::from(MapError::NoSpace), crate::errno::Errno::ENOMEM);
    assert!(w.space(s).is_empty());
    w.finish();
}

#[test]
fn map_places_first_fit_unless_the_hint_is_free() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    let lower = w.space(s).bounds().0;
    assert_eq!(w.map(s, MapRequest::anonymous(2, RW)), Ok(lower));
    assert_eq!(w.map(s, MapRequest::anonymous(1, R).hint(pg(A))), Ok(pg(A)));
    // The hint is taken: first fit, right after the first area.
    let next = lower.checked_add(2).unwrap();
    assert_eq!(w.map(s, MapRequest::anonymous(1, RW).hint(pg(A))), Ok(next));
    assert_eq!(w.space(s).tree().len(), 2, "the third area merged with the first");
    assert_eq!(w.stats(s).v_size, 4);
    let vma = w.space(s).search(VirtAddr::new(A)).expect("an area at A");
    assert_eq!(vma.start(), pg(A));
    w.finish();
}

#[test]
fn unmap_in_the_middle_splits_and_frees() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 5, RW);
    for i in 0..5 {
        w.write(s, A + i * P, i as u8 + 1).unwrap();
    }
    let middle = w.frame(s, A + 2 * P).unwrap();
    assert_eq!(w.stats(s), stats(5, 5, 0, 1));
    w.unmap(s, A + 2 * P, 1).unwrap();
    assert_eq!(w.phys.refcount(middle), 0, "the frame was freed");
    let extents: Vec<_> = w.space(s).tree().iter().map(|v| (v.start(), v.pages())).collect();
    assert_eq!(extents, [(pg(A), 2), (pg(A + 3 * P), 2)]);
    assert_eq!(w.read(s, A + 2 * P), Err(Sig::Segv(SegvReason::NoMapping)));
    for i in [0, 1, 3, 4] {
        assert_eq!(w.read(s, A + i * P), Ok(i as u8 + 1));
    }
    assert_eq!(w.stats(s), stats(4, 4, 0, 1));
    // Unmapping a hole is fine; a range outside user space is not.
    assert_eq!(w.unmap(s, A + 2 * P, 1), Ok(()));
    assert_eq!(w.unmap(s, 0xBFFF_F000, 2), Err(UnmapError::Range(RangeError::OutOfBounds)));
    assert_eq!(w.unmap(s, A, 0), Err(UnmapError::Range(RangeError::Empty)));
    // Unmapping everything frees the page table.
    w.unmap(s, A, 5).unwrap();
    assert_eq!(w.stats(s), stats(0, 0, 0, 0));
    assert!(w.space(s).is_empty());
    w.finish();
}

#[test]
fn unmap_across_tables_frees_each_table() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    let start = 0x0840_0000 - 2 * P; // two pages below a 4 MiB boundary, two above
    w.map_at(s, start, 4, RW);
    for i in 0..4 {
        w.write(s, start + i * P, 9).unwrap();
    }
    assert_eq!(w.stats(s), stats(4, 4, 0, 2));
    w.unmap(s, start + P, 2).unwrap();
    assert_eq!(w.stats(s), stats(2, 2, 0, 2));
    w.unmap(s, start, 1).unwrap();
    assert_eq!(w.stats(s), stats(1, 1, 0, 1));
    assert_eq!(w.read(s, start + 3 * P), Ok(9));
    w.finish();
}

#[test]
fn map_fixed_over_a_mapping_frees_the_old_frames() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 3, RW);
    for i in 0..3 {
        w.write(s, A + i * P, 0x70 + i as u8).unwrap();
    }
    let old: Vec<_> = (1..3).map(|i| w.frame(s, A + i * P).unwrap()).collect();
    w.map_at(s, A + P, 2, R);
    assert!(old.iter().all(|&f| w.phys.refcount(f) == 0), "old frames freed");
    assert_eq!(w.stats(s), stats(3, 1, 0, 1));
    assert_eq!(w.read(s, A), Ok(0x70));
    assert_eq!(w.read(s, A + P), Ok(0), "the new mapping is fresh");
    assert!(matches!(w.write(s, A + P, 1), Err(Sig::Segv(_))));
    let flags: Vec<_> = w.space(s).tree().iter().map(|v| v.flags).collect();
    assert_eq!(flags, [RW, R]);
    w.finish();
}

#[test]
fn map_fixed_locked_relinks_a_table_it_just_freed() {
    // The unmap half of MAP_FIXED frees the only table of the range and the LOCKED populate
    // links a new one at the same directory slot: this only works because write_pde
    // invalidates the window page (the kernel's WindowTables does it too).
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 2, RW);
    w.write(s, A, 1).unwrap();
    w.write(s, A + P, 2).unwrap();
    let req = MapRequest::anonymous(2, RW | VmFlags::LOCKED).fixed(pg(A));
    w.map(s, req).unwrap();
    assert_eq!(w.stats(s), stats(2, 2, 0, 1));
    assert_eq!(w.read(s, A), Ok(0));
    assert_eq!(w.read(s, A + P), Ok(0));
    let faults = w.faults;
    w.write(s, A + P, 3).unwrap();
    assert_eq!(w.faults, faults, "populated writable: no fault");
    w.finish();
}

#[test]
fn display_prints_proc_maps() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 2, RW);
    let stack = MapRequest::anonymous(1, RW | VmFlags::GROWSDOWN).named(VmaName::Stack);
    w.map(s, stack.fixed(pg(0xBFFF_F000))).unwrap();
    let mut text = String::new();
    w.space(s).display(&mut text).unwrap();
    let stack_line = format!("{:<49}[stack]\n", "bffff000-c0000000 rw-p 00000000 00:00 0 ");
    let expected = format!("08000000-08002000 rw-p 00000000 00:00 0 \n{stack_line}");
    assert_eq!(text, expected);
    w.finish();
}

#[test]
fn custom_bounds_confine_mappings() {
    let pd = Frame::from_number(1);
    let (lo, hi) = (pg(A), pg(A + 4 * P));
    assert_eq!(MSpace::with_bounds(pd, hi, lo).map(drop), Err(BoundsError::Empty));
    assert_eq!(MSpace::with_bounds(pd, pg(0), hi).map(drop), Err(BoundsError::OutsideUser));
    let space = MSpace::with_bounds(pd, lo, hi).unwrap();
    assert_eq!(space.bounds(), (lo, hi));
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    let pd = w.space(s).pd();
    w.spaces[s] = Some(MSpace::with_bounds(pd, lo, hi).unwrap());
    assert_eq!(w.map(s, MapRequest::anonymous(3, RW)), Ok(lo));
    assert_eq!(w.map(s, MapRequest::anonymous(2, RW)), Err(MapError::NoSpace));
    let outside = MapRequest::anonymous(1, RW).fixed(hi);
    assert_eq!(w.map(s, outside), Err(MapError::Range(RangeError::OutOfBounds)));
    w.write(s, A, 1).unwrap();
    w.finish();
}

#[test]
fn shared_anonymous_memory_needs_an_object() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    // The kernel always gives it a shmem object; the bare request is refused.
    let bare = MapRequest::anonymous(2, RW | SHARED);
    let r = w.with(s, |sp, t, p| match sp.map(bare, t, p) {
        Ok((_, f)) => (Ok(()), f),
        Err(e) => (Err(e), SpaceFlush::new()),
    });
    assert_eq!(r, Err(MapError::InvalidFlags(VmFlags::SHARED)));
    w.finish();
}

#[test]
fn munmap_keeps_an_emptied_table_while_an_area_shares_its_4_mib() {
    // Linux's free_pgtables: the table of [A, A + 4 MiB) stays while another area lies there,
    // and goes with the last area over it.
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 1, RW);
    w.map_at(s, A + 8 * P, 1, R);
    w.write(s, A, 1).unwrap();
    assert_eq!(w.stats(s), stats(2, 1, 0, 1));
    w.unmap(s, A, 1).unwrap();
    assert_eq!(w.stats(s), stats(1, 0, 0, 1), "the neighbour at A + 8 pages keeps the table");
    // Mapping and touching again reuses it.
    w.map_at(s, A, 1, RW);
    w.write(s, A, 2).unwrap();
    assert_eq!(w.stats(s), stats(2, 1, 0, 1));
    w.unmap(s, A, 1).unwrap();
    w.unmap(s, A + 8 * P, 1).unwrap();
    assert_eq!(w.stats(s), stats(0, 0, 0, 0), "no area left over the table: freed");
    // A table whose 4 MiB holds no other area goes with its last page, as before.
    w.map_at(s, A + 0x40_0000, 1, RW);
    w.write(s, A + 0x40_0000, 3).unwrap();
    w.map_at(s, A, 1, RW);
    assert_eq!(w.stats(s), stats(2, 1, 0, 1));
    w.unmap(s, A + 0x40_0000, 1).unwrap();
    assert_eq!(w.stats(s), stats(1, 0, 0, 0));
    w.finish();
}

#[test]
fn a_table_freed_by_munmap_is_reused_by_the_next_fault_without_an_allocation() {
    // mmap + write + munmap in a 4 MiB of its own, again and again (W4): the table freed by
    // munmap stays as the space's spare, so the next round allocates only the data frame.
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 1, RW);
    w.write(s, A, 1).unwrap();
    w.unmap(s, A, 1).unwrap();
    assert_eq!(w.stats(s), stats(0, 0, 0, 0), "VmPTE counts linked tables only");
    let free = w.phys.free_count();
    for round in 0..3 {
        w.map_at(s, A, 1, RW);
        w.write(s, A, 1).unwrap();
        assert_eq!(w.phys.free_count(), free - 1, "round {round}: only the data frame");
        assert_eq!(w.stats(s), stats(1, 1, 0, 1));
        w.unmap(s, A, 1).unwrap();
        assert_eq!(w.phys.free_count(), free, "round {round}: the table is the spare again");
    }
    w.finish();
}
