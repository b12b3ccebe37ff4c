//! Directories: entries by name with stable cookies (what `getdents64`'s `d_off` is), the
//! parent link and the directory's own name (what `getcwd` walks), and the open directory
//! (`FileOps` with `getdents64` and the older `getdents`).
//!
//! Every entry gets a cookie that only grows (Linux 6.6's `simple_offset`): a read resumes at
//! the first cookie not yet returned, so entries created or removed meanwhile never make a
//! reader skip or repeat another. Positions 0 and 1 are `.` and `..`; cookies start at 3.

use super::file::{File, FileOps};
use super::inode::{Inode, InodeKind};
use super::mount::PathRef;
use super::stat::{Stat, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK};
use crate::syscall::uptr::UserBuf;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use vmcore::errno::Errno;

/// tmpfs's `BOGO_DIRENT_SIZE`: what each entry adds to a directory's size.
const BOGO_DIRENT_SIZE: u64 = 20;
/// The first cookie of a real entry.
const FIRST_COOKIE: u64 = 3;

/// A directory's contents.
pub struct Dir {
    entries: BTreeMap<Box<[u8]>, (u64, Arc<Inode>)>,
    cookies: BTreeMap<u64, Box<[u8]>>,
    next_cookie: u64,
    /// The directory it is in (none for a file system's root).
    pub parent: Weak<Inode>,
    /// Its name there.
    pub name: Box<[u8]>,
}

/// A copy of `name` on the heap, fallibly.
pub fn boxed(name: &[u8]) -> Result<Box<[u8]>, Errno> {
    let mut v = Vec::new();
    crate::mm::inject::fallible(|| v.try_reserve_exact(name.len())).map_err(|_| Errno::ENOMEM)?;
    v.extend_from_slice(name);
    Ok(v.into_boxed_slice())
}

impl Dir {
    /// An empty directory in `parent` under `name`.
    pub fn new(parent: Weak<Inode>, name: Box<[u8]>) -> Dir {
        Dir { entries: BTreeMap::new(), cookies: BTreeMap::new(), next_cookie: FIRST_COOKIE, parent, name }
    }

    /// The entry `name`.
    pub fn get(&self, name: &[u8]) -> Option<&Arc<Inode>> {
        self.entries.get(name).map(|(_, i)| i)
    }

    /// Whether it has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `st_size`: 40 plus 20 per entry, as tmpfs.
    pub fn bogo_size(&self) -> u64 {
        (2 + self.entries.len() as u64) * BOGO_DIRENT_SIZE
    }

    /// Adds `name` → `inode` (the caller checked it is absent).
    pub fn insert(&mut self, name: &[u8], inode: Arc<Inode>) -> Result<(), Errno> {
        let key = boxed(name)?;
        let key2 = boxed(name)?;
        let cookie = self.next_cookie;
        // Room for both trees' inserts (a `BTreeMap` cannot reserve): ENOMEM before anything
        // changed when the heap is exhausted (src/mm/room.rs).
        let (entries, cookies) = (&mut self.entries, &mut self.cookies);
        crate::mm::room::with_room(2 * crate::mm::room::btree_nodes(entries.len()), || {
            cookies.insert(cookie, key2);
            entries.insert(key, (cookie, inode));
        })
        .map_err(|_| Errno::ENOMEM)?;
        self.next_cookie += 1;
        Ok(())
    }

    /// Removes `name`, returning its inode.
    pub fn remove(&mut self, name: &[u8]) -> Option<Arc<Inode>> {
        let (cookie, inode) = self.entries.remove(name)?;
        self.cookies.remove(&cookie);
        if self.entries.is_empty() {
            // An emptied map keeps its root node: give it back, so a directory emptied again
            // holds no heap.
            self.entries = BTreeMap::new();
            self.cookies = BTreeMap::new();
        }
        Some(inode)
    }

    /// Replaces the inode of the existing entry `name` (keeping its cookie).
    pub fn replace(&mut self, name: &[u8], inode: Arc<Inode>) -> Option<Arc<Inode>> {
        self.entries.get_mut(name).map(|e| core::mem::replace(&mut e.1, inode))
    }

