//! Clocks, sleeps, timers and resource usage: clock_gettime(64), clock_getres(_time64),
//! clock_settime(64), gettimeofday, settimeofday, time, times, nanosleep, clock_nanosleep(_time64), alarm, setitimer,
//! getitimer, getrusage, and wait4's rusage.
//!
//! The clocks: CLOCK_REALTIME (and _COARSE, TAI, REALTIME_ALARM) is the RTC's time at boot plus
//! the monotonic clock; CLOCK_MONOTONIC (and _RAW, _COARSE, BOOTTIME, BOOTTIME_ALARM) is the
//! PIT tick count refined by the TSC (`crate::arch::clock`); the CPU-time clocks read the
//! task's accounted run time (`proc::usage`). The _COARSE clocks have the tick's resolution,
//! the others 1 ns, as Linux reports them.

use super::uptr::UserPtr;
use super::SysResult;
use crate::arch::{clock, pit};
use crate::proc::task::Task;
use crate::proc::timer::{self, Woke};
use crate::proc::usage::Usage;
use crate::proc::{self, sched};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicI32, Ordering};
use vmcore::errno::Errno;
use vmcore::time::{split_ns, timespec_ns, NSEC_PER_SEC};

const CLOCK_REALTIME: i32 = 0;
const CLOCK_MONOTONIC: i32 = 1;
const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
const CLOCK_MONOTONIC_RAW: i32 = 4;
const CLOCK_REALTIME_COARSE: i32 = 5;
const CLOCK_MONOTONIC_COARSE: i32 = 6;
const CLOCK_BOOTTIME: i32 = 7;
const CLOCK_REALTIME_ALARM: i32 = 8;
const CLOCK_BOOTTIME_ALARM: i32 = 9;
const CLOCK_TAI: i32 = 11;
/// `clock_nanosleep` flag: the time is absolute.
const TIMER_ABSTIME: u32 = 1;
const ITIMER_REAL: u32 = 0;
const ITIMER_VIRTUAL: u32 = 1;
const ITIMER_PROF: u32 = 2;
const RUSAGE_SELF: i32 = 0;
const RUSAGE_CHILDREN: i32 = -1;
const RUSAGE_THREAD: i32 = 1;
/// `clock_t` ticks per second (`USER_HZ`).
const USER_HZ: u64 = 100;

/// What a clock id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Clock {
    /// Wall-clock time; `coarse`: at the last tick.
    Realtime { coarse: bool },
    /// Time since boot; `coarse`: at the last tick.
    Monotonic { coarse: bool },
    /// The CPU time of a process (`Some(pid)`: another one, from a `clock_getcpuclockid` id).
    ProcessCpu(Option<u32>),
    /// The CPU time of a thread.
    ThreadCpu(Option<u32>),
    /// A CPU-time clock of the PROF or VIRT kind (Linux's `CPUCLOCK_PROF`/`VIRT` ids).
    CpuTick { pid: Option<u32>, user_only: bool },
}

impl Clock {
    /// Decodes a clock id as Linux's `clockid_to_kclock` does (negative ids: CPU clocks of
    /// `~(id >> 3)`, kind in the low 2 bits, per-thread in bit 2).
    fn of(id: i32) -> Result<Clock, Errno> {
        Ok(match id {
            CLOCK_REALTIME | CLOCK_TAI | CLOCK_REALTIME_ALARM => Clock::Realtime { coarse: false },
            CLOCK_REALTIME_COARSE => Clock::Realtime { coarse: true },
            CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_BOOTTIME | CLOCK_BOOTTIME_ALARM => Clock::Monotonic { coarse: false },
            CLOCK_MONOTONIC_COARSE => Clock::Monotonic { coarse: true },
            CLOCK_PROCESS_CPUTIME_ID => Clock::ProcessCpu(None),
            CLOCK_THREAD_CPUTIME_ID => Clock::ThreadCpu(None),
            id if id < 0 => {
                let pid = !(id >> 3) as u32;
                let pid = if pid == 0 { None } else { Some(pid) };
                let thread = id & 4 != 0;
                match (id & 3, thread) {
                    (3, _) => return Err(Errno::EINVAL),
                    (2, false) => Clock::ProcessCpu(pid),
                    (2, true) => Clock::ThreadCpu(pid),
                    (kind, _) => Clock::CpuTick { pid, user_only: kind == 1 },
                }
            }
            _ => return Err(Errno::EINVAL),
        })
    }

