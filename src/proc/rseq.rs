//! Restartable sequences (Linux 6.1's `kernel/rseq.c`): a thread registers a `struct rseq`
//! area; the kernel keeps its `cpu_id_start`/`cpu_id` current (always 0: one CPU) and, when
//! the thread was switched out while inside a critical section that `rseq_cs` describes,
//! moves its EIP to the section's abort handler on the way back to user mode.
//!
//! ```text
//! struct rseq    { u32 cpu_id_start; u32 cpu_id; u64 rseq_cs; u32 flags; }    // 32 bytes, aligned 32
//! struct rseq_cs { u32 version; u32 flags; u64 start_ip; u64 post_commit_offset; u64 abort_ip; }
//! ```
//!
//! The return-to-user hook costs one load unless the running task has an area and was just
//! switched in (or registered): [`note_switch_in`] sets a per-CPU flag that [`on_return_to_user`]
//! tests and clears.

use crate::arch::trap::TrapFrame;
use crate::syscall::uptr::UserPtr;
use core::sync::atomic::{AtomicBool, Ordering};
use vmcore::errno::Errno;
use vmcore::layout::USER_END;

/// `sizeof(struct rseq)` in Linux 6.1, the only length `rseq` accepts.
pub const RSEQ_SIZE: u32 = 32;
/// Its alignment.
pub const RSEQ_ALIGN: u32 = 32;
/// `rseq` flag: unregister.
pub const RSEQ_FLAG_UNREGISTER: u32 = 1;
/// `cpu_id` of an unregistered area.
pub const RSEQ_CPU_ID_UNINITIALIZED: u32 = u32::MAX;

/// A registered area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rseq {
    /// User address of the `struct rseq`.
    pub addr: u32,
    /// The signature that must precede every abort handler.
    pub sig: u32,
}

/// The task that runs on this CPU has an rseq area and must be checked before it returns to
/// user mode (Linux's `TIF_NOTIFY_RESUME` for rseq).
static NOTIFY: AtomicBool = AtomicBool::new(false);

/// Records, when switching to a task, whether it has an area (it was switched out, so a
/// critical section it was in must restart).
pub fn note_switch_in(has_rseq: bool) {
    NOTIFY.store(has_rseq, Ordering::Relaxed);
}

/// Called on every return to ring 3.
#[inline(always)]
pub fn on_return_to_user(frame: &mut TrapFrame) {
    if NOTIFY.load(Ordering::Relaxed) {
        NOTIFY.store(false, Ordering::Relaxed);
        notify_resume(frame);
    }
}

/// A check failed: Linux's `force_sigsegv`.
struct Bad;

/// Linux's `__rseq_handle_notify_resume`: the IP fixup, then the CPU number update; any
/// failure kills the task with SIGSEGV.
#[inline(never)]
fn notify_resume(frame: &mut TrapFrame) {
    let Some(reg) = super::uaddrs::with_current(|t| t.addrs.rseq) else { return };
    if ip_fixup(reg, frame).and_then(|()| update_cpu_id(reg)).is_err() {
        super::signals::fatal_exception(frame, format_args!("bad rseq area or critical-section descriptor"), super::signals::SIGSEGV);
    }
}

fn read_u32(addr: u32) -> Result<u32, Bad> {
    UserPtr::<u32>::new(addr).read().map_err(|_| Bad)
}

fn read_u64(addr: u32) -> Result<u64, Bad> {
    let [lo, hi] = UserPtr::<[u32; 2]>::new(addr).read().map_err(|_| Bad)?;
    Ok(u64::from(hi) << 32 | u64::from(lo))
}

