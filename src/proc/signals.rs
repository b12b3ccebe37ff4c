//! Signals: generation (`kill`, `tkill`, faults, SIGCHLD), delivery on the way back to user
//! mode (handlers on a Linux i386 signal frame, default actions: terminate, core, ignore,
//! stop/continue), interrupted system calls (restart or EINTR, as Linux's `handle_signal`),
//! and the console report of a process a signal ends.
//!
//! State lives in [`super::sigstate`]; frames in [`super::sigframe`]. The "something to
//! deliver" check on every return to user mode is one load of [`PENDING`], the number of
//! tasks with a deliverable (pending and unblocked) signal; a task's own `sig.flagged` says
//! whether it counts, recomputed by [`recalc`] under its lock whenever its pending sets or
//! its mask change.

use super::sched::{self, Scheduler};
use super::sigstate::*;
use super::task::{Pid, State, Task, TaskInner};
use super::WaitStatus;
use crate::arch::exception::ExceptionKind;
use crate::arch::trap::TrapFrame;
use crate::kprintln;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};
use vmcore::addr::VirtAddr;
use vmcore::errno::Errno;
use vmcore::fault::{Access, Fault, Refusal};

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

/// Generates `sig` for `pid` from interrupt context (timers: SIGALRM, SIGVTALRM, SIGPROF),
/// with the scheduler already locked. Never allocates (a standard signal). False if the
/// task's lock is held by the code the interrupt interrupted: the caller tries again at the
/// next tick.
pub fn send_from_interrupt(s: &mut Scheduler, pid: Pid, sig: u32) -> bool {
    let Some(task) = s.tasks.get(&pid).cloned() else { return true };
    if task.inner.try_lock().is_none() {
        return false;
    }
    // The lock was free just now, and nothing else runs until this returns.
    let _ = send_locked(s, &task, SigInfo::from_pid(sig, SI_KERNEL, 0), false, true);
    true
}

