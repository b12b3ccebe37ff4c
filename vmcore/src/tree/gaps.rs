//! Finding free address ranges for `mmap` without `MAP_FIXED` (Linux's `unmapped_area` and
//! `unmapped_area_topdown`).
//!
//! A *gap* is the hole before an area: from the end of the area below it (page 0 for the
//! first) to the area's start, less [`STACK_GUARD_GAP`] when the area is a stack that grows
//! down (Linux's `vm_start_gap`), clipped to the search window `[lower, upper)`; the hole
//! after the last area is one more. Both searches look at the gaps next to the window's edge
//! one by one inside a chunk, and jump over every chunk whose largest raw gap (the
//! [`GapIndex`](super::gapindex)) is too small: a clipped or guarded gap is never larger than
//! the raw one, so nothing that fits is skipped. A search therefore costs one chunk scan at
//! each end of the window plus O(log n) index steps, whatever the number of areas.

use super::areas::Pos;
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

/// Whether `pages` fit in `[lo, hi)` (false when the range is empty or reversed).
fn fits_in(lo: u32, hi: u32, pages: u32) -> bool {
    u64::from(lo) + u64::from(pages) <= u64::from(hi)
}

impl VmaTree {
    /// A free range of `pages` pages inside `[lower, upper)`: `hint` if the range there is free,
    /// else the lowest free range (first fit, Linux's legacy bottom-up layout). `None` when
    /// nothing fits or `pages` is 0.
    ///
    /// "Free" also keeps [`STACK_GUARD_GAP`] below every `GROWSDOWN` area, like Linux, so a new
    /// mapping never lands where a stack must be able to grow. (`MAP_FIXED` mappings bypass
    /// this search and may go there.)
    pub fn find_gap(&self, pages: u32, hint: Option<Page>, lower: Page, upper: Page) -> Option<Page> {
        let (lower, upper) = match self.window(pages, hint, lower, upper) {
            Ok(window) => window,
            Err(answer) => return answer,
        };
        let mut pos = self.map.upper_bound(Page::from_number(lower));
        if pos.c < self.map.chunk_count() && !self.map.chunk_has_gap(pos.c, pages) {
            // No gap of the first chunk fits: start at the next chunk that can.
            pos = Pos { c: self.map.next_chunk_with_gap(pos.c + 1, pages).unwrap_or(self.map.chunk_count()), i: 0 };
        }
        while pos.c < self.map.chunk_count() {
            let vma = self.map.at(pos).expect("invariant: a position inside a chunk");
            let lo = self.map.end_before(pos).max(lower);
            if !fits_in(lo, upper, pages) {
                return None;
            }
            if fits_in(lo, start_gap(vma).min(upper), pages) {
                return Some(Page::from_number(lo));
            }
            pos = if pos.i + 1 < self.map.chunk_len(pos.c) {
                Pos { c: pos.c, i: pos.i + 1 }
            } else {
                match self.map.next_chunk_with_gap(pos.c + 1, pages) {
                    Some(c) => Pos { c, i: 0 },
                    None => Pos { c: self.map.chunk_count(), i: 0 },
                }
            };
        }
        // The hole after the last area.
        let lo = self.map.end_before(Pos { c: self.map.chunk_count(), i: 0 }).max(lower);
        fits_in(lo, upper, pages).then(|| Page::from_number(lo))
    }

    /// Like [`VmaTree::find_gap`], but the highest free range instead of the lowest (Linux's
    /// top-down layout: mappings go down from `mmap_base`, `upper` here).
    pub fn find_gap_top_down(&self, pages: u32, hint: Option<Page>, lower: Page, upper: Page) -> Option<Page> {
        let (lower, upper) = match self.window(pages, hint, lower, upper) {
            Ok(window) => window,
            Err(answer) => return answer,
        };
        // The gap that reaches `upper`: before the first area starting at or above it.
        let pos = self.map.lower_bound(Page::from_number(upper));
        let hi = self.map.at(pos).map_or(upper, |v| start_gap(v).min(upper));
        let lo = self.map.end_before(pos).max(lower);
        if fits_in(lo, hi, pages) {
            return Some(Page::from_number(hi - pages));
        }
        // Then the gaps before each lower area, from the top, straight over a chunk's slice;
        // none of the current chunk's fitting, straight to the chunk below (from its first
        // area the next step jumps).
        let (mut c, mut i) = (pos.c, pos.i);
        if c < self.map.chunk_count() && !self.map.chunk_has_gap(c, pages) {
            i = 0;
        }
        loop {
            if i == 0 {
                // Leaving chunk `c` downwards: the highest chunk below that can hold the range.
                c = self.map.prev_chunk_with_gap(c, pages)?;
                i = self.map.chunk_len(c);
            }
            let chunk = self.map.chunk(c);
            // Page numbers are below 2^20, so these sums cannot overflow.
            let floor = lower + pages;
            while i > 0 {
                i -= 1;
                let vma = &chunk[i];
                let start = vma.start().number();
                if start < floor {
                    return None;
                }
                let below = match i {
                    0 => self.map.end_before(Pos { c, i: 0 }),
                    _ => chunk[i - 1].end_page().number(),
                };
                // The raw gap first: the guarded, clipped one is never larger.
                if start - below < pages {
                    continue;
                }
                let hi = start_gap(vma);
                if fits_in(below.max(lower), hi, pages) {
                    return Some(Page::from_number(hi - pages));
                }
            }
        }
    }

    /// Whether `[at, at + pages)` is free, ends at or below `upper` and keeps the guard gap
    /// below a stack above it (the check of an `mmap` address hint).
    pub fn is_free(&self, at: Page, pages: u32, upper: Page) -> bool {
        pages > 0 && fits_in(at.number(), upper.number(), pages) && self.fits(at.number(), pages)
    }

    /// The window as page numbers, or the answer when there is nothing to search (`pages`
    /// is 0, the window is empty: `None`) or the hint fits (`hint`).
    fn window(&self, pages: u32, hint: Option<Page>, lower: Page, upper: Page) -> Result<(u32, u32), Option<Page>> {
        let (lower, upper) = (lower.number(), upper.number());
        if pages == 0 || lower >= upper {
            return Err(None);
        }
        match self.hinted(pages, hint, lower, upper) {
            Some(h) => Err(Some(h)),
            None => Ok((lower, upper)),
        }
    }

    /// `hint` when `[hint, hint + pages)` lies in `[lower, upper)` and is free.
    fn hinted(&self, pages: u32, hint: Option<Page>, lower: u32, upper: u32) -> Option<Page> {
        let h = hint?.number();
        (h >= lower && fits_in(h, upper, pages) && self.fits(h, pages)).then(|| Page::from_number(h))
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
