//! `wait4`: finding a child process that ended (or stopped, or continued) and reaping it
//! (Linux's `do_wait`). A wait for one pid looks it up (Linux's `do_wait_pid`); a wait for any
//! child or a group's walks the caller's own children ([`super::children`]), never the whole
//! task table, so its cost does not grow with the number of processes on the system.

use super::task::{Pid, State, Task};
use super::{children, current, pgrp, sched, signals, usage};
use alloc::sync::Arc;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{WCONTINUED, WNOHANG, WUNTRACED, __WALL, __WCLONE};

/// The candidates `which` names among the children of process `parent`: one lookup for a
/// pid, else the parent's list.
fn candidates<'a>(s: &'a sched::Scheduler, parent: Pid, which: WaitFor) -> impl Iterator<Item = &'a Arc<Task>> + 'a {
    let (one, list) = match which {
        WaitFor::Pid(p) => (s.tasks.get(&p), None),
        _ => (None, Some(children::iter(s, parent))),
    };
    one.into_iter().chain(list.into_iter().flatten())
}

/// What `wait4` found.
pub enum Reaped {
    /// A zombie child was reaped: its pid, wait status, and what it and its reaped children
    /// used (`wait4`'s rusage).
    Child(Pid, u32, usage::Usage),
    /// WNOHANG and no child has exited.
    NotYet,
}

/// Whether `wait4` with `options` looks at a child whose exit signal is `exit_signal`
/// (Linux's `eligible_child`: clone children only with `__WCLONE`, everyone with `__WALL`).
fn eligible(exit_signal: u32, options: u32) -> bool {
    options & __WALL != 0 || ((exit_signal != signals::SIGCHLD) == (options & __WCLONE != 0))
}

/// Which children `wait4` waits for (its `pid` argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitFor {
    /// -1: any child.
    Any,
    /// > 0: that child.
    Pid(Pid),
    /// 0 (the caller's group, fixed when the call starts) or < -1: any child in that group.
    Pgrp(Pid),
}

impl WaitFor {
    /// `wait4`'s `pid` argument read as Linux's `kernel_wait4` reads it (`ESRCH` for INT_MIN).
    pub fn from_arg(pid: i32) -> Result<WaitFor, Errno> {
        Ok(match pid {
            -1 => WaitFor::Any,
            0 => WaitFor::Pgrp(pgrp::current_pgrp()),
            i32::MIN => return Err(Errno::ESRCH),
            p if p < 0 => WaitFor::Pgrp(p.unsigned_abs()),
            p => WaitFor::Pid(p as Pid),
        })
    }

    /// Whether child process `t` is one of those.
    fn selects(self, t: &Task) -> bool {
        match self {
            WaitFor::Any => true,
            WaitFor::Pid(p) => t.pid() == p,
            WaitFor::Pgrp(g) => t.group.pgid() == g,
        }
    }
}

/// Waits for a child process (as `which` selects) of the caller's group to end and reaps it.
/// Threads are never reported: a process is reported once its last thread ended.
pub fn wait(which: WaitFor, options: u32) -> Result<Reaped, Errno> {
    loop {
        let found = sched::with(|s| {
            let me = s.current();
            let my_tgid = me.tgid();
            let mut any = false;
            let mut zombie = None;
            for t in candidates(s, my_tgid, which) {
                if !t.is_leader() || t.pid() == 0 || t.tgid() == my_tgid {
                    continue;
                }
                let inner = t.inner.lock();
                if inner.parent != my_tgid || signals::released(t) || !which.selects(t) || !eligible(t.exit_signal(), options) {
                    continue;
                }
                any = true;
                if inner.state == State::Zombie && t.group.live() == 0 {
                    zombie = Some((t.pid(), inner.wait_status));
                    break;
                }
            }
            if !any {
                return Err(Errno::ECHILD);
            }
            if zombie.is_none() {
                if let Some(r) = take_report(s, &me, which, options) {
                    return Ok(Some(r));
                }
            }
            if let Some((cpid, status)) = zombie {
                children::unlink(s, &s.tasks[&cpid].group);
                let task = s.remove(cpid);
                return Ok(Some((cpid, status, task)));
            }
            if options & WNOHANG == 0 {
                // Found nothing: a signal interrupts the wait (checked after the scan, as
                // Linux's do_wait, so a child that just changed state is reported first).
                let mut inner = me.inner.lock();
                if inner.sig.flagged {
                    return Err(Errno::ERESTARTSYS);
                }
                inner.state = State::Waiting;
            }
            Ok(None)
        })?;
        match found {
            Some((cpid, status, task)) => {
                let used = task.as_ref().map(|t| usage::reaped(&current(), t)).unwrap_or_default();
                drop(task); // frees the child's kernel stack
                sched::release_dead();
                return Ok(Reaped::Child(cpid, status, used));
            }
            None if options & WNOHANG != 0 => return Ok(Reaped::NotYet),
            None => {
                sched::schedule();
            }
        }
    }
}

/// A stop or continue of a child of `me` that `wait4` with `WUNTRACED`/`WCONTINUED` reports
/// (taken: reported once), as `(pid, status, None)`.
fn take_report(s: &sched::Scheduler, me: &Task, which: WaitFor, options: u32) -> Option<(Pid, u32, Option<Arc<Task>>)> {
    for t in candidates(s, me.tgid(), which) {
        if !t.is_leader() || t.tgid() == me.tgid() || !which.selects(t) || !eligible(t.exit_signal(), options) {
            continue;
        }
        if t.inner.lock().parent != me.tgid() {
            continue;
        }
        let mut psig = t.group.sig.lock();
        let wanted = match psig.report {
            Some(0xffff) => options & WCONTINUED != 0,
            Some(_) => options & WUNTRACED != 0 && psig.stopped,
            None => false,
        };
        if wanted {
            return psig.report.take().map(|st| (t.pid(), st, None));
        }
    }
    None
}

