//! The timer queue: every pending wake-up (a sleeping task) and real-time timer (`alarm`,
//! `ITIMER_REAL`) ordered by its monotonic deadline, so the timer interrupt looks only at the
//! ones that are due — never at every task.
//!
//! The queue is a vector sorted by decreasing deadline: the next one due is the last element,
//! so the interrupt pops it without moving anything, and re-arming an interval timer puts it
//! back into the slot it just left. **The interrupt never allocates or frees**: room is
//! reserved (fallibly) when a timer is armed, in process context, and given back there too —
//! whenever the queue is touched in process context its capacity is brought back to
//! [`room`] of its length, a function of the length alone, so the kernel heap returns to the
//! byte once the timers are gone (the leak checks compare it).
//!
//! A key is `(deadline, pid, kind)`: a task has at most one timer of each kind, so keys are
//! unique and a timer is found (cancelled) by binary search. Deadlines are monotonic
//! nanoseconds ([`crate::arch::clock::monotonic_ns`]); a timer fires at the first tick whose
//! time has reached its deadline, so it never fires early and at most one tick late.
//!
//! Lock order: the scheduler's lock, then this queue's (the interrupt takes both; process
//! context takes this one alone).

use super::sched::Scheduler;
use super::task::{Pid, State, Task};
use crate::arch::clock::{self, TICK_NS};
use crate::arch::cpu::IrqGuard;
use crate::sync::IrqMutex;
use core::sync::atomic::Ordering;
use alloc::vec::Vec;
use vmcore::errno::Errno;

/// What a timer does when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Wakes a sleeping task (nanosleep, clock_nanosleep, timed waits).
    Wake,
    /// Sends SIGALRM (`alarm`, `ITIMER_REAL`), then re-arms itself if it has an interval.
    Real,
}

/// One pending timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timer {
    /// Monotonic nanoseconds at which it fires.
    pub deadline: u64,
    /// The task it belongs to.
    pub pid: Pid,
    /// What it does.
    pub kind: Kind,
    /// `Real`: the period to re-arm with (0: one-shot).
    pub interval: u64,
}

impl Timer {
    fn key(&self) -> (u64, Pid, Kind) {
        (self.deadline, self.pid, self.kind)
    }
}

struct Queue {
    /// Sorted by decreasing key: the earliest deadline is last.
    timers: Vec<Timer>,
}

static QUEUE: IrqMutex<Queue> = IrqMutex::new(Queue { timers: Vec::new() });

/// The capacity kept for `len` timers: a function of the length alone.
fn room(len: usize) -> usize {
    if len == 0 { 0 } else { len.next_power_of_two().max(8) }
}

impl Queue {
    fn position(&self, key: (u64, Pid, Kind)) -> Result<usize, usize> {
        self.timers.binary_search_by(|t| key.cmp(&t.key()))
    }

    /// Inserts into capacity already there (never allocates).
    fn insert_reserved(&mut self, timer: Timer) {
        debug_assert!(self.timers.len() < self.timers.capacity());
        let at = self.position(timer.key()).unwrap_or_else(|at| at);
        self.timers.insert(at, timer);
    }

    /// Brings the capacity to `room(len)` (process context only). Shrinking allocates the
    /// smaller block first and keeps the larger one if that fails: never a panic.
    fn tidy(&mut self) {
        let want = room(self.timers.len());
        if self.timers.capacity() <= want {
            return;
        }
        let mut smaller = Vec::new();
        if smaller.try_reserve_exact(want).is_ok() {
            smaller.extend_from_slice(&self.timers);
            core::mem::swap(&mut smaller, &mut self.timers);
        }
    }
}

/// Arms `timer` (process context). Fails only when the queue cannot grow (`ENOMEM`).
pub fn arm(timer: Timer) -> Result<(), Errno> {
    with_locked(|q| q.insert(timer))
}

/// Cancels the timer of `pid` and `kind` due at `deadline`, if it is still pending; returns it.
pub fn cancel(deadline: u64, pid: Pid, kind: Kind) -> Option<Timer> {
    let mut q = QUEUE.lock();
    let found = q.position((deadline, pid, kind)).ok().map(|at| q.timers.remove(at));
    q.tidy();
    found
}