/// Recomputes whether `inner`'s task has a deliverable signal (Linux's `recalc_sigpending`)
/// and keeps [`PENDING`] in step.
pub fn recalc(inner: &mut TaskInner) {
    let want = inner.state != State::Zombie
        && (inner.sig.pending.set | inner.psig.shared.set) & !inner.sig.blocked != 0;
    if want != inner.sig.flagged {
        inner.sig.flagged = want;
        if want {
            PENDING.fetch_add(1, Ordering::Relaxed);
        } else {
            PENDING.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Whether the current task has a deliverable signal: a blocking call returns
/// `ERESTARTSYS` (or its kin) when this turns true.
pub fn signal_pending() -> bool {
    any_pending() && super::current().inner.lock().sig.flagged
}

/// Sets the current task's blocked mask (SIGKILL and SIGSTOP stay unblocked); returns the old.
pub fn set_blocked(mask: SigSet) -> SigSet {
    let task = super::current();
    let mut inner = task.inner.lock();
    let old = inner.sig.blocked;
    inner.sig.blocked = mask & !UNBLOCKABLE;
    recalc(&mut inner);
    old
}

/// Whether a core dump is written for a core-type signal — and so whether the wait status gets
/// the core bit, which Linux sets only for a dump it actually wrote: `RLIMIT_CORE` must allow
/// at least a page, and the file must be writable in the process's directory. The root file
/// system is the read-only initrd until the files issue brings a writable tmpfs, so no dump
/// can be written yet (Linux, on a read-only directory, fails the same way and sets no bit).
fn core_dump_allowed() -> bool {
    /// Whether a core file can be created at all: not on the read-only initrd.
    const CORE_FILES_WRITABLE: bool = false;
    super::limits::current_cur(super::limits::RLIMIT_CORE) >= vmcore::addr::PAGE_SIZE && CORE_FILES_WRITABLE
}

/// How a default-action death of `sig` ends the process.
fn death_status(sig: u32) -> WaitStatus {
    if default_action(sig) == DefaultAction::Core && core_dump_allowed() {
        WaitStatus::Dumped(sig)
    } else {
        WaitStatus::Signaled(sig)
    }
}

// ---------------------------------------------------------------------------------------
// Generation

/// Queues `info` for `task` (its own pending set if `thread`, else the process's) with
/// Linux's `send_signal` rules: SIGCONT resumes a stopped process and drops pending stop
/// signals, a stop signal drops a pending SIGCONT, an unblocked ignored signal is discarded,
/// SIGKILL wakes a stopped process; a sleeping task that can take it is woken. `lossy`: a
/// real-time signal that finds no room is made pending without its data instead of failing.
pub fn send_locked(s: &mut Scheduler, task: &Task, info: SigInfo, thread: bool, lossy: bool) -> Result<(), Errno> {
    let sig = info.signo;
    let picked;
    let task = if thread || task.group.live() <= 1 {
        task
    } else {
        picked = pick_thread(s, task, sig);
        picked.as_deref().unwrap_or(task)
    };
    let (wake, continued, parent) = {
        let mut guard = task.inner.lock();
        let inner = &mut *guard;
        if inner.state == State::Zombie {
            return Ok(());
        }
        let mut wake = false;
        let mut continued = false;
        if sigbit(sig) & STOP_SIGNALS != 0 {
            inner.psig.shared.flush(sigbit(SIGCONT));
            inner.sig.pending.flush(sigbit(SIGCONT));
        }
        if sig == SIGCONT {
            inner.psig.shared.flush(STOP_SIGNALS);
            inner.sig.pending.flush(STOP_SIGNALS);
            if inner.psig.stopped {
                inner.psig.stopped = false;
                inner.psig.report = Some(0xffff);
                wake = true;
                continued = true;
            }
        }
        if sig == SIGKILL && inner.psig.stopped {
            inner.psig.stopped = false;
            wake = true;
        }
        let act = inner.sighand.get(sig);
        let blocked = inner.sig.blocked & sigbit(sig) != 0;
        if sig == SIGKILL || blocked || inner.sig.waiting_for & sigbit(sig) != 0 || !act.ignores(sig) {
            let set = if thread { &mut inner.sig.pending } else { &mut inner.psig.shared };
            set.add(info, lossy).map_err(|_| Errno::EAGAIN)?;
            recalc(inner);
            let awaited = inner.sig.waiting_for & sigbit(sig) != 0;
            if (!blocked || awaited) && matches!(inner.state, State::Sleeping { .. } | State::Waiting) {
                wake = true;
            }
        }
        (wake, continued, inner.parent)
    };
    if wake {
        s.make_runnable(task.pid());
    }
    if continued {
        notify_parent(s, task.tgid(), parent, CLD_CONTINUED, SIGCONT);
    }
    Ok(())
}

/// The thread of `task`'s group that takes a process-directed `sig` (Linux's
/// `complete_signal`): `task` itself if it does not block it, else the first live thread
/// that does not; `None` (keep `task`) when all block it. The signal then waits in that
/// thread's share of the process's pending set.
fn pick_thread(s: &Scheduler, task: &Task, sig: u32) -> Option<Arc<Task>> {
    let wants = |t: &Task| {
        let inner = t.inner.lock();
        inner.state != State::Zombie && inner.sig.blocked & sigbit(sig) == 0
    };
    if wants(task) {
        return None;
    }
    let tgid = task.tgid();
    s.tasks.range(tgid..).map(|(_, t)| t).find(|t| t.tgid() == tgid && wants(t)).cloned()
}

/// Whether process `t` was released (autoreaped: nobody will wait for it, only its stack
/// waits to be freed); signals and group lookups no longer see it.
pub fn released(t: &Task) -> bool {
    t.inner.lock().psig.autoreap
}

/// Whether process `t` is stopped (every thread, by a stop signal).
pub fn group_stopped(t: &Task) -> bool {
    t.inner.lock().psig.stopped
}

/// Whether the locks [`send_locked`] takes for process `t` are free (interrupt context, the
/// scheduler locked: the interrupted code may hold them).
pub fn lockable(_s: &Scheduler, t: &Task) -> bool {
    t.inner.try_lock().is_some()
}

/// Sends `info` to task `pid` (`thread`: to that thread only). `Ok` for a zombie, as Linux.
pub fn send_to(pid: Pid, info: SigInfo, thread: bool, lossy: bool) -> Result<(), Errno> {
    if pid == 0 {
        return Err(Errno::ESRCH);
    }
    sched::with(|s| {
        let task = s.tasks.get(&pid).cloned().ok_or(Errno::ESRCH)?;
        if task.inner.lock().psig.autoreap {
            return Err(Errno::ESRCH); // released, only its stack waits to be freed
        }
        if info.signo == 0 {
            return Ok(());
        }
        send_locked(s, &task, info, thread, lossy)
    })
}

/// Marks `sig` pending for the current task, sent by the kernel (SIGKILL for an out-of-memory
/// user copy): it acts on the way back to user mode.
pub fn kill_current(sig: u32) {
    let pid = super::current_pid();
    // The current task is running: nothing to wake, and a standard signal never fails.
    let _ = send_to(pid, SigInfo::from_pid(sig, SI_KERNEL, 0), true, true);
}

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
    if ptask.inner.lock().state == State::Waiting {
        s.make_runnable(parent);
    }
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
        s.remove(pid)
    });
    drop(task); // frees its kernel stack, outside the scheduler's lock
}

