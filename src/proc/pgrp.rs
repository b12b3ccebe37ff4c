//! Process groups and sessions (Linux's `PIDTYPE_PGID`/`PIDTYPE_SID`, `kernel/sys.c`'s
//! `setpgid`/`setsid` and `kernel/exit.c`'s orphaned-group rules).
//!
//! A process's group and session ids live in its [`ThreadGroup`] (inherited by fork, changed
//! only under the scheduler's lock, our `tasklist_lock`). A group or session exists while some
//! process — a zombie included, until it is reaped — carries its id; there is no separate
//! object, so the lookups below walk the task table under the lock (no allocation: they can
//! run with the heap exhausted, and [`try_kill_pgrp`] from an interrupt). The first process,
//! init, leads session 1 and group 1 (Linux leaves pid 1 in session 0 until it calls
//! `setsid`; docs/process-model.md, "Process groups and sessions").
//!
//! What the terminal uses: [`kill_pgrp`] (ISIG: every process of the foreground group;
//! [`try_kill_pgrp`] from an interrupt),
//! [`is_orphaned_pgrp`] (SIGTTIN/SIGTTOU to an orphaned group fail with EIO),
//! [`session_of`], [`pgrp_of`], [`current_session`], [`current_pgrp`], [`is_session_leader`]
//! (TIOCSCTTY), [`pgrp_in_session`] (TIOCSPGRP's check) and
//! [`set_session_exit_hook`] (a session leader exited: hang up its terminal).

use super::group::ThreadGroup;
use super::sched::{self, Scheduler};
use super::sigstate::{SigInfo, SI_KERNEL};
use super::signals::{self, SIGCONT, SIGHUP};
use super::task::{Pid, State, Task};
use super::{cred, INIT_PID};
use alloc::sync::Arc;
use vmcore::errno::Errno;

/// Whether `t` is a process as the group and session lookups see it: a thread-group leader
/// (zombies included until reaped), not the idle task, not one already released.
fn is_process(t: &Task) -> bool {
    t.is_leader() && t.pid() != 0 && !signals::released(t)
}

/// The process with the lowest pid at `at` or above for which `pick` holds, stepping by key so
/// the caller may use the scheduler mutably between steps.
fn next_process(s: &Scheduler, at: Pid, pick: impl Fn(&Task) -> bool) -> Option<Arc<Task>> {
    s.tasks.range(at..).map(|(_, t)| t).find(|t| pick(t) && is_process(t)).cloned()
}

/// The process group of the process task `pid` (any of its threads) belongs to.
pub fn pgrp_of(pid: Pid) -> Option<Pid> {
    sched::with(|s| s.tasks.get(&pid).filter(|t| t.pid() != 0).map(|t| t.group.pgid()))
}

/// The session of the process task `pid` (any of its threads) belongs to.
pub fn session_of(pid: Pid) -> Option<Pid> {
    sched::with(|s| s.tasks.get(&pid).filter(|t| t.pid() != 0).map(|t| t.group.sid()))
}

/// Whether the process task `pid` (any of its threads) belongs to leads its session
/// (TIOCSCTTY: only a session leader acquires a controlling terminal; Linux's
/// `signal->leader`).
#[allow(dead_code, reason = "the terminal's TIOCSCTTY (issue 11) calls it")]
pub fn is_session_leader(pid: Pid) -> bool {
    sched::with(|s| s.tasks.get(&pid).is_some_and(|t| t.pid() != 0 && t.group.is_session_leader()))
}

/// The current process's group.
pub fn current_pgrp() -> Pid {
    super::current().group.pgid()
}

/// The current process's session.
pub fn current_session() -> Pid {
    super::current().group.sid()
}

/// Whether some process of group `pgid` is in session `sid` (TIOCSPGRP's test; Linux's
/// `session_of_pgrp(pgrp) == task_session(current)`).
#[allow(dead_code, reason = "the terminal's TIOCSPGRP (issue 11) calls it")]
pub fn pgrp_in_session(pgid: Pid, sid: Pid) -> bool {
    sched::with(|s| in_session(s, pgid, sid))
}