    /// Entries whose cookie is at least `from`, in cookie order, while `f` returns true.
    fn each_from(&self, from: u64, mut f: impl FnMut(u64, &[u8], &Arc<Inode>) -> bool) {
        for (&cookie, name) in self.cookies.range(from..) {
            if let Some((_, inode)) = self.entries.get(name) {
                if !f(cookie, name, inode) {
                    return;
                }
            }
        }
    }
}

/// `d_type` of a mode.
pub fn d_type(mode: u32) -> u8 {
    match mode & S_IFMT {
        S_IFIFO => 1,
        S_IFCHR => 2,
        S_IFDIR => 4,
        S_IFBLK => 6,
        S_IFREG => 8,
        S_IFLNK => 10,
        S_IFSOCK => 12,
        _ => 0,
    }
}

/// The record layout `getdents64` (`linux_dirent64`) or `getdents` (`linux_dirent`) writes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `getdents64`.
    Dirent64,
    /// `getdents` (32-bit inode numbers and offsets, `d_type` in the last byte).
    Dirent,
}

/// Records collected for one `getdents` call.
struct Records {
    out: Vec<u8>,
    room: usize,
    layout: Layout,
    overflow: bool,
}

impl Records {
    /// Appends one record; false when it does not fit.
    fn push(&mut self, ino: u64, off: u64, kind: u8, name: &[u8]) -> Result<bool, Errno> {
        let reclen = match self.layout {
            Layout::Dirent64 => (19 + name.len() + 1).next_multiple_of(8),
            Layout::Dirent => (10 + name.len() + 2).next_multiple_of(4),
        };
        if self.out.len() + reclen > self.room {
            return Ok(false);
        }
        if self.layout == Layout::Dirent && (ino > u32::MAX as u64 || off > u32::MAX as u64) {
            self.overflow = true;
            return Ok(false);
        }
        crate::mm::inject::fallible(|| self.out.try_reserve(reclen)).map_err(|_| Errno::ENOMEM)?;
        let at = self.out.len();
        self.out.resize(at + reclen, 0);
        let rec = &mut self.out[at..];
        match self.layout {
            Layout::Dirent64 => {
                rec[0..8].copy_from_slice(&ino.to_le_bytes());
                rec[8..16].copy_from_slice(&off.to_le_bytes());
                rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
                rec[18] = kind;
                rec[19..19 + name.len()].copy_from_slice(name);
            }
            Layout::Dirent => {
                rec[0..4].copy_from_slice(&(ino as u32).to_le_bytes());
                rec[4..8].copy_from_slice(&(off as u32).to_le_bytes());
                rec[8..10].copy_from_slice(&(reclen as u16).to_le_bytes());
                rec[10..10 + name.len()].copy_from_slice(name);
                rec[reclen - 1] = kind;
            }
        }
        Ok(true)
    }
}

/// What an open directory lists.
enum Listing {
    /// A tmpfs directory, read live.
    Live,
    /// A `/proc` directory: names and types taken at open; for `/proc` itself (`true`) then
    /// one directory per task, read from the task table at each call by pid: cookie
    /// [`TASK_COOKIE`] + pid, as Linux's `proc_pid_readdir` (tasks that come or go meanwhile
    /// are listed or not, none twice).
    Snapshot(Vec<(String, u8)>, bool),
}

/// The first cookie of `/proc`'s task directories (Linux's `TGID_OFFSET`): above every own entry.
const TASK_COOKIE: u64 = 256;

/// An open directory.
pub struct DirFile {
    path: PathRef,
    listing: Listing,
}

impl DirFile {
    /// The directory at `path` opened.
    pub fn new(path: PathRef) -> Result<DirFile, Errno> {
        let listing = match &path.inode.kind {
            InodeKind::Proc(p) => {
                let names = p.list()?;
                debug_assert!((names.len() as u64) + 3 < TASK_COOKIE);
                Listing::Snapshot(names, p.lists_tasks())
            }
            _ => Listing::Live,
        };
        Ok(DirFile { path, listing })
    }

    fn parent_ino(&self) -> u64 {
        match self.path.inode.dir() {
            Some(d) => d.read().parent.upgrade().map_or(self.path.inode.ino, |p| p.ino),
            None => self.path.inode.ino,
        }
    }

