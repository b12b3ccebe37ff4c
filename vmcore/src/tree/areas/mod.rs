//! The store under [`VmaTree`](super::VmaTree): areas sorted by start in a two-level B-tree
//! (a sorted vector of *chunks*, each a sorted vector of at most [`CHUNK`] areas) whose
//! growth is reserved before anything changes.
//!
//! `BTreeMap` allocates a node inside `insert` and aborts when the heap is exhausted, so a
//! fork of a process with thousands of areas could panic the kernel. Here every allocation is
//! a `try_reserve`: [`Areas::reserve`] makes room for `n` more areas (one spare chunk and one
//! slot in the chunk vector per area, the most an insert can need when it splits a full chunk)
//! and fails with [`NoMemory`] without changing anything; once it succeeded, the next `n`
//! [`Areas::insert`]s cannot allocate. Removing never allocates (an emptied chunk returns to
//! the spares if they have room, else is freed). Lookups are two binary searches.
//!
//! Every edit also keeps the [`GapIndex`] of the chunks' largest free gaps current (one chunk
//! rescanned and O(log n) maxima, or a rebuild when the number of chunks changed), which is
//! what lets [`find_gap`](super::VmaTree::find_gap) skip whole chunks.

use alloc::collections::TryReserveError;
use alloc::vec::Vec;

use super::gapindex::GapIndex;

mod index;
use crate::addr::Page;
use crate::vma::Vma;

/// Areas per chunk (a chunk is `CHUNK * size_of::<Vma>()` bytes, about 1.5 KiB).
pub(super) const CHUNK: usize = 32;

/// The heap could not hold the areas' room (Linux: `ENOMEM`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoMemory;

/// A place between areas: chunk `c`, index `i` in it (`i < len` except at the very end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Pos {
    pub(super) c: usize,
    pub(super) i: usize,
}

/// Areas in address order; see the module documentation.
#[derive(Debug, Default)]
pub(super) struct Areas {
    /// Non-empty chunks, each sorted, every area of one below those of the next.
    chunks: Vec<Vec<Vma>>,
    /// Empty chunks of capacity `CHUNK`, ready for splits.
    spare: Vec<Vec<Vma>>,
    len: usize,
    /// Largest raw gap per chunk (see [`GapIndex`]).
    index: GapIndex,
}

impl Areas {
    pub(super) const fn new() -> Self {
        Areas { chunks: Vec::new(), spare: Vec::new(), len: 0, index: GapIndex::new() }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Makes sure the next `n` inserts allocate nothing. Changes nothing visible on failure.
    pub(super) fn reserve(&mut self, n: usize) -> Result<(), NoMemory> {
        if self.chunks.capacity() - self.chunks.len() < n {
            room(|| self.chunks.try_reserve(n))?;
        }
        if self.spare.capacity() < n {
            room(|| self.spare.try_reserve(n - self.spare.len()))?;
        }
        while self.spare.len() < n {
            self.spare.push(chunk()?);
        }
        self.index.reserve(self.chunks.len() + n, |v, more| room(|| v.try_reserve(more)))
    }

    /// A copy holding the same areas, or `NoMemory` (nothing is leaked).
    pub(super) fn try_clone(&self) -> Result<Areas, NoMemory> {
        let mut copy = Areas::new();
        room(|| copy.chunks.try_reserve_exact(self.chunks.len()))?;
        for c in &self.chunks {
            let mut new = chunk()?;
            new.extend(c.iter().cloned());
            copy.chunks.push(new);
        }
        copy.index = self.index.try_clone(|v, n| room(|| v.try_reserve_exact(n)))?;
        copy.len = self.len;
        Ok(copy)
    }

    /// First position whose area does not satisfy `before` (areas are partitioned by it).
    fn bound(&self, before: impl Fn(Page) -> bool) -> Pos {
        let c = self.chunks.partition_point(|ch| before(ch[0].start()));
        if c == 0 {
            return Pos { c: 0, i: 0 };
        }
        let i = self.chunks[c - 1].partition_point(|v| before(v.start()));
        if i == self.chunks[c - 1].len() {
            Pos { c, i: 0 }
        } else {
            Pos { c: c - 1, i }
        }
    }

    /// Position of the first area starting at or after `p`.
    pub(super) fn lower_bound(&self, p: Page) -> Pos {
        self.bound(|s| s < p)
    }

    /// Position of the first area starting after `p`.
    pub(super) fn upper_bound(&self, p: Page) -> Pos {
        self.bound(|s| s <= p)
    }

    pub(super) fn prev(&self, pos: Pos) -> Option<Pos> {
        if pos.i > 0 {
            Some(Pos { c: pos.c, i: pos.i - 1 })
        } else if pos.c > 0 {
            Some(Pos { c: pos.c - 1, i: self.chunks[pos.c - 1].len() - 1 })
        } else {
            None
        }
    }

    pub(super) fn at(&self, pos: Pos) -> Option<&Vma> {
        self.chunks.get(pos.c)?.get(pos.i)
    }

    fn at_mut(&mut self, pos: Pos) -> Option<&mut Vma> {
        self.chunks.get_mut(pos.c)?.get_mut(pos.i)
    }

    /// The area starting at `p`.
    pub(super) fn get(&self, p: Page) -> Option<&Vma> {
        self.at(self.lower_bound(p)).filter(|v| v.start() == p)
    }

    /// Position of the last area starting at or below `p`.
    pub(super) fn floor_pos(&self, p: Page) -> Option<Pos> {
        self.prev(self.upper_bound(p))
    }

    /// The last area starting at or below `p`.
    pub(super) fn floor(&self, p: Page) -> Option<&Vma> {
        self.prev(self.upper_bound(p)).and_then(|pos| self.at(pos))
    }

    /// [`Areas::floor`], mutably (its extent must not change).
    pub(super) fn floor_mut(&mut self, p: Page) -> Option<&mut Vma> {
        let pos = self.prev(self.upper_bound(p))?;
        self.at_mut(pos)
    }

    /// The last area starting below `p`.
    pub(super) fn before(&self, p: Page) -> Option<&Vma> {
        self.prev(self.lower_bound(p)).and_then(|pos| self.at(pos))
    }

    /// The areas from `pos` on, in address order.
    pub(super) fn iter_at(&self, pos: Pos) -> impl DoubleEndedIterator<Item = &Vma> + '_ {
        let head = self.chunks.get(pos.c).map_or(&[][..], |c| &c[pos.i..]);
        let tail = self.chunks.get(pos.c + 1..).unwrap_or(&[]);
        head.iter().chain(tail.iter().flat_map(|c| c.iter()))
    }

