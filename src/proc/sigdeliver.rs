//! Signal delivery on the way back to user mode (Linux's `get_signal` and
//! `handle_signal`): the thread's own pending signals before the process's, a group stop to
//! join first; handlers get a Linux i386 frame, default actions terminate, dump, stop (the
//! whole process: `super::jobctl`) or are ignored; an interrupted system call is restarted or
//! fails with EINTR.

use super::signals::{self, recalc};
use super::sigstate::*;
use super::task::Task;
use super::WaitStatus;
use crate::arch::trap::TrapFrame;
use crate::kprintln;
use alloc::sync::Arc;
use vmcore::errno::Errno;
use vmcore::signal::*;


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

/// Takes the next deliverable signal of `task` (its own set first, then the process's) with
/// its disposition; applies `SA_RESETHAND`.
fn dequeue(task: &Task) -> Option<(SigInfo, SigAction)> {
    let mut guard = task.inner.lock();
    let inner = &mut *guard;
    let allowed = !inner.sig.blocked;
    let info = match inner.sig.pending.next(allowed) {
        Some(sig) => Some(inner.sig.pending.take(sig)),
        None => {
            let mut psig = task.group.sig.lock();
            psig.shared.next(allowed).map(|sig| psig.shared.take(sig))
        }
    };
    recalc(inner, &task.group);
    let info = info?;
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
            recalc(inner, &task.group);
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
        if task.inner.lock().sig.stop_pending {
            super::jobctl::participate(&task); // a group stop under way: this thread stops too
            continue;
        }
        let Some((info, act)) = dequeue(&task) else { break };
        let sig = info.signo;
        match act.handler {
            SIG_IGN => {}
            SIG_DFL => match default_action(sig) {
                DefaultAction::Ignore | DefaultAction::Cont => {}
                // SIGTSTP/SIGTTIN/SIGTTOU do nothing to an orphaned process group.
                DefaultAction::Stop if sig != SIGSTOP && current_pgrp_orphaned() => {}
                DefaultAction::Stop => super::jobctl::do_signal_stop(&task, sig),
                DefaultAction::Term => {
                    drop(task);
                    super::exit_current(WaitStatus::Signaled(sig));
                }
                DefaultAction::Core => {
                    let (pid, name) = (task.pid(), crate::mm::trycopy::string(&task.inner.lock().name).unwrap_or_default());
                    kprintln!(
                        "[{pid} {name}] killed by {} (si_code {}, from pid {}) at EIP {:#010x}",
                        signals::name(sig),
                        info.code,
                        info.fields[0],
                        frame.eip
                    );
                    drop(name);
                    drop(task);
                    super::coredump::die(sig, Some(&info), frame);
                }
            },
            _ => {
                handled = true;
                syscall_restart(frame, Some(act.flags));
                if handle(&task, frame, &info, &act).is_err() {
                    drop(task);
                    super::coredump::die(SIGSEGV, None, frame);
                }
            }
        }
    }
    if !handled {
        syscall_restart(frame, None);
        let mut inner = task.inner.lock();
        if let Some(mask) = inner.sig.saved_mask.take() {
            inner.sig.blocked = mask;
            recalc(&mut inner, &task.group);
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
            recalc(&mut inner, &task.group);
            Ok(())
        }
        Err(_) => {
            let (pid, name) = (task.pid(), crate::mm::trycopy::string(&task.inner.lock().name).unwrap_or_default());
            kprintln!(
                "[{pid} {name}] killed by SIGSEGV: cannot write the frame for {} (handler {:#010x}) below ESP {esp:#010x}",
                signals::name(info.signo),
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
