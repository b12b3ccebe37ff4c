//! The VMA tree: an address space's areas ordered by start address.
//!
//! Areas live in a `BTreeMap` keyed by their first page and never overlap, so a lookup is one
//! range query (O(log n)). Editing operations are in [`edit`](self) (split, remove, grow,
//! merge), [`protect_range`](VmaTree::protect_range) and [`find_gap`](VmaTree::find_gap).
//! Range boundaries are [`Page`]s, so they are page-aligned by construction; `end` is exclusive.

mod edit;
mod gaps;
mod protect;

pub use edit::ExtendError;
pub use protect::ProtectError;

use alloc::collections::BTreeMap;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::addr::{Page, VirtAddr};
use crate::vma::Vma;

/// The areas of one address space, ordered and non-overlapping.
#[derive(Debug, Default)]
pub struct VmaTree {
    map: BTreeMap<Page, Vma>,
    /// Sum of the areas' pages, kept up to date by every edit.
    pages: u32,
    /// Page number of the first page of the area [`VmaTree::find`] returned last: only a hint
    /// (checked on every use, so edits need not maintain it). Faults come in runs on one area,
    /// and `BTreeMap::get` of the hint costs about a third of the `range(..=page)` search.
    /// Atomic (always `Relaxed`) only so that the tree stays `Sync` for a `&self` lookup.
    last: AtomicU32,
}

impl Clone for VmaTree {
    fn clone(&self) -> Self {
        VmaTree {
            map: self.map.clone(),
            pages: self.pages,
            last: AtomicU32::new(self.last.load(Ordering::Relaxed)),
        }
    }
}

/// [`VmaTree::insert`] refused an area because it overlaps an existing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overlap {
    /// First page of the existing area that overlaps.
    pub existing: Page,
}

impl VmaTree {
    /// An empty tree.
    pub const fn new() -> Self {
        VmaTree { map: BTreeMap::new(), pages: 0, last: AtomicU32::new(0) }
    }

    /// Adds `vma`, which must not overlap any area in the tree. Does not merge it with its
    /// neighbours (see [`VmaTree::scavenge_range`]).
    pub fn insert(&mut self, vma: Vma) -> Result<(), Overlap> {
        if let Some(existing) = self.range(vma.start(), vma.end_page()).next() {
            return Err(Overlap { existing: existing.start() });
        }
        self.put(vma);
        Ok(())
    }

    /// The area containing `addr`. Tries the area found last first.
    pub fn find(&self, addr: VirtAddr) -> Option<&Vma> {
        let hint = Page::from_number(self.last.load(Ordering::Relaxed));
        if let Some(vma) = self.map.get(&hint).filter(|v| v.contains(addr)) {
            return Some(vma);
        }
        let (_, vma) = self.map.range(..=Page::containing(addr)).next_back()?;
        let found = vma.contains(addr).then_some(vma)?;
        self.last.store(found.start().number(), Ordering::Relaxed);
        Some(found)
    }

    /// The area containing `addr`, mutably. Its flags, backing and name may be changed; its
    /// extent cannot.
    pub fn find_mut(&mut self, addr: VirtAddr) -> Option<&mut Vma> {
        let (_, vma) = self.map.range_mut(..=Page::containing(addr)).next_back()?;
        vma.contains(addr).then_some(vma)
    }

    /// The first area starting above `addr` (for a fault in a hole: the area just above it,
    /// a stack that may grow down).
    pub fn vma_above(&self, addr: VirtAddr) -> Option<&Vma> {
        let next = Page::containing(addr).checked_add(1)?;
        self.map.range(next..).next().map(|(_, v)| v)
    }

    /// The last area starting at or below `addr`: the one containing it, or else the nearest
    /// one below it.
    pub fn vma_below(&self, addr: VirtAddr) -> Option<&Vma> {
        self.map.range(..=Page::containing(addr)).next_back().map(|(_, v)| v)
    }

    /// End of [`VmaTree::vma_below`]: for an address in a hole, where the hole starts (`None`
    /// when no area lies below).
    pub fn prev_end(&self, addr: VirtAddr) -> Option<VirtAddr> {
        self.vma_below(addr).map(Vma::end)
    }

    /// All areas in address order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Vma> + '_ {
        self.map.values()
    }

    /// The areas overlapping `[start, end)`, in address order (the first may begin before
    /// `start`, the last may end after `end`). Empty when `start >= end`.
    pub fn range(&self, start: Page, end: Page) -> impl Iterator<Item = &Vma> + '_ {
        let end = end.max(start);
        let first = self
            .map
            .range(..start)
            .next_back()
            .map(|(_, v)| v)
            .filter(move |v| start < end && v.end_page() > start);
        first.into_iter().chain(self.map.range(start..end).map(|(_, v)| v))
    }

    /// Number of areas.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the tree holds no area.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Total pages of all areas (the address space's virtual size in pages).
    pub const fn total_pages(&self) -> u32 {
        self.pages
    }

    /// Inserts an area known not to overlap.
    fn put(&mut self, vma: Vma) {
        self.pages += vma.pages();
        let old = self.map.insert(vma.start(), vma);
        debug_assert!(old.is_none(), "invariant: areas do not overlap");
    }

    /// Removes the area starting at `start`.
    fn take(&mut self, start: Page) -> Vma {
        let vma = self.map.remove(&start).expect("invariant: the area exists");
        self.pages -= vma.pages();
        vma
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
