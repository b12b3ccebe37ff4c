//! Tests of the mapper on the simulated MMU, through a direct walker and through both
//! recursive windows.

use super::*;
use crate::addr::{ENTRIES, PAGE_SIZE};
use crate::layout::{Window, SELF_SLOT, USER_START};
use crate::sim::{DirectTables, Machine, RecursiveTables, SimFault, SimPool};
use proptest::prelude::*;
use std::boxed::Box;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::vec::Vec;

const NFRAMES: u32 = 40;
const OWN_PD: u32 = 1;
const EXT_PD: u32 = 2;
/// Frames 3..19 feed page tables.
const POOL: core::ops::Range<u32> = 3..19;
/// Frames from here on are data.
const DATA: u32 = 20;

fn fr(n: u32) -> Frame {
    Frame::from_number(n)
}

fn page(pdi: usize, pti: usize) -> Page {
    Page::new(VirtAddr::from_indices(pdi, pti, 0))
}

const URW: PteFlags = PteFlags::USER.union(PteFlags::WRITABLE);

/// How the mapper reaches the tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Reads the directory frame from RAM.
    Direct,
    /// Through slot 1023 of the active directory.
    Own,
    /// Through slot 1022 of the active directory, editing a second directory.
    External,
}

const KINDS: [Kind; 3] = [Kind::Direct, Kind::Own, Kind::External];

/// A machine set up for one kind of access.
struct Rig {
    m: Machine,
    kind: Kind,
}

impl Rig {
    fn new(kind: Kind) -> Self {
        let m = Machine::new(NFRAMES);
        m.install_self_map(fr(OWN_PD));
        m.set_cr3(fr(OWN_PD));
        if kind == Kind::External {
            m.install_self_map(fr(EXT_PD));
            m.install_external(fr(OWN_PD), fr(EXT_PD));
        }
        Rig { m, kind }
    }

    /// The directory being edited.
    fn pd(&self) -> Frame {
        fr(if self.kind == Kind::External {
            EXT_PD
        } else {
            OWN_PD
        })
    }

    fn window(&self) -> Option<Window> {
        match self.kind {
            Kind::Direct => None,
            Kind::Own => Some(Window::Own),
            Kind::External => Some(Window::External),
        }
    }

    fn env(&self) -> Env<'_> {
        let acc: Box<dyn TableAccess + '_> = match self.window() {
            None => Box::new(DirectTables {
                machine: &self.m,
                pd: self.pd(),
            }),
            Some(window) => Box::new(RecursiveTables {
                machine: &self.m,
                window,
            }),
        };
        Env {
            rig: self,
            acc,
            counts: TableCounts::new(),
            pool: SimPool::new(&self.m, POOL.map(fr)),
        }
    }

    /// An access to `va` in the edited space as the CPU would do it: through the TLB for the
    /// active directory, by a plain walk of the external one.
    fn check(&self, va: VirtAddr, write: bool, user: bool) -> Result<PhysAddr, SimFault> {
        match self.kind {
            Kind::External => self.m.walk(self.pd(), va, write, user),
            _ => self.m.translate(va, write, user),
        }
    }

    /// What the kernel's wrapper does with a flush token.
    fn flush(&self, f: Flush) {
        match self.kind {
            Kind::External => f.ignore(), // not the active space
            _ => self.m.invlpg(f.page()),
        }
    }

    /// What the kernel's wrapper does after an unmap; returns the old entry.
    fn finish_unmap(&self, u: Unmapped) -> Pte {
        self.flush(u.flush);
        if let (Some(t), Some(w)) = (u.freed_table, self.window()) {
            self.m.invlpg(t.window_page(w));
        }
        u.old
    }
}

/// The mapper's three borrows, owned.
struct Env<'m> {
    rig: &'m Rig,
    acc: Box<dyn TableAccess + 'm>,
    counts: TableCounts,
    pool: SimPool<'m>,
}

