//! process_vm_readv (347) and process_vm_writev (348), as Linux 6.1's `mm/process_vm_access.c`:
//! bytes move between the caller's local iovecs and another process's remote iovecs, page by
//! page. Each remote page is faulted in *in the target's space* as the access would be (a write
//! breaks copy-on-write there) and pinned (`vmcore::mspace::MSpace::pin_page`); the target's
//! lock is dropped before the caller's memory is touched, through the kernel's temporary
//! mapping of the pinned frame. The result is the number of bytes moved, or the error when
//! nothing moved (a partial transfer stops at the first remote page that cannot be reached).

use super::uptr::UserPtr;
use super::SysResult;
use crate::arch::usercopy;
use crate::mm::tempmap::TempMap;
use crate::proc::{cred, sched};
use alloc::vec::Vec;
use vmcore::addr::{VirtAddr, PAGE_SIZE};
use vmcore::errno::Errno;
use vmcore::layout::USER_END;
use vmcore::mspace::PinError;

/// Linux's `UIO_MAXIOV`.
const UIO_MAXIOV: u32 = 1024;
/// Linux's `MAX_RW_COUNT` (INT_MAX rounded down to a page).
const MAX_RW_COUNT: u32 = 0x7FFF_F000;

/// Reads `count` iovecs (`{base, len}` pairs) from `at`.
fn read_iovecs(at: u32, count: u32) -> Result<Vec<(u32, u32)>, Errno> {
    let mut v = Vec::new();
    v.try_reserve_exact(count as usize).map_err(|_| Errno::ENOMEM)?;
    for i in 0..count {
        let [base, len] = UserPtr::<[u32; 2]>::new(at.wrapping_add(i * 8)).read()?;
        v.push((base, len));
    }
    Ok(v)
}

/// process_vm_readv.
pub fn process_vm_readv(pid: i32, local: u32, liovcnt: u32, remote: u32, riovcnt: u32, flags: u32) -> SysResult {
    process_vm_rw(pid, local, liovcnt, remote, riovcnt, flags, false)
}

/// process_vm_writev.
pub fn process_vm_writev(pid: i32, local: u32, liovcnt: u32, remote: u32, riovcnt: u32, flags: u32) -> SysResult {
    process_vm_rw(pid, local, liovcnt, remote, riovcnt, flags, true)
}

fn process_vm_rw(pid: i32, local: u32, liovcnt: u32, remote: u32, riovcnt: u32, flags: u32, write: bool) -> SysResult {
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    if liovcnt > UIO_MAXIOV || riovcnt > UIO_MAXIOV {
        return Err(Errno::EINVAL);
    }
    // import_iovec: the local vector, every segment within user space, the total clamped.
    let locals = read_iovecs(local, liovcnt)?;
    let mut total: u32 = 0;
    for &(base, len) in &locals {
        if len > i32::MAX as u32 {
            return Err(Errno::EINVAL);
        }
        if base.checked_add(len).is_none_or(|e| e > USER_END) && len != 0 {
            return Err(Errno::EFAULT);
        }
        total = total.saturating_add(len).min(MAX_RW_COUNT);
    }
    // The remote vector: lengths checked, addresses not (a bad one is a partial transfer).
    let remotes = read_iovecs(remote, riovcnt)?;
    let mut rtotal: u64 = 0;
    for &(_, len) in &remotes {
        if len > i32::MAX as u32 {
            return Err(Errno::EINVAL);
        }
        rtotal += u64::from(len);
    }
    if total == 0 || rtotal == 0 {
        return Ok(0);
    }
    let target = sched::with(|s| s.tasks.get(&(pid as u32)).filter(|t| t.pid() != 0).cloned())
        .filter(|_| pid > 0)
        .ok_or(Errno::ESRCH)?;
    // ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS): the caller's real ids are all of the
    // target's, or CAP_SYS_PTRACE.
    let (me, them) = (cred::current(), cred::of(&target));
    let same = [them.uid, them.euid, them.suid].iter().all(|&u| u == me.uid)
        && [them.gid, them.egid, them.sgid].iter().all(|&g| g == me.gid);
    if !same && !me.capable(crate::proc::cred::CAP_SYS_PTRACE) {
        return Err(Errno::EPERM);
    }
    let space = target.inner.lock().aspace.clone().ok_or(Errno::ESRCH)?;
    let mut moved: u32 = 0;
    let (mut li, mut loff) = (0usize, 0u32);
    let mut page_buf: Vec<u8> = Vec::new();
    page_buf.try_reserve_exact(PAGE_SIZE as usize).map_err(|_| Errno::ENOMEM)?;
    page_buf.resize(PAGE_SIZE as usize, 0);
    'remote: for &(rbase, rlen) in &remotes {
        let mut roff = 0u32;
        while roff < rlen {
            // Skip exhausted local segments.
            while li < locals.len() && loff == locals[li].1 {
                li += 1;
                loff = 0;
            }
            if li == locals.len() || moved >= total {
                break 'remote;
            }
            let raddr = rbase.wrapping_add(roff);
            let in_page = PAGE_SIZE - raddr % PAGE_SIZE;
            let n = in_page.min(rlen - roff).min(locals[li].1 - loff);
            if raddr >= USER_END || rbase.checked_add(roff).is_none() {
                break 'remote;
            }
            let pinned = space.edit(|s, t, p| {
                let (flush, r) = s.pin_page(VirtAddr::new(raddr), write, t, p);
                (r, Some(flush))
            });
            let pinned = match pinned {
                Ok(pin) => pin,
                Err(PinError::OutOfMemory) if moved == 0 => return Err(Errno::ENOMEM),
                Err(_) => break 'remote,
            };
            let off = (raddr % PAGE_SIZE) as usize;
            let laddr = locals[li].0 + loff;
            let buf = &mut page_buf[..n as usize];
            let copied = if write {
                let r = usercopy::copy_from_user(buf, laddr);
                if r.is_ok() {
                    TempMap::new(pinned.frame).bytes()[off..off + n as usize].copy_from_slice(buf);
                }
                r
            } else {
                buf.copy_from_slice(&TempMap::new(pinned.frame).bytes()[off..off + n as usize]);
                usercopy::copy_to_user(laddr, buf)
            };
            pinned.release(&mut crate::mm::phys::KernelPhys);
            if copied.is_err() {
                if moved == 0 {
                    return Err(Errno::EFAULT);
                }
                break 'remote;
            }
            moved += n;
            roff += n;
            loff += n;
        }
    }
    if moved == 0 {
        return Err(Errno::EFAULT);
    }
    Ok(moved)
}
