//! The credentials an `execve` gives the new program: Linux 6.1's `bprm_fill_uid` (set-user-ID
//! and set-group-ID files), `cap_bprm_creds_from_file` (capabilities of a file without file
//! capabilities, the downgrade under no_new_privs or a shared fs, `AT_SECURE`), the
//! personality bits a privileged exec clears (`bprm->per_clear`, then `SET_PERSONALITY`) and
//! the dumpable flag of the new image (`begin_new_exec` and `commit_creds`).
//!
//! The rules, in Linux's order:
//!
//! 1. **Set-id bits** (`bprm_fill_uid`): skipped under no_new_privs (and on a `nosuid` mount,
//!    which this kernel does not have). `S_ISUID` makes the file's owner the effective uid;
//!    `S_ISGID` together with `S_IXGRP` makes its group the effective gid (`S_ISGID` alone is
//!    mandatory locking, not set-gid). Either adds [`PER_CLEAR_ON_SETID`] to the bits to clear,
//!    even when the id does not change.
//! 2. **Capabilities** (`handle_privileged_root`; no file capabilities, no ambient set, full
//!    bounding set): a real or effective uid 0 gets the permitted set `bset | inheritable` (the
//!    full set), effective too when the effective uid is 0; anyone else none. Gaining a
//!    permitted capability also clears [`PER_CLEAR_ON_SETID`].
//! 3. **Downgrade**: an exec that changes ids (`euid != old uid` or `egid != old gid`, Linux's
//!    `__is_setuid`/`__is_setgid`) or gains capabilities, made under no_new_privs or with the fs
//!    context shared with another process (`LSM_UNSAFE_SHARE`), keeps no more than it had: the
//!    effective ids fall back to the real ones (under no_new_privs, or without `CAP_SETUID`)
//!    and the permitted set to the old one.
//! 4. The saved and file-system ids become the effective ones.
//! 5. **`AT_SECURE`** when ids changed (step 3's test) or a non-root real uid ends with
//!    capabilities.
//! 6. **Dumpable** (Linux's `suid_dumpable` = 0): not when the *old* effective ids differed
//!    from the real ones (`begin_new_exec` checks the caller), nor when the install changes the
//!    effective or fs ids or adds permitted capabilities (`commit_creds`); else dumpable.
//! 7. A secure exec lowers a soft `RLIMIT_STACK` above 8 MiB to 8 MiB (Linux's `_STK_LIM`,
//!    applied to the layout and kept by the process: `finalize_exec`).

/// `personality` bits cleared by a privileged exec (Linux's `PER_CLEAR_ON_SETID`:
/// `READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE | ADDR_COMPAT_LAYOUT | MMAP_PAGE_ZERO`).
pub const PER_CLEAR_ON_SETID: u32 = 0x0040_0000 | crate::aslr::ADDR_NO_RANDOMIZE | crate::aslr::ADDR_COMPAT_LAYOUT | 0x0010_0000;
/// The execution-domain byte of the personality word, which exec resets to `PER_LINUX` (0).
pub const PER_MASK: u32 = 0xff;
/// Set-user-ID mode bit.
pub const S_ISUID: u32 = 0o4000;
/// Set-group-ID mode bit.
pub const S_ISGID: u32 = 0o2000;
/// Group-execute mode bit.
pub const S_IXGRP: u32 = 0o010;
/// Every capability Linux 6.1 knows (`CAP_LAST_CAP` is 40): the bounding set.
pub const CAP_FULL: u64 = (1 << 41) - 1;
/// The capability that lets an unsafe set-id exec keep its new effective ids.
pub const CAP_SETUID: u32 = 7;

/// The ids and capability sets of a process (Linux's `struct cred` without the groups).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ids {
    /// Real, effective, saved, file-system uid.
    pub uid: [u32; 4],
    /// Real, effective, saved, file-system gid.
    pub gid: [u32; 4],
    /// Effective capabilities.
    pub cap_effective: u64,
    /// Permitted capabilities.
    pub cap_permitted: u64,
    /// Inheritable capabilities.
    pub cap_inheritable: u64,
}

/// Index of the real id in [`Ids::uid`]/[`Ids::gid`].
pub const REAL: usize = 0;
/// Index of the effective id.
pub const EFFECTIVE: usize = 1;
/// Index of the saved id.
pub const SAVED: usize = 2;
/// Index of the file-system id.
pub const FS: usize = 3;

/// The executed file as exec sees it: its owner, group and mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileOwner {
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// Mode bits (`S_ISUID`, `S_ISGID`, permissions).
    pub mode: u32,
}