impl<'m> Env<'m> {
    fn mapper(&mut self) -> Mapper<'_, dyn TableAccess + 'm, SimPool<'m>> {
        Mapper::new(&mut *self.acc, &mut self.counts, &mut self.pool)
    }

    fn map(&mut self, p: Page, f: Frame, flags: PteFlags) {
        let flush = self.mapper().map(p, f, flags).expect("map");
        self.rig.flush(flush);
    }

    fn unmap(&mut self, p: Page) -> Pte {
        let u = self.mapper().unmap(p).expect("unmap");
        self.rig.finish_unmap(u)
    }
}

/// The address `off` bytes into `p`.
fn at(p: Page, off: u32) -> VirtAddr {
    p.start().checked_add(off).unwrap()
}

/// Clears the bits the MMU sets by itself.
fn no_ad(e: Pte) -> Pte {
    e.with_flags(e.flags() - PteFlags::ACCESSED - PteFlags::DIRTY)
}

#[test]
fn map_translate_unmap_on_every_access_kind() {
    for kind in KINDS {
        let rig = Rig::new(kind);
        let mut env = rig.env();
        let up = Page::new(VirtAddr::new(USER_START + 5 * PAGE_SIZE));
        env.map(up, fr(DATA), URW);
        let pa = fr(DATA).start().checked_add(0x123).unwrap();
        assert_eq!(rig.check(at(up, 0x123), true, true), Ok(pa), "{kind:?}");
        let (tpa, flags) = env.mapper().translate(at(up, 0x123)).unwrap();
        assert_eq!(tpa, pa);
        assert!(flags.contains(PteFlags::PRESENT | URW));
        assert_eq!(env.mapper().read(up).frame(), Some(fr(DATA)));
        assert_eq!(env.counts.get(up.pd_index()), 1);
        assert_eq!(env.pool.free_count(), POOL.len() - 1);
        let pde = rig.m.read_entry(rig.pd(), up.pd_index());
        assert!(
            pde.flags().contains(PteFlags::PRESENT | URW),
            "user table: {pde:?}"
        );

        let kp = Page::new(VirtAddr::new(0xD000_0000));
        env.map(kp, fr(DATA + 1), PteFlags::WRITABLE);
        let kpde = rig.m.read_entry(rig.pd(), kp.pd_index());
        assert_eq!(
            kpde.flags() & URW,
            PteFlags::WRITABLE,
            "kernel table is supervisor-only"
        );
        assert_eq!(rig.check(kp.start(), true, false), Ok(fr(DATA + 1).start()));
        assert_eq!(
            rig.check(kp.start(), false, true).unwrap_err().error_code(),
            0b101
        );
        assert_eq!(env.pool.free_count(), POOL.len() - 2);

        assert_eq!(
            no_ad(env.unmap(up)),
            Pte::new(fr(DATA), URW | PteFlags::PRESENT)
        );
        assert_eq!(env.pool.free_count(), POOL.len() - 1, "user table freed");
        assert_eq!(env.counts.get(up.pd_index()), 0);
        assert_eq!(rig.m.read_entry(rig.pd(), up.pd_index()), Pte::EMPTY);
        assert_eq!(
            rig.check(up.start(), false, true).unwrap_err().error_code(),
            0b100
        );
        assert_eq!(env.mapper().translate(up.start()), None);

        let u = env.mapper().unmap(kp).unwrap();
        assert_eq!(u.freed_table, None, "kernel tables are never freed");
        rig.finish_unmap(u);
        assert!(rig.m.read_entry(rig.pd(), kp.pd_index()).is_present());
        assert_eq!(env.pool.free_count(), POOL.len() - 1);
    }
}