    /// Reads records from `*pos` in `layout`.
    pub fn read_dir(&self, buf: UserBuf, pos: &mut u64, layout: Layout) -> Result<u32, Errno> {
        let mut recs = Records { out: Vec::new(), room: buf.len() as usize, layout, overflow: false };
        let mut next = *pos;
        let mut stopped = false;
        if next == 0 {
            if recs.push(self.path.inode.ino, 1, 4, b".")? { next = 1 } else { stopped = true }
        }
        if next == 1 && !stopped {
            if recs.push(self.parent_ino(), 2, 4, b"..")? { next = 2 } else { stopped = true }
        }
        if !stopped {
            match &self.listing {
                Listing::Live => {
                    let dir = self.path.inode.dir().ok_or(Errno::ENOTDIR)?.read();
                    let mut err = Ok(());
                    dir.each_from(next.max(FIRST_COOKIE), |cookie, name, inode| {
                        let kind = d_type(inode.meta.lock().mode);
                        match recs.push(inode.ino, cookie + 1, kind, name) {
                            Ok(true) => {
                                next = cookie + 1;
                                true
                            }
                            Ok(false) => false,
                            Err(e) => {
                                err = Err(e);
                                false
                            }
                        }
                    });
                    err?;
                }
                Listing::Snapshot(names, tasks) => {
                    let start = next.max(2) - 2;
                    let mut full = false;
                    for (i, (name, kind)) in names.iter().enumerate().skip(start as usize) {
                        let cookie = i as u64 + 2;
                        if !recs.push(super::procfs::name_ino(&self.path, name), cookie + 1, *kind, name.as_bytes())? {
                            full = true;
                            break;
                        }
                        next = cookie + 1;
                    }
                    if *tasks && !full {
                        next = next.max(TASK_COOKIE);
                        while let Some((pid, digits, len)) = super::procfs::next_task_entry((next - TASK_COOKIE) as u32) {
                            let name = core::str::from_utf8(&digits[..len]).expect("invariant: ASCII digits");
                            let cookie = TASK_COOKIE + u64::from(pid);
                            if !recs.push(super::procfs::name_ino(&self.path, name), cookie + 1, 4, name.as_bytes())? {
                                break;
                            }
                            next = cookie + 1;
                        }
                    }
                }
            }
        }
        if recs.out.is_empty() {
            if recs.overflow {
                return Err(Errno::EOVERFLOW);
            }
            if stopped || self.more_after(next) {
                return Err(Errno::EINVAL); // buffer too small for one record
            }
        }
        buf.write_at(0, &recs.out)?;
        *pos = next;
        self.path.inode.touch_accessed();
        Ok(recs.out.len() as u32)
    }

    /// Whether an entry remains at or after `next` (a buffer too small for it is `EINVAL`).
    fn more_after(&self, next: u64) -> bool {
        match &self.listing {
            Listing::Live => {
                let mut any = false;
                if let Some(d) = self.path.inode.dir() {
                    d.read().each_from(next.max(FIRST_COOKIE), |_, _, _| {
                        any = true;
                        false
                    });
                }
                any
            }
            Listing::Snapshot(names, tasks) => {
                (next.max(2) - 2) < names.len() as u64
                    || *tasks && super::procfs::next_task_entry(next.saturating_sub(TASK_COOKIE) as u32).is_some()
            }
        }
    }
}

impl FileOps for DirFile {
    fn read(&self, _f: &File, _buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        Err(Errno::EISDIR)
    }
    fn write(&self, _f: &File, _buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        Err(Errno::EISDIR)
    }
    fn seekable(&self) -> bool {
        true
    }
    fn stat(&self, _f: &File) -> Result<Stat, Errno> {
        Ok(self.path.inode.stat())
    }
    fn getdents(&self, _f: &File, buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
        self.read_dir(buf, pos, Layout::Dirent64)
    }
    fn getdents_old(&self, _f: &File, buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
        self.read_dir(buf, pos, Layout::Dirent)
    }
    fn path(&self) -> Option<&PathRef> {
        Some(&self.path)
    }
}
