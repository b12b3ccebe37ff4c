//! Processes: creation (the first program, fork, execve), exit and reaping, and the checks on
//! every return to user mode (a pending kill, the end of the time slice).
//!
//! The rest of the kernel reaches the running task only through [`current`] and its space
//! through [`current_aspace`] (Linux's `current` and `current->mm`); the page-fault handler
//! reaches the space loaded in CR3 through [`AddressSpace::with_active`]. Both are per CPU in
//! meaning: with several CPUs they read a per-CPU area, and their callers do not change.

pub mod aslr;
pub mod children;
pub mod clone;
pub mod cpustat;
pub mod coredump;
mod corefile;
pub mod cred;
pub mod exec;
pub mod files;
pub mod group;
pub mod jobctl;
pub mod futex;
pub mod robust;
pub mod rseq;
pub mod limits;
pub mod kmem;
pub mod oom;
pub mod pgrp;
mod reap;
pub mod sched;
pub mod sigframe;
pub mod sigchld;
pub mod sigdeliver;
pub mod sigfault;
pub mod siglife;
pub mod signals;
pub mod sigstate;
pub mod switch;
pub mod task;
pub mod tasklimit;
pub mod uaddrs;
pub mod timer;
pub mod usage;
pub mod usercount;
pub mod wait;

use crate::arch::trap::TrapFrame;
use crate::mm::aspace::AddressSpace;
use alloc::string::String;
use alloc::sync::Arc;
use files::{FdTable, Files};
use task::{Pid, State, Task, TaskIds};
use vmcore::errno::Errno;
pub use reap::{wait, Reaped, WaitFor};

/// How a process ended, encoded for `wait4` as Linux does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    /// `exit(code)`.
    Exited(u8),
    /// Killed by a signal.
    Signaled(u32),
    /// Killed by a signal, core dumped.
    Dumped(u32),
}

impl WaitStatus {
    /// The Linux encoding: `code << 8` for an exit, the signal number for a kill.
    pub fn encode(self) -> u32 {
        match self {
            WaitStatus::Exited(code) => (code as u32) << 8,
            WaitStatus::Signaled(sig) => sig & 0x7f,
            WaitStatus::Dumped(sig) => (sig & 0x7f) | 0x80,
        }
    }
}

/// The pid of init, the first process; orphans are re-parented to it.
pub const INIT_PID: Pid = 1;

/// Starts the first process from `path` with `args` (argv[0] included).
pub fn spawn_init(path: &str, args: &[&[u8]]) -> Result<Pid, Errno> {
    let aspace = AddressSpace::new()?;
    let pid = sched::with(|s| s.alloc_pid())?;
    let fs = crate::fs::fscontext::FsContext::new(crate::fs::mount::root())?;
    let root = fs.get().root;
    let mut walker = crate::fs::namei::Walker::with(root.clone(), cred::Cred::root());
    let loaded = exec::load(&aspace, &mut walker, &root, path.as_bytes(), args, &[b"HOME=/", b"PATH=/bin:/"], exec::LayoutFrom { personality: 0, stack_limit: limits::RLimits::init_defaults().cur(limits::RLIMIT_STACK) }).map_err(Errno::from)?;
    let image = &loaded.image;
    let name = exec::basename(path)?;
    let files = Files::new(FdTable::with_console(crate::fs::console()?)?)?;
    let sigs = signals::new_task_state(None)?;
    let task = Task::new(TaskIds::process(pid, 0)?, name, aspace, files, sigs).map_err(|_| Errno::ENOMEM)?;
    {
        let mut inner = task.inner.lock();
        inner.fs = Some(fs);
        inner.exe = Some(loaded.exe);
    }
    let frame = switch::user_frame(image.entry, image.sp);
    // SAFETY: the task's kernel stack is fresh and owned by it; it is not queued yet.
    unsafe {
        let esp = switch::prepare_stack(task.kstack_top(), &frame);
        task.set_saved_esp(esp);
        task.set_initial_fpu();
    }
    usercount::charge(task.cred.lock().uid)?;
    sched::with(|s| {
        pgrp::init_session(s, &task.group);
        s.add(task)
    })
    .map_err(|_| Errno::ENOMEM)?;
    Ok(pid)
}

/// The running task.
pub fn current() -> Arc<Task> {
    sched::current()
}

