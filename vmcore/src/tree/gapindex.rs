//! The largest free gap of every chunk of [`Areas`](super::areas::Areas), in a max-segment
//! tree: what Linux keeps as `rb_subtree_gap` in its VMA rb-tree (the maple tree's gap slots).
//!
//! Leaf `c` holds the largest *raw* gap of chunk `c`: the most pages between an area of the
//! chunk and the area just before it (the last of the previous chunk for its first area, page
//! 0 for the very first area). Every inner node holds the larger of its two children, so
//! "the nearest chunk left or right of `c` with a gap of at least `n` pages" is one walk up
//! and one walk down: O(log chunks). Raw gaps depend only on the areas' extents, never on
//! their flags, so changing protections never touches the index; the stack guard gap
//! (`vm_start_gap`) only shrinks a gap and is applied by the search itself.
//!
//! The tree lives in one vector of `2 * leaves` words (`leaves` a power of two, node 1 the
//! root, node `leaves + c` chunk `c`'s leaf, unused leaves 0). Its room is reserved together
//! with the chunks' ([`GapIndex::reserve`]), so rebuilding it after a chunk is split or
//! dropped never allocates.

use alloc::vec::Vec;

use super::areas::NoMemory;

/// Per-chunk largest gaps with their running maxima; see the module documentation.
#[derive(Debug, Default)]
pub(super) struct GapIndex {
    /// `nodes[1]` is the root; `nodes[leaves + c]` is chunk `c`. Empty when there is no chunk.
    nodes: Vec<u32>,
    /// A power of two at least the number of chunks (0 with no chunk).
    leaves: usize,
}

/// Leaves needed for `chunks` chunks.
fn leaves_for(chunks: usize) -> usize {
    if chunks == 0 {
        0
    } else {
        chunks.next_power_of_two()
    }
}

impl GapIndex {
    pub(super) const fn new() -> Self {
        GapIndex { nodes: Vec::new(), leaves: 0 }
    }

    /// Makes room for an index over `chunks` chunks, so that [`GapIndex::rebuild`] for up to
    /// that many does not allocate. `room` does the (fallible) reservation.
    pub(super) fn reserve(
        &mut self,
        chunks: usize,
        room: impl FnOnce(&mut Vec<u32>, usize) -> Result<(), NoMemory>,
    ) -> Result<(), NoMemory> {
        let need = 2 * leaves_for(chunks);
        if self.nodes.capacity() < need {
            let more = need - self.nodes.len();
            room(&mut self.nodes, more)?;
        }
        Ok(())
    }

    /// Rebuilds the whole index from every chunk's largest gap (in chunk order). Needs the
    /// room [`GapIndex::reserve`] made for this many chunks.
    pub(super) fn rebuild(&mut self, gaps: impl ExactSizeIterator<Item = u32>) {
        let leaves = leaves_for(gaps.len());
        debug_assert!(self.nodes.capacity() >= 2 * leaves, "invariant: reserved");
        self.leaves = leaves;
        self.nodes.clear();
        self.nodes.resize(2 * leaves, 0);
        for (c, gap) in gaps.enumerate() {
            self.nodes[leaves + c] = gap;
        }
        for i in (1..leaves).rev() {
            self.nodes[i] = self.nodes[2 * i].max(self.nodes[2 * i + 1]);
        }
    }

    /// Sets chunk `c`'s largest gap (the number of chunks is unchanged).
    pub(super) fn set(&mut self, c: usize, gap: u32) {
        let mut i = self.leaves + c;
        if self.nodes[i] == gap {
            return;
        }
        self.nodes[i] = gap;
        while i > 1 {
            i /= 2;
            let max = self.nodes[2 * i].max(self.nodes[2 * i + 1]);
            if self.nodes[i] == max {
                return;
            }
            self.nodes[i] = max;
        }
    }

    /// Chunk `c`'s largest gap as recorded (0 past the last chunk).
    pub(super) fn get(&self, c: usize) -> u32 {
        self.nodes.get(self.leaves + c).copied().unwrap_or(0)
    }

    /// The lowest chunk at or after `from` whose largest gap is at least `want` (`want > 0`).
    pub(super) fn first_at_least(&self, from: usize, want: u32) -> Option<usize> {
        if from >= self.leaves {
            return None;
        }
        let mut i = self.leaves + from;
        loop {
            if self.nodes[i] >= want {
                return Some(self.descend(i, want, false));
            }
            // Up while `i` is a right child; then over to the right sibling.
            while i & 1 == 1 {
                i /= 2;
            }
            if i == 0 {
                return None;
            }
            i += 1;
        }
    }

    /// The highest chunk below `before` whose largest gap is at least `want` (`want > 0`).
    pub(super) fn last_below(&self, before: usize, want: u32) -> Option<usize> {
        if before == 0 || self.leaves == 0 {
            return None;
        }
        let mut i = self.leaves + (before - 1).min(self.leaves - 1);
        loop {
            if self.nodes[i] >= want {
                return Some(self.descend(i, want, true));
            }
            // Up while `i` is a left child; then over to the left sibling.
            while i & 1 == 0 {
                i /= 2;
            }
            if i == 1 {
                return None;
            }
            i -= 1;
        }
    }

    /// From node `i` (whose maximum is at least `want`) down to the leftmost (or rightmost)
    /// leaf under it holding at least `want`; returns its chunk number.
    fn descend(&self, mut i: usize, want: u32, rightmost: bool) -> usize {
        while i < self.leaves {
            let (first, second) = if rightmost { (2 * i + 1, 2 * i) } else { (2 * i, 2 * i + 1) };
            i = if self.nodes[first] >= want { first } else { second };
        }
        i - self.leaves
    }

    /// A copy (same room as needed for its chunks), or `NoMemory`.
    pub(super) fn try_clone(
        &self,
        room: impl FnOnce(&mut Vec<u32>, usize) -> Result<(), NoMemory>,
    ) -> Result<GapIndex, NoMemory> {
        let mut nodes = Vec::new();
        room(&mut nodes, self.nodes.len())?;
        nodes.extend_from_slice(&self.nodes);
        Ok(GapIndex { nodes, leaves: self.leaves })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn room(v: &mut Vec<u32>, n: usize) -> Result<(), NoMemory> {
        v.try_reserve(n).map_err(|_| NoMemory)
    }

    fn index(gaps: &[u32]) -> GapIndex {
        let mut g = GapIndex::new();
        g.reserve(gaps.len(), room).unwrap();
        g.rebuild(gaps.iter().copied());
        g
    }

    proptest! {
        #[test]
        fn searches_match_a_linear_scan(
            gaps in prop::collection::vec(0u32..20, 0..40),
            edits in prop::collection::vec((0usize..40, 0u32..20), 0..10),
            from in 0usize..45,
            want in 1u32..20,
        ) {
            let mut gaps = gaps;
            let mut g = index(&gaps);
            for (c, v) in edits {
                if c < gaps.len() {
                    gaps[c] = v;
                    g.set(c, v);
                }
            }
            let first = (from..gaps.len()).find(|&c| gaps[c] >= want);
            prop_assert_eq!(g.first_at_least(from, want), first);
            let last = (0..from.min(gaps.len())).rev().find(|&c| gaps[c] >= want);
            prop_assert_eq!(g.last_below(from, want), last);
            for (c, &v) in gaps.iter().enumerate() {
                prop_assert_eq!(g.get(c), v);
            }
        }
    }
}
