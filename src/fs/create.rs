//! Making directory entries (Linux's `vfs_create`, `vfs_mkdir`, `vfs_mknod`, `vfs_symlink`,
//! `vfs_link`): permission on the directory, then a new inode (or one more link) under the
//! directory's write lock.

use super::dir::Dir;
use super::inode::{Inode, InodeKind, InodeMeta, MAY_EXEC, MAY_WRITE};
use super::mount::PathRef;
use super::stat::{S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};
use crate::mm::object::MemObject;
use crate::proc::cred::Cred;
use alloc::sync::Arc;
use vmcore::errno::Errno;

/// The set-group-id bit.
pub const S_ISGID: u32 = 0o2000;

/// Linux's `may_create`: write and search permission on `dir`, which must not be removed.
pub fn may_create(dir: &Inode, cred: &Cred) -> Result<(), Errno> {
    if dir.meta.lock().nlink == 0 {
        return Err(Errno::ENOENT);
    }
    dir.permission(cred, MAY_WRITE | MAY_EXEC)
}

/// What to make.
pub enum NewNode<'a> {
    /// A regular file, empty or with these bytes (an initrd file's, kept where they are).
    Regular(Option<&'static [u8]>),
    /// A directory.
    Dir,
    /// A symbolic link to this target.
    Symlink(&'a [u8]),
    /// A device, FIFO or socket node with this device number.
    Special((u32, u32)),
}

/// Makes `name` in `dir` with `mode` (type and permission bits, the umask already applied),
/// owned by `cred`'s fsuid and fsgid (the directory's group under set-group-id). `EEXIST` when
/// the name is taken.
pub fn create(dir: &PathRef, name: &[u8], mode: u32, what: NewNode, cred: &Cred) -> Result<Arc<Inode>, Errno> {
    may_create(&dir.inode, cred)?;
    let dlock = dir.inode.dir().ok_or(Errno::ENOTDIR)?;
    let (pmode, pgid) = {
        let m = dir.inode.meta.lock();
        (m.mode, m.gid)
    };
    let mut meta = InodeMeta { mode, uid: cred.fsuid, gid: cred.fsgid, nlink: 1, ..InodeMeta::default() };
    if pmode & S_ISGID != 0 {
        meta.gid = pgid;
        if mode & S_IFMT == S_IFDIR {
            meta.mode |= S_ISGID;
        }
    }
    let mut d = dlock.write();
    if d.get(name).is_some() {
        return Err(Errno::EEXIST);
    }
    let kind = match what {
        NewNode::Regular(source) => {
            meta.seals = super::seals::F_SEAL_SEAL;
            InodeKind::Regular(MemObject::new(source)?)
        }
        NewNode::Dir => {
            meta.nlink = 2;
            InodeKind::Dir(spin::RwLock::new(Dir::new(Arc::downgrade(&dir.inode), super::dir::boxed(name)?)))
        }
        NewNode::Symlink(target) => InodeKind::Symlink(super::dir::boxed(target)?),
        NewNode::Special(rdev) => {
            meta.rdev = rdev;
            InodeKind::Special
        }
    };
    debug_assert!(matches!(kind, InodeKind::Regular(_)) == (mode & S_IFMT == S_IFREG));
    debug_assert!(matches!(kind, InodeKind::Symlink(_)) == (mode & S_IFMT == S_IFLNK));
    let inode = Inode::new(&dir.inode.sb, meta, kind)?;
    d.insert(name, inode.clone())?;
    drop(d);
    let is_dir = mode & S_IFMT == S_IFDIR;
    let t = super::inode::now();
    let mut pm = dir.inode.meta.lock();
    if is_dir {
        pm.nlink += 1;
    }
    (pm.mtime, pm.ctime) = (t, t);
    Ok(inode)
}

/// Adds the name `name` in `dir` for the existing `inode` (a hard link): `EPERM` for a
/// directory, `ENOENT` once it has no links, `EXDEV` across file systems.
pub fn link(inode: &Arc<Inode>, dir: &PathRef, name: &[u8], cred: &Cred) -> Result<(), Errno> {
    if inode.is_dir() {
        return Err(Errno::EPERM);
    }
    may_create(&dir.inode, cred)?;
    if !Arc::ptr_eq(&inode.sb, &dir.inode.sb) {
        return Err(Errno::EXDEV);
    }
    let dlock = dir.inode.dir().ok_or(Errno::ENOTDIR)?;
    let mut d = dlock.write();
    if d.get(name).is_some() {
        return Err(Errno::EEXIST);
    }
    if inode.meta.lock().nlink == 0 {
        return Err(Errno::ENOENT);
    }
    d.insert(name, inode.clone())?;
    drop(d);
    {
        let mut m = inode.meta.lock();
        m.nlink += 1;
        m.ctime = super::inode::now();
    }
    dir.inode.touch_modified();
    Ok(())
}
