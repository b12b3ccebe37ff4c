//! `mmap`: creating an area.

use core::fmt;

use super::flush::SpaceFlush;
use super::phys::PhysOps;
use super::range::{RangeError, Span};
use super::rmap::RmapEdit;
use super::MSpace;
use crate::addr::Page;
use crate::errno::Errno;
use crate::paging::TableAccess;
use crate::vma::{Backing, VmFlags, Vma, VmaError, VmaName};

/// An `mmap` request. The kernel translates `PROT_*`/`MAP_*` into it and sets the `MAY*` bits
/// from the file's open mode, like Linux (`MAYWRITE` only for a file opened for writing or a
/// private mapping, `MAYSHARE` for `MAP_SHARED`, ...).
#[derive(Clone, Debug)]
pub struct MapRequest {
    /// Where: a hint (used when free), or the exact place with `fixed`.
    pub addr: Option<Page>,
    /// `MAP_FIXED`: map exactly at `addr`, replacing whatever is there.
    pub fixed: bool,
    /// Length in pages.
    pub pages: u32,
    /// Permissions, their `MAY*` ceiling, and behaviour (`GROWSDOWN`, `LOCKED`, ...).
    pub flags: VmFlags,
    /// Where the pages come from.
    pub backing: Backing,
    /// The `/proc/PID/maps` name of a non-file area.
    pub name: VmaName,
    /// Pages elsewhere that this mapping replaces (mremap's move unmaps the old range right
    /// after): they do not count against `RLIMIT_AS`/`RLIMIT_DATA`, as Linux checks only the
    /// growth of a moved area.
    pub replacing: u32,
}

impl MapRequest {
    /// An unnamed anonymous request with no address preference.
    pub fn anonymous(pages: u32, flags: VmFlags) -> Self {
        MapRequest {
            addr: None,
            fixed: false,
            pages,
            flags,
            backing: Backing::Anonymous,
            name: VmaName::None,
            replacing: 0,
        }
    }

    /// The same request, replacing `pages` pages elsewhere (see [`MapRequest::replacing`]).
    pub fn replacing(self, pages: u32) -> Self {
        MapRequest { replacing: pages, ..self }
    }

    /// The same request with `backing`.
    pub fn backed_by(self, backing: Backing) -> Self {
        MapRequest { backing, ..self }
    }

    /// The same request with the hint `addr`.
    pub fn hint(self, addr: Page) -> Self {
        MapRequest { addr: Some(addr), fixed: false, ..self }
    }

    /// The same request, `MAP_FIXED` at `addr`.
    pub fn fixed(self, addr: Page) -> Self {
        MapRequest { addr: Some(addr), fixed: true, ..self }
    }

    /// The same request with `name`.
    pub fn named(self, name: VmaName) -> Self {
        MapRequest { name, ..self }
    }
}

/// Why [`MSpace::map`] refused; nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// Zero pages, or a fixed range that wraps or leaves the space's bounds (`EINVAL`).
    Range(RangeError),
    /// `fixed` without an address (`EINVAL`).
    FixedWithoutAddress,
    /// Permission bits without their `MAY*` bit (`EACCES`), e.g. `WRITE` on a shared mapping
    /// of a file opened read-only.
    NotPermitted {
        /// The permission bits lacking their `MAY*` bit.
        missing: VmFlags,
    },
    /// A combination this implementation does not support (`EINVAL`): `GROWSDOWN` is only for
    /// private anonymous areas (a stack grows by extending an anonymous area); `SHARED` needs
    /// a backing object (shared anonymous memory is a shmem object the caller creates).
    InvalidFlags(VmFlags),
    /// A file offset or physical base that is not page-aligned (`EINVAL`).
    Unaligned,
    /// A physical range running past 4 GiB (`EINVAL`).
    PhysicalPastTop,
    /// No free range is large enough (`ENOMEM`).
    NoSpace,
    /// The space would pass its `RLIMIT_AS` or `RLIMIT_DATA` (`ENOMEM`, Linux's
    /// `may_expand_vm`).
    LimitExceeded,
    /// No memory for the file's reverse map (`ENOMEM`); nothing changed.
    OutOfMemory,
}

