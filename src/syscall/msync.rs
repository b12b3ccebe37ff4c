//! `msync`(144): Linux's flag, alignment, hole and lock checks (`vmcore::mspace::msync`).
//! The page cache is memory only (tmpfs, shmem, initrd files), so there is nothing to write
//! back: `MS_SYNC` and `MS_ASYNC` succeed once the checks pass (Linux's `noop_fsync`), and
//! `MS_INVALIDATE` has nothing to invalidate, since every mapping shares the cache's frames.

use super::SysResult;
use crate::proc;
use vmcore::errno::Errno;

/// msync(addr, len, flags).
pub fn msync(addr: u32, len: u32, flags: u32) -> SysResult {
    let space = proc::current_aspace().ok_or(Errno::EINVAL)?;
    space.read(|s| s.msync(addr, len, flags))?;
    Ok(0)
}
