//! Credential system calls: the get/set calls for user and group ids, in their 16-bit (old)
//! and 32-bit forms, and the supplementary groups. Permission rules are Linux 6.1's
//! (`kernel/sys.c`, `kernel/groups.c`, `kernel/uid16.c`), with `CAP_SETUID`/`CAP_SETGID` held
//! by an effective uid of 0 ([`Cred::capable`]).

use super::uptr::UserBuf;
use super::SysResult;
use crate::proc::cred::{self, Cred, Id, NGROUPS_MAX, NO_ID};
use alloc::vec::Vec;
use vmcore::errno::Errno;

/// Linux's `overflowuid`/`overflowgid`: what a 16-bit call reports for an id above 65,535.
pub const OVERFLOW_ID: Id = 65_534;

/// The width of a call's ids: the old 16-bit calls (`setuid` 23, ...) or the 32-bit ones
/// (`setuid32` 213, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// `old_uid_t` (16 bits): arguments are truncated, 0xFFFF means -1, results above 65,535
    /// become [`OVERFLOW_ID`].
    Old16,
    /// `uid_t` (32 bits).
    Full,
}

impl Width {
    /// An id argument as the kernel sees it (Linux's `low2highuid` for 16 bits).
    pub const fn arg(self, raw: u32) -> Id {
        match self {
            Width::Old16 if raw as u16 == u16::MAX => NO_ID,
            Width::Old16 => raw as u16 as Id,
            Width::Full => raw,
        }
    }

    /// An id as the call reports it (Linux's `high2lowuid` for 16 bits).
    pub const fn out(self, id: Id) -> u32 {
        match self {
            Width::Old16 if id & !0xFFFF != 0 => OVERFLOW_ID,
            _ => id,
        }
    }

    /// Bytes of one id in user memory.
    const fn size(self) -> u32 {
        match self {
            Width::Old16 => 2,
            Width::Full => 4,
        }
    }

    /// Writes `id` at `addr` in this width.
    fn put(self, addr: u32, id: Id) -> Result<(), Errno> {
        let bytes = self.out(id).to_le_bytes();
        UserBuf::new(addr, self.size()).write_at(0, &bytes[..self.size() as usize])
    }
}

/// Which of the ids a get call reports.
#[derive(Clone, Copy, Debug)]
pub enum Which {
    /// Real uid.
    Uid,
    /// Effective uid.
    Euid,
    /// Real gid.
    Gid,
    /// Effective gid.
    Egid,
}

/// getuid / geteuid / getgid / getegid, either width.
pub fn get_id(w: Width, which: Which) -> SysResult {
    let c = cred::current();
    Ok(w.out(match which {
        Which::Uid => c.uid,
        Which::Euid => c.euid,
        Which::Gid => c.gid,
        Which::Egid => c.egid,
    }))
}

/// Builds and commits a changed copy of the current credentials; `change` may refuse.
fn change(op: impl FnOnce(&Cred, &mut Cred) -> Result<(), Errno>) -> SysResult {
    let old = cred::current();
    let mut new = old.prepare()?;
    op(&old, &mut new)?;
    new.fix_caps_after_setuid(&old);
    if new != *old {
        cred::commit(new)?;
    }
    Ok(0)
}

/// setuid: with CAP_SETUID every uid becomes `uid`; otherwise only the effective (and fs)
/// uid, and only to the real or saved one. -1 is EINVAL.
pub fn setuid(w: Width, raw: u32) -> SysResult {
    let uid = w.arg(raw);
    if uid == NO_ID {
        return Err(Errno::EINVAL);
    }
    change(|old, new| {
        if old.capable(cred::CAP_SETUID) {
            new.uid = uid;
            new.suid = uid;
        } else if uid != old.uid && uid != old.suid {
            return Err(Errno::EPERM);
        }
        new.euid = uid;
        new.fsuid = uid;
        Ok(())
    })
}

