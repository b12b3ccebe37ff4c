//! Signals with handlers: dispositions, frames, masks, waiting, the alternate stack, faults
//! caught and resumed, restart vs EINTR, stop/continue, SIGCHLD.

use super::*;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering::SeqCst};
use rt::signal::{self as sig, SigInfo};
use rt::sys::Timespec;

pub(super) static CASES: &[Case] = &[
    case!(sig_handler_runs, OK, ALL, "handlers run and return (plain and SA_SIGINFO); si_signo/si_code/si_pid for kill, tgkill, rt_sigqueueinfo; signal() returns the old handler"),
    case!(sig_segv_resume, OK, ALL, "SIGSEGV caught with si_addr and SEGV_ACCERR/SEGV_MAPERR; mprotect (or mmap) in the handler, and the faulting instruction resumes"),
    case!(sig_bus_resume, OK, ALL, "SIGBUS past EOF of a mapped file caught with BUS_ADRERR and si_addr; the handler maps a page there and the load resumes"),
    case!(sig_mask_pending, OK, ALL, "a blocked signal stays pending (rt_sigpending) and is delivered on unmask; sigprocmask keeps SIGKILL unblockable"),
    case!(sig_suspend_timedwait, OK, ALL, "rt_sigsuspend returns EINTR after the handler and restores the mask; rt_sigtimedwait times out with EAGAIN and takes a queued signal"),
    case!(sig_resethand_nodefer, OK, ALL, "SA_RESETHAND resets to SIG_DFL; SA_NODEFER nests the handler, without it the signal waits for the return"),
    case!(sig_altstack, OK, ALL, "sigaltstack + SA_ONSTACK: the handler runs inside the alternate stack, which reports SS_ONSTACK"),
    case!(sig_restart_eintr, OK, ALL, "wait4 is restarted with SA_RESTART and fails EINTR without; nanosleep fails EINTR with the time left either way"),
    case!(sig_stop_cont, OK, ALL, "SIGSTOP/SIGCONT: wait4 WUNTRACED reports 0x137f, WCONTINUED 0xffff, SIGKILL ends the stopped child"),
    case!(sig_chld, OK, ALL, "SIGCHLD per exit with CLD_EXITED, si_pid, si_status; default-ignored SIGCHLD/SIGWINCH; SIGCHLD SIG_IGN reaps children (ECHILD)"),
    case!(sig_forged_sigreturn, OK, ALL, "a handler that forges RPL 0 in CS and IOPL 3 in EFLAGS of its ucontext: the code resumes with user CS and IOPL 0"),
    case!(sig_kill_in_handler, OK, ALL, "SIGKILL ends a process blocked inside a signal handler"),
    case!(sig_cpu_exceptions, OK, ALL, "SIGFPE (FPE_INTDIV) for a divide by zero, SIGILL (ILL_ILLOPN) for ud2, SIGTRAP for int3, with si_addr and the sigcontext's trapno; handlers skip the instruction through the ucontext's EIP"),
    case!(sig_exec_resets, OK, ALL, "execve resets handled signals to SIG_DFL, keeps ignored ones, the mask and the pending set, and clears the alternate stack"),
    case!(sig_old_calls, OK, ALL, "the old calls: sigaction (67, old_sigaction layout), sigprocmask (126), sigsuspend (72), rt_sigtimedwait_time64 (421); a handler without SA_RESTORER returns through the kernel's own return path; SA_NOCLDSTOP"),
    case!(sig_blocked_fault_kills, SEGV, ALL, "a fault with SIGSEGV blocked kills with SIGSEGV (force_sig_fault)"),
    case!(sig_bad_altstack_kills, SEGV, ALL, "a handler frame that cannot be written (unmapped alternate stack) kills with SIGSEGV"),
];

static COUNT: AtomicU32 = AtomicU32::new(0);
static LAST_SIG: AtomicU32 = AtomicU32::new(0);
static INFO: [AtomicU32; 6] = [const { AtomicU32::new(0) }; 6];
static FIX_ADDR: AtomicUsize = AtomicUsize::new(0);
static DEPTH: AtomicU32 = AtomicU32::new(0);
static MAX_DEPTH: AtomicU32 = AtomicU32::new(0);
static LOCAL_ADDR: AtomicUsize = AtomicUsize::new(0);

fn reset() {
    COUNT.store(0, SeqCst);
    LAST_SIG.store(0, SeqCst);
    for w in &INFO {
        w.store(0, SeqCst);
    }
}

extern "C" fn plain(s: i32) {
    COUNT.fetch_add(1, SeqCst);
    LAST_SIG.store(s as u32, SeqCst);
}

extern "C" fn with_info(s: i32, info: *mut SigInfo, _uc: *mut u8) {
    COUNT.fetch_add(1, SeqCst);
    LAST_SIG.store(s as u32, SeqCst);
    // SAFETY: the kernel passes a valid siginfo.
    let i = unsafe { *info };
    for (n, w) in INFO.iter().enumerate() {
        w.store(i.0[n], SeqCst);
    }
}

fn install(s: i32, h: usize, flags: u32) -> sig::SigAction {
    ok!(sig::sigaction(s, h, flags, 0), "sigaction")
}

