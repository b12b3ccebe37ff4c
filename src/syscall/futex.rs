//! `futex` (240, `struct old_timespec32` timeouts: Linux's `sys_futex_time32`) and
//! `futex_time64` (422, `struct __kernel_timespec`: `sys_futex`): the argument checks of
//! Linux 6.1's `kernel/futex/syscalls.c`, in its order, in front of `proc::futex`.
//!
//! Arguments: `uaddr`, `op` (command | `FUTEX_PRIVATE_FLAG` | `FUTEX_CLOCK_REALTIME`), `val`,
//! `utime` (a timeout for the wait commands, the count `val2` for REQUEUE, CMP_REQUEUE and
//! WAKE_OP), `uaddr2`, `val3` (the bitset, CMP_REQUEUE's expected value, WAKE_OP's encoded op).

use super::uptr::UserPtr;
use super::SysResult;
use crate::arch::clock;
use crate::proc::futex::{self, Deadline, FutexError, WakeOp, MATCH_ANY};
use vmcore::errno::Errno;

const FUTEX_WAIT: u32 = 0;
const FUTEX_WAKE: u32 = 1;
const FUTEX_REQUEUE: u32 = 3;
const FUTEX_CMP_REQUEUE: u32 = 4;
const FUTEX_WAKE_OP: u32 = 5;
const FUTEX_LOCK_PI: u32 = 6;
const FUTEX_WAIT_BITSET: u32 = 9;
const FUTEX_WAKE_BITSET: u32 = 10;
const FUTEX_WAIT_REQUEUE_PI: u32 = 11;
const FUTEX_LOCK_PI2: u32 = 13;
const FUTEX_PRIVATE_FLAG: u32 = 128;
const FUTEX_CLOCK_REALTIME: u32 = 256;
const FUTEX_CMD_MASK: u32 = !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);

/// The layout of the timeout.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TimeLayout {
    /// `struct old_timespec32 { s32 tv_sec; s32 tv_nsec; }` (futex, 240).
    Old32,
    /// `struct __kernel_timespec { s64 tv_sec; s64 tv_nsec; }` (futex_time64, 422); on i386
    /// the upper half of `tv_nsec` is dropped, as Linux's `get_timespec64` does.
    Time64,
}

/// The clock a timeout is measured on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Clock {
    Monotonic,
    Realtime,
}

/// Nanoseconds on `clock` now.
fn clock_now_ns(clock: Clock) -> i128 {
    match clock {
        Clock::Monotonic => clock::monotonic_ns() as i128,
        Clock::Realtime => clock::realtime_ns() as i128,
    }
}

/// A timeout as Linux's `timespec64`: seconds and nanoseconds, checked by `timespec64_valid`.
struct Timespec {
    sec: i64,
    nsec: i64,
}

impl Timespec {
    fn read(addr: u32, layout: TimeLayout) -> Result<Timespec, Errno> {
        Ok(match layout {
            TimeLayout::Old32 => {
                let [sec, nsec] = UserPtr::<[u32; 2]>::new(addr).read()?;
                Timespec { sec: sec as i32 as i64, nsec: nsec as i32 as i64 }
            }
            TimeLayout::Time64 => {
                let [sec_lo, sec_hi, nsec_lo, _] = UserPtr::<[u32; 4]>::new(addr).read()?;
                Timespec { sec: ((sec_hi as u64) << 32 | sec_lo as u64) as i64, nsec: nsec_lo as i32 as i64 }
            }
        })
    }

    /// Nanoseconds (saturating, as `ktime_set`); `None` when invalid (EINVAL).
    fn ns(&self) -> Option<u64> {
        if self.sec < 0 || !(0..1_000_000_000).contains(&self.nsec) {
            return None;
        }
        Some((self.sec as u64).saturating_mul(1_000_000_000).saturating_add(self.nsec as u64))
    }
}

/// When `clock` reaches `abs_ns`, on the monotonic clock (realtime: through its current
/// offset, as Linux's hrtimer on CLOCK_REALTIME at the time of the call).
fn absolute(clock: Clock, abs_ns: u64) -> Deadline {
    let mono_now = clock::monotonic_ns();
    let ahead = abs_ns as i128 - clock_now_ns(clock);
    Deadline::at_ns((mono_now as i128 + ahead.max(0)).min(u64::MAX as i128) as u64)
}

