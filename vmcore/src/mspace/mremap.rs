//! `mremap`, as Linux 6.1's `mm/mremap.c`: shrinking unmaps the tail, growing extends the area
//! in place when the pages after it are free, and otherwise (with `MREMAP_MAYMOVE`) the area
//! moves: its page-table entries are carried to the new place — frames, copy-on-write state,
//! accessed and dirty bits — without copying a byte. `MREMAP_FIXED` moves to a given place
//! (replacing what is there), `MREMAP_DONTUNMAP` leaves the old area mapped and empty, and an
//! old length of 0 duplicates a shared mapping.
//!
//! Every shared area has an object behind it (a file, or the shmem object of shared anonymous
//! memory): a duplicate, or the old area left by `DONTUNMAP`, starts empty and its faults find
//! the object's pages, so nothing is copied or populated here.

use core::fmt;

use super::flush::SpaceFlush;
use super::pages::{next_present, NoMemory, Pages};
use super::phys::PhysOps;
use super::range::Span;
use super::rmap::{tracked, RmapEdit};
use super::MSpace;
use crate::addr::{Page, ENTRIES, PAGE_SHIFT};
use crate::errno::Errno;
use crate::fault::Access;
use crate::paging::{self, TableAccess};
use crate::vma::{Backing, VmFlags, Vma};

/// How an `mremap` may place the result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Remap {
    /// `MREMAP_MAYMOVE`.
    pub may_move: bool,
    /// `MREMAP_FIXED`: exactly here (the kernel checked alignment and bounds).
    pub fixed: Option<Page>,
    /// `MREMAP_DONTUNMAP` (with `may_move`, equal lengths).
    pub dont_unmap: bool,
    /// `new_addr` as a hint, for `DONTUNMAP` without `FIXED`.
    pub hint: Option<Page>,
}

/// Why [`MSpace::mremap`] refused.
#[derive(Debug, PartialEq, Eq)]
pub enum RemapError {
    /// No area at the old address, or the old range runs past its area, or the area cannot
    /// grow (`DONTEXPAND`, device memory) (`EFAULT`).
    Fault,
    /// Duplicating a private mapping, `DONTUNMAP` of a `DONTEXPAND`/device area, or
    /// overlapping ranges (`EINVAL`).
    Invalid,
    /// A locked area would pass `RLIMIT_MEMLOCK` (`EAGAIN`).
    LockLimit,
    /// No room to grow or move, `RLIMIT_AS`/`RLIMIT_DATA`, or memory ran out (`ENOMEM`).
    NoMemory,
}

