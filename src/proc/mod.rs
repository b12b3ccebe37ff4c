//! Processes: creation (the first program, fork, execve), exit and reaping, and the checks on
//! every return to user mode (a pending kill, the end of the time slice).
//!
//! The rest of the kernel reaches the running task only through [`current`] and its space
//! through [`current_aspace`] (Linux's `current` and `current->mm`); the page-fault handler
//! reaches the space loaded in CR3 through [`AddressSpace::with_active`]. Both are per CPU in
//! meaning: with several CPUs they read a per-CPU area, and their callers do not change.

pub mod clone;
pub mod exec;
pub mod files;
pub mod group;
pub mod robust;
pub mod rseq;
pub mod sched;
pub mod signals;
pub mod switch;
pub mod task;
pub mod uaddrs;

use crate::arch::trap::TrapFrame;
use crate::mm::aspace::AddressSpace;
use alloc::string::String;
use alloc::sync::Arc;
use files::{FdTable, Files};
use task::{Pid, State, Task, TaskIds};
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{WNOHANG, __WALL, __WCLONE};

/// How a process ended, encoded for `wait4` as Linux does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    /// `exit(code)`.
    Exited(u8),
    /// Killed by a signal.
    Signaled(u32),
}

impl WaitStatus {
    /// The Linux encoding: `code << 8` for an exit, the signal number for a kill.
    pub fn encode(self) -> u32 {
        match self {
            WaitStatus::Exited(code) => (code as u32) << 8,
            WaitStatus::Signaled(sig) => sig & 0x7f,
        }
    }
}

/// The pid of init, the first process; orphans are re-parented to it.
pub const INIT_PID: Pid = 1;

/// Starts the first process from `path` with `args` (argv[0] included).
pub fn spawn_init(path: &str, args: &[&[u8]]) -> Result<Pid, Errno> {
    let aspace = AddressSpace::new()?;
    let pid = sched::with(|s| s.alloc_pid());
    let image = exec::load(&aspace, path, args, &[b"HOME=/", b"PATH=/bin:/"])?;
    let name = exec::basename(path);
    let files = Files::new(FdTable::with_console())?;
    let task = Task::new(TaskIds::process(pid, 0)?, name, aspace, files).map_err(|_| Errno::ENOMEM)?;
    let task = crate::mm::inject::fallible(|| Arc::try_new(task)).map_err(|_| Errno::ENOMEM)?;
    let frame = switch::user_frame(image.entry, image.sp);
    // SAFETY: the task's kernel stack is fresh and owned by it; it is not queued yet.
    unsafe {
        let esp = switch::prepare_stack(task.kstack_top(), &frame);
        task.set_saved_esp(esp);
        task.set_initial_fpu();
    }
    sched::with(|s| s.add(task));
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
/// a space shared by threads appears once per thread).
pub fn address_spaces() -> alloc::vec::Vec<(Pid, Arc<AddressSpace>)> {
    sched::with(|s| s.tasks.values().filter_map(|t| t.inner.lock().aspace.clone().map(|a| (t.pid(), a))).collect())
}

/// Free frames below which fork fails (EAGAIN) instead of taking the last ones: the processes
/// that already exist keep room for their next faults (a parent's copy-on-write break right
/// after the fork), as Linux keeps its min watermark out of reach of ordinary allocations.
pub const FORK_RESERVE_FRAMES: u32 = 64;

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
    let status = group.start_exit(status);
    if group.tgid == INIT_PID {
        drop(task);
        drop(group);
        init_exited(status);
    }
    kill_threads(&task, signals::SIGKILL);
    drop(task);
    drop(group);
    exit_thread(status)
}

/// Sends the fatal `sig` to every other live thread of `task`'s group (every signal
/// terminates), waking the sleepers.
fn kill_threads(task: &Task, sig: u32) {
    let me = task.pid();
    sched::with(|s| signal_group(s, task.tgid(), sig, me));
}

