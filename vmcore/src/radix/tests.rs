//! The radix tree against a `BTreeMap` model: random inserts, removes, drains and lookups
//! over small and very large indices.

use super::*;
use alloc::collections::BTreeMap;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Insert(u32, u32),
    Remove(u32),
    Drain(u32),
    Get(u32),
    Next(u32),
}

/// Indices that exercise every height: small, around node boundaries, and huge.
fn index() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..130, 4090u32..4100, 262_140u32..262_150, any::<u32>(), Just(u32::MAX)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (index(), any::<u32>()).prop_map(|(i, v)| Op::Insert(i, v)),
        3 => index().prop_map(Op::Remove),
        1 => index().prop_map(Op::Drain),
        2 => index().prop_map(Op::Get),
        2 => index().prop_map(Op::Next),
    ]
}

fn insert(t: &mut Radix<u32>, i: u32, v: u32) -> Option<u32> {
    let mut pre = Preload::new();
    let mut value = v;
    loop {
        match t.insert(i, value, &mut pre) {
            Ok(old) => return old,
            Err((NeedNodes(n), back)) => {
                value = back;
                pre.fill(n).expect("host memory");
            }
        }
    }
}

proptest! {
    #[test]
    fn matches_btreemap(ops in proptest::collection::vec(op(), 1..120)) {
        let mut t = Radix::new();
        let mut m = BTreeMap::new();
        for op in ops {
            match op {
                Op::Insert(i, v) => prop_assert_eq!(insert(&mut t, i, v), m.insert(i, v)),
                Op::Remove(i) => prop_assert_eq!(t.remove(i), m.remove(&i)),
                Op::Drain(from) => {
                    let mut got = Vec::new();
                    t.drain_from(from, |i, v| got.push((i, v)));
                    let want: Vec<_> = m.range(from..).map(|(&i, &v)| (i, v)).collect();
                    m.retain(|&i, _| i < from);
                    prop_assert_eq!(got, want);
                }
                Op::Get(i) => prop_assert_eq!(t.get(i), m.get(&i)),
                Op::Next(i) => prop_assert_eq!(t.next_from(i), m.range(i..).next().map(|(&i, v)| (i, v))),
            }
            prop_assert_eq!(t.len(), m.len());
            let mut all = Vec::new();
            t.for_each(|i, &v| all.push((i, v)));
            prop_assert_eq!(all, m.iter().map(|(&i, &v)| (i, v)).collect::<Vec<_>>());
        }
        // Emptied, the tree holds no node.
        let keys: Vec<u32> = m.keys().copied().collect();
        for i in keys {
            t.remove(i);
        }
        prop_assert!(t.is_empty());
        prop_assert_eq!(t.height, 0);
    }
}

#[test]
fn short_preload_changes_nothing() {
    let mut t: Radix<u32> = Radix::new();
    let mut pre = Preload::new();
    assert_eq!(t.nodes_needed(0), 1);
    assert_eq!(t.nodes_needed(u32::MAX), 6);
    assert_eq!(t.insert(5, 1, &mut pre).map_err(|e| e.0), Err(NeedNodes(1)));
    assert!(t.is_empty());
    pre.fill(1).unwrap();
    assert_eq!(t.insert(5, 1, &mut pre).ok(), Some(None));
    assert!(pre.is_empty());
    // Growing to index 4096: two new levels above, and a level-2 and a leaf node on its path.
    assert_eq!(t.nodes_needed(4096), 4);
    assert_eq!(t.nodes_needed(63), 0);
    assert_eq!(t.nodes_needed(64), 2);
}

#[test]
fn shrinks_back() {
    let mut t: Radix<u32> = Radix::new();
    insert(&mut t, 1, 1);
    insert(&mut t, 1 << 20, 2);
    assert_eq!(t.height, 4);
    t.remove(1 << 20);
    assert_eq!(t.height, 1);
    assert_eq!(t.get(1), Some(&1));
}
