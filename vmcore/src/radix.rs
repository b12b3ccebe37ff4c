//! A radix tree from page indices to values: the page map of a file's memory (Linux's xarray,
//! `address_space.i_pages`).
//!
//! Nodes have 64 slots, so a level consumes 6 bits of the index; the tree is only as tall as
//! its largest index needs (a file of 64 pages is one node, 4,096 pages two levels, the whole
//! `u32` range six). Empty nodes are freed at once and the root shrinks back, so an emptied
//! tree holds no memory.
//!
//! **Allocation is the caller's, outside the lock** (Linux's `xas_nomem`): [`Radix::insert`]
//! takes nodes from a [`Preload`] and, when it holds too few, changes nothing and says how many
//! more it needs. The caller drops its lock, [`Preload::fill`]s (fallibly) and retries; running
//! out of memory is an error, never a panic, and no allocation happens under the lock.

use alloc::boxed::Box;
use alloc::vec::Vec;

/// Bits of the index one level consumes.
const SHIFT: u32 = 6;
/// Slots per node.
pub const FANOUT: usize = 1 << SHIFT;
/// Levels needed for the whole `u32` index range (6 × 6 ≥ 32).
pub const MAX_HEIGHT: u32 = 6;
const _: () = assert!(SHIFT * MAX_HEIGHT >= u32::BITS);

/// One node: 64 slots, and how many are in use.
struct Node<V> {
    slots: [Slot<V>; FANOUT],
    used: u8,
}

/// A node on the heap (a one-element boxed array, so that it can be allocated fallibly without
/// unstable APIs: a `Vec` of capacity 1 becomes the box without reallocating).
type NodeBox<V> = Box<[Node<V>; 1]>;

/// A slot: nothing, a child node (levels above 1) or a value (level 1).
enum Slot<V> {
    Empty,
    Node(NodeBox<V>),
    Value(V),
}

/// The allocation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoMemory;

/// [`Radix::insert`] needs `0` more preloaded nodes; nothing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeedNodes(pub usize);

/// Nodes allocated ahead of an insert, outside the tree's lock.
pub struct Preload<V> {
    nodes: Vec<NodeBox<V>>,
}

impl<V> Default for Preload<V> {
    fn default() -> Self {
        Preload { nodes: Vec::new() }
    }
}

impl<V> Preload<V> {
    /// An empty preload (allocates nothing).
    pub const fn new() -> Self {
        Preload { nodes: Vec::new() }
    }

    /// Makes sure at least `more` further nodes are held; fails without panicking.
    pub fn fill(&mut self, more: usize) -> Result<(), NoMemory> {
        self.nodes.try_reserve(more).map_err(|_| NoMemory)?;
        for _ in 0..more {
            let node = Node { slots: core::array::from_fn(|_| Slot::Empty), used: 0 };
            let mut one = Vec::new();
            one.try_reserve_exact(1).map_err(|_| NoMemory)?;
            one.push(node);
            let boxed: NodeBox<V> = one.into_boxed_slice().try_into().ok().expect("invariant: one element");
            self.nodes.push(boxed);
        }
        Ok(())
    }

    /// Nodes held.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether no node is held.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// Page index → value.
pub struct Radix<V> {
    root: Slot<V>,
    /// Levels below and including the root node; 0 when empty.
    height: u32,
    len: usize,
}

impl<V> Default for Radix<V> {
    fn default() -> Self {
        Self::new()
    }
}

/// The digit of `index` at `level` (1 = the leaves).
fn digit(index: u32, level: u32) -> usize {
    let shift = SHIFT * (level - 1);
    ((u64::from(index) >> shift) as usize) & (FANOUT - 1)
}

/// Levels a tree needs to hold `index`.
fn height_for(index: u32) -> u32 {
    let mut h = 1;
    while h < MAX_HEIGHT && u64::from(index) >> (SHIFT * h) != 0 {
        h += 1;
    }
    h
}

impl<V> Radix<V> {
    /// An empty tree (allocates nothing).
    pub const fn new() -> Self {
        Radix { root: Slot::Empty, height: 0, len: 0 }
    }

    /// Values held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no value is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value at `index`.
    pub fn get(&self, index: u32) -> Option<&V> {
        if self.height == 0 || height_for(index) > self.height {
            return None;
        }
        let mut slot = &self.root;
        let mut level = self.height + 1;
        loop {
            match slot {
                Slot::Empty => return None,
                Slot::Value(v) => return Some(v),
                Slot::Node(n) => {
                    level -= 1;
                    slot = &n[0].slots[digit(index, level)];
                }
            }
        }
    }

    /// Nodes an insert at `index` would have to add.
    pub fn nodes_needed(&self, index: u32) -> usize {
        let want = height_for(index);
        if self.height == 0 {
            return want as usize;
        }
        let top = want.max(self.height);
        let mut need = (top - self.height) as usize;
        let mut level = top;
        while level > self.height {
            if digit(index, level) != 0 {
                return need + (level - 1) as usize;
            }
            level -= 1;
        }
        let Slot::Node(root) = &self.root else { unreachable!("invariant: a non-empty root is a node") };
        let mut node = root;
        loop {
            if level == 1 {
                return need;
            }
            match &node[0].slots[digit(index, level)] {
                Slot::Node(child) => {
                    node = child;
                    level -= 1;
                }
                _ => {
                    need += (level - 1) as usize;
                    return need;
                }
            }
        }
    }

