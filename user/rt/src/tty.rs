//! The terminal: `isatty` and the job-control requests a shell makes (`TIOCSCTTY`,
//! `TIOCSPGRP`), with `setpgid` to put a job in a group of its own.

use crate::errno::Errno;
use crate::sys::{nr, syscall2, syscall3};
use abi::termios::{TCGETS, TERMIOS_SIZE, TIOCSCTTY, TIOCSPGRP};

fn r(ret: usize) -> Result<usize, Errno> {
    Errno::from_ret(ret)
}

/// Whether `fd` is a terminal (`TCGETS` succeeds).
pub fn isatty(fd: i32) -> bool {
    let mut t = [0u8; TERMIOS_SIZE];
    // SAFETY: the kernel writes 36 bytes into `t`.
    r(unsafe { syscall3(nr::SYS_IOCTL, fd as usize, TCGETS as usize, t.as_mut_ptr() as usize) }).is_ok()
}

/// Makes the terminal on `fd` the caller's controlling terminal (`TIOCSCTTY`, no stealing).
pub fn set_controlling(fd: i32) -> Result<(), Errno> {
    // SAFETY: no memory is passed.
    r(unsafe { syscall3(nr::SYS_IOCTL, fd as usize, TIOCSCTTY as usize, 0) }).map(|_| ())
}

/// Makes `pgid` the terminal's foreground process group (`tcsetpgrp`).
pub fn set_foreground(fd: i32, pgid: u32) -> Result<(), Errno> {
    let v = pgid as i32;
    // SAFETY: the kernel reads 4 bytes from `v`.
    r(unsafe { syscall3(nr::SYS_IOCTL, fd as usize, TIOCSPGRP as usize, &v as *const i32 as usize) }).map(|_| ())
}

/// `setsid`: a new session led by the caller; returns its id.
pub fn setsid() -> Result<u32, Errno> {
    // SAFETY: no memory effects.
    r(unsafe { crate::sys::syscall0(nr::SYS_SETSID) }).map(|s| s as u32)
}

/// The caller's process group (`getpgrp`).
pub fn getpgrp() -> u32 {
    // SAFETY: no memory effects.
    unsafe { crate::sys::syscall0(nr::SYS_GETPGRP) as u32 }
}

/// `setpgid(pid, pgid)` (0: the caller / its pid).
pub fn setpgid(pid: u32, pgid: u32) -> Result<(), Errno> {
    // SAFETY: no memory effects.
    r(unsafe { syscall2(nr::SYS_SETPGID, pid as usize, pgid as usize) }).map(|_| ())
}
