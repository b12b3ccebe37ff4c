//! Futexes (Linux's `kernel/futex/`): a task sleeps until another wakes the same *key*, the
//! identity of a user word (docs/process-model.md, "Futexes").
//!
//! - **Keys.** A private operation (`FUTEX_PRIVATE_FLAG`) keys by (address space, address)
//!   without looking at the mapping, as Linux does. A shared one looks the word's area up under
//!   the space's lock: a private (anonymous or copy-on-write) page keys by (space, address) in
//!   a form that never matches the private key of the same word (Linux's `FUT_OFF_MMSHARED`);
//!   a page of a shared file mapping by the file and page index; a page of shared anonymous
//!   memory by its physical frame — interim: such frames are populated at fork and never move
//!   until issue 12 makes that memory a shmem object, keyed like a file.
//! - **Waiters** are [`Waiter`]s on the waiting task's own kernel stack, linked into one of
//!   [`BUCKETS`] hash buckets: nothing allocates on wait or wake. A waiter is linked only while
//!   its task is inside [`wait`], which unlinks it before returning unless a waker did; a
//!   killed task leaves [`wait`] (EINTR) before it dies, so no waiter outlives its task.
//! - **Value checks** read the word inside the bucket lock with page faults disabled; a fault
//!   there drops the lock, faults the page in normally and retries, so the bucket lock is never
//!   held while the address space's lock is taken.
//!
//! PI futexes are left out (Linux without `CONFIG_FUTEX_PI`).

mod key;
mod queue;

use key::{fault_in, key_of, read_locked, space, Use};
use queue::{lock_own_bucket, lock_two, take_waiters, unqueue, Pick, Waiter, TABLE};

use super::signals;
use super::task::State;
use super::timer::{self, Kind, Timer};
use crate::arch::clock::TICK_NS;
use crate::arch::useratomic;
use core::cell::Cell;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The bitset that matches every waiter (`FUTEX_BITSET_MATCH_ANY`).
pub const MATCH_ANY: u32 = !0;

/// Why a futex operation failed (the syscall layer maps each to Linux's errno).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FutexError {
    /// Unaligned address, zero bitset, negative counts (EINVAL).
    Invalid,
    /// The word cannot be accessed as the operation needs (EFAULT).
    Fault,
    /// The word did not hold the expected value (EAGAIN).
    Again,
    /// The timeout passed (ETIMEDOUT).
    TimedOut,
    /// A signal is to be delivered (the syscall layer returns Linux's restart code).
    Interrupted,
    /// An operation or comparison code Linux does not know (ENOSYS).
    NoSys,
    /// The timer queue could not grow for a timed wait (ENOMEM).
    NoMemory,
}

/// When a wait gives up: a monotonic time in nanoseconds (`arch::clock::monotonic_ns`), or
/// never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline(Option<u64>);

impl Deadline {
    /// No timeout.
    pub const NEVER: Deadline = Deadline(None);

    /// When the monotonic clock reaches `ns`.
    pub const fn at_ns(ns: u64) -> Deadline {
        Deadline(Some(ns))
    }

    /// Whether it has passed.
    fn passed(self) -> bool {
        self.0.is_some_and(|t| timer::now() >= t)
    }
}

/// Marks the current task asleep until it is woken, killed or `deadline` comes, arming a wake
/// on the timer queue; the caller then calls `sched::schedule()` and, once running again,
/// [`disarm`]. Called under the waiter's bucket lock, so a wake cannot slip in between the
/// value check and the sleep; the state is set before the timer is armed, so a timer that
/// fires at once finds the task asleep and wakes it. `NoMemory` if the queue cannot grow
/// (the task is then left running).
fn arm_sleep(deadline: Deadline) -> Result<(), FutexError> {
    let task = super::current();
    let until = deadline.0.map_or(u64::MAX, |ns| ns.div_ceil(TICK_NS));
    task.inner.lock().state = State::Sleeping { until };
    if let Some(ns) = deadline.0 {
        if timer::arm(Timer { deadline: ns, pid: task.pid(), kind: Kind::Wake, interval: 0 }).is_err() {
            task.inner.lock().state = State::Runnable;
            return Err(FutexError::NoMemory);
        }
    }
    Ok(())
}

/// Cancels the wake [`arm_sleep`] armed, if it has not fired.
fn disarm(deadline: Deadline) {
    if let Some(ns) = deadline.0 {
        timer::cancel(ns, super::current_pid(), Kind::Wake);
    }
}

