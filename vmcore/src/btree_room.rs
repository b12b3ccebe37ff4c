//! How much heap one insert into `alloc`'s `BTreeMap`/`BTreeSet` may take — the bound the
//! kernel's `mm::room::with_room` reserves before an insert that cannot reserve for itself.
//!
//! A B-tree of `len` entries (branching factor B = 6: nodes hold 5..=11 entries, the root
//! 1..=11) has at most `1 + log6(len / 11)` levels, rounded up. An insert allocates the root
//! leaf of an empty tree, or splits the full nodes on its path — one new node per level — and,
//! if the root splits, one new root: [`btree_nodes`] blocks. Every node of the maps the kernel
//! keeps (keys and values of up to 16 bytes each on a 64-bit host, 12 on i386) is smaller than
//! [`NODE_BYTES`]. `vmcore/tests/btree_room.rs` measures both with a counting allocator.

/// Largest node of the kernel's B-trees, rounded up: an internal node of 11 keys and values of
/// up to 16 bytes each, 12 edges, the parent link and lengths.
pub const NODE_BYTES: usize = 512;

/// Most blocks one insert into a B-tree of `len` entries allocates.
pub fn btree_nodes(len: usize) -> usize {
    let mut levels = 1;
    let mut reach = 11usize;
    while reach < len {
        reach = reach.saturating_mul(6);
        levels += 1;
    }
    levels + 1
}
