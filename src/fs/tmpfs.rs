//! tmpfs (Linux's `mm/shmem.c` file system side): instances with `size=` and `nr_inodes=`
//! limits, regular files whose data is a `MemObject`, and what a mapping of one sees.
//!
//! **Blocks** are the object's pages: a write reserves the pages it may add first (`ENOSPC`
//! past `size=`, a short write when some fit), then gives back what it did not use; truncation
//! and the last reference to the inode give them back.

use super::file::{File, FileOps};
use super::inode::{Inode, InodeKind, InodeMeta, SuperBlock, TMPFS_MAGIC};
use super::dir::Dir;
use super::mount::PathRef;
use super::stat::{Stat, S_IFDIR};
use crate::mm::object::MemObject;
use crate::syscall::uptr::UserBuf;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::boxed::Box;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::O_APPEND;
use vmcore::vma::FileObject;

const PAGE: u64 = 4096;

/// A new tmpfs instance and its root directory (`mode` permission bits, owned by root).
pub fn new_instance(max_pages: u64, max_inodes: u64, mode: u32) -> Result<(Arc<SuperBlock>, Arc<Inode>), Errno> {
    let sb = SuperBlock::new(TMPFS_MAGIC, max_pages, max_inodes)?;
    let meta = InodeMeta { mode: S_IFDIR | (mode & 0o7777), nlink: 2, ..InodeMeta::default() };
    let root = Inode::new(&sb, meta, InodeKind::Dir(spin::RwLock::new(Dir::new(Weak::new(), Box::default()))))?;
    Ok((sb, root))
}

/// tmpfs's default `size=`: half of RAM, in pages.
pub fn default_pages() -> u64 {
    let c = crate::mm::frames::counters();
    (c.total as u64) / 2
}

/// tmpfs's default `nr_inodes=`: half of RAM's pages (Linux's `shmem_default_max_inodes`).
pub fn default_inodes() -> u64 {
    default_pages()
}

/// Pages of `[pos, pos + len)` the object does not hold yet (what a write there may add).
fn missing_pages(obj: &MemObject, pos: u64, len: u64) -> u64 {
    if len == 0 {
        return 0;
    }
    let first = pos / PAGE;
    let last = (pos + len - 1) / PAGE;
    (first..=last).filter(|&i| i > u32::MAX as u64 || !obj.has_page(i as u32)).count() as u64
}

/// Writes `buf` at `pos` of the regular file `inode`, charging new pages to its file system:
/// what fits when `size=` runs out part-way, `ENOSPC` when nothing does.
pub fn write(inode: &Inode, buf: UserBuf, pos: u64) -> Result<u32, Errno> {
    let obj = inode.object().ok_or(Errno::EINVAL)?;
    let mut len = super::seals::check_write(inode, pos, buf.len() as u64, obj.size())?;
    let mut need = missing_pages(obj, pos, len);
    while need > 0 && inode.sb.charge(need).is_err() {
        // Shorten to the pages there is room for.
        let room = inode.sb.max_pages.load(core::sync::atomic::Ordering::Relaxed)
            .saturating_sub(inode.sb.used_pages.load(core::sync::atomic::Ordering::Relaxed));
        if room == 0 {
            return Err(Errno::ENOSPC);
        }
        let end_page = pos / PAGE + room;
        len = len.min(end_page * PAGE - pos);
        if len == 0 {
            return Err(Errno::ENOSPC);
        }
        need = missing_pages(obj, pos, len);
    }
    let before = obj.blocks();
    let result = obj.write(pos, buf.prefix(len as u32));
    let added = obj.blocks().saturating_sub(before);
    inode.sb.uncharge(need.saturating_sub(added));
    if matches!(result, Ok(n) if n > 0) {
        inode.touch_modified();
    }
    result
}

/// Writes the kernel bytes `data` at `pos` of the regular file `inode` (a core dump's
/// writer), charging new pages to its file system: `ENOSPC` when they do not all fit.
pub fn write_bytes(inode: &Inode, data: &[u8], pos: u64) -> Result<(), Errno> {
    let obj = inode.object().ok_or(Errno::EINVAL)?;
    let _w = inode.rw.lock();
    let need = missing_pages(obj, pos, data.len() as u64);
    inode.sb.charge(need)?;
    let before = obj.blocks();
    let result = obj.write_bytes(pos, data);
    let added = obj.blocks().saturating_sub(before);
    inode.sb.uncharge(need.saturating_sub(added));
    inode.touch_modified();
    result
}

/// Sets the size of the regular file `inode`, giving back the pages cut off.
pub fn truncate(inode: &Inode, len: u64) -> Result<(), Errno> {
    let obj = inode.object().ok_or(Errno::EINVAL)?;
    let _w = inode.rw.lock();
    super::seals::check_resize(inode, obj.size(), len)?;
    let before = obj.blocks();
    obj.truncate(len)?;
    inode.sb.uncharge(before.saturating_sub(obj.blocks()));
    inode.touch_modified();
    Ok(())
}

