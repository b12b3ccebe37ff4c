//! Open files: what a file descriptor refers to, with its offset.

use super::initrd::InitrdFile;
use super::Node;
use crate::syscall::uptr::UserBuf;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{
    O_ACCMODE, O_CREAT, O_DIRECTORY, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, SEEK_CUR, SEEK_END,
    SEEK_SET,
};
use vmcore::vma::FileObject;

/// What an open file reads from.
pub enum Kind {
    /// The serial console: reads keyboard bytes, writes to the screen.
    Console,
    /// A regular initrd file.
    Regular(Arc<InitrdFile>),
    /// A `/proc` file, its contents generated at open time.
    Snapshot(Vec<u8>),
    /// A directory, for `getdents64`.
    Dir(Vec<String>),
}

/// An open file description (shared by descriptors after fork).
pub struct OpenFile {
    /// What it refers to.
    pub kind: Kind,
    /// The absolute path a directory was opened by (what `openat` resolves relative paths
    /// against); `None` for anything else.
    pub dir_path: Option<String>,
    /// Opened for reading.
    pub readable: bool,
    /// Opened for writing.
    pub writable: bool,
    offset: spin::Mutex<u64>,
}

impl OpenFile {
    /// The console, readable and writable.
    pub fn console() -> Self {
        Self { kind: Kind::Console, dir_path: None, readable: true, writable: true, offset: spin::Mutex::new(0) }
    }

    /// Opens the node `path` resolved to with `open` flags; everything but the console is
    /// read-only.
    pub fn open(path: &str, node: Node, flags: u32) -> Result<Self, Errno> {
        let (readable, writable) = match flags & O_ACCMODE {
            O_RDONLY => (true, false),
            O_WRONLY => (false, true),
            O_RDWR => (true, true),
            _ => return Err(Errno::EINVAL),
        };
        let kind = match node {
            Node::Dir(names) => {
                if writable {
                    return Err(Errno::EISDIR);
                }
                Kind::Dir(names)
            }
            _ if flags & O_DIRECTORY != 0 => return Err(Errno::ENOTDIR),
            _ if writable || flags & (O_CREAT | O_TRUNC) != 0 => return Err(Errno::EROFS),
            Node::File(f) => Kind::Regular(f),
            Node::Generated(bytes) => Kind::Snapshot(bytes),
        };
        let dir_path = match kind {
            Kind::Dir(_) => Some(String::from(path)),
            _ => None,
        };
        Ok(Self { kind, dir_path, readable, writable, offset: spin::Mutex::new(0) })
    }

    fn bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Regular(f) => Some(f.data()),
            Kind::Snapshot(b) => Some(b),
            _ => None,
        }
    }

    /// Reads at the current offset into the user buffer.
    pub fn read(&self, buf: UserBuf) -> Result<u32, Errno> {
        if !self.readable {
            return Err(Errno::EBADF);
        }
        buf.check(true)?;
        match &self.kind {
            Kind::Console => crate::console::input::read(buf),
            Kind::Dir(_) => Err(Errno::EISDIR),
            _ => {
                let data = self.bytes().expect("invariant: regular or snapshot");
                let mut off = self.offset.lock();
                let start = (*off).min(data.len() as u64) as usize;
                let n = (buf.len() as usize).min(data.len() - start);
                if n > 0 {
                    buf.write_at(0, &data[start..start + n])?;
                }
                *off += n as u64;
                Ok(n as u32)
            }
        }
    }

    /// Writes the user buffer (only the console is writable).
    pub fn write(&self, buf: UserBuf) -> Result<u32, Errno> {
        if !self.writable {
            return Err(Errno::EBADF);
        }
        buf.check(false)?;
        match &self.kind {
            Kind::Console => {
                let mut chunk = [0u8; 256];
                let mut done = 0u32;
                while done < buf.len() {
                    let n = (buf.len() - done).min(chunk.len() as u32) as usize;
                    if let Err(e) = buf.read_at(done, &mut chunk[..n]) {
                        return if done > 0 { Ok(done) } else { Err(e) };
                    }
                    crate::console::serial::write_bytes(&chunk[..n]);
                    done += n as u32;
                }
                Ok(done)
            }
            _ => Err(Errno::EBADF),
        }
    }

    /// Moves the offset (`SEEK_SET`, `SEEK_CUR`, `SEEK_END`).
    pub fn lseek(&self, offset: i64, whence: u32) -> Result<u64, Errno> {
        let size = match &self.kind {
            Kind::Console => return Err(Errno::ESPIPE),
            Kind::Dir(names) => names.len() as u64,
            _ => self.bytes().map_or(0, |b| b.len() as u64),
        };
        let mut off = self.offset.lock();
        let base = match whence {
            SEEK_SET => 0i64,
            SEEK_CUR => *off as i64,
            SEEK_END => size as i64,
            _ => return Err(Errno::EINVAL),
        };
        let new = base.checked_add(offset).filter(|&n| n >= 0).ok_or(Errno::EINVAL)?;
        *off = new as u64;
        Ok(new as u64)
    }

    /// The next directory entry index to return and advances it (for getdents64).
    pub fn take_dir_position(&self, count: u64) -> u64 {
        let mut off = self.offset.lock();
        let pos = *off;
        *off += count;
        pos
    }

    /// Sets the offset (getdents64 rewinding after a short buffer).
    pub fn set_offset(&self, value: u64) {
        *self.offset.lock() = value;
    }

    /// (mode, size, inode) for fstat.
    pub fn stat(&self) -> (u32, u64, u64) {
        match &self.kind {
            Kind::Console => (0o020620, 0, 1),
            Kind::Regular(f) => (0o100000 | (f.mode() & 0o7777), f.size(), f.ino()),
            Kind::Snapshot(b) => (0o100444, b.len() as u64, 2),
            Kind::Dir(_) => (0o040555, 0, 3),
        }
    }

    /// The initrd file behind this description, for file mappings.
    pub fn mappable(&self) -> Option<Arc<InitrdFile>> {
        match &self.kind {
            Kind::Regular(f) => Some(f.clone()),
            _ => None,
        }
    }
}
