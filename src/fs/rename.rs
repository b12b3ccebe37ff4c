//! `rename` (Linux's `vfs_rename`, with `RENAME_NOREPLACE` and `RENAME_EXCHANGE`).
//!
//! One global lock serialises renames (Linux's `s_vfs_rename_mutex`), so the check that a
//! directory is not moved into itself sees a tree no other rename changes meanwhile; the two
//! directories are then locked in address order.

use super::dir::Dir;
use super::inode::{Inode, MAY_EXEC, MAY_WRITE};
use super::mount::{self, PathRef};
use super::remove::check_sticky;
use crate::proc::cred::Cred;
use alloc::sync::Arc;
use vmcore::errno::Errno;

/// Fail if the target exists.
pub const RENAME_NOREPLACE: u32 = 1;
/// Swap the two names.
pub const RENAME_EXCHANGE: u32 = 2;
/// Leave a whiteout (overlay file systems).
pub const RENAME_WHITEOUT: u32 = 4;

static RENAME_LOCK: spin::Mutex<()> = spin::Mutex::new(());

/// Whether `dir` is `ancestor` or lies below it (walking parent links).
fn is_within(dir: &Arc<Inode>, ancestor: &Arc<Inode>) -> bool {
    let mut cur = dir.clone();
    loop {
        if Arc::ptr_eq(&cur, ancestor) {
            return true;
        }
        let parent = cur.dir().and_then(|d| d.read().parent.upgrade());
        match parent {
            Some(p) => cur = p,
            None => return false,
        }
    }
}