/// The running task's tid.
pub fn current_pid() -> Pid {
    sched::current_pid()
}

/// The running task's address space (none for the idle task).
pub fn current_aspace() -> Option<Arc<AddressSpace>> {
    current().inner.lock().aspace.clone()
}

/// Every task's address space with the task's tid (for the self-checks' consistency walk;
/// a space shared by threads appears once per thread). `ENOMEM` when the list does not fit
/// the heap (room for every task is taken before anything is copied).
pub fn address_spaces() -> Result<alloc::vec::Vec<(Pid, Arc<AddressSpace>)>, Errno> {
    sched::with(|s| {
        let mut spaces = alloc::vec::Vec::new();
        crate::mm::inject::fallible(|| spaces.try_reserve_exact(s.tasks.len())).map_err(|_| Errno::ENOMEM)?;
        spaces.extend(s.tasks.values().filter_map(|t| t.inner.lock().aspace.clone().map(|a| (t.pid(), a))));
        Ok(spaces)
    })
}

/// Every address space once (sorted by id: threads and vfork children share one), for the
/// whole-system counters of `/proc/meminfo`. `ENOMEM` as [`address_spaces`].
pub fn distinct_address_spaces() -> Result<alloc::vec::Vec<Arc<AddressSpace>>, Errno> {
    let all = address_spaces()?;
    let mut spaces = alloc::vec::Vec::new();
    spaces.try_reserve_exact(all.len()).map_err(|_| Errno::ENOMEM)?;
    spaces.extend(all.into_iter().map(|(_, a)| a));
    spaces.sort_unstable_by_key(|a| a.id());
    spaces.dedup_by_key(|a| a.id());
    Ok(spaces)
}

/// fork: a copy of the current process whose `fork` returns 0 (`clone` with SIGCHLD).
pub fn fork(frame: &TrapFrame) -> Result<Pid, Errno> {
    let args = clone::CloneArgs { exit_signal: signals::SIGCHLD, ..Default::default() };
    clone::clone(&args, frame)
}

/// Ends the current thread group — `exit_group`, or a fatal signal (Linux's
/// `do_group_exit`): every other thread gets SIGKILL and the group's status is `status`
/// (or the one of a group exit already under way). Never returns.
pub fn exit_current(status: WaitStatus) -> ! {
    let task = current();
    let group = task.group.clone();
    // The deaths an execve's de_thread causes are single-thread exits.
    let exec = group.exec_task();
    if exec != 0 && exec != task.pid() {
        drop(task);
        drop(group);
        exit_thread(status);
    }
    let status = group.start_exit(status);
    log::debug!("[{} {}] exit: {status:?} after {} resolved page faults", task.pid(), task.inner.lock().name, task.usage.own(true, None).minflt);
    if group.tgid == INIT_PID {
        drop(task);
        drop(group);
        init_exited(status);
    }
    if group.live() > 1 {
        kill_threads(&task);
    }
    drop(task);
    drop(group);
    exit_thread(status)
}

/// Sends SIGKILL to every other live thread of `task`'s group (Linux's `zap_other_threads`).
fn kill_threads(task: &Task) {
    let me = task.pid();
    sched::with(|s| {
        let tgid = task.tgid();
        let mut at = tgid;
        while let Some(pid) = next_thread(s, tgid, at) {
            at = pid + 1;
            if pid == me {
                continue;
            }
            let t = s.tasks[&pid].clone();
            // A standard signal is never refused; a zombie is skipped.
            let _ = signals::send_locked(s, &t, sigstate::SigInfo::from_pid(signals::SIGKILL, sigstate::SI_KERNEL, 0), true, true);
        }
    });
}

/// The first thread of group `tgid` whose tid is `at` or above. Every thread's tid is at
/// least its group's tgid (threads are made after their leader, and `de_thread` gives the
/// survivor the tgid), so walking up from the tgid visits the whole group; it stops at the
/// group's last tid (known from the tgid's task: the leader, its zombie or `de_thread`'s
/// survivor; without it, at the table's end).
fn next_thread(s: &sched::Scheduler, tgid: Pid, at: Pid) -> Option<Pid> {
    let tids = s.tasks.get(&tgid).map_or((core::ops::Bound::Included(at), core::ops::Bound::Unbounded), |l| l.group.tids_from(at));
    s.tasks.range(tids).find(|(_, t)| t.tgid() == tgid).map(|(&p, _)| p)
}

