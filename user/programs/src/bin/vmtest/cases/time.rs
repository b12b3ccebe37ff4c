//! Clocks, sleeps, timers and resource usage.

use super::*;
use rt::time::*;

pub(super) static CASES: &[Case] = &[
    case!(clock_monotonic_steady, OK, ALL, "CLOCK_MONOTONIC (and _RAW, _COARSE, BOOTTIME) never goes backwards across 10,000 reads, has sub-tick steps, agrees with clock_gettime64"),
    case!(clock_realtime_sane, OK, ALL, "CLOCK_REALTIME is after 2020-01-01 and agrees with gettimeofday (timezone zeroed), time() and clock_gettime64"),
    case!(clock_getres_values, OK, ALL, "clock_getres: 1 ns for the high-resolution and CPU-time clocks, one tick (1-10 ms) for _COARSE; EINVAL for unknown clocks, EFAULT for a NULL clock_gettime"),
    case!(nanosleep_exact, OK, ALL, "nanosleep(50 ms) lasts >= 50 ms and < 1 s by CLOCK_MONOTONIC; EINVAL for tv_nsec out of range or negative tv_sec; EFAULT for a bad pointer"),
    case!(clock_nanosleep_abstime, OK, ALL, "clock_nanosleep(_time64): relative and TIMER_ABSTIME on MONOTONIC/REALTIME/BOOTTIME reach the deadline; a past deadline returns at once; EOPNOTSUPP for MONOTONIC_RAW and THREAD_CPUTIME, EINVAL for unknown clocks"),
    case!(times_progress, OK, ALL, "times() return value advances with time, its utime+stime and getrusage's and CLOCK_PROCESS_CPUTIME_ID's advance with CPU use"),
    case!(rusage_faults_maxrss, OK, ALL, "ru_minflt grows by >= N after touching N fresh pages, ru_maxrss > 0 and grows; a sleep is a voluntary switch; RUSAGE_CHILDREN and wait4's rusage carry a reaped child's faults and peak"),
    case!(alarm_kills, OK, ALL, "alarm() returns the previous alarm's seconds; alarm(1) kills a child with SIGALRM after about 1 s; alarm(0) cancels"),
    case!(itimer_real, OK, ALL, "setitimer/getitimer ITIMER_REAL: remaining time counts down, old value returned, interval kept; the first expiry kills with SIGALRM; EINVAL for bad which/timeval"),
    case!(clock_settime_realtime, OK, ALL, "clock_settime(64)/settimeofday set CLOCK_REALTIME (ours: moved 1000 s and back; Linux: set to itself), MONOTONIC unmoved; EINVAL for other clocks and bad times, EPERM for a clock_getcpuclockid clock, EFAULT"),
    case!(itimer_cpu, OK, ALL, "ITIMER_VIRTUAL and ITIMER_PROF count CPU time: a spinning child dies of SIGVTALRM / SIGPROF"),
];

/// 2020-01-01T00:00:00Z.
const Y2020: i64 = 1_577_836_800;
const MS: i64 = 1_000_000;

fn clock_monotonic_steady(_ctx: &Ctx) {
    for clock in [CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME] {
        let first = now_ns(clock);
        let mut last = first;
        for i in 0..10_000 {
            let t = ok!(clock_gettime(clock), "clock_gettime({})", clock);
            check!((0..NSEC_PER_SEC as i32).contains(&t.tv_nsec), "clock {} tv_nsec {}", clock, t.tv_nsec);
            check!(t.ns() >= last, "clock {} went backwards at read {}: {} after {}", clock, i, t.ns(), last);
            last = t.ns();
        }
    }
    // Sub-tick resolution: two reads a moment apart differ by less than a millisecond (tried
    // for up to half a second: a kernel may still be measuring its counter right after boot).
    let mut fine = false;
    let start = now_ns(CLOCK_MONOTONIC);
    while !fine && now_ns(CLOCK_MONOTONIC) - start < NSEC_PER_SEC / 2 {
        let (a, b) = (now_ns(CLOCK_MONOTONIC), now_ns(CLOCK_MONOTONIC));
        fine = b > a && b - a < MS;
    }
    check!(fine, "CLOCK_MONOTONIC never moved by less than 1 ms between two reads");
    let a = now_ns(CLOCK_MONOTONIC);
    let b = ok!(clock_gettime64(CLOCK_MONOTONIC), "clock_gettime64").ns();
    let c = now_ns(CLOCK_MONOTONIC);
    check!(a <= b && b <= c, "clock_gettime64 {} outside [{}, {}]", b, a, c);
    ok!(nanosleep_ns(20 * MS), "nanosleep");
    check!(now_ns(CLOCK_MONOTONIC) - c >= 20 * MS, "monotonic did not advance over a 20 ms sleep");
}

