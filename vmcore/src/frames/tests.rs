//! Tests of the frame allocator, including a model-based property test.

use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::{format, string::ToString, vec, vec::Vec};

fn fr(n: u32) -> Frame {
    Frame::from_number(n)
}

/// Storage for `n` frames, filled with garbage (the allocator must not rely on zeroed counts:
/// the kernel hands it RAM as the boot loader left it).
fn storage(n: u32) -> (Vec<u32>, Vec<u32>) {
    let (b, r) = storage_words(n);
    (vec![0x5a5a_5a5a; b], vec![0xdead_beef; r])
}

#[test]
fn starts_reserved_and_releases_ranges() {
    let (mut b, mut r) = storage(100);
    let mut a = FrameAllocator::new(&mut b, &mut r, 100).unwrap();
    assert_eq!(
        a.counters(),
        FrameCounters {
            total: 100,
            reserved: 100,
            ..Default::default()
        }
    );
    assert_eq!(a.alloc(), None);
    assert_eq!(
        a.add_free_range(fr(0), 1000),
        100,
        "clipped to the managed range"
    );
    assert_eq!(a.add_free_range(fr(10), 5), 0, "already free");
    assert_eq!(a.reserve_range(fr(0), 1), Ok(1));
    assert_eq!(a.reserve_range(fr(50), 10), Ok(10));
    assert_eq!(a.reserve_range(fr(55), 10), Ok(5));
    assert_eq!(a.reserve_range(fr(99), u32::MAX), Ok(1));
    let c = a.counters();
    assert_eq!((c.free, c.used, c.reserved), (100 - 17, 0, 17));
    assert_eq!(a.alloc(), Some(fr(1)));
    assert_eq!(a.reserve_range(fr(0), 3), Err(FrameError::InUse(fr(1))));
    assert_eq!(
        a.counters().reserved,
        17,
        "a failed reserve changes nothing"
    );
    assert_eq!(a.state(fr(0)), Some(FrameState::Reserved));
    assert_eq!(a.state(fr(1)), Some(FrameState::Used(1)));
    assert_eq!(a.state(fr(2)), Some(FrameState::Free));
    assert_eq!(a.state(fr(100)), None);
}

#[test]
fn counts_are_made_ready_a_chunk_at_a_time() {
    let n = 5 * READY_CHUNK + 3;
    let (mut b, mut r) = storage(n);
    let mut a = FrameAllocator::new(&mut b, &mut r, n).unwrap();
    assert_eq!(a.ready(), 0, "nothing zeroed at construction");
    a.add_free_range(fr(0), n);
    a.reserve_range(fr(4 * READY_CHUNK), 1).unwrap();
    assert_eq!(a.ready(), 0, "building the database touches no count");
    // Frames above the watermark: garbage in storage, but free/reserved by the bitmaps.
    let high = fr(3 * READY_CHUNK + 1);
    assert_eq!(a.state(high), Some(FrameState::Free));
    assert_eq!(a.refcount(high), Ok(0));
    assert_eq!(a.dec_ref(high), Err(FrameError::DoubleFree(high)));
    assert_eq!(a.inc_ref(high), Err(FrameError::NotAllocated(high)));
    assert_eq!(a.free(high), Err(FrameError::DoubleFree(high)));
    let res = fr(4 * READY_CHUNK);
    assert_eq!(a.state(res), Some(FrameState::Reserved));
    assert_eq!(a.dec_ref(res), Err(FrameError::Reserved(res)));
    assert_eq!(a.refcount(res), Err(FrameError::Reserved(res)));
    assert_eq!(a.refcount(fr(n)), Err(FrameError::OutOfRange(fr(n))));
    assert_eq!(a.state(fr(n)), None);
    // The first allocation readies its chunk only.
    assert_eq!(a.alloc(), Some(fr(0)));
    assert_eq!(a.ready(), READY_CHUNK);
    assert_eq!(a.state(fr(1)), Some(FrameState::Free));
    // A contiguous run across chunks readies up to the chunk of its last frame.
    let run = a.alloc_contiguous(READY_CHUNK + 1, READY_CHUNK).unwrap();
    assert_eq!(run, fr(READY_CHUNK), "free and aligned");
    assert_eq!(a.ready(), 3 * READY_CHUNK, "chunks 1 and 2");
    assert_eq!(a.state(fr(2 * READY_CHUNK + 1)), Some(FrameState::Free), "zeroed, not garbage");
    // Up to the end: the last, partial chunk stops at the frame count.
    let mut last = fr(0);
    while let Some(f) = a.alloc() {
        last = f;
    }
    assert_eq!(last, fr(n - 1));
    assert_eq!(a.ready(), n);
    assert_eq!(a.inc_ref(last), Ok(2));
    assert_eq!(a.dec_ref(last), Ok(DecRef::StillShared(1)));
    assert_eq!(a.dec_ref(last), Ok(DecRef::Freed));
    assert_eq!(a.state(last), Some(FrameState::Free));
}

