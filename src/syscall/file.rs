//! File system calls on descriptors and opening: open, openat, creat, close, read, write,
//! lseek, _llseek, fstat64, getdents, getdents64; and where a `*at` call starts its lookup.

use super::uptr::{UserBuf, UserPtr};
use super::SysResult;
use crate::fs::file::File;
use crate::fs::mount::PathRef;
use crate::fs::namei::PATH_MAX;
use crate::proc;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{AT_FDCWD, O_CLOEXEC, O_CREAT, O_TRUNC, O_WRONLY};

pub(super) fn file(fd: u32) -> Result<Arc<File>, Errno> {
    proc::current().files()?.get(fd)
}

/// A path argument: at most 4,095 bytes (`ENAMETOOLONG`), `EFAULT` on a bad pointer.
pub(super) fn user_path(path: UserPtr<u8>) -> Result<Vec<u8>, Errno> {
    path.read_cstr(PATH_MAX)
}

/// Where a `*at` call's relative `path` starts: the working directory for `AT_FDCWD`, else
/// the directory open as `dirfd` (`EBADF` if not open, `ENOTDIR` if not a directory). An
/// absolute path ignores `dirfd`, as Linux checks it only for relative paths.
pub(super) fn start_at(dirfd: i32, path: &[u8]) -> Result<PathRef, Errno> {
    let fs = crate::fs::fscontext::current()?;
    if path.first() == Some(&b'/') || dirfd == AT_FDCWD {
        return Ok(fs.get().cwd);
    }
    let dir = file(u32::try_from(dirfd).map_err(|_| Errno::EBADF)?)?;
    let at = dir.path().ok_or(Errno::ENOTDIR)?;
    if !at.inode.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    Ok(at.clone())
}

/// open.
pub fn open(path: UserPtr<u8>, flags: u32, mode: u32) -> SysResult {
    openat(AT_FDCWD, path, flags, mode)
}

/// creat: open with `O_CREAT|O_WRONLY|O_TRUNC`.
pub fn creat(path: UserPtr<u8>, mode: u32) -> SysResult {
    openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode)
}

/// openat (295): `path` relative to the directory open as `dirfd` or the working directory.
pub fn openat(dirfd: i32, path: UserPtr<u8>, flags: u32, mode: u32) -> SysResult {
    let path = user_path(path)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let start = start_at(dirfd, &path)?;
    let file = crate::fs::open::open(&start, &path, flags, mode)?;
    let limit = proc::limits::current_cur(proc::limits::RLIMIT_NOFILE);
    proc::current().files()?.install(file, flags & O_CLOEXEC != 0, limit)
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
    let f = file(fd)?;
    let pos = f.lseek(offset as i64, whence)?;
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

/// getdents64: `struct linux_dirent64` records.
pub fn getdents64(fd: u32, buf: UserBuf) -> SysResult {
    file(fd)?.getdents(buf)
}

/// getdents (141): `struct linux_dirent` records (`EOVERFLOW` for numbers past 32 bits).
pub fn getdents(fd: u32, buf: UserBuf) -> SysResult {
    file(fd)?.getdents_old(buf)
}