impl MSpace {
    /// Creates an area; returns its first page and the pages to flush (non-empty only when a
    /// fixed mapping replaced resident pages).
    ///
    /// Without `fixed`: the hint if that range is free, else the lowest free range (first
    /// fit, keeping the guard gap below stacks). With `fixed`: whatever was in the range is
    /// unmapped first, exactly like [`MSpace::unmap`]. The new area is merged with compatible
    /// neighbours.
    ///
    /// Nothing is allocated until touched, with one exception: a `LOCKED` area (without
    /// `LOCKONFAULT`) is populated at once (best effort like Linux's `MAP_LOCKED`: if memory
    /// runs out the mapping still succeeds and later faults fill the rest). For `MAP_POPULATE`
    /// the kernel calls [`MSpace::populate`] afterwards.
    pub fn map(
        &mut self,
        req: MapRequest,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> Result<(Page, SpaceFlush), MapError> {
        let MapRequest { addr, fixed, pages, flags, backing, name, replacing } = req;
        if pages == 0 {
            return Err(MapError::Range(RangeError::Empty));
        }
        let missing = flags.exceeding(flags);
        if !missing.is_empty() {
            return Err(MapError::NotPermitted { missing });
        }
        if flags.contains(VmFlags::GROWSDOWN) && (!backing.is_anonymous() || flags.is_shared()) {
            return Err(MapError::InvalidFlags(VmFlags::GROWSDOWN));
        }
        if flags.is_shared() && backing.is_anonymous() {
            // Shared anonymous memory is an object (the kernel's shmem), mapped as a file.
            return Err(MapError::InvalidFlags(VmFlags::SHARED));
        }
        let start = if fixed {
            let at = addr.ok_or(MapError::FixedWithoutAddress)?;
            self.nonempty_span(at, pages).map_err(MapError::Range)?.start
        } else {
            self.unmapped_area(pages, addr).ok_or(MapError::NoSpace)?
        };
        // The limits: what a fixed mapping replaces does not count (Linux counts every page
        // of the range, whatever its kind).
        let freed = if fixed { self.pages_in(start, pages, |_| true) } else { 0 }.saturating_add(replacing);
        if !self.may_expand(flags, pages, freed) {
            return Err(MapError::LimitExceeded);
        }
        let vma = Vma::new(start, pages, flags, backing).map_err(MapError::from)?.with_name(name);
        let span = Span { start, end: vma.end_page() };
        // A new area without a file changes no file area unless it replaces some (MAP_FIXED):
        // it cannot merge with one.
        let file = vma.backing.file_object().cloned();
        // Room for the area and the two split off a replaced range, before anything changes.
        self.tree.reserve(3).map_err(|_| MapError::OutOfMemory)?;
        let mut flush = SpaceFlush::new();
        // Replaced entries go, locked pages come: no table of the range stays shared by fork.
        if fixed || flags.contains(VmFlags::LOCKED) {
            self.unshare_span(span.start, span.end, tables, phys, &mut flush).map_err(|_| MapError::OutOfMemory)?;
        }
        let rmap = if file.is_none() && !fixed {
            None
        } else {
            RmapEdit::begin(self, span.start, span.end, file.as_ref(), 3, phys).map_err(|_| MapError::OutOfMemory)?
        };
        if fixed {
            self.unmap_span(span, tables, phys, &mut flush);
        }
        self.tree.insert(vma).expect("invariant: the range is free and reserved");
        self.tree.scavenge_range(span.start, span.end);
        if let Some(rmap) = rmap {
            rmap.finish(self, phys);
        }
        if flags.contains(VmFlags::LOCKED) && !flags.contains(VmFlags::LOCKONFAULT) {
            // Best effort: running out of memory leaves the rest to page faults.
            let _ = self.populate_span(span, true, tables, phys, &mut flush);
        }
        Ok((start, flush))
    }
}

impl From<VmaError> for MapError {
    fn from(e: VmaError) -> Self {
        match e {
            VmaError::Empty => MapError::Range(RangeError::Empty),
            VmaError::PastTop => MapError::Range(RangeError::WrapAround),
            VmaError::UnalignedOffset | VmaError::UnalignedBase => MapError::Unaligned,
            VmaError::PhysicalPastTop => MapError::PhysicalPastTop,
        }
    }
}

/// The errno `mmap` returns.
impl From<MapError> for Errno {
    fn from(e: MapError) -> Self {
        match e {
            MapError::NotPermitted { .. } => Errno::EACCES,
            MapError::NoSpace | MapError::LimitExceeded | MapError::OutOfMemory => Errno::ENOMEM,
            _ => Errno::EINVAL,
        }
    }
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapError::Range(e) => write!(f, "mmap: {e}"),
            MapError::FixedWithoutAddress => f.write_str("mmap: MAP_FIXED without an address"),
            MapError::NotPermitted { missing } => write!(f, "mmap: {missing:?} not permitted"),
            MapError::InvalidFlags(fl) => write!(f, "mmap: unsupported flags {fl:?}"),
            MapError::Unaligned => f.write_str("mmap: unaligned file offset or physical base"),
            MapError::PhysicalPastTop => f.write_str("mmap: physical range past 4 GiB"),
            MapError::NoSpace => f.write_str("mmap: no free range large enough"),
            MapError::LimitExceeded => f.write_str("mmap: beyond RLIMIT_AS or RLIMIT_DATA"),
            MapError::OutOfMemory => f.write_str("mmap: no memory for the file's reverse map"),
        }
    }
}
