//! Making tasks: `fork` (2), `clone` (120), `vfork` (190), `clone3` (435). Each turns its
//! arguments into `proc::clone::CloneArgs`; `proc::clone::clone` does the rest.

use super::uptr::{UserBuf, UserPtr};
use super::SysResult;
use crate::arch::trap::TrapFrame;
use crate::proc::clone::{self, CloneArgs};
use crate::proc::signals;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::*;
use vmcore::tls::{TlsDesc, UserDesc, TLS_MAX, TLS_MIN};

/// fork: `clone(SIGCHLD)`.
pub fn fork(frame: &mut TrapFrame) -> SysResult {
    crate::proc::fork(frame)
}

/// vfork: `clone(CLONE_VM | CLONE_VFORK | SIGCHLD)`: the child borrows the address space and
/// the parent sleeps until the child execs or exits.
pub fn vfork(frame: &mut TrapFrame) -> SysResult {
    let args = CloneArgs { flags: (CLONE_VM | CLONE_VFORK) as u64, exit_signal: signals::SIGCHLD, ..Default::default() };
    clone::clone(&args, frame)
}

/// clone, with i386's argument order (Linux's `CLONE_BACKWARDS`): flags (the low byte is the
/// exit signal), new stack pointer, parent_tid, tls (a `struct user_desc *`), child_tid.
pub fn clone(flags: u32, newsp: u32, parent_tid: u32, tls: u32, child_tid: u32, frame: &mut TrapFrame) -> SysResult {
    let args = CloneArgs {
        flags: (flags & !CSIGNAL) as u64,
        exit_signal: flags & CSIGNAL,
        stack: newsp,
        parent_tid,
        child_tid,
        tls: None,
    };
    start(args, tls, frame)
}

/// Linux 6.1's `struct clone_args`, eleven 64-bit words: flags, pidfd, child_tid, parent_tid,
/// exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup.
type CloneArgsRaw = [u64; 11];

/// clone3: the arguments in a `struct clone_args` of `size` bytes (Linux's
/// `copy_clone_args_from_user` and `clone3_args_valid`, in their order).
pub fn clone3(uargs: u32, size: u32, frame: &mut TrapFrame) -> SysResult {
    if size > vmcore::addr::PAGE_SIZE {
        return Err(Errno::E2BIG);
    }
    if size < CLONE_ARGS_SIZE_VER0 {
        return Err(Errno::EINVAL);
    }
    // copy_struct_from_user: what we know is copied, an unknown tail must be zero.
    let known = size.min(CLONE_ARGS_SIZE_VER2);
    let mut bytes = [0u8; CLONE_ARGS_SIZE_VER2 as usize];
    let buf = UserBuf::new(uargs, size);
    if size > known {
        let mut tail = [0u8; 64];
        let mut at = known;
        while at < size {
            let n = (size - at).min(tail.len() as u32);
            buf.read_at(at, &mut tail[..n as usize])?;
            if tail[..n as usize].iter().any(|&b| b != 0) {
                return Err(Errno::E2BIG);
            }
            at += n;
        }
    }
    buf.read_at(0, &mut bytes[..known as usize])?;
    let mut raw: CloneArgsRaw = [0; 11];
    for (i, w) in raw.iter_mut().enumerate() {
        *w = u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    }
    let [flags, _pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, _cgroup] = raw;
    // set_tid needs a pid namespace level to name (and privileges); none here.
    if set_tid_size > 0 || set_tid != 0 {
        return Err(Errno::EINVAL);
    }
    if exit_signal & !(CSIGNAL as u64) != 0 || exit_signal > signals::SIGMAX as u64 {
        return Err(Errno::EINVAL);
    }
    // clone3_args_valid.
    if flags & !(0xffff_ffff | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & (CLONE_DETACHED as u64 | (CSIGNAL & !CLONE_NEWTIME) as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & (CLONE_SIGHAND as u64 | CLONE_CLEAR_SIGHAND) == CLONE_SIGHAND as u64 | CLONE_CLEAR_SIGHAND {
        return Err(Errno::EINVAL);
    }
    if flags & (CLONE_THREAD | CLONE_PARENT) as u64 != 0 && exit_signal != 0 {
        return Err(Errno::EINVAL);
    }
    let stack_top = if stack == 0 {
        if stack_size > 0 {
            return Err(Errno::EINVAL);
        }
        0
    } else {
        let end = stack.checked_add(stack_size).filter(|&e| stack_size != 0 && e <= vmcore::layout::USER_END as u64);
        end.ok_or(Errno::EINVAL)? as u32
    };
    // The pointers are 32-bit on i386 (Linux's u64_to_user_ptr truncates).
    let args = CloneArgs {
        flags: flags & !(CLONE_CLEAR_SIGHAND),
        exit_signal: exit_signal as u32,
        stack: stack_top,
        parent_tid: parent_tid as u32,
        child_tid: child_tid as u32,
        tls: None,
    };
    start(args, tls as u32, frame)
}

/// The flag checks, then the `CLONE_SETTLS` descriptor at `tls` (Linux's `copy_thread` →
/// `do_set_thread_area` without allocation: the entry must name a slot), then the clone.
fn start(mut args: CloneArgs, tls: u32, frame: &mut TrapFrame) -> SysResult {
    clone::check_flags(args.flags)?;
    if args.flags & CLONE_SETTLS as u64 != 0 {
        let info = UserPtr::<UserDesc>::new(tls).read()?;
        if !info.is_okay() {
            return Err(Errno::EINVAL);
        }
        let idx = info.entry_number;
        if !(TLS_MIN..=TLS_MAX).contains(&idx) {
            return Err(Errno::EINVAL);
        }
        args.tls = Some(((idx - TLS_MIN) as usize, TlsDesc::from_user(&info).0));
    }
    clone::clone(&args, frame)
}
