//! Truncation through the reverse map: a file shrank, so every entry this space has for its
//! pages past the new end goes (Linux's `unmap_mapping_range` with `even_cows`: private
//! copy-on-write copies too, so a later access raises SIGBUS as on Linux).

use super::flush::SpaceFlush;
use super::pages::Pages;
use super::phys::PhysOps;
use super::MSpace;
use crate::addr::{Page, PAGE_SHIFT};
use crate::paging::TableAccess;
use crate::vma::Backing;

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
            let Backing::File { file, offset, .. } = &vma.backing else { continue };
            if id == 0 || file.object_id() != id {
                continue;
            }
            let pgoff = offset >> PAGE_SHIFT;
            let skip = first.saturating_sub(pgoff);
            if skip >= u64::from(vma.pages()) {
                continue;
            }
            let from = Page::from_number(vma.start().number() + skip as u32);
            pages.clear(vma, from, vma.end_page(), phys, &mut flush);
        }
        flush
    }
}