/// What makes an exec unsafe for gaining privileges (Linux's `bprm->unsafe`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unsafe {
    /// `prctl(PR_SET_NO_NEW_PRIVS)` is set.
    pub no_new_privs: bool,
    /// The fs context (cwd, root, umask) is shared with another process (`LSM_UNSAFE_SHARE`).
    pub shared_fs: bool,
}

/// The outcome of an exec for the credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecCreds {
    /// The new program's ids and capabilities.
    pub ids: Ids,
    /// `AT_SECURE`: the program runs with privileges its caller did not have.
    pub secure: bool,
    /// Personality bits to clear (`bprm->per_clear`).
    pub per_clear: u32,
    /// Whether the new image is dumpable (`PR_GET_DUMPABLE`).
    pub dumpable: bool,
}

/// The credentials after executing `file` with credentials `old` (the rules in the module
/// documentation).
pub fn exec_creds(old: &Ids, file: FileOwner, unsafe_: Unsafe) -> ExecCreds {
    let mut new = *old;
    let mut per_clear = 0;
    // 1. bprm_fill_uid.
    if !unsafe_.no_new_privs {
        if file.mode & S_ISUID != 0 {
            per_clear |= PER_CLEAR_ON_SETID;
            new.uid[EFFECTIVE] = file.uid;
        }
        if file.mode & (S_ISGID | S_IXGRP) == S_ISGID | S_IXGRP {
            per_clear |= PER_CLEAR_ON_SETID;
            new.gid[EFFECTIVE] = file.gid;
        }
    }
    // 2. get_file_caps clears the permitted set; handle_privileged_root restores it for root.
    new.cap_permitted = 0;
    let euid_root = new.uid[EFFECTIVE] == 0;
    if euid_root || new.uid[REAL] == 0 {
        new.cap_permitted = CAP_FULL | old.cap_inheritable;
    }
    let gained = new.cap_permitted & !old.cap_permitted != 0;
    if gained {
        per_clear |= PER_CLEAR_ON_SETID;
    }
    // 3. The downgrade of an unsafe privileged exec.
    let is_setid = new.uid[EFFECTIVE] != old.uid[REAL] || new.gid[EFFECTIVE] != old.gid[REAL];
    if (is_setid || gained) && (unsafe_.no_new_privs || unsafe_.shared_fs) {
        if old.cap_effective & (1 << CAP_SETUID) == 0 || unsafe_.no_new_privs {
            new.uid[EFFECTIVE] = new.uid[REAL];
            new.gid[EFFECTIVE] = new.gid[REAL];
        }
        new.cap_permitted &= old.cap_permitted;
    }
    // 4. Saved and fs ids follow the effective ones; the effective set is all or nothing.
    new.uid[SAVED] = new.uid[EFFECTIVE];
    new.uid[FS] = new.uid[EFFECTIVE];
    new.gid[SAVED] = new.gid[EFFECTIVE];
    new.gid[FS] = new.gid[EFFECTIVE];
    new.cap_effective = if euid_root { new.cap_permitted } else { 0 };
    // 5. AT_SECURE.
    let secure = is_setid || (new.uid[REAL] != 0 && (euid_root || new.cap_permitted != 0));
    // 6. Dumpable.
    let was_setid = old.uid[EFFECTIVE] != old.uid[REAL] || old.gid[EFFECTIVE] != old.gid[REAL];
    let dumpable = !was_setid && !loses_dumpable(old, &new);
    ExecCreds { ids: new, secure, per_clear, dumpable }
}

/// Linux's `commit_creds` rule: installing `new` over `old` makes the process non-dumpable
/// (with `suid_dumpable` 0) when an effective or fs id changes or a permitted capability is
/// added.
pub fn loses_dumpable(old: &Ids, new: &Ids) -> bool {
    old.uid[EFFECTIVE] != new.uid[EFFECTIVE]
        || old.gid[EFFECTIVE] != new.gid[EFFECTIVE]
        || old.uid[FS] != new.uid[FS]
        || old.gid[FS] != new.gid[FS]
        || new.cap_permitted & !old.cap_permitted != 0
}

/// The personality word of the new program: `per_clear` removed (`begin_new_exec`), then the
/// execution domain reset to `PER_LINUX` with the flag bits kept (`SET_PERSONALITY`).
pub const fn exec_personality(old: u32, per_clear: u32) -> u32 {
    old & !per_clear & !PER_MASK
}

/// Linux's `_STK_LIM`: the stack limit a secure exec falls back to.
pub const STK_LIM: u32 = 8 * 1024 * 1024;

/// The soft `RLIMIT_STACK` (`u32::MAX` for infinity) after an exec (rule 7).
pub const fn exec_stack_limit(cur: u32, secure: bool) -> u32 {
    if secure && cur > STK_LIM { STK_LIM } else { cur }
}

#[cfg(test)]
mod tests;