#[test]
fn permissions_follow_i386_rules() {
    for kind in KINDS {
        let rig = Rig::new(kind);
        let mut env = rig.env();
        let ro = page(1, 0);
        let sup = page(1, 1);
        env.map(ro, fr(DATA), PteFlags::USER);
        env.map(sup, fr(DATA + 1), PteFlags::WRITABLE);
        let code = |va, w, u| rig.check(va, w, u).map_err(|f| f.error_code());
        assert_eq!(code(ro.start(), false, true), Ok(fr(DATA).start()));
        assert_eq!(
            code(ro.start(), true, true),
            Err(0b111),
            "user write to read-only"
        );
        assert_eq!(
            code(ro.start(), true, false),
            Err(0b011),
            "CR0.WP: supervisor too"
        );
        assert_eq!(
            code(sup.start(), false, true),
            Err(0b101),
            "supervisor-only page"
        );
        assert_eq!(code(sup.start(), true, false), Ok(fr(DATA + 1).start()));
        assert_eq!(
            code(page(1, 2).start(), false, true),
            Err(0b100),
            "no entry"
        );
        assert_eq!(
            code(page(9, 0).start(), true, false),
            Err(0b010),
            "no table"
        );
        let flush = env
            .mapper()
            .update_flags(ro, PteFlags::PRESENT | URW)
            .unwrap();
        rig.flush(flush);
        assert_eq!(code(ro.start(), true, true), Ok(fr(DATA).start()));
        // The page tables themselves are out of reach of user mode.
        if kind == Kind::Own {
            assert_eq!(code(Window::Own.pde_addr(0), false, true), Err(0b101));
        }
    }
}

#[test]
fn a_skipped_flush_leaves_a_stale_translation() {
    let rig = Rig::new(Kind::Own);
    let mut env = rig.env();
    let p = page(1, 0);
    env.map(p, fr(DATA), PteFlags::USER);
    assert!(rig.check(p.start(), false, true).is_ok()); // cached read-only
    env.mapper()
        .update_flags(p, PteFlags::PRESENT | URW)
        .unwrap()
        .ignore();
    assert!(
        rig.check(p.start(), true, true).is_err(),
        "the TLB still says read-only"
    );
    rig.m.invlpg(p);
    assert!(rig.check(p.start(), true, true).is_ok());
}

#[test]
fn a_freed_table_needs_its_window_page_flushed() {
    let rig = Rig::new(Kind::Own);
    let mut env = rig.env();
    let (p1, p2) = (page(3, 0), page(3, 7));
    env.map(p1, fr(DATA), URW);
    let u = env.mapper().unmap(p1).unwrap();
    let freed = u.freed_table.unwrap();
    assert_eq!(
        freed,
        FreedTable {
            pdi: 3,
            frame: fr(POOL.start)
        }
    );
    rig.flush(u.flush); // but not the window page
                        // The window still shows the freed (poisoned) table instead of the new one.
    let e = env.mapper().map(p2, fr(DATA + 1), URW);
    assert_eq!(
        e,
        Err(MapError::AlreadyMapped(p2, Pte::from_raw(0xA5A5_A5A5)))
    );
    rig.m.invlpg(freed.window_page(Window::Own));
    env.map(p2, fr(DATA + 1), URW);
    assert_eq!(rig.check(p2.start(), true, true), Ok(fr(DATA + 1).start()));
}

#[test]
fn table_lives_exactly_as_long_as_its_entries() {
    for kind in KINDS {
        let rig = Rig::new(kind);
        let mut env = rig.env();
        for pti in [0, 500, 1023] {
            env.map(page(2, pti), fr(DATA), URW);
        }
        assert_eq!(env.counts.get(2), 3);
        for pti in [500, 0] {
            let u = env.mapper().unmap(page(2, pti)).unwrap();
            assert_eq!(u.freed_table, None);
            rig.finish_unmap(u);
        }
        let u = env.mapper().unmap(page(2, 1023)).unwrap();
        assert_eq!(u.freed_table.map(|t| t.pdi), Some(2));
        rig.finish_unmap(u);
        assert_eq!((env.pool.outstanding(), env.counts.tables_in_use()), (0, 0));
        // The next table for the same slot is a different (FIFO) frame, linked afresh.
        env.map(page(2, 1), fr(DATA + 2), URW);
        let pde = rig.m.read_entry(rig.pd(), 2);
        assert_eq!(pde.frame(), Some(fr(POOL.start + 1)), "{kind:?}");
        assert_eq!(
            rig.check(page(2, 1).start(), false, true),
            Ok(fr(DATA + 2).start())
        );
    }
}

