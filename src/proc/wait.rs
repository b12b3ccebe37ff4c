//! Wait queues: where a task sleeps until a condition on some object (a pipe, the terminal, a
//! poll set) becomes true, and what the code making it true wakes (Linux's `wait_queue_head` and
//! `wait_event_interruptible_timeout`).
//!
//! A queue is a list of sleeping pids under an interrupt-safe lock. Joining it may allocate
//! (fallibly: `ENOMEM` to the sleeper); waking never does, so an interrupt handler may wake.
//! A wake-up only makes the sleepers runnable; each re-checks its own condition, so spurious
//! wake-ups are harmless (a signal, a timer, or another queue of the same `poll` may also wake
//! it). Deviation from docs/files.md's intrusive list: no `unsafe` here, at the price of a
//! fallible push on the sleeping side.
//!
//! The order that loses no wake-up, on one CPU or several: join the queue and mark the task
//! sleeping, **then** test the condition, then switch away. A waker changes the state the
//! condition reads first and wakes the queue after; if it runs between the test and the switch,
//! the task is runnable again and the switch returns at once.
#![expect(dead_code, reason = "pipes and the terminal sleep here (issue 11 slices)")]

use super::task::{Pid, State};
use crate::arch::cpu::IrqGuard;
use crate::sync::IrqMutex;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::errno::Errno;

/// A set of tasks sleeping on one object.
pub struct WaitQueue {
    sleepers: IrqMutex<Vec<Pid>>,
}

impl Default for WaitQueue {
    fn default() -> Self {
        Self::new()
    }
}

/// Why [`WaitQueue::wait`] returned without its condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupted {
    /// A signal is pending: the system call ends with `ERESTARTSYS` (restarted under
    /// `SA_RESTART`, `EINTR` otherwise) or returns what it did so far.
    Signal,
    /// The deadline passed.
    Timeout,
}

impl WaitQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        Self { sleepers: IrqMutex::new(Vec::new()) }
    }

    /// An empty queue behind an `Arc` (for objects whose queues a `poll` set holds), allocated
    /// fallibly.
    pub fn new_shared() -> Result<Arc<WaitQueue>, Errno> {
        crate::mm::inject::fallible(|| Arc::try_new(WaitQueue::new())).map_err(|_| Errno::ENOMEM)
    }

    /// Adds `pid` (once); `ENOMEM` if the list cannot grow.
    pub fn join(&self, pid: Pid) -> Result<(), Errno> {
        let mut s = self.sleepers.lock();
        if s.contains(&pid) {
            return Ok(());
        }
        crate::mm::inject::fallible(|| s.try_reserve(1)).map_err(|_| Errno::ENOMEM)?;
        s.push(pid);
        Ok(())
    }

    /// Removes `pid` if present; gives the list's memory back when it empties.
    pub fn leave(&self, pid: Pid) {
        let mut s = self.sleepers.lock();
        if let Some(i) = s.iter().position(|&p| p == pid) {
            s.swap_remove(i);
        }
        if s.is_empty() && s.capacity() > 0 {
            *s = Vec::new();
        }
    }

    /// Wakes every sleeper (they stay listed until they leave). Never allocates; callable
    /// from an interrupt handler.
    pub fn wake_all(&self) {
        let s = self.sleepers.lock();
        if s.is_empty() {
            return;
        }
        super::sched::with(|sched| {
            for &pid in s.iter() {
                sched.wake_sleeper(pid);
            }
        });
    }

    /// Whether anyone sleeps here.
    pub fn has_sleepers(&self) -> bool {
        !self.sleepers.lock().is_empty()
    }

    /// Sleeps the current task until `cond` returns `Some` (its value is returned), a signal is
    /// pending, or the monotonic clock reaches `deadline` (`u64::MAX`: never). `cond` runs with
    /// interrupts off on its second test, so it may take spin locks but must not sleep.
    pub fn wait<T>(&self, deadline: u64, mut cond: impl FnMut() -> Option<T>) -> Result<Result<T, Interrupted>, Errno> {
        let pid = super::current_pid();
        loop {
            if let Some(v) = cond() {
                return Ok(Ok(v));
            }
            if super::signals::signal_pending() {
                return Ok(Err(Interrupted::Signal));
            }
            if deadline != u64::MAX && super::timer::now() >= deadline {
                return Ok(Err(Interrupted::Timeout));
            }
            self.join(pid)?;
            let got = sleep_unless(deadline, &mut cond);
            self.leave(pid);
            match got {
                Ok(Some(v)) => return Ok(Ok(v)),
                Ok(None) => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Marks the current task sleeping, tests `cond` once more, and switches away unless it holds
/// (or a wake-up came meanwhile). The task must already be on every queue whose wake-up
/// should end the sleep. Returns `cond`'s value if the second test succeeded.
pub fn sleep_unless<T>(deadline: u64, cond: &mut impl FnMut() -> Option<T>) -> Result<Option<T>, Errno> {
    let pid = super::current_pid();
    let armed = deadline != u64::MAX;
    {
        // Interrupts off from arming to switching away: a timer wake-up cannot come before the
        // task is asleep.
        let _irq = IrqGuard::new();
        if armed {
            super::timer::arm(super::timer::Timer {
                deadline,
                pid,
                kind: super::timer::Kind::Wake,
                interval: 0,
            })?;
        }
        let until = if armed { deadline.div_ceil(crate::arch::clock::TICK_NS) } else { u64::MAX };
        super::sched::set_current_state(State::Sleeping { until });
        if let Some(v) = cond() {
            super::sched::set_current_state(State::Runnable);
            if armed {
                super::timer::cancel(deadline, pid, super::timer::Kind::Wake);
            }
            return Ok(Some(v));
        }
        super::sched::schedule();
    }
    if armed {
        // Woken early: the timer may still be queued.
        super::timer::cancel(deadline, pid, super::timer::Kind::Wake);
    }
    Ok(None)
}
