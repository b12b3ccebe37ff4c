//! Signals, as far as we have them: every signal's action is the default one — terminate —
//! and the kernel kills a process for a bad access (SIGSEGV), a file page past the end of the
//! file (SIGBUS), an unservable fault (SIGKILL), or an exception (SIGILL, SIGFPE, SIGTRAP).
//! A killed process gets a one-paragraph report on the serial console.

use crate::arch::exception::ExceptionKind;
use crate::arch::trap::TrapFrame;
use crate::kprintln;
use core::sync::atomic::{AtomicU32, Ordering};
use vmcore::addr::VirtAddr;
use vmcore::fault::{Access, Fault, Refusal};

/// Signal numbers (`SIGSEGV`, ...) and names, shared with user space (the `abi` crate).
pub use vmcore::signal::*;
/// Highest signal number accepted by `kill`.
pub const SIGMAX: u32 = SIGRTMAX;

/// The signal's name (`"SIGSEGV"`), `"signal"` for a number that is none.
pub fn name(sig: u32) -> &'static str {
    vmcore::signal::name(sig).unwrap_or("signal")
}

/// How many tasks have a fatal signal pending: lets every return to user mode skip looking
/// at the current task in the usual case of none.
static PENDING: AtomicU32 = AtomicU32::new(0);

/// Makes `sig` pending in `slot` (a task's `pending_kill`), counting it if none was.
pub fn set_pending(slot: &mut Option<u32>, sig: u32) {
    if slot.is_none() {
        *slot = Some(sig);
        PENDING.fetch_add(1, Ordering::Relaxed);
    }
}

/// Clears `slot` (the task is exiting), uncounting what it held.
pub fn clear_pending(slot: &mut Option<u32>) {
    if slot.take().is_some() {
        PENDING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Whether any task at all has a fatal signal pending.
#[inline(always)]
pub fn any_pending() -> bool {
    PENDING.load(Ordering::Relaxed) != 0
}

/// Generates `sig` for `pid` from interrupt context (timers: SIGALRM, SIGVTALRM, SIGPROF),
/// with the scheduler already locked. Never allocates. False if the task's lock is held by
/// the code the interrupt interrupted: the caller tries again at the next tick.
pub fn send_from_interrupt(s: &mut super::sched::Scheduler, pid: super::task::Pid, sig: u32) -> bool {
    let wake = {
        let Some(task) = s.tasks.get(&pid) else { return true };
        let Some(mut inner) = task.inner.try_lock() else { return false };
        if inner.state == super::task::State::Zombie {
            return true;
        }
        set_pending(&mut inner.pending_kill, sig);
        matches!(inner.state, super::task::State::Sleeping { .. } | super::task::State::Waiting)
    };
    if wake {
        // The lock was free just now, and nothing runs between here and there.
        s.make_runnable(pid);
    }
    true
}

/// Marks `sig` pending for the current task: it dies on its way back to user mode.
pub fn kill_current(sig: u32) {
    let task = super::current();
    let mut inner = task.inner.lock();
    set_pending(&mut inner.pending_kill, sig);
}

/// Whether the current task has a fatal signal pending (blocking calls return EINTR).
pub fn kill_pending() -> bool {
    any_pending() && super::current().inner.lock().pending_kill.is_some()
}

/// Kills the current process for a fault it cannot survive, after the report.
/// `reason` is formatted straight into the report: nothing on this path may own heap memory,
/// since the function never returns to drop it.
pub fn fatal_fault(frame: &TrapFrame, addr: u32, fault: &Fault, reason: core::fmt::Arguments<'_>, sig: u32) -> ! {
    let (pid, name) = {
        let task = super::current();
        let inner = task.inner.lock();
        (task.pid, inner.name.clone())
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
    super::exit_current(super::WaitStatus::Signaled(sig))
}

/// The signal Linux sends for a refused user-mode page fault.
pub fn for_refusal(refusal: &Refusal) -> u32 {
    match refusal {
        Refusal::Bus(_) => SIGBUS,
        Refusal::Segv(_) | Refusal::KernelBug(_) => SIGSEGV,
    }
}

/// The signal for an exception other than a page fault taken in user mode (#GP — privileged
/// instructions, bad segment loads — is SIGSEGV).
pub fn for_exception(kind: ExceptionKind) -> u32 {
    match kind {
        ExceptionKind::Arithmetic => SIGFPE,
        ExceptionKind::Trap => SIGTRAP,
        ExceptionKind::InvalidOpcode => SIGILL,
        ExceptionKind::Alignment | ExceptionKind::SegmentNotPresent => SIGBUS,
        ExceptionKind::Protection => SIGSEGV,
    }
}

/// Kills the current process for an exception other than a page fault.
pub fn fatal_exception(frame: &TrapFrame, what: core::fmt::Arguments<'_>, sig: u32) -> ! {
    let (pid, name) = {
        let task = super::current();
        let inner = task.inner.lock();
        (task.pid, inner.name.clone())
    };
    kprintln!(
        "[{pid} {name}] killed by {}: {what} at EIP {:#010x} (user mode), ESP {:#010x}",
        self::name(sig),
        frame.eip,
        frame.user_esp
    );
    drop(name);
    super::exit_current(super::WaitStatus::Signaled(sig))
}
