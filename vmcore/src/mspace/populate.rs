//! `mlock`, `munlock` and populating a range ahead of use (`MAP_POPULATE`, `MAP_LOCKED`).

use core::fmt;

use super::fault::{page_state, Step};
use super::flush::SpaceFlush;
use super::pages::NoMemory;
use super::phys::PhysOps;
use super::range::{first_hole, RangeError, Span};
use super::rmap::RmapEdit;
use super::MSpace;
use crate::addr::Page;
use crate::errno::Errno;
use crate::fault::{Access, Fault, Mode, PageState};
use crate::paging::TableAccess;
use crate::tree;
use crate::vma::VmFlags;

/// Why [`MSpace::populate`] failed.
#[derive(Debug, PartialEq, Eq)]
pub enum PopulateError {
    /// The range wraps or leaves the space's bounds; nothing was changed.
    Range(RangeError),
    /// The range contains a hole starting at `at` (`ENOMEM`); nothing was changed.
    Unmapped {
        /// First unmapped page.
        at: Page,
    },
    /// Memory ran out (`ENOMEM`) after some pages were populated: execute `flush` (pages
    /// whose copy-on-write was already broken) before reporting the error.
    OutOfMemory {
        /// The TLB work of the pages already done.
        flush: SpaceFlush,
    },
}

/// Why [`MSpace::lock`] failed.
#[derive(Debug, PartialEq, Eq)]
pub enum LockError {
    /// The range wraps or leaves the space's bounds; nothing was changed.
    Range(RangeError),
    /// The range contains a hole starting at `at` (`ENOMEM`); nothing was changed.
    Unmapped {
        /// First unmapped page.
        at: Page,
    },
    /// Memory ran out (`ENOMEM`, like Linux): the areas are `LOCKED` and partly populated.
    /// Execute `flush` before reporting the error.
    OutOfMemory {
        /// The TLB work of the pages already done.
        flush: SpaceFlush,
    },
}

/// Why [`MSpace::unlock`] refused; nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnlockError {
    /// The range wraps or leaves the space's bounds.
    Range(RangeError),
    /// The range contains a hole starting at `at` (`ENOMEM`).
    Unmapped {
        /// First unmapped page.
        at: Page,
    },
    /// No memory for a file's reverse map (a split needs one more entry) (`ENOMEM`).
    OutOfMemory,
}