// ---------------------------------------------------------------------------------------
// Faults

/// Linux's `force_sig_fault` for the current task: a fault signal with a handler that does
/// not block it is queued (delivered on the way out; returns true). Blocked or ignored or
/// default, the signal is unblocked and reset to default, i.e. the process dies of it: the
/// caller prints the report and ends the process (returns false).
pub fn force_fault(info: SigInfo, regs: FaultRegs) -> bool {
    let task = super::current();
    let mut guard = task.inner.lock();
    let inner = &mut *guard;
    let act = inner.sighand.get(info.signo);
    let blocked = inner.sig.blocked & sigbit(info.signo) != 0;
    if blocked || act.handler == SIG_IGN || act.handler == SIG_DFL {
        return false;
    }
    inner.sig.fault = regs;
    // A standard signal is never refused.
    let _ = inner.sig.pending.add(info, true);
    recalc(inner);
    true
}

/// Kills the current process for a fault it cannot survive, after the report.
/// `reason` is formatted straight into the report: nothing on this path may own heap memory,
/// since the function never returns to drop it.
pub fn fatal_fault(frame: &TrapFrame, addr: u32, fault: &Fault, reason: core::fmt::Arguments<'_>, sig: u32) -> ! {
    let (pid, name) = {
        let task = super::current();
        let inner = task.inner.lock();
        (task.pid(), inner.name.clone())
    };
    let access = match fault.access {
        Access::Read => "read",
        Access::Write => "write",
        Access::Exec => "instruction fetch",
    };
    let vma = super::current_aspace().and_then(|a| a.vma_at(VirtAddr::new(addr)));
    let mut vma_text = alloc::string::String::new();
    match &vma {
        Some(v) => {
            let _ = vmcore::maps::write_maps_line(&mut vma_text, v);
        }
        None => vma_text.push_str("no mapping\n"),
    }
    kprintln!(
        "[{pid} {name}] killed by {}: {access} at {addr:#010x}, EIP {:#010x} (user mode), reason: {reason}; VMA: {}",
        self::name(sig),
        frame.eip,
        vma_text.trim_end()
    );
    drop(name);
    drop(vma);
    drop(vma_text);
    super::exit_current(death_status(sig))
}

/// The signal Linux sends for a refused user-mode page fault, and its `si_code`.
pub fn for_refusal(refusal: &Refusal) -> (u32, i32) {
    match refusal {
        Refusal::Bus(_) => (SIGBUS, BUS_ADRERR),
        Refusal::Segv(r) => (SIGSEGV, r.si_code()),
        Refusal::KernelBug(_) => (SIGSEGV, SI_KERNEL),
    }
}

/// The signal for an exception other than a page fault taken in user mode (#GP — privileged
/// instructions, bad segment loads — is SIGSEGV), with Linux's `si_code` and `si_addr`:
/// #DE FPE_INTDIV at EIP, #UD ILL_ILLOPN at EIP, #AC BUS_ADRALN, #DB TRAP_TRACE at EIP, `into`
/// (#OF) SIGSEGV as Linux's `exc_overflow`, #NP/#SS SIGBUS, int3 and the rest SI_KERNEL. #MF/#XM
/// get their `si_code` from the FPU state's decoder (the caller's: `arch::fpu::sigfpe_code`).
pub fn for_exception(vector: usize, eip: u32) -> SigInfo {
    match vector {
        1 => return SigInfo::fault(SIGTRAP, TRAP_TRACE, eip),
        4 => return SigInfo::fault(SIGSEGV, SI_KERNEL, 0),
        _ => {}
    }
    match ExceptionKind::of(vector) {
        ExceptionKind::Arithmetic => SigInfo::fault(SIGFPE, if vector == 0 { FPE_INTDIV } else { SI_KERNEL }, eip),
        ExceptionKind::Trap => SigInfo::fault(SIGTRAP, SI_KERNEL, 0),
        ExceptionKind::InvalidOpcode => SigInfo::fault(SIGILL, ILL_ILLOPN, eip),
        ExceptionKind::Alignment => SigInfo::fault(SIGBUS, BUS_ADRALN, 0),
        ExceptionKind::SegmentNotPresent => SigInfo::fault(SIGBUS, SI_KERNEL, 0),
        ExceptionKind::Protection => SigInfo::fault(SIGSEGV, SI_KERNEL, 0),
    }
}

