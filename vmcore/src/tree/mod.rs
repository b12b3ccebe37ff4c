//! The VMA tree: an address space's areas ordered by start address.
//!
//! Areas live in [`areas`](self)' two-level B-tree keyed by their first page and never
//! overlap, so a lookup is two binary searches (O(log n)). Every edit that adds an area
//! reserves its room first and fails with [`NoMemory`] before changing anything: running out
//! of kernel heap is `ENOMEM`, never a panic. Editing operations are in [`edit`](self) (split, remove, grow,
//! merge), [`protect_range`](VmaTree::protect_range), and the free-range searches in
//! [`gaps`](self) ([`find_gap`](VmaTree::find_gap) bottom-up, [`find_gap_top_down`](VmaTree::find_gap_top_down)),
//! which use the per-chunk largest gaps of [`gapindex`](self) to skip chunks: O(log n).
//! Range boundaries are [`Page`]s, so they are page-aligned by construction; `end` is exclusive.

mod areas;
mod edit;
mod gapindex;
mod gaps;
mod protect;

pub use areas::NoMemory;
#[cfg(test)]
pub(crate) use areas::inject::failing_after;
pub use edit::ExtendError;
pub use protect::ProtectError;

use areas::{Areas, Pos};
use core::sync::atomic::{AtomicU32, Ordering};

use crate::addr::{Page, VirtAddr};
use crate::vma::Vma;

/// The areas of one address space, ordered and non-overlapping.
#[derive(Debug, Default)]
pub struct VmaTree {
    map: Areas,
    /// Sum of the areas' pages, kept up to date by every edit.
    pages: u32,
    /// Position (chunk << 8 | index) of the area [`VmaTree::find`] returned last: only a hint,
    /// checked on every use — the area at that position, if any, is the one containing the
    /// address exactly when it contains it, since areas never overlap — so no edit needs to
    /// maintain it. Faults come in runs on one area, and a hit costs two bounds checks instead
    /// of the chunked binary search.
    /// Atomic (always `Relaxed`) only so that the tree stays `Sync` for a `&self` lookup.
    last: AtomicU32,
}

/// Why [`VmaTree::insert`] refused an area; nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertError {
    /// The area overlaps the existing one starting at `existing`.
    Overlap {
        /// First page of the existing area that overlaps.
        existing: Page,
    },
    /// No heap for the area's room.
    NoMemory,
}

impl From<NoMemory> for InsertError {
    fn from(_: NoMemory) -> Self {
        InsertError::NoMemory
    }
}

impl VmaTree {
    /// An empty tree.
    pub const fn new() -> Self {
        VmaTree { map: Areas::new(), pages: 0, last: AtomicU32::new(0) }
    }

    /// Adds `vma`, which must not overlap any area in the tree. Does not merge it with its
    /// neighbours (see [`VmaTree::scavenge_range`]). Cannot fail for lack of memory after a
    /// successful [`VmaTree::reserve`].
    pub fn insert(&mut self, vma: Vma) -> Result<(), InsertError> {
        // One search: the area below the new one and the one at or above its start.
        let pos = self.map.lower_bound(vma.start());
        let below = self.map.prev(pos).and_then(|p| self.map.at(p)).filter(|v| v.end_page() > vma.start());
        let above = || self.map.at(pos).filter(|v| v.start() < vma.end_page());
        if let Some(existing) = below.or_else(above) {
            return Err(InsertError::Overlap { existing: existing.start() });
        }
        let pages = vma.pages();
        self.map.insert_at(pos, vma)?;
        self.pages += pages;
        Ok(())
    }

    /// Makes room for `n` more areas (inserts, or splits in [`VmaTree::split_at`],
    /// [`VmaTree::remove_range`], [`VmaTree::protect_range`]): until then those cannot fail
    /// for lack of memory. Operations that edit the tree in several steps call it first so
    /// that nothing is left half-done.
    pub fn reserve(&mut self, n: usize) -> Result<(), NoMemory> {
        self.map.reserve(n)
    }

