//! The range allocator against a model: one flag per unit, best fit found by a full scan.

use super::RangeAlloc;
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

const BASE: u32 = 10;
const UNITS: u32 = 120;

/// One flag per unit of `[BASE, BASE + UNITS)`: true when free.
struct Model {
    free: Vec<bool>,
}

impl Model {
    fn new() -> Self {
        Self { free: vec![true; UNITS as usize] }
    }
    /// Maximal free runs, by start: (start, length).
    fn runs(&self) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.free.len() {
            if !self.free[i] {
                i += 1;
                continue;
            }
            let s = i;
            while i < self.free.len() && self.free[i] {
                i += 1;
            }
            out.push((BASE + s as u32, (i - s) as u32));
        }
        out
    }
    /// Best fit: the shortest run holding `len`, the lowest among equals.
    fn alloc(&mut self, len: u32) -> Option<u32> {
        let (start, _) = self.runs().into_iter().filter(|&(_, l)| l >= len).min_by_key(|&(s, l)| (l, s))?;
        for u in start..start + len {
            self.free[(u - BASE) as usize] = false;
        }
        Some(start)
    }
    fn free(&mut self, start: u32, len: u32) {
        for u in start..start + len {
            assert!(!self.free[(u - BASE) as usize], "model: double free");
            self.free[(u - BASE) as usize] = true;
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    Alloc(u32),
    /// Frees the live allocation at this index (modulo their number).
    Free(usize),
    /// Frees only the tail of a live allocation (vmalloc never does; the allocator allows it).
    FreeTail(usize, u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u32..12).prop_map(Op::Alloc),
        2 => any::<usize>().prop_map(Op::Free),
        1 => (any::<usize>(), 1u32..6).prop_map(|(i, n)| Op::FreeTail(i, n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn matches_the_model(ops in proptest::collection::vec(op(), 1..120)) {
        let mut r = RangeAlloc::new(BASE, BASE + UNITS);
        let mut m = Model::new();
        let mut live: Vec<(u32, u32)> = Vec::new();
        for op in ops {
            match op {
                Op::Alloc(len) => {
                    let got = r.alloc(len);
                    prop_assert_eq!(got, m.alloc(len), "alloc({})", len);
                    if let Some(s) = got {
                        live.push((s, len));
                    }
                }
                Op::Free(i) if !live.is_empty() => {
                    let (s, l) = live.swap_remove(i % live.len());
                    r.free(s, l);
                    m.free(s, l);
                }
                Op::FreeTail(i, n) if !live.is_empty() => {
                    let k = i % live.len();
                    let (s, l) = live[k];
                    let n = n.min(l);
                    r.free(s + l - n, n);
                    m.free(s + l - n, n);
                    if n == l { live.swap_remove(k); } else { live[k].1 = l - n; }
                }
                _ => {}
            }
            let runs: Vec<_> = r.iter().collect();
            prop_assert_eq!(&runs, &m.runs());
            prop_assert_eq!(r.runs(), runs.len());
            prop_assert_eq!(r.free_units(), m.free.iter().filter(|&&f| f).count() as u64);
        }
        // Everything back: one run again.
        for (s, l) in live {
            r.free(s, l);
        }
        prop_assert_eq!(r.iter().collect::<Vec<_>>(), vec![(BASE, UNITS)]);
    }
}

#[test]
fn zero_length_and_too_long_requests_fail() {
    let mut r = RangeAlloc::new(0, 8);
    assert_eq!(r.alloc(0), None);
    assert_eq!(r.alloc(9), None);
    assert_eq!(r.alloc(8), Some(0));
    assert_eq!(r.alloc(1), None);
    assert_eq!(r.runs(), 0);
}

#[test]
fn best_fit_prefers_the_shortest_hole() {
    let mut r = RangeAlloc::new(0, 100);
    let a = r.alloc(10).unwrap(); // [0,10)
    let _b = r.alloc(1).unwrap(); // [10,11)
    let c = r.alloc(3).unwrap(); // [11,14)
    let _d = r.alloc(1).unwrap(); // [14,15)
    r.free(a, 10);
    r.free(c, 3);
    // Holes: [0,10) and [11,14) and [15,100): a 3-unit request takes the 3-unit hole.
    assert_eq!(r.alloc(3), Some(11));
    assert_eq!(r.alloc(4), Some(0));
}