fn clock_realtime_sane(_ctx: &Ctx) {
    let rt = ok!(clock_gettime(CLOCK_REALTIME), "clock_gettime(REALTIME)");
    check!(rt.tv_sec as i64 > Y2020, "CLOCK_REALTIME {} is before 2020", rt.tv_sec);
    let (tv, tz) = ok!(gettimeofday(), "gettimeofday");
    check!((tv.ns() - rt.ns()).abs() < 2 * NSEC_PER_SEC, "gettimeofday {:?} vs clock_gettime {:?}", tv, rt);
    check!((0..1_000_000).contains(&tv.tv_usec), "tv_usec {}", tv.tv_usec);
    check_eq!(tz, [0, 0], "timezone");
    let (ret, stored) = ok!(time(), "time");
    check_eq!(ret, stored, "time() result and stored value");
    check!((ret as i64 - rt.tv_sec as i64).abs() <= 2, "time() {} vs {}", ret, rt.tv_sec);
    let rt64 = ok!(clock_gettime64(CLOCK_REALTIME), "clock_gettime64(REALTIME)");
    check!((rt64.ns() - rt.ns()).abs() < 2 * NSEC_PER_SEC, "clock_gettime64 {:?} vs {:?}", rt64, rt);
    let coarse = ok!(clock_gettime(CLOCK_REALTIME_COARSE), "REALTIME_COARSE");
    check!((coarse.ns() - rt.ns()).abs() < 2 * NSEC_PER_SEC, "REALTIME_COARSE {:?} vs {:?}", coarse, rt);
    // SAFETY: NULL pointers: the kernel skips them.
    check_eq!(res(unsafe { syscall2(nr::SYS_GETTIMEOFDAY, 0, 0) }), Ok(0), "gettimeofday(NULL, NULL)");
    // SAFETY: NULL: time() only returns the value.
    let t = ok!(res(unsafe { syscall1(nr::SYS_TIME, 0) }), "time(NULL)");
    check!(t as i64 > Y2020, "time(NULL) = {}", t);
    // SAFETY: a kernel address: the kernel must refuse to write there.
    err!(res(unsafe { syscall1(nr::SYS_TIME, 0xC000_0000) }), Errno::EFAULT, "time(kernel address)");
}

fn clock_getres_values(_ctx: &Ctx) {
    for clock in [CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID] {
        let r = ok!(clock_getres(clock), "clock_getres({})", clock);
        check_eq!((r.tv_sec, r.tv_nsec), (0, 1), "resolution of clock {}", clock);
        let r = ok!(clock_getres64(clock), "clock_getres_time64({})", clock);
        check_eq!((r.tv_sec, r.tv_nsec), (0, 1), "64-bit resolution of clock {}", clock);
    }
    for clock in [CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE] {
        let r = ok!(clock_getres(clock), "clock_getres({})", clock);
        check!(r.tv_sec == 0 && (MS as i32..=10 * MS as i32).contains(&r.tv_nsec), "coarse clock {} resolution {:?}", clock, r);
    }
    for bad in [100, 12, 16, i32::MAX] {
        err!(clock_getres(bad), Errno::EINVAL, "clock_getres({})", bad);
        err!(clock_gettime(bad), Errno::EINVAL, "clock_gettime({})", bad);
    }
    // SAFETY: a NULL result pointer: allowed for clock_getres, EFAULT for clock_gettime.
    check_eq!(res(unsafe { syscall2(nr::SYS_CLOCK_GETRES, CLOCK_MONOTONIC as usize, 0) }), Ok(0), "clock_getres(NULL)");
    // SAFETY: as above.
    err!(res(unsafe { syscall2(nr::SYS_CLOCK_GETTIME, CLOCK_MONOTONIC as usize, 0) }), Errno::EFAULT, "clock_gettime(NULL)");
    // SAFETY: a kernel address.
    err!(res(unsafe { syscall2(nr::SYS_CLOCK_GETTIME, CLOCK_REALTIME as usize, 0xC000_0000) }), Errno::EFAULT, "clock_gettime(kernel)");
    // The CPU-time clock of this process by its clock_getcpuclockid id (pid 0 = self).
    let cpu_self: i32 = !0 << 3 | 2;
    ok!(clock_gettime(cpu_self), "clock_gettime(process CPU clock id)");
}

