//! The terminal's side of job control (Linux's `tty_jobctrl.c`): the session it controls and
//! its foreground process group, the SIGTTIN/SIGTTOU checks on background reads, writes and
//! mode changes, and the hang-up when the session leader exits.
//!
//! There is one terminal, so a process's controlling terminal is this one exactly when the
//! terminal's session is the process's session (Linux keeps `signal->tty`; `setsid` then
//! drops it by leaving the session). Opening `/dev/console` never makes it a controlling
//! terminal (Linux's `noctty` rule for 5:1); a session leader acquires it by `TIOCSCTTY` or
//! by opening `/dev/ttyS0` without `O_NOCTTY`. Left out: `TIOCNOTTY` from a process that is
//! not the session leader only detaches that process in Linux; here it returns 0 and detaches
//! nobody (there is no per-process terminal pointer to clear).

use super::TTY;
use crate::proc::pgrp;
use crate::proc::sigstate::sigbit;
use crate::proc::task::Pid;
use vmcore::errno::Errno;
use vmcore::signal::{SIGCONT, SIGHUP, SIGTTIN, SIGTTOU, SIG_IGN};

/// Linux's `tty->ctrl`: the session (0: none) and the foreground group (0: none).
pub struct TtyCtrl {
    session: Pid,
    pgrp: Pid,
}

impl TtyCtrl {
    /// Not anyone's controlling terminal.
    pub const fn new() -> Self {
        Self { session: 0, pgrp: 0 }
    }
}

/// Registers the session-leader-exit hook (boot).
pub fn init() {
    pgrp::set_session_exit_hook(session_leader_exited);
}

/// Whether the terminal is the current process's controlling terminal.
pub fn is_ctty() -> bool {
    let session = TTY.ctrl.lock().session;
    session != 0 && session == pgrp::current_session()
}

/// The foreground group (0: none).
pub fn foreground() -> Pid {
    TTY.ctrl.lock().pgrp
}

/// ISIG and SIGWINCH: `sig` to the foreground group, if there is one.
pub fn signal_foreground(sig: u32) {
    let fg = foreground();
    if fg != 0 {
        let _ = pgrp::kill_pgrp(fg, sig);
    }
}

/// `sig` is blocked or ignored by the current thread (Linux's `is_ignored`).
fn is_ignored(sig: u32) -> bool {
    let task = crate::proc::current();
    let inner = task.inner.lock();
    inner.sig.blocked & sigbit(sig) != 0 || inner.sighand.get(sig).handler == SIG_IGN
}

/// Linux's `__tty_check_change`: a process of a background group of the terminal's session
/// gets `sig` (its whole group) and the call is restarted after it continues; `EIO` when the
/// group is orphaned, or for SIGTTIN when the signal is blocked or ignored (for SIGTTOU the
/// call then goes ahead).
fn check_change(sig: u32) -> Result<(), Errno> {
    if !is_ctty() {
        return Ok(());
    }
    let fg = foreground();
    let mine = pgrp::current_pgrp();
    if fg == 0 || fg == mine {
        return Ok(());
    }
    if is_ignored(sig) {
        return if sig == SIGTTIN { Err(Errno::EIO) } else { Ok(()) };
    }
    if pgrp::is_orphaned_pgrp(mine) {
        return Err(Errno::EIO);
    }
    let _ = pgrp::kill_pgrp(mine, sig);
    Err(Errno::ERESTARTSYS)
}

/// A read: background readers get SIGTTIN.
pub fn check_read() -> Result<(), Errno> {
    check_change(SIGTTIN)
}

/// A write: with `TOSTOP`, background writers get SIGTTOU.
pub fn check_write() -> Result<(), Errno> {
    if TTY.ldisc.lock().termios().l(vmcore::tty::termios::TOSTOP) {
        check_change(SIGTTOU)?;
    }
    Ok(())
}

/// Mode changes (`TCSETS*`, `TCFLSH`, `TIOCSPGRP`): background callers get SIGTTOU.
pub fn check_mode_change() -> Result<(), Errno> {
    check_change(SIGTTOU)
}

/// `TIOCGPGRP`: `ENOTTY` unless it is the caller's controlling terminal.
pub fn get_pgrp() -> Result<Pid, Errno> {
    if !is_ctty() {
        return Err(Errno::ENOTTY);
    }
    Ok(foreground())
}