/// setgid: the rules of setuid for the group ids (CAP_SETGID).
pub fn setgid(w: Width, raw: u32) -> SysResult {
    let gid = w.arg(raw);
    if gid == NO_ID {
        return Err(Errno::EINVAL);
    }
    change(|old, new| {
        if old.capable(cred::CAP_SETGID) {
            new.gid = gid;
            new.sgid = gid;
        } else if gid != old.gid && gid != old.sgid {
            return Err(Errno::EPERM);
        }
        new.egid = gid;
        new.fsgid = gid;
        Ok(())
    })
}

/// setreuid: the real uid may become the real or effective one, the effective uid any of the
/// three (anything with CAP_SETUID); the saved uid follows the new effective one when the
/// real uid is set or the effective one changes to other than the old real one.
pub fn setreuid(w: Width, ruid: u32, euid: u32) -> SysResult {
    let (ruid, euid) = (w.arg(ruid), w.arg(euid));
    change(|old, new| {
        if ruid != NO_ID {
            if ruid != old.uid && ruid != old.euid && !old.capable(cred::CAP_SETUID) {
                return Err(Errno::EPERM);
            }
            new.uid = ruid;
        }
        if euid != NO_ID {
            if euid != old.uid && euid != old.euid && euid != old.suid && !old.capable(cred::CAP_SETUID) {
                return Err(Errno::EPERM);
            }
            new.euid = euid;
        }
        if ruid != NO_ID || (euid != NO_ID && euid != old.uid) {
            new.suid = new.euid;
        }
        new.fsuid = new.euid;
        Ok(())
    })
}

/// setregid: setreuid's rules for the group ids.
pub fn setregid(w: Width, rgid: u32, egid: u32) -> SysResult {
    let (rgid, egid) = (w.arg(rgid), w.arg(egid));
    change(|old, new| {
        if rgid != NO_ID {
            if rgid != old.gid && rgid != old.egid && !old.capable(cred::CAP_SETGID) {
                return Err(Errno::EPERM);
            }
            new.gid = rgid;
        }
        if egid != NO_ID {
            if egid != old.gid && egid != old.egid && egid != old.sgid && !old.capable(cred::CAP_SETGID) {
                return Err(Errno::EPERM);
            }
            new.egid = egid;
        }
        if rgid != NO_ID || (egid != NO_ID && egid != old.gid) {
            new.sgid = new.egid;
        }
        new.fsgid = new.egid;
        Ok(())
    })
}

/// Whether `id` (not -1) is none of the three current ones.
fn is_new(id: Id, ids: [Id; 3]) -> bool {
    id != NO_ID && !ids.contains(&id)
}

/// setresuid: each id not -1 is set; without CAP_SETUID each must be one of the current real,
/// effective and saved uids. The fs uid follows the effective one.
pub fn setresuid(w: Width, r: u32, e: u32, s: u32) -> SysResult {
    let (r, e, s) = (w.arg(r), w.arg(e), w.arg(s));
    change(|old, new| {
        let ids = [old.uid, old.euid, old.suid];
        if (is_new(r, ids) || is_new(e, ids) || is_new(s, ids)) && !old.capable(cred::CAP_SETUID) {
            return Err(Errno::EPERM);
        }
        if r != NO_ID {
            new.uid = r;
        }
        if e != NO_ID {
            new.euid = e;
        }
        if s != NO_ID {
            new.suid = s;
        }
        new.fsuid = new.euid;
        Ok(())
    })
}

/// setresgid: setresuid's rules for the group ids (CAP_SETGID).
pub fn setresgid(w: Width, r: u32, e: u32, s: u32) -> SysResult {
    let (r, e, s) = (w.arg(r), w.arg(e), w.arg(s));
    change(|old, new| {
        let ids = [old.gid, old.egid, old.sgid];
        if (is_new(r, ids) || is_new(e, ids) || is_new(s, ids)) && !old.capable(cred::CAP_SETGID) {
            return Err(Errno::EPERM);
        }
        if r != NO_ID {
            new.gid = r;
        }
        if e != NO_ID {
            new.egid = e;
        }
        if s != NO_ID {
            new.sgid = s;
        }
        new.fsgid = new.egid;
        Ok(())
    })
}