/// Runs `op` on the locked queue (process context): the interrupt can neither fire nor move
/// a timer meanwhile. The capacity is tidied afterwards.
pub fn with_locked<R>(op: impl FnOnce(&mut Editor<'_>) -> R) -> R {
    let mut q = QUEUE.lock();
    let r = op(&mut Editor { q: &mut q });
    q.tidy();
    r
}

/// The queue, locked: find, remove and insert timers as one step.
pub struct Editor<'a> {
    q: &'a mut Queue,
}

impl Editor<'_> {
    /// The timer with this key, if pending.
    pub fn find(&self, deadline: u64, pid: Pid, kind: Kind) -> Option<Timer> {
        self.q.position((deadline, pid, kind)).ok().map(|at| self.q.timers[at])
    }
    /// Makes room for one more timer (fails with `ENOMEM` if the queue cannot grow).
    pub fn reserve_one(&mut self) -> Result<(), Errno> {
        let len = self.q.timers.len();
        if len == self.q.timers.capacity() {
            // Fallible, but not a failure-injection point: on Linux a sleep or an alarm cannot
            // fail for memory (the hrtimer lives in the task or on its stack), and programs
            // (vmtest's watchdog among them) rely on that. The room only grows to the next
            // power of two of the timers pending, so a real failure needs an exhausted heap.
            let extra = room(len + 1) - len;
            self.q.timers.try_reserve_exact(extra).map_err(|_| Errno::ENOMEM)?;
        }
        Ok(())
    }
    /// Removes and returns the timer with this key.
    pub fn take(&mut self, deadline: u64, pid: Pid, kind: Kind) -> Option<Timer> {
        self.q.position((deadline, pid, kind)).ok().map(|at| self.q.timers.remove(at))
    }
    /// Inserts a timer (fails with `ENOMEM` if the queue cannot grow).
    pub fn insert(&mut self, timer: Timer) -> Result<(), Errno> {
        self.reserve_one()?;
        self.q.insert_reserved(timer);
        Ok(())
    }
}

/// Most timers that may fail to fire in one tick and be retried at the next.
const RETRY_MAX: usize = 8;

/// Fires every timer due at `now` (the timer interrupt; the caller holds the scheduler).
/// `fire(timer, next)` gets the deadline the timer is re-armed for (`Some` for a `Real` timer
/// with an interval: its next period after `now`, skipping periods missed meanwhile as Linux's
/// `hrtimer_forward` does) and returns false when the timer's task cannot be handled right now
/// (its lock is held by the code the interrupt interrupted): that timer is kept and retried at
/// the next tick. A re-armed timer goes back into the slot it left: nothing allocates.
pub fn expire(now: u64, mut fire: impl FnMut(&Timer, Option<u64>) -> bool) {
    let mut q = QUEUE.lock();
    let mut retry: [Option<Timer>; RETRY_MAX] = [None; RETRY_MAX];
    let mut retries = 0;
    while retries < RETRY_MAX {
        let Some(&t) = q.timers.last() else { break };
        if t.deadline > now {
            break;
        }
        q.timers.pop();
        let next = (t.kind == Kind::Real && t.interval > 0).then(|| {
            let periods = (now - t.deadline) / t.interval + 1;
            t.deadline.saturating_add(periods.saturating_mul(t.interval))
        });
        if !fire(&t, next) {
            retry[retries] = Some(t);
            retries += 1;
            continue;
        }
        if let Some(deadline) = next {
            q.insert_reserved(Timer { deadline, ..t });
        }
    }
    for t in retry.into_iter().flatten() {
        q.insert_reserved(t);
    }
}

/// Carries out a due timer (the timer interrupt, from [`expire`]); `next`: the deadline a
/// periodic timer was re-armed for.
pub(super) fn fire(s: &mut Scheduler, t: &Timer, next: Option<u64>) -> bool {
    match t.kind {
        Kind::Wake => s.try_wake(t.pid),
        Kind::Real => {
            // Keyed by the tgid: the timer is the process's, the signal process-directed.
            let Some(task) = s.tasks.get(&t.pid).cloned() else { return true };
            if !super::signals::send_from_interrupt(s, t.pid, super::signals::SIGALRM) {
                return false;
            }
            task.group.usage.real_deadline.store(next.unwrap_or(0), Ordering::Relaxed);
            true
        }
    }
}