impl MSpace {
    /// `mremap` of `[old, old + old_pages)` to `new_pages` pages (see the module docs).
    /// `lock_ok(pages)` says whether `pages` more locked pages are within `RLIMIT_MEMLOCK`.
    /// Returns where the area is now and the TLB work. On error nothing changed, except what
    /// Linux also changes first: a `FIXED` target is unmapped, a shrinking tail is unmapped.
    #[allow(clippy::too_many_arguments)]
    pub fn mremap(
        &mut self,
        old: Page,
        old_pages: u32,
        new_pages: u32,
        how: Remap,
        lock_ok: &dyn Fn(u32) -> bool,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> (SpaceFlush, Result<Page, RemapError>) {
        let mut flush = SpaceFlush::new();
        let r = self.remap(old, old_pages, new_pages, how, lock_ok, tables, phys, &mut flush);
        (flush, r)
    }

    #[allow(clippy::too_many_arguments)]
    fn remap(
        &mut self,
        old: Page,
        mut old_pages: u32,
        new_pages: u32,
        how: Remap,
        lock_ok: &dyn Fn(u32) -> bool,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Result<Page, RemapError> {
        self.tree.find(old.start()).ok_or(RemapError::Fault)?;
        let tail = |s: &MSpace, from: u32, n: u32| Span { start: Page::from_number(from), end: Page::from_number((from + n).min(s.upper.number())) };
        if how.fixed.is_some() || how.dont_unmap {
            let target = how.fixed.or(how.hint);
            if let Some(t) = target {
                let (o, n) = (u64::from(old.number()), u64::from(t.number()));
                if o + u64::from(old_pages) > n && n + u64::from(new_pages) > o {
                    return Err(RemapError::Invalid);
                }
            }
            if let Some(t) = how.fixed {
                let span = self.nonempty_span(t, new_pages).map_err(|_| RemapError::Invalid)?;
                self.unmap_tracked(span, tables, phys, flush)?;
            }
            if old_pages > new_pages {
                let span = tail(self, old.number() + new_pages, old_pages - new_pages);
                self.unmap_tracked(span, tables, phys, flush)?;
                old_pages = new_pages;
            }
            let vma = self.resize_check(old, old_pages, new_pages, how.dont_unmap, lock_ok)?;
            if how.dont_unmap && !self.may_expand(vma.flags, old_pages, 0) {
                return Err(RemapError::NoMemory);
            }
            let dest = match how.fixed {
                Some(t) => t,
                None => self.unmapped_area(new_pages, how.hint).ok_or(RemapError::NoMemory)?,
            };
            return self.move_area(&vma, old, old_pages, new_pages, dest, how.dont_unmap, tables, phys, flush);
        }
        if old_pages >= new_pages {
            if old_pages > new_pages {
                let span = tail(self, old.number() + new_pages, old_pages - new_pages);
                self.unmap_tracked(span, tables, phys, flush)?;
            }
            return Ok(old);
        }
        let vma = self.resize_check(old, old_pages, new_pages, false, lock_ok)?;
        let extra = new_pages - old_pages;
        if old.number() + old_pages == vma.end_page().number() {
            let end = u64::from(vma.end_page().number()) + u64::from(extra);
            let free = end <= u64::from(self.upper.number())
                && self.tree.range(vma.end_page(), Page::from_number(end as u32)).next().is_none();
            if free {
                self.grow_in_place(&vma, extra, tables, phys, flush)?;
                return Ok(old);
            }
        }
        if !how.may_move {
            return Err(RemapError::NoMemory);
        }
        let dest = self.unmapped_area(new_pages, None).ok_or(RemapError::NoMemory)?;
        self.move_area(&vma, old, old_pages, new_pages, dest, false, tables, phys, flush)
    }

    /// Linux's `vma_to_resize`: the area of `old` (copied out), checked for the change.
    fn resize_check(
        &self,
        old: Page,
        old_pages: u32,
        new_pages: u32,
        dont_unmap: bool,
        lock_ok: &dyn Fn(u32) -> bool,
    ) -> Result<Vma, RemapError> {
        let vma = self.tree.find(old.start()).ok_or(RemapError::Fault)?;
        let cannot_grow = vma.flags.intersects(VmFlags::DONTEXPAND | VmFlags::PFNMAP)
            || matches!(vma.backing, Backing::Physical { .. });
        if old_pages == 0 && !vma.flags.is_shared() {
            return Err(RemapError::Invalid);
        }
        if dont_unmap && cannot_grow {
            return Err(RemapError::Invalid);
        }
        if old.number() + old_pages > vma.end_page().number() {
            return Err(RemapError::Fault);
        }
        if new_pages == old_pages {
            return Ok(vma.clone());
        }
        if cannot_grow {
            return Err(RemapError::Fault);
        }
        let extra = new_pages.saturating_sub(old_pages);
        if vma.flags.contains(VmFlags::LOCKED) && !lock_ok(extra) {
            return Err(RemapError::LockLimit);
        }
        if !self.may_expand(vma.flags, extra, 0) {
            return Err(RemapError::NoMemory);
        }
        Ok(vma.clone())
    }

    /// [`MSpace::unmap_span`] keeping the reverse maps in step (`NoMemory`, nothing changed,
    /// when they have no room).
    fn unmap_tracked(&mut self, span: Span, tables: &mut dyn TableAccess, phys: &mut dyn PhysOps, flush: &mut SpaceFlush) -> Result<(), RemapError> {
        self.unshare_span(span.start, span.end, tables, phys, flush).map_err(|_| RemapError::NoMemory)?;
        tracked(self, span.start, span.end, phys, |s, phys| s.unmap_span(span, tables, phys, flush)).map_err(|_| RemapError::NoMemory)
    }

    /// Extends `vma` by `extra` free pages after it (a locked area's new pages populated);
    /// `NoMemory` (nothing changed) when a file's reverse map has no room.
    fn grow_in_place(&mut self, vma: &Vma, extra: u32, tables: &mut dyn TableAccess, phys: &mut dyn PhysOps, flush: &mut SpaceFlush) -> Result<(), RemapError> {
        let tail = vma.end_page();
        let end = Page::from_number(tail.number() + extra);
        self.tree.reserve(1).map_err(|_| RemapError::NoMemory)?;
        let rmap = RmapEdit::begin(self, vma.start(), end, None, 3, phys).map_err(|_| RemapError::NoMemory)?;
        let backing = shifted(vma, vma.pages());
        let grown = Vma::new(tail, extra, vma.flags, backing)
            .expect("invariant: the range is free and inside the space")
            .with_name(vma.name.clone());
        self.tree.insert(grown).expect("invariant: the range is free and reserved");
        self.tree.scavenge_range(vma.start(), end);
        if let Some(rmap) = rmap {
            rmap.finish(self, phys);
        }
        self.populate_if_locked(vma.flags, Span { start: tail, end }, tables, phys, flush);
        Ok(())
    }

    /// Linux's `move_vma`: a new area at `dest` with the flags and backing of `[old, old +
    /// old_pages)`, the entries moved over, the old range unmapped (or, with `dont_unmap`, kept
    /// empty and unlocked). A file area is unlinked from its file's reverse map at the old
    /// place and linked at the new one.
    #[allow(clippy::too_many_arguments)]
    fn move_area(
        &mut self,
        vma: &Vma,
        old: Page,
        old_pages: u32,
        new_pages: u32,
        dest: Page,
        dont_unmap: bool,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Result<Page, RemapError> {
        // Room for the new area and the old range's splits, before anything changes.
        self.tree.reserve(3).map_err(|_| RemapError::NoMemory)?;
        let delta = old.number() - vma.start().number();
        let moved = old_pages.min(new_pages);
        let src = Span { start: old, end: Page::from_number(old.number() + moved) };
        // Entries move out of the source's tables and into the destination's: neither stays
        // shared with another space (tables are moved whole, too).
        for (s, e) in [(src.start, src.end), (dest, Page::from_number(dest.number() + new_pages))] {
            self.unshare_span(s, e, tables, phys, flush).map_err(|_| RemapError::NoMemory)?;
        }
        let new_vma = Vma::new(dest, new_pages, vma.flags, shifted(vma, delta))
            .map_err(|_| RemapError::Invalid)?
            .with_name(vma.name.clone());
        let file = vma.backing.file_object();
        let windows = [(old, Page::from_number(old.number() + old_pages)), (dest, Page::from_number(dest.number() + new_pages))];
        let rmap = RmapEdit::begin_windows(self, &windows, file, 3, phys).map_err(|_| RemapError::NoMemory)?;
        let placed = self
            .move_entries(src, dest, tables, phys, flush)
            .map(|()| self.tree.insert(new_vma).expect("invariant: the destination is free and reserved"));
        if placed.is_err() {
            if let Some(rmap) = rmap {
                rmap.finish(self, phys); // nothing changed: gives the reservation back
            }
            return Err(RemapError::NoMemory);
        }
        if old_pages > 0 {
            let old_span = Span { start: old, end: Page::from_number(old.number() + old_pages) };
            if dont_unmap {
                self.tree
                    .protect_range(old_span.start, old_span.end, |f| f - VmFlags::LOCK_MASK)
                    .expect("invariant: the old range is one area, room reserved");
            } else {
                // Its entries are gone: only the area is left to remove.
                self.tree
                    .remove_range(old_span.start, old_span.end, |v| {
                        debug_assert!(next_present(&*tables, v.start(), v.end_page()).is_none());
                    })
                    .expect("invariant: room reserved");
            }
        }
        let dest_end = Page::from_number(dest.number() + new_pages);
        self.tree.scavenge_range(dest, dest_end);
        if let Some(rmap) = rmap {
            rmap.finish(self, phys);
        }
        if new_pages > old_pages {
            let grown = Span { start: Page::from_number(dest.number() + old_pages), end: dest_end };
            self.populate_if_locked(vma.flags, grown, tables, phys, flush);
        }
        Ok(dest)
    }

    /// Moves the present entries of `src` to the same offsets from `dest` (a free range):
    /// whole page tables when both sides are table-aligned and the destination slot is empty,
    /// otherwise entry by entry into destination tables linked first. Emptied tables on either
    /// side are freed afterwards. Fails (nothing moved) only when a destination table cannot
    /// be allocated.
    fn move_entries(&mut self, src: Span, dest: Page, tables: &mut dyn TableAccess, phys: &mut dyn PhysOps, flush: &mut SpaceFlush) -> Result<(), NoMemory> {
        let per = ENTRIES as u32;
        if src.pages() == 0 {
            return Ok(());
        }
        let delta = dest.number().wrapping_sub(src.start.number());
        let aligned = delta.is_multiple_of(per);
        let dest_first = dest.number() / per;
        let dest_last = (dest.number() + src.pages() - 1) / per;
        let first_pdi = src.start.number() / per;
        let last_pdi = (src.end.number() - 1) / per;
        // Destination tables for the parts that move entry by entry.
        let mut pages = Pages::new(tables, &mut self.counts, &mut self.resident);
        for pdi in first_pdi..=last_pdi {
            if !pages.tables().read_pde(pdi as usize).is_present() {
                continue;
            }
            let lo = (pdi * per).max(src.start.number());
            let hi = ((pdi + 1) * per).min(src.end.number());
            let whole = aligned && lo == pdi * per && hi == (pdi + 1) * per;
            if whole && !pages.tables().read_pde(((lo + delta) / per) as usize).is_present() {
                continue; // the table itself will move
            }
            for d in [(lo.wrapping_add(delta)) / per, (hi - 1).wrapping_add(delta) / per] {
                if pages.ensure_table(d as usize, phys).is_err() {
                    for pdi in dest_first..=dest_last {
                        self.free_if_empty(pdi as usize, tables, phys);
                    }
                    return Err(NoMemory);
                }
            }
        }
        let mut moved_any = false;
        for pdi in first_pdi..=last_pdi {
            let lo = (pdi * per).max(src.start.number());
            let hi = ((pdi + 1) * per).min(src.end.number());
            let whole = aligned && lo == pdi * per && hi == (pdi + 1) * per;
            let moved = (whole && paging::move_table(tables, &mut self.counts, pdi as usize, ((lo + delta) / per) as usize))
                || paging::move_entries(tables, &mut self.counts, Page::from_number(lo), Page::from_number(lo.wrapping_add(delta)), hi - lo) > 0;
            if moved {
                flush.add_page(Page::from_number(lo));
                flush.add_page(Page::from_number(hi - 1));
                moved_any = true;
            }
        }
        // Tables emptied by the move (source) or linked and left unused (destination).
        let emptied = (first_pdi..=last_pdi).filter(|_| moved_any);
        for pdi in emptied.chain(dest_first..=dest_last) {
            self.free_if_empty(pdi as usize, tables, phys);
        }
        Ok(())
    }

    /// Frees user table `pdi` when it is linked and holds no entry.
    fn free_if_empty(&mut self, pdi: usize, tables: &mut dyn TableAccess, phys: &mut dyn PhysOps) {
        let pde = tables.read_pde(pdi);
        if self.counts.is_linked(pdi) && self.counts.get(pdi) == 0 {
            if let Some(frame) = pde.frame() {
                tables.write_pde(pdi, crate::pte::Pte::EMPTY);
                self.counts.reset(pdi);
                phys.free_table(frame);
                self.resident.table_freed();
            }
        }
    }

    /// Populates `span` of an area with `flags` when it is locked (not on fault), best effort.
    fn populate_if_locked(&mut self, flags: VmFlags, span: Span, tables: &mut dyn TableAccess, phys: &mut dyn PhysOps, flush: &mut SpaceFlush) {
        if (flags & VmFlags::LOCK_MASK) == VmFlags::LOCKED && flags.is_accessible() {
            let write = flags.contains(VmFlags::WRITE) && !flags.is_shared();
            let access = if write { Access::Write } else { Access::Read };
            for page in span.iter() {
                if self.populate_page(page, access, tables, phys, flush).is_err() {
                    break;
                }
            }
        }
    }
}

/// The backing of `vma` from its page `delta` on. A file area that maps file data to its end
/// keeps doing so however far it grows (past the end of the file, accesses raise SIGBUS as on
/// Linux); a zero tail (`limit`, an ELF bss) stays where it was.
fn shifted(vma: &Vma, delta: u32) -> Backing {
    match &vma.backing {
        Backing::File { file, offset, limit } => {
            let bytes = u64::from(delta) << PAGE_SHIFT;
            let limit = if *limit >= u64::from(vma.len()) { u64::MAX } else { limit.saturating_sub(bytes) };
            Backing::File { file: file.clone(), offset: offset + bytes, limit }
        }
        other => other.clone(),
    }
}

/// The errno `mremap` returns.
impl From<&RemapError> for Errno {
    fn from(e: &RemapError) -> Self {
        match e {
            RemapError::Fault => Errno::EFAULT,
            RemapError::Invalid => Errno::EINVAL,
            RemapError::LockLimit => Errno::EAGAIN,
            RemapError::NoMemory => Errno::ENOMEM,
        }
    }
}

impl fmt::Display for RemapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RemapError::Fault => "mremap: the old range is not one area, or it cannot grow",
            RemapError::Invalid => "mremap: invalid request",
            RemapError::LockLimit => "mremap: beyond RLIMIT_MEMLOCK",
            RemapError::NoMemory => "mremap: no room or no memory",
        })
    }
}