/// Waits on the word at `addr` while it holds `val` (FUTEX_WAIT, FUTEX_WAIT_BITSET), until a
/// wake whose bitset meets `bitset`, the deadline (`TimedOut`) or a signal (`Interrupted`).
pub fn wait(addr: u32, shared: bool, val: u32, bitset: u32, deadline: Deadline) -> Result<(), FutexError> {
    if bitset == 0 {
        return Err(FutexError::Invalid);
    }
    let space = space()?;
    let key = key_of(&space, addr, shared, Use::Read)?;
    let index = key.bucket();
    let waiter = Waiter {
        key: Cell::new(key),
        bitset,
        pid: super::current_pid(),
        next: Cell::new(ptr::null()),
        bucket: AtomicUsize::new(index),
        woken: AtomicBool::new(false),
    };
    loop {
        fault_in(&space, addr, Use::Read)?;
        let mut bucket = TABLE[index].lock();
        let Some(value) = read_locked(addr) else { continue };
        if value != val {
            return Err(FutexError::Again);
        }
        if deadline.passed() {
            return Err(FutexError::TimedOut);
        }
        arm_sleep(deadline)?;
        bucket.push(&waiter);
        break;
    }
    drop(space);
    // From here `waiter` is linked until a waker or `unqueue` unlinks it; every way out of
    // the loop below has seen `woken` or unqueued it.
    loop {
        super::sched::schedule();
        disarm(deadline);
        if waiter.woken.load(Ordering::Acquire) {
            return Ok(());
        }
        let timed_out = deadline.passed();
        if timed_out || signals::signal_pending() {
            if !unqueue(&waiter) {
                return Ok(()); // woken meanwhile: Linux reports the wake
            }
            return Err(if timed_out { FutexError::TimedOut } else { FutexError::Interrupted });
        }
        // Woken by something else: sleep again unless a wake came.
        let Some(mut bucket) = lock_own_bucket(&waiter) else { return Ok(()) };
        if let Err(e) = arm_sleep(deadline) {
            let found = bucket.unlink(&waiter);
            assert!(found, "invariant: a waiter not woken is linked in its bucket");
            return Err(e);
        }
    }
}

/// Wakes up to `nr_wake` waiters of the word at `addr` whose bitset meets `bitset` (FUTEX_WAKE,
/// FUTEX_WAKE_BITSET); returns how many. As Linux, at least one is woken when there is one,
/// whatever `nr_wake` (0 or negative included). Also the exit path's wake
/// (`CLONE_CHILD_CLEARTID`: shared, one waiter).
pub fn wake(addr: u32, shared: bool, nr_wake: i32, bitset: u32) -> Result<u32, FutexError> {
    if bitset == 0 {
        return Err(FutexError::Invalid);
    }
    let key = key_of(&*space()?, addr, shared, Use::Read)?;
    let mut bucket = TABLE[key.bucket()].lock();
    Ok(take_waiters(&mut bucket, key, bitset, nr_wake).wake_all())
}

/// The exit path's wake (`CLONE_CHILD_CLEARTID`, robust lists): wakes up to `n` waiters of
/// the word at `addr` under its **shared** key, as Linux's `mm_release` and
/// `handle_futex_death` do (glibc waits on a thread's tid with a shared wait). Call while the
/// exiting task still has its address space.
pub fn futex_wake(addr: u32, n: i32) -> Result<u32, FutexError> {
    wake(addr, true, n, MATCH_ANY)
}

/// FUTEX_REQUEUE / FUTEX_CMP_REQUEUE: if the word at `addr1` holds `cmp` (when given), wakes
/// up to `nr_wake` waiters of `addr1` and moves up to `nr_requeue` more to `addr2`; returns
/// how many were woken or moved.
pub fn requeue(addr1: u32, addr2: u32, shared: bool, nr_wake: i32, nr_requeue: i32, cmp: Option<u32>) -> Result<u32, FutexError> {
    if nr_wake < 0 || nr_requeue < 0 {
        return Err(FutexError::Invalid);
    }
    let space = space()?;
    let key1 = key_of(&space, addr1, shared, Use::Read)?;
    let key2 = key_of(&space, addr2, shared, Use::Read)?;
    let (b1, b2) = (key1.bucket(), key2.bucket());
    loop {
        if cmp.is_some() {
            fault_in(&space, addr1, Use::Read)?;
        }
        let (mut first, mut second) = lock_two(b1, b2);
        if let Some(expected) = cmp {
            let Some(value) = read_locked(addr1) else { continue };
            if value != expected {
                return Err(FutexError::Again);
            }
        }
        // Linux's loop: stop once nr_wake + nr_requeue waiters were seen; the first nr_wake
        // are woken, the others move to key2.
        let same = second.is_none();
        let (limit, mut seen, mut moved) = (nr_wake as i64 + nr_requeue as i64, 0i64, 0u32);
        let chain = first.unlink_where(|w| {
            if seen >= limit {
                return Pick::Stop;
            }
            if w.key.get() != key1 {
                return Pick::Skip;
            }
            seen += 1;
            if seen > nr_wake as i64 && same {
                // One bucket for both keys: the waiter stays in place under its new key.
                w.key.set(key2);
                moved += 1;
                return Pick::Skip;
            }
            Pick::Take
        });
        let (to_wake, to_move) = chain.split(nr_wake as u32);
        if let Some(second) = second.as_deref_mut() {
            moved += to_move.requeue_into(second, b2, key2);
        }
        let woken = to_wake.wake_all();
        return Ok(woken + moved);
    }
}

