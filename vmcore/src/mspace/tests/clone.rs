//! `fork`: copy-on-write isolation, clone chains, area kinds and failure midway.

use super::*;
use crate::pte::PteFlags;

const A: u32 = 0x0800_0000;
const P: u32 = PAGE_SIZE;

#[test]
fn clone_isolates_writes_and_the_last_writer_takes_over() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let parent = w.create();
    w.map_at(parent, A, 2, RW);
    w.write(parent, A, 0x11).unwrap();
    w.write(parent, A + P, 0x22).unwrap();
    let (f0, f1) = (w.frame(parent, A).unwrap(), w.frame(parent, A + P).unwrap());
    let child = w.fork(parent).unwrap();
    // The table is shared: one reference per table, both directory entries read-only.
    assert_eq!((w.phys.refcount(f0), w.phys.refcount(f1)), (1, 1));
    let pdi = VirtAddr::new(A).pd_index();
    let table = w.direct(parent).read_pde(pdi).frame();
    for s in [parent, child] {
        let pde = w.direct(s).read_pde(pdi);
        assert!(crate::ptshare::is_shared(pde) && pde.frame() == table);
        assert_eq!(w.frame(s, A), Some(f0));
        assert_eq!((w.stats(s).p_size, w.stats(s).v_size, w.stats(s).page_tables), (2, 2, 1));
    }
    assert_eq!(w.phys.table_metas()[&table.unwrap()].sharers, 2);
    // The child writes first: it unshares the table (its copy's entries copy-on-write) and
    // copies the page.
    w.write(child, A, 0x33).unwrap();
    assert_ne!(w.frame(child, A), Some(f0));
    assert_eq!(w.phys.refcount(f0), 1);
    assert_eq!(w.read(parent, A), Ok(0x11));
    // The parent writes last: it takes the frame over without copying.
    w.write(parent, A, 0x44).unwrap();
    assert_eq!(w.frame(parent, A), Some(f0));
    assert!(!w.pte(parent, A).flags().contains(PteFlags::COW));
    assert!(w.pte(parent, A).flags().contains(PteFlags::WRITABLE));
    assert_eq!((w.read(child, A), w.read(parent, A)), (Ok(0x33), Ok(0x44)));
    // The other page the other way round.
    w.write(parent, A + P, 0x55).unwrap();
    w.write(child, A + P, 0x66).unwrap();
    assert_eq!(w.frame(child, A + P), Some(f1));
    assert_eq!((w.read(parent, A + P), w.read(child, A + P)), (Ok(0x55), Ok(0x66)));
    w.finish();
}

#[test]
fn three_way_clone_chain() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let a = w.create();
    w.map_at(a, A, 3, RW);
    for i in 0..3 {
        w.write(a, A + i * P, 1).unwrap();
    }
    let f = w.frame(a, A).unwrap();
    let b = w.fork(a).unwrap();
    w.write(b, A + P, 2).unwrap(); // b's own copy of page 1 before the next fork
    let c = w.fork(b).unwrap();
    // a's table (shared with nobody now, copied from) and b's copy, shared with c.
    assert_eq!(w.phys.refcount(f), 2);
    assert_eq!(w.frame(c, A + P), w.frame(b, A + P));
    w.write(c, A, 3).unwrap();
    w.write(a, A, 4).unwrap();
    assert_eq!(w.phys.refcount(f), 1);
    w.write(b, A, 5).unwrap();
    assert_eq!(w.frame(b, A), Some(f), "the last writer keeps the original frame");
    let values: Vec<_> = [a, b, c].iter().map(|&s| (w.read(s, A), w.read(s, A + P))).collect();
    assert_eq!(values, [(Ok(4), Ok(1)), (Ok(5), Ok(2)), (Ok(3), Ok(2))]);
    // Page 2 was never written after the forks: shared three ways until the spaces go.
    let f2 = w.frame(a, A + 2 * P).unwrap();
    assert_eq!(w.phys.refcount(f2), 3);
    w.destroy(b);
    assert_eq!(w.phys.refcount(f2), 2);
    w.finish();
}

