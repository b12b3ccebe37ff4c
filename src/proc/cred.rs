//! Credentials: who a process is (Linux's `struct cred`, with its capability sets).
//!
//! A [`Cred`] is immutable and shared through an `Arc`: fork shares the parent's, and every
//! change (setuid and friends) builds a new one and replaces the task's whole (Linux's
//! `prepare_creds`/`commit_creds`), so a reader never sees half a change. Root (every id 0)
//! is where init starts; exec applies the file's set-user-ID and set-group-ID bits
//! ([`for_exec`], the rules in [`vmcore::setid`]).
//!
//! **Capabilities** are Linux's three sets (effective, permitted, inheritable; 41 bits as in
//! 6.1), changed by `capset` and by Linux's rules for a change of uids
//! (`cap_emulate_setxuid`, [`Cred::fix_caps_after_setuid`]): losing every uid 0 clears the
//! permitted and effective sets, leaving euid 0 clears the effective set, gaining it back
//! raises the effective set to the permitted one. Exec (no file capabilities) gives root
//! (uid or euid 0, a set-uid-root file included) the full permitted set, effective when euid
//! is 0, and everyone else none. A change of effective or fs ids, or new permitted
//! capabilities, makes the process non-dumpable (Linux's `commit_creds`, `suid_dumpable` 0).
//! Permission checks ask for one capability ([`Cred::capable`]).

use super::task::Task;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::errno::Errno;
use vmcore::setid::{self, ExecCreds, FileOwner, Ids, Unsafe};

/// A user or group id.
pub type Id = u32;

/// "Leave unchanged" in the set*id calls: `(uid_t)-1`, which is never a valid id.
pub const NO_ID: Id = u32::MAX;

/// Most supplementary groups (Linux's `NGROUPS_MAX`).
pub const NGROUPS_MAX: usize = 65_536;

/// One process's identity.
#[derive(Debug, PartialEq, Eq)]
pub struct Cred {
    /// Real, effective, saved and file-system user ids.
    pub uid: Id,
    /// Effective uid: what permission checks use.
    pub euid: Id,
    /// Saved set-user-id.
    pub suid: Id,
    /// File-system uid (follows euid unless setfsuid changed it).
    pub fsuid: Id,
    /// Real group id.
    pub gid: Id,
    /// Effective gid.
    pub egid: Id,
    /// Saved set-group-id.
    pub sgid: Id,
    /// File-system gid.
    pub fsgid: Id,
    /// Supplementary groups, sorted (Linux sorts them in setgroups).
    pub groups: Vec<Id>,
    /// `prctl(PR_SET_NO_NEW_PRIVS)`: exec may never grant privileges again; inherited by
    /// fork and kept by exec, never cleared (Linux keeps it in the task's flags; it lives as
    /// long as the credentials here and follows the same inheritance).
    pub no_new_privs: bool,
    /// Effective capabilities: what checks use (bit `CAP_*`).
    pub cap_effective: u64,
    /// Permitted capabilities: what the effective set may hold.
    pub cap_permitted: u64,
    /// Inheritable capabilities (kept across exec for file capabilities; none here).
    pub cap_inheritable: u64,
}

/// Every capability Linux 6.1 knows (`CAP_LAST_CAP` is 40).
pub const CAP_FULL: u64 = setid::CAP_FULL;
/// Send signals to any process.
pub const CAP_KILL: u32 = 5;
/// Change group ids.
pub const CAP_SETGID: u32 = 6;
/// Change user ids.
pub const CAP_SETUID: u32 = 7;
/// Lock memory (mlock, mlockall, MAP_LOCKED) beyond RLIMIT_MEMLOCK.
pub const CAP_IPC_LOCK: u32 = 14;
/// process_vm_readv/writev and /proc access to others' memory.
pub const CAP_SYS_PTRACE: u32 = 19;
/// Administration: mount, sethostname, pagemap PFNs, ...
pub const CAP_SYS_ADMIN: u32 = 21;
/// Raise hard resource limits, exceed RLIMIT_NPROC.
pub const CAP_SYS_RESOURCE: u32 = 24;
/// The capabilities a change of fsuid from 0 drops (Linux's `CAP_FS_MASK`: CHOWN,
/// DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, LINUX_IMMUTABLE, MAC_OVERRIDE, MKNOD).
const CAP_FS_MASK: u64 = 0x1f | (1 << 9) | (1 << 32) | (1 << 27);

/// Init's credentials, shared by every task until one changes its own.
static ROOT: spin::LazyLock<Arc<Cred>> = spin::LazyLock::new(|| {
    Arc::new(Cred { uid: 0, euid: 0, suid: 0, fsuid: 0, gid: 0, egid: 0, sgid: 0, fsgid: 0, groups: Vec::new(), no_new_privs: false, cap_effective: CAP_FULL, cap_permitted: CAP_FULL, cap_inheritable: 0 })
});

impl Cred {
    /// Root: every id 0, no supplementary groups.
    pub fn root() -> Arc<Cred> {
        ROOT.clone()
    }

    /// Whether capability `cap` (`CAP_*`) is in the effective set (Linux's `capable`).
    pub const fn capable(&self, cap: u32) -> bool {
        self.cap_effective & (1 << cap) != 0
    }