fn nanosleep_exact(_ctx: &Ctx) {
    let t0 = now_ns(CLOCK_MONOTONIC);
    ok!(nanosleep_ns(50 * MS), "nanosleep 50 ms");
    let slept = now_ns(CLOCK_MONOTONIC) - t0;
    check!(slept >= 50 * MS, "nanosleep(50 ms) returned after {} ns", slept);
    check!(slept < NSEC_PER_SEC, "nanosleep(50 ms) took {} ns", slept);
    ok!(nanosleep_ns(0), "nanosleep 0");
    for (sec, nsec) in [(0, 1_000_000_000), (0, -1), (-1, 0), (1, i32::MAX)] {
        let ts = Timespec { tv_sec: sec, tv_nsec: nsec };
        // SAFETY: `ts` is readable; rem NULL.
        err!(unsafe { nanosleep_raw(&ts as *const Timespec as usize, 0) }, Errno::EINVAL, "nanosleep({}, {})", sec, nsec);
    }
    // SAFETY: bad pointers: the kernel must refuse them.
    err!(unsafe { nanosleep_raw(0, 0) }, Errno::EFAULT, "nanosleep(NULL)");
    // SAFETY: as above.
    err!(unsafe { nanosleep_raw(0xC000_0000, 0) }, Errno::EFAULT, "nanosleep(kernel)");
    // A rem pointer that is never written (not interrupted) may be anything.
    let ts = Timespec { tv_sec: 0, tv_nsec: 1000 };
    // SAFETY: `ts` readable; rem is not touched when the sleep is not interrupted.
    check_eq!(unsafe { nanosleep_raw(&ts as *const Timespec as usize, 0xC000_0000) }, Ok(0), "nanosleep with an unused bad rem");
}

fn clock_nanosleep_abstime(_ctx: &Ctx) {
    for clock in [CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME] {
        let deadline = now_ns(clock) + 30 * MS;
        ok!(clock_nanosleep(clock, TIMER_ABSTIME, Timespec::from_ns(deadline)), "clock_nanosleep ABSTIME clock {}", clock);
        let now = now_ns(clock);
        check!(now >= deadline, "clock {}: woke at {} before the deadline {}", clock, now, deadline);
        check!(now - deadline < NSEC_PER_SEC, "clock {}: woke {} ns late", clock, now - deadline);
        // A deadline in the past returns at once.
        let t0 = now_ns(CLOCK_MONOTONIC);
        ok!(clock_nanosleep(clock, TIMER_ABSTIME, Timespec::from_ns(deadline / 2)), "past deadline");
        check!(now_ns(CLOCK_MONOTONIC) - t0 < 100 * MS, "a past deadline slept");
        // Relative.
        let t0 = now_ns(CLOCK_MONOTONIC);
        ok!(clock_nanosleep(clock, 0, Timespec::from_ns(20 * MS)), "relative clock_nanosleep");
        check!(now_ns(CLOCK_MONOTONIC) - t0 >= 20 * MS, "relative clock_nanosleep was short");
    }
    let deadline = now_ns(CLOCK_MONOTONIC) + 20 * MS;
    let ts64 = Timespec64 { tv_sec: deadline / NSEC_PER_SEC, tv_nsec: deadline % NSEC_PER_SEC };
    ok!(clock_nanosleep64(CLOCK_MONOTONIC, TIMER_ABSTIME, ts64), "clock_nanosleep_time64");
    check!(now_ns(CLOCK_MONOTONIC) >= deadline, "clock_nanosleep_time64 woke early");
    let short = Timespec::from_ns(MS);
    err!(clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, short), Errno::EOPNOTSUPP, "MONOTONIC_RAW");
    err!(clock_nanosleep(CLOCK_MONOTONIC_COARSE, 0, short), Errno::EOPNOTSUPP, "MONOTONIC_COARSE");
    err!(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, short), Errno::EOPNOTSUPP, "THREAD_CPUTIME_ID");
    err!(clock_nanosleep(100, 0, short), Errno::EINVAL, "unknown clock");
    err!(clock_nanosleep(CLOCK_MONOTONIC, 0, Timespec { tv_sec: 0, tv_nsec: 1_000_000_000 }), Errno::EINVAL, "tv_nsec 1e9");
    err!(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, Timespec { tv_sec: -1, tv_nsec: 0 }), Errno::EINVAL, "negative absolute");
    // An absolute CPU-time deadline already reached returns at once.
    ok!(clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, Timespec::from_ns(1)), "CPU-time deadline reached");
}