/// The operation FUTEX_WAKE_OP applies to the second word, decoded from its `val3` as Linux's
/// `futex_atomic_op_inuser`: bits 28..30 op, bit 31 "oparg is a shift", 24..27 comparison,
/// 12..23 oparg and 0..11 cmparg (both sign-extended 12-bit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WakeOp {
    op: u32,
    oparg: i32,
    cmp: u32,
    cmparg: i32,
}

impl WakeOp {
    /// Decodes `encoded` (a shift above 31 is masked, as Linux does after a warning).
    pub fn decode(encoded: u32) -> WakeOp {
        let sext12 = |v: u32| ((v << 20) as i32) >> 20;
        let mut oparg = sext12((encoded >> 12) & 0xfff);
        if encoded & (1 << 31) != 0 {
            oparg = 1i32.wrapping_shl((oparg & 31) as u32);
        }
        WakeOp { op: (encoded >> 28) & 7, oparg, cmp: (encoded >> 24) & 0xf, cmparg: sext12(encoded & 0xfff) }
    }

    /// The new value from the old one; `None` for an unknown op.
    fn apply(self, old: u32) -> Option<u32> {
        let arg = self.oparg as u32;
        Some(match self.op {
            0 => arg,                    // FUTEX_OP_SET
            1 => old.wrapping_add(arg),  // FUTEX_OP_ADD
            2 => old | arg,              // FUTEX_OP_OR
            3 => old & !arg,             // FUTEX_OP_ANDN
            4 => old ^ arg,              // FUTEX_OP_XOR
            _ => return None,
        })
    }

    /// Whether the old value passes the comparison (signed); `None` for an unknown one.
    fn compare(self, old: u32) -> Option<bool> {
        let (old, arg) = (old as i32, self.cmparg);
        Some(match self.cmp {
            0 => old == arg, // FUTEX_OP_CMP_EQ
            1 => old != arg, // NE
            2 => old < arg,  // LT
            3 => old >= arg, // GE
            4 => old <= arg, // LE
            5 => old > arg,  // GT
            _ => return None,
        })
    }
}

/// Applies `op` to the word at `addr` atomically (faults disabled: `Err` if not present
/// writable); returns the old value.
fn atomic_op_locked(addr: u32, op: WakeOp) -> Result<u32, FutexError> {
    useratomic::without_faults(|| {
        let mut old = read_locked(addr).ok_or(FutexError::Fault)?;
        loop {
            let new = op.apply(old).ok_or(FutexError::NoSys)?;
            let found = useratomic::cmpxchg_u32(addr, old, new).map_err(|_| FutexError::Fault)?;
            if found == old {
                return Ok(old);
            }
            old = found;
        }
    })
}

/// FUTEX_WAKE_OP: applies `op` to the word at `addr2`, wakes up to `nr_wake` waiters of
/// `addr1` and, if the old value of `addr2` passes the comparison, up to `nr_wake2` of
/// `addr2`; returns how many were woken.
pub fn wake_op(addr1: u32, addr2: u32, shared: bool, nr_wake: i32, nr_wake2: i32, op: WakeOp) -> Result<u32, FutexError> {
    let space = space()?;
    let key1 = key_of(&space, addr1, shared, Use::Read)?;
    let key2 = key_of(&space, addr2, shared, Use::Write)?;
    if op.apply(0).is_none() {
        return Err(FutexError::NoSys); // Linux's arch op refuses before touching the word
    }
    // The areas first: ring 0 could write a resident PROT_NONE page.
    space.check_access(addr2, 4, true).map_err(|_| FutexError::Fault)?;
    let (b1, b2) = (key1.bucket(), key2.bucket());
    loop {
        let (mut first, mut second) = lock_two(b1, b2);
        let old = match atomic_op_locked(addr2, op) {
            Ok(old) => old,
            Err(FutexError::Fault) => {
                drop(second);
                drop(first);
                fault_in(&space, addr2, Use::Write)?;
                continue;
            }
            Err(e) => return Err(e),
        };
        let pass = op.compare(old).ok_or(FutexError::NoSys)?;
        let mut woken = take_waiters(&mut first, key1, MATCH_ANY, nr_wake).wake_all();
        if pass {
            let bucket2 = match second.as_deref_mut() {
                Some(b) => b,
                None => &mut *first,
            };
            woken += take_waiters(bucket2, key2, MATCH_ANY, nr_wake2).wake_all();
        }
        return Ok(woken);
    }
}
