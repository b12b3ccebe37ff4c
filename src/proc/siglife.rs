//! The signal state's life cycle: what a new task gets (fork, `clone`'s sharing flags) and
//! what execve leaves (Linux's `copy_sighand`, `copy_process`, `flush_signal_handlers`).

use super::sigstate::*;
use super::task::TaskInner;
use alloc::sync::Arc;
use vmcore::errno::Errno;


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
            Ok(TaskSignals { hand, sig })
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
    sig.blocked = parent.sig.blocked;
    if !drop_altstack {
        sig.altstack = parent.sig.altstack;
    }
    Ok(TaskSignals { hand, sig })
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