fn sig_handler_runs(_ctx: &Ctx) {
    let me = sys::getpid();
    reset();
    let old = install(sys::SIGUSR1, plain as *const () as usize, 0);
    check_eq!(old.handler, sig::SIG_DFL, "initial disposition");
    ok!(sys::kill(me as i32, sys::SIGUSR1), "kill self");
    check_eq!(COUNT.load(SeqCst), 1, "plain handler ran once");
    check_eq!(LAST_SIG.load(SeqCst), sys::SIGUSR1 as u32, "handler's argument");

    install(sys::SIGUSR2, with_info as *const () as usize, sig::SA_SIGINFO);
    ok!(sys::kill(me as i32, sys::SIGUSR2), "kill self");
    check_eq!(COUNT.load(SeqCst), 2, "SA_SIGINFO handler ran");
    check_eq!(INFO[0].load(SeqCst), sys::SIGUSR2 as u32, "si_signo");
    check_eq!(INFO[2].load(SeqCst) as i32, sig::SI_USER, "si_code of kill");
    check_eq!(INFO[3].load(SeqCst), me, "si_pid of kill");

    ok!(sig::raise(sys::SIGUSR2), "tgkill self");
    check_eq!(COUNT.load(SeqCst), 3, "handler ran for tgkill");
    check_eq!(INFO[2].load(SeqCst) as i32, sig::SI_TKILL, "si_code of tgkill");
    check_eq!(INFO[3].load(SeqCst), me, "si_pid of tgkill");
    ok!(sig::tkill(me as i32, sys::SIGUSR2), "tkill self");
    check_eq!(COUNT.load(SeqCst), 4, "handler ran for tkill");

    install(40, with_info as *const () as usize, sig::SA_SIGINFO);
    let mut q = SigInfo::zeroed();
    q.0[2] = sig::SI_QUEUE as u32;
    q.0[3] = me;
    q.0[5] = 0x1234_5678;
    ok!(sig::sigqueueinfo(me as i32, 40, &q), "rt_sigqueueinfo");
    check_eq!(COUNT.load(SeqCst), 5, "handler ran for rt_sigqueueinfo");
    check_eq!(INFO[0].load(SeqCst), 40, "si_signo of the queued signal");
    check_eq!(INFO[2].load(SeqCst) as i32, sig::SI_QUEUE, "si_code of the queued signal");
    check_eq!(INFO[5].load(SeqCst), 0x1234_5678, "si_value of the queued signal");
    {
        let pp = sys::getppid();
        q.0[2] = sig::SI_USER as u32;
        err!(sig::sigqueueinfo(pp as i32, 40, &q), Errno::EPERM, "rt_sigqueueinfo claiming SI_USER to another process");
    }

    // signal(): System V semantics, returns the old handler.
    // SAFETY: no memory effects.
    let prev = unsafe { syscall2(nr::SYS_SIGNAL, sys::SIGUSR1 as usize, sig::SIG_IGN) };
    check_eq!(prev, plain as *const () as usize, "signal() returns the old handler");
    ok!(sys::kill(me as i32, sys::SIGUSR1), "kill with SIGUSR1 ignored");
    check_eq!(COUNT.load(SeqCst), 5, "ignored signal ran nothing");
    err!(sig::sigaction(sys::SIGKILL, plain as *const () as usize, 0, 0), Errno::EINVAL, "sigaction(SIGKILL)");
    err!(sig::sigaction(sys::SIGSTOP, sig::SIG_IGN, 0, 0), Errno::EINVAL, "sigaction(SIGSTOP)");
    err!(sig::sigaction(65, plain as *const () as usize, 0, 0), Errno::EINVAL, "sigaction(65)");
    err!(sig::sigaction(0, plain as *const () as usize, 0, 0), Errno::EINVAL, "sigaction(0)");
}

/// Counts a fault signal and records its signo, code and address; returns the faulting page.
fn record_fault(info: *mut SigInfo) -> usize {
    // SAFETY: the kernel passes a valid siginfo.
    let i = unsafe { *info };
    COUNT.fetch_add(1, SeqCst);
    INFO[0].store(i.signo() as u32, SeqCst);
    INFO[2].store(i.code() as u32, SeqCst);
    INFO[3].store(i.addr() as u32, SeqCst);
    i.addr() & !(PG - 1)
}

extern "C" fn fix_protection(_s: i32, info: *mut SigInfo, _uc: *mut u8) {
    let page = record_fault(info);
    // SAFETY: the page is this case's own mapping.
    let _ = unsafe { sys::mprotect(page, PG, sys::PROT_READ | sys::PROT_WRITE) };
}

extern "C" fn map_here(_s: i32, info: *mut SigInfo, _uc: *mut u8) {
    let page = record_fault(info);
    let _ = mmap_raw(
        page,
        PG,
        sys::PROT_READ | sys::PROT_WRITE,
        sys::MAP_PRIVATE | sys::MAP_ANONYMOUS | sys::MAP_FIXED,
        -1,
        0,
    );
    FIX_ADDR.store(page, SeqCst);
}