/// A parent with something of every kind, spread over three page tables.
fn rich_parent(w: &mut World<'_>) -> usize {
    let p = w.create();
    w.map_at(p, A, 4, RW);
    w.write(p, A, 1).unwrap();
    w.read(p, A + P).unwrap(); // the zero page
    w.write(p, A + 3 * P, 3).unwrap();
    w.map_at(p, 0x0880_0000, 3, RW | SHARED);
    w.write(p, 0x0880_0000 + P, 7).unwrap(); // one of three shared pages touched
    w.map_at(p, 0x0C00_0000, 2, RW);
    w.write(p, 0x0C00_0000, 9).unwrap();
    p
}

/// What `rich_parent` wrote, read back from space `s`.
fn rich_values(w: &mut World<'_>, s: usize) -> Vec<Result<u8, Sig>> {
    let addrs = [A, A + P, A + 3 * P, 0x0880_0000, 0x0880_0000 + P, 0x0C00_0000];
    addrs.iter().map(|&a| w.read(s, a)).collect()
}

#[test]
fn clone_failure_midway_leaks_nothing() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let p = rich_parent(&mut w);
    // A locked page makes fork copy the third table entry by entry (the first is shared).
    w.lock(p, 0x0C00_0000 + P, 1).unwrap();
    let expected = [Ok(1), Ok(0), Ok(3), Ok(0), Ok(7), Ok(9)];
    let mut failures = 0;
    for budget in 0.. {
        w.phys.set_budget(Some(budget));
        let result = w.fork(p); // on failure the child is swept and freed (and checked)
        w.phys.set_budget(None);
        assert_eq!(rich_values(&mut w, p), expected, "budget {budget}");
        match result {
            Err(CloneError::OutOfMemory { .. }) => failures += 1,
            Err(e) => panic!("{e}"),
            Ok(child) => {
                assert_eq!(rich_values(&mut w, child), expected);
                break;
            }
        }
    }
    // The child's one copied table (the first is shared, the shared area is left empty,
    // nothing populated): budget 0 fails, 1 succeeds.
    assert_eq!(failures, 1);
    w.finish();
}

#[test]
fn clone_handles_every_kind_of_area() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let p = w.create();
    let shared = 0x0900_0000;
    let dontcopy = 0x0910_0000;
    let wipe = 0x0920_0000;
    let device = 0x0930_0000;
    let locked = 0x0940_0000;
    w.map_at(p, shared, 2, RW | SHARED);
    w.map_at(p, dontcopy, 1, RW | VmFlags::DONTCOPY);
    w.map_at(p, wipe, 1, RW | VmFlags::WIPEONFORK);
    let phys = Backing::Physical { base: PhysAddr::new(DEVICE_BASE) };
    w.map(p, MapRequest::anonymous(2, RW | SHARED).backed_by(phys).fixed(pg(device))).unwrap();
    w.map_at(p, locked, 1, RW | VmFlags::LOCKED);
    for a in [shared, dontcopy, wipe, device, locked] {
        w.write(p, a, 0x5A).unwrap();
    }
    let c = w.fork(p).unwrap();
    // Shared anonymous memory: both pages populated before sharing, writes visible both ways.
    assert_eq!(w.frame(p, shared + P), w.frame(c, shared + P));
    w.write(c, shared + P, 0x77).unwrap();
    assert_eq!(w.read(p, shared + P), Ok(0x77));
    w.write(p, shared, 0x78).unwrap();
    assert_eq!(w.read(c, shared), Ok(0x78));
    // Two shared anonymous pages and the one device page touched.
    assert_eq!((w.stats(p).s_size, w.stats(c).s_size), (3, 3));
    // DONTCOPY: absent from the child.
    assert_eq!(w.read(c, dontcopy), Err(Sig::Segv(SegvReason::NoMapping)));
    // WIPEONFORK: the child's copy is empty.
    assert_eq!((w.read(c, wipe), w.read(p, wipe)), (Ok(0), Ok(0x5A)));
    // Device memory: the same frames, never counted.
    assert_eq!(w.frame(c, device), Some(Frame::containing(PhysAddr::new(DEVICE_BASE))));
    assert_eq!(w.read(c, device), Ok(0x5A));
    assert!(w.pte(p, device).flags().contains(PteFlags::WRITABLE));
    // LOCKED is not inherited.
    let flags = |s: usize| w.space(s).search(VirtAddr::new(locked)).unwrap().flags;
    assert!(flags(p).contains(VmFlags::LOCKED) && !flags(c).contains(VmFlags::LOCKED));
    assert_eq!(w.read(c, locked), Ok(0x5A));
    w.finish();
}

