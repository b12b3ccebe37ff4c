//! Files: inodes and their file systems (tmpfs, procfs, devtmpfs), directories, path lookup,
//! mounts, open file descriptions and their kinds, the console, and `/proc` pseudo-files in
//! Linux's formats. The design is docs/files.md.
//!
//! At boot ([`init`]) the root is a tmpfs filled from the initrd; procfs is mounted on `/proc`
//! and devtmpfs on `/dev`, and `/tmp` is a sticky world-writable directory.

pub mod chrdev;
pub mod create;
pub mod dev;
pub mod dir;
pub mod file;
pub mod fscontext;
pub mod fstypes;
pub mod initrd;
pub mod inode;
pub mod kinds;
pub mod mount;
pub mod namei;
pub mod open;
pub mod pipe;
mod pipe_io;
mod pipe_ring;
pub mod poll;
pub mod proc_kpage;
pub mod proc_pagemap;
pub mod proc_pid;
pub mod proc_tunable;
pub mod proc_sys;
pub mod proc_vm;
pub mod procfs;
pub mod remove;
pub mod rename;
pub mod seals;
pub mod shmem;
pub mod socket;
pub mod stat;
pub mod tmpfs;

use alloc::sync::Arc;
use create::NewNode;
use file::File;
use mount::PathRef;
use stat::S_IFDIR;
use vmcore::errno::Errno;

/// The root tmpfs with the initrd unpacked, `/proc`, `/dev` and `/tmp`.
pub fn init() {
    let t0 = crate::arch::cpu::rdtsc();
    let (sb, root) = tmpfs::new_instance(tmpfs::default_pages(), tmpfs::default_inodes(), 0o755).expect("boot: the root tmpfs");
    let label = mount::MountLabel::new(b"rootfs", b"rootfs").expect("boot: the root mount's label");
    let m = mount::add(sb, root.clone(), None, label).expect("boot: the root mount");
    let top = PathRef { mount: m, inode: root };
    let unpacked = initrd::unpack(&top);
    let t1 = crate::arch::cpu::rdtsc();
    let cred = crate::proc::cred::Cred::root();
    for (name, mode, fstype) in [(&b"proc"[..], 0o555, &b"proc"[..]), (b"dev", 0o755, b"devtmpfs"), (b"tmp", 0o1777, b"")] {
        let at = match namei::lookup_child(&top, name) {
            Ok(inode) => PathRef { mount: top.mount.clone(), inode },
            Err(_) => match create::create(&top, name, S_IFDIR | mode, NewNode::Dir, &cred) {
                Ok(inode) => PathRef { mount: top.mount.clone(), inode },
                Err(e) => {
                    log::error!("boot: /{}: {e:?}", core::str::from_utf8(name).unwrap_or("?"));
                    continue;
                }
            },
        };
        if fstype.is_empty() {
            continue;
        }
        let done = mount::MountLabel::new(fstype, fstype)
            .and_then(|label| fstypes::instance(fstype, b"").and_then(|(sb, r)| mount::add(sb, r, Some(at), label)));
        if let Err(e) = done {
            log::error!("boot: mounting {} failed: {e:?}", core::str::from_utf8(fstype).unwrap_or("?"));
        }
    }
    shmem::init();
    log::info!("fs: root tmpfs, {} initrd entries unpacked in {} cycles", unpacked.entries, t1 - t0);
}

/// The console as an open file (descriptors 0, 1 and 2 of init).
pub fn console() -> Result<Arc<File>, Errno> {
    File::new(crate::tty::TtyFile::console(), vmcore::syscall_abi::flags::O_RDWR)
}
