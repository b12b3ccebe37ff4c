//! Room for an insert into a collection that cannot reserve (`alloc`'s `BTreeMap` and
//! `BTreeSet`: their inserts allocate nodes and abort when the heap is out).
//!
//! [`with_room`] first takes, all at once, the blocks such an insert may need — one node per
//! level of the tree plus a new root, each at most [`NODE_BYTES`] (`vmcore::btree_room`, whose
//! bound a host test measures) — fallibly, so exhaustion (or
//! `failslab`, which may fail any of them) is an error before anything changed; it gives them
//! back and runs the insert with injection held off (`inject::kernel_work`), so the insert's own
//! allocations find the blocks just freed (the size-class lists, or the linked list once those
//! are flushed back to it) and nothing runs in between: interrupt handlers do not allocate.

use super::inject;
use alloc::vec::Vec;

pub use vmcore::btree_room::{btree_nodes, NODE_BYTES};

/// The heap could not give the room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoRoom;

/// Runs `insert` (an edit allocating at most `nodes` blocks of up to [`NODE_BYTES`]: inserts
/// into B-trees, [`btree_nodes`] each) once the heap has shown it has room for it;
/// `Err(NoRoom)` and nothing run otherwise.
pub fn with_room<R>(nodes: usize, insert: impl FnOnce() -> R) -> Result<R, NoRoom> {
    with_blocks(nodes, NODE_BYTES, insert)
}

/// Runs `op`, which allocates at most `count` blocks of up to `bytes` each and has no fallible
/// form (`Arc::new_cyclic`), once the heap has shown it has room for them; `Err(NoRoom)` and
/// nothing run otherwise.
pub fn with_blocks<R>(count: usize, bytes: usize, op: impl FnOnce() -> R) -> Result<R, NoRoom> {
    let mut held: Vec<Vec<u8>> = Vec::new();
    held.try_reserve_exact(count).map_err(|_| NoRoom)?;
    for _ in 0..count {
        let mut block = Vec::new();
        block.try_reserve_exact(bytes).map_err(|_| NoRoom)?;
        held.push(block);
    }
    drop(held);
    Ok(inject::kernel_work(op))
}
