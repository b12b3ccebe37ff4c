//! Credentials: who a process is (Linux's `struct cred`, without capability sets).
//!
//! A [`Cred`] is immutable and shared through an `Arc`: fork shares the parent's, and every
//! change (setuid and friends) builds a new one and replaces the task's whole (Linux's
//! `prepare_creds`/`commit_creds`), so a reader never sees half a change. Root (every id 0)
//! is where init starts; exec keeps the credentials (no set-uid files yet).
//!
//! Capabilities are not modelled as sets: `CAP_SETUID`, `CAP_SETGID`, `CAP_SYS_RESOURCE`,
//! `CAP_IPC_LOCK` are held exactly when the effective uid is 0 ([`Cred::capable`]), which is
//! what Linux's rules for set*uid give a process that started as root (the effective set
//! follows euid 0; the permitted set is lost once no id is 0 any more, and then euid can
//! never become 0 again).

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
}

/// Init's credentials, shared by every task until one changes its own.
static ROOT: spin::LazyLock<Arc<Cred>> = spin::LazyLock::new(|| {
    Arc::new(Cred { uid: 0, euid: 0, suid: 0, fsuid: 0, gid: 0, egid: 0, sgid: 0, fsgid: 0, groups: Vec::new(), no_new_privs: false })
});

impl Cred {
    /// Root: every id 0, no supplementary groups.
    pub fn root() -> Arc<Cred> {
        ROOT.clone()
    }

    /// Whether the holder has the capabilities root's effective set gives (`CAP_SETUID`,
    /// `CAP_SETGID`, `CAP_SYS_RESOURCE`, `CAP_IPC_LOCK`, ...): effective uid 0.
    pub const fn capable(&self) -> bool {
        self.euid == 0
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
    install(new);
    Ok(())
}

/// `task`'s credentials.
pub fn of(task: &Task) -> Arc<Cred> {
    task.cred.lock().clone()
}

/// The credentials exec gives the new image (Linux's `cap_bprm_creds_from_file` for a file
/// without set-id bits): the saved and fs ids become the effective ones. `None` when nothing
/// changes. Allocated before exec's point of no return; [`install`] it after.
pub fn for_exec() -> Result<Option<Arc<Cred>>, Errno> {
    let old = current();
    if old.suid == old.euid && old.fsuid == old.euid && old.sgid == old.egid && old.fsgid == old.egid {
        return Ok(None);
    }
    let mut new = old.prepare()?;
    (new.suid, new.fsuid, new.sgid, new.fsgid) = (old.euid, old.euid, old.egid, old.egid);
    crate::mm::inject::fallible(|| Arc::try_new(new)).map(Some).map_err(|_| Errno::ENOMEM)
}

/// Installs credentials prepared earlier as the running task's.
pub fn install(new: Arc<Cred>) {
    let old = core::mem::replace(&mut *super::current().cred.lock(), new);
    drop(old); // outside the lock
}

/// Whether a process with `sender`'s credentials may signal one with `target`'s (Linux's
/// `kill_ok_by_cred`): the sender's real or effective uid is the target's real or saved uid,
/// or the sender holds `CAP_KILL`.
pub fn may_signal(sender: &Cred, target: &Cred) -> bool {
    let theirs = [target.uid, target.suid];
    sender.capable() || theirs.contains(&sender.euid) || theirs.contains(&sender.uid)
}