    /// The task whose CPU time a CPU clock reads (EINVAL if there is none).
    fn task(pid: Option<u32>) -> Result<Arc<Task>, Errno> {
        match pid {
            None => Ok(proc::current()),
            Some(pid) => sched::with(|s| s.tasks.get(&pid).filter(|t| t.pid() != 0).cloned()).ok_or(Errno::EINVAL),
        }
    }

    /// The clock's time now, nanoseconds (realtime may be before the epoch: signed).
    fn now(self) -> Result<i64, Errno> {
        Ok(match self {
            Clock::Realtime { coarse: false } => clock::realtime_ns(),
            Clock::Realtime { coarse: true } => clock::realtime_offset_ns() + clock::tick_ns() as i64,
            Clock::Monotonic { coarse: false } => clock::monotonic_ns() as i64,
            Clock::Monotonic { coarse: true } => clock::tick_ns() as i64,
            Clock::ProcessCpu(pid) => {
                let u = proc::usage::process_usage(&*Self::task(pid)?);
                (u.utime + u.stime) as i64
            }
            Clock::ThreadCpu(pid) => {
                let task = Self::task(pid)?;
                task.usage.runtime(task.pid() == proc::current_pid()) as i64
            }
            Clock::CpuTick { pid, user_only } => {
                let task = Self::task(pid)?;
                let u = task.usage.own(task.pid() == proc::current_pid(), None);
                (if user_only { u.utime } else { u.utime + u.stime }) as i64
            }
        })
    }

    /// The resolution Linux reports: the tick for the coarse and tick-sampled clocks, 1 ns for
    /// the high-resolution ones.
    fn resolution(self) -> Result<u64, Errno> {
        Ok(match self {
            Clock::Realtime { coarse: true } | Clock::Monotonic { coarse: true } => clock::TICK_NS,
            Clock::CpuTick { pid, .. } => {
                Self::task(pid)?;
                clock::TICK_NS
            }
            Clock::ProcessCpu(pid) | Clock::ThreadCpu(pid) => {
                Self::task(pid)?;
                1
            }
            _ => 1,
        })
    }
}

/// Which user layout a time value has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `struct old_timespec32`: two 32-bit words.
    Old32,
    /// `struct __kernel_timespec`: two 64-bit words (the `_time64` calls).
    Time64,
}

/// Writes a time (nanoseconds, signed for realtime before 1970) as a timespec.
fn put_timespec(at: u32, layout: Layout, ns: i64) -> Result<(), Errno> {
    let sec = ns.div_euclid(NSEC_PER_SEC as i64);
    let nsec = ns.rem_euclid(NSEC_PER_SEC as i64);
    match layout {
        Layout::Old32 => UserPtr::<[i32; 2]>::new(at).write([sec as i32, nsec as i32]),
        Layout::Time64 => {
            let (s, n) = (sec as u64, nsec as u64);
            UserPtr::<[u32; 4]>::new(at).write([s as u32, (s >> 32) as u32, n as u32, 0])
        }
    }
}

/// Reads a timespec: (seconds, nanoseconds). For `Time64` the upper half of `tv_nsec` is
/// ignored, as on Linux i386 (`tv_nsec` is a 32-bit `long` there).
fn get_timespec(at: u32, layout: Layout) -> Result<(i64, i64), Errno> {
    match layout {
        Layout::Old32 => {
            let [s, n] = UserPtr::<[i32; 2]>::new(at).read()?;
            Ok((s as i64, n as i64))
        }
        Layout::Time64 => {
            let [s_lo, s_hi, n_lo, _] = UserPtr::<[u32; 4]>::new(at).read()?;
            Ok(((s_lo as u64 | (s_hi as u64) << 32) as i64, n_lo as i32 as i64))
        }
    }
}

/// clock_gettime (265) and clock_gettime64 (403).
pub fn clock_gettime(id: i32, tp: u32, layout: Layout) -> SysResult {
    let now = Clock::of(id)?.now()?;
    put_timespec(tp, layout, now)?;
    Ok(0)
}