#[test]
fn storage_checks() {
    assert_eq!(storage_words(33), (4, 33), "two bitmaps of two words, 33 counts");
    let (mut b, mut r) = storage(64);
    assert_eq!(
        FrameAllocator::new(&mut b, &mut r[..10], 64).unwrap_err(),
        FrameStorageError::RefsTooSmall {
            needed: 64,
            got: 10
        }
    );
    assert!(matches!(
        FrameAllocator::new(&mut b[..1], &mut r, 64),
        Err(FrameStorageError::BitmapTooSmall(_))
    ));
    assert_eq!(
        FrameAllocator::new(&mut b, &mut r, MAX_FRAMES + 1).unwrap_err(),
        FrameStorageError::TooManyFrames(MAX_FRAMES + 1)
    );
}

#[test]
fn alloc_is_first_fit_and_free_is_reused() {
    let (mut b, mut r) = storage(70);
    let mut a = FrameAllocator::new(&mut b, &mut r, 70).unwrap();
    a.add_free_range(fr(1), 69);
    let got: Vec<Frame> = (0..69).map(|_| a.alloc().unwrap()).collect();
    assert_eq!(got, (1..70).map(fr).collect::<Vec<_>>());
    assert_eq!(a.alloc(), None);
    a.free(fr(40)).unwrap();
    a.free(fr(3)).unwrap();
    assert_eq!(a.alloc(), Some(fr(3)));
    assert_eq!(a.alloc(), Some(fr(40)));
    assert_eq!(a.alloc(), None);
}

#[test]
fn reference_counting() {
    let (mut b, mut r) = storage(8);
    let mut a = FrameAllocator::new(&mut b, &mut r, 8).unwrap();
    a.add_free_range(fr(1), 7);
    let f = a.alloc().unwrap();
    assert_eq!(a.inc_ref(f), Ok(2));
    assert_eq!(a.inc_ref(f), Ok(3));
    assert_eq!(a.counters().shared, 1);
    assert_eq!(a.free(f), Err(FrameError::Shared { frame: f, refs: 3 }));
    assert_eq!(a.dec_ref(f), Ok(DecRef::StillShared(2)));
    assert_eq!(a.dec_ref(f), Ok(DecRef::StillShared(1)));
    assert_eq!(a.counters().shared, 0);
    assert_eq!(a.refcount(f), Ok(1));
    assert_eq!(a.dec_ref(f), Ok(DecRef::Freed));
    assert_eq!(a.refcount(f), Ok(0));
    assert_eq!(a.dec_ref(f), Err(FrameError::DoubleFree(f)));
    assert_eq!(a.free(f), Err(FrameError::DoubleFree(f)));
    assert_eq!(a.inc_ref(f), Err(FrameError::NotAllocated(f)));
    assert_eq!(a.inc_ref(fr(0)), Err(FrameError::Reserved(fr(0))));
    assert_eq!(a.dec_ref(fr(0)), Err(FrameError::Reserved(fr(0))));
    assert_eq!(a.refcount(fr(0)), Err(FrameError::Reserved(fr(0))));
    assert_eq!(a.free(fr(8)), Err(FrameError::OutOfRange(fr(8))));
    assert_eq!(
        a.counters(),
        FrameCounters {
            total: 8,
            free: 7,
            used: 0,
            reserved: 1,
            shared: 0
        }
    );
}

