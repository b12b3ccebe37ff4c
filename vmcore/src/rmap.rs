//! The reverse map of a memory object: the areas mapping it (Linux's `address_space.i_mmap`,
//! docs/files.md "The reverse map"). One entry per *area*, nothing per page: a page needs only
//! its `(owner, index)`, and a walk (truncate, hole punch, reclaim) visits the areas whose
//! range of object pages covers the index.
//!
//! A `Vec` rather than Linux's interval tree: static binaries mean a handful of mappers per
//! object, and no query happens per fault. Its capacity is a function of its length
//! ([`capacity_for`]) once an edit is [`MapperSet::settle`]d, so mapping and unmapping give
//! every byte of heap back (the exact leak checks); [`MapperSet::reserve`] grows it fallibly
//! before an edit, so [`MapperSet::link`] never allocates.

use alloc::vec::Vec;

use crate::addr::Page;

/// The allocation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoMemory;

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

/// The capacity a set of `len` mappers keeps between edits.
pub const fn capacity_for(len: usize) -> usize {
    if len == 0 {
        0
    } else if len <= 4 {
        4
    } else {
        len.next_power_of_two()
    }
}

/// The areas mapping one object.
#[derive(Debug)]
pub struct MapperSet<S> {
    mappers: Vec<Mapper<S>>,
}

impl<S> Default for MapperSet<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> MapperSet<S> {
    /// An empty set (allocates nothing).
    pub const fn new() -> Self {
        MapperSet { mappers: Vec::new() }
    }

    /// Makes room for `more` links without allocating in [`MapperSet::link`].
    pub fn reserve(&mut self, more: usize) -> Result<(), NoMemory> {
        let want = capacity_for(self.mappers.len() + more);
        if want > self.mappers.capacity() {
            self.mappers.try_reserve_exact(want - self.mappers.len()).map_err(|_| NoMemory)?;
        }
        Ok(())
    }

    /// Adds an area (room reserved beforehand).
    pub fn link(&mut self, m: Mapper<S>) {
        debug_assert!(self.mappers.len() < self.mappers.capacity(), "rmap: link without a reservation");
        self.mappers.push(m);
    }

    /// Removes the area of space `space_id` starting at `start` mapping `pgoff`; returns it.
    pub fn unlink(&mut self, space_id: u64, start: Page, pgoff: u64) -> Option<Mapper<S>> {
        let i = self.mappers.iter().position(|m| m.space_id == space_id && m.start == start && m.pgoff == pgoff)?;
        Some(self.mappers.swap_remove(i))
    }

    /// Brings the capacity back to [`capacity_for`] the length (if the smaller allocation
    /// fails, the larger one stays: nothing is lost).
    pub fn settle(&mut self) {
        let want = capacity_for(self.mappers.len());
        if self.mappers.capacity() <= want {
            return;
        }
        let mut smaller = Vec::new();
        if smaller.try_reserve_exact(want).is_ok() {
            smaller.append(&mut self.mappers);
            self.mappers = smaller;
        }
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

    /// Bytes of capacity held (for tests of the leak-check property).
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
        assert_eq!(s.capacity(), 4);
        s.unlink(2, Page::from_number(0x800), 3).unwrap();
        s.unlink(1, Page::from_number(0x900), 10).unwrap();
        s.settle();
        assert_eq!(s.capacity(), 0, "an empty set holds no memory");
    }
}
