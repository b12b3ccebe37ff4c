//! Signal system calls: dispositions (`rt_sigaction`, `sigaction`, `signal`), masks
//! (`rt_sigprocmask`, `sigprocmask`), `rt_sigpending`, waiting (`rt_sigsuspend`,
//! `sigsuspend`, `pause`, `rt_sigtimedwait`), `sigaltstack`, the returns from a handler
//! (`rt_sigreturn`, `sigreturn`), sending (`tkill`, `tgkill`, `rt_sigqueueinfo`; `kill` is in
//! `process`) and `restart_syscall`.

use super::uptr::UserBuf;
use super::SysResult;
use crate::arch::trap::TrapFrame;
use crate::proc::sigstate::*;
use crate::proc::task::State;
use crate::proc::{self, sched, sigframe, signals};
use vmcore::errno::Errno;
use vmcore::signal::{SIGILL, SIGRTMAX, SIGSEGV};

/// `how` of the mask calls.
const SIG_BLOCK: u32 = 0;
const SIG_UNBLOCK: u32 = 1;
const SIG_SETMASK: u32 = 2;
/// The only `sigsetsize` the rt calls accept on i386.
const SIGSET_SIZE: u32 = 8;

fn read_words<const N: usize>(addr: u32) -> Result<[u32; N], Errno> {
    let buf = UserBuf::new(addr, 4 * N as u32);
    buf.check(false)?;
    let mut bytes = [[0u8; 4]; N];
    buf.read_at(0, bytes.as_flattened_mut())?;
    Ok(bytes.map(u32::from_le_bytes))
}

fn write_words(addr: u32, words: &[u32]) -> Result<(), Errno> {
    let buf = UserBuf::new(addr, 4 * words.len() as u32);
    buf.check(true)?;
    for (i, w) in words.iter().enumerate() {
        buf.write_at(4 * i as u32, &w.to_le_bytes())?;
    }
    Ok(())
}

fn valid(sig: u32) -> Result<(), Errno> {
    if sig == 0 || sig > SIGRTMAX { Err(Errno::EINVAL) } else { Ok(()) }
}

/// Linux's `do_sigaction`: installs `new` (if any) for `sig` and returns the old disposition.
/// Setting a disposition that ignores the signal discards its pending instances.
fn do_sigaction(sig: u32, new: Option<SigAction>) -> Result<SigAction, Errno> {
    valid(sig)?;
    if new.is_some() && UNBLOCKABLE & sigbit(sig) != 0 {
        return Err(Errno::EINVAL);
    }
    let task = proc::current();
    let inner = task.inner.lock();
    let old = inner.sighand.get(sig);
    if let Some(mut n) = new {
        n.mask &= !UNBLOCKABLE;
        inner.sighand.modify(|actions| actions[sig as usize - 1] = n)?;
    }
    drop(inner);
    if new.is_some_and(|n| n.ignores(sig)) {
        signals::flush_current(sigbit(sig));
    }
    Ok(old)
}

/// rt_sigaction (174): `struct sigaction` { handler, flags, restorer, mask[2] }.
pub fn rt_sigaction(sig: u32, act: u32, oact: u32, size: u32) -> SysResult {
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let new = if act == 0 {
        None
    } else {
        let [handler, flags, restorer, lo, hi] = read_words::<5>(act)?;
        Some(SigAction { handler, flags, restorer, mask: lo as u64 | (hi as u64) << 32 })
    };
    let old = do_sigaction(sig, new)?;
    if oact != 0 {
        write_words(oact, &[old.handler, old.flags, old.restorer, old.mask as u32, (old.mask >> 32) as u32])?;
    }
    Ok(0)
}

/// sigaction (67): `struct old_sigaction` { handler, mask (one word), flags, restorer }.
pub fn sigaction(sig: u32, act: u32, oact: u32) -> SysResult {
    let new = if act == 0 {
        None
    } else {
        let [handler, mask, flags, restorer] = read_words::<4>(act)?;
        Some(SigAction { handler, flags, restorer, mask: mask as u64 })
    };
    let old = do_sigaction(sig, new)?;
    if oact != 0 {
        write_words(oact, &[old.handler, old.mask as u32, old.flags, old.restorer])?;
    }
    Ok(0)
}

/// signal (48): System V semantics (`SA_RESETHAND | SA_NODEFER`); returns the old handler.
pub fn signal(sig: u32, handler: u32) -> SysResult {
    let new = SigAction { handler, flags: SA_RESETHAND | SA_NODEFER, restorer: 0, mask: 0 };
    Ok(do_sigaction(sig, Some(new))?.handler)
}

fn change_mask(how: u32, set: SigSet, low_word_only: bool) -> Result<(), Errno> {
    let cur = blocked();
    let new = match how {
        SIG_BLOCK => cur | set,
        SIG_UNBLOCK => cur & !set,
        SIG_SETMASK if low_word_only => (cur & !0xffff_ffff) | set,
        SIG_SETMASK => set,
        _ => return Err(Errno::EINVAL),
    };
    signals::set_blocked(new);
    Ok(())
}

