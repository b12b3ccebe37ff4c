//! `munmap`: removing every mapping of a range.

use core::fmt;

use super::flush::SpaceFlush;
use super::pages::Pages;
use super::phys::PhysOps;
use super::range::{RangeError, Span};
use super::rmap::tracked;
use super::MSpace;
use crate::addr::Page;
use crate::errno::Errno;
use crate::addr::ENTRIES;
use crate::paging::{Mapper, TableAccess};

/// Why [`MSpace::unmap`] refused; nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnmapError {
    /// The range is empty, wraps, or leaves the space's bounds.
    Range(RangeError),
    /// No memory for a file's reverse map (a split needs one more entry); nothing changed.
    OutOfMemory,
}

impl MSpace {
    /// Removes everything in `[start, start + pages)`: splits the areas straddling either end,
    /// drops the frame reference of every resident page (a frame is freed when its last
    /// reference goes; device frames and the zero frame are never freed), frees the page tables
    /// left empty that no remaining area overlaps (see `free_unused_tables`), and returns every
    /// unmapped page to flush. Holes are not an error.
    pub fn unmap(
        &mut self,
        start: Page,
        pages: u32,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> Result<SpaceFlush, UnmapError> {
        let span = self.nonempty_span(start, pages).map_err(UnmapError::Range)?;
        let mut flush = SpaceFlush::new();
        self.unshare_span(span.start, span.end, tables, phys, &mut flush).map_err(|_| UnmapError::OutOfMemory)?;
        tracked(self, span.start, span.end, phys, |s, phys| s.unmap_span(span, tables, phys, &mut flush))
            .map_err(|_| UnmapError::OutOfMemory)?;
        Ok(flush)
    }

    /// Removes the areas and pages of `span` (shared with `map` and `brk`). The caller has
    /// reserved room for the two areas split off at the ends ([`tracked`] does).
    pub(super) fn unmap_span(
        &mut self,
        span: Span,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) {
        let MSpace { tree, counts, resident, .. } = self;
        let mut pages = Pages::new(tables, counts, resident).keeping_tables();
        tree.remove_range(span.start, span.end, |vma| pages.clear(&vma, vma.start(), vma.end_page(), phys, flush))
            .expect("invariant: the caller reserved the tree's room");
        self.free_unused_tables(span, tables, phys);
    }

    /// Linux's `free_pgtables` after an unmap: each empty page table of `span`'s directory
    /// slots goes unless an area still overlaps the 4 MiB it maps. So a table stays linked
    /// (and counted in `VmPTE`, as on Linux) while a neighbouring area shares it, and the
    /// next mapping there costs no table allocation and zeroing (W4's mmap+write+munmap).
    /// Tables emptied inside a living area by other operations (`MADV_DONTNEED`, ...) are
    /// still freed at once by [`Pages::remove`]; exit frees every linked table.
    fn free_unused_tables(&mut self, span: Span, tables: &mut dyn TableAccess, phys: &mut dyn PhysOps) {
        let per_table = ENTRIES as u32;
        let (first, last) = (span.start.number() / per_table, (span.end.number() - 1) / per_table);
        for pdi in first..=last {
            let pdi = pdi as usize;
            if !self.counts.is_linked(pdi) || self.counts.get(pdi) != 0 {
                continue;
            }
            let (lo, hi) = (Page::from_number(pdi as u32 * per_table), Page::from_number((pdi as u32 + 1) * per_table));
            if self.tree.range(lo, hi).next().is_none() {
                let _ = Mapper::new(&mut *tables, &mut self.counts, &mut *phys).with_spare_table().free_table(pdi);
                self.resident.table_freed();
            }
        }
    }
}

/// `EINVAL`, like `munmap`.
impl From<UnmapError> for Errno {
    fn from(e: UnmapError) -> Self {
        match e {
            UnmapError::Range(_) => Errno::EINVAL,
            UnmapError::OutOfMemory => Errno::ENOMEM,
        }
    }
}

impl fmt::Display for UnmapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnmapError::Range(e) => write!(f, "munmap: {e}"),
            UnmapError::OutOfMemory => f.write_str("munmap: no memory (a file's reverse map, or a private copy of a shared page table)"),
        }
    }
}
