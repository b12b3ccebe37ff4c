//! The kinds of open file the read-only initrd world has: its regular files, its directories
//! (a listing taken at open) and `/proc` snapshots. The tmpfs root replaces the first two (the
//! terminal's kind is `crate::tty::TtyFile`).

use super::file::{File, FileOps};
use super::initrd::InitrdFile;
use super::stat::{Stat, S_IFDIR, S_IFREG};
use crate::syscall::uptr::UserBuf;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::errno::Errno;
use vmcore::vma::FileObject;

/// Copies `data[*pos..]` into `buf`, advancing `*pos`.
fn read_bytes(data: &[u8], buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
    let start = (*pos).min(data.len() as u64) as usize;
    let n = (buf.len() as usize).min(data.len() - start);
    if n > 0 {
        buf.write_at(0, &data[start..start + n])?;
    }
    *pos += n as u64;
    Ok(n as u32)
}

/// A regular file of the initrd.
pub struct InitrdRegular(pub Arc<InitrdFile>);

impl FileOps for InitrdRegular {
    fn read(&self, _f: &File, buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
        read_bytes(self.0.data(), buf, pos)
    }
    fn seekable(&self) -> bool {
        true
    }
    fn size(&self) -> u64 {
        self.0.size()
    }
    fn stat(&self, _f: &File) -> Result<Stat, Errno> {
        let size = self.0.size();
        Ok(Stat {
            dev: super::initrd::DEV,
            ino: self.0.ino(),
            mode: S_IFREG | (self.0.mode() & 0o7777),
            nlink: 1,
            size,
            blksize: 4096,
            blocks: size.div_ceil(512),
            ..Stat::default()
        })
    }
    fn mmap_object(&self, _f: &File) -> Result<Arc<dyn FileObject>, Errno> {
        Ok(self.0.clone())
    }
    fn splice_read(&self, _f: &File, out: &mut [u8], pos: &mut u64) -> Result<u32, Errno> {
        let n = self.0.read_at(*pos, out);
        *pos += n as u64;
        Ok(n as u32)
    }
}

/// A `/proc` file: its contents generated at open.
pub struct Snapshot(pub Vec<u8>);

impl FileOps for Snapshot {
    fn read(&self, _f: &File, buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
        read_bytes(&self.0, buf, pos)
    }
    fn seekable(&self) -> bool {
        true
    }
    fn size(&self) -> u64 {
        self.0.len() as u64
    }
    fn stat(&self, _f: &File) -> Result<Stat, Errno> {
        Ok(Stat { dev: (0, 4), ino: 2, mode: S_IFREG | 0o444, nlink: 1, blksize: 1024, ..Stat::default() })
    }
}

/// A directory: the names of its entries, listed at open, and the path it was opened by.
pub struct DirList {
    /// The absolute path (what `openat` resolves relative paths against).
    pub path: String,
    /// Entry names.
    pub names: Vec<String>,
}

impl FileOps for DirList {
    fn read(&self, _f: &File, _buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        Err(Errno::EISDIR)
    }
    fn seekable(&self) -> bool {
        true
    }
    fn size(&self) -> u64 {
        self.names.len() as u64
    }
    fn stat(&self, _f: &File) -> Result<Stat, Errno> {
        Ok(Stat { dev: super::initrd::DEV, ino: 3, mode: S_IFDIR | 0o555, nlink: 2, blksize: 4096, ..Stat::default() })
    }
    fn dir_path(&self) -> Option<&str> {
        Some(&self.path)
    }
    /// `struct linux_dirent64` records from entry `*pos` on.
    fn getdents(&self, _f: &File, buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
        let start = *pos as usize;
        let mut out = Vec::new();
        let mut next = start;
        for (i, name) in self.names.iter().enumerate().skip(start) {
            let reclen = (19 + name.len() + 1).next_multiple_of(8);
            if out.len() + reclen > buf.len() as usize {
                break;
            }
            crate::mm::inject::fallible(|| out.try_reserve(reclen)).map_err(|_| Errno::ENOMEM)?;
            let at = out.len();
            out.resize(at + reclen, 0u8);
            let rec = &mut out[at..];
            rec[0..8].copy_from_slice(&(i as u64 + 100).to_le_bytes()); // d_ino
            rec[8..16].copy_from_slice(&(i as u64 + 1).to_le_bytes()); // d_off
            rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
            rec[18] = 0; // DT_UNKNOWN
            rec[19..19 + name.len()].copy_from_slice(name.as_bytes());
            next = i + 1;
        }
        if out.is_empty() && start < self.names.len() {
            return Err(Errno::EINVAL); // buffer too small for one record
        }
        buf.write_at(0, &out)?;
        *pos = next as u64;
        Ok(out.len() as u32)
    }
}
