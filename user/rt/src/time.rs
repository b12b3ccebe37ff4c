//! Clocks, sleeps, timers and resource usage: thin wrappers over the Linux i386 calls.

use crate::errno::Errno;
use crate::sys::{nr, syscall1, syscall2, syscall3, syscall4};
pub use crate::sys::Timespec;

pub const CLOCK_REALTIME: i32 = 0;
pub const CLOCK_MONOTONIC: i32 = 1;
pub const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
pub const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
pub const CLOCK_MONOTONIC_RAW: i32 = 4;
pub const CLOCK_REALTIME_COARSE: i32 = 5;
pub const CLOCK_MONOTONIC_COARSE: i32 = 6;
pub const CLOCK_BOOTTIME: i32 = 7;
pub const TIMER_ABSTIME: usize = 1;
pub const ITIMER_REAL: i32 = 0;
pub const ITIMER_VIRTUAL: i32 = 1;
pub const ITIMER_PROF: i32 = 2;
pub const RUSAGE_SELF: i32 = 0;
pub const RUSAGE_CHILDREN: i32 = -1;
pub const RUSAGE_THREAD: i32 = 1;
pub const NSEC_PER_SEC: i64 = 1_000_000_000;

impl Timespec {
    pub fn ns(&self) -> i64 {
        self.tv_sec as i64 * NSEC_PER_SEC + self.tv_nsec as i64
    }
    pub fn from_ns(ns: i64) -> Self {
        Timespec { tv_sec: (ns / NSEC_PER_SEC) as i32, tv_nsec: (ns % NSEC_PER_SEC) as i32 }
    }
}

/// `struct __kernel_timespec` (the `_time64` calls).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Timespec64 {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

impl Timespec64 {
    pub fn ns(&self) -> i64 {
        self.tv_sec * NSEC_PER_SEC + self.tv_nsec
    }
}

/// `struct timeval`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Timeval {
    pub tv_sec: i32,
    pub tv_usec: i32,
}

impl Timeval {
    pub fn ns(&self) -> i64 {
        self.tv_sec as i64 * NSEC_PER_SEC + self.tv_usec as i64 * 1000
    }
    pub fn from_ns(ns: i64) -> Self {
        Timeval { tv_sec: (ns / NSEC_PER_SEC) as i32, tv_usec: ((ns % NSEC_PER_SEC) / 1000) as i32 }
    }
}

/// `struct itimerval`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Itimerval {
    pub interval: Timeval,
    pub value: Timeval,
}

/// `struct tms`, in clock ticks (1/100 s).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Tms {
    pub utime: i32,
    pub stime: i32,
    pub cutime: i32,
    pub cstime: i32,
}

/// `struct rusage` on i386.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Rusage {
    pub utime: Timeval,
    pub stime: Timeval,
    pub maxrss: i32,
    pub ixrss: i32,
    pub idrss: i32,
    pub isrss: i32,
    pub minflt: i32,
    pub majflt: i32,
    pub nswap: i32,
    pub inblock: i32,
    pub oublock: i32,
    pub msgsnd: i32,
    pub msgrcv: i32,
    pub nsignals: i32,
    pub nvcsw: i32,
    pub nivcsw: i32,
}

fn r(ret: usize) -> Result<usize, Errno> {
    Errno::from_ret(ret)
}

/// `clock_gettime` (265).
pub fn clock_gettime(clock: i32) -> Result<Timespec, Errno> {
    let mut ts = Timespec::default();
    // SAFETY: the kernel writes one timespec into `ts`.
    r(unsafe { syscall2(nr::SYS_CLOCK_GETTIME, clock as usize, &mut ts as *mut Timespec as usize) })?;
    Ok(ts)
}

/// `clock_gettime(clock)` in nanoseconds; panics on failure.
pub fn now_ns(clock: i32) -> i64 {
    clock_gettime(clock).expect("clock_gettime").ns()
}

/// `clock_gettime64` (403).
pub fn clock_gettime64(clock: i32) -> Result<Timespec64, Errno> {
    let mut ts = Timespec64::default();
    // SAFETY: the kernel writes one __kernel_timespec into `ts`.
    r(unsafe { syscall2(nr::SYS_CLOCK_GETTIME64, clock as usize, &mut ts as *mut Timespec64 as usize) })?;
    Ok(ts)
}

/// `clock_getres` (266).
pub fn clock_getres(clock: i32) -> Result<Timespec, Errno> {
    let mut ts = Timespec::default();
    // SAFETY: the kernel writes one timespec into `ts`.
    r(unsafe { syscall2(nr::SYS_CLOCK_GETRES, clock as usize, &mut ts as *mut Timespec as usize) })?;
    Ok(ts)
}

/// `clock_getres_time64` (406).
pub fn clock_getres64(clock: i32) -> Result<Timespec64, Errno> {
    let mut ts = Timespec64::default();
    // SAFETY: the kernel writes one __kernel_timespec into `ts`.
    r(unsafe { syscall2(nr::SYS_CLOCK_GETRES_TIME64, clock as usize, &mut ts as *mut Timespec64 as usize) })?;
    Ok(ts)
}

/// `gettimeofday(tv, tz)` (78): (time, [minuteswest, dsttime]).
pub fn gettimeofday() -> Result<(Timeval, [i32; 2]), Errno> {
    let mut tv = Timeval::default();
    let mut tz = [-1i32; 2];
    // SAFETY: the kernel writes a timeval and a timezone into the locals.
    r(unsafe { syscall2(nr::SYS_GETTIMEOFDAY, &mut tv as *mut Timeval as usize, tz.as_mut_ptr() as usize) })?;
    Ok((tv, tz))
}

