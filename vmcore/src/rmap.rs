//! The reverse map of a memory object: the areas mapping it (Linux's `address_space.i_mmap`,
//! docs/files.md "The reverse map"). One entry per *area*, nothing per page: a page needs only
//! its `(owner, index)`, and a walk (truncate, hole punch, reclaim, later swap-out: from a
//! page-cache page to every entry mapping it) visits the areas whose range of object pages
//! covers the index.
//!
//! A [`FlatSet`] keyed by `(space, start, pgoff)` rather than Linux's interval tree: linking
//! and unlinking an area are O(1) (every live process maps its program file, so with
//! thousands alive a list made every exit walk thousands of entries), while the walks, which
//! happen per truncate and never per fault, visit every entry. [`MapperSet::reserve`] grows
//! the set fallibly before an edit, so [`MapperSet::link`] never allocates;
//! [`MapperSet::settle`] gives memory back after one (all of it when no area is left).

use crate::addr::Page;
use crate::flatset::{FlatSet, Keyed};

pub use crate::flatset::NoMemory;

/// One area mapping the object: object pages `[pgoff, pgoff + pages)` at `start` of a space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapper<S> {
    /// The space (the kernel keeps a `Weak` to its address space here).
    pub space: S,
    /// The space's identity (never reused while the mapper exists).
    pub space_id: u64,
    /// First page of the area.
    pub start: Page,
    /// Pages in the area.
    pub pages: u32,
    /// Object page at `start`.
    pub pgoff: u64,
    /// A shared mapping (else private: copy-on-write copies may hide object pages).
    pub shared: bool,
}

impl<S> Mapper<S> {
    /// Whether the area maps an object page in `[first, end)`.
    pub fn overlaps(&self, first: u64, end: u64) -> bool {
        self.pgoff < end && first < self.pgoff + u64::from(self.pages)
    }
}

impl<S> Keyed for Mapper<S> {
    /// An area is identified by its space, first page and first object page.
    type Key = (u64, u32, u64);
    fn key(&self) -> Self::Key {
        (self.space_id, self.start.number(), self.pgoff)
    }
}

/// The areas mapping one object.
#[derive(Debug)]
pub struct MapperSet<S> {
    mappers: FlatSet<Mapper<S>>,
}

impl<S> Default for MapperSet<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> MapperSet<S> {
    /// An empty set (allocates nothing).
    pub const fn new() -> Self {
        MapperSet { mappers: FlatSet::new() }
    }

    /// Makes room for `more` links without allocating in [`MapperSet::link`].
    pub fn reserve(&mut self, more: usize) -> Result<(), NoMemory> {
        self.mappers.reserve(more)
    }

    /// Adds an area (room reserved beforehand).
    pub fn link(&mut self, m: Mapper<S>) {
        let linked = self.mappers.insert(m);
        assert!(matches!(linked, Ok(None)), "rmap: link without a reservation, or an area linked twice");
    }

    /// Removes the area of space `space_id` starting at `start` mapping `pgoff`; returns it.
    pub fn unlink(&mut self, space_id: u64, start: Page, pgoff: u64) -> Option<Mapper<S>> {
        self.mappers.remove(&(space_id, start.number(), pgoff))
    }

    /// Gives back what reservations left unused (if the smaller allocation fails, the larger
    /// one stays: nothing is lost).
    pub fn settle(&mut self) {
        self.mappers.settle();
    }

    /// The areas mapping an object page in `[first, end)`.
    pub fn overlapping(&self, first: u64, end: u64) -> impl Iterator<Item = &Mapper<S>> + '_ {
        self.mappers.iter().filter(move |m| m.overlaps(first, end))
    }

    /// Every area.
    pub fn iter(&self) -> impl Iterator<Item = &Mapper<S>> + '_ {
        self.mappers.iter()
    }

    /// Areas linked.
    pub fn len(&self) -> usize {
        self.mappers.len()
    }

    /// Whether no area is linked.
    pub fn is_empty(&self) -> bool {
        self.mappers.is_empty()
    }

    /// Slots of capacity held (for tests of the leak-check property).
    pub fn capacity(&self) -> usize {
        self.mappers.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: u64, start: u32, pages: u32, pgoff: u64) -> Mapper<()> {
        Mapper { space: (), space_id: id, start: Page::from_number(start), pages, pgoff, shared: true }
    }

    #[test]
    fn link_unlink_overlap_and_settle() {
        let mut s = MapperSet::new();
        s.reserve(3).unwrap();
        s.link(m(1, 0x400, 4, 0));
        s.link(m(2, 0x800, 2, 3));
        s.link(m(1, 0x900, 1, 10));
        assert_eq!(s.overlapping(3, 4).count(), 2);
        assert_eq!(s.overlapping(4, 10).count(), 1);
        assert_eq!(s.overlapping(11, 100).count(), 0);
        assert_eq!(s.unlink(1, Page::from_number(0x400), 1), None, "pgoff must match");
        assert!(s.unlink(1, Page::from_number(0x400), 0).is_some());
        s.reserve(10).unwrap();
        assert_eq!(s.capacity(), 16);
        s.settle();
        assert_eq!(s.capacity(), 8, "a small set's capacity is a function of its length");
        s.unlink(2, Page::from_number(0x800), 3).unwrap();
        s.unlink(1, Page::from_number(0x900), 10).unwrap();
        s.settle();
        assert_eq!(s.capacity(), 0, "an empty set holds no memory");
    }
}
