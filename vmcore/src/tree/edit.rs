//! Structural edits: splitting, removing a range, growing a stack down, merging neighbours.

use alloc::vec::Vec;

use super::VmaTree;
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
    /// happened: nothing changes when `at` is an area boundary or lies in a hole.
    pub fn split_at(&mut self, at: Page) -> bool {
        let Some((&start, vma)) = self.map.range(..at).next_back() else {
            return false;
        };
        let Some((lower, upper)) = vma.split_at(at) else {
            return false;
        };
        self.take(start);
        self.put(lower);
        self.put(upper);
        true
    }

    /// Removes everything in `[start, end)`, splitting the areas that straddle either end, and
    /// returns the removed pieces in address order so that the caller can free their pages.
    /// Holes are not an error; `start >= end` removes nothing.
    pub fn remove_range(&mut self, start: Page, end: Page) -> Vec<Vma> {
        if start >= end {
            return Vec::new();
        }
        self.split_at(start);
        self.split_at(end);
        let keys: Vec<Page> = self.map.range(start..end).map(|(&k, _)| k).collect();
        keys.into_iter().map(|k| self.take(k)).collect()
    }

    /// Grows the anonymous area starting at `vma_start` down to `new_start` (the kernel's half
    /// of [`Action::GrowStack`](crate::fault::Action::GrowStack)). Limits such as the stack
    /// size and the guard gap are the fault decision's business; this only keeps the tree
    /// consistent.
    pub fn extend_down(&mut self, vma_start: Page, new_start: Page) -> Result<(), ExtendError> {
        let vma = self.map.get(&vma_start).ok_or(ExtendError::NoSuchVma)?;
        if new_start >= vma_start {
            return Err(ExtendError::NotBelow);
        }
        if !matches!(vma.backing, Backing::Anonymous) {
            return Err(ExtendError::NotAnonymous);
        }
        if self.range(new_start, vma_start).next().is_some() {
            return Err(ExtendError::Overlap);
        }
        let old = self.take(vma_start);
        let grown = Vma::new(
            new_start,
            old.pages() + (vma_start.number() - new_start.number()),
            old.flags,
            Backing::Anonymous,
        )
        .expect("invariant: a lower start with the same end is a valid area")
        .with_name(old.name);
        self.put(grown);
        Ok(())
    }

    /// Merges every pair of adjacent compatible areas (see [`Vma::can_merge_with`]); returns
    /// the number of merges.
    pub fn scavenge(&mut self) -> usize {
        self.scavenge_range(Page::from_number(0), Page::from_number(LAST_PAGE))
    }

    /// Like [`VmaTree::scavenge`], but only for the areas meeting `[start, end]`: the one
    /// containing or ending at `start`, and those starting from `start` up to and including
    /// `end`. Cheap enough to run after every `mmap` or `mprotect`.
    pub fn scavenge_range(&mut self, start: Page, end: Page) -> usize {
        if start > end {
            return 0;
        }
        let mut keys: Vec<Page> =
            self.map.range(..start).next_back().map(|(&k, _)| k).into_iter().collect();
        keys.extend(self.map.range(start..=end).map(|(&k, _)| k));
        let mut merges = 0;
        let mut keys = keys.into_iter();
        let Some(mut current) = keys.next() else {
            return 0;
        };
        for next in keys {
            let mergeable = self.map[&current].can_merge_with(&self.map[&next]);
            if mergeable {
                let upper = self.map.remove(&next).expect("invariant: key from the map");
                self.map
                    .get_mut(&current)
                    .expect("invariant: key from the map")
                    .merge(&upper)
                    .expect("invariant: can_merge_with said yes");
                merges += 1;
            } else {
                current = next;
            }
        }
        merges
    }
}

/// Number of the last page of the address space.
const LAST_PAGE: u32 = (1 << 20) - 1;
