//! Processes: creation (the first program, fork, execve), exit and reaping, and the checks on
//! every return to user mode (a pending kill, the end of the time slice).
//!
//! The rest of the kernel reaches the running task only through [`current`] and its space
//! through [`current_aspace`] (Linux's `current` and `current->mm`); the page-fault handler
//! reaches the space loaded in CR3 through [`AddressSpace::with_active`]. Both are per CPU in
//! meaning: with several CPUs they read a per-CPU area, and their callers do not change.

pub mod cred;
pub mod exec;
pub mod files;
pub mod futex;
pub mod robust;
pub mod rseq;
pub mod limits;
pub mod sched;
pub mod sigframe;
pub mod signals;
pub mod sigstate;
pub mod switch;
pub mod task;
pub mod uaddrs;
pub mod timer;
pub mod usage;

use crate::arch::trap::TrapFrame;
use crate::mm::aspace::AddressSpace;
use alloc::string::String;
use alloc::sync::Arc;
use files::FdTable;
use task::{Pid, State, Task};
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{WCONTINUED, WNOHANG, WUNTRACED};

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
    let pid = sched::with(|s| s.alloc_pid());
    let image = exec::load(&aspace, path, args, &[b"HOME=/", b"PATH=/bin:/"])?;
    let name = exec::basename(path);
    let sigs = signals::new_task_state(None)?;
    let task = Task::new(pid, 0, name, aspace, FdTable::with_console(), sigs).map_err(|_| Errno::ENOMEM)?;
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

/// The running task's pid.
pub fn current_pid() -> Pid {
    sched::current_pid()
}

/// The running task's address space (none for the idle task).
pub fn current_aspace() -> Option<Arc<AddressSpace>> {
    current().inner.lock().aspace.clone()
}

/// Every task's address space with the task's pid (for the self-checks' consistency walk).
pub fn address_spaces() -> alloc::vec::Vec<(Pid, Arc<AddressSpace>)> {
    sched::with(|s| s.tasks.values().filter_map(|t| t.inner.lock().aspace.clone().map(|a| (t.pid, a))).collect())
}

/// Free frames below which fork fails (EAGAIN) instead of taking the last ones: the processes
/// that already exist keep room for their next faults (a parent's copy-on-write break right
/// after the fork), as Linux keeps its min watermark out of reach of ordinary allocations.
pub const FORK_RESERVE_FRAMES: u32 = 64;

/// fork: a copy of the current process whose `fork` returns 0.
pub fn fork(frame: &TrapFrame) -> Result<Pid, Errno> {
    if crate::mm::frames::counters().free < FORK_RESERVE_FRAMES {
        return Err(Errno::EAGAIN);
    }
    let parent = current();
    limits::check_nproc(&parent)?;
    let (aspace, files, name, sigs) = {
        let inner = parent.inner.lock();
        (inner.aspace.clone().ok_or(Errno::EINVAL)?, inner.files.clone(), inner.name.clone(), signals::new_task_state(Some(&inner))?)
    };
    let child_space = aspace.clone_space()?;
    drop(aspace);
    let pid = sched::with(|s| s.alloc_pid());
    // On failure the child's address space is dropped (swept) with the error.
    let child = Task::new(pid, parent.pid, name, child_space, files, sigs).map_err(|_| Errno::EAGAIN)?;
    let child = crate::mm::inject::fallible(|| Arc::try_new(child)).map_err(|_| Errno::ENOMEM)?;
    child.inner.lock().thread = parent.inner.lock().thread.for_fork_child();
    *child.cred.lock() = parent.cred.lock().clone();
    *child.limits.lock() = *parent.limits.lock();
    let mut child_frame = *frame;
    child_frame.eax = 0;
    // SAFETY: the child's kernel stack is fresh and owned by it; it is not queued yet.
    unsafe {
        let esp = switch::prepare_stack(child.kstack_top(), &child_frame);
        child.set_saved_esp(esp);
    }
    drop(parent);
    sched::with(|s| s.add(child));
    Ok(pid)
}