fn sig_segv_resume(_ctx: &Ctx) {
    reset();
    install(sys::SIGSEGV, fix_protection as *const () as usize, sig::SA_SIGINFO);
    let a = map(2 * PG);
    // SAFETY: our own mapping.
    ok!(unsafe { sys::mprotect(a + PG, PG, sys::PROT_READ) }, "mprotect read-only");
    // SAFETY: faults once (read-only page); the handler makes it writable and the store resumes.
    unsafe { poke(a + PG + 100, 0x5a) };
    check_eq!(COUNT.load(SeqCst), 1, "SIGSEGV handler ran once");
    check_eq!(INFO[0].load(SeqCst), sys::SIGSEGV as u32, "si_signo");
    check_eq!(INFO[2].load(SeqCst) as i32, sig::SEGV_ACCERR, "si_code of a write to a read-only page");
    check_eq!(INFO[3].load(SeqCst) as usize, a + PG + 100, "si_addr");
    // SAFETY: now writable.
    check_eq!(unsafe { peek(a + PG + 100) }, 0x5a, "the resumed store happened");

    install(sys::SIGSEGV, map_here as *const () as usize, sig::SA_SIGINFO);
    ok!(unmap(a + PG, PG), "munmap");
    // SAFETY: faults once (unmapped); the handler maps a zero page there and the load resumes.
    let v = unsafe { peek(a + PG + 8) };
    check_eq!(v, 0, "the resumed load reads the new zero page");
    check_eq!(COUNT.load(SeqCst), 2, "handler ran for the unmapped page");
    check_eq!(INFO[2].load(SeqCst) as i32, sig::SEGV_MAPERR, "si_code of an unmapped address");
    check_eq!(INFO[3].load(SeqCst) as usize, a + PG + 8, "si_addr");
    ok!(unmap(a, 2 * PG), "munmap");
}

fn sig_bus_resume(ctx: &Ctx) {
    reset();
    install(sys::SIGBUS, map_here as *const () as usize, sig::SA_SIGINFO);
    let fd = open_self(ctx);
    let size = ok!(sys::fstat64(fd.0), "fstat64").st_size as usize;
    let pages = size.div_ceil(PG);
    let m = ok!(mmap_raw(0, (pages + 2) * PG, sys::PROT_READ, sys::MAP_PRIVATE, fd.0, 0), "mmap beyond EOF");
    // SAFETY: faults with SIGBUS once; the handler maps anonymous memory there.
    let v = unsafe { peek(m + pages * PG + 8) };
    check_eq!(v, 0, "the resumed load");
    check_eq!(COUNT.load(SeqCst), 1, "SIGBUS handler ran once");
    check_eq!(INFO[0].load(SeqCst), sys::SIGBUS as u32, "si_signo");
    check_eq!(INFO[2].load(SeqCst) as i32, sig::BUS_ADRERR, "si_code");
    check_eq!(INFO[3].load(SeqCst) as usize, m + pages * PG + 8, "si_addr");
    ok!(unmap(m, (pages + 2) * PG), "munmap");
}

fn sig_mask_pending(_ctx: &Ctx) {
    let me = sys::getpid() as i32;
    reset();
    install(sys::SIGUSR1, plain as *const () as usize, 0);
    let old = ok!(sig::sigprocmask(sig::SIG_BLOCK, Some(sig::bit(sys::SIGUSR1) | sig::bit(sys::SIGKILL))), "block");
    check_eq!(old, 0, "initial mask");
    let now = ok!(sig::sigprocmask(sig::SIG_BLOCK, None), "query mask");
    check_eq!(now, sig::bit(sys::SIGUSR1), "SIGKILL cannot be blocked");
    ok!(sys::kill(me, sys::SIGUSR1), "kill self");
    ok!(sys::kill(me, sys::SIGUSR1), "kill self again (merged)");
    check_eq!(COUNT.load(SeqCst), 0, "blocked: not delivered");
    check_eq!(ok!(sig::sigpending(), "rt_sigpending"), sig::bit(sys::SIGUSR1), "pending set");
    ok!(sig::sigprocmask(sig::SIG_UNBLOCK, Some(sig::bit(sys::SIGUSR1))), "unblock");
    check_eq!(COUNT.load(SeqCst), 1, "delivered once on unmask");
    check_eq!(ok!(sig::sigpending(), "rt_sigpending"), 0, "nothing pending");
    // SAFETY: the kernel reads 8 bytes (valid size check first).
    let r = unsafe { syscall2(nr::SYS_RT_SIGPENDING, 0, 16) };
    check_eq!(Errno::from_ret(r), Err(Errno::EINVAL), "rt_sigpending with size 16");
    err!(sig::sigprocmask(7, Some(0)), Errno::EINVAL, "sigprocmask with a bad how");
}

