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

use super::signals;
use super::task::{Pid, State};
use super::timer::{self, Kind, Timer};
use crate::arch::clock::TICK_NS;
use crate::arch::{useratomic, usercopy};
use crate::mm::aspace::{AddressSpace, SpaceId};
use alloc::sync::Arc;
use core::cell::Cell;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use vmcore::addr::{VirtAddr, PAGE_SIZE};
use vmcore::vma::{Backing, VmFlags};

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

/// The identity of a futex word; like Linux's `union futex_key`, it holds no reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FutexKey {
    /// `FUTEX_PRIVATE_FLAG`: this address space and the address.
    Private {
        /// The space.
        space: SpaceId,
        /// The word's address.
        addr: u32,
    },
    /// A shared operation on a private page (Linux's `FUT_OFF_MMSHARED` form): never equal to
    /// the [`FutexKey::Private`] key of the same word, as in Linux.
    SharedPrivatePage {
        /// The space.
        space: SpaceId,
        /// The word's address.
        addr: u32,
    },
    /// A page of a mapped file: the file, the page's index in it and the word's offset.
    Object {
        /// The file's device.
        dev: (u32, u32),
        /// The file's inode number.
        ino: u64,
        /// Page index in the file.
        index: u64,
        /// Offset of the word in the page.
        offset: u16,
    },
    /// Interim (until shared anonymous memory is a shmem object, issue 12): a shared anonymous
    /// page, by its frame number and the word's offset.
    Frame {
        /// The frame number.
        frame: u32,
        /// Offset of the word in the page.
        offset: u16,
    },
}

