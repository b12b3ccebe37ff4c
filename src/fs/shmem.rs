//! Shared anonymous memory and memfd (Linux's `mm/shmem.c` internal mount, `shmem_zero_setup`,
//! `memfd_create`): an unlinked regular file on a tmpfs instance no one can see, whose pages
//! are allocated on first touch and shared by every mapping of it — across `fork`, which copies
//! no page and populates nothing (docs/memory-layout.md "Shared anonymous memory").
//!
//! * `mmap(MAP_SHARED | MAP_ANONYMOUS)` and a shared mapping of `/dev/zero` get a new object
//!   of the mapping's length, named `/dev/zero` (`/proc/PID/maps` adds ` (deleted)`, as for
//!   every unlinked file, like Linux).
//! * `memfd_create(name)` gives such a file a descriptor (`/memfd:NAME`): read,
//!   write, ftruncate, mmap, seals (`src/fs/seals.rs`).
//!
//! The internal instance has no `size=`/`nr_inodes=` limit (Linux's kernel mount), so its
//! pages are bounded by memory and the overcommit rules only.

use super::file::File;
use super::inode::{Inode, InodeKind, InodeMeta};
use super::mount::{Mount, MountLabel, PathRef};
use super::stat::S_IFREG;
use super::tmpfs::{MappedFile, RegularFile};
use crate::mm::object::MemObject;
use alloc::string::String;
use alloc::sync::Arc;
use vmcore::errno::Errno;
use vmcore::vma::FileObject;

/// The internal instance, mounted at boot (Linux's `shmem_init`): no process pays for it.
static SHM_MNT: spin::Once<Arc<Mount>> = spin::Once::new();

/// Mounts the internal instance (boot).
pub fn init() {
    SHM_MNT.call_once(|| {
        let (sb, root) = super::tmpfs::new_instance(u64::MAX, u64::MAX, 0o1777).expect("boot: the shmem instance");
        let label = MountLabel::new(b"tmpfs", b"tmpfs").expect("boot: the shmem mount's label");
        super::mount::internal(sb, root, label).expect("boot: the shmem mount")
    });
}

/// The internal mount.
fn shm_mount() -> Result<Arc<Mount>, Errno> {
    SHM_MNT.get().cloned().ok_or(Errno::ENOMEM)
}

/// A new unlinked regular file of `size` bytes on the internal instance, owned by the caller
/// (mode 0777 and no link, as Linux's `shmem_file_setup`), with `seals`.
fn new_file(size: u64, seals: u32) -> Result<PathRef, Errno> {
    let mount = shm_mount()?;
    let cred = crate::proc::cred::current();
    let meta = InodeMeta { mode: S_IFREG | 0o777, uid: cred.fsuid, gid: cred.fsgid, nlink: 0, seals, ..InodeMeta::default() };
    let inode = Inode::new(&mount.sb, meta, InodeKind::Regular(MemObject::new(None)?))?;
    if size > 0 {
        super::tmpfs::truncate(&inode, size)?;
    }
    Ok(PathRef { mount, inode })
}

/// The object behind a new shared anonymous mapping of `len` bytes.
pub fn anonymous_object(len: u64) -> Result<Arc<dyn FileObject>, Errno> {
    let at = new_file(len, super::seals::F_SEAL_SEAL)?;
    let name = copy_name("/dev/zero")?;
    Ok(MappedFile::new(at.inode, name)?)
}

/// `memfd_create`'s file: `name` as the caller gave it (at most 249 bytes, checked by the
/// caller), open for reading and writing with `flags` (`O_CLOEXEC` is the descriptor's).
pub fn memfd(name: &str, allow_sealing: bool) -> Result<Arc<File>, Errno> {
    let seals = if allow_sealing { 0 } else { super::seals::F_SEAL_SEAL };
    let at = new_file(0, seals)?;
    let mut full = String::new();
    crate::mm::inject::fallible(|| full.try_reserve_exact(name.len() + 7)).map_err(|_| Errno::ENOMEM)?;
    full.push_str("/memfd:");
    full.push_str(name);
    File::new(RegularFile::new(at, full), vmcore::syscall_abi::flags::O_RDWR | vmcore::syscall_abi::flags::O_LARGEFILE)
}

/// `s` as an owned string (`ENOMEM` if it cannot be).
fn copy_name(s: &str) -> Result<String, Errno> {
    let mut out = String::new();
    crate::mm::inject::fallible(|| out.try_reserve_exact(s.len())).map_err(|_| Errno::ENOMEM)?;
    out.push_str(s);
    Ok(out)
}
