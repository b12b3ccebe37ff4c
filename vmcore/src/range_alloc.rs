//! A range allocator: hands out runs of units (pages) from `[start, end)` and takes them back,
//! with every operation O(log n) in the number of free runs — vmalloc's address space.
//!
//! The free runs are kept twice: by start (to merge a freed run with its neighbours) and by
//! (length, start) (to find the smallest run that fits: best fit, lowest address among equal
//! lengths). A first-fit walk over the allocated areas, what vmalloc did before, costs one step
//! per live area — one per task, since every task has a kernel stack there.
//!
//! Memory: two B-tree entries per free run. Allocating may split a run (one entry replaced),
//! freeing may add one run; the trees' nodes come from the kernel heap like the area map's.

use alloc::collections::{BTreeMap, BTreeSet};

/// Free runs of `[start, end)` in units; see the module doc.
#[derive(Clone, Debug, Default)]
pub struct RangeAlloc {
    /// Free runs: start -> length.
    by_start: BTreeMap<u32, u32>,
    /// Free runs: (length, start).
    by_len: BTreeSet<(u32, u32)>,
}

impl RangeAlloc {
    /// An allocator with all of `[start, end)` free.
    pub fn new(start: u32, end: u32) -> Self {
        let mut r = Self::default();
        if end > start {
            r.insert(start, end - start);
        }
        r
    }

    fn insert(&mut self, start: u32, len: u32) {
        self.by_start.insert(start, len);
        self.by_len.insert((len, start));
    }

    fn remove(&mut self, start: u32, len: u32) {
        self.by_start.remove(&start);
        self.by_len.remove(&(len, start));
    }

    /// Takes `len` (> 0) units from the smallest free run that holds them (the lowest such run
    /// among equals); returns the first unit, or `None` when no run is long enough.
    pub fn alloc(&mut self, len: u32) -> Option<u32> {
        if len == 0 {
            return None;
        }
        let &(run, start) = self.by_len.range((len, 0)..).next()?;
        self.remove(start, run);
        if run > len {
            self.insert(start + len, run - len);
        }
        Some(start)
    }

    /// Gives back `[start, start + len)`, which must have come from [`alloc`](Self::alloc)
    /// (in one piece or several) and not been freed since; merges it with free neighbours.
    pub fn free(&mut self, start: u32, len: u32) {
        if len == 0 {
            return;
        }
        let (mut first, mut total) = (start, len);
        if let Some((&before, &blen)) = self.by_start.range(..start).next_back() {
            debug_assert!(before + blen <= start, "free of a range that is partly free");
            if before + blen == start {
                self.remove(before, blen);
                first = before;
                total += blen;
            }
        }
        let end = start + len;
        if let Some(&alen) = self.by_start.get(&end) {
            self.remove(end, alen);
            total += alen;
        }
        debug_assert!(self.by_start.range(first..first + total).next().is_none(), "free of a range that is partly free");
        self.insert(first, total);
    }

    /// Free runs.
    pub fn runs(&self) -> usize {
        self.by_start.len()
    }

    /// Free units in all.
    pub fn free_units(&self) -> u64 {
        self.by_start.values().map(|&l| u64::from(l)).sum()
    }

    /// The free runs, by start: (start, length).
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.by_start.iter().map(|(&s, &l)| (s, l))
    }
}

#[cfg(test)]
mod tests;