fn sig_suspend_timedwait(_ctx: &Ctx) {
    let me = sys::getpid() as i32;
    reset();
    install(sys::SIGUSR1, plain as *const () as usize, 0);
    ok!(sig::sigprocmask(sig::SIG_SETMASK, Some(sig::bit(sys::SIGUSR1))), "block");
    let child = spawn(move || {
        sys::sleep_ms(30);
        let _ = sys::kill(me, sys::SIGUSR1);
        0
    });
    check_eq!(sig::sigsuspend(0), Errno::EINTR, "rt_sigsuspend result");
    check_eq!(COUNT.load(SeqCst), 1, "handler ran in rt_sigsuspend");
    check_eq!(ok!(sig::sigprocmask(sig::SIG_BLOCK, None), "mask"), sig::bit(sys::SIGUSR1), "mask restored");
    wait_ok(child, "signalling child");

    let t = Timespec { tv_sec: 0, tv_nsec: 50_000_000 };
    err!(sig::sigtimedwait(sig::bit(sys::SIGUSR2), Some(t)).map(|r| r.0), Errno::EAGAIN, "rt_sigtimedwait timeout");
    ok!(sig::sigprocmask(sig::SIG_BLOCK, Some(sig::bit(sys::SIGUSR2))), "block SIGUSR2");
    ok!(sys::kill(me, sys::SIGUSR2), "kill self");
    let (got, info) = ok!(sig::sigtimedwait(sig::bit(sys::SIGUSR2), Some(t)), "rt_sigtimedwait");
    check_eq!(got, sys::SIGUSR2, "signal taken");
    check_eq!(info.signo(), sys::SIGUSR2, "si_signo");
    check_eq!(info.pid(), me as u32, "si_pid");
    check_eq!(ok!(sig::sigpending(), "pending"), 0, "taken, not pending");
    // Waiting for a signal another process sends.
    let child = spawn(move || {
        sys::sleep_ms(30);
        let _ = sys::kill(me, sys::SIGUSR2);
        0
    });
    let (got, info) = ok!(sig::sigtimedwait(sig::bit(sys::SIGUSR2), Some(Timespec { tv_sec: 5, tv_nsec: 0 })), "rt_sigtimedwait");
    check_eq!(got, sys::SIGUSR2, "signal waited for");
    check_eq!(info.pid(), child, "si_pid of the sender");
    wait_ok(child, "signalling child");
    let bad = Timespec { tv_sec: 0, tv_nsec: 1_000_000_000 };
    err!(sig::sigtimedwait(sig::bit(sys::SIGUSR2), Some(bad)).map(|r| r.0), Errno::EINVAL, "bad timeout");
}

extern "C" fn nested(s: i32) {
    let d = DEPTH.fetch_add(1, SeqCst) + 1;
    MAX_DEPTH.fetch_max(d, SeqCst);
    COUNT.fetch_add(1, SeqCst);
    if COUNT.load(SeqCst) == 1 {
        let _ = sig::raise(s);
    }
    DEPTH.fetch_sub(1, SeqCst);
}

fn sig_resethand_nodefer(_ctx: &Ctx) {
    let me = sys::getpid() as i32;
    reset();
    install(sys::SIGUSR1, plain as *const () as usize, sig::SA_RESETHAND);
    ok!(sys::kill(me, sys::SIGUSR1), "kill");
    check_eq!(COUNT.load(SeqCst), 1, "handler ran");
    let mut now = sig::SigAction::default();
    ok!(sig::sigaction_raw(sys::SIGUSR1, None, Some(&mut now)), "query");
    check_eq!(now.handler, sig::SIG_DFL, "SA_RESETHAND reset the handler");

    for (flags, depth) in [(sig::SA_NODEFER, 2), (0, 1)] {
        reset();
        MAX_DEPTH.store(0, SeqCst);
        install(sys::SIGUSR2, nested as *const () as usize, flags);
        ok!(sig::raise(sys::SIGUSR2), "raise");
        check_eq!(COUNT.load(SeqCst), 2, "handler ran twice");
        check_eq!(MAX_DEPTH.load(SeqCst), depth, "nesting depth");
    }
}

extern "C" fn on_alt(_s: i32) {
    let local = 0u32;
    LOCAL_ADDR.store(&local as *const u32 as usize, SeqCst);
    if let Ok(st) = sig::sigaltstack(None) {
        INFO[0].store(st.flags, SeqCst);
    }
    COUNT.fetch_add(1, SeqCst);
}

fn sig_altstack(_ctx: &Ctx) {
    reset();
    let size = 4 * PG;
    let a = map(size);
    let old = ok!(sig::sigaltstack(Some(&sig::Stack { sp: a, flags: 0, size })), "sigaltstack");
    check_eq!(old.flags, sig::SS_DISABLE, "no altstack before");
    err!(sig::sigaltstack(Some(&sig::Stack { sp: a, flags: 0, size: 100 })), Errno::ENOMEM, "tiny altstack");
    err!(sig::sigaltstack(Some(&sig::Stack { sp: a, flags: 77, size })), Errno::EINVAL, "bad flags");
    install(sys::SIGUSR1, on_alt as *const () as usize, sig::SA_ONSTACK);
    ok!(sig::raise(sys::SIGUSR1), "raise");
    check_eq!(COUNT.load(SeqCst), 1, "handler ran");
    let l = LOCAL_ADDR.load(SeqCst);
    check!(l >= a && l < a + size, "handler's local {:#x} outside the altstack {:#x}+{:#x}", l, a, size);
    check_eq!(INFO[0].load(SeqCst), sig::SS_ONSTACK, "sigaltstack in the handler says SS_ONSTACK");
    let now = ok!(sig::sigaltstack(None), "query");
    check_eq!(now, sig::Stack { sp: a, flags: 0, size }, "altstack after the handler");
    // Without SA_ONSTACK the handler stays on the normal stack.
    install(sys::SIGUSR1, on_alt as *const () as usize, 0);
    ok!(sig::raise(sys::SIGUSR1), "raise");
    let l = LOCAL_ADDR.load(SeqCst);
    check!(!(l >= a && l < a + size), "handler without SA_ONSTACK ran on the altstack");
    ok!(sig::sigaltstack(Some(&sig::Stack { sp: 0, flags: sig::SS_DISABLE, size: 0 })), "disable");
    ok!(unmap(a, size), "munmap");
}