/// clock_getres (266) and clock_getres_time64 (406): NULL is allowed.
pub fn clock_getres(id: i32, tp: u32, layout: Layout) -> SysResult {
    let res = Clock::of(id)?.resolution()?;
    if tp != 0 {
        put_timespec(tp, layout, res as i64)?;
    }
    Ok(0)
}

/// gettimeofday (78): the timezone, if asked for, is what settimeofday set (zeroes at boot).
pub fn gettimeofday(tv: UserPtr<[i32; 2]>, tz: UserPtr<[i32; 2]>) -> SysResult {
    if !tv.is_null() {
        let ns = clock::realtime_ns();
        tv.write([ns.div_euclid(NSEC_PER_SEC as i64) as i32, (ns.rem_euclid(NSEC_PER_SEC as i64) / 1000) as i32])?;
    }
    if !tz.is_null() {
        tz.write([SYS_TZ[0].load(Ordering::Relaxed), SYS_TZ[1].load(Ordering::Relaxed)])?;
    }
    Ok(0)
}

/// Largest seconds Linux's `timespec64_valid_settod` accepts (KTIME_SEC_MAX minus 30 years).
const SETTOD_SEC_MAX: i64 = i64::MAX / NSEC_PER_SEC as i64 - 30 * 365 * 86_400;

/// Sets CLOCK_REALTIME to `sec`.`nsec` (Linux's `do_sys_settimeofday64` checks, then EPERM
/// without root). Sleepers with an absolute CLOCK_REALTIME deadline keep the
/// monotonic deadline it stood for (Linux would re-evaluate them).
/// Linux's `security_settime64`: setting the clock needs CAP_SYS_TIME (euid 0 here).
fn may_set_time() -> Result<(), Errno> {
    if proc::cred::current().euid == 0 { Ok(()) } else { Err(Errno::EPERM) }
}

fn set_realtime(sec: i64, nsec: i64) -> Result<(), Errno> {
    if !(0..=SETTOD_SEC_MAX).contains(&sec) || !(0..NSEC_PER_SEC as i64).contains(&nsec) {
        return Err(Errno::EINVAL);
    }
    may_set_time()?;
    clock::set_realtime_ns(sec * NSEC_PER_SEC as i64 + nsec);
    Ok(())
}

/// clock_settime (264) and clock_settime64 (404): only CLOCK_REALTIME can be set (EINVAL for
/// the clocks Linux has no setter for, CLOCK_PROCESS/THREAD_CPUTIME_ID included; EPERM for the
/// CPU clocks of `clock_getcpuclockid` ids), in Linux's order.
pub fn clock_settime(id: i32, tp: u32, layout: Layout) -> SysResult {
    let clock = Clock::of(id)?;
    match clock {
        Clock::Realtime { coarse: false } if id == CLOCK_REALTIME => {}
        // clock_getcpuclockid ids (Linux's clock_posix_cpu): "you can never reset a CPU clock".
        Clock::ProcessCpu(pid) | Clock::ThreadCpu(pid) | Clock::CpuTick { pid, .. } if id < 0 => {
            Clock::task(pid)?;
            return Err(Errno::EPERM);
        }
        _ => return Err(Errno::EINVAL),
    }
    let (sec, nsec) = get_timespec(tp, layout)?;
    set_realtime(sec, nsec)?;
    Ok(0)
}

/// The timezone `settimeofday` last set (Linux's `sys_tz`): minutes west, DST type.
static SYS_TZ: [AtomicI32; 2] = [AtomicI32::new(0), AtomicI32::new(0)];

