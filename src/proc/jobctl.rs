//! Job control: a stop signal stops every thread of the process, SIGCONT continues them all
//! (Linux's group stop: `do_signal_stop`, `task_participate_group_stop`, `prepare_signal`'s
//! SIGCONT).
//!
//! The thread that takes a stop signal with the default action starts a **group stop**: the
//! process's `stop_sig` is set, every live thread gets `stop_pending` (which makes it look at
//! its signals on its way to user mode, and ends an interruptible sleep) and `stop_count`
//! counts them. Each thread stops at its next signal check; the last one marks the process
//! stopped, leaves `(sig << 8) | 0x7f` for `wait4(WUNTRACED)` and tells the parent
//! (`CLD_STOPPED`, unless `SA_NOCLDSTOP`). SIGCONT ends the stop (one under way too), wakes
//! every stopped thread, leaves `0xffff` for `wait4(WCONTINUED)` and tells the parent
//! (`CLD_CONTINUED`) if the process had stopped. SIGKILL wakes a stopped thread, which leaves.

use super::group::ThreadGroup;
use super::sched::{self, Scheduler};
use super::signals::{fatal_pending_locked, next_thread, notify_parent, recalc};
use super::task::{State, Task};
use alloc::sync::Arc;
use vmcore::signal::{CLD_CONTINUED, CLD_STOPPED, SIGCONT};

/// Whether process `t` is stopped (every thread, by a stop signal).
pub fn group_stopped(t: &Task) -> bool {
    t.group.sig.lock().stopped
}

/// The default action of stop signal `sig`, taken by thread `task`: starts a group stop unless
/// one is under way (or the process is exiting), then this thread stops.
pub(super) fn do_signal_stop(task: &Arc<Task>, sig: u32) {
    let group = &task.group;
    sched::with(|s| {
        {
            let mut psig = group.sig.lock();
            if psig.stop_sig != 0 || group.exit_status().is_some() {
                return;
            }
            psig.stop_sig = sig;
            psig.stop_count = 0;
            psig.stopped = false;
        }
        let mut count = 0;
        let mut at = group.tgid;
        while let Some(t) = next_thread(s, group, at) {
            at = t.pid() + 1;
            let wake = {
                let mut inner = t.inner.lock();
                if inner.state == State::Zombie {
                    continue;
                }
                inner.sig.stop_pending = true;
                count += 1;
                recalc(&mut inner, group);
                matches!(inner.state, State::Sleeping { .. } | State::Waiting)
            };
            if wake && t.pid() != task.pid() {
                s.make_runnable(t.pid());
            }
        }
        group.sig.lock().stop_count = count;
    });
    participate(task);
}

/// Thread `task` (the current one, with `stop_pending`) takes its part in the group stop and
/// stays stopped until SIGCONT or SIGKILL.
pub(super) fn participate(task: &Arc<Task>) {
    let group = &task.group;
    sched::with(|s| {
        {
            let mut inner = task.inner.lock();
            if !core::mem::take(&mut inner.sig.stop_pending) {
                return;
            }
            recalc(&mut inner, group);
        }
        one_stopped(s, task);
    });
    loop {
        let stay = sched::with(|_| {
            let mut inner = task.inner.lock();
            let stopping = group.sig.lock().stop_sig != 0;
            let stay = stopping && !fatal_pending_locked(&inner, group);
            if stay {
                inner.state = State::Stopped;
            }
            stay
        });
        if !stay {
            break;
        }
        sched::schedule();
    }
}

/// One more thread of `task`'s process stopped (or left while it was to stop): the last
/// completes the group stop and tells the parent.
fn one_stopped(s: &mut Scheduler, task: &Task) {
    let group = &task.group;
    let done = {
        let mut psig = group.sig.lock();
        if psig.stop_sig == 0 {
            return;
        }
        psig.stop_count = psig.stop_count.saturating_sub(1);
        if psig.stop_count > 0 || psig.stopped {
            return;
        }
        psig.stopped = true;
        psig.report = Some((psig.stop_sig << 8) | 0x7f);
        psig.stop_sig
    };
    let parent = task.inner.lock().parent;
    notify_parent(s, group.tgid, parent, CLD_STOPPED, done);
}

/// SIGCONT was sent to `group`'s process: a group stop under way or done ends, every stopped
/// thread is woken; a process that had stopped reports `0xffff` and its parent is told.
pub(super) fn continue_group(s: &mut Scheduler, group: &ThreadGroup) {
    let was_stopped = {
        let mut psig = group.sig.lock();
        if psig.stop_sig == 0 && !psig.stopped {
            return;
        }
        let was = psig.stopped;
        psig.stop_sig = 0;
        psig.stop_count = 0;
        psig.stopped = false;
        if was {
            psig.report = Some(0xffff);
        }
        was
    };
    let mut parent = None;
    let mut at = group.tgid;
    while let Some(t) = next_thread(s, group, at) {
        at = t.pid() + 1;
        let wake = {
            let mut inner = t.inner.lock();
            parent = Some(inner.parent);
            inner.sig.stop_pending = false;
            recalc(&mut inner, group);
            inner.state == State::Stopped
        };
        if wake {
            s.make_runnable(t.pid());
        }
    }
    if let (true, Some(parent)) = (was_stopped, parent) {
        notify_parent(s, group.tgid, parent, CLD_CONTINUED, SIGCONT);
    }
}

/// Thread `task` is exiting, scheduler locked: if it was to stop, it counts as stopped (Linux's
/// `exit_signals`), unless the whole process is going.
pub(super) fn on_thread_exit(s: &mut Scheduler, task: &Task) {
    let pending = core::mem::take(&mut task.inner.lock().sig.stop_pending);
    if pending && task.group.exit_status().is_none() && task.group.live() > 1 {
        one_stopped(s, task);
    }
}

/// A new thread of `parent`'s process joins a group stop under way that `parent` is still to
/// take part in (Linux's `task_join_group_stop`), scheduler locked, before it first runs.
pub(super) fn join_group_stop(parent: &Task, child: &Task) {
    if !parent.inner.lock().sig.stop_pending {
        return;
    }
    let group = &child.group;
    {
        let mut psig = group.sig.lock();
        if psig.stop_sig == 0 {
            return;
        }
        psig.stop_count += 1;
    }
    let mut inner = child.inner.lock();
    inner.sig.stop_pending = true;
    recalc(&mut inner, group);
}
