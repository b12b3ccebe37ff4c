//! `open` (Linux's `do_filp_open` with `open_last_lookups` and `do_open`): looks the path up,
//! creates the file under `O_CREAT`, checks the access, truncates under `O_TRUNC`, and makes
//! the open file description of the inode's kind.

use super::create::{self, NewNode};
use super::file::File;
use super::inode::{InodeKind, MAY_READ, MAY_WRITE};
use super::mount::PathRef;
use super::namei::{self, Walker};
use super::stat::{S_IFBLK, S_IFCHR, S_IFIFO, S_IFREG, S_IFSOCK};
use alloc::string::String;
use alloc::sync::Arc;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{O_ACCMODE, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY};

/// Opens `path` (relative to `start`) with `open`'s `flags`; `mode` is the new file's
/// permission bits under `O_CREAT` (the umask applied here).
pub fn open(start: &PathRef, path: &[u8], flags: u32, mode: u32) -> Result<Arc<File>, Errno> {
    let mut w = Walker::new()?;
    let at = if flags & O_CREAT != 0 {
        if flags & O_DIRECTORY != 0 {
            // Linux 6.1 refuses O_CREAT|O_DIRECTORY.
            return Err(Errno::EINVAL);
        }
        let parent = w.walk_parent(start, path)?;
        if !parent.is_normal() || parent.trailing_slash {
            return Err(Errno::EISDIR);
        }
        let follow = flags & O_NOFOLLOW == 0;
        let (mut dir, mut name) = (parent.dir, parent.name);
        let mut links = 0;
        loop {
            match namei::lookup_child(&dir, &name) {
                Ok(_) if flags & O_EXCL != 0 => return Err(Errno::EEXIST),
                // A dangling symlink: the file is created where it points (Linux follows it).
                Ok(inode) if inode.is_symlink() && follow && !matches!(w.walk(&dir, &name, true), Ok(_)) => {
                    links += 1;
                    if links > namei::MAX_LINKS {
                        return Err(Errno::ELOOP);
                    }
                    let target = namei::link_target(&inode)?;
                    let next = w.walk_parent(&dir, &target)?;
                    if !next.is_normal() || next.trailing_slash {
                        return Err(Errno::EISDIR);
                    }
                    (dir, name) = (next.dir, next.name);
                }
                Ok(_) => break w.walk(&dir, &name, follow)?,
                Err(Errno::ENOENT) => {
                    let umask = super::fscontext::current()?.umask();
                    let mode = S_IFREG | (mode & 0o7777 & !umask);
                    match create::create(&dir, &name, mode, NewNode::Regular(None), w.cred()) {
                        Ok(inode) => return finish(PathRef { mount: dir.mount.clone(), inode }, flags, &dir, &name, &mut w, true),
                        // Lost a race with another creator: open what is there.
                        Err(Errno::EEXIST) if flags & O_EXCL == 0 => break w.walk(&dir, &name, follow)?,
                        Err(e) => return Err(e),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    } else {
        w.walk(start, path, flags & O_NOFOLLOW == 0)?
    };
    let (dir, name) = match w.take_last() {
        Some(last) => last,
        None => (at.clone(), w.take_magic_name().unwrap_or_default()),
    };
    finish(at, flags, &dir, &name, &mut w, false)
}

/// The checks and the description once the inode is found (`created`: made by this open).
fn finish(at: PathRef, flags: u32, dir: &PathRef, name: &[u8], w: &mut Walker, created: bool) -> Result<Arc<File>, Errno> {
    let inode = at.inode.clone();
    let ty = inode.file_type();
    if inode.is_symlink() {
        return Err(Errno::ELOOP); // O_NOFOLLOW on a symlink
    }
    if flags & O_DIRECTORY != 0 && !inode.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let acc = flags & O_ACCMODE;
    if inode.is_dir() && (acc != O_RDONLY || flags & O_CREAT != 0) {
        return Err(Errno::EISDIR);
    }
    if !created {
        let mut mask = match acc {
            O_RDONLY => MAY_READ,
            O_WRONLY => MAY_WRITE,
            O_RDWR => MAY_READ | MAY_WRITE,
            _ => 0,
        };
        if flags & O_TRUNC != 0 {
            mask |= MAY_WRITE;
        }
        inode.permission(w.cred(), mask)?;
    }
    match ty {
        S_IFREG if matches!(inode.kind, InodeKind::Regular(_)) => {
            if flags & O_TRUNC != 0 && !created {
                super::tmpfs::truncate(&inode, 0)?;
            }
            let full = full_name(dir, name, w)?;
            File::new(super::tmpfs::RegularFile::new(at, full), flags)
        }
        S_IFCHR => {
            let rdev = inode.meta.lock().rdev;
            super::chrdev::open(rdev, flags)
        }
        S_IFIFO | S_IFBLK | S_IFSOCK => Err(Errno::ENXIO),
        _ if inode.is_dir() => File::new(super::dir::DirFile::new(at)?, flags),
        _ => match &inode.kind {
            InodeKind::Proc(p) => {
                if let Some(t) = p.tunable() {
                    let text = p.contents().map(|b| b.to_vec()).unwrap_or_default();
                    return File::new(super::proc_tunable::TunableFile::new(t, text, &inode), flags);
                }
                if acc != O_RDONLY {
                    return Err(Errno::EACCES);
                }
                if let Some(pid) = p.pagemap_pid() {
                    return File::new(super::proc_pagemap::Pagemap::open(pid)?, flags);
                }
                if let Some(k) = p.kpage() {
                    return File::new(k, flags);
                }
                let bytes = p.contents().map(crate::mm::trycopy::to_vec).transpose()?.unwrap_or_default();
                File::new(super::kinds::Snapshot::new(bytes, &inode), flags)
            }
            _ => Err(Errno::ENXIO),
        },
    }
}

/// The absolute name of the entry `name` of `dir` (what maps shows); lossy for non-UTF-8.
fn full_name(dir: &PathRef, name: &[u8], w: &Walker) -> Result<String, Errno> {
    let bytes = if name.is_empty() {
        namei::path_of(dir, w.root())?
    } else if !dir.inode.is_dir() {
        // Reached through /proc/PID/fd/N: the link's text is the name.
        crate::mm::trycopy::to_vec(name)?
    } else {
        namei::path_in(dir, name, w.root())?
    };
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => crate::mm::trycopy::lossy_string(e.as_bytes()),
    }
}