fn blocked() -> SigSet {
    proc::current().inner.lock().sig.blocked
}

/// rt_sigprocmask (175).
pub fn rt_sigprocmask(how: u32, set: u32, oset: u32, size: u32) -> SysResult {
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let old = blocked();
    if set != 0 {
        let [lo, hi] = read_words::<2>(set)?;
        change_mask(how, lo as u64 | (hi as u64) << 32, false)?;
    }
    if oset != 0 {
        write_words(oset, &[old as u32, (old >> 32) as u32])?;
    }
    Ok(0)
}

/// sigprocmask (126): the low word of the mask only.
pub fn sigprocmask(how: u32, set: u32, oset: u32) -> SysResult {
    let old = blocked();
    if set != 0 {
        let [w] = read_words::<1>(set)?;
        change_mask(how, w as u64, true)?;
    }
    if oset != 0 {
        write_words(oset, &[old as u32])?;
    }
    Ok(0)
}

/// rt_sigpending (176): blocked signals pending for the thread or the process.
pub fn rt_sigpending(set: u32, size: u32) -> SysResult {
    if size > SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let pending = {
        let task = proc::current();
        let inner = task.inner.lock();
        let shared = task.group.sig.lock().shared.set;
        (inner.sig.pending.set | shared) & inner.sig.blocked
    };
    let bytes = pending.to_le_bytes();
    let out = UserBuf::new(set, size);
    out.check(true)?;
    out.write_at(0, &bytes[..size as usize])?;
    Ok(0)
}

/// Sleeps until a signal is deliverable; returns ERESTARTNOHAND (EINTR once a handler ran,
/// else the call is restarted).
fn wait_for_signal() -> SysResult {
    while !signals::signal_pending() {
        sched::block(State::Sleeping { until: u64::MAX });
    }
    Err(Errno::ERESTARTNOHAND)
}

/// Replaces the mask by `mask` until a handler runs (the frame saves the old one).
fn suspend(mask: SigSet) -> SysResult {
    let old = signals::set_blocked(mask);
    proc::current().inner.lock().sig.saved_mask = Some(old);
    wait_for_signal()
}

/// rt_sigsuspend (179).
pub fn rt_sigsuspend(mask: u32, size: u32) -> SysResult {
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let [lo, hi] = read_words::<2>(mask)?;
    suspend(lo as u64 | (hi as u64) << 32)
}

/// sigsuspend (72): i386's three-argument form, the mask in the third.
pub fn sigsuspend(mask: u32) -> SysResult {
    suspend(mask as u64)
}

/// pause (29).
pub fn pause() -> SysResult {
    wait_for_signal()
}

/// Takes a pending signal of `set` (the thread's first), blocked or not.
fn take_from(set: SigSet) -> Option<SigInfo> {
    let task = proc::current();
    let mut inner = task.inner.lock();
    let info = match inner.sig.pending.next(set) {
        Some(sig) => Some(inner.sig.pending.take(sig)),
        None => {
            let mut psig = task.group.sig.lock();
            psig.shared.next(set).map(|sig| psig.shared.take(sig))
        }
    };
    signals::recalc(&mut inner, &task.group);
    info
}

/// rt_sigtimedwait (177) and rt_sigtimedwait_time64 (421): takes a pending signal of the
/// set, waiting up to the timeout (NULL: forever) — EAGAIN when it expires, EINTR when
/// another signal interrupts.
pub fn rt_sigtimedwait(these: u32, uinfo: u32, uts: u32, size: u32, time64: bool) -> SysResult {
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let [lo, hi] = read_words::<2>(these)?;
    let set = (lo as u64 | (hi as u64) << 32) & !UNBLOCKABLE;
    let deadline = if uts == 0 {
        None
    } else {
        let (sec, nsec) = if time64 {
            let [a, b, c, _] = read_words::<4>(uts)?;
            (a as u64 as i64 | (b as i64) << 32, c as i32 as i64)
        } else {
            let [a, b] = read_words::<2>(uts)?;
            (a as i32 as i64, b as i32 as i64)
        };
        if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
            return Err(Errno::EINVAL);
        }
        let ns = (sec as u64).saturating_mul(1_000_000_000).saturating_add(nsec as u64);
        Some(crate::arch::clock::monotonic_ns().saturating_add(ns))
    };
    loop {
        if let Some(info) = take_from(set) {
            if uinfo != 0 {
                let out = UserBuf::new(uinfo, 128);
                out.check(true)?;
                out.write_at(0, &info.to_linux())?;
            }
            return Ok(info.signo);
        }
        if deadline.is_some_and(|d| crate::arch::clock::monotonic_ns() >= d) {
            return Err(Errno::EAGAIN);
        }
        if signals::signal_pending() {
            return Err(Errno::EINTR);
        }
        {
            let task = proc::current();
            task.inner.lock().sig.waiting_for = set;
        }
        let pending_now = {
            let task = proc::current();
            let inner = task.inner.lock();
            let shared = task.group.sig.lock().shared.set;
            (inner.sig.pending.set | shared) & set != 0
        };
        if !pending_now {
            // Woken by an awaited signal (blocked, so not "pending" for signal_pending) or the
            // deadline: the loop looks again.
            crate::proc::timer::block_until(proc::current_pid(), deadline.unwrap_or(u64::MAX))?;
        }
        proc::current().inner.lock().sig.waiting_for = 0;
    }
}