impl FutexKey {
    /// The bucket this key hashes to.
    fn bucket(&self) -> usize {
        let (a, b, c): (u64, u64, u64) = match *self {
            FutexKey::Private { space, addr } => (space, addr as u64, 1),
            FutexKey::SharedPrivatePage { space, addr } => (space, addr as u64, 2),
            FutexKey::Object { dev, ino, index, offset } => {
                (ino ^ ((dev.0 as u64) << 32 | dev.1 as u64), index << 12 | offset as u64, 3)
            }
            FutexKey::Frame { frame, offset } => (frame as u64, offset as u64, 4),
        };
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for w in [a, b, c] {
            h = (h ^ w).wrapping_mul(0x0000_0100_0000_01b3);
            h ^= h >> 29;
        }
        (h as usize) % BUCKETS
    }
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

/// A sleeping task's entry in a bucket, on that task's kernel stack. Every field another task
/// touches is a `Cell` or an atomic read or written only under the bucket lock (the atomics
/// also by the owner, without it, to learn whether it is still linked).
struct Waiter {
    key: Cell<FutexKey>,
    bitset: u32,
    pid: Pid,
    next: Cell<*const Waiter>,
    /// The bucket it is linked into (requeue moves it).
    bucket: AtomicUsize,
    /// Set by the waker that unlinked it, as the waker's last touch of it.
    woken: AtomicBool,
}

/// Buckets in the hash of waiters.
pub const BUCKETS: usize = 256;

/// One bucket: a singly linked list of waiters, in the order they came (FIFO, as Linux's
/// plist with equal priorities).
struct Bucket {
    head: *const Waiter,
}

// SAFETY: the raw pointers designate waiters that stay alive while linked (module doc); they
// are followed only under the bucket's lock.
unsafe impl Send for Bucket {}

static TABLE: [spin::Mutex<Bucket>; BUCKETS] = [const { spin::Mutex::new(Bucket { head: ptr::null() }) }; BUCKETS];

/// What [`Bucket::unlink_where`] does with one waiter.
enum Pick {
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
struct Chain {
    head: *const Waiter,
}

impl Bucket {
    /// Appends `w` (not linked anywhere).
    fn push(&mut self, w: *const Waiter) {
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
    fn unlink(&mut self, w: *const Waiter) -> bool {
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
    fn unlink_where(&mut self, mut pick: impl FnMut(&Waiter) -> Pick) -> Chain {
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
    fn wake_all(self) -> u32 {
        let mut n = 0;
        let mut cur = self.head;
        // SAFETY: unlinked waiters stay alive until `woken` is set: their owners wait for it or
        // for the bucket lock, which the caller holds.
        while let Some(w) = unsafe { cur.as_ref() } {
            cur = w.next.get();
            let pid = w.pid;
            w.woken.store(true, Ordering::Release);
            // `w` may be gone from here on.
            super::sched::with(|s| s.make_runnable(pid));
            n += 1;
        }
        n
    }

    /// The chain's first `n` waiters and the rest.
    fn split(self, n: u32) -> (Chain, Chain) {
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
    fn requeue_into(self, to: &mut Bucket, index: usize, key: FutexKey) -> u32 {
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
fn lock_two(a: usize, b: usize) -> (spin::MutexGuard<'static, Bucket>, Option<spin::MutexGuard<'static, Bucket>>) {
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

/// How a shared key's page must be accessible.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    Read,
    Write,
}

/// What the look-up of a shared key found.
enum Lookup {
    Key(FutexKey),
    /// A shared anonymous page not present yet: fault it in and look again.
    NotPresent,
    Fault,
}

/// The running task's address space.
fn space() -> Result<Arc<AddressSpace>, FutexError> {
    super::current_aspace().ok_or(FutexError::Fault)
}

/// The key of the word at `addr` (Linux's `get_futex_key`): EINVAL unaligned, EFAULT outside
/// user space; a shared key also needs the word's area to allow `usage` (a shared anonymous
/// page is faulted in for its frame).
fn key_of(space: &AddressSpace, addr: u32, shared: bool, usage: Use) -> Result<FutexKey, FutexError> {
    if !addr.is_multiple_of(4) {
        return Err(FutexError::Invalid);
    }
    if !usercopy::range_ok(addr, 4) {
        return Err(FutexError::Fault);
    }
    if !shared {
        return Ok(FutexKey::Private { space: space.id(), addr });
    }
    let id = space.id();
    // A page faulted in stays until this task unmaps it: the second look finds it.
    for _ in 0..4 {
        match space.edit(|s, tables, _| (lookup(s, &*tables, id, addr, usage), None)) {
            Lookup::Key(k) => return Ok(k),
            Lookup::Fault => return Err(FutexError::Fault),
            Lookup::NotPresent => fault_in(space, addr, usage)?,
        }
    }
    Err(FutexError::Fault)
}

/// The shared key of `addr` from its area and page tables (under the space's lock).
fn lookup(s: &vmcore::mspace::MSpace, tables: &dyn vmcore::paging::TableAccess, space: SpaceId, addr: u32, usage: Use) -> Lookup {
    let at = VirtAddr::new(addr);
    let Some(vma) = s.search(at) else { return Lookup::Fault };
    let writable = vma.flags.contains(VmFlags::WRITE);
    if !vma.flags.is_accessible() || (usage == Use::Write && !writable) {
        return Lookup::Fault;
    }
    let offset = (addr % PAGE_SIZE) as u16;
    let file_key = |vma: &vmcore::vma::Vma, file: &Arc<dyn vmcore::vma::FileObject>| match vma.file_position(at) {
        Some(pos) if !pos.past_eof => Lookup::Key(FutexKey::Object {
            dev: file.dev(),
            ino: file.ino(),
            index: pos.offset / PAGE_SIZE as u64,
            offset,
        }),
        _ => Lookup::Fault,
    };
    match (&vma.backing, vma.flags.is_shared()) {
        (Backing::Anonymous, true) => match vmcore::paging::translate(tables, at) {
            Some((phys, _)) => Lookup::Key(FutexKey::Frame { frame: phys.as_u32() / PAGE_SIZE, offset }),
            None => Lookup::NotPresent,
        },
        (Backing::File { file, .. }, true) => file_key(vma, file),
        // Linux faults a writable private page in for writing: an anonymous page, keyed by
        // space and address.
        (Backing::Anonymous | Backing::File { .. }, false) if writable => {
            Lookup::Key(FutexKey::SharedPrivatePage { space, addr })
        }
        // Read-only private: the file's page-cache page; anonymous memory there is the zero
        // page or a read-only copy, which Linux refuses (EFAULT).
        (Backing::File { file, .. }, false) => file_key(vma, file),
        (Backing::Anonymous, false) | (Backing::Physical { .. }, _) => Lookup::Fault,
    }
}

/// Makes the word at `addr` present for `usage` with faults enabled and no bucket lock held
/// (Linux's `get_user` / `fault_in_user_writeable`); EFAULT if the area refuses.
fn fault_in(space: &AddressSpace, addr: u32, usage: Use) -> Result<(), FutexError> {
    let write = usage == Use::Write;
    // The areas first: ring 0 could read a resident PROT_NONE page.
    space.check_access(addr, 4, write).map_err(|_| FutexError::Fault)?;
    if write {
        useratomic::fault_in_writeable(addr).map_err(|_| FutexError::Fault)
    } else {
        let mut word = [0u8; 4];
        usercopy::copy_from_user(&mut word, addr).map_err(|_| FutexError::Fault)
    }
}

/// Reads the word at `addr` with faults disabled (under a bucket lock); `None` if it is not
/// present, and the caller faults it in unlocked and retries.
fn read_locked(addr: u32) -> Option<u32> {
    let mut word = [0u8; 4];
    useratomic::without_faults(|| usercopy::copy_from_user(&mut word, addr)).ok()?;
    Some(u32::from_ne_bytes(word))
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

/// Locks the bucket `w` is linked into (requeue may move it while it is not locked); `None`
/// once a waker has unlinked it.
fn lock_own_bucket(w: &Waiter) -> Option<spin::MutexGuard<'static, Bucket>> {
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
fn unqueue(w: &Waiter) -> bool {
    match lock_own_bucket(w) {
        Some(mut bucket) => {
            let found = bucket.unlink(w);
            assert!(found, "invariant: a waiter not woken is linked in its bucket");
            true
        }
        None => false,
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

/// Unlinks up to `nr` (at least one) waiters on `key` whose bitset meets `bitset`.
fn take_waiters(bucket: &mut Bucket, key: FutexKey, bitset: u32, nr: i32) -> Chain {
    let mut count = 0i64;
    bucket.unlink_where(|w| {
        if w.key.get() != key || w.bitset & bitset == 0 {
            return Pick::Skip;
        }
        count += 1;
        if count >= nr as i64 { Pick::TakeLast } else { Pick::Take }
    })
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
