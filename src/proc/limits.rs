//! Resource limits (Linux's `signal->rlim`): per process, copied by fork, kept by exec.
//!
//! Values are i386 Linux's `unsigned long`s: 32 bits, [`RLIM_INFINITY`] = `!0` for "none"
//! (`prlimit64`'s 64-bit values are converted as Linux's `rlim64_to_rlim` does). The limits
//! the VM enforces (`RLIMIT_AS`, `RLIMIT_DATA`, `RLIMIT_STACK`) are also handed to the
//! address space ([`RLimits::vm`]) whenever they change; the others are checked where their
//! resource is taken: `RLIMIT_NOFILE` by the descriptor table, `RLIMIT_NPROC` by fork,
//! `RLIMIT_MEMLOCK` by mlock/mlockall/mmap. `RLIMIT_CORE` and `RLIMIT_FSIZE` are stored and
//! reported (no core files, no writable files yet).

use super::cred::Cred;
use super::task::Task;
use vmcore::errno::Errno;
pub use vmcore::mspace::RLIM_INFINITY;
use vmcore::mspace::VmLimits;

/// The resources, Linux's numbering.
pub const RLIMIT_CPU: u32 = 0;
/// Largest file a process may write.
pub const RLIMIT_FSIZE: u32 = 1;
/// Data areas (private writable mappings, brk).
pub const RLIMIT_DATA: u32 = 2;
/// A growable stack's size.
pub const RLIMIT_STACK: u32 = 3;
/// Core file size.
pub const RLIMIT_CORE: u32 = 4;
/// Resident set (not enforced by Linux either).
pub const RLIMIT_RSS: u32 = 5;
/// Tasks per real uid.
pub const RLIMIT_NPROC: u32 = 6;
/// Open descriptors (one more than the highest fd).
pub const RLIMIT_NOFILE: u32 = 7;
/// Locked memory.
pub const RLIMIT_MEMLOCK: u32 = 8;
/// Address space.
pub const RLIMIT_AS: u32 = 9;
/// File locks.
pub const RLIMIT_LOCKS: u32 = 10;
/// Queued signals.
pub const RLIMIT_SIGPENDING: u32 = 11;
/// POSIX message-queue bytes.
pub const RLIMIT_MSGQUEUE: u32 = 12;
/// Nice ceiling.
pub const RLIMIT_NICE: u32 = 13;
/// Real-time priority ceiling.
pub const RLIMIT_RTPRIO: u32 = 14;
/// Real-time CPU time.
pub const RLIMIT_RTTIME: u32 = 15;
/// Number of resources (`RLIM_NLIMITS`).
pub const RLIM_NLIMITS: usize = 16;

/// Linux's `sysctl_nr_open` default: the highest `RLIMIT_NOFILE` hard limit.
pub const NR_OPEN: u32 = 1_048_576;

/// One limit: the soft value enforced and the hard ceiling for the soft one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RLimit {
    /// Soft limit.
    pub cur: u32,
    /// Hard limit.
    pub max: u32,
}

/// Every limit of one process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RLimits([RLimit; RLIM_NLIMITS]);

const INF: RLimit = RLimit { cur: RLIM_INFINITY, max: RLIM_INFINITY };

