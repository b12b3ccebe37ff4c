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
    /// What `/proc/mounts` shows: the source given to `mount` and the type's name.
    pub label: MountLabel,
}

/// A mount's source and file-system type, as `mount(2)` got them (`/proc/mounts`).
#[derive(Clone, Default)]
pub struct MountLabel {
    /// The source string (`none`, `proc`...), at most 64 bytes kept.
    pub source: alloc::vec::Vec<u8>,
    /// The file-system type (`tmpfs`, `proc`, `devtmpfs`, `rootfs`).
    pub fstype: alloc::vec::Vec<u8>,
}

impl MountLabel {
    /// A label from `source` and `fstype` (copied fallibly, the source cut at 64 bytes).
    pub fn new(source: &[u8], fstype: &[u8]) -> Result<MountLabel, Errno> {
        let copy = |b: &[u8]| -> Result<alloc::vec::Vec<u8>, Errno> {
            let b = &b[..b.len().min(64)];
            let mut v = alloc::vec::Vec::new();
            crate::mm::inject::fallible(|| v.try_reserve_exact(b.len())).map_err(|_| Errno::ENOMEM)?;
            v.extend_from_slice(b);
            Ok(v)
        };
        Ok(MountLabel { source: copy(source)?, fstype: copy(fstype)? })
    }
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
pub fn add(sb: Arc<SuperBlock>, root: Arc<Inode>, at: Option<PathRef>, label: MountLabel) -> Result<Arc<Mount>, Errno> {
    let m = Mount { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), sb, root, parent: at, label };
    let m = crate::mm::inject::fallible(|| Arc::try_new(m)).map_err(|_| Errno::ENOMEM)?;
    let mut table = MOUNTS.write();
    crate::mm::inject::fallible(|| table.try_reserve(1)).map_err(|_| Errno::ENOMEM)?;
    table.push(m.clone());
    Ok(m)
}

/// A mount of `root` of `sb` that is not in the mount table (Linux's kernel mounts, such as
/// the one shared anonymous memory and memfd files live on): reachable only through the files
/// made on it.
pub fn internal(sb: Arc<SuperBlock>, root: Arc<Inode>, label: MountLabel) -> Result<Arc<Mount>, Errno> {
    let m = Mount { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), sb, root, parent: None, label };
    crate::mm::inject::fallible(|| Arc::try_new(m)).map_err(|_| Errno::ENOMEM)
}

/// Every mount, in mount order (`/proc/mounts`).
pub fn all() -> Result<Vec<Arc<Mount>>, Errno> {
    let table = MOUNTS.read();
    let mut out = Vec::new();
    crate::mm::inject::fallible(|| out.try_reserve_exact(table.len())).map_err(|_| Errno::ENOMEM)?;
    out.extend(table.iter().cloned());
    Ok(out)
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
