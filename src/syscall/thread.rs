//! Per-thread calls glibc makes at start-up: `gettid` (224), `set_tid_address` (258),
//! `set_robust_list`/`get_robust_list` (311/312) and `rseq` (386).

use super::uptr::UserPtr;
use super::SysResult;
use crate::proc::{self, robust, rseq, sched, uaddrs};
use vmcore::errno::Errno;

/// gettid: the task's id (one thread per process: its pid).
pub fn gettid() -> SysResult {
    Ok(proc::current_pid())
}

/// set_tid_address: remembers `tidptr` as `clear_child_tid`; returns the tid.
pub fn set_tid_address(tidptr: u32) -> SysResult {
    uaddrs::with_current(|t| t.addrs.clear_child_tid = tidptr);
    Ok(proc::current_pid())
}

/// set_robust_list: remembers the list head; the length must be i386's
/// `sizeof(struct robust_list_head)`, 12.
pub fn set_robust_list(head: u32, len: u32) -> SysResult {
    if len != robust::ROBUST_LIST_HEAD_SIZE {
        return Err(Errno::EINVAL);
    }
    uaddrs::with_current(|t| t.addrs.robust_list = head);
    Ok(0)
}

/// get_robust_list: the head registered by task `pid` (0: the caller) and its length.
/// Everyone is root here, so Linux's ptrace access check always passes.
pub fn get_robust_list(pid: i32, head_ptr: UserPtr<u32>, len_ptr: UserPtr<u32>) -> SysResult {
    let head = if pid == 0 {
        uaddrs::with_current(|t| t.addrs.robust_list)
    } else {
        let task = u32::try_from(pid).ok().and_then(|p| sched::with(|s| s.tasks.get(&p).filter(|t| t.pid != 0).cloned()));
        let task = task.ok_or(Errno::ESRCH)?;
        let head = task.inner.lock().thread.addrs.robust_list;
        head
    };
    len_ptr.write(robust::ROBUST_LIST_HEAD_SIZE)?;
    head_ptr.write(head)?;
    Ok(0)
}

/// rseq: registers or unregisters the thread's rseq area.
pub fn rseq(addr: u32, len: u32, flags: u32, sig: u32) -> SysResult {
    rseq::rseq(addr, len, flags, sig).map(|()| 0)
}