/// settimeofday (79), in Linux's order: copy `tv` (NULL: unchanged), refuse usec outside
/// 0..=1e6, copy `tz`, check `tv` as a time, check `tz`'s ±15 h, set. Linux's one-time clock
/// warp for a `tz` without `tv` (a local-time RTC) is left out: our RTC is UTC.
pub fn settimeofday(tv: UserPtr<[i32; 2]>, tz: UserPtr<[i32; 2]>) -> SysResult {
    let new = if tv.is_null() { None } else { Some(tv.read()?) };
    if new.is_some_and(|[_, usec]| !(0..=1_000_000).contains(&usec)) {
        return Err(Errno::EINVAL);
    }
    let zone = if tz.is_null() { None } else { Some(tz.read()?) };
    if new.is_some_and(|[sec, usec]| sec < 0 || usec == 1_000_000) {
        return Err(Errno::EINVAL);
    }
    may_set_time()?;
    if let Some([minuteswest, dsttime]) = zone {
        if !(-15 * 60..=15 * 60).contains(&minuteswest) {
            return Err(Errno::EINVAL);
        }
        SYS_TZ[0].store(minuteswest, Ordering::Relaxed);
        SYS_TZ[1].store(dsttime, Ordering::Relaxed);
    }
    if let Some([sec, usec]) = new {
        set_realtime(sec as i64, usec as i64 * 1000)?;
    }
    Ok(0)
}

/// time (13): seconds since the epoch, also stored at `t` unless NULL.
pub fn time(t: UserPtr<i32>) -> SysResult {
    let sec = clock::realtime_ns().div_euclid(NSEC_PER_SEC as i64) as i32;
    if !t.is_null() {
        t.write(sec)?;
    }
    Ok(sec as u32)
}

fn clock_t(ns: u64) -> u32 {
    (ns / (NSEC_PER_SEC / USER_HZ)) as u32
}

/// times (43): user and system time of the process and of its reaped children in `clock_t`
/// (1/100 s); returns the ticks since boot.
pub fn times(buf: UserPtr<[u32; 4]>) -> SysResult {
    if !buf.is_null() {
        let task = proc::current();
        let own = proc::usage::process_usage(&task);
        let children = task.group.usage.children();
        buf.write([clock_t(own.utime), clock_t(own.stime), clock_t(children.utime), clock_t(children.stime)])?;
    }
    Ok(clock_t(pit::ticks() * clock::TICK_NS))
}

/// How a sleep's end time is given.
enum Until {
    /// A duration from now.
    Relative(u64),
    /// A monotonic deadline.
    Monotonic(u64),
}

/// Sleeps (Linux's `do_nanosleep`: interrupted after the deadline passed is a success). On a
/// signal a relative sleep writes the time left to `rem` and returns ERESTART_RESTARTBLOCK —
/// EINTR if a handler runs, else `restart_syscall` sleeps on to the same deadline
/// ([`resume_sleep`]); an absolute one returns ERESTARTNOHAND (restarted as it was unless a
/// handler runs).
fn sleep(until: Until, rem: u32, layout: Layout) -> SysResult {
    let start = clock::monotonic_ns();
    let deadline = match until {
        Until::Relative(ns) => start.saturating_add(ns),
        Until::Monotonic(d) => d,
    };
    match until {
        Until::Relative(_) => sleep_restartable(deadline, rem, layout),
        Until::Monotonic(_) => match timer::sleep_until(deadline)? {
            Woke::Deadline => Ok(0),
            Woke::Signal => Err(Errno::ERESTARTNOHAND),
        },
    }
}

/// A relative sleep to the monotonic `deadline`; see [`sleep`].
fn sleep_restartable(deadline: u64, rem: u32, layout: Layout) -> SysResult {
    match timer::sleep_until(deadline)? {
        Woke::Deadline => Ok(0),
        Woke::Signal => {
            if rem != 0 {
                let left = deadline.saturating_sub(clock::monotonic_ns()).max(1);
                put_timespec(rem, layout, left.min(i64::MAX as u64) as i64)?;
            }
            let task = proc::current();
            let mut inner = task.inner.lock();
            inner.sig.restart_until = deadline;
            inner.sig.restart_rem = rem;
            inner.sig.restart_time64 = matches!(layout, Layout::Time64);
            inner.sig.restart_poll = None;
            Err(Errno::ERESTART_RESTARTBLOCK)
        }
    }
}

/// `restart_syscall` for an interrupted relative sleep: sleeps on to the same monotonic
/// `deadline` (Linux's `hrtimer_nanosleep_restart`).
pub fn resume_sleep(deadline: u64, rem: u32, time64: bool) -> SysResult {
    sleep_restartable(deadline, rem, if time64 { Layout::Time64 } else { Layout::Old32 })
}