/// A relative timeout from now.
fn relative(ns: u64) -> Deadline {
    Deadline::at_ns(clock::monotonic_ns().saturating_add(ns))
}

/// Whether `cmd` takes a timeout in `utime` (Linux's `futex_cmd_has_timeout`).
fn has_timeout(cmd: u32) -> bool {
    matches!(cmd, FUTEX_WAIT | FUTEX_LOCK_PI | FUTEX_LOCK_PI2 | FUTEX_WAIT_BITSET | FUTEX_WAIT_REQUEUE_PI)
}

/// futex / futex_time64.
pub fn futex(uaddr: u32, op: u32, val: u32, utime: u32, uaddr2: u32, val3: u32, layout: TimeLayout) -> SysResult {
    let cmd = op & FUTEX_CMD_MASK;
    let mut deadline = Deadline::NEVER;
    if utime != 0 && has_timeout(cmd) {
        let ns = Timespec::read(utime, layout)?.ns().ok_or(Errno::EINVAL)?;
        deadline = if cmd == FUTEX_WAIT {
            relative(ns)
        } else if op & FUTEX_CLOCK_REALTIME != 0 || cmd == FUTEX_LOCK_PI {
            absolute(Clock::Realtime, ns)
        } else {
            absolute(Clock::Monotonic, ns)
        };
    }
    do_futex(uaddr, op, val, deadline, uaddr2, utime, val3).map_err(|e| match e {
        // A signal: Linux's futex_wait returns ERESTARTSYS without a timeout (restarted under
        // SA_RESTART, else EINTR). With one it returns ERESTART_RESTARTBLOCK (EINTR if a
        // handler runs, else restart_syscall resumes to the same deadline); ERESTARTNOHAND is
        // the same except that, without a handler (a stop and continue), a relative FUTEX_WAIT
        // restarts with its whole timeout.
        FutexError::Interrupted if deadline == Deadline::NEVER => Errno::ERESTARTSYS,
        FutexError::Interrupted => Errno::ERESTARTNOHAND,
        e => errno(e),
    })
}

/// Linux's `do_futex`: the command with its flags.
fn do_futex(uaddr: u32, op: u32, val: u32, deadline: Deadline, uaddr2: u32, val2: u32, val3: u32) -> Result<u32, FutexError> {
    let cmd = op & FUTEX_CMD_MASK;
    let shared = op & FUTEX_PRIVATE_FLAG == 0;
    if op & FUTEX_CLOCK_REALTIME != 0 && !matches!(cmd, FUTEX_WAIT_BITSET | FUTEX_WAIT_REQUEUE_PI | FUTEX_LOCK_PI2) {
        return Err(FutexError::NoSys);
    }
    match cmd {
        FUTEX_WAIT => futex::wait(uaddr, shared, val, MATCH_ANY, deadline).map(|()| 0),
        FUTEX_WAIT_BITSET => futex::wait(uaddr, shared, val, val3, deadline).map(|()| 0),
        FUTEX_WAKE => futex::wake(uaddr, shared, val as i32, MATCH_ANY),
        FUTEX_WAKE_BITSET => futex::wake(uaddr, shared, val as i32, val3),
        FUTEX_REQUEUE => futex::requeue(uaddr, uaddr2, shared, val as i32, val2 as i32, None),
        FUTEX_CMP_REQUEUE => futex::requeue(uaddr, uaddr2, shared, val as i32, val2 as i32, Some(val3)),
        FUTEX_WAKE_OP => futex::wake_op(uaddr, uaddr2, shared, val as i32, val2 as i32, WakeOp::decode(val3)),
        // The PI commands (LOCK_PI, UNLOCK_PI, TRYLOCK_PI, WAIT_REQUEUE_PI, CMP_REQUEUE_PI,
        // LOCK_PI2), the removed FUTEX_FD and unknown numbers: Linux without CONFIG_FUTEX_PI.
        _ => Err(FutexError::NoSys),
    }
}

/// The errno of a futex failure.
fn errno(e: FutexError) -> Errno {
    match e {
        FutexError::Invalid => Errno::EINVAL,
        FutexError::Fault => Errno::EFAULT,
        FutexError::Again => Errno::EAGAIN,
        FutexError::TimedOut => Errno::ETIMEDOUT,
        FutexError::Interrupted => Errno::EINTR,
        FutexError::NoSys => Errno::ENOSYS,
        FutexError::NoMemory => Errno::ENOMEM,
    }
}
