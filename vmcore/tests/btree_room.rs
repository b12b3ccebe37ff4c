//! `btree_room`'s bound measured: a counting allocator (this test crate's global allocator)
//! records how many blocks, and how large, one insert into `alloc`'s B-trees takes, for trees
//! of every size up to a few thousand entries filled in random order, with the key and value
//! types the kernel's maps use.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use vmcore::btree_room::{btree_nodes, NODE_BYTES};

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static BLOCKS: Cell<usize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to the system allocator unchanged; the counters are plain
// thread-local cells that allocate nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ON.with(Cell::get) {
            BLOCKS.with(|b| b.set(b.get() + 1));
            LARGEST.with(|l| l.set(l.get().max(layout.size())));
        }
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout (through `alloc` above).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// (blocks, largest block) that `op` allocated.
fn measure(op: impl FnOnce()) -> (usize, usize) {
    BLOCKS.with(|b| b.set(0));
    LARGEST.with(|l| l.set(0));
    ON.with(|o| o.set(true));
    op();
    ON.with(|o| o.set(false));
    (BLOCKS.with(Cell::get), LARGEST.with(Cell::get))
}

/// A fixed pseudo-random order of `n` distinct keys (an LCG permutation walk).
fn keys(n: u32, seed: u32) -> Vec<u32> {
    let mut v: Vec<u32> = (0..n).map(|i| i.wrapping_mul(2_654_435_761).wrapping_add(seed) | 1).collect();
    v.sort_unstable();
    v.dedup();
    let mut x = seed;
    for i in (1..v.len()).rev() {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        v.swap(i, (x as usize) % (i + 1));
    }
    v
}

fn check<K: Ord, V>(mut map: BTreeMap<K, V>, key: K, value: V) {
    let len = map.len();
    let (blocks, largest) = measure(|| {
        map.insert(key, value);
    });
    assert!(blocks <= btree_nodes(len), "an insert into {len} entries took {blocks} blocks, bound {}", btree_nodes(len));
    assert!(largest <= NODE_BYTES, "a node of {largest} bytes (bound {NODE_BYTES})");
}

#[test]
fn scheduler_and_vmalloc_maps_stay_within_the_bound() {
    for n in (0..3000).step_by(7).chain([11, 12, 66, 67, 72, 73, 396, 397, 2376, 2377]) {
        for seed in [1, 77] {
            let ks = keys(n + 1, seed);
            let (last, rest) = ks.split_last().expect("at least one key");
            let tasks: BTreeMap<u32, Arc<u64>> = rest.iter().map(|&k| (k, Arc::new(0))).collect();
            check(tasks, *last, Arc::new(0));
            let areas: BTreeMap<u32, (u32, &'static str, bool)> = rest.iter().map(|&k| (k, (k, "kstack", false))).collect();
            check(areas, *last, (0, "x", true));
        }
    }
}

#[test]
fn directory_and_free_run_trees_stay_within_the_bound() {
    for n in (0..2000).step_by(13).chain([11, 12, 66, 67]) {
        let ks = keys(n + 1, 5);
        let (last, rest) = ks.split_last().expect("at least one key");
        let name = |k: u32| k.to_string().into_bytes().into_boxed_slice();
        let entries: BTreeMap<Box<[u8]>, (u64, Arc<u64>)> = rest.iter().map(|&k| (name(k), (u64::from(k), Arc::new(0)))).collect();
        let new_name = name(*last);
        check(entries, new_name, (0, Arc::new(0)));
        let cookies: BTreeMap<u64, Box<[u8]>> = rest.iter().map(|&k| (u64::from(k), name(k))).collect();
        let cookie_name = name(*last);
        check(cookies, u64::from(*last), cookie_name);
        let mut runs: BTreeSet<(u32, u32)> = rest.iter().map(|&k| (k, k)).collect();
        let len = runs.len();
        let (blocks, largest) = measure(|| {
            runs.insert((*last, *last));
        });
        assert!(blocks <= btree_nodes(len) && largest <= NODE_BYTES, "free-run set of {len}: {blocks} blocks, {largest} bytes");
    }
}

#[test]
fn the_bound_grows_with_the_levels() {
    assert_eq!(btree_nodes(0), 2);
    assert_eq!(btree_nodes(11), 2);
    assert_eq!(btree_nodes(12), 3);
    assert_eq!(btree_nodes(66), 3);
    assert_eq!(btree_nodes(67), 4);
}
