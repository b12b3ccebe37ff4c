//! Files: the initrd (a cpio archive loaded by GRUB) as a read-only file system, the console,
//! and `/proc` pseudo-files in Linux's formats.

pub mod file;
pub mod initrd;
pub mod procfs;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use initrd::InitrdFile;
use vmcore::errno::Errno;

/// What a path names.
pub enum Node {
    /// A regular file of the initrd.
    File(Arc<InitrdFile>),
    /// A directory, with the names of its entries.
    Dir(Vec<String>),
    /// A `/proc` file, generated now.
    Generated(Vec<u8>),
}

/// Resolves an absolute path.
pub fn lookup(path: &str) -> Result<Node, Errno> {
    if !path.starts_with('/') {
        return Err(Errno::ENOENT);
    }
    if path == "/proc" || path.starts_with("/proc/") {
        return procfs::lookup(path);
    }
    initrd::lookup(path)
}