/// nanosleep (162): a relative sleep on CLOCK_MONOTONIC.
pub fn nanosleep(req: u32, rem: u32) -> SysResult {
    let (sec, nsec) = get_timespec(req, Layout::Old32)?;
    let ns = timespec_ns(sec, nsec).map_err(|_| Errno::EINVAL)?;
    sleep(Until::Relative(ns), rem, Layout::Old32)
}

/// clock_nanosleep (267) and clock_nanosleep_time64 (407). The result is the error itself
/// (glibc returns it rather than setting errno), in Linux's order: an unknown clock EINVAL, a
/// clock that cannot sleep EOPNOTSUPP, then the time (EFAULT, EINVAL).
pub fn clock_nanosleep(id: i32, flags: u32, req: u32, rem: u32, layout: Layout) -> SysResult {
    let clock = Clock::of(id)?;
    // Linux's clock_thread has no nsleep (EOPNOTSUPP); a per-thread id of the caller's own
    // thread is refused by posix_cpu_nsleep (EINVAL, below).
    let sleepable = matches!(id, CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_TAI | CLOCK_REALTIME_ALARM | CLOCK_BOOTTIME_ALARM)
        || (id < 0 || id == CLOCK_PROCESS_CPUTIME_ID);
    if !sleepable {
        return Err(Errno::EOPNOTSUPP);
    }
    let (sec, nsec) = get_timespec(req, layout)?;
    let ns = timespec_ns(sec, nsec).map_err(|_| Errno::EINVAL)?;
    let abs = flags & TIMER_ABSTIME != 0;
    match clock {
        Clock::Realtime { .. } if abs => {
            let mono = (ns.min(i64::MAX as u64) as i64).saturating_sub(clock::realtime_offset_ns());
            sleep(Until::Monotonic(mono.max(0) as u64), 0, layout)
        }
        Clock::Monotonic { .. } if abs => sleep(Until::Monotonic(ns), 0, layout),
        Clock::Realtime { .. } | Clock::Monotonic { .. } => sleep(Until::Relative(ns), rem, layout),
        Clock::ThreadCpu(_) => Err(Errno::EINVAL),
        Clock::ProcessCpu(pid) | Clock::CpuTick { pid, .. } => {
            // A process's CPU clock: one of ours does not advance while we sleep (one thread
            // per process), so an absolute time already reached returns at once and anything
            // else sleeps until a signal, as Linux's posix_cpu_nsleep does for us.
            let target = if abs { ns as i64 } else { clock.now()?.saturating_add(ns as i64) };
            if pid.is_some_and(|p| p != proc::current_pid()) {
                return Err(Errno::EINVAL);
            }
            if clock.now()? >= target {
                return Ok(0);
            }
            match timer::sleep_until(u64::MAX)? {
                Woke::Deadline => Ok(0),
                Woke::Signal => Err(Errno::EINTR),
            }
        }
    }
}

/// An `itimerval`'s two `timeval`s, (interval, value), validated as Linux's `get_itimerval`:
/// EINVAL for negative seconds or microseconds outside 0..1e6.
fn get_itimerval(at: UserPtr<[i32; 4]>) -> Result<(u64, u64), Errno> {
    let [is, iu, vs, vu] = at.read()?;
    let tv = |s: i32, u: i32| -> Result<u64, Errno> {
        if s < 0 || !(0..1_000_000).contains(&u) {
            return Err(Errno::EINVAL);
        }
        Ok(s as u64 * NSEC_PER_SEC + u as u64 * 1000)
    };
    Ok((tv(is, iu)?, tv(vs, vu)?))
}

/// (interval, value) in ns as an `itimerval` (microseconds rounded down, as Linux).
fn itimerval(interval: u64, value: u64) -> [i32; 4] {
    let (is, ins) = split_ns(interval);
    let (vs, vns) = split_ns(value);
    [is as i32, (ins / 1000) as i32, vs as i32, (vns / 1000) as i32]
}

/// The current value of timer `which` of `task`: (interval, value).
fn itimer(task: &Task, which: u32) -> Result<(u64, u64), Errno> {
    let cpu = |t: &crate::proc::usage::CpuTimer| {
        let (left, interval) = t.get();
        (interval, left)
    };
    match which {
        ITIMER_REAL => {
            let (left, interval) = timer::real_timer(task);
            Ok((interval, left))
        }
        ITIMER_VIRTUAL => Ok(cpu(&task.group.usage.virt)),
        ITIMER_PROF => Ok(cpu(&task.group.usage.prof)),
        _ => Err(Errno::EINVAL),
    }
}