impl RLimits {
    /// What Linux 6.1 gives init (`INIT_RLIMITS`, then `fork_init`'s `RLIMIT_NPROC` and
    /// `RLIMIT_SIGPENDING` of half of `max_threads`).
    pub fn init_defaults() -> RLimits {
        let mut l = [INF; RLIM_NLIMITS];
        for unlimited in [RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_RSS, RLIMIT_AS, RLIMIT_LOCKS, RLIMIT_RTTIME] {
            l[unlimited as usize] = INF;
        }
        l[RLIMIT_STACK as usize] = RLimit { cur: 8 * 1024 * 1024, max: RLIM_INFINITY };
        l[RLIMIT_CORE as usize] = RLimit { cur: 0, max: RLIM_INFINITY };
        l[RLIMIT_NOFILE as usize] = RLimit { cur: 1024, max: 4096 };
        l[RLIMIT_MEMLOCK as usize] = RLimit { cur: 8 * 1024 * 1024, max: 8 * 1024 * 1024 };
        let tasks = super::tasklimit::max_threads() / 2;
        l[RLIMIT_NPROC as usize] = RLimit { cur: tasks, max: tasks };
        l[RLIMIT_SIGPENDING as usize] = RLimit { cur: tasks, max: tasks };
        l[RLIMIT_MSGQUEUE as usize] = RLimit { cur: 819_200, max: 819_200 };
        l[RLIMIT_NICE as usize] = RLimit { cur: 0, max: 0 };
        l[RLIMIT_RTPRIO as usize] = RLimit { cur: 0, max: 0 };
        RLimits(l)
    }

    /// Limit `resource` (EINVAL for an unknown one).
    pub fn get(&self, resource: u32) -> Result<RLimit, Errno> {
        self.0.get(resource as usize).copied().ok_or(Errno::EINVAL)
    }

    /// The soft limit of `resource` (a known one).
    pub fn cur(&self, resource: u32) -> u32 {
        self.0[resource as usize].cur
    }

    /// What the address space enforces.
    pub fn vm(&self) -> VmLimits {
        let data = self.0[RLIMIT_DATA as usize];
        VmLimits {
            stack: self.cur(RLIMIT_STACK),
            as_: self.cur(RLIMIT_AS),
            data: data.cur,
            data_max: data.max,
        }
    }

    /// A secure exec's stack limit (Linux's `finalize_exec`): a soft `RLIMIT_STACK` above
    /// 8 MiB becomes 8 MiB ([`vmcore::setid::exec_stack_limit`]).
    pub fn for_secure_exec(&mut self) {
        let stack = &mut self.0[RLIMIT_STACK as usize];
        stack.cur = vmcore::setid::exec_stack_limit(stack.cur, true);
    }

    /// Linux's `do_prlimit` checks for setting `resource` to `new` by a process with `cred`:
    /// EINVAL for an unknown resource or soft above hard, EPERM for a `RLIMIT_NOFILE` hard
    /// limit above `nr_open` or for raising a hard limit without `CAP_SYS_RESOURCE`.
    /// Returns the old value.
    pub fn set(&mut self, resource: u32, new: RLimit, cred: &Cred) -> Result<RLimit, Errno> {
        let old = self.get(resource)?;
        if new.cur > new.max {
            return Err(Errno::EINVAL);
        }
        if resource == RLIMIT_NOFILE && new.max > NR_OPEN {
            return Err(Errno::EPERM);
        }
        if new.max > old.max && !cred.capable(super::cred::CAP_SYS_RESOURCE) {
            return Err(Errno::EPERM);
        }
        self.0[resource as usize] = new;
        Ok(old)
    }
}

/// `task`'s limits.
pub fn of(task: &Task) -> RLimits {
    *task.limits().lock()
}

/// The running task's soft limit of `resource` (a known one).
pub fn current_cur(resource: u32) -> u32 {
    super::current().limits().lock().cur(resource)
}

/// Linux's fork check: EAGAIN when the real user already has `RLIMIT_NPROC` tasks (zombies
/// included, as until they are reaped), unless the user is root or the caller holds
/// `CAP_SYS_RESOURCE`.
pub fn check_nproc(task: &Task) -> Result<(), Errno> {
    let cred = super::cred::of(task);
    if cred.uid == 0 || cred.capable(super::cred::CAP_SYS_RESOURCE) || cred.capable(super::cred::CAP_SYS_ADMIN) {
        return Ok(());
    }
    let limit = task.limits().lock().cur(RLIMIT_NPROC);
    if u64::from(super::usercount::tasks_of(cred.uid)) >= u64::from(limit) {
        return Err(Errno::EAGAIN);
    }
    Ok(())
}
