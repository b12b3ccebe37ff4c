//! Signal state, split as docs/process-model.md ("Signals") says so threads slot in later:
//! per thread ([`ThreadSignals`]: blocked mask, thread-directed pending set, alternate stack),
//! per process ([`ProcSignals`]: the shared pending set, stop state, what `wait4` reports) and
//! the dispositions ([`SigHand`], Linux's `sighand_struct`, shared by `CLONE_SIGHAND` later).
//!
//! Linux structures mirrored: `sigset_t` (a `u64`, signal n = bit n−1), `k_sigaction`,
//! `sigpending` (standard signals at most once, real-time ones queued), `sas_ss_*`.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
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

/// `sa_handler` values.
pub const SIG_DFL: u32 = 0;
/// Ignore the signal.
pub const SIG_IGN: u32 = 1;

/// `sa_flags` bits (Linux i386 values).
pub const SA_NOCLDSTOP: u32 = 0x0000_0001;
/// Children do not become zombies.
pub const SA_NOCLDWAIT: u32 = 0x0000_0002;
/// Three-argument handler with siginfo and ucontext.
pub const SA_SIGINFO: u32 = 0x0000_0004;
/// `sa_restorer` is valid.
pub const SA_RESTORER: u32 = 0x0400_0000;
/// Run on the alternate stack.
pub const SA_ONSTACK: u32 = 0x0800_0000;
/// Restart interrupted system calls.
pub const SA_RESTART: u32 = 0x1000_0000;
/// Do not block the signal in its own handler.
pub const SA_NODEFER: u32 = 0x4000_0000;
/// Reset to SIG_DFL on delivery.
pub const SA_RESETHAND: u32 = 0x8000_0000;

/// `si_code` values.
pub const SI_USER: i32 = 0;
/// Sent by the kernel.
pub const SI_KERNEL: i32 = 0x80;
/// Sent by `tkill`/`tgkill`.
pub const SI_TKILL: i32 = -6;
/// SIGCHLD codes.
pub const CLD_EXITED: i32 = 1;
/// Child killed.
pub const CLD_KILLED: i32 = 2;
/// Child killed, dumped core.
pub const CLD_DUMPED: i32 = 3;
/// Child stopped.
pub const CLD_STOPPED: i32 = 5;
/// Child continued.
pub const CLD_CONTINUED: i32 = 6;
/// SIGBUS: misaligned access.
pub const BUS_ADRALN: i32 = 1;
/// SIGBUS: nonexistent physical address (past the end of a file).
pub const BUS_ADRERR: i32 = 2;
/// SIGILL: illegal opcode.
pub const ILL_ILLOPN: i32 = 2;

/// `sigaltstack` flags.
pub const SS_ONSTACK: u32 = 1;
/// The alternate stack is disabled.
pub const SS_DISABLE: u32 = 2;
/// Disarm the alternate stack while a handler runs on it.
pub const SS_AUTODISARM: u32 = 1 << 31;
/// Smallest alternate stack (i386 `MINSIGSTKSZ`).
pub const MINSIGSTKSZ: u32 = 2048;

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

/// The 64 dispositions (Linux's `sighand_struct`).
pub struct SigHand {
    /// Signal n's disposition at index n−1.
    pub actions: spin::Mutex<[SigAction; 64]>,
}

impl SigHand {
    /// Every signal at SIG_DFL.
    pub fn new() -> Self {
        SigHand { actions: spin::Mutex::new([SigAction::default(); 64]) }
    }

    /// A copy (fork).
    pub fn copy(&self) -> Self {
        SigHand { actions: spin::Mutex::new(*self.actions.lock()) }
    }

    /// Signal `sig`'s disposition.
    pub fn get(&self, sig: u32) -> SigAction {
        self.actions.lock()[sig as usize - 1]
    }
}

impl Default for SigHand {
    fn default() -> Self {
        Self::new()
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
#[derive(Default)]
pub struct SigPending {
    /// Which signals are pending.
    pub set: SigSet,
    std: [SigInfo; 32],
    rt: VecDeque<SigInfo>,
}

impl SigPending {
    /// Adds `info`. A standard signal already pending is merged (dropped). A real-time signal
    /// that cannot be queued is still made pending without its data when `lossy` (kill), and
    /// fails otherwise (rt_sigqueueinfo), as Linux's `__send_signal`.
    pub fn add(&mut self, info: SigInfo, lossy: bool) -> Result<(), QueueError> {
        let sig = info.signo;
        if sig < SIGRTMIN {
            if self.set & sigbit(sig) == 0 {
                self.std[sig as usize] = info;
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
            self.set &= !sigbit(sig);
            return self.std[sig as usize];
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
    /// Blocked signals `rt_sigtimedwait` waits for: their arrival wakes the task.
    pub waiting_for: SigSet,
    /// Whether this task counts in the "a signal is deliverable" counter.
    pub flagged: bool,
}

/// Per-process signal state (moves to the thread group with threads).
#[derive(Default)]
pub struct ProcSignals {
    /// Process-directed pending signals (kill, SIGCHLD).
    pub shared: SigPending,
    /// Stopped by a stop signal, until SIGCONT or SIGKILL.
    pub stopped: bool,
    /// A stop (`sig << 8 | 0x7f`) or continue (`0xffff`) not yet reported to `wait4`.
    pub report: Option<u32>,
    /// Reaped at exit by nobody's `wait4` (the parent ignores SIGCHLD or set SA_NOCLDWAIT).
    pub autoreap: bool,
}

/// A new task's signal state, allocated (fallibly) before the task: the pending sets live
/// behind boxes so the task itself stays small (fork moves it several times).
pub struct TaskSignals {
    /// The dispositions.
    pub hand: Arc<SigHand>,
    /// Per-thread state.
    pub sig: Box<ThreadSignals>,
    /// Per-process state.
    pub psig: Box<ProcSignals>,
}
