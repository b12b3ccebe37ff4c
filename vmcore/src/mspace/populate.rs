//! Populating a range ahead of use (`MAP_POPULATE`, `MAP_LOCKED`, `mlock`).

use core::fmt;

use super::fault::{page_state, Step};
use super::flush::SpaceFlush;
use super::pages::NoMemory;
use super::phys::PhysOps;
use super::range::{first_hole, RangeError, Span};
use super::MSpace;
use crate::addr::Page;
use crate::errno::Errno;
use crate::fault::{Access, Fault, Mode, PageState};
use crate::paging::TableAccess;
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

    /// Makes one page of an area permit `access`, through the fault path; a refused page
    /// (e.g. SIGBUS past the end of the file) stays unpopulated.
    pub(super) fn populate_page(
        &mut self,
        page: Page,
        access: Access,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Result<(), NoMemory> {
        match self.fault_in(page, access, tables, phys, flush) {
            Step::NoMemory => Err(NoMemory),
            Step::Done | Step::Refused(_) => Ok(()),
        }
    }

    /// Resolves `access` to `page` of an area as a user fault would, unless the page already
    /// permits it.
    pub(super) fn fault_in(
        &mut self,
        page: Page,
        access: Access,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Step {
        let vma = self.tree.find(page.start()).expect("invariant: the page is in an area");
        // A writable entry under a table shared by fork is not writable: the directory entry
        // is read-only (the fault unshares it).
        let shared = crate::ptshare::is_shared(tables.read_pde(page.start().pd_index()));
        let present = match page_state(&*tables, page, vma, &*phys) {
            PageState::NotMapped => false,
            PageState::Present { writable, .. } if access == Access::Read || (writable && !shared) => {
                return Step::Done; // already permits the access
            }
            PageState::Present { .. } => true,
        };
        let fault = Fault { addr: page.start(), access, mode: Mode::User, present };
        self.resolve(&fault, tables, phys, flush)
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

impl fmt::Display for PopulateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PopulateError::Range(e) => write!(f, "populate: {e}"),
            PopulateError::Unmapped { at } => write!(f, "populate: {at:?} is not mapped"),
            PopulateError::OutOfMemory { .. } => f.write_str("populate: out of memory"),
        }
    }
}