impl MSpace {
    /// Makes every accessible page of `[start, start + pages)` resident, as if touched: written
    /// when `write` is set and the area is private and writable (which breaks copy-on-write,
    /// like Linux), read otherwise (a private read-only page gets the zero frame, a shared page
    /// its frame). `PROT_NONE` areas and pages the decision refuses (past the end of a file)
    /// are skipped. An empty range succeeds.
    pub fn populate(
        &mut self,
        start: Page,
        pages: u32,
        write: bool,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> Result<SpaceFlush, PopulateError> {
        let mut flush = SpaceFlush::new();
        let Some(span) = self.span(start, pages).map_err(PopulateError::Range)? else {
            return Ok(flush);
        };
        if let Some(at) = first_hole(&self.tree, span) {
            return Err(PopulateError::Unmapped { at });
        }
        match self.populate_span(span, write, tables, phys, &mut flush) {
            Ok(()) => Ok(flush),
            Err(NoMemory) => Err(PopulateError::OutOfMemory { flush }),
        }
    }

    /// `mlock`: sets `LOCKED` on every area of the range (splitting and merging), then
    /// populates it as if written (read for read-only areas). An empty range succeeds.
    pub fn lock(
        &mut self,
        start: Page,
        pages: u32,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> Result<SpaceFlush, LockError> {
        let mut flush = SpaceFlush::new();
        let Some(span) = self.span(start, pages).map_err(LockError::Range)? else {
            return Ok(flush);
        };
        let rmap = RmapEdit::begin(self, span.start, span.end, None, 3, phys)
            .map_err(|_| LockError::OutOfMemory { flush: SpaceFlush::new() })?;
        let changed = self.tree.protect_range(span.start, span.end, |f| f | VmFlags::LOCKED);
        if let Some(rmap) = rmap {
            rmap.finish(self, phys);
        }
        changed
            .map_err(|e| match e {
                tree::ProtectError::Unmapped { at } => LockError::Unmapped { at },
                e => unreachable!("invariant: LOCKED needs no MAY bit and start < end: {e:?}"),
            })?;
        match self.populate_span(span, true, tables, phys, &mut flush) {
            Ok(()) => Ok(flush),
            Err(NoMemory) => Err(LockError::OutOfMemory { flush }),
        }
    }

    /// `munlock`: clears `LOCKED` on every area of the range (splitting and merging). Pages
    /// stay resident; no entry changes, so there is nothing to flush. An empty range succeeds.
    pub fn unlock(&mut self, start: Page, pages: u32, phys: &mut dyn PhysOps) -> Result<(), UnlockError> {
        let Some(span) = self.span(start, pages).map_err(UnlockError::Range)? else {
            return Ok(());
        };
        let rmap = RmapEdit::begin(self, span.start, span.end, None, 3, phys).map_err(|_| UnlockError::OutOfMemory)?;
        let changed = self.tree.protect_range(span.start, span.end, |f| f - VmFlags::LOCKED);
        if let Some(rmap) = rmap {
            rmap.finish(self, phys);
        }
        changed.map_err(|e| match e {
            tree::ProtectError::Unmapped { at } => UnlockError::Unmapped { at },
            e => unreachable!("invariant: LOCKED needs no MAY bit and start < end: {e:?}"),
        })
    }

    /// Populates `span`, which has no hole (see [`MSpace::populate`]).
    pub(super) fn populate_span(
        &mut self,
        span: Span,
        write: bool,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Result<(), NoMemory> {
        let mut at = span.start;
        while at < span.end {
            let vma = self.tree.find(at.start()).expect("invariant: the span has no hole");
            let part = span.clip(at, vma.end_page());
            let writes = write && vma.flags.contains(VmFlags::WRITE) && !vma.flags.is_shared();
            let access = if writes { Access::Write } else { Access::Read };
            if vma.flags.is_accessible() {
                for page in part.iter() {
                    self.populate_page(page, access, tables, phys, flush)?;
                }
            }
            at = part.end;
        }
        Ok(())
    }

    /// Makes one page of an area permit `access`, through the fault path.
    fn populate_page(
        &mut self,
        page: Page,
        access: Access,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Result<(), NoMemory> {
        let vma = self.tree.find(page.start()).expect("invariant: the page is in an area");
        let state = page_state(&*tables, page, vma, &*phys);
        let present = match state {
            PageState::NotMapped => false,
            PageState::Present { writable, .. } if access == Access::Read || writable => {
                return Ok(()); // already permits the access
            }
            PageState::Present { .. } => true,
        };
        let fault = Fault { addr: page.start(), access, mode: Mode::User, present };
        match self.resolve(&fault, tables, phys, flush) {
            Step::Done => Ok(()),
            Step::NoMemory => Err(NoMemory),
            // e.g. SIGBUS past the end of the file: the page stays unpopulated.
            Step::Refused(_) => Ok(()),
        }
    }
}

/// The errno (by reference: take the pending flush out of the error first).
impl From<&PopulateError> for Errno {
    fn from(e: &PopulateError) -> Self {
        match e {
            PopulateError::Range(e) => (*e).into(),
            _ => Errno::ENOMEM,
        }
    }
}

/// The errno `mlock` returns (by reference: take the pending flush out of the error first).
impl From<&LockError> for Errno {
    fn from(e: &LockError) -> Self {
        match e {
            LockError::Range(e) => (*e).into(),
            _ => Errno::ENOMEM,
        }
    }
}

/// The errno `munlock` returns.
impl From<UnlockError> for Errno {
    fn from(e: UnlockError) -> Self {
        match e {
            UnlockError::Range(e) => e.into(),
            UnlockError::Unmapped { .. } | UnlockError::OutOfMemory => Errno::ENOMEM,
        }
    }
}

impl fmt::Display for PopulateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PopulateError::Range(e) => write!(f, "populate: {e}"),
            PopulateError::Unmapped { at } => write!(f, "populate: {at:?} is not mapped"),
            PopulateError::OutOfMemory { .. } => f.write_str("populate: out of memory"),
        }
    }
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Range(e) => write!(f, "mlock: {e}"),
            LockError::Unmapped { at } => write!(f, "mlock: {at:?} is not mapped"),
            LockError::OutOfMemory { .. } => f.write_str("mlock: out of memory"),
        }
    }
}

impl fmt::Display for UnlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnlockError::Range(e) => write!(f, "munlock: {e}"),
            UnlockError::Unmapped { at } => write!(f, "munlock: {at:?} is not mapped"),
            UnlockError::OutOfMemory => f.write_str("munlock: no memory for a file's reverse map"),
        }
    }
}