    /// The areas starting at or after `p`, in address order.
    pub(super) fn starting_at(&self, p: Page) -> impl DoubleEndedIterator<Item = &Vma> + '_ {
        self.iter_at(self.lower_bound(p))
    }

    /// The areas starting at or after `p`, mutably (their extents must not change).
    pub(super) fn starting_at_mut(&mut self, p: Page) -> impl Iterator<Item = &mut Vma> + '_ {
        let pos = self.lower_bound(p);
        let at = pos.c.min(self.chunks.len());
        let tail = &mut self.chunks[at..];
        let (first, rest) = match tail.split_first_mut() {
            Some((first, rest)) => (&mut first[pos.i..], rest),
            None => (&mut [][..], &mut [][..]),
        };
        first.iter_mut().chain(rest.iter_mut().flat_map(|c| c.iter_mut()))
    }

    /// Every area in address order.
    pub(super) fn iter(&self) -> impl DoubleEndedIterator<Item = &Vma> + '_ {
        self.iter_at(Pos { c: 0, i: 0 })
    }

    /// Adds `vma`, which overlaps nothing, using reserved room (see [`Areas::reserve`]).
    pub(super) fn insert(&mut self, vma: Vma) -> Result<(), NoMemory> {
        let pos = self.lower_bound(vma.start());
        self.insert_at(pos, vma)
    }

    /// [`Areas::insert`] at `pos`, which must be `lower_bound(vma.start())` with no edit since.
    pub(super) fn insert_at(&mut self, pos: Pos, vma: Vma) -> Result<(), NoMemory> {
        self.reserve(1)?;
        self.len += 1;
        if self.chunks.is_empty() {
            let mut c = self.spare.pop().expect("invariant: reserved");
            c.push(vma);
            self.chunks.push(c);
            self.reindex();
            return Ok(());
        }
        // Append to the chunk before a chunk boundary rather than prepend to the next one.
        let (c, i) = if pos.i == 0 && pos.c > 0 { (pos.c - 1, self.chunks[pos.c - 1].len()) } else { (pos.c, pos.i) };
        if self.chunks[c].len() < CHUNK {
            self.chunks[c].insert(i, vma);
            if i + 1 < self.chunks[c].len() {
                // Not the chunk's last area: the next chunk's first gap is unchanged.
                self.refresh_one(c);
            } else {
                self.refresh(c);
            }
            return Ok(());
        }
        let mut new = self.spare.pop().expect("invariant: reserved");
        if i == CHUNK && c + 1 == self.chunks.len() {
            // Appending at the very end (a fork's copy, ascending maps): start a full chunk.
            new.push(vma);
        } else {
            let half = CHUNK / 2;
            new.extend(self.chunks[c].drain(half..));
            if i <= half {
                self.chunks[c].insert(i, vma);
            } else {
                new.insert(i - half, vma);
            }
        }
        self.chunks.insert(c + 1, new);
        self.reindex();
        Ok(())
    }

    /// Removes and returns the area at `pos` (which must hold one). Never allocates. Areas
    /// before `pos` keep their positions; the area that followed is then at `pos`, or at the
    /// start of the next chunk when `pos` was the end of its chunk ([`Areas::settle_pos`]).
    pub(super) fn remove_at(&mut self, pos: Pos) -> Vma {
        let vma = self.chunks[pos.c].remove(pos.i);
        self.len -= 1;
        let chunks = self.chunks.len();
        self.settle(pos.c);
        if self.chunks.len() != chunks {
            self.reindex();
        } else if pos.i < self.chunks[pos.c].len() {
            self.removed_inside(pos.c, pos.i);
        } else {
            self.refresh(pos.c);
        }
        vma
    }

    /// `pos` moved past the end of its chunk onto the first area of the next one (unchanged
    /// when it holds an area or lies at the very end).
    pub(super) fn settle_pos(&self, pos: Pos) -> Pos {
        if pos.c < self.chunks.len() && pos.i >= self.chunks[pos.c].len() {
            Pos { c: pos.c + 1, i: 0 }
        } else {
            pos
        }
    }

    /// The position of the area after the one at `pos`, if any.
    pub(super) fn next(&self, pos: Pos) -> Option<Pos> {
        let next = self.settle_pos(Pos { c: pos.c, i: pos.i + 1 });
        self.at(next).map(|_| next)
    }

    /// After a removal from chunk `c`: drops it when empty, or folds it into a neighbour when
    /// both fit in three quarters of a chunk (so chunks stay at least about half full on
    /// average, and an insert that split a full chunk followed by a removal does not fold it
    /// back at once: each fold or split rebuilds the gap index).
    fn settle(&mut self, c: usize) {
        if self.chunks[c].is_empty() {
            let empty = self.chunks.remove(c);
            if self.spare.len() < self.spare.capacity().min(4) {
                self.spare.push(empty);
            }
            return;
        }
        if c + 1 < self.chunks.len() && self.chunks[c].len() + self.chunks[c + 1].len() <= CHUNK * 3 / 4 {
            let next = self.chunks.remove(c + 1);
            self.chunks[c].extend(next);
        }
    }
}