fn sig_restart_eintr(_ctx: &Ctx) {
    let me = sys::getpid() as i32;
    for (flags, restarted) in [(0, false), (sig::SA_RESTART, true)] {
        reset();
        install(sys::SIGUSR1, plain as *const () as usize, flags);
        let slow = spawn(|| {
            sys::sleep_ms(300);
            7
        });
        let poker = spawn(move || {
            sys::sleep_ms(40);
            let _ = sys::kill(me, sys::SIGUSR1);
            0
        });
        let r = sys::wait4(slow as i32, 0);
        check_eq!(COUNT.load(SeqCst), 1, "handler ran during wait4");
        if restarted {
            let (pid, st) = ok!(r, "wait4 with SA_RESTART");
            check_eq!(pid, slow, "restarted wait4's pid");
            check_eq!(st, 7 << 8, "restarted wait4's status");
        } else {
            check_eq!(r.map(|_| ()), Err(Errno::EINTR), "wait4 without SA_RESTART");
            wait_ok_status(slow, 7);
        }
        wait_ok(poker, "signalling child");

        // nanosleep: EINTR whatever SA_RESTART says, with the time left.
        let poker = spawn(move || {
            sys::sleep_ms(40);
            let _ = sys::kill(me, sys::SIGUSR1);
            0
        });
        let (r, rem) = sig::nanosleep_rem(Timespec { tv_sec: 3, tv_nsec: 0 });
        check_eq!(r, Err(Errno::EINTR), "nanosleep interrupted");
        check!(rem.tv_sec < 3 && (rem.tv_sec > 0 || rem.tv_nsec > 0), "time left {}s {}ns", rem.tv_sec, rem.tv_nsec);
        wait_ok(poker, "signalling child");
    }
}

fn wait_ok_status(pid: u32, code: i32) {
    let s = wait(pid);
    check_eq!(s, code << 8, "child status");
}

fn sig_stop_cont(_ctx: &Ctx) {
    // A nanosleep stopped and continued resumes (restart_syscall) and completes.
    let sleeper = spawn(|| match sig::nanosleep_rem(Timespec { tv_sec: 0, tv_nsec: 300_000_000 }) {
        (Ok(()), _) => 0,
        (Err(e), _) => e.0,
    });
    sys::sleep_ms(50);
    ok!(sys::kill(sleeper as i32, sys::SIGSTOP), "SIGSTOP the sleeper");
    let (_, st) = ok!(sys::wait4(sleeper as i32, sys::WUNTRACED), "wait4 WUNTRACED");
    check_eq!(st, 0x137f, "sleeper stopped");
    ok!(sys::kill(sleeper as i32, sys::SIGCONT), "SIGCONT the sleeper");
    wait_ok_status(sleeper, 0);

    let child = spawn(|| loop {
        sys::sleep_ms(10);
    });
    ok!(sys::kill(child as i32, sys::SIGSTOP), "SIGSTOP");
    let (pid, st) = ok!(sys::wait4(child as i32, sys::WUNTRACED), "wait4 WUNTRACED");
    check_eq!(pid, child, "stopped child's pid");
    check_eq!(st, 0x137f, "stop status");
    check!(sig::wifstopped(st) && sig::wstopsig(st) == sys::SIGSTOP, "wifstopped");
    check_eq!(sys::wait4(child as i32, sys::WNOHANG | sys::WUNTRACED).map(|r| r.0), Ok(0), "reported once");
    ok!(sys::kill(child as i32, sys::SIGCONT), "SIGCONT");
    let (pid, st) = ok!(sys::wait4(child as i32, sig::WCONTINUED), "wait4 WCONTINUED");
    check_eq!(pid, child, "continued child's pid");
    check!(sig::wifcontinued(st), "continued status {:#x}", st);
    // (SIGTSTP would depend on the process group: ignored in an orphaned one, as under init.)
    ok!(sys::kill(child as i32, sys::SIGSTOP), "SIGSTOP again");
    let (_, st) = ok!(sys::wait4(child as i32, sys::WUNTRACED), "wait4 WUNTRACED");
    check_eq!(st, 0x137f, "stopped again");
    ok!(sys::kill(child as i32, sys::SIGKILL), "SIGKILL");
    let s = wait(child);
    check!(sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGKILL, "killed: {}", WaitStatus(s));
}