/// `TIOCGSID`: `ENOTTY` unless it is the caller's controlling terminal.
pub fn get_sid() -> Result<Pid, Errno> {
    let session = TTY.ctrl.lock().session;
    if session == 0 || session != pgrp::current_session() {
        return Err(Errno::ENOTTY);
    }
    Ok(session)
}

/// `TIOCSPGRP` (`tiocspgrp`): the caller is checked before `read_arg` reads the group.
pub fn set_pgrp(read_arg: impl FnOnce() -> Result<i32, Errno>) -> Result<(), Errno> {
    match check_mode_change() {
        Err(Errno::EIO) => return Err(Errno::ENOTTY),
        r => r?,
    }
    let pgid = read_arg()?;
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    if !is_ctty() {
        return Err(Errno::ENOTTY);
    }
    let pgid = pgid as Pid;
    let sid = pgrp::current_session();
    // Linux's find_vpid + session_of_pgrp: the session of a member of the group, or else of
    // the process with that pid; no such process or group: ESRCH.
    if !pgrp::pgrp_in_session(pgid, sid) {
        if group_exists(pgid) {
            return Err(Errno::EPERM);
        }
        match pgrp::session_of(pgid) {
            Some(s) if s == sid => {}
            Some(_) => return Err(Errno::EPERM),
            None => return Err(Errno::ESRCH),
        }
    }
    TTY.ctrl.lock().pgrp = pgid;
    Ok(())
}

/// Whether some process is in group `pgid`.
fn group_exists(pgid: Pid) -> bool {
    crate::proc::sched::with(|s| s.tasks.values().any(|t| t.pid() != 0 && t.group.pgid() == pgid))
}

/// `TIOCSCTTY` (`tiocsctty`): the calling session leader without a terminal takes this one;
/// `steal` (argument 1) takes it from another session, for root only.
pub fn set_ctty(steal: bool, readable: bool) -> Result<(), Errno> {
    let me = crate::proc::current();
    let sid = pgrp::current_session();
    let leader = sid == me.tgid();
    let mut ctrl = TTY.ctrl.lock();
    if leader && ctrl.session == sid {
        return Ok(());
    }
    // Our sessions have one terminal at most: a leader "has a tty" exactly when it is this one.
    if !leader {
        return Err(Errno::EPERM);
    }
    let root = me.cred.lock().euid == 0;
    if !readable && !root {
        return Err(Errno::EPERM);
    }
    if ctrl.session != 0 && !(steal && root) {
        return Err(Errno::EPERM);
    }
    ctrl.session = sid;
    ctrl.pgrp = pgrp::current_pgrp();
    Ok(())
}

/// Opening `/dev/ttyS0` (or `/dev/tty`) without `O_NOCTTY`: a session leader without a
/// terminal acquires it if it is free (`tty_open_proc_set_tty`).
pub fn open_acquire() {
    let me = crate::proc::current();
    let sid = pgrp::current_session();
    if sid != me.tgid() {
        return;
    }
    let mut ctrl = TTY.ctrl.lock();
    if ctrl.session == 0 {
        ctrl.session = sid;
        ctrl.pgrp = pgrp::current_pgrp();
    }
}

/// `TIOCNOTTY`: `ENOTTY` unless it is the caller's controlling terminal; the session leader
/// hangs it up (SIGHUP and SIGCONT to the foreground group) and disassociates it.
pub fn notty() -> Result<(), Errno> {
    if !is_ctty() {
        return Err(Errno::ENOTTY);
    }
    let me = crate::proc::current();
    if pgrp::current_session() == me.tgid() {
        disassociate(true);
    }
    Ok(())
}

/// Linux's `disassociate_ctty`: the foreground group gets SIGHUP (and SIGCONT for
/// `TIOCNOTTY`; at the leader's exit Linux's hang-up sends SIGHUP alone), the terminal belongs
/// to no session any more.
fn disassociate(cont: bool) {
    let fg = {
        let mut ctrl = TTY.ctrl.lock();
        let fg = ctrl.pgrp;
        ctrl.session = 0;
        ctrl.pgrp = 0;
        fg
    };
    if fg != 0 {
        let _ = pgrp::kill_pgrp(fg, SIGHUP);
        if cont {
            let _ = pgrp::kill_pgrp(fg, SIGCONT);
        }
    }
}

/// The session-leader-exit hook: if `sid` owned the terminal, hang it up.
fn session_leader_exited(sid: Pid) {
    if TTY.ctrl.lock().session == sid {
        disassociate(false);
    }
}
