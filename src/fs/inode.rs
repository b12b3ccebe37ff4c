//! Inodes and superblocks (Linux's `struct inode` and `struct super_block`), as docs/files.md
//! ("The objects") describes them: an inode lives as long as a directory entry, an open file or
//! a mapping holds its `Arc`; its kind-specific part is [`InodeKind`].

use super::dir::Dir;
use super::procfs::ProcNode;
use super::stat::{Stat, Timespec, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};
use crate::mm::object::MemObject;
use crate::proc::cred::Cred;
use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use vmcore::errno::Errno;

/// `statfs`'s `f_type` of a tmpfs (`TMPFS_MAGIC`).
pub const TMPFS_MAGIC: u32 = 0x0102_1994;
/// `statfs`'s `f_type` of procfs (`PROC_SUPER_MAGIC`).
pub const PROC_MAGIC: u32 = 0x9fa0;

/// Permission bits as `permission` takes them (`MAY_READ`...).
pub const MAY_READ: u32 = 4;
/// See [`MAY_READ`].
pub const MAY_WRITE: u32 = 2;
/// See [`MAY_READ`].
pub const MAY_EXEC: u32 = 1;

/// One mounted file system instance.
pub struct SuperBlock {
    /// Anonymous device number `0:N`.
    pub dev: (u32, u32),
    /// `statfs`'s `f_type`.
    pub magic: u32,
    /// Most pages (`size=`), `u64::MAX` for none.
    pub max_pages: AtomicU64,
    /// Most inodes (`nr_inodes=`), `u64::MAX` for none.
    pub max_inodes: AtomicU64,
    /// Pages the files hold.
    pub used_pages: AtomicU64,
    /// Inodes in use.
    pub used_inodes: AtomicU64,
    next_ino: AtomicU64,
}

static NEXT_ANON_DEV: AtomicU32 = AtomicU32::new(20);

impl SuperBlock {
    /// A new instance with the next anonymous device number.
    pub fn new(magic: u32, max_pages: u64, max_inodes: u64) -> Result<Arc<SuperBlock>, Errno> {
        let minor = NEXT_ANON_DEV.fetch_add(1, Ordering::Relaxed);
        let sb = SuperBlock {
            dev: (0, minor),
            magic,
            max_pages: AtomicU64::new(max_pages),
            max_inodes: AtomicU64::new(max_inodes),
            used_pages: AtomicU64::new(0),
            used_inodes: AtomicU64::new(0),
            next_ino: AtomicU64::new(1),
        };
        crate::mm::inject::fallible(|| Arc::try_new(sb)).map_err(|_| Errno::ENOMEM)
    }

    /// Takes an inode number, counting it against `nr_inodes=` (`ENOSPC` past it).
    fn take_inode(&self) -> Result<u64, Errno> {
        let max = self.max_inodes.load(Ordering::Relaxed);
        self.used_inodes
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |n| (n < max).then_some(n + 1))
            .map_err(|_| Errno::ENOSPC)?;
        Ok(self.next_ino.fetch_add(1, Ordering::Relaxed))
    }

    /// Charges `pages` more pages (`ENOSPC` past `size=`).
    pub fn charge(&self, pages: u64) -> Result<(), Errno> {
        let max = self.max_pages.load(Ordering::Relaxed);
        self.used_pages
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |n| n.checked_add(pages).filter(|&t| t <= max))
            .map(|_| ())
            .map_err(|_| Errno::ENOSPC)
    }

    /// Gives back `pages` pages.
    pub fn uncharge(&self, pages: u64) {
        let _ = self.used_pages.fetch_update(Ordering::AcqRel, Ordering::Relaxed, |n| Some(n.saturating_sub(pages)));
    }
}

/// What changes about an inode: Linux's `i_mode`, `i_uid`... under one lock.
#[derive(Clone, Copy, Debug, Default)]
pub struct InodeMeta {
    /// Type and permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Hard links (directories: 2 + subdirectories).
    pub nlink: u32,
    /// The device a node names.
    pub rdev: (u32, u32),
    /// Last access.
    pub atime: Timespec,
    /// Last change of the contents.
    pub mtime: Timespec,
    /// Last change of the inode.
    pub ctime: Timespec,
    /// A tmpfs file's seals (`F_SEAL_*`, Linux's `shmem_inode_info.seals`): `F_SEAL_SEAL` for
    /// every file but a memfd created with `MFD_ALLOW_SEALING`.
    pub seals: u32,
}

/// What an inode is.
pub enum InodeKind {
    /// A regular file: its memory.
    Regular(Arc<MemObject>),
    /// A directory.
    Dir(spin::RwLock<Dir>),
    /// A symbolic link and its target (at most 4,095 bytes).
    Symlink(Box<[u8]>),
    /// A character or block device node (the device in `meta.rdev`), or a FIFO or socket
    /// node: opened by its type.
    Special,
    /// A `/proc` entry, generated when looked up.
    Proc(ProcNode),
}

/// An inode.
pub struct Inode {
    /// Its number in its file system.
    pub ino: u64,
    /// Its file system.
    pub sb: Arc<SuperBlock>,
    /// `i_rwsem`: held by writes, truncation and directory changes.
    pub rw: spin::Mutex<()>,
    /// Attributes.
    pub meta: spin::Mutex<InodeMeta>,
    /// The kind-specific part.
    pub kind: InodeKind,
}

/// Now, as a timestamp (`CLOCK_REALTIME`).
pub fn now() -> Timespec {
    let ns = crate::arch::clock::realtime_ns();
    Timespec { sec: ns.div_euclid(1_000_000_000), nsec: ns.rem_euclid(1_000_000_000) as u32 }
}

