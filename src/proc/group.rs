//! Thread groups: the tasks one `clone(CLONE_THREAD)` family shares — one process to the rest
//! of the world (Linux's `signal_struct` plus the group leader's process fields).
//!
//! Every task belongs to exactly one group for life. `getpid` returns the group's `tgid`, the
//! leader's tid (`gettid`). The group ends when its last live thread exits: only then is the
//! leader — a zombie since it exited, if it did first — reported to the parent by `wait4`
//! (Linux's `delay_group_leader`), with the group's exit status when `exit_group` or a fatal
//! signal ended it, else the leader's own. Non-leader threads are released as soon as they
//! exit (Linux's autoreap of `exit_signal == -1`).

use super::limits::RLimits;
use super::sigstate::ProcSignals;
use super::usage::GroupUsage;
use super::task::Pid;
use core::ops::Bound;
use super::WaitStatus;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use vmcore::errno::Errno;

/// One thread group.
pub struct ThreadGroup {
    /// The leader's tid; `getpid` returns it.
    pub tgid: Pid,
    /// Threads that have not exited yet (Linux's `signal->live`).
    live: AtomicU32,
    /// The highest tid a thread of the group was given: every thread's tid lies in
    /// `tgid..=last_tid`, so a walk over the group's threads stops there instead of going
    /// through every later task.
    last_tid: AtomicU32,
    /// Set once `exit_group` or a fatal signal ends the group (Linux's `SIGNAL_GROUP_EXIT`
    /// and `group_exit_code`): every thread then dies with this status.
    exit: spin::Mutex<Option<WaitStatus>>,
    /// The thread running `execve`'s `de_thread` (0: none): the other threads' deaths it
    /// causes are single-thread exits, not a group exit (Linux's `group_exec_task`); also
    /// the thread dumping core while the others die (`start_core_exit`).
    exec_task: AtomicU32,
    /// Resource limits (Linux's `signal->rlim`): the group's, copied by fork, kept by exec.
    pub limits: spin::Mutex<RLimits>,
    /// Process-directed signals, the group stop, what `wait4` reports (the siglock's share).
    pub sig: spin::Mutex<ProcSignals>,
    /// Dead threads' and reaped children's usage, the real-time timer.
    pub usage: GroupUsage,
    /// Process group and session ids (Linux's `PIDTYPE_PGID`/`PIDTYPE_SID` of the signal
    /// struct), inherited by fork; changed only under the scheduler's lock (our
    /// `tasklist_lock`) by `setpgid`/`setsid` (`super::pgrp`), read without it.
    pgid: AtomicU32,
    sid: AtomicU32,
    /// Whether this process leads its session (Linux's `signal->leader`): set by `setsid`,
    /// not inherited.
    session_leader: AtomicBool,
    /// Whether the process has not exec'd since its fork (Linux's `PF_FORKNOEXEC`): a parent
    /// may `setpgid` its child only until then (`EACCES` after).
    fork_no_exec: AtomicBool,
    /// `/proc/PID/oom_score_adj` (Linux's `signal->oom_score_adj`): inherited by fork, kept
    /// by exec; moves the out-of-memory killer's choice (`super::oom`).
    pub oom_score_adj: AtomicI32,
    /// Whether the process is dying (SIGKILL sent, or exiting): its threads may use the
    /// memory reserve (`crate::mm::reserve`, Linux's `TIF_MEMDIE`/`ALLOC_OOM`).
    dying: AtomicBool,
}

impl ThreadGroup {
    /// A new group led by `tgid`, with that one live thread.
    pub fn new(tgid: Pid, limits: &RLimits) -> Result<Arc<ThreadGroup>, Errno> {
        let mut arc = crate::mm::inject::fallible(Arc::<ThreadGroup>::try_new_uninit).map_err(|_| Errno::EAGAIN)?;
        let slot = Arc::get_mut(&mut arc).expect("invariant: a fresh Arc is unique");
        slot.write(ThreadGroup {
            tgid,
            live: AtomicU32::new(1),
            last_tid: AtomicU32::new(tgid),
            exit: spin::Mutex::new(None),
            exec_task: AtomicU32::new(0),
            limits: spin::Mutex::new(*limits),
            sig: spin::Mutex::new(ProcSignals::default()),
            usage: GroupUsage::default(),
            pgid: AtomicU32::new(0),
            sid: AtomicU32::new(0),
            session_leader: AtomicBool::new(false),
            fork_no_exec: AtomicBool::new(true),
            oom_score_adj: AtomicI32::new(0),
            dying: AtomicBool::new(false),
        });
        // SAFETY: written just above.
        Ok(unsafe { arc.assume_init() })
    }

    /// Marks the process as dying (SIGKILL sent, or exiting); `running`: one of its threads
    /// is the running task, which may use the memory reserve from now on.
    pub fn mark_dying(&self, running: bool) {
        self.dying.store(true, Ordering::Relaxed);
        if running {
            crate::mm::reserve::set_running(true);
        }
    }