/// sigaltstack (186): `stack_t` { ss_sp, ss_flags, ss_size }.
pub fn sigaltstack(ss: u32, oss: u32, frame: &TrapFrame) -> SysResult {
    let sp = frame.user_esp;
    let new = if ss == 0 {
        None
    } else {
        let [sp_, flags, size] = read_words::<3>(ss)?;
        Some(AltStack { sp: sp_, size, flags })
    };
    let old = proc::current().inner.lock().sig.altstack;
    if let Some(n) = new {
        sigframe::set_altstack(&n, sp)?;
    }
    if oss != 0 {
        write_words(oss, &[old.sp, old.flags_at(sp) | (old.flags & SS_AUTODISARM), old.size])?;
    }
    Ok(0)
}

/// rt_sigreturn (173) and sigreturn (119). A frame that cannot be read kills with SIGSEGV
/// (Linux's `signal_fault`, forced), CS/SS that are not user selectors with SIGILL (Linux's
/// `iret` fault).
pub fn sigreturn(frame: &mut TrapFrame, rt: bool) -> SysResult {
    match sigframe::sigreturn(frame, rt) {
        Ok(eax) => Ok(eax),
        Err(bad) => {
            let (sig, code) = match bad {
                sigframe::BadFrame::Fault => (SIGSEGV, SI_KERNEL),
                sigframe::BadFrame::Segments => (SIGILL, 8 /* ILL_BADSTK */),
            };
            if !signals::force_fault(SigInfo::fault(sig, code, 0), FaultRegs::default()) {
                signals::fatal_exception(frame, format_args!("bad signal frame ({bad:?}) in sigreturn"), sig);
            }
            frame.error_code = signals::NO_SYSCALL;
            Ok(frame.eax)
        }
    }
}

/// tkill (238): to one thread.
pub fn tkill(tid: i32, sig: u32) -> SysResult {
    if tid <= 0 || sig > SIGRTMAX {
        return Err(Errno::EINVAL);
    }
    // si_pid is the sender's process id (Linux's task_tgid_vnr).
    let info = SigInfo::from_pid(sig, SI_TKILL, proc::current().tgid());
    signals::send_to(tid as u32, info, true, true)?;
    Ok(0)
}

/// tgkill (270): to thread `tid`, which must belong to thread group `tgid` (ESRCH otherwise).
pub fn tgkill(tgid: i32, tid: i32, sig: u32) -> SysResult {
    if tgid <= 0 || tid <= 0 || sig > SIGRTMAX {
        return Err(Errno::EINVAL);
    }
    let in_group = sched::with(|s| s.tasks.get(&(tid as u32)).is_some_and(|t| t.tgid() == tgid as u32));
    if !in_group {
        return Err(Errno::ESRCH);
    }
    tkill(tid, sig)
}

/// rt_sigqueueinfo (178): a signal with the caller's siginfo; only the kernel and the
/// process itself may claim `si_code >= 0` or SI_TKILL.
pub fn rt_sigqueueinfo(tgid: i32, sig: u32, uinfo: u32) -> SysResult {
    if sig > SIGRTMAX {
        return Err(Errno::EINVAL);
    }
    let w = read_words::<6>(uinfo)?;
    let code = w[2] as i32;
    if tgid <= 0 {
        return Err(Errno::ESRCH);
    }
    if (code >= 0 || code == SI_TKILL) && tgid as u32 != proc::current_pid() {
        return Err(Errno::EPERM);
    }
    let info = SigInfo { signo: sig, code, fields: [w[3], w[4], w[5]] };
    signals::send_to(tgid as u32, info, false, false)?;
    Ok(0)
}

/// restart_syscall (0): resumes an interrupted `nanosleep` or `poll`; nothing to resume → EINTR.
pub fn restart_syscall() -> SysResult {
    let poll = proc::current().inner.lock().sig.restart_poll.take();
    if let Some((ufds, nfds, deadline)) = poll {
        return super::poll::resume_poll(ufds, nfds, deadline);
    }
    let (until, rem, time64) = {
        let task = proc::current();
        let mut inner = task.inner.lock();
        let r = (inner.sig.restart_until, inner.sig.restart_rem, inner.sig.restart_time64);
        inner.sig.restart_until = 0;
        r
    };
    if until == 0 {
        return Err(Errno::EINTR);
    }
    super::time::resume_sleep(until, rem, time64)
}
