//! Signals: `rt_sigaction` with glibc's restorers (written in assembly: `__rt_restore_rt`
//! calls `rt_sigreturn`, `__rt_restore` pops the signal number and calls `sigreturn`), masks,
//! pending sets, waiting, the alternate stack and the senders.

use crate::errno::Errno;
use crate::sys::{nr, syscall0, syscall2, syscall3, syscall4, Timespec};

pub use abi::signal::{
    BUS_ADRERR, CLD_CONTINUED, CLD_EXITED, CLD_KILLED, CLD_STOPPED, SA_NOCLDSTOP, SA_NOCLDWAIT, SA_NODEFER,
    SA_ONSTACK, SA_RESETHAND, SA_RESTART, SA_RESTORER, SA_SIGINFO, SEGV_ACCERR, SEGV_MAPERR, SI_KERNEL,
    SI_QUEUE, SI_TKILL, SI_USER, SS_DISABLE, SS_ONSTACK,
};
pub use crate::sys::{SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, WCONTINUED};

/// `sa_handler` values as the handler field holds them.
pub const SIG_DFL: usize = abi::signal::SIG_DFL as usize;
/// Ignore the signal.
pub const SIG_IGN: usize = abi::signal::SIG_IGN as usize;

/// The bit of signal `sig` in a 64-bit set.
pub const fn bit(sig: i32) -> u64 {
    1u64 << (sig - 1)
}

/// `wait4` status of a stopped child.
pub const fn wifstopped(status: i32) -> bool {
    status & 0xff == 0x7f
}
/// The signal that stopped it.
pub const fn wstopsig(status: i32) -> i32 {
    (status >> 8) & 0xff
}
/// `wait4` status of a continued child.
pub const fn wifcontinued(status: i32) -> bool {
    status == 0xffff
}

/// The kernel's `struct sigaction` (i386).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct SigAction {
    pub handler: usize,
    pub flags: u32,
    pub restorer: usize,
    pub mask: u64,
}

/// Linux's i386 `siginfo_t`, as raw words.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SigInfo(pub [u32; 32]);

impl SigInfo {
    pub const fn zeroed() -> Self {
        SigInfo([0; 32])
    }
    pub fn signo(&self) -> i32 {
        self.0[0] as i32
    }
    pub fn code(&self) -> i32 {
        self.0[2] as i32
    }
    /// `si_pid` (kill, tkill, sigqueue, SIGCHLD).
    pub fn pid(&self) -> u32 {
        self.0[3]
    }
    /// `si_addr` (faults).
    pub fn addr(&self) -> usize {
        self.0[3] as usize
    }
    /// `si_status` (SIGCHLD), `si_value` (sigqueue).
    pub fn status(&self) -> i32 {
        self.0[5] as i32
    }
}

/// `stack_t`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Stack {
    pub sp: usize,
    pub flags: u32,
    pub size: usize,
}

core::arch::global_asm!(
    ".text",
    ".globl __rt_restore_rt",
    "__rt_restore_rt:",
    "    movl $173, %eax", // rt_sigreturn
    "    int $0x80",
    ".globl __rt_restore",
    "__rt_restore:",
    "    popl %eax",
    "    movl $119, %eax", // sigreturn
    "    int $0x80",
    options(att_syntax)
);

extern "C" {
    fn __rt_restore_rt();
    fn __rt_restore();
}

fn r(ret: usize) -> Result<usize, Errno> {
    Errno::from_ret(ret)
}

/// `rt_sigaction(sig, new, old, 8)` as given (no restorer added).
pub fn sigaction_raw(sig: i32, new: Option<&SigAction>, old: Option<&mut SigAction>) -> Result<(), Errno> {
    let n = new.map_or(0, |a| a as *const SigAction as usize);
    let o = old.map_or(0, |a| a as *mut SigAction as usize);
    // SAFETY: the kernel reads `new` and writes `old`, both live.
    r(unsafe { syscall4(nr::SYS_RT_SIGACTION, sig as usize, n, o, 8) }).map(|_| ())
}

/// Installs `handler` (an `extern "C" fn(i32)`, or `fn(i32, *mut SigInfo, *mut u8)` with
/// `SA_SIGINFO`, or SIG_DFL/SIG_IGN) with `flags` and `mask`, with the restorer glibc would
/// use; returns the old disposition.
pub fn sigaction(sig: i32, handler: usize, flags: u32, mask: u64) -> Result<SigAction, Errno> {
    let restorer = if flags & SA_SIGINFO != 0 { __rt_restore_rt as *const () as usize } else { __rt_restore as *const () as usize };
    let new = SigAction { handler, flags: flags | SA_RESTORER, restorer, mask };
    let mut old = SigAction::default();
    sigaction_raw(sig, Some(&new), Some(&mut old))?;
    Ok(old)
}

