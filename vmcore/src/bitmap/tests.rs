//! Tests of the bitmap, including a property test against a `Vec<bool>`.

use super::*;
use proptest::prelude::*;
use std::vec;

#[test]
fn sizes_and_construction() {
    assert_eq!(words_for(0), 0);
    assert_eq!(words_for(1), 1);
    assert_eq!(words_for(32), 1);
    assert_eq!(words_for(33), 2);
    let mut w = [0u32; 1];
    assert_eq!(
        Bitmap::new_clear(&mut w, 40).unwrap_err(),
        BitmapTooSmall { needed: 2, got: 1 }
    );
    let mut w = [0u32; 3];
    let b = Bitmap::new_clear(&mut w, 40).unwrap();
    assert_eq!((b.len(), b.count_ones(), b.count_zeros()), (40, 0, 40));
    assert_eq!(w, [0, 0xFFFF_FF00, 0], "padding set, extra word untouched");
    let b = Bitmap::new_set(&mut w, 64).unwrap();
    assert_eq!(b.count_ones(), 64);
}

#[test]
fn set_clear_test() {
    let mut w = [0u32; 2];
    let mut b = Bitmap::new_clear(&mut w, 50).unwrap();
    assert!(!b.set(33));
    assert!(b.set(33));
    assert!(b.test(33) && !b.test(32));
    assert_eq!(b.count_ones(), 1);
    assert!(b.clear(33));
    assert!(!b.clear(33));
    assert_eq!(b.count_ones(), 0);
}

#[test]
#[should_panic(expected = "out of range")]
fn out_of_range_panics() {
    let mut w = [0u32; 1];
    Bitmap::new_clear(&mut w, 10).unwrap().test(10);
}

#[test]
fn find_skips_full_words_and_padding() {
    let mut w = [0u32; 4];
    let mut b = Bitmap::new_set(&mut w, 100).unwrap();
    assert_eq!(b.find_first_clear_from(0), None);
    b.clear(70);
    assert_eq!(b.find_first_clear_from(0), Some(70));
    assert_eq!(b.find_first_clear_from(70), Some(70));
    assert_eq!(b.find_first_clear_from(71), None);
    assert_eq!(b.find_first_clear_from(1000), None);
}

#[test]
fn runs_respect_alignment() {
    let mut w = [0u32; 4];
    let mut b = Bitmap::new_clear(&mut w, 128).unwrap();
    b.set(1);
    b.set(40);
    assert_eq!(b.find_clear_run(1, 1), Some(0));
    assert_eq!(b.find_clear_run(2, 1), Some(2));
    assert_eq!(b.find_clear_run(38, 1), Some(2));
    assert_eq!(b.find_clear_run(39, 1), Some(41));
    assert_eq!(b.find_clear_run(8, 16), Some(16));
    assert_eq!(b.find_clear_run(30, 16), Some(48));
    assert_eq!(b.find_clear_run(87, 1), Some(41));
    assert_eq!(b.find_clear_run(88, 1), None);
    assert_eq!(b.find_clear_run(0, 1), None);
}

#[derive(Clone, Debug)]
enum Op {
    Set(usize),
    Clear(usize),
    SetRange(usize, usize),
    ClearRange(usize, usize),
    Find(usize),
    Run(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..300usize).prop_map(Op::Set),
        (0..300usize).prop_map(Op::Clear),
        (0..300usize, 0..80usize).prop_map(|(s, n)| Op::SetRange(s, n)),
        (0..300usize, 0..80usize).prop_map(|(s, n)| Op::ClearRange(s, n)),
        (0..320usize).prop_map(Op::Find),
        (1..40usize, 0..5u32).prop_map(|(n, a)| Op::Run(n, 1 << a)),
    ]
}

proptest! {
    #[test]
    fn matches_a_vec_of_bool(len in 1..300usize, start_set: bool, ops in prop::collection::vec(op(), 0..60)) {
        let mut words = vec![0u32; words_for(len)];
        let mut b = if start_set {
            Bitmap::new_set(&mut words, len).unwrap()
        } else {
            Bitmap::new_clear(&mut words, len).unwrap()
        };
        let mut model = vec![start_set; len];
        for op in ops {
            match op {
                Op::Set(i) => { let i = i % len; prop_assert_eq!(b.set(i), model[i]); model[i] = true; }
                Op::Clear(i) => { let i = i % len; prop_assert_eq!(b.clear(i), model[i]); model[i] = false; }
                Op::SetRange(s, n) => {
                    let s = s % len; let n = n.min(len - s);
                    let before = model[s..s + n].iter().filter(|x| !**x).count();
                    prop_assert_eq!(b.set_range(s, n), before);
                    model[s..s + n].fill(true);
                }
                Op::ClearRange(s, n) => {
                    let s = s % len; let n = n.min(len - s);
                    let before = model[s..s + n].iter().filter(|x| **x).count();
                    prop_assert_eq!(b.clear_range(s, n), before);
                    model[s..s + n].fill(false);
                }
                Op::Find(h) => {
                    let want = (h..len).find(|&i| !model[i]);
                    prop_assert_eq!(b.find_first_clear_from(h), want);
                }
                Op::Run(n, a) => {
                    let want = (0..len).step_by(a)
                        .find(|&i| i + n <= len && model[i..i + n].iter().all(|x| !*x));
                    prop_assert_eq!(b.find_clear_run(n, a), want);
                }
            }
            prop_assert_eq!(b.count_ones(), model.iter().filter(|x| **x).count());
            for (i, &m) in model.iter().enumerate() {
                prop_assert_eq!(b.test(i), m);
            }
        }
    }
}