/// Why a sleep ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Woke {
    /// The deadline passed.
    Deadline,
    /// A signal is pending (the deadline has not passed).
    Signal,
}

/// Sleeps the current task until the monotonic clock reaches `deadline` (`u64::MAX`: no
/// timer, only a signal ends it) or a signal is pending. A deadline that has passed wins over
/// a pending signal, as in Linux's `do_nanosleep`. `ENOMEM` if the queue cannot grow.
pub fn sleep_until(deadline: u64) -> Result<Woke, Errno> {
    let pid = super::current_pid();
    loop {
        if now() >= deadline {
            return Ok(Woke::Deadline);
        }
        if super::signals::signal_pending() {
            return Ok(Woke::Signal);
        }
        block_until(pid, deadline)?;
    }
}

/// One sleep of the current task (`pid`): until the monotonic `deadline` (`u64::MAX`: no
/// timer) or until anything wakes it (a signal it takes or waits for). The caller decides
/// whether to sleep again. `ENOMEM` if the queue cannot grow.
pub fn block_until(pid: Pid, deadline: u64) -> Result<(), Errno> {
    let armed = deadline != u64::MAX;
    {
        // Interrupts stay off from arming to switching away, so the wake-up cannot come
        // before the task is asleep.
        let _irq = IrqGuard::new();
        if armed {
            arm(Timer { deadline, pid, kind: Kind::Wake, interval: 0 })?;
        }
        let until = if armed { deadline.div_ceil(TICK_NS) } else { u64::MAX };
        super::sched::block(State::Sleeping { until });
    }
    if armed {
        // Woken early: the timer is still queued.
        cancel(deadline, pid, Kind::Wake);
    }
    Ok(())
}

/// The real-time timer of `task`'s process: (time left, interval) in nanoseconds; (0, _) when off.
pub fn real_timer(task: &Task) -> (u64, u64) {
    with_locked(|q| {
        let deadline = task.group.usage.real_deadline.load(Ordering::Relaxed);
        match q.find(deadline, task.tgid(), Kind::Real) {
            // Due but not fired yet: Linux reports 1 µs left rather than none.
            Some(t) => (t.deadline.saturating_sub(now()).max(1000), t.interval),
            None => (0, 0),
        }
    })
}

/// Sets the real-time timer of `task`'s process to fire `value` ns from now and then every `interval` ns
/// (`value` 0: off); returns the previous (time left, interval). `ENOMEM` if the queue
/// cannot grow (the old timer then stays as it was).
pub fn set_real_timer(task: &Task, value: u64, interval: u64) -> Result<(u64, u64), Errno> {
    with_locked(|q| {
        let deadline = task.group.usage.real_deadline.load(Ordering::Relaxed);
        let now = now();
        let old = q.find(deadline, task.tgid(), Kind::Real).map(|t| (t.deadline.saturating_sub(now).max(1000), t.interval));
        if value > 0 {
            q.reserve_one()?;
        }
        q.take(deadline, task.tgid(), Kind::Real);
        task.group.usage.real_deadline.store(0, Ordering::Relaxed);
        if value > 0 {
            let deadline = now.saturating_add(value);
            q.insert(Timer { deadline, pid: task.tgid(), kind: Kind::Real, interval })?;
            task.group.usage.real_deadline.store(deadline, Ordering::Relaxed);
        }
        Ok(old.unwrap_or((0, 0)))
    })
}

/// `task`'s process is ending (its last thread exits): its real-time timer goes.
pub fn exit(task: &Task) {
    with_locked(|q| {
        q.take(task.group.usage.real_deadline.load(Ordering::Relaxed), task.tgid(), Kind::Real);
        task.group.usage.real_deadline.store(0, Ordering::Relaxed);
    });
}

/// The monotonic time now.
pub fn now() -> u64 {
    clock::monotonic_ns()
}

/// Timers pending (the kernel tests).
#[cfg(feature = "ktest")]
pub fn pending() -> usize {
    QUEUE.lock().timers.len()
}