/// An empty chunk with room for [`CHUNK`] areas.
fn chunk() -> Result<Vec<Vma>, NoMemory> {
    let mut c = Vec::new();
    room(|| c.try_reserve_exact(CHUNK))?;
    Ok(c)
}

/// Every allocation of the store: `reserve` fails as [`NoMemory`] (or is failed on purpose by
/// the host tests, [`inject`]).
fn room(reserve: impl FnOnce() -> Result<(), TryReserveError>) -> Result<(), NoMemory> {
    if inject::fail() {
        return Err(NoMemory);
    }
    reserve().map_err(|_| NoMemory)
}

/// Failure injection for the host tests: `FAIL_AFTER = Some(n)` lets `n` more allocations
/// succeed and fails every later one.
#[cfg(test)]
pub(super) mod inject {
    use core::cell::Cell;

    std::thread_local! {
        static FAIL_AFTER: Cell<Option<u32>> = const { Cell::new(None) };
    }

    /// Runs `op` with every allocation of area trees after the first `n` failing.
    pub(crate) fn failing_after<R>(n: u32, op: impl FnOnce() -> R) -> R {
        FAIL_AFTER.with(|c| c.set(Some(n)));
        let r = op();
        FAIL_AFTER.with(|c| c.set(None));
        r
    }

    pub(super) fn fail() -> bool {
        FAIL_AFTER.with(|c| match c.get() {
            Some(0) => true,
            Some(n) => {
                c.set(Some(n - 1));
                false
            }
            None => false,
        })
    }
}

#[cfg(not(test))]
mod inject {
    /// The kernel injects through its own allocator (`failslab`).
    pub(super) const fn fail() -> bool {
        false
    }
}