/// Spins until this process has used `ns` more CPU time.
fn spin_cpu(ns: i64) {
    let start = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    let mut last = start;
    while last - start < ns {
        let t = now_ns(CLOCK_PROCESS_CPUTIME_ID);
        check!(t >= last, "CPU time went backwards: {} after {}", t, last);
        check_eq!(now_ns(CLOCK_THREAD_CPUTIME_ID) >= t, true, "thread CPU time behind the process's");
        last = t;
    }
}

fn times_progress(_ctx: &Ctx) {
    let (t0, _) = ok!(times(), "times");
    ok!(nanosleep_ns(60 * MS), "nanosleep");
    let (t1, _) = ok!(times(), "times");
    let passed = t1.wrapping_sub(t0) as i32;
    check!((5..100).contains(&passed), "times() advanced {} ticks over a 60 ms sleep", passed);
    let (_, before) = ok!(times(), "times");
    let ru0 = ok!(getrusage(RUSAGE_SELF), "getrusage");
    spin_cpu(200 * MS);
    let (_, after) = ok!(times(), "times");
    let ru1 = ok!(getrusage(RUSAGE_SELF), "getrusage");
    let used = (after.utime + after.stime) - (before.utime + before.stime);
    check!(used >= 15, "times(): {} ticks of CPU over 200 ms of CPU time", used);
    check!(after.utime >= before.utime && after.stime >= before.stime, "times() went backwards");
    let ru_used = (ru1.utime.ns() + ru1.stime.ns()) - (ru0.utime.ns() + ru0.stime.ns());
    check!(ru_used >= 150 * MS, "getrusage: {} ns of CPU over 200 ms of CPU time", ru_used);
    check!(ru1.utime.ns() > 0, "no user time after spinning in user mode: {:?}", ru1);
    check!((0..1_000_000).contains(&ru1.utime.tv_usec), "ru_utime.tv_usec {}", ru1.utime.tv_usec);
    check_eq!(after.cutime + after.cstime, 0, "children's times without children");
    err!(getrusage(7), Errno::EINVAL, "getrusage(7)");
    ok!(getrusage(RUSAGE_THREAD), "getrusage(RUSAGE_THREAD)");
}

fn touch_pages(pages: usize) -> usize {
    let a = map(pages * PG);
    for i in 0..pages {
        // SAFETY: the page is ours, mapped read-write just now.
        unsafe { poke(a + i * PG, 1) };
    }
    a
}

