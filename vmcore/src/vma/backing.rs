//! What a VMA's pages come from, and what a VMA is called.

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;

use crate::addr::{Frame, PhysAddr};
use crate::errno::Errno;
use crate::mspace::PhysOps;

/// Why [`FileObject::get_page`] gave no frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageError {
    /// No frame (or no memory for the page map's nodes): the fault is out of memory.
    NoMemory,
    /// The page lies at or past the end of the file (SIGBUS for a fault, as Linux).
    PastEof,
    /// The file system is full (tmpfs `size=`): SIGBUS for a fault, as Linux's `shmem_fault`.
    NoSpace,
}

/// A file that can be mapped: the part of the VFS the VM system needs.
pub trait FileObject: Send + Sync {
    /// Inode number (printed in `/proc/PID/maps`).
    fn ino(&self) -> u64;
    /// Device as `(major, minor)` (printed in `/proc/PID/maps`).
    fn dev(&self) -> (u32, u32);
    /// Path shown in `/proc/PID/maps`.
    fn path(&self) -> &str;
    /// Current file size in bytes.
    fn size(&self) -> u64;
    /// Reads up to `buf.len()` bytes at `offset`; returns how many were read (short at EOF).
    /// Used for the private copy of a page (a write fault, or a page cut by the backing's
    /// `limit`); it must see what was written through shared mappings.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize;
    /// The frame caching page `index` of the file (its page cache, Linux's `filemap_fault` /
    /// `shmem_fault`): every caller gets the same frame while the page is cached. The object
    /// keeps its own reference; the caller receives a new one (one per mapping). A page at or
    /// past the end of the file is [`PageError::PastEof`].
    ///
    /// Writes through shared mappings land in this frame.
    fn get_page(&self, index: u32, phys: &mut dyn PhysOps) -> Result<Frame, PageError>;
    /// Whether the file's pages live only in memory (tmpfs files, shared anonymous memory:
    /// Linux's swap-backed shmem pages, which `smaps_rollup` counts in `Pss_Shmem`). A disk
    /// file system's file would answer `false` (`Pss_File`); every file object today is
    /// memory.
    fn swap_backed(&self) -> bool {
        true
    }
    /// The identity of the memory object holding the file's pages (its reverse map and
    /// truncation find areas by it); 0 for a file without one.
    fn object_id(&self) -> u64 {
        0
    }
    /// Whether page `index` is in memory (`mincore` of a page not mapped in the asking
    /// space: Linux 6.1 reports the page cache's residency). A file without a page cache
    /// answers `false`.
    fn is_resident(&self, _index: u32) -> bool {
        false
    }
    /// Whether the file has no name left (Linux's `i_nlink == 0`): shmem and memfd objects,
    /// unlinked files. A core dump writes a shared mapping of such a file whole.
    fn is_unlinked(&self) -> bool {
        false
    }
    /// Whether [`FileObject::punch`] can free pages (`MADV_REMOVE`; Linux asks the file
    /// system for `FALLOC_FL_PUNCH_HOLE`).
    fn can_punch(&self) -> bool {
        false
    }
    /// Frees pages `[first, end)` of the object, which then read as zeros, removing them from
    /// every space mapping them (the caller holds no address-space lock); the size stays.
    fn punch(&self, _first: u64, _end: u64) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }
}

/// Where the pages of a VMA come from.
#[derive(Clone)]
pub enum Backing {
    /// Zero-filled memory.
    Anonymous,
    /// A file mapping.
    File {
        /// The mapped file.
        file: Arc<dyn FileObject>,
        /// File offset of the VMA start; page-aligned.
        offset: u64,
        /// Bytes of file data the mapping covers from `offset`; bytes past it read as zero
        /// (an ELF segment's bss tail). Kept at most the VMA length.
        limit: u64,
    },
    /// Device memory at a fixed physical address; its frames are never freed.
    Physical {
        /// Physical address of the VMA start; page-aligned.
        base: PhysAddr,
    },
}

impl Backing {
    /// A file backing covering the whole file from `offset` (the limit is clamped to the VMA
    /// length by [`Vma::new`](super::Vma::new)).
    pub fn file(file: Arc<dyn FileObject>, offset: u64) -> Self {
        Backing::File { file, offset, limit: u64::MAX }
    }

    /// Whether this is [`Backing::Anonymous`].
    pub const fn is_anonymous(&self) -> bool {
        matches!(self, Backing::Anonymous)
    }

    /// The mapped file, if any.
    pub fn file_object(&self) -> Option<&Arc<dyn FileObject>> {
        match self {
            Backing::File { file, .. } => Some(file),
            _ => None,
        }
    }
}

/// Whether two file objects are the same file: the same `Arc`, or the same `(dev, ino)`.
pub fn same_file(a: &Arc<dyn FileObject>, b: &Arc<dyn FileObject>) -> bool {
    Arc::ptr_eq(a, b) || (a.dev() == b.dev() && a.ino() == b.ino())
}

impl fmt::Debug for Backing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Backing::Anonymous => f.write_str("Anonymous"),
            Backing::File { file, offset, limit } => f
                .debug_struct("File")
                .field("path", &file.path())
                .field("ino", &file.ino())
                .field("offset", &format_args!("{offset:#x}"))
                .field("limit", &format_args!("{limit:#x}"))
                .finish(),
            Backing::Physical { base } => f.debug_struct("Physical").field("base", base).finish(),
        }
    }
}

/// The name `/proc/PID/maps` shows for a VMA that is not a file mapping.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum VmaName {
    /// No name (anonymous memory).
    #[default]
    None,
    /// The brk heap: `[heap]`.
    Heap,
    /// The main thread's stack: `[stack]`.
    Stack,
    /// Any other name, printed verbatim, e.g. `[vvar]` or `[anon:buffers]`.
    Custom(String),
}

impl VmaName {
    /// The text printed for this name, `None` for [`VmaName::None`].
    pub fn label(&self) -> Option<&str> {
        match self {
            VmaName::None => None,
            VmaName::Heap => Some("[heap]"),
            VmaName::Stack => Some("[stack]"),
            VmaName::Custom(s) => Some(s),
        }
    }
}