/// Frees pages `[first, end)` of the regular file `inode` (they read as zeros; the size
/// stays), giving their blocks back (`MADV_REMOVE`, Linux's `shmem_fallocate` punching).
pub fn punch(inode: &Inode, first: u64, end: u64) -> Result<(), Errno> {
    let obj = inode.object().ok_or(Errno::EINVAL)?;
    let _w = inode.rw.lock();
    super::seals::check_write(inode, 0, 0, 0)?;
    let before = obj.blocks();
    obj.punch(first, end)?;
    inode.sb.uncharge(before.saturating_sub(obj.blocks()));
    inode.touch_modified();
    Ok(())
}

/// An open regular tmpfs file.
pub struct RegularFile {
    path: PathRef,
    name: String,
}

impl RegularFile {
    /// The file at `path`, opened; `name` is its absolute path (what maps shows).
    pub fn new(path: PathRef, name: String) -> RegularFile {
        RegularFile { path, name }
    }
    fn inode(&self) -> &Arc<Inode> {
        &self.path.inode
    }
}

impl FileOps for RegularFile {
    fn read(&self, _f: &File, buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
        let obj = self.inode().object().ok_or(Errno::EINVAL)?;
        let n = obj.read(*pos, buf)?;
        *pos += n as u64;
        self.inode().touch_accessed();
        Ok(n)
    }
    fn write(&self, f: &File, buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
        let inode = self.inode();
        let _w = inode.rw.lock();
        if f.status_flags() & O_APPEND != 0 {
            *pos = inode.size();
        }
        let n = write(inode, buf, *pos)?;
        *pos += n as u64;
        Ok(n)
    }
    fn splice_read(&self, _f: &File, out: &mut [u8], pos: &mut u64) -> Result<u32, Errno> {
        let obj = self.inode().object().ok_or(Errno::EINVAL)?;
        let n = obj.read_at(*pos, out);
        *pos += n as u64;
        Ok(n as u32)
    }
    fn seekable(&self) -> bool {
        true
    }
    fn size(&self) -> u64 {
        self.inode().size()
    }
    fn stat(&self, _f: &File) -> Result<Stat, Errno> {
        Ok(self.inode().stat())
    }
    fn fcntl(&self, f: &File, cmd: u32, arg: u32) -> Result<u32, Errno> {
        super::seals::fcntl(f, self.inode(), cmd, arg)
    }
    fn mmap_object(&self, _f: &File) -> Result<Arc<dyn FileObject>, Errno> {
        let obj = MappedFile { inode: self.inode().clone(), name: crate::mm::trycopy::string(&self.name)? };
        Ok(crate::mm::inject::fallible(|| Arc::try_new(obj)).map_err(|_| Errno::ENOMEM)?)
    }
    fn path(&self) -> Option<&PathRef> {
        Some(&self.path)
    }
    fn name(&self) -> Option<&str> {
        Some(&self.name)
    }
}

/// A tmpfs regular file as a mapping sees it.
pub struct MappedFile {
    inode: Arc<Inode>,
    name: String,
}

impl MappedFile {
    /// The file `inode` under `name` (exec maps programs through this).
    pub fn new(inode: Arc<Inode>, name: String) -> Result<Arc<MappedFile>, Errno> {
        crate::mm::inject::fallible(|| Arc::try_new(MappedFile { inode, name })).map_err(|_| Errno::ENOMEM)
    }
}

impl FileObject for MappedFile {
    fn ino(&self) -> u64 {
        self.inode.ino
    }
    fn dev(&self) -> (u32, u32) {
        self.inode.sb.dev
    }
    fn path(&self) -> &str {
        &self.name
    }
    fn size(&self) -> u64 {
        self.inode.size()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        self.inode.object().map_or(0, |o| o.read_at(offset, buf))
    }
    fn get_page(&self, index: u32, phys: &mut dyn vmcore::mspace::PhysOps) -> Result<vmcore::addr::Frame, vmcore::vma::PageError> {
        // A regular file always has its object; anything else maps nothing.
        self.inode.object().ok_or(vmcore::vma::PageError::PastEof)?.get_page(index, phys)
    }
    fn object_id(&self) -> u64 {
        self.inode.object().map_or(0, |o| o.id())
    }
    fn is_resident(&self, index: u32) -> bool {
        self.inode.object().is_some_and(|o| o.is_resident(index))
    }
    fn is_unlinked(&self) -> bool {
        self.inode.meta.lock().nlink == 0
    }
    fn can_punch(&self) -> bool {
        true
    }
    fn punch(&self, first: u64, end: u64) -> Result<(), Errno> {
        punch(&self.inode, first, end)
    }
}