#[test]
fn refcount_never_wraps() {
    let (mut b, mut r) = storage(4);
    let mut a = FrameAllocator::new(&mut b, &mut r, 4).unwrap();
    a.add_free_range(fr(0), 4);
    let f = a.alloc().unwrap();
    a.force_refcount(f, MAX_REFS - 1);
    assert_eq!(a.inc_ref(f), Ok(MAX_REFS));
    assert_eq!(a.inc_ref(f), Err(FrameError::RefOverflow(f)));
    assert_eq!(a.refcount(f), Ok(MAX_REFS));
}

#[test]
fn contiguous_runs() {
    let (mut b, mut r) = storage(64);
    let mut a = FrameAllocator::new(&mut b, &mut r, 64).unwrap();
    a.add_free_range(fr(1), 63);
    assert_eq!(a.alloc_contiguous(4, 4), Some(fr(4)));
    assert_eq!(
        a.alloc(),
        Some(fr(1)),
        "the hole below the run stays usable"
    );
    assert_eq!(a.alloc_contiguous(3, 0), Some(fr(8)), "2..4 is too short");
    assert_eq!(a.alloc_contiguous(0, 1), None);
    assert_eq!(a.alloc_contiguous(64, 1), None);
    assert_eq!(a.counters().used, 8);
    a.free(fr(5)).unwrap();
    assert_eq!(a.refcount(fr(4)), Ok(1));
}

#[test]
fn errors_name_the_frame() {
    let s = FrameError::DoubleFree(fr(0x123)).to_string();
    assert_eq!(s, "double free of Frame(0x00123000)");
    let s = format!(
        "{}",
        FrameError::Shared {
            frame: fr(1),
            refs: 2
        }
    );
    assert!(s.contains("Frame(0x00001000)") && s.contains('2'));
}

/// One step of the property test. Indices pick among held frames (modulo their count).
#[derive(Clone, Debug)]
enum Op {
    Alloc,
    AllocContig(u32, u32),
    Free(usize),
    Inc(usize),
    Dec(usize),
    /// dec_ref of an arbitrary frame number (often an error).
    DecAny(u32),
    /// inc_ref of an arbitrary frame number (often an error).
    IncAny(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Alloc),
        1 => (1..6u32, 0..4u32).prop_map(|(n, a)| Op::AllocContig(n, 1 << a)),
        3 => any::<usize>().prop_map(Op::Free),
        2 => any::<usize>().prop_map(Op::Inc),
        2 => any::<usize>().prop_map(Op::Dec),
        1 => (0..140u32).prop_map(Op::DecAny),
        1 => (0..140u32).prop_map(Op::IncAny),
    ]
}

/// The reference model: refcounts of used frames, the reserved set, the size.
struct Model {
    n: u32,
    used: BTreeMap<u32, u32>,
    reserved: BTreeSet<u32>,
}

impl Model {
    fn is_free(&self, f: u32) -> bool {
        f < self.n && !self.reserved.contains(&f) && !self.used.contains_key(&f)
    }
    fn counters(&self) -> FrameCounters {
        let used = self.used.len() as u32;
        let reserved = self.reserved.len() as u32;
        FrameCounters {
            total: self.n,
            free: self.n - used - reserved,
            used,
            reserved,
            shared: self.used.values().filter(|&&r| r >= 2).count() as u32,
        }
    }
    fn expect_dec(&self, f: u32) -> Result<DecRef, FrameError> {
        if f >= self.n {
            Err(FrameError::OutOfRange(fr(f)))
        } else if self.reserved.contains(&f) {
            Err(FrameError::Reserved(fr(f)))
        } else {
            match self.used.get(&f) {
                None => Err(FrameError::DoubleFree(fr(f))),
                Some(1) => Ok(DecRef::Freed),
                Some(r) => Ok(DecRef::StillShared(r - 1)),
            }
        }
    }
    fn apply_dec(&mut self, f: u32) {
        let r = self.used.get_mut(&f).unwrap();
        *r -= 1;
        if *r == 0 {
            self.used.remove(&f);
        }
    }
}