#[test]
fn errors_leave_everything_unchanged() {
    let rig = Rig::new(Kind::Own);
    let mut env = rig.env();
    let p = page(1, 1);
    env.map(p, fr(DATA), URW);
    let e = env.mapper().read(p);
    assert_eq!(
        env.mapper().map(p, fr(DATA + 1), URW),
        Err(MapError::AlreadyMapped(p, e))
    );
    assert_eq!(
        env.mapper().unmap(page(1, 2)),
        Err(UnmapError::NotMapped(page(1, 2)))
    );
    assert_eq!(
        env.mapper().unmap(page(5, 0)),
        Err(UnmapError::NotMapped(page(5, 0)))
    );
    assert_eq!(env.mapper().read(page(5, 0)), Pte::EMPTY);
    assert_eq!(
        env.mapper().update_flags(p, PteFlags::USER),
        Err(UpdateError::NotPresent(PteFlags::USER))
    );
    assert_eq!(
        env.mapper().update_flags(page(5, 0), PteFlags::PRESENT),
        Err(UpdateError::NotMapped(page(5, 0)))
    );
    assert_eq!(
        env.mapper().replace(p, Pte::EMPTY),
        Err(ReplaceError::NotPresent(Pte::EMPTY))
    );
    for slot in [EXT_SLOT, SELF_SLOT] {
        let w = page(slot, 3);
        assert_eq!(
            env.mapper().map(w, fr(DATA), URW),
            Err(MapError::WindowSlot(w))
        );
        assert_eq!(env.mapper().unmap(w), Err(UnmapError::WindowSlot(w)));
        assert_eq!(
            env.mapper().ensure_table(slot),
            Err(TableError::WindowSlot(slot))
        );
        let r = env.mapper().update_flags(w, PteFlags::PRESENT);
        assert_eq!(r, Err(UpdateError::WindowSlot(w)));
    }
    assert_eq!((env.counts.get(1), env.pool.outstanding()), (1, 1));
    assert_eq!(env.mapper().read(p), e);
}

#[test]
fn out_of_table_frames() {
    let rig = Rig::new(Kind::Direct);
    let mut acc = DirectTables {
        machine: &rig.m,
        pd: fr(OWN_PD),
    };
    let (mut counts, mut pool) = (TableCounts::new(), SimPool::new(&rig.m, []));
    let mut mapper = Mapper::new(&mut acc, &mut counts, &mut pool);
    assert_eq!(
        mapper.map(page(1, 0), fr(DATA), URW),
        Err(MapError::TableAllocFailed)
    );
    assert_eq!(mapper.ensure_table(800), Err(TableError::AllocFailed));
    assert_eq!(mapper.read(page(1, 0)), Pte::EMPTY);
}

#[test]
fn huge_directory_entries() {
    let rig = Rig::new(Kind::Direct);
    let mut env = rig.env();
    let huge = Pte::from_raw(0x0080_0000 | (PteFlags::PRESENT | PteFlags::HUGE).bits());
    rig.m.write_entry(fr(OWN_PD), 4, huge);
    let va = VirtAddr::from_indices(4, 5, 6);
    let (pa, flags) = env.mapper().translate(va).unwrap();
    assert_eq!(pa, PhysAddr::new(0x0080_0000 + 5 * PAGE_SIZE + 6));
    assert!(flags.contains(PteFlags::HUGE));
    assert_eq!(rig.check(va, false, false), Ok(pa));
    let p = Page::containing(va);
    assert_eq!(no_ad(env.mapper().read(p)), huge);
    assert_eq!(
        env.mapper().map(p, fr(DATA), URW),
        Err(MapError::HugePage(p))
    );
    assert_eq!(env.mapper().unmap(p), Err(UnmapError::HugePage(p)));
    assert_eq!(
        env.mapper().replace(p, huge),
        Err(ReplaceError::HugePage(p))
    );
    assert_eq!(env.mapper().ensure_table(4), Err(TableError::HugePage(4)));
}

