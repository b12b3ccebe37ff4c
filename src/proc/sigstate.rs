//! Signal state, split as docs/process-model.md ("Signals") says so threads slot in later:
//! per thread ([`ThreadSignals`]: blocked mask, thread-directed pending set, alternate stack),
//! per process ([`ProcSignals`], in the thread group: the shared pending set, stop state, what
//! `wait4` reports) and
//! the dispositions ([`SigHand`], Linux's `sighand_struct`, shared by `CLONE_SIGHAND` later).
//!
//! Linux structures mirrored: `sigset_t` (a `u64`, signal n = bit n−1), `k_sigaction`,
//! `sigpending` (standard signals at most once, real-time ones queued), `sas_ss_*`.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::mem::MaybeUninit;
use vmcore::errno::Errno;
use vmcore::signal::*;

/// A set of signals: signal n is bit n−1 (Linux's `sigset_t` on i386, two words).
pub type SigSet = u64;

/// The bit of signal `sig` (1..=64).
pub const fn sigbit(sig: u32) -> SigSet {
    1u64 << (sig - 1)
}

/// SIGKILL and SIGSTOP: never blocked, caught or ignored.
pub const UNBLOCKABLE: SigSet = sigbit(SIGKILL) | sigbit(SIGSTOP);
/// Signals a fault raises: dequeued before any other (Linux's `SYNCHRONOUS_MASK`).
pub const SYNCHRONOUS: SigSet =
    sigbit(SIGSEGV) | sigbit(SIGBUS) | sigbit(SIGILL) | sigbit(SIGTRAP) | sigbit(SIGFPE) | sigbit(SIGSYS);
/// Signals whose default action stops the process.
pub const STOP_SIGNALS: SigSet = sigbit(SIGSTOP) | sigbit(SIGTSTP) | sigbit(SIGTTIN) | sigbit(SIGTTOU);

pub use vmcore::signal::{
    MINSIGSTKSZ, SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTORER, SA_SIGINFO, SIG_DFL, SIG_IGN,
    SI_KERNEL, SI_TKILL, SI_USER, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK,
};

/// What a signal does by default (Linux's `SIG_KERNEL_*_MASK` families).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    /// Terminate the process.
    Term,
    /// Terminate, with the core bit when a dump is allowed.
    Core,
    /// Nothing.
    Ignore,
    /// Stop the process.
    Stop,
    /// Continue a stopped process (and otherwise nothing).
    Cont,
}

/// The default action of `sig`.
pub const fn default_action(sig: u32) -> DefaultAction {
    match sig {
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ | SIGSYS => {
            DefaultAction::Core
        }
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGCONT => DefaultAction::Cont,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        _ => DefaultAction::Term,
    }
}

/// One disposition (Linux's `struct sigaction` as the kernel keeps it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigAction {
    /// `SIG_DFL`, `SIG_IGN` or the handler's address.
    pub handler: u32,
    /// `SA_*`.
    pub flags: u32,
    /// The `sa_restorer` (with `SA_RESTORER`).
    pub restorer: u32,
    /// Signals blocked while the handler runs.
    pub mask: SigSet,
}

impl SigAction {
    /// Whether a signal with this disposition is discarded when generated unblocked
    /// (Linux's `sig_handler_ignored`).
    pub fn ignores(&self, sig: u32) -> bool {
        self.handler == SIG_IGN
            || (self.handler == SIG_DFL && matches!(default_action(sig), DefaultAction::Ignore | DefaultAction::Cont))
    }
}

/// The 64 dispositions, signal n's at index n−1.
pub type Actions = [SigAction; 64];

/// The dispositions (Linux's `sighand_struct`). Linux copies the table at fork; here a fork's
/// copy shares it until either side changes a disposition (copy on write), so fork does not
/// copy 1.3 KiB that exec usually replaces anyway.
pub struct SigHand {
    actions: spin::Mutex<Arc<Actions>>,
}

impl SigHand {
    /// Every signal at SIG_DFL (the first process; `ENOMEM` without heap).
    pub fn new() -> Result<Self, Errno> {
        let table = crate::mm::inject::fallible(|| Arc::try_new([SigAction::default(); 64])).map_err(|_| Errno::ENOMEM)?;
        Ok(SigHand { actions: spin::Mutex::new(table) })
    }

    /// Fork's copy: the same table until one side changes it.
    pub fn copy(&self) -> Self {
        SigHand { actions: spin::Mutex::new(self.actions.lock().clone()) }
    }

    /// Signal `sig`'s disposition.
    pub fn get(&self, sig: u32) -> SigAction {
        self.actions.lock()[sig as usize - 1]
    }

    /// A snapshot of every disposition.
    pub fn all(&self) -> Arc<Actions> {
        self.actions.lock().clone()
    }

