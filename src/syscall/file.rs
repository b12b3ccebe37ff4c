//! File system calls: open, close, read, write, lseek, fstat64, getdents64.

use super::uptr::{UserBuf, UserPtr};
use super::SysResult;
use crate::fs::file::{Kind, OpenFile};
use crate::proc;
use alloc::sync::Arc;
use vmcore::errno::Errno;

fn file(fd: u32) -> Result<Arc<OpenFile>, Errno> {
    proc::current().inner.lock().files.get(fd)
}

/// open: initrd files and directories, `/proc` files; everything is read-only.
pub fn open(path: UserPtr<u8>, flags: u32, _mode: u32) -> SysResult {
    let path = path.read_path()?;
    let node = crate::fs::lookup(&path)?;
    let file = crate::mm::inject::fallible(|| Arc::try_new(OpenFile::open(node, flags)?).map_err(|_| Errno::ENOMEM))?;
    let limit = proc::limits::current_cur(proc::limits::RLIMIT_NOFILE);
    proc::current().inner.lock().files.install(file, limit)
}

/// close.
pub fn close(fd: u32) -> SysResult {
    proc::current().inner.lock().files.close(fd)?;
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
