//! Files: open file descriptions and their kinds, the initrd (a cpio archive loaded by GRUB)
//! as a read-only file system, the console, and `/proc` pseudo-files in Linux's formats.

pub mod dev;
pub mod file;
pub mod initrd;
pub mod kinds;
pub mod pipe;
mod pipe_ring;
pub mod poll;
pub mod proc_pagemap;
pub mod proc_pid;
pub mod proc_sys;
pub mod proc_vm;
pub mod procfs;
pub mod stat;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use file::File;
use initrd::InitrdFile;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{O_ACCMODE, O_CREAT, O_DIRECTORY, O_RDONLY, O_TRUNC};

/// What a path names.
pub enum Node {
    /// A regular file of the initrd.
    File(Arc<InitrdFile>),
    /// A directory, with the names of its entries.
    Dir(Vec<String>),
    /// A `/proc` file, generated now.
    Generated(Vec<u8>),
    /// A character device node (major, minor).
    CharDev((u32, u32)),
    /// `/proc/PID/pagemap`, generated as it is read.
    Pagemap(crate::proc::task::Pid),
}

/// The device nodes that exist before there is a devtmpfs: the terminal's.
fn device(path: &str) -> Option<(u32, u32)> {
    match path {
        "/dev/console" => Some(crate::tty::CONSOLE),
        "/dev/ttyS0" => Some(crate::tty::TTYS0),
        "/dev/tty" => Some(crate::tty::TTY_DEV),
        _ => None,
    }
}

/// Resolves an absolute path.
pub fn lookup(path: &str) -> Result<Node, Errno> {
    if !path.starts_with('/') {
        return Err(Errno::ENOENT);
    }
    if path == "/proc" || path.starts_with("/proc/") {
        return procfs::lookup(path);
    }
    if let Some(dev) = device(path) {
        return Ok(Node::CharDev(dev));
    }
    initrd::lookup(path)
}

/// Opens the absolute `path` with `open`'s `flags`: everything is read-only (`EROFS` for a
/// write or create), a directory only for reading (`EISDIR`).
pub fn open(path: &str, flags: u32) -> Result<Arc<File>, Errno> {
    // The device nodes, until the VFS gives /dev real ones.
    if let Some(rdev) = path.strip_prefix("/dev/").and_then(dev::node) {
        if flags & O_DIRECTORY != 0 {
            return Err(Errno::ENOTDIR);
        }
        return dev::open_chrdev(rdev, flags);
    }
    let node = lookup(path)?;
    let writes = flags & O_ACCMODE != O_RDONLY;
    match node {
        Node::Dir(names) => {
            if writes {
                return Err(Errno::EISDIR);
            }
            let mut owned = String::new();
            crate::mm::inject::fallible(|| owned.try_reserve(path.len())).map_err(|_| Errno::ENOMEM)?;
            owned.push_str(path);
            File::new(kinds::DirList { path: owned, names }, flags)
        }
        _ if flags & O_DIRECTORY != 0 => Err(Errno::ENOTDIR),
        Node::CharDev(rdev) => crate::tty::open(rdev, flags),
        _ if writes || flags & (O_CREAT | O_TRUNC) != 0 => Err(Errno::EROFS),
        Node::File(f) => File::new(kinds::InitrdRegular(f), flags),
        Node::Generated(bytes) => File::new(kinds::Snapshot(bytes), flags),
        Node::Pagemap(pid) => File::new(proc_pagemap::Pagemap::open(pid)?, flags),
    }
}

/// The console as an open file (descriptors 0, 1 and 2 of init).
pub fn console() -> Result<Arc<File>, Errno> {
    File::new(crate::tty::TtyFile::console(), vmcore::syscall_abi::flags::O_RDWR)
}
