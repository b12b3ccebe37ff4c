//! The flat set against a model (a `BTreeMap` from key to entry), through random sequences of
//! reservations, inserts, removals and settles with keys from a small range (so that probe runs
//! collide, wrap around the table's end and shift back on removal).

use super::{capacity_for, FlatSet, Keyed, EXACT_UP_TO};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::vec::Vec;

/// An entry whose key is its first field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct E(u32, u32);

impl Keyed for E {
    type Key = u32;
    fn key(&self) -> u32 {
        self.0
    }
}

#[derive(Clone, Debug)]
enum Op {
    Reserve(usize),
    Insert(u32, u32),
    Remove(u32),
    Settle,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0usize..40).prop_map(Op::Reserve),
        3 => (0u32..200, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
        3 => (0u32..200).prop_map(Op::Remove),
        1 => Just(Op::Settle),
    ]
}

/// Every entry is found by its key, and the set holds exactly the model's entries.
fn check(set: &FlatSet<E>, model: &BTreeMap<u32, u32>) {
    assert_eq!(set.len(), model.len());
    for (&k, &v) in model {
        assert_eq!(set.get(&k), Some(&E(k, v)), "key {k}");
    }
    let mut all: Vec<(u32, u32)> = set.iter().map(|e| (e.0, e.1)).collect();
    all.sort_unstable();
    assert_eq!(all, model.iter().map(|(&k, &v)| (k, v)).collect::<Vec<_>>());
    assert!(set.len() <= set.capacity() / 4 * 3, "load above 3/4");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn matches_the_model(ops in proptest::collection::vec(op(), 1..300)) {
        let mut set = FlatSet::new();
        let mut model = BTreeMap::new();
        for op in ops {
            match op {
                Op::Reserve(n) => set.reserve(n).unwrap(),
                Op::Insert(k, v) => {
                    let room = model.contains_key(&k) || model.len() < set.capacity() / 4 * 3;
                    match set.insert(E(k, v)) {
                        Ok(old) => {
                            prop_assert!(room);
                            prop_assert_eq!(old.map(|e| e.1), model.insert(k, v));
                        }
                        Err(e) => {
                            prop_assert!(!room, "refused with room");
                            prop_assert_eq!(e, E(k, v));
                        }
                    }
                }
                Op::Remove(k) => prop_assert_eq!(set.remove(&k).map(|e| e.1), model.remove(&k)),
                Op::Settle => {
                    let before = set.capacity();
                    set.settle();
                    if model.is_empty() {
                        prop_assert_eq!(set.capacity(), 0);
                    } else if before <= EXACT_UP_TO || capacity_for(model.len()) * 4 <= before {
                        prop_assert_eq!(set.capacity(), capacity_for(model.len()));
                    } else {
                        prop_assert_eq!(set.capacity(), before);
                    }
                }
            }
            check(&set, &model);
        }
    }
}

#[test]
fn reserved_inserts_never_fail_and_empty_holds_nothing() {
    let mut set = FlatSet::new();
    assert_eq!(set.insert(E(1, 1)), Err(E(1, 1)), "no room without a reservation");
    set.reserve(1000).unwrap();
    for k in 0..1000 {
        assert_eq!(set.insert(E(k, k)), Ok(None));
    }
    assert_eq!(set.capacity(), 2048);
    for k in 0..1000 {
        assert_eq!(set.remove(&k), Some(E(k, k)));
    }
    assert_eq!(set.get(&5), None);
    set.settle();
    assert_eq!(set.capacity(), 0, "an empty set holds no memory");
}

#[test]
fn settle_keeps_a_table_near_its_size() {
    let mut set = FlatSet::new();
    set.reserve(6).unwrap();
    for k in 0..6 {
        set.insert(E(k, 0)).unwrap();
    }
    assert_eq!(set.capacity(), 8);
    set.reserve(1).unwrap();
    set.insert(E(6, 0)).unwrap();
    assert_eq!(set.capacity(), 16, "7 entries fill 8 slots past 3/4");
    set.remove(&6);
    set.settle();
    assert_eq!(set.capacity(), 8, "a small table is exactly the size its length asks for");
    set.reserve(94).unwrap();
    for k in 6..100 {
        set.insert(E(k, 0)).unwrap();
    }
    assert_eq!(set.capacity(), 256);
    for k in 96..100 {
        set.remove(&k);
    }
    set.settle();
    assert_eq!(set.capacity(), 256, "96 entries would fit 128 slots, not a quarter of 256: kept");
    for k in 40..96 {
        set.remove(&k);
    }
    set.settle();
    assert_eq!(set.capacity(), 64, "40 entries fit a quarter of 256: shrunk");
    for k in 1..40 {
        set.remove(&k);
    }
    set.settle();
    assert_eq!(set.capacity(), 8, "one entry fits a quarter: shrunk");
}