#[test]
fn replace_swaps_the_frame() {
    for kind in KINDS {
        let rig = Rig::new(kind);
        let mut env = rig.env();
        let p = page(7, 7);
        env.map(p, fr(DATA), PteFlags::USER | PteFlags::COW);
        let new = Pte::new(fr(DATA + 1), PteFlags::PRESENT | URW);
        let (old, flush) = env.mapper().replace(p, new).unwrap();
        rig.flush(flush);
        assert_eq!(old.frame(), Some(fr(DATA)));
        assert!(old.flags().contains(PteFlags::COW));
        let pa = fr(DATA + 1).start().checked_add(8).unwrap();
        assert_eq!(rig.check(at(p, 8), true, true), Ok(pa));
        assert_eq!(env.counts.get(7), 1);
        let r = env.mapper().replace(page(7, 8), new);
        assert_eq!(r, Err(ReplaceError::NotMapped(page(7, 8))));
    }
}

#[test]
fn clear_user_tears_down_the_user_half() {
    for kind in KINDS {
        let rig = Rig::new(kind);
        let mut env = rig.env();
        let user = [page(1, 0), page(1, 9), page(300, 4), page(767, 1023)];
        for (i, p) in user.iter().enumerate() {
            env.map(*p, fr(DATA + i as u32), URW);
        }
        let kp = page(900, 0);
        env.map(kp, fr(DATA + 9), PteFlags::WRITABLE);
        let counts_before = TableCounts::recount(&*env.acc);
        assert_eq!(counts_before, env.counts);
        let mut seen = Vec::new();
        env.mapper()
            .clear_user(|p, e| seen.push((p, e.frame().unwrap())))
            .ignore();
        rig.m.flush_tlb();
        let want: Vec<_> = user
            .iter()
            .enumerate()
            .map(|(i, p)| (*p, fr(DATA + i as u32)))
            .collect();
        assert_eq!(seen, want);
        assert_eq!(env.counts, TableCounts::new());
        assert_eq!(env.pool.outstanding(), 1, "only the kernel table is left");
        assert!(user
            .iter()
            .all(|p| rig.check(p.start(), false, false).is_err()));
        assert_eq!(
            rig.check(kp.start(), false, false),
            Ok(fr(DATA + 9).start())
        );
    }
}

#[test]
fn kernel_tables_preallocated_once_are_shared() {
    // Boot: preallocate kernel tables in the first directory; a new address space copies the
    // kernel-half entries, so later kernel mappings show up everywhere without re-syncing.
    let rig = Rig::new(Kind::Own);
    let mut env = rig.env();
    for pdi in [KERNEL_PD_FIRST, KERNEL_PD_FIRST + 1] {
        assert_eq!(env.mapper().ensure_table(pdi), Ok(true));
        assert_eq!(env.mapper().ensure_table(pdi), Ok(false));
        let pde = rig.m.read_entry(fr(OWN_PD), pdi);
        rig.m.write_entry(fr(EXT_PD), pdi, pde);
    }
    let kp = page(KERNEL_PD_FIRST + 1, 3);
    env.map(kp, fr(DATA), PteFlags::WRITABLE);
    assert_eq!(
        rig.m.walk(fr(EXT_PD), kp.start(), true, false),
        Ok(fr(DATA).start())
    );
}

