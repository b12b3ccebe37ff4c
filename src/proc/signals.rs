//! Signals: generation (`kill`, `tkill`, the terminal, timers, faults, SIGCHLD) with Linux's
//! `send_signal`/`complete_signal` rules, the "something to deliver" flag, and the signal
//! state's life cycle (fork, exec, exit).
//!
//! Split by concept: delivery in [`super::sigdeliver`], faults in [`super::sigfault`], group
//! stop/continue in [`super::jobctl`], the parent's SIGCHLD in [`super::sigchld`], fork's and
//! exec's share in [`super::siglife`], state in [`super::sigstate`], frames in
//! [`super::sigframe`]. A thread's own state is in its `TaskInner`, the process's (shared
//! pending set, stop state) in its `ThreadGroup` — locks in the order scheduler → a task's lock
//! → the group's `sig`, which is held only briefly. The "something to deliver" check on every
//! return to user mode is one load of [`PENDING`], the number of tasks with a deliverable
//! (pending and unblocked) signal or a group stop to join; a task's own `sig.flagged` says
//! whether it counts, recomputed by [`recalc`] whenever its pending sets or its mask change.

use super::group::ThreadGroup;
use super::sched::{self, Scheduler};
use super::sigstate::*;
use super::task::{Pid, State, Task, TaskInner};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};
use vmcore::errno::Errno;

pub use super::jobctl::group_stopped;
pub use super::sigchld::{chld_code, notify_parent, release_autoreaped, set_autoreaped};
pub use super::siglife::{exec_dispositions, for_clone, new_task_state, on_exec};
pub use super::sigdeliver::{do_signal, restart_requested, NO_SYSCALL};
pub use super::sigfault::{fatal_exception, fatal_fault, for_exception, for_refusal, force_fault};
/// Signal numbers (`SIGSEGV`, ...) and names, shared with user space (the `abi` crate).
pub use vmcore::signal::*;
/// Highest signal number accepted by `kill`.
pub const SIGMAX: u32 = SIGRTMAX;

/// The signal's name (`"SIGSEGV"`), `"signal"` for a number that is none.
pub fn name(sig: u32) -> &'static str {
    vmcore::signal::name(sig).unwrap_or("signal")
}

/// How many tasks have a deliverable signal: lets every return to user mode skip looking at
/// the current task in the usual case of none.
static PENDING: AtomicU32 = AtomicU32::new(0);

/// Whether any task at all has a deliverable signal.
#[inline(always)]
pub fn any_pending() -> bool {
    PENDING.load(Ordering::Relaxed) != 0
}

/// Generates `sig` for process `pid` from interrupt context (timers: SIGALRM, SIGVTALRM,
/// SIGPROF), with the scheduler already locked. Never allocates (a standard signal). False if
/// a lock it needs is held by the code the interrupt interrupted: the caller tries again at
/// the next tick.
pub fn send_from_interrupt(s: &mut Scheduler, pid: Pid, sig: u32) -> bool {
    let Some(task) = s.tasks.get(&pid).cloned() else { return true };
    if !lockable(s, &task) {
        return false;
    }
    // The locks were free just now, and nothing else runs until this returns.
    let _ = send_locked(s, &task, SigInfo::from_pid(sig, SI_KERNEL, 0), false, true);
    true
}

/// Whether the locks [`send_locked`] may take for process `t` are free: its group's signal
/// state, each of its threads' locks and dispositions, and its parent's (a SIGCONT tells the
/// parent). For interrupt context with the scheduler locked, where the interrupted code may
/// hold one (one CPU: nothing takes them between this test and the send).
pub fn lockable(s: &Scheduler, t: &Task) -> bool {
    let Some(parent) = t.inner.try_lock().map(|i| i.parent) else { return false };
    threads_free(s, t) && s.tasks.get(&parent).is_none_or(|p| threads_free(s, p))
}