/// Ends the current thread (`exit`, or a thread's share of a group exit; Linux's
/// `do_exit`). Never returns. A non-leader thread is released at once (the next `schedule`
/// frees its stack); the leader stays a zombie. The last thread ends the group: its children
/// go to init and its parent is told.
pub fn exit_thread(status: WaitStatus) -> ! {
    signals::release_autoreaped();
    sched::release_dead();
    let task = current();
    let pid = task.pid();
    let group = task.group.clone();
    if pid == INIT_PID && group.live() == 1 {
        drop(task);
        drop(group);
        init_exited(status);
    }
    // The exiting thread may use the memory reserve; the process, once its last thread goes.
    if group.live() == 1 { group.mark_dying(true) } else { crate::mm::reserve::set_running(true) }
    uaddrs::release(&task, uaddrs::Release::Exit);
    clone::vfork_release(&task);
    let (aspace, files, fs) = {
        let mut inner = task.inner.lock();
        (inner.aspace.take(), inner.files.take(), inner.fs.take())
    };
    drop(fs);
    if let Some(a) = &aspace {
        task.usage.keep_peak(a);
    }
    if group.live() > 1 {
        signals::retarget(&task, !0); // the process's pending signals go to another thread
    }
    drop(files);
    if let Some(a) = aspace {
        if a.is_active() {
            crate::mm::aspace::activate_kernel();
        }
        drop(a); // the last user sweeps the space and frees its directory
    }
    let (init_status, last) = sched::with(|s| {
        jobctl::on_thread_exit(s, &task);
        usage::thread_exited(&task);
        let last = group.thread_exited();
        if last {
            timer::exit(&task); // the process's real-time timer
        }
        {
            let mut inner = task.inner.lock();
            inner.state = State::Zombie;
            inner.wait_status = status.encode();
            signals::on_exit(&mut inner);
        }
        if !task.is_leader() {
            s.set_dead(pid);
        }
        let exec = group.exec_task();
        if exec != 0 {
            s.make_runnable(exec); // de_thread waits for the other threads to be gone
        }
        if !last {
            return (None, false);
        }
        // The last thread's status is the group's unless a group exit set one (Linux's
        // synchronize_group_exit): a leader that exited first does not decide it.
        let group_status = group.start_exit(status);
        if group.tgid == INIT_PID {
            return (Some(group_status), true);
        }
        if let Some(leader) = s.tasks.get(&group.tgid).cloned() {
            leader.inner.lock().wait_status = group_status.encode();
            group_ended(s, &leader, group_status);
        }
        (None, true)
    });
    drop(task);
    if let Some(st) = init_status {
        init_exited(st);
    }
    if last {
        pgrp::session_leader_exited(&group);
    }
    drop(group);
    sched::schedule();
    unreachable!("a dead task was scheduled");
}

/// The group `leader` leads ended with `status`: its children go to init, and its parent is
/// told with the leader's exit signal — SIGCHLD through `notify_parent` (which may autoreap
/// it), another signal as is, or none — and its threads sleeping in `wait4` are woken (and
/// init's, when a zombie came to it).
fn group_ended(s: &mut sched::Scheduler, leader: &Arc<Task>, status: WaitStatus) {
    let tgid = leader.tgid();
    let mut wake_init = false;
    while let Some(t) = children::first(s, tgid).cloned() {
        let mut at = t.tgid();
        while let Some(pid) = next_thread(s, t.tgid(), at) {
            at = pid + 1;
            s.tasks[&pid].inner.lock().parent = INIT_PID;
        }
        children::unlink(s, &t.group);
        children::link(s, INIT_PID, &t.group);
        wake_init |= t.inner.lock().state == State::Zombie && t.group.live() == 0;
        pgrp::child_reparented(s, &leader.group, &t);
    }
    pgrp::process_exiting(s, leader);
    let parent = leader.inner.lock().parent;
    let (code, st) = signals::chld_code(status);
    match leader.exit_signal() {
        signals::SIGCHLD => {
            if signals::notify_parent(s, tgid, parent, code, st) {
                leader.group.sig.lock().autoreap = true;
                signals::set_autoreaped(tgid);
            }
        }
        0 => {}
        sig => {
            if let Some(p) = s.tasks.get(&parent).cloned() {
                let info = sigstate::SigInfo { signo: sig, code, fields: [tgid, 0, st] };
                let _ = signals::send_locked(s, &p, info, false, true);
            }
        }
    }
    // notify_parent woke the parent's leader: enough when it is the parent's only thread.
    let lone_leader = s.tasks.get(&parent).is_some_and(|p| p.group.live() == 1 && p.inner.lock().state != State::Zombie);
    if !lone_leader || leader.exit_signal() != signals::SIGCHLD {
        wake_waiters(s, parent);
    }
    if wake_init && parent != INIT_PID {
        wake_waiters(s, INIT_PID);
    }
}

