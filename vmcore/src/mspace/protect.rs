//! `mprotect`: changing the permissions of a range.

use core::fmt;

use super::flush::SpaceFlush;
use super::pages::{next, refreshed, Pages};
use super::phys::PhysOps;
use super::range::RangeError;
use super::rmap::RmapEdit;
use super::{is_data, MSpace};
use crate::addr::Page;
use crate::errno::Errno;
use crate::paging::TableAccess;
use crate::tree;
use crate::vma::VmFlags;

/// Why [`MSpace::protect`] refused; nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtectError {
    /// The range wraps or leaves the space's bounds (`ENOMEM`/`EINVAL`, see [`RangeError`]).
    Range(RangeError),
    /// `prot` has bits other than `READ`/`WRITE`/`EXEC` (`EINVAL`).
    InvalidProt(VmFlags),
    /// The range contains a hole starting at `at` (`ENOMEM`).
    Unmapped {
        /// First unmapped page.
        at: Page,
    },
    /// The area at `at` lacks the `MAY*` bit of a requested permission (`EACCES`).
    NotPermitted {
        /// First page of the offending part.
        at: Page,
        /// The permission bits lacking their `MAY*` bit.
        missing: VmFlags,
    },
    /// Pages turning into data (private and now writable) would pass `RLIMIT_DATA`
    /// (`ENOMEM`, Linux's check in `mprotect_fixup`).
    LimitExceeded,
    /// No memory for a file's reverse map (a split needs one more entry) (`ENOMEM`).
    OutOfMemory,
}

impl MSpace {
    /// Sets the `READ`/`WRITE`/`EXEC` bits of `[start, start + pages)` to `prot` (splitting
    /// and merging areas), then brings every resident entry in line:
    ///
    /// * removing `WRITE` makes entries read-only at once (they are in the returned flush);
    /// * adding `WRITE` makes private exclusive pages and shared pages writable, but never a
    ///   copy-on-write page or the zero frame: those stay read-only and the write fault
    ///   resolves them;
    /// * `PROT_NONE` keeps the pages (and their data) mapped but clears `USER` and `WRITABLE`,
    ///   so every ring-3 access faults and is refused by the decision; making the range
    ///   accessible again restores `USER`.
    ///
    /// An empty range succeeds without doing anything, like Linux.
    pub fn protect(
        &mut self,
        start: Page,
        pages: u32,
        prot: VmFlags,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> Result<SpaceFlush, ProtectError> {
        if !VmFlags::PROT.contains(prot) {
            return Err(ProtectError::InvalidProt(prot));
        }
        let mut flush = SpaceFlush::new();
        let Some(span) = self.span(start, pages).map_err(ProtectError::Range)? else {
            return Ok(flush);
        };
        if prot.contains(VmFlags::WRITE) && self.limits.limits_data() {
            self.check_turning_into_data(span.start, span.pages(), prot)?;
        }
        self.unshare_span(span.start, span.end, tables, phys, &mut flush).map_err(|_| ProtectError::OutOfMemory)?;
        let rmap = RmapEdit::begin(self, span.start, span.end, None, 3, phys).map_err(|_| ProtectError::OutOfMemory)?;
        let changed = self.tree.set_protection(span.start, span.end, prot);
        if let Some(rmap) = rmap {
            rmap.finish(self, phys);
        }
        changed.map_err(|e| match e {
            tree::ProtectError::Unmapped { at } => ProtectError::Unmapped { at },
            tree::ProtectError::NotPermitted { at, missing } => {
                ProtectError::NotPermitted { at, missing }
            }
            tree::ProtectError::NoMemory => ProtectError::OutOfMemory,
            tree::ProtectError::InvalidRange => unreachable!("invariant: start < end"),
        })?;
        let zero = phys.zero_page();
        let mut pages = Pages::new(tables, &mut self.counts, &mut self.resident);
        let mut from = span.start;
        while let Some((page, pte)) = pages.next_present(from, span.end) {
            let vma = self.tree.find(page.start()).expect("invariant: the range has no hole");
            pages.set_flags(page, refreshed(pte, vma, zero), &mut flush);
            from = next(page);
        }
        Ok(flush)
    }
}

impl MSpace {
    /// Linux's `mprotect_fixup` rule: refused when the pages that become data would pass
    /// `RLIMIT_DATA` (`!may_expand_vm(new) && may_expand_vm(old)`), counted over the whole
    /// range at once, so a refusal changes nothing.
    fn check_turning_into_data(&self, start: Page, pages: u32, prot: VmFlags) -> Result<(), ProtectError> {
        let becomes = |f: VmFlags| !is_data(f) && is_data((f - VmFlags::PROT) | prot);
        let turning = self.pages_in(start, pages, becomes);
        if turning == 0 {
            return Ok(());
        }
        let (total, data) = (self.tree.total_pages(), self.data_pages());
        let new_ok = self.limits.may_expand(total, data, VmFlags::WRITE, turning);
        let old_ok = self.limits.may_expand(total, data, VmFlags::empty(), turning);
        if !new_ok && old_ok {
            return Err(ProtectError::LimitExceeded);
        }
        Ok(())
    }
}

/// The errno `mprotect` returns.
impl From<ProtectError> for Errno {
    fn from(e: ProtectError) -> Self {
        match e {
            ProtectError::Range(e) => e.into(),
            ProtectError::InvalidProt(_) => Errno::EINVAL,
            ProtectError::Unmapped { .. } | ProtectError::LimitExceeded | ProtectError::OutOfMemory => Errno::ENOMEM,
            ProtectError::NotPermitted { .. } => Errno::EACCES,
        }
    }
}

impl fmt::Display for ProtectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtectError::Range(e) => write!(f, "mprotect: {e}"),
            ProtectError::InvalidProt(p) => write!(f, "mprotect: invalid protection {p:?}"),
            ProtectError::Unmapped { at } => write!(f, "mprotect: {at:?} is not mapped"),
            ProtectError::LimitExceeded => f.write_str("mprotect: beyond RLIMIT_DATA"),
            ProtectError::OutOfMemory => f.write_str("mprotect: no memory (a file's reverse map, or a private copy of a shared page table)"),
            ProtectError::NotPermitted { at, missing } => {
                write!(f, "mprotect: {missing:?} not permitted at {at:?}")
            }
        }
    }
}
