//! Calls that change names: mkdir, mkdirat, rmdir, unlink, unlinkat, rename, renameat,
//! renameat2, link, linkat, symlink, symlinkat, mknod, mknodat; readlink, readlinkat; the
//! working directory (chdir, fchdir, getcwd) and umask.

use super::file::{file, start_at, user_path};
use super::uptr::{UserBuf, UserPtr};
use super::SysResult;
use crate::fs::create::{self, NewNode};
use crate::fs::inode::MAY_EXEC;
use crate::fs::namei::{self, Parent, Walker};
use crate::fs::stat::{S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK};
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW};

/// The parent of a user path and a walker for the caller's checks.
fn parent_of(dirfd: i32, path: UserPtr<u8>) -> Result<(Walker, Parent), Errno> {
    let path = user_path(path)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let start = start_at(dirfd, &path)?;
    let mut w = Walker::new()?;
    let parent = w.walk_parent(&start, &path)?;
    Ok((w, parent))
}

fn current_umask() -> Result<u32, Errno> {
    Ok(crate::fs::fscontext::current()?.umask())
}

/// mkdir.
pub fn mkdir(path: UserPtr<u8>, mode: u32) -> SysResult {
    mkdirat(AT_FDCWD, path, mode)
}

/// mkdirat (296): `EEXIST` for `.`, `..` and `/`.
pub fn mkdirat(dirfd: i32, path: UserPtr<u8>, mode: u32) -> SysResult {
    let (w, p) = parent_of(dirfd, path)?;
    if !p.is_normal() {
        return Err(Errno::EEXIST);
    }
    let mode = S_IFDIR | (mode & 0o1777 & !current_umask()?);
    create::create(&p.dir, &p.name, mode, NewNode::Dir, w.cred())?;
    Ok(0)
}

/// rmdir: `EINVAL` for `.`, `ENOTEMPTY` for `..`, `EBUSY` for `/`.
pub fn rmdir(path: UserPtr<u8>) -> SysResult {
    unlinkat(AT_FDCWD, path, AT_REMOVEDIR)
}

/// unlink.
pub fn unlink(path: UserPtr<u8>) -> SysResult {
    unlinkat(AT_FDCWD, path, 0)
}

/// unlinkat (301): `AT_REMOVEDIR` makes it rmdir.
pub fn unlinkat(dirfd: i32, path: UserPtr<u8>, flags: u32) -> SysResult {
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let (w, p) = parent_of(dirfd, path)?;
    if flags & AT_REMOVEDIR != 0 {
        match p.name.as_slice() {
            b"." => return Err(Errno::EINVAL),
            b".." => return Err(Errno::ENOTEMPTY),
            b"" => return Err(Errno::EBUSY),
            _ => {}
        }
        crate::fs::remove::rmdir(&p.dir, &p.name, w.cred())?;
        return Ok(0);
    }
    if !p.is_normal() {
        return Err(Errno::EISDIR);
    }
    if p.trailing_slash {
        // Linux: a trailing slash on a non-directory.
        let victim = namei::lookup_child(&p.dir, &p.name)?;
        return Err(if victim.is_dir() { Errno::EISDIR } else { Errno::ENOTDIR });
    }
    crate::fs::remove::unlink(&p.dir, &p.name, w.cred())?;
    Ok(0)
}

/// rename.
pub fn rename(old: UserPtr<u8>, new: UserPtr<u8>) -> SysResult {
    renameat2(AT_FDCWD, old, AT_FDCWD, new, 0)
}

/// renameat (302).
pub fn renameat(olddirfd: i32, old: UserPtr<u8>, newdirfd: i32, new: UserPtr<u8>) -> SysResult {
    renameat2(olddirfd, old, newdirfd, new, 0)
}

/// renameat2 (353): `RENAME_NOREPLACE`, `RENAME_EXCHANGE`.
pub fn renameat2(olddirfd: i32, old: UserPtr<u8>, newdirfd: i32, new: UserPtr<u8>, flags: u32) -> SysResult {
    let (w, op) = parent_of(olddirfd, old)?;
    let (_, np) = parent_of(newdirfd, new)?;
    if !op.is_normal() || !np.is_normal() {
        return Err(if flags & crate::fs::rename::RENAME_NOREPLACE != 0 && np.name.as_slice() != b"" && !np.is_normal() { Errno::EEXIST } else { Errno::EBUSY });
    }
    if op.trailing_slash || np.trailing_slash {
        let src = namei::lookup_child(&op.dir, &op.name)?;
        if !src.is_dir() {
            return Err(Errno::ENOTDIR);
        }
    }
    crate::fs::rename::rename(&op.dir, &op.name, &np.dir, &np.name, flags, w.cred())?;
    Ok(0)
}

/// link.
pub fn link(old: UserPtr<u8>, new: UserPtr<u8>) -> SysResult {
    linkat(AT_FDCWD, old, AT_FDCWD, new, 0)
}

/// linkat (303): the old path's final symlink is followed only with `AT_SYMLINK_FOLLOW`;
/// `AT_EMPTY_PATH` links the file open as `olddirfd`.
pub fn linkat(olddirfd: i32, old: UserPtr<u8>, newdirfd: i32, new: UserPtr<u8>, flags: u32) -> SysResult {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let old_path = user_path(old)?;
    let mut w = Walker::new()?;
    let target = if old_path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        let f = file(u32::try_from(olddirfd).map_err(|_| Errno::EBADF)?)?;
        f.path().ok_or(Errno::ENOENT)?.clone()
    } else {
        let start = start_at(olddirfd, &old_path)?;
        w.walk(&start, &old_path, flags & AT_SYMLINK_FOLLOW != 0)?
    };
    let (_, np) = parent_of(newdirfd, new)?;
    if !np.is_normal() {
        return Err(Errno::EEXIST);
    }
    if !alloc::sync::Arc::ptr_eq(&target.mount, &np.dir.mount) {
        return Err(Errno::EXDEV);
    }
    create::link(&target.inode, &np.dir, &np.name, w.cred())?;
    Ok(0)
}