fn rusage_faults_maxrss(_ctx: &Ctx) {
    let ru0 = ok!(getrusage(RUSAGE_SELF), "getrusage");
    check!(ru0.maxrss > 0, "ru_maxrss {}", ru0.maxrss);
    let n = 1024;
    let a = touch_pages(n);
    let ru1 = ok!(getrusage(RUSAGE_SELF), "getrusage");
    check!(ru1.minflt - ru0.minflt >= n as i32, "ru_minflt grew by {} after touching {} pages", ru1.minflt - ru0.minflt, n);
    check_eq!(ru1.majflt, 0, "ru_majflt");
    // Linux batches its per-task RSS counters (up to 64 events behind): allow 64 pages.
    let slack = 4 * 64;
    check!(ru1.maxrss >= 4 * n as i32 - slack && ru1.maxrss > ru0.maxrss, "ru_maxrss {} -> {} KiB after touching {} KiB", ru0.maxrss, ru1.maxrss, 4 * n);
    ok!(unmap(a, n * PG), "munmap");
    let ru2 = ok!(getrusage(RUSAGE_SELF), "getrusage");
    check!(ru2.maxrss >= ru1.maxrss, "ru_maxrss shrank after munmap: {} -> {}", ru1.maxrss, ru2.maxrss);
    // A sleep is a voluntary context switch.
    ok!(nanosleep_ns(10 * MS), "nanosleep");
    let ru3 = ok!(getrusage(RUSAGE_SELF), "getrusage");
    check!(ru3.nvcsw > ru2.nvcsw, "nvcsw {} -> {} over a sleep", ru2.nvcsw, ru3.nvcsw);
    // A child's faults and peak reach us through wait4 and RUSAGE_CHILDREN.
    let c0 = ok!(getrusage(RUSAGE_CHILDREN), "getrusage(CHILDREN)");
    check_eq!((c0.minflt, c0.maxrss), (0, 0), "children's usage before any child");
    let m = 512;
    let pid = spawn(move || {
        touch_pages(m);
        0
    });
    let (got, status, ru) = ok!(wait4_rusage(pid as i32, 0), "wait4 with rusage");
    check_eq!((got, status), (pid, 0), "wait4");
    check!(ru.minflt >= m as i32, "wait4 rusage minflt {} < {}", ru.minflt, m);
    check!(ru.maxrss >= 4 * m as i32 - slack, "wait4 rusage maxrss {} KiB", ru.maxrss);
    let c1 = ok!(getrusage(RUSAGE_CHILDREN), "getrusage(CHILDREN)");
    check!(c1.minflt >= m as i32 && c1.maxrss >= 4 * m as i32 - slack, "RUSAGE_CHILDREN after the child: {:?}", c1);
    // SAFETY: a kernel address for the rusage: EFAULT.
    err!(res(unsafe { syscall2(nr::SYS_GETRUSAGE, 0, 0xC000_0000) }), Errno::EFAULT, "getrusage(kernel)");
}

fn alarm_kills(_ctx: &Ctx) {
    check_eq!(alarm(10), 0, "first alarm");
    let left = alarm(5);
    check!(left == 10 || left == 9, "alarm(5) after alarm(10) returned {}", left);
    let left = alarm(0);
    check!(left == 5 || left == 4, "alarm(0) returned {}", left);
    check_eq!(alarm(0), 0, "alarm(0) with none pending");
    let t0 = now_ns(CLOCK_MONOTONIC);
    let pid = spawn(|| {
        alarm(1);
        loop {
            let _ = nanosleep_ns(200 * MS);
        }
    });
    let s = wait(pid);
    let took = now_ns(CLOCK_MONOTONIC) - t0;
    check!(sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGALRM, "alarm(1) child: {}", WaitStatus(s));
    check!((900 * MS..3 * NSEC_PER_SEC).contains(&took), "alarm(1) child died after {} ns", took);
    // A spinning child dies too.
    let pid = spawn(|| {
        alarm(1);
        loop {
            core::hint::spin_loop();
        }
    });
    let s = wait(pid);
    check!(sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGALRM, "spinning alarm(1) child: {}", WaitStatus(s));
}