/// Wakes every thread of process `tgid` sleeping in `wait4`.
pub(super) fn wake_waiters(s: &mut sched::Scheduler, tgid: Pid) {
    let mut at = tgid;
    while let Some(pid) = next_thread(s, tgid, at) {
        at = pid + 1;
        if s.tasks[&pid].inner.lock().state == State::Waiting {
            s.make_runnable(pid);
        }
    }
}

fn init_exited(status: WaitStatus) -> ! {
    let code = match status {
        WaitStatus::Exited(c) => {
            crate::kprintln!("init exited with status {c}; powering off");
            c.min(99)
        }
        WaitStatus::Signaled(sig) | WaitStatus::Dumped(sig) => {
            crate::kprintln!("init killed by {} ({sig}); powering off", signals::name(sig));
            (100 + sig).min(127) as u8
        }
    };
    crate::system::power_off(code)
}

/// Sends `sig` to process `pid` from the current process (`kill`; 0 only checks that it
/// exists).
pub fn kill(pid: Pid, sig: u32) -> Result<(), Errno> {
    if sig > signals::SIGMAX {
        return Err(Errno::EINVAL);
    }
    let target = sched::with(|s| s.tasks.get(&pid).filter(|t| t.pid() != 0).cloned()).ok_or(Errno::ESRCH)?;
    // One lock at a time: the target may be the caller.
    let me = current();
    let mine = me.cred.lock().clone();
    let allowed = pgrp::may_kill(&mine, me.group.sid(), &target, sig);
    drop(target);
    if !allowed {
        return Err(Errno::EPERM);
    }
    let info = sigstate::SigInfo::from_pid(sig, sigstate::SI_USER, current().tgid());
    signals::send_to(pid, info, false, true)
}

/// execve's `de_thread`: ends every other thread of the caller's group and waits until they
/// are gone; a non-leader caller then takes over the leader's tid (the leader, a zombie by
/// then, is released). EAGAIN when the group is being killed meanwhile (the caller dies on
/// its way out).
pub fn de_thread() -> Result<(), Errno> {
    let task = current();
    let group = task.group.clone();
    if group.live() == 1 && task.is_leader() {
        return Ok(());
    }
    if group.exit_status().is_some() {
        return Err(Errno::EAGAIN);
    }
    group.set_exec_task(task.pid());
    kill_threads(&task);
    let result = loop {
        let done = sched::with(|_| {
            if group.live() == 1 {
                return true;
            }
            task.inner.lock().state = State::Waiting;
            false
        });
        if done {
            break Ok(());
        }
        sched::schedule();
        if signals::fatal_pending() || group.exit_status().is_some() {
            break Err(Errno::EAGAIN);
        }
    };
    group.set_exec_task(0);
    result?;
    if !task.is_leader() {
        let old_leader = sched::with(|s| s.take_over_leader(&task));
        drop(old_leader); // frees the old leader's kernel stack
    }
    Ok(())
}

/// Called before every return to ring 3: yields the CPU when the time slice is over, moves an
/// rseq critical section that was preempted to its abort handler, then delivers pending
/// signals (and decides what an interrupted system call does). Each check is a load or two in
/// the usual case.
pub fn on_return_to_user(frame: &mut TrapFrame) {
    if sched::quantum_expired() {
        sched::schedule();
    }
    rseq::on_return_to_user(frame);
    if signals::any_pending() || signals::restart_requested(frame) {
        signals::do_signal(frame);
    }
}

/// The current task's name (for log lines: empty when the heap has no room for the copy).
pub fn current_name() -> String {
    crate::mm::trycopy::string(&current().inner.lock().name).unwrap_or_default()
}
