//! Credentials: who a process is (Linux's `struct cred`, with its capability sets).
//!
//! A [`Cred`] is immutable and shared through an `Arc`: fork shares the parent's, and every
//! change (setuid and friends) builds a new one and replaces the task's whole (Linux's
//! `prepare_creds`/`commit_creds`), so a reader never sees half a change. Root (every id 0)
//! is where init starts; exec keeps the credentials (no set-uid files yet).
//!
//! **Capabilities** are Linux's three sets (effective, permitted, inheritable; 41 bits as in
//! 6.1), changed by `capset` and by Linux's rules for a change of uids
//! (`cap_emulate_setxuid`, [`Cred::fix_caps_after_setuid`]): losing every uid 0 clears the
//! permitted and effective sets, leaving euid 0 clears the effective set, gaining it back
//! raises the effective set to the permitted one. Exec (no file capabilities) gives root
//! (uid or euid 0) the full permitted set, effective when euid is 0, and everyone else none.
//! Permission checks ask for one capability ([`Cred::capable`]).

use super::task::Task;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::errno::Errno;

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
pub const CAP_FULL: u64 = (1 << 41) - 1;
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

    /// The capabilities after exec of a file without file capabilities (Linux's
    /// `cap_bprm_creds_from_file`): root gets the full permitted set, effective if euid is 0;
    /// anyone else none.
    pub fn caps_for_exec(&mut self) {
        if self.uid == 0 || self.euid == 0 {
            self.cap_permitted = CAP_FULL;
            self.cap_effective = if self.euid == 0 { CAP_FULL } else { 0 };
        } else {
            self.cap_permitted = 0;
            self.cap_effective = 0;
        }
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
    let old_uid = current().uid;
    let moved = new.uid != old_uid;
    if moved {
        super::usercount::charge(new.uid)?;
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

/// The credentials exec gives the new image (Linux's `cap_bprm_creds_from_file` for a file
/// without set-id bits or file capabilities): the saved and fs ids become the effective ones,
/// the capabilities follow [`Cred::caps_for_exec`]. `None` when nothing
/// changes. Allocated before exec's point of no return; [`install`] it after.
pub fn for_exec() -> Result<Option<Arc<Cred>>, Errno> {
    let old = current();
    let mut caps = Cred { groups: Vec::new(), ..*old };
    caps.caps_for_exec();
    let same_caps = (caps.cap_effective, caps.cap_permitted) == (old.cap_effective, old.cap_permitted);
    if same_caps && old.suid == old.euid && old.fsuid == old.euid && old.sgid == old.egid && old.fsgid == old.egid {
        return Ok(None);
    }
    let mut new = old.prepare()?;
    (new.suid, new.fsuid, new.sgid, new.fsgid) = (old.euid, old.euid, old.egid, old.egid);
    new.caps_for_exec();
    crate::mm::inject::fallible(|| Arc::try_new(new)).map(Some).map_err(|_| Errno::ENOMEM)
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
