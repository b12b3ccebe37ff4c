//! Finding free address ranges for `mmap` without `MAP_FIXED`.

use super::VmaTree;
use crate::addr::Page;
use crate::addr::PAGE_SHIFT;
use crate::layout::STACK_GUARD_GAP;
use crate::vma::{VmFlags, Vma};

/// [`STACK_GUARD_GAP`] in pages.
const GUARD_PAGES: u32 = STACK_GUARD_GAP >> PAGE_SHIFT;

/// Where a free range below `vma` must end: its start, or [`STACK_GUARD_GAP`] lower for a
/// stack that grows down (Linux's `vm_start_gap`), so that the stack can still grow.
fn start_gap(vma: &Vma) -> u32 {
    let start = vma.start().number();
    if vma.flags.contains(VmFlags::GROWSDOWN) {
        start.saturating_sub(GUARD_PAGES)
    } else {
        start
    }
}

impl VmaTree {
    /// A free range of `pages` pages inside `[lower, upper)`: `hint` if the range there is free,
    /// else the lowest free range (first fit). `None` when nothing fits or `pages` is 0.
    ///
    /// "Free" also keeps [`STACK_GUARD_GAP`] below every `GROWSDOWN` area, like Linux, so a new
    /// mapping never lands where a stack must be able to grow. (`MAP_FIXED` mappings bypass
    /// this search and may go there.)
    pub fn find_gap(
        &self,
        pages: u32,
        hint: Option<Page>,
        lower: Page,
        upper: Page,
    ) -> Option<Page> {
        if pages == 0 || lower >= upper {
            return None;
        }
        let (lower, upper) = (lower.number(), upper.number());
        if let Some(h) = hint.map(Page::number) {
            if h >= lower && h.checked_add(pages).is_some_and(|e| e <= upper) && self.fits(h, pages)
            {
                return Some(Page::from_number(h));
            }
        }
        let mut cursor = lower;
        if let Some(prev) = self.map.before(Page::from_number(lower)) {
            cursor = cursor.max(prev.end_page().number());
        }
        for vma in self.map.starting_at(Page::from_number(lower)) {
            let limit = start_gap(vma).min(upper);
            if u64::from(cursor) + u64::from(pages) <= u64::from(limit) {
                return Some(Page::from_number(cursor));
            }
            if start_gap(vma) >= upper {
                return None;
            }
            cursor = cursor.max(vma.end_page().number());
        }
        (u64::from(cursor) + u64::from(pages) <= u64::from(upper))
            .then(|| Page::from_number(cursor))
    }

    /// Whether `[at, at + pages)` is free, keeping the guard gap below a stack above it.
    fn fits(&self, at: u32, pages: u32) -> bool {
        let end = at + pages;
        if self.range(Page::from_number(at), Page::from_number(end)).next().is_some() {
            return false;
        }
        match self.map.starting_at(Page::from_number(end)).next() {
            Some(next) => start_gap(next) >= end,
            None => true,
        }
    }
}