/// Kills the current process for an exception other than a page fault.
pub fn fatal_exception(frame: &TrapFrame, what: core::fmt::Arguments<'_>, sig: u32) -> ! {
    let (pid, name) = {
        let task = super::current();
        let inner = task.inner.lock();
        (task.pid(), inner.name.clone())
    };
    kprintln!(
        "[{pid} {name}] killed by {}: {what} at EIP {:#010x} (user mode), ESP {:#010x}",
        self::name(sig),
        frame.eip,
        frame.user_esp
    );
    drop(name);
    super::exit_current(death_status(sig))
}

// ---------------------------------------------------------------------------------------
// Delivery

/// The trap frame's `error_code` once a system call's restart has been decided (Linux's
/// `orig_ax = -1`); the dispatcher stores the call number there otherwise.
pub const NO_SYSCALL: u32 = u32::MAX;

/// Whether `frame` returns from a system call whose result asks for a restart decision.
#[inline(always)]
pub fn restart_requested(frame: &TrapFrame) -> bool {
    frame.vector == crate::arch::idt::SYSCALL as u32
        && frame.error_code != NO_SYSCALL
        && (-(Errno::ERESTART_RESTARTBLOCK as i32)..=-(Errno::ERESTARTSYS as i32)).contains(&(frame.eax as i32))
}

/// What to do with an interrupted call: `handler` is the delivered handler's flags, `None`
/// when no handler runs (Linux's `handle_signal` and the tail of `arch_do_signal_or_restart`).
fn syscall_restart(frame: &mut TrapFrame, handler: Option<u32>) {
    if !restart_requested(frame) {
        return;
    }
    let err = -(frame.eax as i32);
    let restart = |frame: &mut TrapFrame, eax: u32| {
        frame.eax = eax;
        frame.eip = frame.eip.wrapping_sub(2); // back onto `int 0x80`
    };
    let orig = frame.error_code;
    match handler {
        Some(flags) => {
            if err == Errno::ERESTARTNOINTR as i32 || (err == Errno::ERESTARTSYS as i32 && flags & SA_RESTART != 0) {
                restart(frame, orig);
            } else {
                frame.eax = Errno::EINTR.as_neg() as u32;
            }
        }
        None if err == Errno::ERESTART_RESTARTBLOCK as i32 => restart(frame, vmcore::syscall_abi::SYS_RESTART_SYSCALL),
        None => restart(frame, orig),
    }
    frame.error_code = NO_SYSCALL;
}

/// Takes the next deliverable signal of `inner` (private set first) with its disposition;
/// applies `SA_RESETHAND`.
fn dequeue(inner: &mut TaskInner) -> Option<(SigInfo, SigAction)> {
    let allowed = !inner.sig.blocked;
    let info = if let Some(sig) = inner.sig.pending.next(allowed) {
        inner.sig.pending.take(sig)
    } else if let Some(sig) = inner.psig.shared.next(allowed) {
        inner.psig.shared.take(sig)
    } else {
        recalc(inner);
        return None;
    };
    recalc(inner);
    let sig = info.signo;
    let act = inner.sighand.get(sig);
    if act.handler > SIG_IGN && act.flags & SA_RESETHAND != 0 {
        let reset = inner.sighand.modify(|actions| {
            let slot = &mut actions[sig as usize - 1];
            slot.handler = SIG_DFL;
            slot.flags &= !SA_SIGINFO;
        });
        if reset.is_err() {
            // No heap to stop sharing the dispositions with a fork: the process cannot go on
            // as asked, so it is killed, as the out-of-memory path would.
            let _ = inner.sig.pending.add(SigInfo::from_pid(SIGKILL, SI_KERNEL, 0), true);
            recalc(inner);
        }
    }
    Some((info, act))
}

