//! The hash of waiters: [`BUCKETS`] buckets, each a FIFO list of [`Waiter`]s that live on
//! their tasks' kernel stacks (see the module doc of `futex`).

use super::key::FutexKey;
use crate::proc::task::Pid;
use core::cell::Cell;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A sleeping task's entry in a bucket, on that task's kernel stack. Every field another task
/// touches is a `Cell` or an atomic read or written only under the bucket lock (the atomics
/// also by the owner, without it, to learn whether it is still linked).
pub(super) struct Waiter {
    pub(super) key: Cell<FutexKey>,
    pub(super) bitset: u32,
    pub(super) pid: Pid,
    pub(super) next: Cell<*const Waiter>,
    /// The bucket it is linked into (requeue moves it).
    pub(super) bucket: AtomicUsize,
    /// Set by the waker that unlinked it, as the waker's last touch of it.
    pub(super) woken: AtomicBool,
}

/// Buckets in the hash of waiters.
pub const BUCKETS: usize = 256;

/// One bucket: a singly linked list of waiters, in the order they came (FIFO, as Linux's
/// plist with equal priorities).
pub(super) struct Bucket {
    head: *const Waiter,
}

// SAFETY: the raw pointers designate waiters that stay alive while linked (module doc); they
// are followed only under the bucket's lock.
unsafe impl Send for Bucket {}

pub(super) static TABLE: [spin::Mutex<Bucket>; BUCKETS] = [const { spin::Mutex::new(Bucket { head: ptr::null() }) }; BUCKETS];

/// What [`Bucket::unlink_where`] does with one waiter.
pub(super) enum Pick {
    /// Leave it and go on.
    Skip,
    /// Unlink it and go on.
    Take,
    /// Unlink it and stop.
    TakeLast,
    /// Stop.
    Stop,
}

/// Waiters unlinked from a bucket, chained through their `next`, in order.
pub(super) struct Chain {
    head: *const Waiter,
}

impl Bucket {
    /// Appends `w` (not linked anywhere).
    pub(super) fn push(&mut self, w: *const Waiter) {
        // SAFETY: `w` and every linked waiter are alive (module doc); the bucket lock is held.
        unsafe {
            (*w).next.set(ptr::null());
            let mut link: &Cell<*const Waiter> = match self.head.as_ref() {
                None => {
                    self.head = w;
                    return;
                }
                Some(first) => &first.next,
            };
            while let Some(n) = link.get().as_ref() {
                link = &n.next;
            }
            link.set(w);
        }
    }

    /// Unlinks `w`; false if it is not in this bucket.
    pub(super) fn unlink(&mut self, w: *const Waiter) -> bool {
        let mut found = false;
        let chain = self.unlink_where(|x| {
            if ptr::eq(x, w) {
                found = true;
                Pick::TakeLast
            } else {
                Pick::Skip
            }
        });
        debug_assert!(found == !chain.head.is_null());
        found
    }

    /// Walks the waiters in order and unlinks those `pick` takes; returns them as a chain.
    pub(super) fn unlink_where(&mut self, mut pick: impl FnMut(&Waiter) -> Pick) -> Chain {
        let mut taken = Chain { head: ptr::null() };
        let mut taken_tail: *const Waiter = ptr::null();
        let mut prev: *const Waiter = ptr::null();
        let mut cur = self.head;
        // SAFETY: linked waiters are alive and only touched under the bucket lock, held here.
        unsafe {
            while let Some(w) = cur.as_ref() {
                let next = w.next.get();
                let (take, stop) = match pick(w) {
                    Pick::Skip => (false, false),
                    Pick::Take => (true, false),
                    Pick::TakeLast => (true, true),
                    Pick::Stop => (false, true),
                };
                if take {
                    match prev.as_ref() {
                        None => self.head = next,
                        Some(p) => p.next.set(next),
                    }
                    w.next.set(ptr::null());
                    match taken_tail.as_ref() {
                        None => taken.head = cur,
                        Some(t) => t.next.set(cur),
                    }
                    taken_tail = cur;
                } else {
                    prev = cur;
                }
                if stop {
                    break;
                }
                cur = next;
            }
        }
        taken
    }
}

