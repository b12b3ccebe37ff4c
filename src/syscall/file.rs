//! File system calls: open, openat, close, read, write, lseek, fstat64, getdents64.

use super::uptr::{UserBuf, UserPtr};
use super::SysResult;
use crate::fs::file::File;
use crate::proc;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{AT_FDCWD, O_CLOEXEC};

pub(super) fn file(fd: u32) -> Result<Arc<File>, Errno> {
    proc::current().files()?.get(fd)
}

/// open: initrd files and directories, `/proc` files; everything is read-only.
pub fn open(path: UserPtr<u8>, flags: u32, mode: u32) -> SysResult {
    openat(AT_FDCWD, path, flags, mode)
}

/// openat (295): `path` relative to the directory open as `dirfd`, or to the working
/// directory for `AT_FDCWD` (the root: there is no `chdir` yet); an absolute path ignores
/// `dirfd`. EBADF for a `dirfd` that is not open, ENOTDIR for one that is not a directory, as
/// Linux checks them (only when the path is relative).
pub fn openat(dirfd: i32, path: UserPtr<u8>, flags: u32, _mode: u32) -> SysResult {
    let path = path.read_path()?;
    let full = if path.starts_with('/') {
        path
    } else {
        let base = if dirfd == AT_FDCWD {
            String::from("/")
        } else {
            let dir = file(u32::try_from(dirfd).map_err(|_| Errno::EBADF)?)?;
            String::from(dir.ops().dir_path().ok_or(Errno::ENOTDIR)?)
        };
        join(&base, &path)?
    };
    let file = crate::fs::open(&full, flags)?;
    let limit = proc::limits::current_cur(proc::limits::RLIMIT_NOFILE);
    proc::current().files()?.install(file, flags & O_CLOEXEC != 0, limit)
}

/// `base/rel` without `.` components and with `..` going up (never above `/`); ENOENT for an
/// empty relative path, as Linux's lookup of "".
fn join(base: &str, rel: &str) -> Result<String, Errno> {
    if rel.is_empty() {
        return Err(Errno::ENOENT);
    }
    let mut parts: Vec<&str> = Vec::new();
    crate::mm::inject::fallible(|| parts.try_reserve(base.len() / 2 + rel.len() / 2 + 1)).map_err(|_| Errno::ENOMEM)?;
    for part in base.split('/').chain(rel.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::new();
    crate::mm::inject::fallible(|| out.try_reserve(base.len() + rel.len() + 2)).map_err(|_| Errno::ENOMEM)?;
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

/// close.
pub fn close(fd: u32) -> SysResult {
    proc::current().files()?.close(fd)?;
    Ok(0)
}

/// read.
pub fn read(fd: u32, buf: UserBuf) -> SysResult {
    file(fd)?.read(buf)
}

/// write.
pub fn write(fd: u32, buf: UserBuf) -> SysResult {
    file(fd)?.write(buf)
}

/// lseek (32-bit offsets; EOVERFLOW beyond).
pub fn lseek(fd: u32, offset: i32, whence: u32) -> SysResult {
    let pos = file(fd)?.lseek(offset as i64, whence)?;
    u32::try_from(pos).ok().filter(|&p| p <= i32::MAX as u32).ok_or(Errno::EOVERFLOW)
}

/// _llseek (140): the 64-bit offset from two halves, the new position written to `result`.
pub fn llseek(fd: u32, high: u32, low: u32, result: UserPtr<[u32; 2]>, whence: u32) -> SysResult {
    let offset = (((high as u64) << 32) | low as u64) as i64;
    let pos = file(fd)?.lseek(offset, whence)?;
    result.write([pos as u32, (pos >> 32) as u32])?;
    Ok(0)
}

/// fstat64: i386 `struct stat64` (96 bytes).
pub fn fstat64(fd: u32, buf: UserPtr<[u32; 24]>) -> SysResult {
    file(fd)?.stat()?.write_stat64(buf)?;
    Ok(0)
}

/// getdents64: `struct linux_dirent64` records for a directory opened with open().
pub fn getdents64(fd: u32, buf: UserBuf) -> SysResult {
    file(fd)?.getdents(buf)
}
