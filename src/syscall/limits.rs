//! Resource-limit system calls (getrlimit, ugetrlimit, setrlimit, prlimit64) and the
//! `RLIMIT_MEMLOCK` checks of the locking calls, as Linux 6.1 (`kernel/sys.c`, `mm/mlock.c`).

use super::uptr::UserPtr;
use super::SysResult;
use crate::mm::aspace::AddressSpace;
use crate::proc::cred::{self, Cred};
use crate::proc::limits::{RLimit, RLIMIT_AS, RLIMIT_DATA, RLIMIT_MEMLOCK, RLIMIT_STACK, RLIM_INFINITY};
use crate::proc::task::Task;
use crate::proc::{self, sched};
use alloc::sync::Arc;
use vmcore::addr::{Page, PAGE_SHIFT};
use vmcore::errno::Errno;

/// Linux's `do_prlimit` on `task`: sets `resource` to `new` if given (with the checks of
/// [`RLimits::set`](crate::proc::limits::RLimits::set)) and returns the old value. A change of
/// a limit the VM enforces reaches the task's address space at once.
fn do_prlimit(task: &Task, resource: u32, new: Option<RLimit>) -> Result<RLimit, Errno> {
    let me = cred::current(); // before the limits lock: it takes the scheduler's
    let (old, vm) = {
        let mut limits = task.limits().lock();
        let old = match new {
            Some(n) => limits.set(resource, n, &me)?,
            None => limits.get(resource)?,
        };
        (old, limits.vm())
    };
    if new.is_some() && matches!(resource, RLIMIT_AS | RLIMIT_DATA | RLIMIT_STACK) {
        let space = task.inner.lock().aspace.clone();
        if let Some(space) = space {
            space.edit(|s, _, _| (s.set_limits(vm), None));
        }
    }
    Ok(old)
}

/// getrlimit (76, Linux's `old_getrlimit`): values above 0x7FFFFFFF, infinity included, are
/// reported as 0x7FFFFFFF.
pub fn old_getrlimit(resource: u32, out: UserPtr<[u32; 2]>) -> SysResult {
    let l = do_prlimit(&proc::current(), resource, None)?;
    out.write([l.cur.min(0x7FFF_FFFF), l.max.min(0x7FFF_FFFF)])?;
    Ok(0)
}

/// ugetrlimit (191): the 32-bit values, `RLIM_INFINITY` as `!0`.
pub fn ugetrlimit(resource: u32, out: UserPtr<[u32; 2]>) -> SysResult {
    let l = do_prlimit(&proc::current(), resource, None)?;
    out.write([l.cur, l.max])?;
    Ok(0)
}

/// setrlimit (75): the new value is read first (EFAULT before EINVAL, as Linux).
pub fn setrlimit(resource: u32, new: UserPtr<[u32; 2]>) -> SysResult {
    let [cur, max] = new.read()?;
    do_prlimit(&proc::current(), resource, Some(RLimit { cur, max }))?;
    Ok(0)
}

/// Linux's `rlim64_to_rlim`: 64-bit values at or above the 32-bit infinity become infinity.
fn from64(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(RLIM_INFINITY)
}

/// Linux's `rlim_to_rlim64`: infinity becomes `RLIM64_INFINITY`.
fn to64(v: u32) -> u64 {
    if v == RLIM_INFINITY { u64::MAX } else { u64::from(v) }
}

/// Linux's `check_prlimit_permission`: another process's limits need the caller's real uid to
/// be its real, effective and saved uid and the caller's real gid its three gids, or
/// `CAP_SYS_RESOURCE`.
fn may_prlimit(me: &Cred, target: &Cred) -> bool {
    let ids = [target.uid, target.euid, target.suid].iter().all(|&u| u == me.uid)
        && [target.gid, target.egid, target.sgid].iter().all(|&g| g == me.gid);
    ids || me.capable(cred::CAP_SYS_RESOURCE)
}

/// prlimit64 (340): gets and/or sets a limit of process `pid` (0: the caller) in 64-bit form.
pub fn prlimit64(pid: i32, resource: u32, new: UserPtr<[u32; 4]>, old: UserPtr<[u32; 4]>) -> SysResult {
    let new = if new.is_null() {
        None
    } else {
        let [cl, ch, ml, mh] = new.read()?;
        let v = |lo: u32, hi: u32| from64(u64::from(hi) << 32 | u64::from(lo));
        Some(RLimit { cur: v(cl, ch), max: v(ml, mh) })
    };
    let me = proc::current();
    let task: Arc<Task> = if pid == 0 || pid as u32 == me.pid() {
        me
    } else {
        let found = sched::with(|s| s.tasks.get(&(pid as u32)).filter(|t| t.pid() != 0).cloned());
        let task = found.filter(|_| pid > 0).ok_or(Errno::ESRCH)?;
        if !may_prlimit(&cred::current(), &cred::of(&task)) {
            return Err(Errno::EPERM);
        }
        task
    };
    let was = do_prlimit(&task, resource, new)?;
    if !old.is_null() {
        let (c, m) = (to64(was.cur), to64(was.max));
        old.write([c as u32, (c >> 32) as u32, m as u32, (m >> 32) as u32])?;
    }
    Ok(0)
}

/// The soft `RLIMIT_MEMLOCK` in pages, `None` when the caller may lock without limit (root:
/// `CAP_IPC_LOCK`). EPERM when it is 0 for an unprivileged caller (Linux's `can_do_mlock`).
fn lock_limit() -> Result<Option<u32>, Errno> {
    let limit = proc::limits::current_cur(RLIMIT_MEMLOCK);
    if cred::current().capable(cred::CAP_IPC_LOCK) {
        return Ok(None);
    }
    if limit == 0 {
        return Err(Errno::EPERM);
    }
    Ok(Some(limit >> PAGE_SHIFT))
}

/// mlock's checks (Linux's `do_mlock`): EPERM as [`lock_limit`], ENOMEM when the locked pages
/// would pass the limit (pages of the range already locked do not count twice).
pub fn check_mlock(space: &AddressSpace, start: Page, pages: u32) -> Result<(), Errno> {
    let Some(limit) = lock_limit()? else { return Ok(()) };
    let locked = space.read(|s| u64::from(s.locked_pages()) + u64::from(pages) - u64::from(s.locked_pages_in(start, pages)));
    if locked > u64::from(limit) {
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

/// The part of mlock's checks that comes before anything else: EPERM at a zero limit.
pub fn check_can_mlock() -> Result<(), Errno> {
    lock_limit().map(|_| ())
}

/// mlockall's checks: EPERM as [`lock_limit`]; with MCL_CURRENT, ENOMEM when the whole space
/// is larger than the limit.
pub fn check_mlockall(space: &AddressSpace, current: bool) -> Result<(), Errno> {
    let Some(limit) = lock_limit()? else { return Ok(()) };
    if current && space.read(|s| s.tree().total_pages()) > limit {
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

/// A locked mapping's checks (mmap with MAP_LOCKED or under mlockall(MCL_FUTURE), Linux's
/// `mlock_future_check`): EAGAIN when `pages` more locked pages would pass the limit.
pub fn check_lock_future(space: &AddressSpace, pages: u32) -> Result<(), Errno> {
    let limit = proc::limits::current_cur(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
    if cred::current().capable(cred::CAP_IPC_LOCK) {
        return Ok(());
    }
    if u64::from(space.read(|s| s.locked_pages())) + u64::from(pages) > u64::from(limit) {
        return Err(Errno::EAGAIN);
    }
    Ok(())
}