mod model;

#[test]
fn map_slot_agrees_with_map() {
    for kind in KINDS {
        let rig = Rig::new(kind);
        let mut env = rig.env();
        // No table yet: the checked path links one and says so.
        let first = page(3, 7);
        let slot = read_slot(&*env.acc, first);
        assert!(!slot.has_table() && slot.entry() == Pte::EMPTY && slot.page() == first);
        let (flush, linked) = env.mapper().map_slot(slot, fr(DATA), URW).expect("map_slot");
        rig.flush(flush);
        assert!(linked);
        // A table and an empty entry: written directly, counted, no table linked.
        let second = page(3, 8);
        let slot = read_slot(&*env.acc, second);
        assert!(slot.has_table() && slot.entry() == Pte::EMPTY);
        let (flush, linked) = env.mapper().map_slot(slot, fr(DATA + 1), URW).expect("map_slot");
        rig.flush(flush);
        assert!(!linked);
        assert_eq!(env.counts.get(3), 2);
        assert_eq!(env.pool.outstanding(), 1);
        assert_eq!(rig.check(second.start(), true, true), Ok(fr(DATA + 1).start()));
        assert_eq!(no_ad(read(&*env.acc, second)), Pte::new(fr(DATA + 1), URW | PteFlags::PRESENT));
        // A present entry: refused like `map`, nothing changes.
        let slot = read_slot(&*env.acc, second);
        let e = slot.entry();
        assert_eq!(env.mapper().map_slot(slot, fr(DATA + 2), URW), Err(MapError::AlreadyMapped(second, e)));
        // A window slot: refused like `map`.
        let w = page(SELF_SLOT, 3);
        let slot = read_slot(&*env.acc, w);
        assert_eq!(env.mapper().map_slot(slot, fr(DATA), URW), Err(MapError::WindowSlot(w)));
        assert_eq!(env.counts.get(3), 2);
        env.unmap(first);
        env.unmap(second);
        assert_eq!(env.pool.outstanding(), 0);
    }
}

#[test]
fn map_slot_refuses_a_huge_page() {
    let rig = Rig::new(Kind::Direct);
    let mut env = rig.env();
    let huge = Pte::from_raw(0x0080_0000 | (PteFlags::PRESENT | PteFlags::HUGE).bits());
    rig.m.write_entry(fr(OWN_PD), 4, huge);
    let p = page(4, 5);
    let slot = read_slot(&*env.acc, p);
    assert!(!slot.has_table());
    assert_eq!(slot.entry(), huge);
    assert_eq!(env.mapper().map_slot(slot, fr(DATA), URW), Err(MapError::HugePage(p)));
}

#[test]
fn filler_maps_runs_in_increasing_order() {
    for kind in KINDS {
        let rig = Rig::new(kind);
        let mut env = rig.env();
        let Env { acc, counts, pool, .. } = &mut env;
        {
            let mut filler = Filler::new(&mut **acc, counts);
            // A run in table 2: the first page links the table, the others are plain writes.
            assert_eq!(filler.start(page(2, 5), fr(DATA), URW, &mut *pool), Ok(true));
            filler.extend(6, fr(DATA + 1), URW);
            filler.extend(9, fr(DATA + 2), URW);
            // The next run, in table 3.
            assert_eq!(filler.start(page(3, 0), fr(DATA + 3), PteFlags::USER, &mut *pool), Ok(true));
            filler.extend(1023, fr(DATA + 4), URW);
        } // dropping the filler counts the open run
        assert_eq!((counts.get(2), counts.get(3), pool.outstanding()), (3, 2, 2));
        for (p, f) in [(page(2, 5), DATA), (page(2, 6), DATA + 1), (page(2, 9), DATA + 2), (page(3, 1023), DATA + 4)] {
            assert_eq!(rig.check(p.start(), true, true), Ok(fr(f).start()));
        }
        assert_eq!(no_ad(read(&**acc, page(3, 0))), Pte::new(fr(DATA + 3), PteFlags::USER | PteFlags::PRESENT));
        assert_eq!(read(&**acc, page(2, 7)), Pte::EMPTY);
        for p in [page(2, 5), page(2, 6), page(2, 9), page(3, 0), page(3, 1023)] {
            env.unmap(p);
        }
        assert_eq!(env.pool.outstanding(), 0);
    }
}