/// [`pgrp_in_session`] with the scheduler locked.
fn in_session(s: &Scheduler, pgid: Pid, sid: Pid) -> bool {
    s.tasks.values().any(|t| is_process(t) && t.group.pgid() == pgid && t.group.sid() == sid)
}

/// Whether group `pgid` would be orphaned without process `ignored` (Linux's
/// `will_become_orphaned_pgrp`): no member other than `ignored`, and not a reaped-to-be
/// zombie, has a parent in another group of the same session. A parent that is init does not
/// count. An empty group is orphaned.
fn will_become_orphaned(s: &Scheduler, pgid: Pid, ignored: Option<Pid>) -> bool {
    for p in s.tasks.values().filter(|t| is_process(t) && t.group.pgid() == pgid) {
        if Some(p.pid()) == ignored || (p.group.live() == 0 && p.inner.lock().state == State::Zombie) {
            continue;
        }
        let parent = p.inner.lock().parent;
        if parent == INIT_PID {
            continue;
        }
        if let Some(pp) = s.tasks.get(&parent) {
            if pp.group.pgid() != pgid && pp.group.sid() == p.group.sid() {
                return false;
            }
        }
    }
    true
}

/// Whether process group `pgid` is orphaned (POSIX: the parent of every member is in the group
/// or outside the session). An orphaned group's SIGTSTP/SIGTTIN/SIGTTOU do not stop it.
pub fn is_orphaned_pgrp(pgid: Pid) -> bool {
    sched::with(|s| will_become_orphaned(s, pgid, None))
}

/// Whether a member of group `pgid` is stopped (Linux's `has_stopped_jobs`).
fn has_stopped_jobs(s: &Scheduler, pgid: Pid) -> bool {
    s.tasks.values().any(|t| is_process(t) && t.group.pgid() == pgid && signals::group_stopped(t))
}

/// Sends `info` to every process of group `pgid`, scheduler locked; whether there was one.
fn send_pgrp_locked(s: &mut Scheduler, pgid: Pid, info: SigInfo) -> bool {
    let mut at = 0;
    let mut found = false;
    while let Some(p) = next_process(s, at, |t| t.group.pgid() == pgid) {
        at = p.pid() + 1;
        found = true;
        // A standard signal is never refused; a real-time one is made pending without data.
        let _ = signals::send_locked(s, &p, info, false, true);
    }
    found
}

/// Sends `sig` from the kernel (`si_code` SI_KERNEL) to every process of group `pgid`, as a
/// terminal's ISIG and hang-up do (Linux's `kill_pgrp(pgrp, sig, 1)`): no permission check.
/// `ESRCH` when the group has no process. Process context; allocates nothing.
#[allow(dead_code, reason = "the terminal's ISIG and hang-up (issue 11) call it")]
pub fn kill_pgrp(pgid: Pid, sig: u32) -> Result<(), Errno> {
    if sig == 0 || sig > signals::SIGMAX {
        return Err(Errno::EINVAL);
    }
    let info = SigInfo::from_pid(sig, SI_KERNEL, 0);
    if sched::with(|s| send_pgrp_locked(s, pgid, info)) { Ok(()) } else { Err(Errno::ESRCH) }
}

/// [`kill_pgrp`] from interrupt context (a terminal's receive interrupt), with the scheduler
/// locked by the caller: `Err(EAGAIN)` (nothing sent) when a lock the code the interrupt
/// interrupted may hold is busy — the caller retries later (its next interrupt, or hands the
/// work to process context). Standard signals only (no allocation).
#[allow(dead_code, reason = "the terminal's ISIG and hang-up (issue 11) call it")]
pub fn try_kill_pgrp(s: &mut Scheduler, pgid: Pid, sig: u32) -> Result<(), Errno> {
    if sig == 0 || sig >= vmcore::signal::SIGRTMIN {
        return Err(Errno::EINVAL);
    }
    let busy = s.tasks.values().filter(|t| t.is_leader() && t.pid() != 0 && t.group.pgid() == pgid).any(|t| !signals::lockable(s, t));
    if busy {
        return Err(Errno::EAGAIN);
    }
    if send_pgrp_locked(s, pgid, SigInfo::from_pid(sig, SI_KERNEL, 0)) { Ok(()) } else { Err(Errno::ESRCH) }
}