/// Whether the locks of every thread of `t`'s process, their dispositions' and the process's
/// signal state are free.
fn threads_free(s: &Scheduler, t: &Task) -> bool {
    let free = |t: &Task| match t.inner.try_lock() {
        Some(inner) => inner.sighand.is_free() && t.group.sig.try_lock().is_some(),
        None => false,
    };
    let mut at = t.tgid();
    while let Some(th) = next_thread(s, &t.group, at) {
        at = th.pid() + 1;
        if !free(&th) {
            return false;
        }
    }
    true
}

/// The first thread of `group` whose tid is `at` or above (every thread's tid is at least its
/// tgid), stepping by key so the caller may use the scheduler between steps.
pub(super) fn next_thread(s: &Scheduler, group: &ThreadGroup, at: Pid) -> Option<Arc<Task>> {
    s.tasks.range(group.tids_from(at)).map(|(_, t)| t).find(|t| core::ptr::eq(&*t.group, group)).cloned()
}

/// Recomputes whether `inner`'s task (of `group`) has a deliverable signal or a group stop to
/// join (Linux's `recalc_sigpending`) and keeps [`PENDING`] in step. Not with `group.sig` held.
pub fn recalc(inner: &mut TaskInner, group: &ThreadGroup) {
    let shared = group.sig.lock().shared.set;
    recalc_with(inner, shared);
}

