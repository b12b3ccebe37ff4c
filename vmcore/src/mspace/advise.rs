//! `madvise(MADV_DONTNEED)`: dropping the resident pages of a range.

use core::fmt;

use super::flush::SpaceFlush;
use super::pages::Pages;
use super::phys::PhysOps;
use super::range::{first_hole, RangeError};
use super::MSpace;
use crate::addr::Page;
use crate::errno::Errno;
use crate::paging::TableAccess;
use crate::vma::{Backing, VmFlags};

/// Why [`MSpace::madvise_dontneed`] refused; nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdviseError {
    /// The range wraps or leaves the space's bounds.
    Range(RangeError),
    /// The range contains a hole starting at `at` (`ENOMEM`). Linux still advises the mapped
    /// parts; this implementation checks first and changes nothing.
    Unmapped {
        /// First unmapped page.
        at: Page,
    },
    /// The area at `at` is `LOCKED` or device memory (`EINVAL`, like Linux for `VM_LOCKED` and
    /// `VM_PFNMAP`).
    NotAllowed {
        /// First page of the offending area (clipped to the range).
        at: Page,
    },
    /// No frame for a private copy of a page table shared by fork (`EAGAIN`).
    OutOfMemory,
}

impl MSpace {
    /// `MADV_DONTNEED`: unmaps the resident pages of `[start, start + pages)` and drops their
    /// references, keeping the areas. The next access faults afresh: a private anonymous page
    /// reads zeroes, a private file page the file's contents again, a shared file page the
    /// page-cache frame (same data). Shared anonymous pages are kept: they have no other
    /// home, and Linux keeps their contents too. An empty range succeeds.
    pub fn madvise_dontneed(
        &mut self,
        start: Page,
        pages: u32,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> Result<SpaceFlush, AdviseError> {
        let mut flush = SpaceFlush::new();
        let Some(span) = self.span(start, pages).map_err(AdviseError::Range)? else {
            return Ok(flush);
        };
        if let Some(at) = first_hole(&self.tree, span) {
            return Err(AdviseError::Unmapped { at });
        }
        let refused = self.tree.range(span.start, span.end).find(|v| {
            v.flags.contains(VmFlags::LOCKED) || matches!(v.backing, Backing::Physical { .. })
        });
        if let Some(vma) = refused {
            return Err(AdviseError::NotAllowed { at: vma.start().max(span.start) });
        }
        self.unshare_span(span.start, span.end, tables, phys, &mut flush).map_err(|_| AdviseError::OutOfMemory)?;
        let mut pages = Pages::new(tables, &mut self.counts, &mut self.resident);
        for vma in self.tree.range(span.start, span.end) {
            if vma.flags.is_shared() && vma.backing.is_anonymous() {
                continue;
            }
            let part = span.clip(vma.start(), vma.end_page());
            pages.clear(vma, part.start, part.end, phys, &mut flush);
        }
        Ok(flush)
    }
}

/// The errno `madvise` returns.
impl From<AdviseError> for Errno {
    fn from(e: AdviseError) -> Self {
        match e {
            AdviseError::Range(e) => e.into(),
            AdviseError::Unmapped { .. } => Errno::ENOMEM,
            AdviseError::NotAllowed { .. } => Errno::EINVAL,
            AdviseError::OutOfMemory => Errno::EAGAIN,
        }
    }
}

impl fmt::Display for AdviseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdviseError::Range(e) => write!(f, "madvise: {e}"),
            AdviseError::Unmapped { at } => write!(f, "madvise: {at:?} is not mapped"),
            AdviseError::NotAllowed { at } => write!(f, "madvise: locked or device area at {at:?}"),
            AdviseError::OutOfMemory => f.write_str("madvise: no memory for a private copy of a shared page table"),
        }
    }
}