fn itimer_real(_ctx: &Ctx) {
    let off = ok!(getitimer(ITIMER_REAL), "getitimer");
    check_eq!(off, Itimerval::default(), "ITIMER_REAL before any setitimer");
    let v = Itimerval { interval: Timeval::from_ns(300 * MS), value: Timeval::from_ns(2 * NSEC_PER_SEC) };
    check_eq!(ok!(setitimer(ITIMER_REAL, v), "setitimer"), Itimerval::default(), "old value");
    let g0 = ok!(getitimer(ITIMER_REAL), "getitimer");
    check_eq!(g0.interval, v.interval, "interval");
    check!(g0.value.ns() > 0 && g0.value.ns() <= 2 * NSEC_PER_SEC, "value {:?}", g0.value);
    ok!(nanosleep_ns(50 * MS), "nanosleep");
    let g1 = ok!(getitimer(ITIMER_REAL), "getitimer");
    check!(g1.value.ns() <= g0.value.ns() - 50 * MS, "remaining went {:?} -> {:?} over 50 ms", g0.value, g1.value);
    // Disarm: the old value comes back.
    let old = ok!(setitimer(ITIMER_REAL, Itimerval::default()), "setitimer(0)");
    check!(old.value.ns() > 0 && old.interval == v.interval, "old value when disarming {:?}", old);
    check_eq!(ok!(getitimer(ITIMER_REAL), "getitimer"), Itimerval::default(), "after disarming");
    check_eq!(alarm(0), 0, "alarm sees ITIMER_REAL disarmed");
    // Errors.
    err!(setitimer(5, v), Errno::EINVAL, "setitimer(5)");
    err!(getitimer(5), Errno::EINVAL, "getitimer(5)");
    let bad = Itimerval { interval: Timeval::default(), value: Timeval { tv_sec: 0, tv_usec: 1_000_000 } };
    err!(setitimer(ITIMER_REAL, bad), Errno::EINVAL, "tv_usec 1e6");
    let bad = Itimerval { interval: Timeval { tv_sec: -1, tv_usec: 0 }, value: Timeval::from_ns(MS) };
    err!(setitimer(ITIMER_REAL, bad), Errno::EINVAL, "negative interval");
    check_eq!(ok!(getitimer(ITIMER_REAL), "getitimer"), Itimerval::default(), "a refused setitimer armed nothing");
    // SAFETY: a kernel address for the new value: EFAULT.
    err!(res(unsafe { syscall3(nr::SYS_SETITIMER, 0, 0xC000_0000, 0) }), Errno::EFAULT, "setitimer(kernel)");
    // A periodic timer's first expiry kills (default action) after its value, not its interval.
    let t0 = now_ns(CLOCK_MONOTONIC);
    let pid = spawn(|| {
        let v = Itimerval { interval: Timeval::from_ns(50 * MS), value: Timeval::from_ns(200 * MS) };
        let _ = setitimer(ITIMER_REAL, v);
        loop {
            let _ = nanosleep_ns(NSEC_PER_SEC);
        }
    });
    let s = wait(pid);
    let took = now_ns(CLOCK_MONOTONIC) - t0;
    check!(sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGALRM, "ITIMER_REAL child: {}", WaitStatus(s));
    check!((200 * MS..2 * NSEC_PER_SEC).contains(&took), "ITIMER_REAL child died after {} ns", took);
}

fn itimer_cpu(_ctx: &Ctx) {
    for (which, sig) in [(ITIMER_VIRTUAL, sys::SIGVTALRM), (ITIMER_PROF, sys::SIGPROF)] {
        let pid = spawn(move || {
            let v = Itimerval { interval: Timeval::default(), value: Timeval::from_ns(50 * MS) };
            if setitimer(which, v).is_err() {
                return 2;
            }
            let g = getitimer(which).unwrap_or_default();
            if g.value.ns() <= 0 || g.value.ns() > 100 * MS {
                return 3;
            }
            // Sleeping uses no CPU time: the timer must not fire meanwhile.
            let _ = nanosleep_ns(100 * MS);
            let start = now_ns(CLOCK_MONOTONIC);
            while now_ns(CLOCK_MONOTONIC) - start < 5 * NSEC_PER_SEC {
                core::hint::spin_loop();
            }
            4
        });
        let s = wait(pid);
        check!(sys::wifsignaled(s) && sys::wtermsig(s) == sig, "timer {} child: {}", which, WaitStatus(s));
    }
}