    /// Linux's `cap_emulate_setxuid` and the fsuid rule, after a set*uid call took this
    /// credential from `old`'s uids to its own.
    pub fn fix_caps_after_setuid(&mut self, old: &Cred) {
        let had_root = old.uid == 0 || old.euid == 0 || old.suid == 0;
        let has_root = self.uid == 0 || self.euid == 0 || self.suid == 0;
        if had_root && !has_root {
            self.cap_permitted = 0;
            self.cap_effective = 0;
        }
        if old.euid == 0 && self.euid != 0 {
            self.cap_effective = 0;
        }
        if old.euid != 0 && self.euid == 0 {
            self.cap_effective = self.cap_permitted;
        }
        if old.fsuid == 0 && self.fsuid != 0 {
            self.cap_effective &= !CAP_FS_MASK;
        } else if old.fsuid != 0 && self.fsuid == 0 {
            self.cap_effective |= self.cap_permitted & CAP_FS_MASK;
        }
    }

    /// The ids and capability sets, as [`vmcore::setid`] computes with them.
    pub const fn ids(&self) -> Ids {
        Ids {
            uid: [self.uid, self.euid, self.suid, self.fsuid],
            gid: [self.gid, self.egid, self.sgid, self.fsgid],
            cap_effective: self.cap_effective,
            cap_permitted: self.cap_permitted,
            cap_inheritable: self.cap_inheritable,
        }
    }

    /// Takes the ids and capability sets of `ids`.
    pub fn set_ids(&mut self, ids: &Ids) {
        [self.uid, self.euid, self.suid, self.fsuid] = ids.uid;
        [self.gid, self.egid, self.sgid, self.fsgid] = ids.gid;
        (self.cap_effective, self.cap_permitted, self.cap_inheritable) = (ids.cap_effective, ids.cap_permitted, ids.cap_inheritable);
    }

    /// A copy to change (Linux's `prepare_creds`); ENOMEM/EAGAIN when the heap is full.
    pub fn prepare(&self) -> Result<Cred, Errno> {
        let mut groups = Vec::new();
        crate::mm::inject::fallible(|| groups.try_reserve_exact(self.groups.len())).map_err(|_| Errno::ENOMEM)?;
        groups.extend_from_slice(&self.groups);
        Ok(Cred { groups, ..*self })
    }
}

impl Clone for Cred {
    fn clone(&self) -> Self {
        Cred { groups: self.groups.clone(), ..*self }
    }
}

/// The running task's credentials.
pub fn current() -> Arc<Cred> {
    super::current().cred.lock().clone()
}

/// Installs `new` as the running task's credentials (Linux's `commit_creds`).
pub fn commit(new: Cred) -> Result<(), Errno> {
    let new = crate::mm::inject::fallible(|| Arc::try_new(new)).map_err(|_| Errno::ENOMEM)?;
    // A new real uid takes over the task's charge (RLIMIT_NPROC's count, `super::usercount`).
    let old = current();
    let old_uid = old.uid;
    let moved = new.uid != old_uid;
    if moved {
        super::usercount::charge(new.uid)?;
    }
    if setid::loses_dumpable(&old.ids(), &new.ids()) {
        if let Some(space) = super::current_aspace() {
            space.set_dumpable(false);
        }
    }
    install(new);
    if moved {
        super::usercount::uncharge(old_uid);
    }
    Ok(())
}

/// `task`'s credentials.
pub fn of(task: &Task) -> Arc<Cred> {
    task.cred.lock().clone()
}

/// What exec does to the caller's credentials (from [`for_exec`]).
pub struct ForExec {
    /// The new credentials; `None` when they are the old ones.
    pub cred: Option<Arc<Cred>>,
    /// The rest of Linux's answer: `AT_SECURE`, the personality bits to clear, dumpability.
    pub outcome: ExecCreds,
}

/// The credentials exec of a file owned by `file` by a process with `old` ones gives the new
/// image ([`vmcore::setid`]: set-user-ID and set-group-ID bits, capabilities, no_new_privs).
/// Allocated before exec's point of no return; [`install`] it after.
pub fn for_exec(old: &Cred, file: FileOwner) -> Result<ForExec, Errno> {
    let unsafe_ = Unsafe { no_new_privs: old.no_new_privs, shared_fs: false };
    let outcome = setid::exec_creds(&old.ids(), file, unsafe_);
    if outcome.ids == old.ids() {
        return Ok(ForExec { cred: None, outcome });
    }
    let mut new = old.prepare()?;
    new.set_ids(&outcome.ids);
    let cred = crate::mm::inject::fallible(|| Arc::try_new(new)).map_err(|_| Errno::ENOMEM)?;
    Ok(ForExec { cred: Some(cred), outcome })
}

/// Installs credentials prepared earlier as the running task's (with the real uid unchanged,
/// or its task count moved by [`commit`]).
pub fn install(new: Arc<Cred>) {
    let old = core::mem::replace(&mut *super::current().cred.lock(), new);
    drop(old); // outside the lock
}

/// Whether a process with `sender`'s credentials may signal one with `target`'s (Linux's
/// `kill_ok_by_cred`): the sender's real or effective uid is the target's real or saved uid,
/// or the sender holds `CAP_KILL`.
pub fn may_signal(sender: &Cred, target: &Cred) -> bool {
    let theirs = [target.uid, target.suid];
    sender.capable(CAP_KILL) || theirs.contains(&sender.euid) || theirs.contains(&sender.uid)
}