proptest! {
    #[test]
    fn matches_the_model(
        n in 1..130u32,
        free in prop::collection::vec((0..140u32, 0..60u32), 0..4),
        reserve in prop::collection::vec((0..140u32, 0..10u32), 0..4),
        ops in prop::collection::vec(op(), 0..120),
    ) {
        let (mut b, mut r) = storage(n);
        let mut a = FrameAllocator::new(&mut b, &mut r, n).unwrap();
        let mut m = Model { n, used: BTreeMap::new(), reserved: (0..n).collect() };
        for (s, c) in free {
            a.add_free_range(fr(s), c);
            for f in s..s + c { m.reserved.remove(&f); }
        }
        for (s, c) in reserve {
            prop_assert!(a.reserve_range(fr(s), c).is_ok());
            m.reserved.extend((s..s + c).filter(|&f| f < n));
        }
        prop_assert_eq!(a.counters(), m.counters());
        for op in ops {
            let held: Vec<u32> = m.used.keys().copied().collect();
            let pick = |i: usize| held.get(i % held.len().max(1)).copied();
            match op {
                Op::Alloc => {
                    let want = (0..n).find(|&f| m.is_free(f));
                    let got = a.alloc();
                    prop_assert_eq!(got.map(|f| f.number()), want, "first fit");
                    if let Some(f) = want { m.used.insert(f, 1); }
                }
                Op::AllocContig(c, al) => {
                    let want = (0..n).step_by(al as usize)
                        .find(|&s| s + c <= n && (s..s + c).all(|f| m.is_free(f)));
                    prop_assert_eq!(a.alloc_contiguous(c, al).map(|f| f.number()), want);
                    if let Some(s) = want { for f in s..s + c { m.used.insert(f, 1); } }
                }
                Op::Free(i) => if let Some(f) = pick(i) {
                    let refs = m.used[&f];
                    if refs == 1 {
                        prop_assert_eq!(a.free(fr(f)), Ok(()));
                        m.used.remove(&f);
                    } else {
                        prop_assert_eq!(a.free(fr(f)), Err(FrameError::Shared { frame: fr(f), refs }));
                    }
                },
                Op::Inc(i) => if let Some(f) = pick(i) {
                    let r = m.used.get_mut(&f).unwrap();
                    *r += 1;
                    prop_assert_eq!(a.inc_ref(fr(f)), Ok(*r));
                },
                Op::Dec(i) => if let Some(f) = pick(i) {
                    prop_assert_eq!(a.dec_ref(fr(f)), m.expect_dec(f));
                    m.apply_dec(f);
                },
                Op::DecAny(f) => {
                    let want = m.expect_dec(f);
                    prop_assert_eq!(a.dec_ref(fr(f)), want);
                    if want.is_ok() { m.apply_dec(f); }
                }
                Op::IncAny(f) => {
                    let want = if f >= n { Err(FrameError::OutOfRange(fr(f))) }
                        else if m.reserved.contains(&f) { Err(FrameError::Reserved(fr(f))) }
                        else if let Some(r) = m.used.get(&f) { Ok(r + 1) }
                        else { Err(FrameError::NotAllocated(fr(f))) };
                    prop_assert_eq!(a.inc_ref(fr(f)), want);
                    if want.is_ok() { *m.used.get_mut(&f).unwrap() += 1; }
                }
            }
            let c = a.counters();
            prop_assert_eq!(c, m.counters());
            prop_assert_eq!(c.free + c.used + c.reserved, c.total);
            // The watermark: chunk-aligned (or the end), above every frame in use.
            let ready = a.ready();
            prop_assert!(ready == n || ready.is_multiple_of(READY_CHUNK));
            prop_assert!(m.used.keys().all(|&f| f < ready));
        }
        for f in 0..n {
            let want = if m.reserved.contains(&f) { FrameState::Reserved }
                else { m.used.get(&f).map_or(FrameState::Free, |&r| FrameState::Used(r)) };
            prop_assert_eq!(a.state(fr(f)), Some(want));
        }
    }
}