    /// Changes dispositions: `op` runs on a table of this `SigHand`'s own, copied first if a
    /// fork still shares it (`ENOMEM` if that copy cannot be made; nothing changed then).
    pub fn modify<R>(&self, op: impl FnOnce(&mut Actions) -> R) -> Result<R, Errno> {
        let mut table = self.actions.lock();
        if Arc::get_mut(&mut table).is_none() {
            let own = crate::mm::inject::fallible(|| Arc::try_new(**table)).map_err(|_| Errno::ENOMEM)?;
            *table = own;
        }
        Ok(op(Arc::get_mut(&mut table).expect("invariant: the table was made this SigHand's own")))
    }

    /// Whether the dispositions' lock is free (interrupt context: the interrupted code may
    /// hold it).
    pub fn is_free(&self) -> bool {
        self.actions.try_lock().is_some()
    }

    /// Installs `table` (exec's reset, prepared before exec's point of no return).
    pub fn replace(&self, table: Arc<Actions>) {
        *self.actions.lock() = table;
    }
}

/// A signal's information: `si_signo`, `si_code` and the three words of the union that any
/// sender fills (offsets 12, 16, 20 of Linux's 128-byte i386 `siginfo_t`: pid/uid/value,
/// pid/uid/status, addr). The rest of `siginfo_t` is zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigInfo {
    /// The signal.
    pub signo: u32,
    /// `si_code`.
    pub code: i32,
    /// Words at offsets 12, 16, 20.
    pub fields: [u32; 3],
}

impl SigInfo {
    /// A signal from user space or the kernel: `si_pid`, `si_uid`.
    pub fn from_pid(signo: u32, code: i32, pid: u32) -> Self {
        SigInfo { signo, code, fields: [pid, 0, 0] }
    }

    /// A fault: `si_addr`.
    pub fn fault(signo: u32, code: i32, addr: u32) -> Self {
        SigInfo { signo, code, fields: [addr, 0, 0] }
    }

    /// Linux's i386 `siginfo_t` (128 bytes).
    pub fn to_linux(&self) -> [u8; 128] {
        let mut b = [0u8; 128];
        b[0..4].copy_from_slice(&self.signo.to_le_bytes());
        b[8..12].copy_from_slice(&self.code.to_le_bytes());
        for (i, w) in self.fields.iter().enumerate() {
            b[12 + 4 * i..16 + 4 * i].copy_from_slice(&w.to_le_bytes());
        }
        b
    }
}

/// Real-time signals one pending set queues at most (stands in for `RLIMIT_SIGPENDING`).
pub const RT_QUEUE_MAX: usize = 1024;

/// Why a signal could not be queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueError {
    /// A real-time signal carrying data found no room.
    NoRoom,
}

/// A pending set (Linux's `struct sigpending`): standard signals at most once with their
/// information inline (no allocation, so they can be raised with memory exhausted),
/// real-time ones queued in order.
pub struct SigPending {
    /// Which signals are pending.
    pub set: SigSet,
    /// Standard signal n's information at index n; only the slots whose bit is in `set` are
    /// written (not zeroing 640 bytes per set keeps fork cheap).
    std: [MaybeUninit<SigInfo>; 32],
    rt: VecDeque<SigInfo>,
}

impl Default for SigPending {
    fn default() -> Self {
        SigPending { set: 0, std: [MaybeUninit::uninit(); 32], rt: VecDeque::new() }
    }
}

impl SigPending {
    /// Adds `info`. A standard signal already pending is merged (dropped). A real-time signal
    /// that cannot be queued is still made pending without its data when `lossy` (kill), and
    /// fails otherwise (rt_sigqueueinfo), as Linux's `__send_signal`.
    pub fn add(&mut self, info: SigInfo, lossy: bool) -> Result<(), QueueError> {
        let sig = info.signo;
        if sig < SIGRTMIN {
            if self.set & sigbit(sig) == 0 {
                self.std[sig as usize].write(info);
                self.set |= sigbit(sig);
            }
            return Ok(());
        }
        let room = self.rt.len() < RT_QUEUE_MAX
            && crate::mm::inject::fallible(|| self.rt.try_reserve(1)).is_ok();
        if room {
            self.rt.push_back(info);
        } else if !lossy {
            return Err(QueueError::NoRoom);
        }
        self.set |= sigbit(sig);
        Ok(())
    }

    /// Removes one instance of `sig` (pending) and returns its information.
    pub fn take(&mut self, sig: u32) -> SigInfo {
        if sig < SIGRTMIN {
            assert!(self.set & sigbit(sig) != 0, "invariant: only a pending signal is taken");
            self.set &= !sigbit(sig);
            // SAFETY: `sig`'s bit was in `set` (checked), and `add` wrote its slot when it set
            // the bit.
            return unsafe { self.std[sig as usize].assume_init_read() };
        }
        let info = match self.rt.iter().position(|i| i.signo == sig) {
            Some(n) => self.rt.remove(n).expect("invariant: position is in the queue"),
            // Made pending without data (the queue was full): what Linux reports then.
            None => SigInfo::from_pid(sig, SI_USER, 0),
        };
        if !self.rt.iter().any(|i| i.signo == sig) {
            self.set &= !sigbit(sig);
        }
        info
    }