fn clock_settime_realtime(ctx: &Ctx) {
    // Realtime = monotonic + offset; every set below keeps that offset (on Linux, whose clock
    // this test must not disturb: it may be the host's) or moves it and puts it back (ours).
    let offset = || now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC);
    let base = offset();
    ok!(clock_settime(CLOCK_REALTIME, Timespec::from_ns(base + now_ns(CLOCK_MONOTONIC))), "clock_settime(REALTIME, now)");
    check!((offset() - base).abs() < 100 * MS, "clock_settime to now moved the clock by {} ns", offset() - base);
    let t = base + now_ns(CLOCK_MONOTONIC);
    ok!(clock_settime64(CLOCK_REALTIME, Timespec64 { tv_sec: t / NSEC_PER_SEC, tv_nsec: t % NSEC_PER_SEC }), "clock_settime64");
    ok!(settimeofday(Timeval::from_ns(base + now_ns(CLOCK_MONOTONIC))), "settimeofday(now)");
    check!((offset() - base).abs() < 100 * MS, "settimeofday to now moved the clock by {} ns", offset() - base);
    if !ctx.linux {
        let mono = now_ns(CLOCK_MONOTONIC);
        ok!(clock_settime(CLOCK_REALTIME, Timespec::from_ns(base + mono + 1000 * NSEC_PER_SEC)), "clock_settime(+1000 s)");
        let moved = offset() - base;
        let (tv, _) = ok!(gettimeofday(), "gettimeofday");
        let m2 = now_ns(CLOCK_MONOTONIC);
        ok!(clock_settime(CLOCK_REALTIME, Timespec::from_ns(base + m2)), "clock_settime back");
        check!((moved - 1000 * NSEC_PER_SEC).abs() < 100 * MS, "realtime moved by {} ns, want 1000 s", moved);
        check!((tv.ns() - (base + m2 + 1000 * NSEC_PER_SEC)).abs() < 100 * MS, "gettimeofday did not follow: {:?}", tv);
        check!(m2 >= mono, "CLOCK_MONOTONIC moved back with realtime");
    }
    let ok_ts = Timespec::from_ns(base + now_ns(CLOCK_MONOTONIC));
    for clock in [CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME, CLOCK_REALTIME_COARSE, 100] {
        err!(clock_settime(clock, ok_ts), Errno::EINVAL, "clock_settime({})", clock);
    }
    err!(clock_settime(CLOCK_PROCESS_CPUTIME_ID, ok_ts), Errno::EINVAL, "clock_settime(PROCESS_CPUTIME_ID)");
    let cpu_self: i32 = !0 << 3 | 2; // clock_getcpuclockid(0)
    err!(clock_settime(cpu_self, ok_ts), Errno::EPERM, "clock_settime(process CPU clock id)");
    err!(clock_settime(CLOCK_REALTIME, Timespec { tv_sec: 1, tv_nsec: 1_000_000_000 }), Errno::EINVAL, "tv_nsec 1e9");
    err!(clock_settime(CLOCK_REALTIME, Timespec { tv_sec: -1, tv_nsec: 0 }), Errno::EINVAL, "negative time");
    err!(settimeofday(Timeval { tv_sec: 1, tv_usec: 1_000_000 }), Errno::EINVAL, "tv_usec 1e6");
    err!(settimeofday(Timeval { tv_sec: 1, tv_usec: -1 }), Errno::EINVAL, "tv_usec -1");
    // SAFETY: NULL and kernel pointers: nothing is set, or EFAULT.
    check_eq!(res(unsafe { syscall2(nr::SYS_SETTIMEOFDAY, 0, 0) }), Ok(0), "settimeofday(NULL, NULL)");
    // SAFETY: as above.
    err!(res(unsafe { syscall2(nr::SYS_CLOCK_SETTIME, CLOCK_REALTIME as usize, 0) }), Errno::EFAULT, "clock_settime(NULL)");
    // SAFETY: as above.
    err!(res(unsafe { syscall2(nr::SYS_SETTIMEOFDAY, 0xC000_0000, 0) }), Errno::EFAULT, "settimeofday(kernel)");
    check!((offset() - base).abs() < 100 * MS, "the clock ended {} ns away from where it was", offset() - base);
}
