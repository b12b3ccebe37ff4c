//! `get_unmapped_area`: where a mapping without `MAP_FIXED` goes, by the space's layout
//! ([`crate::aslr`]): top-down from `mmap_base` (Linux's default), or bottom-up from it (the
//! legacy layout, and spaces not set up by `execve`).

use super::MSpace;
use crate::addr::{Page, VirtAddr};
use crate::aslr::TASK_UNMAPPED_BASE;

/// How a space places mappings that have no fixed address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// `mmap_base`: the top of the top-down search, or the bottom of the bottom-up one.
    pub base: Page,
    /// Top-down (Linux's default layout) or bottom-up (legacy).
    pub top_down: bool,
}

impl MSpace {
    /// Sets the layout `execve` chose (see [`crate::aslr::plan`]). `base` is clamped to the
    /// space's bounds.
    pub fn set_placement(&mut self, base: u32, top_down: bool) {
        let base = Page::containing(VirtAddr::new(base)).clamp(self.lower, self.upper);
        self.placement = Placement { base, top_down };
    }

    /// The space's placement.
    pub const fn placement(&self) -> Placement {
        self.placement
    }

    /// Linux's `arch_get_unmapped_area[_topdown]`: `hint` if `[hint, hint + pages)` is free
    /// anywhere in the space; else, top-down, the highest free range below `mmap_base`,
    /// falling back to bottom-up from `TASK_UNMAPPED_BASE` when nothing is free there; or,
    /// bottom-up, the lowest free range from `mmap_base`. O(log n) in the number of areas.
    pub fn unmapped_area(&self, pages: u32, hint: Option<Page>) -> Option<Page> {
        if let Some(h) = hint.filter(|&h| h >= self.lower && self.tree.is_free(h, pages, self.upper)) {
            return Some(h);
        }
        let Placement { base, top_down } = self.placement;
        if top_down {
            let legacy = Page::containing(VirtAddr::new(TASK_UNMAPPED_BASE)).clamp(self.lower, self.upper);
            self.tree
                .find_gap_top_down(pages, None, self.lower, base)
                .or_else(|| self.tree.find_gap(pages, None, legacy, self.upper))
        } else {
            self.tree.find_gap(pages, None, base, self.upper)
        }
    }
}