/// `rt_sigprocmask(how, set, &old, 8)`: returns the old mask.
pub fn sigprocmask(how: usize, set: Option<u64>) -> Result<u64, Errno> {
    let mut old: u64 = 0;
    let p = set.as_ref().map_or(0, |s| s as *const u64 as usize);
    // SAFETY: the kernel reads `set` and writes `old`.
    r(unsafe { syscall4(nr::SYS_RT_SIGPROCMASK, how, p, &mut old as *mut u64 as usize, 8) })?;
    Ok(old)
}

/// `rt_sigpending`.
pub fn sigpending() -> Result<u64, Errno> {
    let mut set: u64 = 0;
    // SAFETY: the kernel writes 8 bytes into `set`.
    r(unsafe { syscall2(nr::SYS_RT_SIGPENDING, &mut set as *mut u64 as usize, 8) })?;
    Ok(set)
}

/// `rt_sigsuspend(mask)`: always fails, EINTR after a handler ran.
pub fn sigsuspend(mask: u64) -> Errno {
    // SAFETY: the kernel reads `mask`.
    match r(unsafe { syscall2(nr::SYS_RT_SIGSUSPEND, &mask as *const u64 as usize, 8) }) {
        Err(e) => e,
        Ok(_) => Errno(0),
    }
}

/// `pause()`: always fails, EINTR after a handler ran.
pub fn pause() -> Errno {
    // SAFETY: no memory effects.
    match r(unsafe { syscall0(nr::SYS_PAUSE) }) {
        Err(e) => e,
        Ok(_) => Errno(0),
    }
}

/// `rt_sigtimedwait(set, &info, timeout, 8)`: the signal taken and its information.
pub fn sigtimedwait(set: u64, timeout: Option<Timespec>) -> Result<(i32, SigInfo), Errno> {
    let mut info = SigInfo::zeroed();
    let t = timeout.as_ref().map_or(0, |t| t as *const Timespec as usize);
    // SAFETY: the kernel reads `set` and the timeout, writes `info` (128 bytes).
    let sig = r(unsafe {
        syscall4(nr::SYS_RT_SIGTIMEDWAIT, &set as *const u64 as usize, &mut info as *mut SigInfo as usize, t, 8)
    })?;
    Ok((sig as i32, info))
}

/// `sigaltstack(new, &old)`.
pub fn sigaltstack(new: Option<&Stack>) -> Result<Stack, Errno> {
    let mut old = Stack::default();
    let n = new.map_or(0, |s| s as *const Stack as usize);
    // SAFETY: the kernel reads `new` and writes `old`.
    r(unsafe { syscall2(nr::SYS_SIGALTSTACK, n, &mut old as *mut Stack as usize) })?;
    Ok(old)
}

/// `tkill(tid, sig)`.
pub fn tkill(tid: i32, sig: i32) -> Result<(), Errno> {
    // SAFETY: no memory effects.
    r(unsafe { syscall2(nr::SYS_TKILL, tid as usize, sig as usize) }).map(|_| ())
}

/// `tgkill(tgid, tid, sig)`.
pub fn tgkill(tgid: i32, tid: i32, sig: i32) -> Result<(), Errno> {
    // SAFETY: no memory effects.
    r(unsafe { syscall3(nr::SYS_TGKILL, tgid as usize, tid as usize, sig as usize) }).map(|_| ())
}

/// glibc's `raise` for a single-threaded process: `tgkill(getpid(), getpid(), sig)`.
pub fn raise(sig: i32) -> Result<(), Errno> {
    let me = crate::sys::getpid() as i32;
    tgkill(me, me, sig)
}

/// `rt_sigqueueinfo(pid, sig, info)`.
pub fn sigqueueinfo(pid: i32, sig: i32, info: &SigInfo) -> Result<(), Errno> {
    // SAFETY: the kernel reads `info`.
    r(unsafe { syscall3(nr::SYS_RT_SIGQUEUEINFO, pid as usize, sig as usize, info as *const SigInfo as usize) })
        .map(|_| ())
}

/// `nanosleep(req, &rem)`: the error and the time left.
pub fn nanosleep_rem(req: Timespec) -> (Result<(), Errno>, Timespec) {
    let mut rem = Timespec::default();
    // SAFETY: the kernel reads `req` and writes `rem`.
    let ret = r(unsafe {
        syscall2(nr::SYS_NANOSLEEP, &req as *const Timespec as usize, &mut rem as *mut Timespec as usize)
    });
    (ret.map(|_| ()), rem)
}