/// [`recalc`] given the process's pending set.
pub(super) fn recalc_with(inner: &mut TaskInner, shared: SigSet) {
    let want = inner.state != State::Zombie
        && ((inner.sig.pending.set | shared) & !inner.sig.blocked != 0 || inner.sig.stop_pending);
    if want != inner.sig.flagged {
        inner.sig.flagged = want;
        if want {
            PENDING.fetch_add(1, Ordering::Relaxed);
        } else {
            PENDING.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Whether the current task has a deliverable signal (recomputed: another thread may have
/// taken the process's): a blocking call returns `ERESTARTSYS` (or its kin) when this turns
/// true.
pub fn signal_pending() -> bool {
    if !any_pending() {
        return false;
    }
    let task = super::current();
    let mut inner = task.inner.lock();
    if inner.sig.flagged {
        recalc(&mut inner, &task.group);
    }
    inner.sig.flagged
}

/// Sets the current task's blocked mask (SIGKILL and SIGSTOP stay unblocked); returns the old.
/// Process-directed signals pending that this thread now blocks go to another thread that
/// takes them (Linux's `retarget_shared_pending`).
pub fn set_blocked(mask: SigSet) -> SigSet {
    let task = super::current();
    let (old, newly) = {
        let mut inner = task.inner.lock();
        let old = inner.sig.blocked;
        inner.sig.blocked = mask & !UNBLOCKABLE;
        recalc(&mut inner, &task.group);
        (old, inner.sig.blocked & !old)
    };
    if newly != 0 && task.group.live() > 1 {
        retarget(&task, newly);
    }
    old
}

/// Wakes the other threads of `task`'s process that take one of the process-directed
/// signals pending in `mask`, which `task` stopped taking (blocked, or exiting).
pub(super) fn retarget(task: &Task, mask: SigSet) {
    if task.group.sig.lock().shared.set & mask == 0 {
        return;
    }
    sched::with(|s| {
        let mut at = task.tgid();
        while let Some(t) = next_thread(s, &task.group, at) {
            at = t.pid() + 1;
            if t.pid() != task.pid() {
                wake_for(s, &t, None);
            }
        }
    });
}

// ---------------------------------------------------------------------------------------
// Generation

/// Queues `info` for `task` (its own pending set if `thread`, else its process's) with
/// Linux's `prepare_signal`/`send_signal` rules: SIGCONT continues a stopped process and drops
/// pending stop signals, a stop signal drops a pending SIGCONT, an ignored signal that the
/// target does not block is discarded; then (`complete_signal`) the thread that takes it is
/// flagged and woken — `task` itself, or for a process-directed signal the first thread that
/// does not block it. `lossy`: a real-time signal that finds no room is made pending without
/// its data instead of failing.
pub fn send_locked(s: &mut Scheduler, task: &Task, info: SigInfo, thread: bool, lossy: bool) -> Result<(), Errno> {
    let sig = info.signo;
    let group = task.group.clone();
    if (thread && task.inner.lock().state == State::Zombie) || group.live() == 0 {
        return Ok(());
    }
    if sig == SIGKILL {
        let running = Arc::ptr_eq(&s.current().group, &group);
        group.mark_dying(running);
    }
    if sigbit(sig) & STOP_SIGNALS != 0 {
        flush_process(s, &group, sigbit(SIGCONT));
    }
    if sig == SIGCONT {
        flush_process(s, &group, STOP_SIGNALS);
        super::jobctl::continue_group(s, &group);
    }
    let (act, blocked, awaited) = {
        let inner = task.inner.lock();
        (inner.sighand.get(sig), inner.sig.blocked & sigbit(sig) != 0, inner.sig.waiting_for & sigbit(sig) != 0)
    };
    if sig != SIGKILL && !blocked && !awaited && act.ignores(sig) {
        return Ok(());
    }
    if thread {
        task.inner.lock().sig.pending.add(info, lossy).map_err(|_| Errno::EAGAIN)?;
        if let Some(t) = s.tasks.get(&task.pid()).cloned() {
            wake_for(s, &t, Some(sig));
        }
    } else if sig == SIGKILL {
        kill_process_now(s, &group, info);
    } else {
        group.sig.lock().shared.add(info, lossy).map_err(|_| Errno::EAGAIN)?;
        if let Some(t) = pick_thread(s, task, sig) {
            wake_for(s, &t, Some(sig));
        }
    }
    Ok(())
}

/// A process-directed SIGKILL (Linux's `complete_signal` for a fatal signal): every live
/// thread gets SIGKILL in its own set and is woken, stopped or not; a stop under way or done
/// is forgotten, and with it a stop or continue `wait4` has not reported.
fn kill_process_now(s: &mut Scheduler, group: &ThreadGroup, info: SigInfo) {
    {
        let mut psig = group.sig.lock();
        psig.stop_sig = 0;
        psig.stop_count = 0;
        psig.stopped = false;
        psig.report = None;
    }
    let mut at = group.tgid;
    while let Some(t) = next_thread(s, group, at) {
        at = t.pid() + 1;
        {
            let mut inner = t.inner.lock();
            if inner.state == State::Zombie {
                continue;
            }
            inner.sig.stop_pending = false;
            // A standard signal is never refused.
            let _ = inner.sig.pending.add(info, true);
        }
        wake_for(s, &t, Some(SIGKILL));
    }
}

/// Drops the pending instances of the signals in `mask` from `group`'s pending set and each
/// of its threads' (Linux's `flush_sigqueue_mask` over the group).
pub(super) fn flush_process(s: &Scheduler, group: &ThreadGroup, mask: SigSet) {
    group.sig.lock().shared.flush(mask);
    let mut at = group.tgid;
    while let Some(t) = next_thread(s, group, at) {
        at = t.pid() + 1;
        t.inner.lock().sig.pending.flush(mask);
    }
}

/// Whether thread `t` would take `sig` now (Linux's `wants_signal`): alive, not blocking it
/// (or waiting for it in `rt_sigtimedwait`), not stopped unless it is SIGKILL.
fn wants(t: &Task, sig: u32) -> bool {
    let inner = t.inner.lock();
    let takes = inner.sig.blocked & sigbit(sig) == 0 || inner.sig.waiting_for & sigbit(sig) != 0;
    match inner.state {
        State::Zombie => false,
        State::Stopped => sig == SIGKILL,
        _ => takes,
    }
}

/// The thread of `task`'s process that takes a process-directed `sig` (Linux's
/// `complete_signal`): `task` itself if it wants it, else the first thread that does; `None`
/// when none does (the signal waits in the process's set until one unblocks it).
fn pick_thread(s: &Scheduler, task: &Task, sig: u32) -> Option<Arc<Task>> {
    if wants(task, sig) {
        return s.tasks.get(&task.pid()).cloned();
    }
    let mut at = task.tgid();
    while let Some(t) = next_thread(s, &task.group, at) {
        at = t.pid() + 1;
        if wants(&t, sig) {
            return Some(t);
        }
    }
    None
}

/// Flags thread `t` for what is pending and wakes it if it sleeps interruptibly and takes
/// the signal (`sig`: the one just queued; `None`: any pending one it does not block);
/// SIGKILL also wakes a stopped thread (Linux's `signal_wake_up(t, fatal)`).
fn wake_for(s: &mut Scheduler, t: &Task, sig: Option<u32>) {
    let wake = {
        let mut inner = t.inner.lock();
        recalc(&mut inner, &t.group);
        let takes = match sig {
            Some(sig) => inner.sig.blocked & sigbit(sig) == 0 || inner.sig.waiting_for & sigbit(sig) != 0,
            None => inner.sig.flagged,
        };
        match inner.state {
            State::Sleeping { .. } | State::Waiting => takes,
            State::Stopped => sig == Some(SIGKILL),
            _ => false,
        }
    };
    if wake {
        s.make_runnable(t.pid());
    }
}

/// Sends `info` to task `pid` (`thread`: to that thread only; else to its process). `Ok`
/// for a zombie, as Linux.
pub fn send_to(pid: Pid, info: SigInfo, thread: bool, lossy: bool) -> Result<(), Errno> {
    if pid == 0 {
        return Err(Errno::ESRCH);
    }
    sched::with(|s| {
        let task = s.tasks.get(&pid).cloned().ok_or(Errno::ESRCH)?;
        if released(&task) {
            return Err(Errno::ESRCH); // released, only its stack waits to be freed
        }
        if info.signo == 0 {
            return Ok(());
        }
        send_locked(s, &task, info, thread, lossy)
    })
}

/// Whether process `t` was released (autoreaped: nobody will wait for it, only its stack
/// waits to be freed); signals and group lookups no longer see it.
pub fn released(t: &Task) -> bool {
    t.group.sig.lock().autoreap
}

/// Marks `sig` pending for the current task, sent by the kernel (SIGKILL for an out-of-memory
/// user copy): it acts on the way back to user mode.
pub fn kill_current(sig: u32) {
    let pid = super::current_pid();
    // The current task is running: nothing to wake, and a standard signal never fails.
    let _ = send_to(pid, SigInfo::from_pid(sig, SI_KERNEL, 0), true, true);
}

/// A task that exits no longer counts as having a signal to deliver.
pub fn on_exit(inner: &mut TaskInner) {
    if inner.sig.flagged {
        inner.sig.flagged = false;
        PENDING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Whether the current task has SIGKILL pending (Linux's `fatal_signal_pending`): killable
/// sleeps (vfork's, de_thread's) give up.
pub fn fatal_pending() -> bool {
    let task = super::current();
    let inner = task.inner.lock();
    fatal_pending_locked(&inner, &task.group)
}

/// [`fatal_pending`] for a thread whose lock is held.
pub(super) fn fatal_pending_locked(inner: &TaskInner, group: &ThreadGroup) -> bool {
    (inner.sig.pending.set | group.sig.lock().shared.set) & sigbit(SIGKILL) != 0
}

/// Drops `mask`'s pending instances from the current process and all its threads (a
/// disposition set to ignore: Linux's `do_sigaction`).
pub fn flush_current(mask: SigSet) {
    let task = super::current();
    sched::with(|s| flush_process(s, &task.group, mask));
    let mut inner = task.inner.lock();
    recalc(&mut inner, &task.group);
}