/// Delivers the current task's deliverable signals before it returns to user mode with
/// `frame`: a handler gets a frame (several nest), a default action terminates, stops or is
/// ignored; an interrupted system call is restarted or fails with EINTR.
pub fn do_signal(frame: &mut TrapFrame) {
    let task = super::current();
    let mut handled = false;
    loop {
        let Some((info, act)) = dequeue(&mut task.inner.lock()) else { break };
        let sig = info.signo;
        match act.handler {
            SIG_IGN => {}
            SIG_DFL => match default_action(sig) {
                DefaultAction::Ignore | DefaultAction::Cont => {}
                // SIGTSTP/SIGTTIN/SIGTTOU do nothing to an orphaned process group.
                DefaultAction::Stop if sig != SIGSTOP && current_pgrp_orphaned() => {}
                DefaultAction::Stop => stop_current(&task, sig),
                DefaultAction::Term => {
                    drop(task);
                    super::exit_current(WaitStatus::Signaled(sig));
                }
                DefaultAction::Core => {
                    let (pid, name) = (task.pid(), task.inner.lock().name.clone());
                    kprintln!(
                        "[{pid} {name}] killed by {} (si_code {}, from pid {}) at EIP {:#010x}",
                        self::name(sig),
                        info.code,
                        info.fields[0],
                        frame.eip
                    );
                    drop(name);
                    drop(task);
                    super::exit_current(death_status(sig));
                }
            },
            _ => {
                handled = true;
                syscall_restart(frame, Some(act.flags));
                if handle(&task, frame, &info, &act).is_err() {
                    drop(task);
                    super::exit_current(death_status(SIGSEGV));
                }
            }
        }
    }
    if !handled {
        syscall_restart(frame, None);
        let mut inner = task.inner.lock();
        if let Some(mask) = inner.sig.saved_mask.take() {
            inner.sig.blocked = mask;
            recalc(&mut inner);
        }
    }
}

/// Runs `act`'s handler for `info`: builds the frame, then blocks `sa_mask` and the signal
/// itself (unless `SA_NODEFER`). A frame that cannot be written is reported; the caller kills
/// with SIGSEGV (Linux's `force_sigsegv`).
fn handle(task: &Arc<Task>, frame: &mut TrapFrame, info: &SigInfo, act: &SigAction) -> Result<(), ()> {
    let (oldmask, alt, fault) = {
        let mut inner = task.inner.lock();
        let blocked = inner.sig.blocked;
        (inner.sig.saved_mask.take().unwrap_or(blocked), inner.sig.altstack, inner.sig.fault)
    };
    let esp = frame.user_esp;
    match super::sigframe::setup(frame, info, act, oldmask, &alt, &fault) {
        Ok(()) => {
            let mut inner = task.inner.lock();
            let mut blocked = inner.sig.blocked | act.mask;
            if act.flags & SA_NODEFER == 0 {
                blocked |= sigbit(info.signo);
            }
            inner.sig.blocked = blocked & !UNBLOCKABLE;
            if alt.flags & SS_AUTODISARM != 0 && act.flags & SA_ONSTACK != 0 {
                inner.sig.altstack = AltStack { sp: 0, size: 0, flags: SS_DISABLE };
            }
            recalc(&mut inner);
            Ok(())
        }
        Err(_) => {
            let (pid, name) = (task.pid(), task.inner.lock().name.clone());
            kprintln!(
                "[{pid} {name}] killed by SIGSEGV: cannot write the frame for {} (handler {:#010x}) below ESP {esp:#010x}",
                self::name(info.signo),
                act.handler
            );
            Err(())
        }
    }
}

/// Whether the current process's group is orphaned (Linux's `is_current_pgrp_orphaned`: no
/// member has a parent in another group of the same session).
fn current_pgrp_orphaned() -> bool {
    super::pgrp::is_orphaned_pgrp(super::pgrp::current_pgrp())
}

/// Default action of a stop signal: the process stops, its parent is told (CLD_STOPPED), and
/// it sleeps until SIGCONT or SIGKILL.
fn stop_current(task: &Arc<Task>, sig: u32) {
    let parent = {
        let mut inner = task.inner.lock();
        inner.psig.stopped = true;
        inner.psig.report = Some((sig << 8) | 0x7f);
        inner.parent
    };
    sched::with(|s| notify_parent(s, task.tgid(), parent, CLD_STOPPED, sig));
    loop {
        let stay = sched::with(|_| {
            let mut inner = task.inner.lock();
            if inner.psig.stopped {
                inner.state = State::Stopped;
            }
            inner.psig.stopped
        });
        if !stay {
            break;
        }
        sched::schedule();
    }
}

