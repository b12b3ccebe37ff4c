//! Process groups and sessions: `setpgid` (57), `getpgrp` (65), `setsid` (66), `getpgid`
//! (132), `getsid` (147). The rules are `proc::pgrp`'s.

use super::SysResult;
use crate::proc::pgrp;

/// setpgid: moves process `pid` (0: the caller) to group `pgid` (0: its own pid).
pub fn setpgid(pid: i32, pgid: i32) -> SysResult {
    pgrp::setpgid(pid, pgid).map(|()| 0)
}

/// getpgid: the process group of task `pid` (0: the caller).
pub fn getpgid(pid: i32) -> SysResult {
    if pid < 0 {
        return Err(vmcore::errno::Errno::ESRCH);
    }
    pgrp::getpgid(pid as u32)
}

/// getpgrp: the caller's process group.
pub fn getpgrp() -> SysResult {
    Ok(pgrp::current_pgrp())
}

/// getsid: the session of task `pid` (0: the caller).
pub fn getsid(pid: i32) -> SysResult {
    if pid < 0 {
        return Err(vmcore::errno::Errno::ESRCH);
    }
    pgrp::getsid(pid as u32)
}

/// setsid: the caller leads a new session; returns its id.
pub fn setsid() -> SysResult {
    pgrp::setsid()
}