/// Starts a filler's run at page (2, 5), then does `more`.
fn fill_from_2_5(more: impl FnOnce(&mut Filler<'_, dyn TableAccess + '_>, &mut SimPool<'_>)) {
    let rig = Rig::new(Kind::Direct);
    let mut env = rig.env();
    let Env { acc, counts, pool, .. } = &mut env;
    let mut filler = Filler::new(&mut **acc, counts);
    filler.start(page(2, 5), fr(DATA), URW, &mut *pool).unwrap();
    more(&mut filler, pool);
}

#[test]
#[should_panic(expected = "increasing order")]
fn filler_refuses_to_go_back() {
    fill_from_2_5(|filler, _| filler.extend(5, fr(DATA + 1), URW));
}

#[test]
#[should_panic(expected = "increasing order")]
fn filler_refuses_an_earlier_run() {
    fill_from_2_5(|filler, pool| {
        filler.extend(8, fr(DATA + 1), URW);
        let _ = filler.start(page(2, 7), fr(DATA + 2), URW, pool);
    });
}

#[test]
#[should_panic(expected = "empty user half")]
fn filler_needs_an_empty_user_half() {
    let rig = Rig::new(Kind::Direct);
    let mut env = rig.env();
    env.map(page(1, 1), fr(DATA), URW);
    let Env { acc, counts, .. } = &mut env;
    let _ = Filler::new(&mut **acc, counts);
}

#[test]
fn filler_reports_a_missing_table_frame() {
    let rig = Rig::new(Kind::Direct);
    let mut acc = DirectTables { machine: &rig.m, pd: fr(OWN_PD) };
    let (mut counts, mut pool) = (TableCounts::new(), SimPool::new(&rig.m, []));
    let mut filler = Filler::new(&mut acc, &mut counts);
    assert_eq!(filler.start(page(1, 0), fr(DATA), URW, &mut pool), Err(MapError::TableAllocFailed));
    drop(filler);
    assert_eq!(counts.get(1), 0);
}

#[test]
fn table_entries_read_and_reflag_in_place() {
    for kind in KINDS {
        let rig = Rig::new(kind);
        let mut env = rig.env();
        env.map(page(4, 2), fr(DATA), URW);
        rig.check(page(4, 2).start(), true, true).unwrap(); // cache a writable translation
        assert!(TableEntries::open(&mut *env.acc, 5).is_none(), "no table");
        assert!(TableEntries::open(&mut *env.acc, SELF_SLOT).is_none(), "a window slot");
        let mut table = TableEntries::open(&mut *env.acc, 4).expect("a table");
        assert_eq!(table.read(3), Pte::EMPTY);
        let old = table.read(2);
        assert_eq!(table.set_flags(2, old, old.flags()), None, "unchanged");
        let ro = (old.flags() - PteFlags::WRITABLE) | PteFlags::COW;
        let flush = table.set_flags(2, old, ro).expect("changed");
        assert_eq!(table.read(2), old.with_flags(ro));
        assert_eq!(flush.page(), page(4, 2));
        if kind != Kind::External {
            // The token is needed: the TLB still allows the write until it is executed.
            assert!(rig.check(page(4, 2).start(), true, true).is_ok());
        }
        rig.flush(Flush::new(page(4, 2)));
        assert!(rig.check(page(4, 2).start(), true, true).is_err());
        assert_eq!(env.counts.get(4), 1);
        env.unmap(page(4, 2));
    }
}