// ---------------------------------------------------------------------------------------
// Process life cycle

/// A task's signal state: fresh (the first process: every signal at SIG_DFL), or for a fork
/// child of `parent` — dispositions and mask copied, altstack kept, nothing pending (Linux's
/// `copy_sighand` and `copy_process`).
pub fn new_task_state(parent: Option<&TaskInner>) -> Result<TaskSignals, Errno> {
    match parent {
        Some(p) => for_clone(p, false, false, false),
        None => {
            use crate::mm::inject::fallible;
            use alloc::boxed::Box;
            let hand = fallible(|| Arc::try_new(SigHand::new()?).map_err(|_| Errno::ENOMEM))?;
            let sig = fallible(|| Box::try_new(ThreadSignals::default())).map_err(|_| Errno::ENOMEM)?;
            let psig = fallible(|| Box::try_new(ProcSignals::default())).map_err(|_| Errno::ENOMEM)?;
            Ok(TaskSignals { hand, sig, psig })
        }
    }
}

/// The signal state of a `clone` child of `parent`: the same dispositions with
/// `CLONE_SIGHAND` (`share_hand`), else a copy (reset to SIG_DFL except ignored ones with
/// `CLONE_CLEAR_SIGHAND`: `clear_hand`); the blocked mask inherited, nothing pending; the
/// alternate stack kept unless the child shares the address space without vfork
/// (`drop_altstack`), as Linux's `copy_process`.
pub fn for_clone(parent: &TaskInner, share_hand: bool, clear_hand: bool, drop_altstack: bool) -> Result<TaskSignals, Errno> {
    use crate::mm::inject::fallible;
    use alloc::boxed::Box;
    let hand = if share_hand {
        parent.sighand.clone()
    } else {
        // A copy-on-write copy: the same table until one side changes it.
        let copy = fallible(|| Arc::try_new(parent.sighand.copy())).map_err(|_| Errno::ENOMEM)?;
        if clear_hand {
            copy.modify(|table| {
                for a in table.iter_mut().filter(|a| a.handler != SIG_IGN) {
                    *a = SigAction::default();
                }
            })?;
        }
        copy
    };
    let mut sig = fallible(|| Box::try_new(ThreadSignals::default())).map_err(|_| Errno::ENOMEM)?;
    let psig = fallible(|| Box::try_new(ProcSignals::default())).map_err(|_| Errno::ENOMEM)?;
    sig.blocked = parent.sig.blocked;
    if !drop_altstack {
        sig.altstack = parent.sig.altstack;
    }
    Ok(TaskSignals { hand, sig, psig })
}

/// The dispositions execve leaves (Linux's `flush_signal_handlers(t, 1)`): handled signals
/// back to SIG_DFL, ignored ones still ignored, flags and masks cleared — `None` when they are
/// already so (nothing to change, the usual case). Made before exec's point of no return:
/// `ENOMEM` there fails the exec cleanly.
pub fn exec_dispositions(inner: &TaskInner) -> Result<Option<Arc<Actions>>, Errno> {
    let now = inner.sighand.all();
    let reset = |a: &SigAction| SigAction { handler: if a.handler == SIG_IGN { SIG_IGN } else { SIG_DFL }, ..SigAction::default() };
    if now.iter().all(|a| *a == reset(a)) {
        return Ok(None);
    }
    let mut table = *now;
    table.iter_mut().for_each(|a| *a = reset(a));
    crate::mm::inject::fallible(|| Arc::try_new(table)).map(Some).map_err(|_| Errno::ENOMEM)
}

/// execve, past its point of no return: the dispositions from [`exec_dispositions`], no
/// alternate stack; the blocked mask and pending sets stay.
pub fn on_exec(inner: &mut TaskInner, dispositions: Option<Arc<Actions>>) {
    if let Some(table) = dispositions {
        inner.sighand.replace(table);
    }
    inner.sig.altstack = AltStack { sp: 0, size: 0, flags: SS_DISABLE };
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
    (inner.sig.pending.set | inner.psig.shared.set) & sigbit(SIGKILL) != 0
}