    /// Drops every pending instance of the signals in `mask`.
    pub fn flush(&mut self, mask: SigSet) {
        self.set &= !mask;
        self.rt.retain(|i| mask & sigbit(i.signo) == 0);
        if self.rt.is_empty() {
            self.rt = VecDeque::new();
        }
    }

    /// The next signal to deliver among `allowed`: fault signals first, then the lowest.
    pub fn next(&self, allowed: SigSet) -> Option<u32> {
        let ready = self.set & allowed;
        if ready == 0 {
            return None;
        }
        let sync = ready & SYNCHRONOUS;
        let pick = if sync != 0 { sync } else { ready };
        Some(pick.trailing_zeros() + 1)
    }
}

/// An alternate signal stack (`sas_ss_sp`, `sas_ss_size`, `sas_ss_flags`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AltStack {
    /// Lowest address.
    pub sp: u32,
    /// Size in bytes (0: none).
    pub size: u32,
    /// The flags given (only `SS_AUTODISARM` is kept).
    pub flags: u32,
}

impl AltStack {
    /// Whether `sp` is on this stack (Linux's `on_sig_stack`, stacks growing down).
    pub fn contains(&self, sp: u32) -> bool {
        self.size != 0 && sp > self.sp && sp.wrapping_sub(self.sp) <= self.size
    }

    /// `SS_DISABLE`, `SS_ONSTACK` or 0 for a stack pointer `sp` (Linux's `sas_ss_flags`).
    pub fn flags_at(&self, sp: u32) -> u32 {
        if self.size == 0 {
            SS_DISABLE
        } else if self.contains(sp) {
            SS_ONSTACK
        } else {
            0
        }
    }
}

/// What the last fault of the thread left for the signal frame's sigcontext (`trapno`,
/// `err`, `cr2`: Linux's `thread.trap_nr`, `error_code`, `cr2`).
#[derive(Clone, Copy, Debug, Default)]
pub struct FaultRegs {
    /// The exception vector.
    pub trapno: u32,
    /// Its error code.
    pub err: u32,
    /// CR2 for a page fault.
    pub cr2: u32,
}

/// Per-thread signal state.
#[derive(Default)]
pub struct ThreadSignals {
    /// Blocked signals.
    pub blocked: SigSet,
    /// The mask to restore once a handler frame is built or the call returns (`rt_sigsuspend`).
    pub saved_mask: Option<SigSet>,
    /// Thread-directed pending signals (tkill, tgkill, faults).
    pub pending: SigPending,
    /// The alternate stack.
    pub altstack: AltStack,
    /// Registers of the last fault, for the sigcontext.
    pub fault: FaultRegs,
    /// Monotonic deadline (ns) of an interrupted relative sleep (`restart_syscall`); 0: nothing
    /// to restart.
    pub restart_until: u64,
    /// Where that sleep writes the time left (its `rem`, 0: nowhere).
    pub restart_rem: u32,
    /// Whether `rem` is a 64-bit timespec (`clock_nanosleep_time64`).
    pub restart_time64: bool,
    /// An interrupted `poll` for `restart_syscall` to resume (Linux's `restart_block.poll`):
    /// `ufds`, `nfds` and the monotonic deadline (`u64::MAX`: none). Setting one kind of
    /// restart clears the other.
    pub restart_poll: Option<(u32, u32, u64)>,
    /// Blocked signals `rt_sigtimedwait` waits for: their arrival wakes the task.
    pub waiting_for: SigSet,
    /// Whether this task counts in the "a signal is deliverable" counter.
    pub flagged: bool,
    /// This thread is to stop for a group stop under way (Linux's `JOBCTL_STOP_PENDING`).
    pub stop_pending: bool,
}

/// Per-process signal state (Linux's `signal_struct` signal fields): in the thread group,
/// behind its own lock, the innermost of the signal locks (scheduler → a task's lock →
/// this), held only briefly.
#[derive(Default)]
pub struct ProcSignals {
    /// Process-directed pending signals (kill, the terminal, timers, SIGCHLD).
    pub shared: SigPending,
    /// The stop signal of a group stop under way or done (0: none; Linux's
    /// `group_exit_code` with `JOBCTL_STOP_PENDING` on the threads).
    pub stop_sig: u32,
    /// Threads of a group stop under way that have not stopped yet (`group_stop_count`).
    pub stop_count: u32,
    /// Every thread stopped (`SIGNAL_STOP_STOPPED`), until SIGCONT or SIGKILL.
    pub stopped: bool,
    /// A stop (`sig << 8 | 0x7f`) or continue (`0xffff`) not yet reported to `wait4`.
    pub report: Option<u32>,
    /// Reaped at exit by nobody's `wait4` (the parent ignores SIGCHLD or set SA_NOCLDWAIT).
    pub autoreap: bool,
}

/// A new task's signal state, allocated (fallibly) before the task: the pending set lives
/// behind a box so the task itself stays small (fork moves it several times).
pub struct TaskSignals {
    /// The dispositions.
    pub hand: Arc<SigHand>,
    /// Per-thread state.
    pub sig: Box<ThreadSignals>,
}