fn sig_chld(_ctx: &Ctx) {
    reset();
    install(sys::SIGCHLD, with_info as *const () as usize, sig::SA_SIGINFO);
    for code in 0..3 {
        let before = COUNT.load(SeqCst);
        let child = spawn(move || code);
        let mut waited = 0;
        while COUNT.load(SeqCst) == before && waited < 5000 {
            sys::sleep_ms(5);
            waited += 5;
        }
        check_eq!(COUNT.load(SeqCst), before + 1, "one SIGCHLD per child");
        check_eq!(INFO[0].load(SeqCst), sys::SIGCHLD as u32, "si_signo");
        check_eq!(INFO[2].load(SeqCst) as i32, sig::CLD_EXITED, "si_code");
        check_eq!(INFO[3].load(SeqCst), child, "si_pid");
        check_eq!(INFO[5].load(SeqCst) as i32, code, "si_status");
        wait_ok_status(child, code);
    }
    let child = spawn(|| loop {
        sys::sleep_ms(10);
    });
    let before = COUNT.load(SeqCst);
    ok!(sys::kill(child as i32, sys::SIGKILL), "kill");
    let s = wait(child);
    check!(sys::wifsignaled(s), "killed");
    let mut waited = 0;
    while COUNT.load(SeqCst) == before && waited < 5000 {
        sys::sleep_ms(5);
        waited += 5;
    }
    check_eq!(INFO[2].load(SeqCst) as i32, sig::CLD_KILLED, "si_code of a killed child");
    check_eq!(INFO[5].load(SeqCst) as i32, sys::SIGKILL, "si_status of a killed child");

    // Default dispositions that ignore.
    install(sys::SIGCHLD, sig::SIG_DFL, 0);
    let me = sys::getpid() as i32;
    ok!(sys::kill(me, sys::SIGCHLD), "SIGCHLD to self");
    ok!(sys::kill(me, sys::SIGWINCH), "SIGWINCH to self");
    ok!(sys::kill(me, sys::SIGURG), "SIGURG to self");
    ok!(sys::kill(me, sys::SIGCONT), "SIGCONT to self");
    check_eq!(ok!(sig::sigpending(), "pending"), 0, "nothing pending");

    // SIG_IGN: children are reaped by the kernel; wait4 ends with ECHILD.
    install(sys::SIGCHLD, sig::SIG_IGN, 0);
    let child = spawn(|| {
        sys::sleep_ms(20);
        3
    });
    err!(sys::wait4(-1, 0), Errno::ECHILD, "wait4 with SIGCHLD ignored");
    err!(sys::kill(child as i32, 0), Errno::ESRCH, "the ignored child is gone");
    install(sys::SIGCHLD, sig::SIG_DFL, 0);
}

extern "C" fn forge(_s: i32, _info: *mut SigInfo, uc: *mut u8) {
    // ucontext: uc_mcontext at +20; sigcontext: cs at word 15, eflags at word 16.
    let sc = (uc as usize + 20) as *mut u32;
    // SAFETY: the kernel's frame on our stack.
    unsafe {
        let cs = sc.add(15);
        cs.write_volatile(cs.read_volatile() & !3);
        let fl = sc.add(16);
        fl.write_volatile(fl.read_volatile() | 0x3000 | 0x4000);
    }
    COUNT.fetch_add(1, SeqCst);
}

fn sig_forged_sigreturn(_ctx: &Ctx) {
    reset();
    install(sys::SIGUSR1, forge as *const () as usize, sig::SA_SIGINFO);
    let cs_before: u32;
    // SAFETY: reads CS.
    unsafe { core::arch::asm!("mov {0:e}, cs", out(reg) cs_before) };
    ok!(sig::raise(sys::SIGUSR1), "raise");
    let (cs_after, flags): (u32, u32);
    // SAFETY: reads CS and EFLAGS.
    unsafe {
        core::arch::asm!("mov {0:e}, cs", "pushfd", "pop {1}", out(reg) cs_after, out(reg) flags);
    }
    check_eq!(COUNT.load(SeqCst), 1, "handler ran");
    check_eq!(cs_after, cs_before, "CS after a forged sigreturn");
    check_eq!(flags & 0x3000, 0, "IOPL after a forged sigreturn");
    check_eq!(flags & 0x4000, 0, "NT after a forged sigreturn");
}

extern "C" fn stuck(_s: i32) {
    COUNT.fetch_add(1, SeqCst);
    loop {
        sig::pause();
    }
}

fn sig_kill_in_handler(_ctx: &Ctx) {
    let child = spawn(|| {
        install(sys::SIGUSR1, stuck as *const () as usize, 0);
        loop {
            sys::sleep_ms(10);
        }
    });
    sys::sleep_ms(30);
    ok!(sys::kill(child as i32, sys::SIGUSR1), "SIGUSR1");
    sys::sleep_ms(30);
    ok!(sys::kill(child as i32, sys::SIGUSR1), "SIGUSR1 while in the handler (blocked)");
    ok!(sys::kill(child as i32, sys::SIGKILL), "SIGKILL");
    let s = wait(child);
    check!(sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGKILL, "child: {}", WaitStatus(s));
}

extern "C" fn skip_insn(s: i32, info: *mut SigInfo, uc: *mut u8) {
    // SAFETY: the kernel passes a valid siginfo and ucontext.
    let i = unsafe { *info };
    let sc = (uc as usize + 20) as *mut u32;
    COUNT.fetch_add(1, SeqCst);
    INFO[0].store(s as u32, SeqCst);
    INFO[2].store(i.code() as u32, SeqCst);
    INFO[3].store(i.addr() as u32, SeqCst);
    // SAFETY: the frame on our stack: trapno is word 12, eip word 14.
    unsafe {
        INFO[4].store(sc.add(12).read_volatile(), SeqCst);
        let eip = sc.add(14);
        INFO[5].store(eip.read_volatile(), SeqCst);
        if s != sys::SIGTRAP {
            eip.write_volatile(eip.read_volatile() + 2); // div ecx and ud2 are two bytes long
        }
    }
}

