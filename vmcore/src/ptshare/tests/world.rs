//! The world of the sharing test: three spaces on one simulated machine, their model pages,
//! the frame database (reference counts and table metadata), and the kernel's side of every
//! step (fault handling, fork, exit), followed by the exact invariant check.

use std::collections::{BTreeMap, BTreeSet};
use std::vec::Vec;

use super::super::*;
use super::{page, Op, N, RW, SPACES, ZERO};
use crate::addr::{Frame, Page, VirtAddr};
use crate::paging::{self, FrameSource, Mapper, TableAccess, TableCounts};
use crate::pte::{Pte, PteFlags};
use crate::sim::{DirectTables, Machine, SimPool};
use crate::vma::{VmFlags, Vma};

/// Reference counts and table metadata, as the frame database would keep them.
pub(super) struct Ledger<'m> {
    machine: &'m Machine,
    pub(super) refs: BTreeMap<Frame, u32>,
    pub(super) meta: BTreeMap<Frame, TableMeta>,
}

impl ShareLedger for Ledger<'_> {
    fn table_meta(&self, table: Frame) -> TableMeta {
        self.meta.get(&table).copied().unwrap_or_default()
    }
    fn set_table_meta(&mut self, table: Frame, meta: TableMeta) {
        if meta == TableMeta::default() {
            self.meta.remove(&table);
        } else {
            self.meta.insert(table, meta);
        }
    }
    fn inc_ref(&mut self, frame: Frame) {
        *self.refs.get_mut(&frame).expect("a counted frame") += 1;
    }
    fn refcount(&self, frame: Frame) -> u32 {
        self.refs.get(&frame).copied().unwrap_or(0)
    }
    fn copy_table(&mut self, src: Frame, dst: Frame) {
        for i in 0..1024 {
            self.machine.write_entry(dst, i, self.machine.read_entry(src, i));
        }
    }
}

fn kind_of(pte: Pte) -> EntryKind {
    if pte.frame() == Some(ZERO) { EntryKind::Uncounted } else { EntryKind::Counted }
}

/// One space: its directory, counts, the model's pages and which tables hold special areas.
struct Space {
    pd: Frame,
    counts: TableCounts,
    pages: BTreeMap<u32, u32>,
    special: [bool; 2],
}

pub(super) struct World<'m> {
    m: &'m Machine,
    pub(super) tables: SimPool<'m>,
    pub(super) data: SimPool<'m>,
    pub(super) ledger: Ledger<'m>,
    spaces: Vec<Space>,
    /// The space loaded in CR3.
    current: usize,
}

impl<'m> World<'m> {
    pub(super) fn new(m: &'m Machine) -> Self {
        let spaces = (0..SPACES)
            .map(|i| Space { pd: Frame::from_number(1 + i as u32), counts: TableCounts::new(), pages: BTreeMap::new(), special: [false; 2] })
            .collect();
        m.set_cr3(Frame::from_number(1));
        World {
            m,
            tables: SimPool::new(m, (16..80).map(Frame::from_number)),
            data: SimPool::new(m, (80..m.nframes()).map(Frame::from_number)),
            ledger: Ledger { machine: m, refs: BTreeMap::new(), meta: BTreeMap::new() },
            spaces,
            current: 0,
        }
    }