/// getresuid: the real, effective and saved uids, written in that order (EFAULT stops at the
/// first bad pointer, as Linux).
pub fn getresuid(w: Width, r: u32, e: u32, s: u32) -> SysResult {
    let c = cred::current();
    w.put(r, c.uid)?;
    w.put(e, c.euid)?;
    w.put(s, c.suid)?;
    Ok(0)
}

/// getresgid: the group ids, as getresuid.
pub fn getresgid(w: Width, r: u32, e: u32, s: u32) -> SysResult {
    let c = cred::current();
    w.put(r, c.gid)?;
    w.put(e, c.egid)?;
    w.put(s, c.sgid)?;
    Ok(0)
}

/// setfsuid: the fs uid may become any of the real, effective, saved or current fs uid
/// (anything with CAP_SETUID). Always returns the old fs uid; a refused or invalid change is
/// silent, as Linux.
pub fn setfsuid(w: Width, raw: u32) -> SysResult {
    let uid = w.arg(raw);
    let old = cred::current();
    let allowed = [old.uid, old.euid, old.suid, old.fsuid].contains(&uid) || old.capable(cred::CAP_SETUID);
    if uid != NO_ID && allowed && uid != old.fsuid {
        if let Ok(mut new) = old.prepare() {
            new.fsuid = uid;
            let _ = cred::commit(new);
        }
    }
    Ok(old.fsuid)
}

/// setfsgid: setfsuid's rules for the fs gid.
pub fn setfsgid(w: Width, raw: u32) -> SysResult {
    let gid = w.arg(raw);
    let old = cred::current();
    let allowed = [old.gid, old.egid, old.sgid, old.fsgid].contains(&gid) || old.capable(cred::CAP_SETGID);
    if gid != NO_ID && allowed && gid != old.fsgid {
        if let Ok(mut new) = old.prepare() {
            new.fsgid = gid;
            let _ = cred::commit(new);
        }
    }
    Ok(old.fsgid)
}

/// getgroups: the number of supplementary groups; with a non-zero `size` also the groups
/// (EINVAL if they do not fit, or for a negative size).
pub fn getgroups(w: Width, size: i32, list: u32) -> SysResult {
    if size < 0 {
        return Err(Errno::EINVAL);
    }
    let c = cred::current();
    let n = c.groups.len();
    if size != 0 {
        if n > size as usize {
            return Err(Errno::EINVAL);
        }
        let mut bytes = Vec::new();
        let len = n * w.size() as usize;
        crate::mm::inject::fallible(|| bytes.try_reserve_exact(len)).map_err(|_| Errno::ENOMEM)?;
        for &g in &c.groups {
            bytes.extend_from_slice(&w.out(g).to_le_bytes()[..w.size() as usize]);
        }
        UserBuf::new(list, len as u32).write_at(0, &bytes)?;
    }
    Ok(n as u32)
}

/// setgroups: replaces the supplementary groups (sorted, as Linux keeps them); needs
/// CAP_SETGID (EPERM), at most NGROUPS_MAX (EINVAL).
pub fn setgroups(w: Width, size: i32, list: u32) -> SysResult {
    if !cred::current().capable(cred::CAP_SETGID) {
        return Err(Errno::EPERM);
    }
    let n = size as u32 as usize;
    if n > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    let step = w.size() as usize;
    let (mut groups, mut bytes) = (Vec::new(), Vec::new());
    crate::mm::inject::fallible(|| groups.try_reserve_exact(n)).map_err(|_| Errno::ENOMEM)?;
    crate::mm::inject::fallible(|| bytes.try_reserve_exact(n * step)).map_err(|_| Errno::ENOMEM)?;
    bytes.resize(n * step, 0);
    if n != 0 {
        UserBuf::new(list, bytes.len() as u32).read_at(0, &mut bytes)?;
    }
    for id in bytes.chunks_exact(step) {
        let mut b = [0u8; 4];
        b[..step].copy_from_slice(id);
        let gid = w.arg(u32::from_le_bytes(b));
        if gid == NO_ID {
            return Err(Errno::EINVAL); // not a valid group (Linux's gid_valid)
        }
        groups.push(gid);
    }
    groups.sort_unstable();
    let old = cred::current();
    let mut new = old.prepare()?;
    new.groups = groups;
    cred::commit(new)?;
    Ok(0)
}