fn sig_cpu_exceptions(_ctx: &Ctx) {
    reset();
    for s in [sys::SIGFPE, sys::SIGILL, sys::SIGTRAP] {
        install(s, skip_insn as *const () as usize, sig::SA_SIGINFO);
    }
    let at: usize;
    // SAFETY: divides by zero at label 2; the handler skips the `div`.
    unsafe {
        core::arch::asm!(
            "lea {at}, [2f]",
            "xor edx, edx",
            "mov eax, 1",
            "xor ecx, ecx",
            "2: div ecx",
            at = out(reg) at, out("eax") _, out("edx") _, out("ecx") _,
        );
    }
    check_eq!(COUNT.load(SeqCst), 1, "SIGFPE handler ran");
    check_eq!(INFO[0].load(SeqCst), sys::SIGFPE as u32, "SIGFPE");
    check_eq!(INFO[2].load(SeqCst) as i32, 1, "si_code FPE_INTDIV");
    check_eq!(INFO[3].load(SeqCst) as usize, at, "si_addr of the div");
    check_eq!(INFO[4].load(SeqCst), 0, "trapno of #DE");
    check_eq!(INFO[5].load(SeqCst) as usize, at, "sigcontext EIP");
    let at: usize;
    // SAFETY: ud2 at label 2; the handler skips it.
    unsafe { core::arch::asm!("lea {at}, [2f]", "2: ud2", at = out(reg) at) };
    check_eq!(COUNT.load(SeqCst), 2, "SIGILL handler ran");
    check_eq!(INFO[0].load(SeqCst), sys::SIGILL as u32, "SIGILL");
    check_eq!(INFO[2].load(SeqCst) as i32, 2, "si_code ILL_ILLOPN");
    check_eq!(INFO[3].load(SeqCst) as usize, at, "si_addr of ud2");
    check_eq!(INFO[4].load(SeqCst), 6, "trapno of #UD");
    let at: usize;
    // SAFETY: int3 at label 2; the trap's EIP is after it, the handler just returns.
    unsafe { core::arch::asm!("lea {at}, [2f]", "int3", "2:", at = out(reg) at) };
    check_eq!(COUNT.load(SeqCst), 3, "SIGTRAP handler ran");
    check_eq!(INFO[0].load(SeqCst), sys::SIGTRAP as u32, "SIGTRAP");
    check_eq!(INFO[2].load(SeqCst) as i32, sig::SI_KERNEL, "si_code of int3");
    check_eq!(INFO[4].load(SeqCst), 3, "trapno of #BP");
    check_eq!(INFO[5].load(SeqCst) as usize, at, "EIP after int3");
}

/// `vmtest --probe-signals`: the image sig_exec_resets runs; exits 44 when the signal state
/// is what execve must leave, another code naming the first difference.
pub fn probe_signals() -> i32 {
    let mut a = sig::SigAction::default();
    if sig::sigaction_raw(sys::SIGUSR1, None, Some(&mut a)).is_err() || a.handler != sig::SIG_DFL || a.flags != 0 {
        return 1;
    }
    if sig::sigaction_raw(sys::SIGUSR2, None, Some(&mut a)).is_err() || a.handler != sig::SIG_IGN {
        return 2;
    }
    if sig::sigprocmask(sig::SIG_BLOCK, None) != Ok(sig::bit(sys::SIGTERM)) {
        return 3;
    }
    if sig::sigpending() != Ok(sig::bit(sys::SIGTERM)) {
        return 4;
    }
    match sig::sigaltstack(None) {
        Ok(st) if st.flags == sig::SS_DISABLE && st.size == 0 => 44,
        _ => 5,
    }
}

fn sig_exec_resets(ctx: &Ctx) {
    let pid = spawn(|| {
        install(sys::SIGUSR1, plain as *const () as usize, sig::SA_RESTART);
        install(sys::SIGUSR2, sig::SIG_IGN, 0);
        let _ = sig::sigprocmask(sig::SIG_SETMASK, Some(sig::bit(sys::SIGTERM)));
        let _ = sys::kill(sys::getpid() as i32, sys::SIGTERM);
        let alt = map(4 * PG);
        let _ = sig::sigaltstack(Some(&sig::Stack { sp: alt, flags: 0, size: 4 * PG }));
        let argv = [c"vmtest".as_ptr() as *const u8, c"--probe-signals".as_ptr() as *const u8, core::ptr::null()];
        let envp = [core::ptr::null()];
        let e = sys::execve(ctx.self_path.as_cstr(), &argv, &envp);
        eprintln!("    execve: {}", e);
        99
    });
    let s = wait(pid);
    check!(sys::wifexited(s) && sys::wexitstatus(s) == 44, "exec'd probe: {}", WaitStatus(s));
}

