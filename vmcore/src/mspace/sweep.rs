//! Tearing an address space down (`exit`, `exec`).

use alloc::vec::Vec;

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

/// Collects the page tables `clear_user` frees, so that the frame references can be dropped
/// through the same [`PhysOps`] while the mapper runs.
#[derive(Default)]
struct Deferred {
    tables: Vec<Frame>,
}

impl FrameSource for Deferred {
    fn alloc_table(&mut self) -> Option<Frame> {
        None
    }
    fn free_table(&mut self, f: Frame) {
        self.tables.push(f);
    }
}

impl MSpace {
    /// Tears the whole user half down with
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
        let mut deferred = Deferred::default();
        let zero = phys.zero_page();
        let tree = &self.tree;
        let mut current: Option<&Vma> = None;
        Mapper::new(tables, &mut self.counts, &mut deferred)
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
                    release(vma, pte, frame, phys);
                }
            })
            .ignore(); // the caller gets SpaceFlush::everything()
        for table in deferred.tables {
            phys.free_table(table);
        }
        self.resident = Resident::default();
        self.tree = VmaTree::new();
        self.heap = None;
        SpaceFlush::everything()
    }
}
