//! File attributes as `stat` reports them, and their i386 `struct stat64` encoding.

use crate::syscall::uptr::UserPtr;
use vmcore::errno::Errno;

/// Mode bits: the file type field and its values (`S_IFMT`...).
pub const S_IFMT: u32 = 0o170000;
/// A socket.
pub const S_IFSOCK: u32 = 0o140000;
/// A symbolic link.
pub const S_IFLNK: u32 = 0o120000;
/// A regular file.
pub const S_IFREG: u32 = 0o100000;
/// A block device.
pub const S_IFBLK: u32 = 0o060000;
/// A directory.
pub const S_IFDIR: u32 = 0o040000;
/// A character device.
pub const S_IFCHR: u32 = 0o020000;
/// A FIFO (and a pipe, as `fstat` reports it).
pub const S_IFIFO: u32 = 0o010000;

/// A timestamp: seconds and nanoseconds since the epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timespec {
    /// Seconds.
    pub sec: i64,
    /// Nanoseconds, below 1,000,000,000.
    pub nsec: u32,
}

/// What `stat` reports about a file.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stat {
    /// Device of the file system (major, minor).
    pub dev: (u32, u32),
    /// Inode number.
    pub ino: u64,
    /// Type and permission bits.
    pub mode: u32,
    /// Hard links.
    pub nlink: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device a character or block node names (major, minor).
    pub rdev: (u32, u32),
    /// Size in bytes.
    pub size: u64,
    /// Preferred I/O size.
    pub blksize: u32,
    /// 512-byte blocks allocated.
    pub blocks: u64,
    /// Last access.
    pub atime: Timespec,
    /// Last modification of the contents.
    pub mtime: Timespec,
    /// Last change of the inode.
    pub ctime: Timespec,
}

/// Linux's `new_encode_dev`: the 32-bit device number `stat` reports.
pub const fn encode_dev((major, minor): (u32, u32)) -> u32 {
    (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & !0xff) << 12)
}

impl Stat {
    /// The i386 `struct stat64` (96 bytes) as 24 words.
    pub fn to_stat64(&self) -> [u32; 24] {
        let mut st = [0u32; 24];
        st[0] = encode_dev(self.dev); // st_dev (64-bit)
        st[3] = self.ino as u32; // __st_ino
        st[4] = self.mode;
        st[5] = self.nlink;
        st[6] = self.uid;
        st[7] = self.gid;
        st[8] = encode_dev(self.rdev); // st_rdev (64-bit)
        st[11] = self.size as u32; // st_size (low, high)
        st[12] = (self.size >> 32) as u32;
        st[13] = self.blksize;
        st[14] = self.blocks as u32; // st_blocks (64-bit)
        st[15] = (self.blocks >> 32) as u32;
        for (i, t) in [self.atime, self.mtime, self.ctime].iter().enumerate() {
            st[16 + 2 * i] = t.sec as u32;
            st[17 + 2 * i] = t.nsec;
        }
        st[22] = self.ino as u32; // st_ino (64-bit)
        st[23] = (self.ino >> 32) as u32;
        st
    }

    /// Writes the `struct stat64` to user memory.
    pub fn write_stat64(&self, buf: UserPtr<[u32; 24]>) -> Result<(), Errno> {
        buf.write(self.to_stat64())
    }
}
