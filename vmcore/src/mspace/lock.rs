//! `mlock`, `mlock2(MLOCK_ONFAULT)`, `munlock`, `mlockall` and `munlockall`, as Linux 6.1's
//! `mm/mlock.c`: the lock bits (`LOCKED`, `LOCKONFAULT`) are area flags, set by splitting and
//! merging areas; a `LOCKED` area without `LOCKONFAULT` is populated at once, one with it only
//! as its pages fault in. A locked page is a resident page of a `LOCKED` area
//! ([`MSpace::locked_resident`]); nothing pages memory out yet, so the flag is all a lock needs.

use core::fmt;

use super::flush::SpaceFlush;
use super::pages::{kind, next_present, Kind, NoMemory};
use super::phys::PhysOps;
use super::range::{RangeError, Span};
use super::rmap::RmapEdit;
use super::MSpace;
use crate::addr::Page;
use crate::errno::Errno;
use crate::fault::Access;
use crate::paging::TableAccess;
use crate::tree;
use crate::vma::VmFlags;

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
    /// Memory ran out: the areas are `LOCKED` and partly populated (`EAGAIN`, Linux's
    /// `__mlock_posix_error_return`). Execute `flush` before reporting the error.
    OutOfMemory {
        /// The TLB work of the pages already done.
        flush: SpaceFlush,
    },
    /// No memory for a file's reverse map (a split needs one more entry); nothing was
    /// changed (`ENOMEM`, as a failed split on Linux).
    NoRmapMemory,
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

/// The new lock bits of an area with `flags` (Linux's `mlock_fixup`): `VM_SPECIAL` areas are
/// left alone, the others get `add` in place of their lock bits.
fn relock(flags: VmFlags, add: VmFlags) -> VmFlags {
    if flags.intersects(VmFlags::SPECIAL) {
        flags
    } else {
        (flags - VmFlags::LOCK_MASK) | add
    }
}

