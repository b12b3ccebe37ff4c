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
        self.split_at(start).expect("invariant: reserved");
        self.split_at(end).expect("invariant: reserved");
        loop {
            let next = self.map.starting_at(start).next().map(Vma::start);
            let Some(k) = next.filter(|&k| k < end) else { break };
            each(self.take(k));
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
        let first = self.map.before(start).or_else(|| self.map.starting_at(start).next());
        let Some(mut current) = first.map(Vma::start).filter(|&k| k <= end) else {
            return 0;
        };
        let mut merges = 0;
        loop {
            let after = self.map.starting_at(current).nth(1).map(Vma::start);
            let Some(next) = after.filter(|&k| k <= end) else {
                return merges;
            };
            let here = self.map.get(current).expect("invariant: key from the map");
            let mergeable = here.can_merge_with(self.map.get(next).expect("invariant: key from the map"));
            if mergeable {
                let upper = self.map.remove(next).expect("invariant: key from the map");
                self.map.edit(current, |v| v.merge(&upper).expect("invariant: can_merge_with said yes"));
                merges += 1;
            } else {
                current = next;
            }
        }
    }
}

/// Number of the last page of the address space.
const LAST_PAGE: u32 = (1 << 20) - 1;