/// Renames `old_name` in `old_dir` to `new_name` in `new_dir`. The callers resolved both
/// parents and refused `.`/`..` and the trailing slash cases.
pub fn rename(old_dir: &PathRef, old_name: &[u8], new_dir: &PathRef, new_name: &[u8], flags: u32, cred: &Cred) -> Result<(), Errno> {
    if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & RENAME_EXCHANGE != 0 && flags & (RENAME_NOREPLACE | RENAME_WHITEOUT) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & RENAME_WHITEOUT != 0 {
        return Err(Errno::EINVAL); // needs CAP_MKNOD and an overlay; not modelled
    }
    if !Arc::ptr_eq(&old_dir.mount, &new_dir.mount) {
        return Err(Errno::EXDEV);
    }
    let _serial = RENAME_LOCK.lock();
    let old_lock = old_dir.inode.dir().ok_or(Errno::ENOTDIR)?;
    let new_lock = new_dir.inode.dir().ok_or(Errno::ENOTDIR)?;
    let old = old_lock.read().get(old_name).cloned().ok_or(Errno::ENOENT)?;
    let new = new_lock.read().get(new_name).cloned();
    let exchange = flags & RENAME_EXCHANGE != 0;
    if exchange && new.is_none() {
        return Err(Errno::ENOENT);
    }
    if flags & RENAME_NOREPLACE != 0 && new.is_some() {
        return Err(Errno::EEXIST);
    }
    // Linux's may_delete on the source and (may_create or may_delete) on the target.
    old_dir.inode.permission(cred, MAY_WRITE | MAY_EXEC)?;
    check_sticky(&old_dir.inode, &old, cred)?;
    new_dir.inode.permission(cred, MAY_WRITE | MAY_EXEC)?;
    if new_dir.inode.meta.lock().nlink == 0 {
        return Err(Errno::ENOENT);
    }
    if let Some(n) = &new {
        check_sticky(&new_dir.inode, n, cred)?;
        if Arc::ptr_eq(n, &old) {
            return Ok(()); // two names of one inode: nothing to do
        }
    }
    let old_is_dir = old.is_dir();
    let new_is_dir = new.as_ref().is_some_and(|n| n.is_dir());
    if let Some(n) = &new {
        if !exchange {
            if old_is_dir && !new_is_dir {
                return Err(Errno::ENOTDIR);
            }
            if !old_is_dir && new_is_dir {
                return Err(Errno::EISDIR);
            }
        }
        if mount::inode_is_mountpoint(n) {
            return Err(Errno::EBUSY);
        }
    }
    if mount::inode_is_mountpoint(&old) {
        return Err(Errno::EBUSY);
    }
    let moves_dirs = !Arc::ptr_eq(&old_dir.inode, &new_dir.inode);
    // A directory moved to another parent needs write permission on itself (its `..`).
    if moves_dirs {
        if old_is_dir {
            old.permission(cred, MAY_WRITE)?;
            if is_within(&new_dir.inode, &old) {
                return Err(Errno::EINVAL);
            }
        }
        if exchange && new_is_dir {
            let n = new.as_ref().expect("invariant: exchange has a target");
            n.permission(cred, MAY_WRITE)?;
            if is_within(&old_dir.inode, n) {
                return Err(Errno::EINVAL);
            }
        }
    }
    if !exchange && new_is_dir {
        let n = new.as_ref().expect("invariant: checked above");
        if !n.dir().is_some_and(|d| d.read().is_empty()) {
            return Err(Errno::ENOTEMPTY);
        }
    }
    let new_name_box = super::dir::boxed(new_name)?;
    let old_name_box = super::dir::boxed(old_name)?;
    // Lock the directories (one if the same) and change the entries.
    let replaced = if moves_dirs {
        let (a, b) = if (old_lock as *const _ as usize) < (new_lock as *const _ as usize) { (old_lock, new_lock) } else { (new_lock, old_lock) };
        let mut ga = a.write();
        let mut gb = b.write();
        let (od, nd): (&mut Dir, &mut Dir) = if core::ptr::eq(a, old_lock) { (&mut ga, &mut gb) } else { (&mut gb, &mut ga) };
        move_entries(od, old_name, nd, new_name, &old, new.as_ref(), exchange)?
    } else {
        let mut g = old_lock.write();
        move_within(&mut g, old_name, new_name, &old, new.as_ref(), exchange)?
    };
    // Parent links, names and link counts.
    if let Some(d) = old.dir() {
        let mut d = d.write();
        d.parent = Arc::downgrade(&new_dir.inode);
        d.name = new_name_box;
    }
    if exchange {
        let n = new.as_ref().expect("invariant: exchange has a target");
        if let Some(d) = n.dir() {
            let mut d = d.write();
            d.parent = Arc::downgrade(&old_dir.inode);
            d.name = old_name_box;
        }
        if moves_dirs && old_is_dir != new_is_dir {
            let (from, to) = if old_is_dir { (&old_dir.inode, &new_dir.inode) } else { (&new_dir.inode, &old_dir.inode) };
            from.meta.lock().nlink -= 1;
            to.meta.lock().nlink += 1;
        }
    } else {
        if moves_dirs && old_is_dir {
            old_dir.inode.meta.lock().nlink -= 1;
            if !new_is_dir {
                new_dir.inode.meta.lock().nlink += 1;
            }
        } else if new_is_dir {
            // A directory replaced by a directory in the same parent: one subdirectory less.
            new_dir.inode.meta.lock().nlink -= 1;
        }
        if let Some(victim) = &replaced {
            let is_dir = victim.is_dir();
            let mut m = victim.meta.lock();
            m.nlink = if is_dir { 0 } else { m.nlink.saturating_sub(1) };
            m.ctime = super::inode::now();
        }
    }
    old.touch_changed();
    if let Some(n) = &new {
        n.touch_changed();
    }
    old_dir.inode.touch_modified();
    new_dir.inode.touch_modified();
    drop(replaced);
    Ok(())
}

/// The entry changes between two directories; returns the inode a plain rename replaced.
fn move_entries(od: &mut Dir, old_name: &[u8], nd: &mut Dir, new_name: &[u8], old: &Arc<Inode>, new: Option<&Arc<Inode>>, exchange: bool) -> Result<Option<Arc<Inode>>, Errno> {
    if exchange {
        let n = new.expect("invariant: exchange has a target").clone();
        od.replace(old_name, n);
        nd.replace(new_name, old.clone());
        return Ok(None);
    }
    let replaced = if new.is_some() {
        nd.replace(new_name, old.clone())
    } else {
        nd.insert(new_name, old.clone())?;
        None
    };
    od.remove(old_name);
    Ok(replaced)
}

/// The entry changes within one directory.
fn move_within(d: &mut Dir, old_name: &[u8], new_name: &[u8], old: &Arc<Inode>, new: Option<&Arc<Inode>>, exchange: bool) -> Result<Option<Arc<Inode>>, Errno> {
    if exchange {
        let n = new.expect("invariant: exchange has a target").clone();
        d.replace(old_name, n);
        d.replace(new_name, old.clone());
        return Ok(None);
    }
    if old_name == new_name {
        return Ok(None);
    }
    let replaced = if new.is_some() {
        d.replace(new_name, old.clone())
    } else {
        d.insert(new_name, old.clone())?;
        None
    };
    d.remove(old_name);
    Ok(replaced)
}