/// Ends the current process. Never returns: the task becomes a zombie until its parent reaps
/// it (init's exit powers the machine off).
pub fn exit_current(status: WaitStatus) -> ! {
    signals::release_autoreaped();
    let task = current();
    let pid = task.pid;
    if pid == INIT_PID {
        drop(task);
        init_exited(status);
    }
    uaddrs::release(&task, uaddrs::Release::Exit);
    let (aspace, files) = {
        let mut inner = task.inner.lock();
        (inner.aspace.take(), core::mem::take(&mut inner.files))
    };
    timer::exit(&task);
    if let Some(a) = &aspace {
        task.usage.keep_peak(a);
    }
    drop(files);
    if let Some(a) = aspace {
        if a.is_active() {
            crate::mm::aspace::activate_kernel();
        }
        drop(a); // the last reference sweeps the space and frees its directory
    }
    sched::with(|s| {
        let mut wake_init = false;
        for t in s.tasks.values() {
            let mut inner = t.inner.lock();
            if inner.parent == pid && t.pid != pid {
                inner.parent = INIT_PID;
                wake_init |= inner.state == State::Zombie;
            }
        }
        let parent = {
            let mut inner = task.inner.lock();
            inner.state = State::Zombie;
            inner.wait_status = status.encode();
            signals::on_exit(&mut inner);
            inner.parent
        };
        let (code, st) = signals::chld_code(status);
        if signals::notify_parent(s, pid, parent, code, st) {
            task.inner.lock().psig.autoreap = true;
            signals::set_autoreaped(pid);
        }
        let waiting = s.tasks.get(&INIT_PID).is_some_and(|t| t.inner.lock().state == State::Waiting);
        if waiting && wake_init {
            s.make_runnable(INIT_PID);
        }
    });
    drop(task);
    sched::schedule();
    unreachable!("a zombie was scheduled");
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

/// What `wait4` found.
pub enum Reaped {
    /// A zombie child was reaped: its pid, wait status, and what it and its reaped children
    /// used (`wait4`'s rusage).
    Child(Pid, u32, usage::Usage),
    /// WNOHANG and no child has exited.
    NotYet,
}

/// Waits for a child (`pid` -1 for any) to exit and reaps it.
pub fn wait(pid: i32, options: u32) -> Result<Reaped, Errno> {
    loop {
        let found = sched::with(|s| {
            let me = s.current();
            let mut any = false;
            let mut zombie = None;
            for t in s.tasks.values() {
                let inner = t.inner.lock();
                if inner.parent != me.pid || t.pid == me.pid || t.pid == 0 || inner.psig.autoreap {
                    continue;
                }
                if pid > 0 && t.pid != pid as u32 {
                    continue;
                }
                any = true;
                if inner.state == State::Zombie {
                    zombie = Some((t.pid, inner.wait_status));
                    break;
                }
            }
            if !any {
                return Err(Errno::ECHILD);
            }
            if zombie.is_none() {
                if let Some(r) = take_report(s, &me, pid, options) {
                    return Ok(Some(r));
                }
            }
            if let Some((cpid, status)) = zombie {
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
                return Ok(Reaped::Child(cpid, status, used));
            }
            None if options & WNOHANG != 0 => return Ok(Reaped::NotYet),
            None => {
                sched::schedule();
            }
        }
    }
}

/// Sends `sig` to process `pid` from the current process (`kill`; 0 only checks that it
/// exists).
pub fn kill(pid: Pid, sig: u32) -> Result<(), Errno> {
    if sig > signals::SIGMAX {
        return Err(Errno::EINVAL);
    }
    let target = sched::with(|s| s.tasks.get(&pid).filter(|t| t.pid != 0).cloned()).ok_or(Errno::ESRCH)?;
    // One lock at a time: the target may be the caller.
    let mine = current().cred.lock().clone();
    let theirs = target.cred.lock().clone();
    drop(target);
    if !cred::may_signal(&mine, &theirs) {
        return Err(Errno::EPERM);
    }
    let info = sigstate::SigInfo::from_pid(sig, sigstate::SI_USER, current_pid());
    signals::send_to(pid, info, false, true)
}

/// A stop or continue of a child of `me` that `wait4` with `WUNTRACED`/`WCONTINUED` reports
/// (taken: reported once), as `(pid, status, None)`.
fn take_report(s: &sched::Scheduler, me: &Task, pid: i32, options: u32) -> Option<(Pid, u32, Option<Arc<Task>>)> {
    for t in s.tasks.values() {
        let mut inner = t.inner.lock();
        if inner.parent != me.pid || t.pid == me.pid || (pid > 0 && t.pid != pid as u32) {
            continue;
        }
        let wanted = match inner.psig.report {
            Some(0xffff) => options & WCONTINUED != 0,
            Some(_) => options & WUNTRACED != 0 && inner.psig.stopped,
            None => false,
        };
        if wanted {
            return inner.psig.report.take().map(|st| (t.pid, st, None));
        }
    }
    None
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

/// The current task's name.
pub fn current_name() -> String {
    current().inner.lock().name.clone()
}
