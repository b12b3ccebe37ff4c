//! The parent's share of a child's life: SIGCHLD with `CLD_*` codes (Linux's
//! `do_notify_parent`, `do_notify_parent_cldstop`), and the release of a child nobody will
//! wait for (the parent ignores SIGCHLD or set `SA_NOCLDWAIT`).

use super::sched::{self, Scheduler};
use super::signals::send_locked;
use super::sigstate::*;
use super::task::Pid;
use super::WaitStatus;
use core::sync::atomic::{AtomicU32, Ordering};
use vmcore::signal::*;

/// Tells `parent` that child `child` exited, was killed, stopped or continued (Linux's
/// `do_notify_parent`/`do_notify_parent_cldstop`): SIGCHLD unless ignored or, for
/// stop/continue, `SA_NOCLDSTOP`; a parent sleeping in `wait4` is woken. Returns whether the
/// exited child must be reaped at once (the parent ignores SIGCHLD or set `SA_NOCLDWAIT`).
pub fn notify_parent(s: &mut Scheduler, child: Pid, parent: Pid, code: i32, status: u32) -> bool {
    let Some(ptask) = s.tasks.get(&parent).cloned() else { return false };
    let act = ptask.inner.lock().sighand.get(SIGCHLD);
    let mut autoreap = false;
    let send;
    if code == CLD_STOPPED || code == CLD_CONTINUED {
        send = act.flags & SA_NOCLDSTOP == 0;
    } else {
        autoreap = parent != 0 && (act.handler == SIG_IGN || act.flags & SA_NOCLDWAIT != 0);
        send = act.handler != SIG_IGN;
    }
    if send {
        let info = SigInfo { signo: SIGCHLD, code, fields: [child, 0, status] };
        // A standard signal is never refused.
        let _ = send_locked(s, &ptask, info, false, true);
    }
    super::wake_waiters(s, parent);
    autoreap
}

/// The `si_code` and `si_status` of SIGCHLD for a child that ended with `status`.
pub fn chld_code(status: WaitStatus) -> (i32, u32) {
    match status {
        WaitStatus::Exited(c) => (CLD_EXITED, c as u32),
        WaitStatus::Signaled(s) => (CLD_KILLED, s),
        WaitStatus::Dumped(s) => (CLD_DUMPED, s),
    }
}

/// A child that ended while its parent ignored SIGCHLD: nobody will `wait4` for it, so the
/// next `schedule` (on another stack) removes it from the table and frees it (Linux's
/// `release_task` for an autoreaped task). 0: none.
static AUTOREAPED: AtomicU32 = AtomicU32::new(0);

/// Marks the current (exiting) task for [`release_autoreaped`].
pub fn set_autoreaped(pid: Pid) {
    AUTOREAPED.store(pid, Ordering::Relaxed);
}

/// Frees an autoreaped task once it no longer runs (called at the start of `schedule` and
/// before an exit marks another).
pub fn release_autoreaped() {
    let pid = AUTOREAPED.load(Ordering::Relaxed);
    if pid == 0 {
        return;
    }
    let task = sched::with(|s| {
        if s.current().pid() == pid {
            return None;
        }
        AUTOREAPED.store(0, Ordering::Relaxed);
        if let Some(t) = s.tasks.get(&pid) {
            super::children::unlink(s, &t.group);
        }
        s.remove(pid)
    });
    drop(task); // frees its kernel stack, outside the scheduler's lock
}
