//! Mounts (Linux's `struct mount`) and the one mount table, and `PathRef`: a place in the tree
//! as a (mount, inode) pair, which is what a working directory, an open file's name and every
//! lookup step are.
//!
//! A second mount on the same spot stacks on top, as in Linux; lookup enters the top one.
//! `umount2` is `EBUSY` while a submount, an open file or a working directory holds the mount
//! (its `Arc` count beyond the table's), unless `MNT_DETACH`.

use super::inode::{Inode, SuperBlock};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use vmcore::errno::Errno;

/// One mount.
pub struct Mount {
    /// Its number.
    pub id: u32,
    /// The mounted file system.
    pub sb: Arc<SuperBlock>,
    /// The file system's root directory.
    pub root: Arc<Inode>,
    /// Where it is mounted (none for the root mount).
    pub parent: Option<PathRef>,
}

/// A place in the tree.
#[derive(Clone)]
pub struct PathRef {
    /// The mount it is in.
    pub mount: Arc<Mount>,
    /// The inode.
    pub inode: Arc<Inode>,
}

impl PathRef {
    /// Whether both name the same place.
    pub fn same(&self, other: &PathRef) -> bool {
        Arc::ptr_eq(&self.mount, &other.mount) && Arc::ptr_eq(&self.inode, &other.inode)
    }
    /// Whether this is the root of its mount.
    pub fn is_mount_root(&self) -> bool {
        Arc::ptr_eq(&self.mount.root, &self.inode)
    }
}

static MOUNTS: spin::RwLock<Vec<Arc<Mount>>> = spin::RwLock::new(Vec::new());
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// Mounts `root` of `sb` at `at` (`None`: as the root of everything, at boot).
pub fn add(sb: Arc<SuperBlock>, root: Arc<Inode>, at: Option<PathRef>) -> Result<Arc<Mount>, Errno> {
    let m = Mount { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), sb, root, parent: at };
    let m = crate::mm::inject::fallible(|| Arc::try_new(m)).map_err(|_| Errno::ENOMEM)?;
    let mut table = MOUNTS.write();
    crate::mm::inject::fallible(|| table.try_reserve(1)).map_err(|_| Errno::ENOMEM)?;
    table.push(m.clone());
    Ok(m)
}

/// The root of everything.
pub fn root() -> PathRef {
    let table = MOUNTS.read();
    let m = table.first().expect("invariant: the root is mounted at boot").clone();
    PathRef { inode: m.root.clone(), mount: m }
}

/// The top mount on `at`, if any.
pub fn mounted_on(at: &PathRef) -> Option<Arc<Mount>> {
    MOUNTS.read().iter().rev().find(|m| m.parent.as_ref().is_some_and(|p| p.same(at))).cloned()
}

/// Whether some mount sits on `at`.
pub fn is_mountpoint(at: &PathRef) -> bool {
    mounted_on(at).is_some()
}

/// Whether some mount of the table sits on `inode` (in any mount).
pub fn inode_is_mountpoint(inode: &Arc<Inode>) -> bool {
    MOUNTS.read().iter().any(|m| m.parent.as_ref().is_some_and(|p| Arc::ptr_eq(&p.inode, inode)))
}

/// Unmounts the mount whose root `target` is: `EINVAL` if it is not a mount's root, `EBUSY`
/// for the root of everything, with submounts, or (without `detach`) while in use.
pub fn remove(target: PathRef, detach: bool) -> Result<(), Errno> {
    if !target.is_mount_root() {
        return Err(Errno::EINVAL);
    }
    let PathRef { mount, inode } = target;
    drop(inode);
    let mut table = MOUNTS.write();
    let at = table.iter().position(|m| Arc::ptr_eq(m, &mount)).ok_or(Errno::EINVAL)?;
    if mount.parent.is_none() {
        return Err(Errno::EBUSY);
    }
    let has_children = table.iter().any(|m| m.parent.as_ref().is_some_and(|p| Arc::ptr_eq(&p.mount, &mount)));
    // The table's reference and ours.
    if !detach && (has_children || Arc::strong_count(&mount) > 2) {
        return Err(Errno::EBUSY);
    }
    let gone = table.remove(at);
    drop(table);
    drop(gone);
    Ok(())
}
