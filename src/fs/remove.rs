//! Removing directory entries (Linux's `vfs_unlink`, `vfs_rmdir` and `may_delete`). An
//! unlinked inode lives on while a file or mapping holds it.

use super::inode::{Inode, MAY_EXEC, MAY_WRITE};
use super::mount::{self, PathRef};
use crate::proc::cred::Cred;
use alloc::sync::Arc;
use vmcore::errno::Errno;

/// The sticky bit.
pub const S_ISVTX: u32 = 0o1000;

/// Linux's `check_sticky`: in a sticky directory only the file's owner, the directory's
/// owner or root may remove or rename an entry (`EPERM`).
pub fn check_sticky(dir: &Inode, victim: &Inode, cred: &Cred) -> Result<(), Errno> {
    let (dmode, duid) = {
        let m = dir.meta.lock();
        (m.mode, m.uid)
    };
    if dmode & S_ISVTX == 0 || cred.fsuid == 0 || cred.fsuid == duid || cred.fsuid == victim.meta.lock().uid {
        return Ok(());
    }
    Err(Errno::EPERM)
}

/// Linux's `may_delete`: write and search permission on `dir`, the sticky rule, the type
/// (`ENOTDIR`/`EISDIR`), and no mount on the victim (`EBUSY`).
pub fn may_delete(dir: &PathRef, victim: &Arc<Inode>, want_dir: bool, cred: &Cred) -> Result<(), Errno> {
    dir.inode.permission(cred, MAY_WRITE | MAY_EXEC)?;
    check_sticky(&dir.inode, victim, cred)?;
    if want_dir && !victim.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if !want_dir && victim.is_dir() {
        return Err(Errno::EISDIR);
    }
    if mount::is_mountpoint(&PathRef { mount: dir.mount.clone(), inode: victim.clone() }) {
        return Err(Errno::EBUSY);
    }
    Ok(())
}

/// `unlink`: removes the non-directory `name` from `dir`.
pub fn unlink(dir: &PathRef, name: &[u8], cred: &Cred) -> Result<(), Errno> {
    let dlock = dir.inode.dir().ok_or(Errno::ENOTDIR)?;
    let victim = dlock.read().get(name).cloned().ok_or(Errno::ENOENT)?;
    may_delete(dir, &victim, false, cred)?;
    let removed = {
        let mut d = dlock.write();
        match d.get(name) {
            Some(v) if Arc::ptr_eq(v, &victim) => d.remove(name),
            _ => return Err(Errno::ENOENT),
        }
    };
    {
        let mut m = victim.meta.lock();
        m.nlink = m.nlink.saturating_sub(1);
        m.ctime = super::inode::now();
    }
    dir.inode.touch_modified();
    drop(removed); // the inode goes here unless open or mapped
    Ok(())
}

/// `rmdir`: removes the empty directory `name` from `dir` (`ENOTEMPTY` otherwise).
pub fn rmdir(dir: &PathRef, name: &[u8], cred: &Cred) -> Result<(), Errno> {
    let dlock = dir.inode.dir().ok_or(Errno::ENOTDIR)?;
    let victim = dlock.read().get(name).cloned().ok_or(Errno::ENOENT)?;
    may_delete(dir, &victim, true, cred)?;
    let removed = {
        let mut d = dlock.write();
        let vd = victim.dir().ok_or(Errno::ENOTDIR)?;
        if !vd.read().is_empty() {
            return Err(Errno::ENOTEMPTY);
        }
        match d.get(name) {
            Some(v) if Arc::ptr_eq(v, &victim) => d.remove(name),
            _ => return Err(Errno::ENOENT),
        }
    };
    {
        let mut m = victim.meta.lock();
        m.nlink = 0;
        m.ctime = super::inode::now();
    }
    {
        let t = super::inode::now();
        let mut pm = dir.inode.meta.lock();
        pm.nlink = pm.nlink.saturating_sub(1);
        (pm.mtime, pm.ctime) = (t, t);
    }
    drop(removed);
    Ok(())
}