/// `kill(0, sig)` and `kill(-pgid, sig)`: `sig` from the current process to every process of
/// group `pgid`, each subject to the permission check (Linux's `__kill_pgrp_info`): `Ok` if
/// one was signalled, else the last error (`EPERM`), `ESRCH` for an empty group.
pub fn kill_pgrp_from_user(pgid: Pid, sig: u32) -> Result<(), Errno> {
    if sig > signals::SIGMAX {
        return Err(Errno::EINVAL);
    }
    let me = super::current();
    let (mine, my_sid, my_tgid) = (me.cred.lock().clone(), me.group.sid(), me.tgid());
    drop(me);
    sched::with(|s| {
        let (mut at, mut success, mut last) = (0, false, Err(Errno::ESRCH));
        while let Some(p) = next_process(s, at, |t| t.group.pgid() == pgid) {
            at = p.pid() + 1;
            let r = if may_kill(&mine, my_sid, &p, sig) {
                if sig == 0 { Ok(()) } else { signals::send_locked(s, &p, SigInfo::from_pid(sig, vmcore::signal::SI_USER, my_tgid), false, true) }
            } else {
                Err(Errno::EPERM)
            };
            success |= r.is_ok();
            last = r;
        }
        if success { Ok(()) } else { last }
    })
}

/// Linux's `check_kill_permission` for a sender with credentials `mine` in session `my_sid`:
/// the credentials rule, or SIGCONT within the same session.
pub fn may_kill(mine: &cred::Cred, my_sid: Pid, target: &Task, sig: u32) -> bool {
    let theirs = target.cred.lock().clone();
    cred::may_signal(mine, &theirs) || (sig == SIGCONT && target.group.sid() == my_sid)
}

// ---------------------------------------------------------------------------------------
// setpgid, setsid and their getters

/// `getpgid(pid)` (0: the caller); `ESRCH` if there is no such task.
pub fn getpgid(pid: Pid) -> Result<Pid, Errno> {
    if pid == 0 {
        return Ok(current_pgrp());
    }
    pgrp_of(pid).ok_or(Errno::ESRCH)
}

/// `getsid(pid)` (0: the caller); `ESRCH` if there is no such task.
pub fn getsid(pid: Pid) -> Result<Pid, Errno> {
    if pid == 0 {
        return Ok(current_session());
    }
    session_of(pid).ok_or(Errno::ESRCH)
}

/// `setpgid(pid, pgid)` with Linux's checks, in its order (`kernel/sys.c`): `EINVAL` for a
/// negative `pgid` or a thread that is not its process's leader; the target must be the
/// caller or one of its children (`ESRCH`), a child in the caller's session (`EPERM`) that
/// has not exec'd (`EACCES`); a session leader cannot move (`EPERM`); a group other than the
/// target's own pid must exist in the caller's session (`EPERM`).
pub fn setpgid(pid: i32, pgid: i32) -> Result<(), Errno> {
    let me = super::current();
    let my_group = me.group.clone();
    drop(me);
    let pid = if pid == 0 { my_group.tgid as i32 } else { pid };
    let pgid = if pgid == 0 { pid } else { pgid };
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    if pid < 0 {
        return Err(Errno::ESRCH);
    }
    let (pid, pgid) = (pid as Pid, pgid as Pid);
    sched::with(|s| {
        let p = s.tasks.get(&pid).filter(|t| t.pid() != 0 && !signals::released(t)).cloned().ok_or(Errno::ESRCH)?;
        if !p.is_leader() {
            return Err(Errno::EINVAL);
        }
        let parent = p.inner.lock().parent;
        if parent == my_group.tgid && p.tgid() != my_group.tgid {
            if p.group.sid() != my_group.sid() {
                return Err(Errno::EPERM);
            }
            if !p.group.fork_no_exec() {
                return Err(Errno::EACCES);
            }
        } else if p.tgid() != my_group.tgid {
            return Err(Errno::ESRCH);
        }
        if p.group.is_session_leader() {
            return Err(Errno::EPERM);
        }
        if pgid != pid && !in_session(s, pgid, my_group.sid()) {
            return Err(Errno::EPERM);
        }
        p.group.set_pgid(pgid);
        Ok(())
    })
}