/// getitimer (105).
pub fn getitimer(which: u32, value: UserPtr<[i32; 4]>) -> SysResult {
    let (interval, left) = itimer(&proc::current(), which)?;
    value.write(itimerval(interval, left))?;
    Ok(0)
}

/// Sets timer `which` of `task`; returns the old (interval, value).
fn set_itimer(task: &Task, which: u32, interval: u64, value: u64) -> Result<(u64, u64), Errno> {
    let cpu = |t: &crate::proc::usage::CpuTimer| {
        let _irq = crate::arch::cpu::IrqGuard::new();
        let (left, old_interval) = t.get();
        t.set(value, if value > 0 { interval } else { 0 });
        (old_interval, left)
    };
    match which {
        ITIMER_REAL => {
            let (left, old_interval) = timer::set_real_timer(task, value, interval)?;
            Ok((old_interval, left))
        }
        ITIMER_VIRTUAL => Ok(cpu(&task.group.usage.virt)),
        ITIMER_PROF => Ok(cpu(&task.group.usage.prof)),
        _ => Err(Errno::EINVAL),
    }
}

/// setitimer (104): the new value is read and checked first (a NULL one disarms, as Linux
/// still allows), then `which`.
pub fn setitimer(which: u32, new: UserPtr<[i32; 4]>, old: UserPtr<[i32; 4]>) -> SysResult {
    let (interval, value) = if new.is_null() { (0, 0) } else { get_itimerval(new)? };
    let (old_interval, old_value) = set_itimer(&proc::current(), which, interval, value)?;
    if !old.is_null() {
        old.write(itimerval(old_interval, old_value))?;
    }
    Ok(0)
}

/// alarm (27): SIGALRM in `seconds` (0: cancel); returns the seconds the previous alarm had
/// left, rounded as Linux's `alarm_setitimer` (never 0 for a pending alarm).
pub fn alarm(seconds: u32) -> SysResult {
    let seconds = seconds.min(i32::MAX as u32) as u64;
    let (_, left) = set_itimer(&proc::current(), ITIMER_REAL, 0, seconds * NSEC_PER_SEC)?;
    let (sec, nsec) = split_ns(left);
    let round_up = (sec == 0 && nsec > 0) || nsec as u64 >= NSEC_PER_SEC / 2;
    Ok(sec as u32 + round_up as u32)
}

/// `struct rusage` on i386: 18 `long`s.
fn rusage(u: &Usage) -> [u32; 18] {
    let tv = |ns: u64| {
        let (s, n) = split_ns(ns);
        (s as u32, n / 1000)
    };
    let (us, uu) = tv(u.utime);
    let (ss, su) = tv(u.stime);
    let mut r = [0u32; 18];
    r[..5].copy_from_slice(&[us, uu, ss, su, u.maxrss_kib]);
    r[8] = u.minflt;
    r[9] = u.majflt;
    r[16] = u.nvcsw;
    r[17] = u.nivcsw;
    r
}

/// getrusage (77): RUSAGE_SELF (every thread of the process, the exited ones too),
/// RUSAGE_THREAD (the caller), RUSAGE_CHILDREN (reaped children, recursively).
pub fn getrusage(who: i32, ru: UserPtr<[u32; 18]>) -> SysResult {
    let task = proc::current();
    let u = match who {
        RUSAGE_SELF => proc::usage::process_usage(&task),
        RUSAGE_THREAD => {
            let space = proc::current_aspace();
            task.usage.own(true, space.as_deref())
        }
        RUSAGE_CHILDREN => task.group.usage.children(),
        _ => return Err(Errno::EINVAL),
    };
    ru.write(rusage(&u))?;
    Ok(0)
}

/// wait4's rusage of a reaped child (NULL: not asked for).
pub fn put_child_rusage(ru: UserPtr<[u32; 18]>, used: &Usage) -> Result<(), Errno> {
    if ru.is_null() {
        return Ok(());
    }
    ru.write(rusage(used))
}