impl Inode {
    /// A new inode of `sb` with `meta` (the times set to now), counted against `nr_inodes=`.
    pub fn new(sb: &Arc<SuperBlock>, mut meta: InodeMeta, kind: InodeKind) -> Result<Arc<Inode>, Errno> {
        let ino = sb.take_inode()?;
        let t = now();
        (meta.atime, meta.mtime, meta.ctime) = (t, t, t);
        let inode = Inode { ino, sb: sb.clone(), rw: spin::Mutex::new(()), meta: spin::Mutex::new(meta), kind };
        crate::mm::inject::fallible(|| Arc::try_new(inode)).map_err(|_| {
            sb.used_inodes.fetch_sub(1, Ordering::AcqRel);
            Errno::ENOMEM
        })
    }

    /// A `/proc` inode (numbers of their own, not counted).
    pub fn new_proc(sb: &Arc<SuperBlock>, ino: u64, meta: InodeMeta, node: ProcNode) -> Result<Arc<Inode>, Errno> {
        let inode = Inode { ino, sb: sb.clone(), rw: spin::Mutex::new(()), meta: spin::Mutex::new(meta), kind: InodeKind::Proc(node) };
        sb.used_inodes.fetch_add(1, Ordering::AcqRel);
        crate::mm::inject::fallible(|| Arc::try_new(inode)).map_err(|_| Errno::ENOMEM)
    }

    /// Type bits (`S_IFMT` part of the mode).
    pub fn file_type(&self) -> u32 {
        self.meta.lock().mode & S_IFMT
    }
    /// Whether it is a directory.
    pub fn is_dir(&self) -> bool {
        self.file_type() == S_IFDIR
    }
    /// Whether it is a symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.file_type() == S_IFLNK
    }
    /// Whether it is a regular file.
    pub fn is_regular(&self) -> bool {
        self.file_type() == S_IFREG
    }
    /// The directory, if it is one.
    pub fn dir(&self) -> Option<&spin::RwLock<Dir>> {
        match &self.kind {
            InodeKind::Dir(d) => Some(d),
            _ => None,
        }
    }
    /// The file's memory, if it is a regular tmpfs file.
    pub fn object(&self) -> Option<&Arc<MemObject>> {
        match &self.kind {
            InodeKind::Regular(o) => Some(o),
            _ => None,
        }
    }

    /// Size as `stat` reports it.
    pub fn size(&self) -> u64 {
        match &self.kind {
            InodeKind::Regular(o) => o.size(),
            InodeKind::Dir(d) => d.read().bogo_size(),
            InodeKind::Symlink(t) => t.len() as u64,
            InodeKind::Special => 0,
            InodeKind::Proc(p) => p.size(),
        }
    }

    /// `stat`.
    pub fn stat(&self) -> Stat {
        let m = *self.meta.lock();
        let blocks = match &self.kind {
            InodeKind::Regular(o) => o.blocks() * 8,
            _ => 0,
        };
        Stat {
            dev: self.sb.dev,
            ino: self.ino,
            mode: m.mode,
            nlink: m.nlink,
            uid: m.uid,
            gid: m.gid,
            rdev: m.rdev,
            size: self.size(),
            blksize: 4096,
            blocks,
            atime: m.atime,
            mtime: m.mtime,
            ctime: m.ctime,
        }
    }

    /// Linux's `generic_permission`: `mask` (`MAY_*`) against the owner, group or other bits
    /// for `cred`'s fsuid and groups; root (fsuid 0, `CAP_DAC_OVERRIDE`) may read and write
    /// anything and execute what has an execute bit (any directory).
    pub fn permission(&self, cred: &Cred, mask: u32) -> Result<(), Errno> {
        let m = *self.meta.lock();
        let bits = if cred.fsuid == m.uid {
            m.mode >> 6
        } else if cred.fsgid == m.gid || cred.groups.contains(&m.gid) {
            m.mode >> 3
        } else {
            m.mode
        } & 7;
        if bits & mask == mask {
            return Ok(());
        }
        if cred.fsuid == 0 {
            let dir = m.mode & S_IFMT == S_IFDIR;
            if mask & MAY_EXEC == 0 || dir || m.mode & 0o111 != 0 {
                return Ok(());
            }
        }
        Err(Errno::EACCES)
    }

    /// Whether `cred` owns the inode or is root (Linux's `inode_owner_or_capable`).
    pub fn owner_or_root(&self, cred: &Cred) -> bool {
        cred.fsuid == 0 || cred.fsuid == self.meta.lock().uid
    }

    /// Marks a change of the contents (mtime and ctime now).
    pub fn touch_modified(&self) {
        let t = now();
        let mut m = self.meta.lock();
        (m.mtime, m.ctime) = (t, t);
    }
    /// Marks a change of the inode (ctime now).
    pub fn touch_changed(&self) {
        self.meta.lock().ctime = now();
    }
    /// Marks an access under `relatime`: only when atime is not after mtime or ctime, or is a
    /// day old.
    pub fn touch_accessed(&self) {
        let t = now();
        let mut m = self.meta.lock();
        if m.atime <= m.mtime || m.atime <= m.ctime || t.sec - m.atime.sec >= 24 * 3600 {
            m.atime = t;
        }
    }
}

impl Drop for Inode {
    fn drop(&mut self) {
        if let InodeKind::Regular(o) = &self.kind {
            self.sb.uncharge(o.blocks());
        }
        self.sb.used_inodes.fetch_sub(1, Ordering::AcqRel);
    }
}