impl MSpace {
    /// `mlock`: [`MSpace::lock_with`] without `on_fault`.
    pub fn lock(
        &mut self,
        start: Page,
        pages: u32,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> Result<SpaceFlush, LockError> {
        self.lock_with(start, pages, false, tables, phys)
    }

    /// `mlock2`: sets `LOCKED` (and `LOCKONFAULT` when `on_fault`) on every area of the range
    /// (splitting and merging; device areas are skipped), then populates the areas that are
    /// not `LOCKONFAULT` as if written (read for read-only and shared areas). An empty range
    /// succeeds.
    pub fn lock_with(
        &mut self,
        start: Page,
        pages: u32,
        on_fault: bool,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> Result<SpaceFlush, LockError> {
        let mut flush = SpaceFlush::new();
        let Some(span) = self.span(start, pages).map_err(LockError::Range)? else {
            return Ok(flush);
        };
        let add = if on_fault { VmFlags::LOCK_MASK } else { VmFlags::LOCKED };
        // Locked pages must not take write faults: no table of the range stays shared.
        if self.unshare_span(span.start, span.end, tables, phys, &mut flush).is_err() {
            return Err(LockError::OutOfMemory { flush });
        }
        let rmap = RmapEdit::begin(self, span.start, span.end, None, 3, phys).map_err(|_| LockError::NoRmapMemory)?;
        let changed = self.tree.protect_range(span.start, span.end, |f| relock(f, add));
        if let Some(rmap) = rmap {
            rmap.finish(self, phys);
        }
        changed.map_err(|e| match e {
            tree::ProtectError::Unmapped { at } => LockError::Unmapped { at },
            tree::ProtectError::NoMemory => LockError::NoRmapMemory,
            e => unreachable!("invariant: lock bits need no MAY bit and start < end: {e:?}"),
        })?;
        match self.populate_locked(span, tables, phys, &mut flush) {
            Ok(()) => Ok(flush),
            Err(NoMemory) => Err(LockError::OutOfMemory { flush }),
        }
    }

    /// `munlock`: clears `LOCKED` and `LOCKONFAULT` on every area of the range (splitting and
    /// merging). Pages stay resident; no entry changes, so there is nothing to flush. An empty
    /// range succeeds.
    pub fn unlock(&mut self, start: Page, pages: u32, phys: &mut dyn PhysOps) -> Result<(), UnlockError> {
        let Some(span) = self.span(start, pages).map_err(UnlockError::Range)? else {
            return Ok(());
        };
        let rmap = RmapEdit::begin(self, span.start, span.end, None, 3, phys).map_err(|_| UnlockError::OutOfMemory)?;
        let changed = self.tree.protect_range(span.start, span.end, |f| relock(f, VmFlags::empty()));
        if let Some(rmap) = rmap {
            rmap.finish(self, phys);
        }
        changed.map_err(|e| match e {
            tree::ProtectError::Unmapped { at } => UnlockError::Unmapped { at },
            tree::ProtectError::NoMemory => UnlockError::OutOfMemory,
            e => unreachable!("invariant: lock bits need no MAY bit and start < end: {e:?}"),
        })
    }

    /// `mlockall(MCL_CURRENT [| MCL_ONFAULT])` / `munlockall`: gives every area (device areas
    /// excepted) the lock bits `add` (`LOCKED`, `LOCKED | LOCKONFAULT`, or nothing), then
    /// populates the locked areas that are not `LOCKONFAULT`, best effort (Linux's
    /// `mm_populate` ignores errors): returns the flush of what was done.
    pub fn lock_all(&mut self, add: VmFlags, tables: &mut dyn TableAccess, phys: &mut dyn PhysOps) -> SpaceFlush {
        let add = add & VmFlags::LOCK_MASK;
        let mut flush = SpaceFlush::new();
        let (Some(first), Some(last)) = (self.tree.iter().next(), self.tree.iter().next_back()) else {
            return flush;
        };
        let span = Span { start: first.start(), end: last.end_page() };
        if add.contains(VmFlags::LOCKED) {
            // Best effort, like the population below: a table left shared for want of memory
            // unshares at its first write fault.
            let _ = self.unshare_span(span.start, span.end, tables, phys, &mut flush);
        }
        // Every area of the span, holes skipped, one after the other (no list to allocate):
        // one protect per area keeps the tree's hole check out of the way. An area whose
        // file's reverse map has no room is left as it was (Linux's apply_mlockall_flags
        // ignores a failed mlock_fixup too).
        let mut at = span.start;
        loop {
            let next = self.tree.range(at, span.end).next().map(|v| (v.start().max(at), v.end_page()));
            let Some((s, e)) = next else { break };
            if let Ok(rmap) = RmapEdit::begin(self, s, e, None, 3, phys) {
                let _ = self.tree.protect_range(s, e, |f| relock(f, add));
                if let Some(rmap) = rmap {
                    rmap.finish(self, phys);
                }
            }
            at = e;
        }
        if add.contains(VmFlags::LOCKED) && !add.contains(VmFlags::LOCKONFAULT) {
            let _ = self.populate_locked(span, tables, phys, &mut flush);
        }
        flush
    }

    /// Populates the `LOCKED`, not `LOCKONFAULT`, accessible, non-device areas of `span`
    /// (holes skipped), as `mlock` does after setting the flags.
    fn populate_locked(
        &mut self,
        span: Span,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Result<(), NoMemory> {
        // Area by area from a cursor (populating does not change areas; no list to allocate).
        let mut at = span.start;
        loop {
            let next = self.tree.range(at, span.end).next().map(|v| (v.start().max(at), v.end_page(), v.flags));
            let Some((start, end, flags)) = next else { break };
            let part = span.clip(start, end);
            at = part.end;
            let populate = (flags & VmFlags::LOCK_MASK) == VmFlags::LOCKED
                && flags.is_accessible()
                && !flags.intersects(VmFlags::IO | VmFlags::PFNMAP);
            if !populate {
                continue;
            }
            let writes = flags.contains(VmFlags::WRITE) && !flags.is_shared();
            let access = if writes { Access::Write } else { Access::Read };
            for page in part.iter() {
                self.populate_page(page, access, tables, phys, flush)?;
            }
        }
        Ok(())
    }

    /// Locked pages: resident pages of `LOCKED` areas, the zero frame excepted (what Linux
    /// counts as `Mlocked` for this space; a frame mapped by two locked areas counts twice).
    pub fn locked_resident(&self, tables: &dyn TableAccess, phys: &dyn PhysOps) -> u32 {
        let zero = phys.zero_page();
        let mut n = 0;
        for vma in self.tree.iter().filter(|v| v.flags.contains(VmFlags::LOCKED)) {
            let mut from = vma.start();
            while let Some((page, pte)) = next_present(tables, from, vma.end_page()) {
                if pte.frame().is_some_and(|f| kind(vma, f, zero) != Kind::Zero) {
                    n += 1;
                }
                from = super::pages::next(page);
            }
        }
        n
    }
}

/// The errno `mlock` returns (by reference: take the pending flush out of the error first).
impl From<&LockError> for Errno {
    fn from(e: &LockError) -> Self {
        match e {
            LockError::Range(e) => (*e).into(),
            LockError::Unmapped { .. } | LockError::NoRmapMemory => Errno::ENOMEM,
            LockError::OutOfMemory { .. } => Errno::EAGAIN,
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

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Range(e) => write!(f, "mlock: {e}"),
            LockError::Unmapped { at } => write!(f, "mlock: {at:?} is not mapped"),
            LockError::OutOfMemory { .. } => f.write_str("mlock: out of memory"),
            LockError::NoRmapMemory => f.write_str("mlock: no memory for a file's reverse map"),
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
