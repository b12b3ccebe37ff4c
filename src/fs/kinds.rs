//! Open files of kinds without an inode of their own here: `/proc` snapshots (the terminal's
//! kind is `crate::tty::TtyFile`).

use super::file::{File, FileOps};
use super::inode::Inode;
use super::stat::Stat;
use crate::syscall::uptr::UserBuf;
use alloc::vec::Vec;
use vmcore::errno::Errno;

/// Copies `data[*pos..]` into `buf`, advancing `*pos`.
pub(super) fn read_bytes(data: &[u8], buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
    let start = (*pos).min(data.len() as u64) as usize;
    let n = (buf.len() as usize).min(data.len() - start);
    if n > 0 {
        buf.write_at(0, &data[start..start + n])?;
    }
    *pos += n as u64;
    Ok(n as u32)
}

/// A `/proc` file: its contents generated at open, and its attributes.
pub struct Snapshot(Vec<u8>, Stat);

impl Snapshot {
    /// The contents `bytes` of the `/proc` file `inode`.
    pub fn new(bytes: Vec<u8>, inode: &Inode) -> Snapshot {
        Snapshot(bytes, inode.stat())
    }
}

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
        Ok(self.1)
    }
}