/// `setsid()`: the caller leads a new session and group, both its pid; `EPERM` if it already
/// leads a session or a process group with its pid exists. Returns the new session id. The
/// new session has no controlling terminal (a terminal belongs to a session by its id).
pub fn setsid() -> Result<Pid, Errno> {
    let group = super::current().group.clone();
    sched::with(|s| {
        let tgid = group.tgid;
        if group.is_session_leader() || s.tasks.values().any(|t| is_process(t) && t.group.pgid() == tgid) {
            return Err(Errno::EPERM);
        }
        group.lead_session();
        Ok(tgid)
    })
}

// ---------------------------------------------------------------------------------------
// Life cycle

/// Fork: the new process `child` joins `parent`'s group and session (under the scheduler's
/// lock, with the child's insertion, so a concurrent `setpgid` of the parent is not missed).
pub(super) fn inherit(_s: &Scheduler, child: &ThreadGroup, parent: &ThreadGroup) {
    child.inherit_job(parent);
}

/// The first process leads session and group 1.
pub(super) fn init_session(_s: &Scheduler, group: &ThreadGroup) {
    group.lead_session();
}

/// What the terminal layer runs when a session leader's process ends (Linux's
/// `disassociate_ctty(1)`): the session id; it hangs up the foreground group and forgets the
/// session. Called in the exiting task's context, no lock held.
static SESSION_EXIT: spin::Once<fn(Pid)> = spin::Once::new();

/// Registers the session-leader-exit hook (once; later calls are ignored).
#[allow(dead_code, reason = "the terminal (issue 11) registers it")]
pub fn set_session_exit_hook(hook: fn(sid: Pid)) {
    SESSION_EXIT.call_once(|| hook);
}

/// The process `group` ended: if it led its session, the terminal layer's hook runs.
pub(super) fn session_leader_exited(group: &ThreadGroup) {
    if group.is_session_leader() {
        if let Some(hook) = SESSION_EXIT.get() {
            hook(group.sid());
        }
    }
}

/// SIGHUP then SIGCONT to group `pgid` if it just became orphaned with stopped members (POSIX;
/// Linux's `kill_orphaned_pgrp`): `parent` is the member's parent that connected it to the
/// rest of the session, `ignored` the exiting member (None: a reparented child's group).
fn kill_if_orphaned(s: &mut Scheduler, pgid: Pid, sid: Pid, parent: Option<(Pid, Pid)>, ignored: Option<Pid>) {
    let Some((parent_pgid, parent_sid)) = parent else { return };
    if parent_pgid != pgid && parent_sid == sid && will_become_orphaned(s, pgid, ignored) && has_stopped_jobs(s, pgid) {
        send_pgrp_locked(s, pgid, SigInfo::from_pid(SIGHUP, SI_KERNEL, 0));
        send_pgrp_locked(s, pgid, SigInfo::from_pid(SIGCONT, SI_KERNEL, 0));
    }
}

/// Child process `child` of the exiting `father` was just re-parented to init: its group may
/// have lost its last link to the session.
pub(super) fn child_reparented(s: &mut Scheduler, father: &ThreadGroup, child: &Task) {
    let (pgid, sid) = (child.group.pgid(), child.group.sid());
    kill_if_orphaned(s, pgid, sid, Some((father.pgid(), father.sid())), None);
}

/// The process led by `leader` is exiting (its children already re-parented): its own group
/// may become orphaned by its going.
pub(super) fn process_exiting(s: &mut Scheduler, leader: &Task) {
    let parent = leader.inner.lock().parent;
    let link = s.tasks.get(&parent).map(|p| (p.group.pgid(), p.group.sid()));
    kill_if_orphaned(s, leader.group.pgid(), leader.group.sid(), link, Some(leader.pid()));
}