impl Chain {
    /// Wakes every waiter of the chain; returns how many.
    pub(super) fn wake_all(self) -> u32 {
        let mut n = 0;
        let mut cur = self.head;
        // SAFETY: unlinked waiters stay alive until `woken` is set: their owners wait for it or
        // for the bucket lock, which the caller holds.
        while let Some(w) = unsafe { cur.as_ref() } {
            cur = w.next.get();
            let pid = w.pid;
            w.woken.store(true, Ordering::Release);
            // `w` may be gone from here on.
            crate::proc::sched::with(|s| s.make_runnable(pid));
            n += 1;
        }
        n
    }

    /// The chain's first `n` waiters and the rest.
    pub(super) fn split(self, n: u32) -> (Chain, Chain) {
        let mut cur = self.head;
        let mut last: *const Waiter = ptr::null();
        // SAFETY: as in `wake_all`; the caller holds the lock the waiters were unlinked under.
        unsafe {
            for _ in 0..n {
                match cur.as_ref() {
                    Some(w) => {
                        last = cur;
                        cur = w.next.get();
                    }
                    None => break,
                }
            }
            match last.as_ref() {
                None => (Chain { head: ptr::null() }, self),
                Some(l) => {
                    l.next.set(ptr::null());
                    (self, Chain { head: cur })
                }
            }
        }
    }

    /// Links every waiter of the chain into `to` (bucket number `index`) under `key`; returns
    /// how many.
    pub(super) fn requeue_into(self, to: &mut Bucket, index: usize, key: FutexKey) -> u32 {
        let mut n = 0;
        let mut cur = self.head;
        // SAFETY: as in `wake_all`; both buckets' locks are held by the caller.
        while let Some(w) = unsafe { cur.as_ref() } {
            cur = w.next.get();
            w.key.set(key);
            w.bucket.store(index, Ordering::Release);
            to.push(w);
            n += 1;
        }
        n
    }
}

/// Locks buckets `a` and `b` in index order (one lock if they are the same).
pub(super) fn lock_two(a: usize, b: usize) -> (spin::MutexGuard<'static, Bucket>, Option<spin::MutexGuard<'static, Bucket>>) {
    if a == b {
        (TABLE[a].lock(), None)
    } else if a < b {
        let ga = TABLE[a].lock();
        (ga, Some(TABLE[b].lock()))
    } else {
        let gb = TABLE[b].lock();
        (TABLE[a].lock(), Some(gb))
    }
}

/// Locks the bucket `w` is linked into (requeue may move it while it is not locked); `None`
/// once a waker has unlinked it.
pub(super) fn lock_own_bucket(w: &Waiter) -> Option<spin::MutexGuard<'static, Bucket>> {
    loop {
        if w.woken.load(Ordering::Acquire) {
            return None;
        }
        let index = w.bucket.load(Ordering::Acquire);
        let guard = TABLE[index].lock();
        if w.bucket.load(Ordering::Acquire) == index {
            return if w.woken.load(Ordering::Acquire) { None } else { Some(guard) };
        }
    }
}

/// Unlinks `w` if no waker has; true if it was still linked.
pub(super) fn unqueue(w: &Waiter) -> bool {
    match lock_own_bucket(w) {
        Some(mut bucket) => {
            let found = bucket.unlink(w);
            assert!(found, "invariant: a waiter not woken is linked in its bucket");
            true
        }
        None => false,
    }
}

/// Unlinks up to `nr` (at least one) waiters on `key` whose bitset meets `bitset`.
pub(super) fn take_waiters(bucket: &mut Bucket, key: FutexKey, bitset: u32, nr: i32) -> Chain {
    let mut count = 0i64;
    bucket.unlink_where(|w| {
        if w.key.get() != key || w.bitset & bitset == 0 {
            return Pick::Skip;
        }
        count += 1;
        if count >= nr as i64 { Pick::TakeLast } else { Pick::Take }
    })
}
