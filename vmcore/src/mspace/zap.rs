//! Truncation through the reverse map: a file shrank, so every entry this space has for its
//! pages past the new end goes (Linux's `unmap_mapping_range` with `even_cows`: private
//! copy-on-write copies too, so a later access raises SIGBUS as on Linux). A hole punched in
//! an object (`MADV_REMOVE`) removes only the entries mapping the frames the object let go,
//! keeping private copies (`even_cows` off).

use super::flush::SpaceFlush;
use super::pages::{next, Pages};
use super::phys::PhysOps;
use super::MSpace;
use crate::addr::{Frame, Page, PAGE_SHIFT};
use crate::paging::TableAccess;
use crate::vma::{Backing, Vma};

impl MSpace {
    /// Removes the resident entries of every area mapping the object `id`
    /// ([`FileObject::object_id`](crate::vma::FileObject::object_id)) for object pages `first`
    /// and above, keeping the areas. Every area of the space is checked, so areas split or
    /// merged since the caller read the reverse map are covered.
    pub fn zap_object_pages(
        &mut self,
        id: u64,
        first: u64,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> SpaceFlush {
        let mut flush = SpaceFlush::new();
        let mut pages = Pages::new(tables, &mut self.counts, &mut self.resident);
        for vma in self.tree.iter() {
            if let Some((from, stop, _)) = window(vma, id, first, u64::MAX) {
                pages.clear(vma, from, stop, phys, &mut flush);
            }
        }
        flush
    }

    /// Removes the entries of every area mapping object `id` whose page index lies in `[first,
    /// end)` and whose frame `gone(index, frame)` names (the object dropped it), keeping the
    /// areas and every other entry.
    pub fn zap_object_frames(
        &mut self,
        id: u64,
        first: u64,
        end: u64,
        gone: &dyn Fn(u64, Frame) -> bool,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> SpaceFlush {
        let mut flush = SpaceFlush::new();
        let mut pages = Pages::new(tables, &mut self.counts, &mut self.resident);
        for vma in self.tree.iter() {
            let Some((mut from, stop, pgoff)) = window(vma, id, first, end) else { continue };
            while let Some((page, pte)) = pages.next_present(from, stop) {
                let index = pgoff + u64::from(page.number() - vma.start().number());
                if pte.frame().is_some_and(|f| gone(index, f)) {
                    pages.clear(vma, page, next(page), phys, &mut flush);
                }
                from = next(page);
            }
        }
        flush
    }
}

/// The pages of `vma` that map object `id`'s pages `[first, end)`, and the object page of the
/// area's first page; `None` when the area maps none of them (or `id` is 0: no object).
fn window(vma: &Vma, id: u64, first: u64, end: u64) -> Option<(Page, Page, u64)> {
    let Backing::File { file, offset, .. } = &vma.backing else { return None };
    if id == 0 || file.object_id() != id {
        return None;
    }
    let pgoff = offset >> PAGE_SHIFT;
    let lo = first.max(pgoff);
    let hi = end.min(pgoff + u64::from(vma.pages()));
    let at = |index: u64| Page::from_number(vma.start().number() + (index - pgoff) as u32);
    (lo < hi).then(|| (at(lo), at(hi), pgoff))
}
