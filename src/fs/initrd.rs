//! Unpacking the initrd — a cpio "newc" archive (what `cpio -o -H newc` writes, Linux's
//! initramfs format) passed by GRUB as the boot module `initrd` — into the root tmpfs, the way
//! Linux's `init/initramfs.c` does: directories, regular files, symlinks, device nodes and
//! FIFOs with their modes, owners and mtimes; an entry with more than one link whose
//! `(ino, dev)` was seen before becomes a hard link to it; an existing non-directory is
//! replaced; an entry whose parent is missing is skipped.
//!
//! **Lazily** (docs/files.md, "Decision: lazy unpacking"): a regular file's `MemObject` has
//! its bytes inside the boot module as `source`, so unpacking copies no data; pages appear
//! only when written (and, with the page cache, mapped).

use super::create::{self, NewNode};
use super::inode::Inode;
use super::mount::PathRef;
use super::stat::{Timespec, S_IFDIR, S_IFMT, S_IFREG};
use crate::proc::cred::Cred;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use vmcore::cpio::{Archive, Entry, FileType};
use vmcore::errno::Errno;

/// What unpacking made.
#[derive(Default, Debug)]
pub struct Unpacked {
    /// Entries made (hard links included).
    pub entries: u32,
    /// Entries skipped (missing parent, unknown type, no memory).
    pub skipped: u32,
}

/// Unpacks the `initrd` module, if any, into the directory `root`.
pub fn unpack(root: &PathRef) -> Unpacked {
    let mut out = Unpacked::default();
    let Some(data) = crate::mm::modules::get("initrd") else {
        log::info!("no initrd module");
        return out;
    };
    let root_cred = Cred::root();
    let mut links: BTreeMap<(u32, u32, u32, u32), Arc<Inode>> = BTreeMap::new();
    for entry in Archive::new(data).entries() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                log::error!("initrd: malformed archive: {e:?}; files after it are missing");
                break;
            }
        };
        match unpack_one(root, &entry, &root_cred, &mut links) {
            Ok(()) => out.entries += 1,
            Err(e) => {
                log::warn!("initrd: {:?} skipped: {e:?}", entry.name_str().unwrap_or("?"));
                out.skipped += 1;
            }
        }
    }
    log::info!("initrd: {} entries unpacked, {} skipped, {} KiB", out.entries, out.skipped, data.len() / 1024);
    out
}

/// The directory holding `name` (a normalised archive name) and the last component.
fn parent_of<'a>(root: &PathRef, name: &'a [u8]) -> Result<(PathRef, &'a [u8]), Errno> {
    let (dir_part, base) = match name.iter().rposition(|&b| b == b'/') {
        Some(i) => (&name[..i], &name[i + 1..]),
        None => (&name[..0], name),
    };
    let mut dir = root.clone();
    for comp in dir_part.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
        let child = super::namei::lookup_child(&dir, comp)?;
        if !child.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        dir = PathRef { mount: dir.mount.clone(), inode: child };
    }
    Ok((dir, base))
}

fn unpack_one(root: &PathRef, e: &Entry<'static>, cred: &Arc<Cred>, links: &mut BTreeMap<(u32, u32, u32, u32), Arc<Inode>>) -> Result<(), Errno> {
    let name = e.name;
    if name.is_empty() {
        apply_meta(&root.inode, e);
        return Ok(());
    }
    let (dir, base) = parent_of(root, name)?;
    let ty = e.file_type();
    let existing = super::namei::lookup_child(&dir, base).ok();
    if let Some(old) = &existing {
        if ty == FileType::Directory && old.is_dir() {
            apply_meta(old, e);
            return Ok(());
        }
        // Linux's clean_path: what is in the way goes.
        if old.is_dir() {
            super::remove::rmdir(&dir, base, cred)?;
        } else {
            super::remove::unlink(&dir, base, cred)?;
        }
    }
    // Linux's find_link: the same inode number and device, and the same type.
    let key = (e.ino, e.dev_major, e.dev_minor, e.mode & S_IFMT);
    if e.nlink >= 2 && ty != FileType::Directory {
        if let Some(target) = links.get(&key) {
            return create::link(target, &dir, base, cred);
        }
    }
    let perm = e.mode & 0o7777;
    let inode = match ty {
        FileType::Directory => create::create(&dir, base, S_IFDIR | perm, NewNode::Dir, cred)?,
        // The bytes stay in the boot module; the file's object reads them from there.
        FileType::Regular => create::create(&dir, base, S_IFREG | perm, NewNode::Regular(Some(e.data)), cred)?,
        FileType::Symlink => create::create(&dir, base, e.mode & (S_IFMT | 0o7777), NewNode::Symlink(e.data), cred)?,
        FileType::CharDevice | FileType::BlockDevice | FileType::Fifo | FileType::Socket => {
            create::create(&dir, base, e.mode & (S_IFMT | 0o7777), NewNode::Special((e.rdev_major, e.rdev_minor)), cred)?
        }
        FileType::Other => return Err(Errno::EINVAL),
    };
    apply_meta(&inode, e);
    if e.nlink >= 2 && ty != FileType::Directory {
        crate::mm::inject::fallible(|| alloc::vec::Vec::<u8>::new().try_reserve(256)).map_err(|_| Errno::ENOMEM)?;
        links.insert(key, inode);
    }
    Ok(())
}

/// Sets owner, group, permission bits and times from the entry (mtime for both atime and
/// mtime, as Linux's `do_utime`).
fn apply_meta(inode: &Inode, e: &Entry) {
    let mut m = inode.meta.lock();
    m.mode = (m.mode & S_IFMT) | (e.mode & 0o7777);
    m.uid = e.uid;
    m.gid = e.gid;
    let t = Timespec { sec: e.mtime as i64, nsec: 0 };
    m.mtime = t;
    m.atime = t;
}