    pub(super) fn access(&self, s: usize) -> DirectTables<'m> {
        DirectTables { machine: self.m, pd: self.spaces[s].pd }
    }

    fn flush(&self, s: usize, span: SpanFlush) {
        let (first, end) = span.pages();
        if s == self.current {
            for n in first.number()..end.number() {
                self.m.invlpg(Page::from_number(n));
            }
        }
    }

    fn invlpg(&self, s: usize, p: Page) {
        if s == self.current {
            self.m.invlpg(p);
        }
    }

    fn load(&mut self, s: usize) {
        if self.current != s {
            self.m.set_cr3(self.spaces[s].pd);
            self.current = s;
        }
    }

    /// Rule 2: every edit of slot `pdi` of `s` starts here.
    fn unshare(&mut self, s: usize, pdi: usize) {
        let mut a = self.access(s);
        match unshare(&mut a, pdi, &mut self.tables, &mut self.ledger, |_, pte| kind_of(pte)).expect("table frames") {
            Unshared::Retaken(span) => self.flush(s, span),
            Unshared::Private | Unshared::Copied => {}
        }
    }

    fn data_frame(&mut self, val: u32) -> Frame {
        let f = self.data.alloc_table().expect("data frames");
        self.m.write_phys(f.start(), val);
        self.ledger.refs.insert(f, 1);
        f
    }

    fn release(&mut self, frame: Frame) {
        if frame == ZERO {
            return;
        }
        let r = self.ledger.refs.get_mut(&frame).expect("a counted frame");
        *r -= 1;
        if *r == 0 {
            self.ledger.refs.remove(&frame);
            self.data.free_table(frame);
        }
    }

    fn map(&mut self, s: usize, p: u32, frame: Frame, flags: PteFlags) {
        let pg = page(p);
        self.unshare(s, pg.pd_index());
        let mut a = self.access(s);
        let counts = &mut self.spaces[s].counts;
        Mapper::new(&mut a, counts, &mut self.tables).map(pg, frame, flags).expect("a free page").ignore();
    }

    fn unmap(&mut self, s: usize, p: u32) {
        let pg = page(p);
        self.unshare(s, pg.pd_index());
        let mut a = self.access(s);
        let u = Mapper::new(&mut a, &mut self.spaces[s].counts, &mut self.tables).unmap(pg).expect("mapped");
        u.flush.ignore();
        self.invlpg(s, pg);
        self.release(u.old.frame().expect("present"));
    }

    /// A user write through the MMU, resolving faults like the kernel would.
    fn write(&mut self, s: usize, p: u32, val: u32) {
        self.load(s);
        let va = page(p).start();
        for _ in 0..3 {
            let fault = match self.m.write_virt(va, val, true) {
                Ok(()) => return,
                Err(f) => f,
            };
            assert!(fault.present, "a mapped page faults only on protection: {fault:?}");
            let pdi = page(p).pd_index();
            if is_shared(self.access(s).read_pde(pdi)) {
                self.unshare(s, pdi);
                continue;
            }
            // Copy-on-write break (or the zero frame).
            let mut a = self.access(s);
            let pte = paging::read(&a, page(p));
            let old = pte.frame().expect("present");
            assert!(pte.flags().contains(PteFlags::COW) || old == ZERO, "a write fault on a private writable entry: {pte:?}");
            let new = if old != ZERO && self.ledger.refcount(old) == 1 {
                old
            } else {
                let f = self.data_frame(self.m.read_phys(old.start()));
                self.release(old);
                f
            };
            let flags = (pte.flags() - PteFlags::COW) | RW;
            let (_, t) = Mapper::new(&mut a, &mut self.spaces[s].counts, &mut self.tables).replace(page(p), Pte::new(new, flags)).expect("present");
            t.ignore();
            self.invlpg(s, page(p));
        }
        panic!("write to {va:?} in space {s} still faults");
    }

    fn fork(&mut self, from: usize, to: usize) {
        self.exit(to);
        let pdis: Vec<usize> = self.spaces[from].counts.linked_tables().collect();
        for pdi in pdis {
            let t = pdi - page(0).pd_index();
            let plain = Vma::anonymous(page(0), N, VmFlags::READ | VmFlags::WRITE).expect("area");
            let locked = Vma::anonymous(page(0), N, VmFlags::READ | VmFlags::LOCKED).expect("area");
            let areas: Vec<&Vma> = if self.spaces[from].special[t] { std::vec![&plain, &locked] } else { std::vec![&plain] };
            let (mut pa, mut ca) = (self.access(from), self.access(to));
            let [p, c] = self.spaces.get_disjoint_mut([from, to]).expect("two spaces");
            match plan_table(areas) {
                TablePlan::Share => {
                    if let Some(span) = share_table(&mut pa, &p.counts, &mut ca, &mut c.counts, pdi, &mut self.ledger) {
                        self.flush(from, span);
                    }
                }
                TablePlan::Copy => self.copy_table(from, to, pdi),
                TablePlan::Skip => unreachable!("the window's areas cover both tables"),
            }
        }
        self.spaces[to].pages = self.spaces[from].pages.clone();
        self.spaces[to].special = self.spaces[from].special;
    }

    /// Fork's entry-by-entry copy; from a shared table the parent's entries are not written
    /// (they are protected through the directory entry; a later retake protects them).
    fn copy_table(&mut self, from: usize, to: usize, pdi: usize) {
        let mut pa = self.access(from);
        let shared = is_shared(pa.read_pde(pdi));
        let mut ca = self.access(to);
        for pti in 0..1024 {
            let pte = pa.read_pte(pdi, pti);
            let Some(frame) = pte.frame() else { continue };
            let (cow, take) = unshared_entry(pte, kind_of(pte));
            if take {
                self.ledger.inc_ref(frame);
            }
            let pg = Page::new(VirtAddr::from_indices(pdi, pti, 0));
            Mapper::new(&mut ca, &mut self.spaces[to].counts, &mut self.tables).map(pg, frame, cow.flags()).expect("child page").ignore();
            if !shared && cow != pte {
                pa.write_pte(pdi, pti, cow);
                self.invlpg(from, pg);
            }
        }
        if shared {
            let table = pa.read_pde(pdi).frame().expect("linked");
            let mut meta = self.ledger.table_meta(table);
            meta.copied = true;
            self.ledger.set_table_meta(table, meta);
        }
    }

    pub(super) fn exit(&mut self, s: usize) {
        let pdis: Vec<usize> = self.spaces[s].counts.linked_tables().collect();
        for pdi in pdis {
            let mut a = self.access(s);
            if drop_table(&mut a, &mut self.spaces[s].counts, pdi, &mut self.ledger) == Dropped::Shared {
                continue;
            }
            let mut frames = Vec::new();
            for pti in 0..1024 {
                if let Some(f) = a.read_pte(pdi, pti).frame() {
                    frames.push(f);
                    a.write_pte(pdi, pti, Pte::EMPTY);
                }
            }
            let table = a.read_pde(pdi).frame().expect("linked");
            a.write_pde(pdi, Pte::EMPTY);
            self.spaces[s].counts.reset(pdi);
            self.tables.free_table(table);
            frames.into_iter().for_each(|f| self.release(f));
        }
        self.spaces[s].pages.clear();
        self.spaces[s].special = [false; 2];
        if s == self.current {
            self.m.flush_tlb();
        }
    }

    pub(super) fn step(&mut self, op: Op) {
        match op {
            Op::Map { s, p, val } if !self.spaces[s].pages.contains_key(&p) => {
                let f = self.data_frame(val);
                self.map(s, p, f, RW);
                self.spaces[s].pages.insert(p, val);
            }
            Op::MapZero { s, p } if !self.spaces[s].pages.contains_key(&p) => {
                self.map(s, p, ZERO, PteFlags::PRESENT | PteFlags::USER);
                self.spaces[s].pages.insert(p, 0);
            }
            Op::Write { s, p, val } | Op::Map { s, p, val } if self.spaces[s].pages.contains_key(&p) => {
                self.write(s, p, val);
                self.spaces[s].pages.insert(p, val);
            }
            Op::Read { s, p } => {
                self.load(s);
                let got = self.m.read_virt(page(p).start(), true).ok();
                assert_eq!(got, self.spaces[s].pages.get(&p).copied(), "read of page {p} in space {s}");
            }
            Op::Unmap { s, p } if self.spaces[s].pages.remove(&p).is_some() => self.unmap(s, p),
            Op::Fork { from, to } if from != to => self.fork(from, to),
            Op::Exit { s } => self.exit(s),
            Op::Special { s, t, on } => {
                if on {
                    // Rule 2: locking an area changes the table: unshare it first.
                    self.unshare(s, page(0).pd_index() + t);
                }
                self.spaces[s].special[t] = on;
            }
            _ => {}
        }
    }

    /// The invariants of the module documentation, checked exactly.
    pub(super) fn check(&self) {
        let mut tables: BTreeMap<Frame, Vec<Pte>> = BTreeMap::new();
        for (s, space) in self.spaces.iter().enumerate() {
            let a = self.access(s);
            assert_eq!(TableCounts::recount(&a), space.counts, "counts of space {s}");
            for pdi in space.counts.linked_tables() {
                let pde = a.read_pde(pdi);
                tables.entry(pde.frame().expect("linked")).or_default().push(pde);
            }
            for p in 0..N {
                let got = paging::translate(&a, page(p).start()).map(|(pa, _)| self.m.read_phys(pa));
                assert_eq!(got, space.pages.get(&p).copied(), "page {p} of space {s}");
            }
        }
        let mut refs: BTreeMap<Frame, u32> = BTreeMap::new();
        for (&table, pdes) in &tables {
            let meta = self.ledger.table_meta(table);
            assert_eq!(pdes.len() as u32, meta.sharers.max(1), "sharers of table {table:?}");
            if pdes.len() > 1 {
                assert!(pdes.iter().all(|&e| is_shared(e)), "a table linked twice is read-only everywhere");
            }
            for i in 0..1024 {
                match self.m.read_entry(table, i).frame() {
                    Some(f) if f != ZERO => *refs.entry(f).or_default() += 1,
                    _ => {}
                }
            }
        }
        assert_eq!(refs, self.ledger.refs, "a data reference per table mapping the frame");
        let stale: BTreeSet<&Frame> = self.ledger.meta.keys().filter(|t| !tables.contains_key(t)).collect();
        assert!(stale.is_empty(), "metadata of unlinked tables: {stale:?}");
    }
}

