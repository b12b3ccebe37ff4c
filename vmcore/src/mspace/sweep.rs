//! Tearing an address space down (`exit`, `exec`).

use core::cell::RefCell;

use super::flush::SpaceFlush;
use super::pages::{kind, release, Kind};
use super::phys::PhysOps;
use super::stats::Resident;
use super::rmap::Area;
use super::MSpace;
use crate::addr::Frame;
use crate::paging::{FrameSource, Mapper, TableAccess};
use crate::tree::VmaTree;
use crate::vma::Vma;

/// Frees the page tables `clear_user` lets go of through the same [`PhysOps`] the page
/// releases use while the mapper runs (shared through a `RefCell`: the mapper calls one or the
/// other, never both at once). Nothing is collected: a teardown must not need heap, which may
/// be exhausted (or failing under `failslab`) when a process exits.
struct TableFreer<'a, 'p> {
    phys: &'a RefCell<&'p mut dyn PhysOps>,
}

impl FrameSource for TableFreer<'_, '_> {
    fn alloc_table(&mut self) -> Option<Frame> {
        None
    }
    fn free_table(&mut self, f: Frame) {
        self.phys.borrow_mut().free_table(f);
    }
}

impl MSpace {
    /// Tears the whole user half down (a table shared by `fork` is only unlinked, by its
    /// count) with
    /// [`Mapper::clear_user`](crate::paging::Mapper::clear_user): every resident page's frame
    /// reference is dropped (frames reaching 0 are freed), every user page table is freed, the
    /// areas and the heap are forgotten. Afterwards [`MSpace::stats`] is zero except
    /// `phys_pg_count == 1` (the directory), and the kernel frees the directory frame.
    ///
    /// Returns [`SpaceFlush::everything`]: reload CR3 if the space is active (usually it is
    /// swept through the external window after switching away, and the flush is ignored).
    pub fn sweep(&mut self, tables: &mut dyn TableAccess, phys: &mut dyn PhysOps) -> SpaceFlush {
        for vma in self.tree.iter() {
            if let Some((file, area)) = Area::of(self.pd, vma) {
                phys.rmap_unlink(file, &area);
                phys.rmap_settle(file);
            }
        }
        // Tables shared with other spaces are unlinked by their count, no entry visited; the
        // last sharer's table is private again and torn down below.
        for pdi in self.counts.linked_tables() {
            self.drop_shared(pdi, tables, phys);
        }
        let zero = phys.zero_page();
        let phys = RefCell::new(phys);
        let mut freer = TableFreer { phys: &phys };
        let tree = &self.tree;
        let mut current: Option<&Vma> = None;
        Mapper::new(tables, &mut self.counts, &mut freer)
            .clear_user(|page, pte| {
                let vma = match current.filter(|v| v.contains_page(page)) {
                    Some(v) => v,
                    None => tree
                        .find(page.start())
                        .expect("invariant: every resident user page lies in an area"),
                };
                current = Some(vma);
                let frame = pte.frame().expect("invariant: clear_user reports present entries");
                if kind(vma, frame, zero) == Kind::Counted {
                    release(vma, pte, frame, &mut **phys.borrow_mut());
                }
            })
            .ignore(); // the caller gets SpaceFlush::everything()
        self.resident = Resident::default();
        self.tree = VmaTree::new();
        self.heap = None;
        SpaceFlush::everything()
    }
}
