//! The gap index's upkeep for [`Areas`], and the chunk-level views the gap searches use.
//!
//! Every edit brings the [`GapIndex`](super::GapIndex) up to date: by rescanning the edited
//! chunk and the next one (whose first gap starts at the edited chunk's last area), by an
//! exact update when an area was removed from the middle of a chunk (the two gaps around it
//! become one, so that chunk's largest gap can only grow and no other chunk changes), or by
//! a rebuild when the number of chunks changed.

use super::{Areas, Pos};
use crate::addr::Page;
use crate::vma::Vma;

impl Areas {
    /// Replaces the area starting at `p` by `vma`, whose extent may differ but must still lie
    /// between its neighbours (a split's lower half, a grown stack, a merge).
    pub(in crate::tree) fn replace(&mut self, p: Page, vma: Vma) {
        self.edit(p, |slot| *slot = vma);
    }

    /// Runs `f` on the area starting at `p`, which may change its extent within its
    /// neighbours (but not its start's order), then updates the gap index.
    pub(in crate::tree) fn edit(&mut self, p: Page, f: impl FnOnce(&mut Vma)) {
        let pos = self.lower_bound(p);
        assert!(self.at(pos).is_some_and(|v| v.start() == p), "invariant: the area exists");
        self.edit_at(pos, f);
    }

    /// [`Areas::edit`] of the area at `pos`.
    pub(in crate::tree) fn edit_at(&mut self, pos: Pos, f: impl FnOnce(&mut Vma)) {
        f(&mut self.chunks[pos.c][pos.i]);
        self.refresh(pos.c);
    }

    /// Number of chunks.
    pub(in crate::tree) fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// Length of chunk `c`.
    pub(in crate::tree) fn chunk_len(&self, c: usize) -> usize {
        self.chunks[c].len()
    }

    /// The areas of chunk `c`, in address order.
    pub(in crate::tree) fn chunk(&self, c: usize) -> &[Vma] {
        &self.chunks[c]
    }

    /// End page number of the area before `pos` (0 when none: the gap starts at page 0).
    pub(in crate::tree) fn end_before(&self, pos: Pos) -> u32 {
        self.prev(pos).and_then(|p| self.at(p)).map_or(0, |v| v.end_page().number())
    }

    /// Whether chunk `c` holds a raw gap of at least `pages`.
    pub(in crate::tree) fn chunk_has_gap(&self, c: usize, pages: u32) -> bool {
        self.index.get(c) >= pages
    }

    /// The lowest chunk at or after `from` holding a raw gap of at least `pages`.
    pub(in crate::tree) fn next_chunk_with_gap(&self, from: usize, pages: u32) -> Option<usize> {
        self.index.first_at_least(from, pages)
    }

    /// The highest chunk below `before` holding a raw gap of at least `pages`.
    pub(in crate::tree) fn prev_chunk_with_gap(&self, before: usize, pages: u32) -> Option<usize> {
        self.index.last_below(before, pages)
    }

    /// Largest raw gap of chunk `c`, computed from its areas.
    fn chunk_gap(&self, c: usize) -> u32 {
        let mut prev = self.end_before(Pos { c, i: 0 });
        let mut max = 0;
        for v in &self.chunks[c] {
            max = max.max(v.start().number() - prev);
            prev = v.end_page().number();
        }
        max
    }

    /// After an edit inside chunk `c` (the number of chunks unchanged): its gap and that of
    /// the next chunk (whose first gap starts at `c`'s last area) again.
    pub(super) fn refresh(&mut self, c: usize) {
        for c in c..(c + 2).min(self.chunks.len()) {
            let gap = self.chunk_gap(c);
            self.index.set(c, gap);
        }
    }

    /// After an edit inside chunk `c` that left its last area as it was: its gap again.
    pub(super) fn refresh_one(&mut self, c: usize) {
        let gap = self.chunk_gap(c);
        self.index.set(c, gap);
    }

    /// After an area was removed from chunk `c` at index `i`, nothing else changed and the
    /// chunk still holds an area at `i`: the gaps before and after the removed area are now
    /// the one gap before the area at `i`, no smaller than either, so the chunk's largest gap
    /// is the larger of the old one and that. Exact, without a rescan.
    pub(super) fn removed_inside(&mut self, c: usize, i: usize) {
        let merged = self.chunks[c][i].start().number() - self.end_before(Pos { c, i });
        let gap = self.index.get(c).max(merged);
        self.index.set(c, gap);
    }

    /// After the number of chunks changed: the whole index again (in reserved room).
    pub(super) fn reindex(&mut self) {
        let n = self.chunks.len();
        let mut index = core::mem::take(&mut self.index);
        index.rebuild((0..n).map(|c| self.chunk_gap(c)));
        self.index = index;
    }

    /// Checks the index against the areas (tests).
    #[cfg(test)]
    pub(in crate::tree) fn check_index(&self) {
        for c in 0..self.chunks.len() {
            assert_eq!(self.index.get(c), self.chunk_gap(c), "chunk {c} of {}", self.chunks.len());
        }
    }
}
