//! Structural edits: splitting, removing a range, growing a stack down, merging neighbours.

use super::{NoMemory, VmaTree};
use crate::addr::Page;
use crate::vma::{Backing, Vma};

/// Why [`VmaTree::extend_down`] refused to grow an area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtendError {
    /// No area starts at the given page.
    NoSuchVma,
    /// The new start is not below the current one.
    NotBelow,
    /// The new range would overlap the area below.
    Overlap,
    /// Only anonymous areas grow (a stack).
    NotAnonymous,
}

impl VmaTree {
    /// Splits the area strictly containing `at` into two at `at`. Returns whether a split
    /// happened: nothing changes when `at` is an area boundary or lies in a hole. Needs room
    /// for one area (see [`VmaTree::reserve`]); without it nothing changes.
    pub fn split_at(&mut self, at: Page) -> Result<bool, NoMemory> {
        let Some(vma) = self.map.before(at) else {
            return Ok(false);
        };
        let Some((lower, upper)) = vma.split_at(at) else {
            return Ok(false);
        };
        self.reserve(1)?;
        self.map.replace(lower.start(), lower);
        self.pages -= upper.pages();
        self.put(upper).expect("invariant: reserved");
        Ok(true)
    }

    /// Removes everything in `[start, end)`, splitting the areas that straddle either end, and
    /// hands the removed pieces to `each` in address order so that the caller can free their
    /// pages. Holes are not an error; `start >= end` removes nothing. Needs room for two areas
    /// (see [`VmaTree::reserve`]); without it nothing changes. Allocates nothing else.
    pub fn remove_range(&mut self, start: Page, end: Page, mut each: impl FnMut(Vma)) -> Result<(), NoMemory> {
        if start >= end {
            return Ok(());
        }
        self.reserve(2)?;
        // One search in the common case (no area straddles either end): from the first area
        // at or above `start`, remove in place while areas start below `end`.
        let mut pos = self.map.lower_bound(start);
        if self.map.prev(pos).and_then(|p| self.map.at(p)).is_some_and(|v| v.end_page() > start) {
            self.split_at(start).expect("invariant: reserved");
            pos = self.map.lower_bound(start);
        }
        while let Some(vma) = self.map.at(pos).filter(|v| v.start() < end) {
            if vma.end_page() > end {
                let first = vma.start();
                self.split_at(end).expect("invariant: reserved");
                pos = self.map.lower_bound(first);
            }
            each(self.take_at(pos));
            pos = self.map.settle_pos(pos);
        }
        Ok(())
    }

    /// Grows the anonymous area starting at `vma_start` down to `new_start` (the kernel's half
    /// of [`Action::GrowStack`](crate::fault::Action::GrowStack)). Limits such as the stack
    /// size and the guard gap are the fault decision's business; this only keeps the tree
    /// consistent.
    pub fn extend_down(&mut self, vma_start: Page, new_start: Page) -> Result<(), ExtendError> {
        let vma = self.map.get(vma_start).ok_or(ExtendError::NoSuchVma)?;
        if new_start >= vma_start {
            return Err(ExtendError::NotBelow);
        }
        if !matches!(vma.backing, Backing::Anonymous) {
            return Err(ExtendError::NotAnonymous);
        }
        if self.range(new_start, vma_start).next().is_some() {
            return Err(ExtendError::Overlap);
        }
        let grown = Vma::new(
            new_start,
            vma.pages() + (vma_start.number() - new_start.number()),
            vma.flags,
            Backing::Anonymous,
        )
        .expect("invariant: a lower start with the same end is a valid area")
        .with_name(vma.name.clone());
        // Nothing lies in [new_start, vma_start): the area keeps its place, no room needed.
        self.pages += vma_start.number() - new_start.number();
        self.map.replace(vma_start, grown);
        Ok(())
    }

    /// Merges every pair of adjacent compatible areas (see [`Vma::can_merge_with`]); returns
    /// the number of merges.
    pub fn scavenge(&mut self) -> usize {
        self.scavenge_range(Page::from_number(0), Page::from_number(LAST_PAGE))
    }

    /// Like [`VmaTree::scavenge`], but only for the areas meeting `[start, end]`: the one
    /// containing or ending at `start`, and those starting from `start` up to and including
    /// `end`. Cheap enough to run after every `mmap` or `mprotect`. Never allocates.
    pub fn scavenge_range(&mut self, start: Page, end: Page) -> usize {
        if start > end {
            return 0;
        }
        // The area before `start`, else the first at or after it; then walk by position
        // (merging removes the upper area: the positions below it stay valid).
        let at = self.map.lower_bound(start);
        let mut current = self.map.prev(at).unwrap_or(at);
        if !self.map.at(current).is_some_and(|v| v.start() <= end) {
            return 0;
        }
        let mut merges = 0;
        loop {
            let Some(next) = self.map.next(current).filter(|&n| self.map.at(n).is_some_and(|v| v.start() <= end))
            else {
                return merges;
            };
            let (here, there) = (self.map.at(current), self.map.at(next));
            let mergeable = here.zip(there).is_some_and(|(h, t)| h.can_merge_with(t));
            if mergeable {
                let upper = self.map.remove_at(next);
                self.map.edit_at(current, |v| v.merge(&upper).expect("invariant: can_merge_with said yes"));
                merges += 1;
            } else {
                current = next;
            }
        }
    }
}

/// Number of the last page of the address space.
const LAST_PAGE: u32 = (1 << 20) - 1;