/// symlink.
pub fn symlink(target: UserPtr<u8>, path: UserPtr<u8>) -> SysResult {
    symlinkat(target, AT_FDCWD, path)
}

/// symlinkat (304): `ENOENT` for an empty target.
pub fn symlinkat(target: UserPtr<u8>, dirfd: i32, path: UserPtr<u8>) -> SysResult {
    let target = user_path(target)?;
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    let (w, p) = parent_of(dirfd, path)?;
    if !p.is_normal() {
        return Err(Errno::EEXIST);
    }
    create::create(&p.dir, &p.name, crate::fs::stat::S_IFLNK | 0o777, NewNode::Symlink(&target), w.cred())?;
    Ok(0)
}

/// Linux's `new_decode_dev`.
fn decode_dev(dev: u32) -> (u32, u32) {
    ((dev & 0xfff00) >> 8, (dev & 0xff) | ((dev >> 12) & 0xfff00))
}

/// mknod.
pub fn mknod(path: UserPtr<u8>, mode: u32, dev: u32) -> SysResult {
    mknodat(AT_FDCWD, path, mode, dev)
}

/// mknodat (297): regular files, FIFOs and sockets for anyone; device nodes for root only
/// (`EPERM`); `EPERM` for a directory, `EINVAL` for an unknown type.
pub fn mknodat(dirfd: i32, path: UserPtr<u8>, mode: u32, dev: u32) -> SysResult {
    let ty = mode & S_IFMT;
    let (w, p) = parent_of(dirfd, path)?;
    if !p.is_normal() {
        return Err(Errno::EEXIST);
    }
    let perm = mode & 0o7777 & !current_umask()?;
    let what = match ty {
        0 | S_IFREG => NewNode::Regular(None),
        S_IFCHR | S_IFBLK => {
            if w.cred().euid != 0 {
                return Err(Errno::EPERM);
            }
            NewNode::Special(decode_dev(dev))
        }
        S_IFIFO | S_IFSOCK => NewNode::Special((0, 0)),
        S_IFDIR => return Err(Errno::EPERM),
        _ => return Err(Errno::EINVAL),
    };
    let ty = if ty == 0 { S_IFREG } else { ty };
    create::create(&p.dir, &p.name, ty | perm, what, w.cred())?;
    Ok(0)
}

/// readlink.
pub fn readlink(path: UserPtr<u8>, buf: UserBuf) -> SysResult {
    readlinkat(AT_FDCWD, path, buf)
}

/// readlinkat (305): the target, cut to the buffer, without a NUL; `EINVAL` for a
/// non-symlink or a buffer of size 0.
pub fn readlinkat(dirfd: i32, path: UserPtr<u8>, buf: UserBuf) -> SysResult {
    if (buf.len() as i32) <= 0 {
        return Err(Errno::EINVAL);
    }
    let path = user_path(path)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let start = start_at(dirfd, &path)?;
    let mut w = Walker::new()?;
    let at = w.walk(&start, &path, false)?;
    if !at.inode.is_symlink() {
        return Err(Errno::EINVAL);
    }
    let target = namei::link_target(&at.inode)?;
    let n = target.len().min(buf.len() as usize);
    buf.check(true)?;
    buf.write_at(0, &target[..n])?;
    at.inode.touch_accessed();
    Ok(n as u32)
}

/// chdir: `ENOTDIR`, and `EACCES` without search permission.
pub fn chdir(path: UserPtr<u8>) -> SysResult {
    let path = user_path(path)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let fs = crate::fs::fscontext::current()?;
    let mut w = Walker::new()?;
    let at = w.walk(&fs.get().cwd, &path, true)?;
    if !at.inode.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    at.inode.permission(w.cred(), MAY_EXEC)?;
    fs.set_cwd(at);
    Ok(0)
}

/// fchdir (133).
pub fn fchdir(fd: u32) -> SysResult {
    let f = file(fd)?;
    let at = f.path().ok_or(Errno::ENOTDIR)?.clone();
    if !at.inode.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    at.inode.permission(&crate::proc::cred::current(), MAY_EXEC)?;
    crate::fs::fscontext::current()?.set_cwd(at);
    Ok(0)
}

/// getcwd (183): the length written, NUL included; `ERANGE` for a short buffer, `ENOENT`
/// once the working directory was removed.
pub fn getcwd(buf: UserBuf) -> SysResult {
    let st = crate::fs::fscontext::current()?.get();
    if st.cwd.inode.meta.lock().nlink == 0 {
        return Err(Errno::ENOENT);
    }
    let mut path = namei::path_of(&st.cwd, &st.root)?;
    crate::mm::inject::fallible(|| path.try_reserve(1)).map_err(|_| Errno::ENOMEM)?;
    path.push(0);
    if path.len() > buf.len() as usize {
        return Err(Errno::ERANGE);
    }
    buf.check(true)?;
    buf.write_at(0, &path)?;
    Ok(path.len() as u32)
}

/// umask (60): sets the mask, returns the old one.
pub fn umask(mask: u32) -> SysResult {
    Ok(crate::fs::fscontext::current()?.swap_umask(mask))
}