    /// Whether the process is dying ([`Self::mark_dying`]).
    pub fn dying(&self) -> bool {
        self.dying.load(Ordering::Relaxed)
    }

    /// Live threads.
    pub fn live(&self) -> u32 {
        self.live.load(Ordering::Relaxed)
    }

    /// One more live thread, `tid` (a `CLONE_THREAD` child about to be queued).
    pub(super) fn add_thread(&self, tid: Pid) {
        self.live.fetch_add(1, Ordering::Relaxed);
        self.last_tid.fetch_max(tid, Ordering::Relaxed);
    }

    /// The tids a thread of the group may have from `at` on (empty past the last; never a
    /// range a `BTreeMap` refuses).
    pub(super) fn tids_from(&self, at: Pid) -> (Bound<Pid>, Bound<Pid>) {
        let last = self.last_tid.load(Ordering::Relaxed);
        if at > last { (Bound::Included(at), Bound::Excluded(at)) } else { (Bound::Included(at), Bound::Included(last)) }
    }

    /// One thread exited; returns whether it was the last.
    pub(super) fn thread_exited(&self) -> bool {
        self.live.fetch_sub(1, Ordering::Relaxed) == 1
    }

    /// Starts a group exit with `status`, or adopts the one already under way (a racing
    /// second `exit_group` or fatal signal: Linux's `do_group_exit`). Returns the status
    /// every thread dies with.
    pub(super) fn start_exit(&self, status: WaitStatus) -> WaitStatus {
        *self.exit.lock().get_or_insert(status)
    }

    /// Starts the group exit of a core dump by thread `tid` (Linux's `zap_threads`): the
    /// status is `status`, and `tid` is woken as the other threads go (as `de_thread`'s
    /// caller is). False when a group exit or an exec is under way (no dump then).
    pub(super) fn start_core_exit(&self, status: WaitStatus, tid: Pid) -> bool {
        let mut exit = self.exit.lock();
        if exit.is_some() || self.exec_task() != 0 {
            return false;
        }
        *exit = Some(status);
        self.set_exec_task(tid);
        true
    }

    /// The dump is over (Linux's `coredump_finish`): a written core adds the core bit to the
    /// group's status.
    pub(super) fn finish_core_exit(&self, dumped: bool) {
        self.set_exec_task(0);
        let mut exit = self.exit.lock();
        if let (true, Some(WaitStatus::Signaled(sig))) = (dumped, *exit) {
            *exit = Some(WaitStatus::Dumped(sig));
        }
    }

    /// The group exit's status, if one is under way.
    pub fn exit_status(&self) -> Option<WaitStatus> {
        *self.exit.lock()
    }

    /// The tid running `de_thread` (0: none).
    pub fn exec_task(&self) -> Pid {
        self.exec_task.load(Ordering::Relaxed)
    }

    /// Marks (`tid`) or unmarks (0) a `de_thread` in progress.
    pub(super) fn set_exec_task(&self, tid: Pid) {
        self.exec_task.store(tid, Ordering::Relaxed);
    }

    /// The process group id.
    pub fn pgid(&self) -> Pid {
        self.pgid.load(Ordering::Relaxed)
    }

    /// The session id.
    pub fn sid(&self) -> Pid {
        self.sid.load(Ordering::Relaxed)
    }

    /// Whether the process leads its session.
    pub fn is_session_leader(&self) -> bool {
        self.session_leader.load(Ordering::Relaxed)
    }

    /// Whether the process has not exec'd since it was forked.
    pub fn fork_no_exec(&self) -> bool {
        self.fork_no_exec.load(Ordering::Relaxed)
    }

    /// The process exec'd (Linux clears `PF_FORKNOEXEC`).
    pub fn exec_done(&self) {
        self.fork_no_exec.store(false, Ordering::Relaxed);
    }

    /// Moves the process to group `pgid` (scheduler lock held: `super::pgrp`).
    pub(super) fn set_pgid(&self, pgid: Pid) {
        self.pgid.store(pgid, Ordering::Relaxed);
    }

    /// Makes the process the leader of a new session and group, both its tgid (scheduler
    /// lock held: `setsid`, and the first process).
    pub(super) fn lead_session(&self) {
        self.sid.store(self.tgid, Ordering::Relaxed);
        self.pgid.store(self.tgid, Ordering::Relaxed);
        self.session_leader.store(true, Ordering::Relaxed);
    }

    /// A new process joins its parent's group and session (fork, before it is in the table).
    pub(super) fn inherit_job(&self, parent: &ThreadGroup) {
        self.pgid.store(parent.pgid(), Ordering::Relaxed);
        self.sid.store(parent.sid(), Ordering::Relaxed);
    }
}