/// Makes the fatal `sig` pending for every live thread of group `tgid` but `except`, and
/// wakes those that sleep. Allocates nothing (it runs on the way to freeing memory).
fn signal_group(s: &mut sched::Scheduler, tgid: Pid, sig: u32, except: Pid) {
    let mut at = tgid;
    while let Some(pid) = next_thread(s, tgid, at) {
        at = pid + 1;
        if pid == except {
            continue;
        }
        let wake = {
            let mut inner = s.tasks[&pid].inner.lock();
            if inner.state == State::Zombie {
                continue;
            }
            signals::set_pending(&mut inner.pending_kill, sig);
            matches!(inner.state, State::Sleeping { .. } | State::Waiting)
        };
        if wake {
            s.make_runnable(pid);
        }
    }
}

/// The first thread of group `tgid` whose tid is `at` or above. Every thread's tid is at
/// least its group's tgid (threads are made after their leader, and `de_thread` gives the
/// survivor the tgid), so walking up from the tgid visits the whole group.
fn next_thread(s: &sched::Scheduler, tgid: Pid, at: Pid) -> Option<Pid> {
    s.tasks.range(at..).find(|(_, t)| t.tgid() == tgid).map(|(&p, _)| p)
}

/// Ends the current thread (`exit`, or a thread's share of a group exit; Linux's
/// `do_exit`). Never returns. A non-leader thread is released at once (the next `schedule`
/// frees its stack); the leader stays a zombie. The last thread ends the group: its children
/// go to init and its parent is told.
pub fn exit_thread(status: WaitStatus) -> ! {
    sched::release_dead();
    let task = current();
    let pid = task.pid();
    let group = task.group.clone();
    if pid == INIT_PID && group.live() == 1 {
        drop(task);
        drop(group);
        init_exited(status);
    }
    uaddrs::release(&task, uaddrs::Release::Exit);
    clone::vfork_release(&task);
    let (aspace, files) = {
        let mut inner = task.inner.lock();
        (inner.aspace.take(), inner.files.take())
    };
    drop(files);
    if let Some(a) = aspace {
        if a.is_active() {
            crate::mm::aspace::activate_kernel();
        }
        drop(a); // the last user sweeps the space and frees its directory
    }
    let init_status = sched::with(|s| {
        let last = group.thread_exited();
        {
            let mut inner = task.inner.lock();
            inner.state = State::Zombie;
            inner.wait_status = status.encode();
            signals::clear_pending(&mut inner.pending_kill);
        }
        if !task.is_leader() {
            s.set_dead(pid);
        }
        let exec = group.exec_task();
        if exec != 0 {
            s.make_runnable(exec); // de_thread waits for the other threads to be gone
        }
        if !last {
            return None;
        }
        // The last thread's status is the group's unless a group exit set one (Linux's
        // synchronize_group_exit): a leader that exited first does not decide it.
        let group_status = group.start_exit(status);
        if group.tgid == INIT_PID {
            return Some(group_status);
        }
        let leader = s.tasks.get(&group.tgid).cloned();
        let parent = match &leader {
            Some(l) => {
                let mut inner = l.inner.lock();
                inner.wait_status = group_status.encode();
                inner.parent
            }
            None => INIT_PID,
        };
        group_ended(s, group.tgid, parent);
        None
    });
    drop(task);
    drop(group);
    if let Some(st) = init_status {
        init_exited(st);
    }
    sched::schedule();
    unreachable!("a dead task was scheduled");
}

/// The group `tgid` ended: its children go to init, and the parent's waiting threads (and
/// init's, when a zombie came to it) are woken.
fn group_ended(s: &mut sched::Scheduler, tgid: Pid, parent: Pid) {
    let mut wake_init = false;
    for t in s.tasks.values() {
        let mut inner = t.inner.lock();
        if inner.parent == tgid && t.tgid() != tgid {
            inner.parent = INIT_PID;
            wake_init |= inner.state == State::Zombie && t.is_leader() && t.group.live() == 0;
        }
    }
    wake_waiters(s, parent);
    if wake_init && parent != INIT_PID {
        wake_waiters(s, INIT_PID);
    }
}

