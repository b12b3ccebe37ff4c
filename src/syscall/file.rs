//! File system calls: open, openat, close, read, write, lseek, fstat64, getdents64.

use super::uptr::{UserBuf, UserPtr};
use super::SysResult;
use crate::fs::file::{Kind, OpenFile};
use crate::proc;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::AT_FDCWD;

fn file(fd: u32) -> Result<Arc<OpenFile>, Errno> {
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
            dir.dir_path.clone().ok_or(Errno::ENOTDIR)?
        };
        join(&base, &path)?
    };
    let node = crate::fs::lookup(&full)?;
    let file = crate::mm::inject::fallible(|| Arc::try_new(OpenFile::open(&full, node, flags)?).map_err(|_| Errno::ENOMEM))?;
    let limit = proc::limits::current_cur(proc::limits::RLIMIT_NOFILE);
    proc::current().files()?.install(file, limit)
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

/// fstat64: i386 `struct stat64` (96 bytes).
pub fn fstat64(fd: u32, buf: UserPtr<[u32; 24]>) -> SysResult {
    let (mode, size, ino) = file(fd)?.stat();
    let mut st = [0u32; 24];
    st[0] = 1; // st_dev (low word): the initrd's device
    st[3] = ino as u32; // __st_ino
    st[4] = mode;
    st[5] = 1; // st_nlink
    st[11] = size as u32; // st_size (low, high)
    st[12] = (size >> 32) as u32;
    st[13] = 4096; // st_blksize
    st[14] = size.div_ceil(512) as u32; // st_blocks
    st[22] = ino as u32; // st_ino (64-bit)
    st[23] = (ino >> 32) as u32;
    buf.write(st)?;
    Ok(0)
}

/// getdents64: `struct linux_dirent64` records for a directory opened with open().
pub fn getdents64(fd: u32, buf: UserBuf) -> SysResult {
    let f = file(fd)?;
    let Kind::Dir(names) = &f.kind else { return Err(Errno::ENOTDIR) };
    buf.check(true)?;
    let start = f.take_dir_position(0) as usize;
    let mut out = alloc::vec::Vec::new();
    let mut next = start;
    for (i, name) in names.iter().enumerate().skip(start) {
        let reclen = (19 + name.len() + 1).next_multiple_of(8);
        if out.len() + reclen > buf.len() as usize {
            break;
        }
        let mut rec = alloc::vec![0u8; reclen];
        rec[0..8].copy_from_slice(&(i as u64 + 100).to_le_bytes()); // d_ino
        rec[8..16].copy_from_slice(&(i as u64 + 1).to_le_bytes()); // d_off
        rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
        rec[18] = 0; // DT_UNKNOWN
        rec[19..19 + name.len()].copy_from_slice(name.as_bytes());
        out.extend_from_slice(&rec);
        next = i + 1;
    }
    if out.is_empty() && start < names.len() {
        return Err(Errno::EINVAL); // buffer too small for one record
    }
    buf.write_at(0, &out)?;
    f.set_offset(next as u64);
    Ok(out.len() as u32)
}