/// Linux's `rseq_ip_fixup` + `rseq_get_rseq_cs` + `rseq_need_restart`. Every task that gets
/// here was switched out, so its event mask is set.
fn ip_fixup(reg: Rseq, frame: &mut TrapFrame) -> Result<(), Bad> {
    let task_size = u64::from(USER_END);
    let ptr = read_u64(reg.addr + 8)?;
    if ptr == 0 {
        return Ok(());
    }
    if ptr >= task_size {
        return Err(Bad);
    }
    let cs = ptr as u32;
    let version = read_u32(cs)?;
    let cs_flags = read_u32(cs + 4)?;
    let start_ip = read_u64(cs + 8)?;
    let post_commit_offset = read_u64(cs + 16)?;
    let abort_ip = read_u64(cs + 24)?;
    if start_ip >= task_size
        || start_ip.wrapping_add(post_commit_offset) >= task_size
        || abort_ip >= task_size
        || version > 0
        || start_ip.wrapping_add(post_commit_offset) < start_ip
        || abort_ip.wrapping_sub(start_ip) < post_commit_offset
    {
        return Err(Bad);
    }
    if read_u32((abort_ip as u32).wrapping_sub(4))? != reg.sig {
        log::warn!("rseq: unexpected signature before abort handler {abort_ip:#x} (pid {})", super::current_pid());
        return Err(Bad);
    }
    let ip = u64::from(frame.eip);
    if ip.wrapping_sub(start_ip) >= post_commit_offset {
        // Not inside the section: clear rseq_cs.
        return clear_rseq_cs(reg);
    }
    // rseq_need_restart: any flag bit (deprecated no-restart flags or unknown ones) is refused.
    if cs_flags != 0 || read_u32(reg.addr + 16)? != 0 {
        return Err(Bad);
    }
    clear_rseq_cs(reg)?;
    frame.eip = abort_ip as u32;
    Ok(())
}

fn clear_rseq_cs(reg: Rseq) -> Result<(), Bad> {
    UserPtr::<[u32; 2]>::new(reg.addr + 8).write([0, 0]).map_err(|_| Bad)
}

/// Writes the CPU number (0) into `cpu_id_start` and `cpu_id`.
fn update_cpu_id(reg: Rseq) -> Result<(), Bad> {
    UserPtr::<[u32; 2]>::new(reg.addr).write([0, 0]).map_err(|_| Bad)
}

/// The `rseq` system call with Linux 6.1's checks, in its order.
pub fn rseq(addr: u32, len: u32, flags: u32, sig: u32) -> Result<(), Errno> {
    let current = super::uaddrs::with_current(|t| t.addrs.rseq);
    if flags & RSEQ_FLAG_UNREGISTER != 0 {
        if flags & !RSEQ_FLAG_UNREGISTER != 0 {
            return Err(Errno::EINVAL);
        }
        let reg = current.filter(|r| r.addr == addr).ok_or(Errno::EINVAL)?;
        if len != RSEQ_SIZE {
            return Err(Errno::EINVAL);
        }
        if reg.sig != sig {
            return Err(Errno::EPERM);
        }
        UserPtr::<[u32; 2]>::new(addr).write([0, RSEQ_CPU_ID_UNINITIALIZED])?;
        super::uaddrs::with_current(|t| t.addrs.rseq = None);
        return Ok(());
    }
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    if let Some(reg) = current {
        if reg.addr != addr || len != RSEQ_SIZE {
            return Err(Errno::EINVAL);
        }
        if reg.sig != sig {
            return Err(Errno::EPERM);
        }
        return Err(Errno::EBUSY);
    }
    if !addr.is_multiple_of(RSEQ_ALIGN) || len != RSEQ_SIZE {
        return Err(Errno::EINVAL);
    }
    if !crate::arch::usercopy::range_ok(addr, len) {
        return Err(Errno::EFAULT);
    }
    if addr == 0 {
        // Linux stores the NULL pointer, which means "not registered".
        return Ok(());
    }
    super::uaddrs::with_current(|t| t.addrs.rseq = Some(Rseq { addr, sig }));
    // Linux 6.1 (Debian's 686 build, checked) leaves a registered area's rseq_cs cleared,
    // whatever it held; a fault here is caught by the CPU-number write on the way out.
    let _ = clear_rseq_cs(Rseq { addr, sig });
    // rseq_set_notify_resume: the CPU number is written on the way out.
    NOTIFY.store(true, Ordering::Relaxed);
    Ok(())
}