#[test]
fn clone_maps_the_zero_page_read_only_and_refuses_a_busy_child() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let p = w.create();
    w.map_at(p, A, 1, RW);
    w.read(p, A).unwrap();
    let c = w.fork(p).unwrap();
    let zero = w.phys.zero_page();
    assert_eq!(w.frame(c, A), Some(zero));
    assert!(!w.pte(c, A).flags().intersects(PteFlags::WRITABLE | PteFlags::COW));
    w.write(c, A, 1).unwrap();
    assert_eq!((w.read(c, A), w.read(p, A)), (Ok(1), Ok(0)));
    // A child that already holds something is refused.
    let (mut pt, _) = w.tables(p);
    let (mut ct, _) = w.tables(c);
    let [ps, cs] = w.spaces.get_disjoint_mut([p, c]).unwrap();
    let r = ps.as_mut().unwrap().clone_into(&mut pt, cs.as_mut().unwrap(), &mut ct, &mut w.phys);
    assert_eq!(r, Err(CloneError::ChildNotEmpty));
    w.finish();
}

#[test]
fn mprotect_adding_write_after_fork_keeps_copy_on_write() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let p = w.create();
    w.map_at(p, A, 1, RW);
    w.write(p, A, 0x55).unwrap();
    w.protect(p, A, 1, VmFlags::READ).unwrap();
    let c = w.fork(p).unwrap();
    w.protect(p, A, 1, VmFlags::READ | VmFlags::WRITE).unwrap();
    let flags = w.pte(p, A).flags();
    assert!(flags.contains(PteFlags::COW) && !flags.contains(PteFlags::WRITABLE));
    w.write(p, A, 0x56).unwrap();
    assert_eq!((w.read(p, A), w.read(c, A)), (Ok(0x56), Ok(0x55)));
    assert!(matches!(w.write(c, A, 1), Err(Sig::Segv(_))), "the child's copy is still read-only");
    w.finish();
}

/// The per-table sharing rule over real areas: plain private memory is shared, a table that
/// also holds a locked, shared, DONTFORK or WIPEONFORK area is copied, an empty span skipped.
#[test]
fn fork_plan_per_table() {
    use crate::ptshare::TablePlan;
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    let table = |a: u32| (a >> 22) as usize;
    let (t1, t2, t3) = (0x0800_0000, 0x0C00_0000, 0x1000_0000);
    w.map_at(s, t1, 2, RW);
    w.map_at(s, t2, 2, RW);
    w.map_at(s, t2 + 4 * P, 2, RW);
    w.lock(s, t2 + 4 * P, 2).unwrap();
    w.map_at(s, t3, 2, RW | SHARED);
    assert_eq!(w.space(s).fork_plan(table(t1)), TablePlan::Share);
    assert_eq!(w.space(s).fork_plan(table(t2)), TablePlan::Copy);
    assert_eq!(w.space(s).fork_plan(table(t3)), TablePlan::Copy);
    assert_eq!(w.space(s).fork_plan(table(t3) + 1), TablePlan::Skip);
    w.unlock(s, t2 + 4 * P, 2).unwrap();
    assert_eq!(w.space(s).fork_plan(table(t2)), TablePlan::Share);
    w.finish();
}