/// Wakes every thread of process `tgid` sleeping in `wait4`.
fn wake_waiters(s: &mut sched::Scheduler, tgid: Pid) {
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
        WaitStatus::Signaled(sig) => {
            crate::kprintln!("init killed by {} ({sig}); powering off", signals::name(sig));
            (100 + sig).min(127) as u8
        }
    };
    crate::system::power_off(code)
}

/// What `wait4` found.
pub enum Reaped {
    /// A zombie child was reaped: its pid and wait status.
    Child(Pid, u32),
    /// WNOHANG and no child has exited.
    NotYet,
}

/// Whether `wait4` with `options` looks at a child whose exit signal is `exit_signal`
/// (Linux's `eligible_child`: clone children only with `__WCLONE`, everyone with `__WALL`).
fn eligible(exit_signal: u32, options: u32) -> bool {
    options & __WALL != 0 || ((exit_signal != signals::SIGCHLD) == (options & __WCLONE != 0))
}

/// Waits for a child process (`pid` -1 for any) of the caller's group to end and reaps it.
/// Threads are never reported: a process is reported once its last thread ended.
pub fn wait(pid: i32, options: u32) -> Result<Reaped, Errno> {
    loop {
        let found = sched::with(|s| {
            let me = s.current();
            let my_tgid = me.tgid();
            let mut any = false;
            let mut zombie = None;
            for t in s.tasks.values() {
                if !t.is_leader() || t.pid() == 0 || t.tgid() == my_tgid {
                    continue;
                }
                let inner = t.inner.lock();
                if inner.parent != my_tgid || (pid > 0 && t.pid() != pid as u32) || !eligible(t.exit_signal(), options) {
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
            if let Some((cpid, status)) = zombie {
                let task = s.remove(cpid);
                return Ok(Some((cpid, status, task)));
            }
            if options & WNOHANG == 0 {
                me.inner.lock().state = State::Waiting;
            }
            Ok(None)
        })?;
        match found {
            Some((cpid, status, task)) => {
                drop(task); // frees the child's kernel stack
                sched::release_dead();
                return Ok(Reaped::Child(cpid, status));
            }
            None if options & WNOHANG != 0 => return Ok(Reaped::NotYet),
            None => {
                sched::schedule();
                if signals::kill_pending() {
                    return Err(Errno::EINTR);
                }
            }
        }
    }
}

/// Sends `sig` to the process that has a thread `pid` (0 only checks that it exists): every
/// signal terminates, so every thread of the group gets it.
pub fn kill(pid: Pid, sig: u32) -> Result<(), Errno> {
    if sig > signals::SIGMAX {
        return Err(Errno::EINVAL);
    }
    let task = sched::with(|s| s.tasks.get(&pid).filter(|t| t.pid() != 0).cloned()).ok_or(Errno::ESRCH)?;
    if sig == 0 || task.group.live() == 0 {
        return Ok(());
    }
    sched::with(|s| signal_group(s, task.tgid(), sig, 0));
    Ok(())
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
    kill_threads(&task, signals::SIGKILL);
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
        if signals::kill_pending() || group.exit_status().is_some() {
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

/// Called before every return to ring 3: dies of a pending signal, or yields the CPU when
/// the time slice is over. Both checks are one load each in the usual case.
pub fn on_return_to_user(frame: &mut TrapFrame) {
    die_if_killed();
    if sched::quantum_expired() {
        sched::schedule();
        die_if_killed();
    }
    rseq::on_return_to_user(frame);
}

/// Exits the current task if it has a fatal signal pending.
fn die_if_killed() {
    if !signals::any_pending() {
        return;
    }
    let task = current();
    let pending = task.inner.lock().pending_kill;
    if let Some(sig) = pending {
        // The other threads' deaths that an execve's de_thread causes are theirs alone.
        let exec = task.group.exec_task();
        let alone = exec != 0 && exec != task.pid();
        drop(task);
        if alone {
            exit_thread(WaitStatus::Signaled(sig));
        }
        exit_current(WaitStatus::Signaled(sig));
    }
}

/// The current task's name.
pub fn current_name() -> String {
    current().inner.lock().name.clone()
}