/// `time(&t)` (13): (result, what was stored).
pub fn time() -> Result<(i32, i32), Errno> {
    let mut t = 0i32;
    // SAFETY: the kernel writes one word into `t`.
    let ret = r(unsafe { syscall1(nr::SYS_TIME, &mut t as *mut i32 as usize) })?;
    Ok((ret as i32, t))
}

/// `times` (43): (return value, the tms).
pub fn times() -> Result<(u32, Tms), Errno> {
    let mut t = Tms::default();
    // SAFETY: the kernel writes one tms into `t`.
    let ret = r(unsafe { syscall1(nr::SYS_TIMES, &mut t as *mut Tms as usize) })?;
    Ok((ret as u32, t))
}

/// `nanosleep(req, rem)` with raw pointers (either may be bad on purpose).
///
/// # Safety
/// `req` must be readable or invalid, `rem` writable or invalid: the kernel checks.
pub unsafe fn nanosleep_raw(req: usize, rem: usize) -> Result<usize, Errno> {
    // SAFETY: as the caller promises.
    r(unsafe { syscall2(nr::SYS_NANOSLEEP, req, rem) })
}

/// `nanosleep` of `ns` nanoseconds.
pub fn nanosleep_ns(ns: i64) -> Result<(), Errno> {
    let ts = Timespec::from_ns(ns);
    // SAFETY: `ts` is readable; rem is NULL.
    unsafe { nanosleep_raw(&ts as *const Timespec as usize, 0) }.map(|_| ())
}

/// `clock_nanosleep(clock, flags, &ts, NULL)` (267); returns the raw error.
pub fn clock_nanosleep(clock: i32, flags: usize, ts: Timespec) -> Result<(), Errno> {
    // SAFETY: `ts` is readable; rem is NULL.
    r(unsafe { syscall4(nr::SYS_CLOCK_NANOSLEEP, clock as usize, flags, &ts as *const Timespec as usize, 0) }).map(|_| ())
}

/// `clock_nanosleep_time64` (407).
pub fn clock_nanosleep64(clock: i32, flags: usize, ts: Timespec64) -> Result<(), Errno> {
    // SAFETY: `ts` is readable; rem is NULL.
    r(unsafe { syscall4(nr::SYS_CLOCK_NANOSLEEP_TIME64, clock as usize, flags, &ts as *const Timespec64 as usize, 0) }).map(|_| ())
}

/// `alarm` (27): the seconds left of the previous alarm.
pub fn alarm(seconds: u32) -> u32 {
    // SAFETY: no user memory.
    unsafe { syscall1(nr::SYS_ALARM, seconds as usize) as u32 }
}

/// `setitimer(which, &new, &old)` (104): the old value.
pub fn setitimer(which: i32, new: Itimerval) -> Result<Itimerval, Errno> {
    let mut old = Itimerval::default();
    // SAFETY: the kernel reads `new` and writes `old`.
    r(unsafe {
        syscall3(nr::SYS_SETITIMER, which as usize, &new as *const Itimerval as usize, &mut old as *mut Itimerval as usize)
    })?;
    Ok(old)
}

/// `getitimer` (105).
pub fn getitimer(which: i32) -> Result<Itimerval, Errno> {
    let mut v = Itimerval::default();
    // SAFETY: the kernel writes one itimerval into `v`.
    r(unsafe { syscall2(nr::SYS_GETITIMER, which as usize, &mut v as *mut Itimerval as usize) })?;
    Ok(v)
}

/// `getrusage` (77).
pub fn getrusage(who: i32) -> Result<Rusage, Errno> {
    let mut ru = Rusage::default();
    // SAFETY: the kernel writes one rusage into `ru`.
    r(unsafe { syscall2(nr::SYS_GETRUSAGE, who as usize, &mut ru as *mut Rusage as usize) })?;
    Ok(ru)
}

/// `wait4(pid, &status, options, &rusage)` (114): (pid, status, rusage).
pub fn wait4_rusage(pid: i32, options: usize) -> Result<(u32, i32, Rusage), Errno> {
    let mut status = 0i32;
    let mut ru = Rusage::default();
    // SAFETY: the kernel writes the status and one rusage into the locals.
    let ret = r(unsafe {
        syscall4(nr::SYS_WAIT4, pid as usize, &mut status as *mut i32 as usize, options, &mut ru as *mut Rusage as usize)
    })?;
    Ok((ret as u32, status, ru))
}

/// `clock_settime` (264).
pub fn clock_settime(clock: i32, ts: Timespec) -> Result<(), Errno> {
    // SAFETY: the kernel reads one timespec from `ts`.
    r(unsafe { syscall2(nr::SYS_CLOCK_SETTIME, clock as usize, &ts as *const Timespec as usize) }).map(|_| ())
}

/// `clock_settime64` (404).
pub fn clock_settime64(clock: i32, ts: Timespec64) -> Result<(), Errno> {
    // SAFETY: the kernel reads one __kernel_timespec from `ts`.
    r(unsafe { syscall2(nr::SYS_CLOCK_SETTIME64, clock as usize, &ts as *const Timespec64 as usize) }).map(|_| ())
}

/// `settimeofday(tv, NULL)` (79).
pub fn settimeofday(tv: Timeval) -> Result<(), Errno> {
    // SAFETY: the kernel reads one timeval from `tv`; tz is NULL.
    r(unsafe { syscall2(nr::SYS_SETTIMEOFDAY, &tv as *const Timeval as usize, 0) }).map(|_| ())
}