fn sig_old_calls(_ctx: &Ctx) {
    let me = sys::getpid() as i32;
    reset();
    // old_sigaction: handler, mask (one word), flags, restorer.
    let new: [usize; 4] = [plain as *const () as usize, 1 << (sys::SIGUSR2 - 1), 0, 0];
    let mut old: [usize; 4] = [9; 4];
    // SAFETY: the kernel reads `new` and writes `old`.
    let r = unsafe { syscall3(nr::SYS_SIGACTION, sys::SIGUSR1 as usize, new.as_ptr() as usize, old.as_mut_ptr() as usize) };
    check_eq!(Errno::from_ret(r), Ok(0), "sigaction (67)");
    check_eq!(old, [0, 0, 0, 0], "old disposition in the old layout");
    let mut now = sig::SigAction::default();
    ok!(sig::sigaction_raw(sys::SIGUSR1, None, Some(&mut now)), "query");
    check_eq!(now.handler, plain as *const () as usize, "handler set by sigaction (67)");
    check_eq!(now.mask, sig::bit(sys::SIGUSR2), "mask set by sigaction (67)");
    // No SA_RESTORER: the handler returns through what the kernel provides.
    ok!(sys::kill(me, sys::SIGUSR1), "kill");
    check_eq!(COUNT.load(SeqCst), 1, "handler without SA_RESTORER ran and returned");

    // sigprocmask (126): one word.
    let set: u32 = 1 << (sys::SIGUSR1 - 1);
    let mut oset: u32 = 7;
    // SAFETY: the kernel reads `set` and writes `oset`.
    let r = unsafe { syscall3(nr::SYS_SIGPROCMASK, sig::SIG_BLOCK, &set as *const u32 as usize, &mut oset as *mut u32 as usize) };
    check_eq!(Errno::from_ret(r), Ok(0), "sigprocmask (126)");
    check_eq!(oset, 0, "old mask");
    check_eq!(ok!(sig::sigprocmask(sig::SIG_BLOCK, None), "mask"), sig::bit(sys::SIGUSR1), "blocked by sigprocmask (126)");

    // sigsuspend (72): the mask is the third argument.
    let child = spawn(move || {
        sys::sleep_ms(30);
        let _ = sys::kill(me, sys::SIGUSR1);
        0
    });
    // SAFETY: no memory arguments.
    let r = unsafe { syscall3(nr::SYS_SIGSUSPEND, 0, 0, 0) };
    check_eq!(Errno::from_ret(r), Err(Errno::EINTR), "sigsuspend (72)");
    check_eq!(COUNT.load(SeqCst), 2, "handler ran in sigsuspend (72)");
    check_eq!(ok!(sig::sigprocmask(sig::SIG_BLOCK, None), "mask"), sig::bit(sys::SIGUSR1), "mask restored");
    wait_ok(child, "signalling child");

    // rt_sigtimedwait_time64: a 64-bit timespec.
    ok!(sys::kill(me, sys::SIGUSR1), "kill");
    let set64: u64 = sig::bit(sys::SIGUSR1);
    let ts: [i64; 2] = [1, 0];
    let mut info = SigInfo::zeroed();
    // SAFETY: the kernel reads `set64` and `ts`, writes `info`.
    let r = unsafe {
        syscall4(
            nr::SYS_RT_SIGTIMEDWAIT_TIME64,
            &set64 as *const u64 as usize,
            &mut info as *mut SigInfo as usize,
            ts.as_ptr() as usize,
            8,
        )
    };
    check_eq!(Errno::from_ret(r), Ok(sys::SIGUSR1 as usize), "rt_sigtimedwait_time64");
    check_eq!(info.pid(), me as u32, "si_pid");
    let ts: [i64; 2] = [0, 20_000_000];
    // SAFETY: as above.
    let r = unsafe { syscall4(nr::SYS_RT_SIGTIMEDWAIT_TIME64, &set64 as *const u64 as usize, 0, ts.as_ptr() as usize, 8) };
    check_eq!(Errno::from_ret(r), Err(Errno::EAGAIN), "rt_sigtimedwait_time64 timeout");

    // SA_NOCLDSTOP: no SIGCHLD for a stop; without it, CLD_STOPPED.
    ok!(sig::sigprocmask(sig::SIG_SETMASK, Some(0)), "unblock all");
    for (flags, want) in [(sig::SA_NOCLDSTOP, 0), (0, 1)] {
        reset();
        install(sys::SIGCHLD, with_info as *const () as usize, sig::SA_SIGINFO | flags);
        let child = spawn(|| loop {
            sys::sleep_ms(10);
        });
        ok!(sys::kill(child as i32, sys::SIGSTOP), "SIGSTOP");
        let (_, st) = ok!(sys::wait4(child as i32, sys::WUNTRACED), "wait4 WUNTRACED");
        check_eq!(st, 0x137f, "stopped");
        sys::sleep_ms(20);
        check_eq!(COUNT.load(SeqCst), want, "SIGCHLD for a stop (SA_NOCLDSTOP {:#x})", flags);
        if want == 1 {
            check_eq!(INFO[2].load(SeqCst) as i32, sig::CLD_STOPPED, "si_code CLD_STOPPED");
            check_eq!(INFO[5].load(SeqCst) as i32, sys::SIGSTOP, "si_status of a stop");
        }
        ok!(sys::kill(child as i32, sys::SIGKILL), "SIGKILL");
        let _ = wait(child);
    }
    install(sys::SIGCHLD, sig::SIG_DFL, 0);
}

fn sig_blocked_fault_kills(_ctx: &Ctx) {
    install(sys::SIGSEGV, plain as *const () as usize, 0);
    ok!(sig::sigprocmask(sig::SIG_BLOCK, Some(sig::bit(sys::SIGSEGV))), "block SIGSEGV");
    // SAFETY: expected to fault and kill (the signal is blocked).
    unsafe { poke(8, 1) };
}

fn sig_bad_altstack_kills(_ctx: &Ctx) {
    let a = map(4 * PG);
    ok!(unmap(a, 4 * PG), "munmap");
    ok!(sig::sigaltstack(Some(&sig::Stack { sp: a, flags: 0, size: 4 * PG })), "sigaltstack on unmapped memory");
    install(sys::SIGUSR1, plain as *const () as usize, sig::SA_ONSTACK);
    let _ = sig::raise(sys::SIGUSR1);
}