    /// Puts `value` at `index`, returning the value it replaces. Takes the nodes it needs from
    /// `pre`; if `pre` holds too few, nothing changes and the error says how many more.
    pub fn insert(&mut self, index: u32, value: V, pre: &mut Preload<V>) -> Result<Option<V>, (NeedNodes, V)> {
        let need = self.nodes_needed(index);
        if pre.nodes.len() < need {
            return Err((NeedNodes(need - pre.nodes.len()), value));
        }
        let mut take = || pre.nodes.pop().expect("invariant: counted by nodes_needed");
        let want = height_for(index);
        if self.height == 0 {
            self.root = Slot::Node(take());
            self.height = want;
        }
        while self.height < want {
            let mut top = take();
            top[0].slots[0] = core::mem::replace(&mut self.root, Slot::Empty);
            top[0].used = 1;
            self.root = Slot::Node(top);
            self.height += 1;
        }
        let mut level = self.height;
        let Slot::Node(node) = &mut self.root else { unreachable!("invariant: the root is a node") };
        let mut node: &mut NodeBox<V> = node;
        while level > 1 {
            let d = digit(index, level);
            if matches!(node[0].slots[d], Slot::Empty) {
                node[0].slots[d] = Slot::Node(take());
                node[0].used += 1;
            }
            let Slot::Node(child) = &mut node[0].slots[d] else { unreachable!("invariant: inner slots hold nodes") };
            node = child;
            level -= 1;
        }
        let d = digit(index, 1);
        let old = core::mem::replace(&mut node[0].slots[d], Slot::Value(value));
        match old {
            Slot::Value(v) => Ok(Some(v)),
            Slot::Empty => {
                node[0].used += 1;
                self.len += 1;
                Ok(None)
            }
            Slot::Node(_) => unreachable!("invariant: leaf slots hold values"),
        }
    }

    /// Removes and returns the value at `index`; empty nodes are freed and the tree shrinks.
    pub fn remove(&mut self, index: u32) -> Option<V> {
        if self.height == 0 || height_for(index) > self.height {
            return None;
        }
        let Slot::Node(root) = &mut self.root else { return None };
        let (value, now_empty) = remove_in(root, index, self.height);
        let value = value?;
        self.len -= 1;
        if now_empty {
            self.root = Slot::Empty;
            self.height = 0;
        } else {
            self.shrink();
        }
        Some(value)
    }

    /// Drops root levels that only use their slot 0.
    fn shrink(&mut self) {
        while self.height > 1 {
            let Slot::Node(root) = &mut self.root else { return };
            if root[0].used != 1 || !matches!(root[0].slots[0], Slot::Node(_)) {
                return;
            }
            let child = core::mem::replace(&mut root[0].slots[0], Slot::Empty);
            self.root = child;
            self.height -= 1;
        }
    }

    /// The smallest index at or after `from` holding a value.
    pub fn next_from(&self, from: u32) -> Option<(u32, &V)> {
        if self.height == 0 || height_for(from) > self.height {
            return None;
        }
        let Slot::Node(root) = &self.root else { return None };
        next_in(root, from, self.height, 0)
    }

    /// Removes every value at an index `>= from`, handing each to `f` in increasing order.
    pub fn drain_from(&mut self, from: u32, mut f: impl FnMut(u32, V)) {
        while let Some((index, _)) = self.next_from(from) {
            let v = self.remove(index).expect("invariant: just found");
            f(index, v);
        }
    }

    /// Calls `f` on every `(index, value)` in increasing order.
    pub fn for_each(&self, mut f: impl FnMut(u32, &V)) {
        let mut from = 0u32;
        while let Some((index, v)) = self.next_from(from) {
            f(index, v);
            match index.checked_add(1) {
                Some(n) => from = n,
                None => return,
            }
        }
    }
}

/// Removes `index` under `node` at `level`; returns the value and whether `node` is now empty.
fn remove_in<V>(node: &mut NodeBox<V>, index: u32, level: u32) -> (Option<V>, bool) {
    let d = digit(index, level);
    let value = match &mut node[0].slots[d] {
        Slot::Empty => return (None, false),
        Slot::Value(_) => {
            let Slot::Value(v) = core::mem::replace(&mut node[0].slots[d], Slot::Empty) else {
                unreachable!("invariant: matched a value")
            };
            Some(v)
        }
        Slot::Node(child) => {
            let (v, child_empty) = remove_in(child, index, level - 1);
            if child_empty {
                node[0].slots[d] = Slot::Empty; // frees the child
            } else {
                return (v, false);
            }
            v
        }
    };
    node[0].used -= 1;
    (value, node[0].used == 0)
}

/// The first value at an index `>= from` under `node` at `level`, whose indices start at `base`.
fn next_in<V>(node: &NodeBox<V>, from: u32, level: u32, base: u64) -> Option<(u32, &V)> {
    let span = 1u64 << (SHIFT * (level - 1));
    let first = if u64::from(from) > base { ((u64::from(from) - base) / span) as usize } else { 0 };
    for d in first..FANOUT {
        let start = base + d as u64 * span;
        match &node[0].slots[d] {
            Slot::Empty => {}
            Slot::Value(v) => return Some((u32::try_from(start).expect("invariant: a u32 index"), v)),
            Slot::Node(child) => {
                if let Some(found) = next_in(child, from, level - 1, start) {
                    return Some(found);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests;