    /// A copy of the tree, or `NoMemory` with nothing allocated.
    pub fn try_clone(&self) -> Result<VmaTree, NoMemory> {
        Ok(VmaTree {
            map: self.map.try_clone()?,
            pages: self.pages,
            last: AtomicU32::new(self.last.load(Ordering::Relaxed)),
        })
    }

    /// The area containing `addr`. Tries the area found last first.
    pub fn find(&self, addr: VirtAddr) -> Option<&Vma> {
        let hint = self.last.load(Ordering::Relaxed) as usize;
        let cached = Pos { c: hint >> 8, i: hint & 0xff };
        if let Some(vma) = self.map.at(cached).filter(|v| v.contains(addr)) {
            return Some(vma);
        }
        let pos = self.map.floor_pos(Page::containing(addr))?;
        let found = self.map.at(pos).filter(|v| v.contains(addr))?;
        // A position that does not fit the packing is simply not remembered.
        if let (Ok(c), Ok(i)) = (u32::try_from(pos.c), u8::try_from(pos.i)) {
            if c < 1 << 24 {
                self.last.store(c << 8 | u32::from(i), Ordering::Relaxed);
            }
        }
        Some(found)
    }

    /// The area containing `addr`, mutably. Its flags, backing and name may be changed; its
    /// extent cannot.
    pub fn find_mut(&mut self, addr: VirtAddr) -> Option<&mut Vma> {
        let vma = self.map.floor_mut(Page::containing(addr))?;
        vma.contains(addr).then_some(vma)
    }

    /// The first area starting above `addr` (for a fault in a hole: the area just above it,
    /// a stack that may grow down).
    pub fn vma_above(&self, addr: VirtAddr) -> Option<&Vma> {
        let next = Page::containing(addr).checked_add(1)?;
        self.map.starting_at(next).next()
    }

    /// The last area starting at or below `addr`: the one containing it, or else the nearest
    /// one below it.
    pub fn vma_below(&self, addr: VirtAddr) -> Option<&Vma> {
        self.map.floor(Page::containing(addr))
    }

    /// End of [`VmaTree::vma_below`]: for an address in a hole, where the hole starts (`None`
    /// when no area lies below).
    pub fn prev_end(&self, addr: VirtAddr) -> Option<VirtAddr> {
        self.vma_below(addr).map(Vma::end)
    }

    /// All areas in address order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Vma> + '_ {
        self.map.iter()
    }

    /// The areas overlapping `[start, end)`, in address order (the first may begin before
    /// `start`, the last may end after `end`). Empty when `start >= end`.
    pub fn range(&self, start: Page, end: Page) -> impl Iterator<Item = &Vma> + '_ {
        let end = end.max(start);
        // One search: the area before `start` (if it reaches past it) and those from `start` on.
        let pos = self.map.lower_bound(start);
        let before = self.map.prev(pos).and_then(|p| self.map.at(p));
        let first = before.filter(move |v| start < end && v.end_page() > start);
        first.into_iter().chain(self.map.iter_at(pos).take_while(move |v| v.start() < end))
    }

    /// Number of areas.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the tree holds no area.
    pub fn is_empty(&self) -> bool {
        self.map.len() == 0
    }

    /// Total pages of all areas (the address space's virtual size in pages).
    pub const fn total_pages(&self) -> u32 {
        self.pages
    }

    /// Inserts an area known not to overlap (using reserved room if any).
    fn put(&mut self, vma: Vma) -> Result<(), NoMemory> {
        let pages = vma.pages();
        self.map.insert(vma)?;
        self.pages += pages;
        Ok(())
    }

    /// Removes the area at `pos`.
    fn take_at(&mut self, pos: Pos) -> Vma {
        let vma = self.map.remove_at(pos);
        self.pages -= vma.pages();
        vma
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod alloc_tests;
#[cfg(test)]
mod gap_tests;
