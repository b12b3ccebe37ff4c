//! The page-table editor: map, unmap, change flags, replace, tear down.

use super::errors::Refusal;
use super::{
    is_window_slot, table_flags, Flush, FlushAll, FrameSource, FreedTable, MapError, ReplaceError,
    Slot, TableAccess, TableCounts, TableError, UnmapError, UpdateError,
};
use crate::addr::{Frame, Page, PhysAddr, VirtAddr, ENTRIES};
use crate::layout::KERNEL_PD_FIRST;
use crate::pte::{Pte, PteFlags};

/// Result of a successful [`Mapper::unmap`].
#[must_use = "the old translation may still be cached: flush it (and a freed table's window page)"]
#[derive(Debug, PartialEq, Eq)]
pub struct Unmapped {
    /// The entry that was removed (with the ACCESSED / DIRTY bits the MMU had set).
    pub old: Pte,
    /// The unmapped page's TLB entry is stale.
    pub flush: Flush,
    /// Set when this was the last entry of a user page table: the table was unlinked and given
    /// to [`FrameSource::free_table`] (or kept as the directory's spare, see [`TableCounts`]). The kernel must then also invalidate the table's window
    /// page ([`FreedTable::window_page`]) before using that window slot again.
    pub freed_table: Option<FreedTable>,
}

/// Edits one directory's page tables: borrows its [`TableAccess`], its [`TableCounts`] and a
/// [`FrameSource`] for table frames.
///
/// User-half tables (`pdi < KERNEL_PD_FIRST`) are created on demand and freed with their last
/// entry. Kernel-half tables are created on demand too ([`Mapper::ensure_table`] at boot
/// preallocates them so every directory shares them) but never freed.
pub struct Mapper<'a, A: TableAccess + ?Sized, F: FrameSource + ?Sized> {
    access: &'a mut A,
    counts: &'a mut TableCounts,
    frames: &'a mut F,
    /// Tables go to and come from the counts' spare ([`Mapper::with_spare_table`]).
    spare: bool,
}

impl<'a, A: TableAccess + ?Sized, F: FrameSource + ?Sized> Mapper<'a, A, F> {
    /// A mapper over one directory. `counts` must be the counts of that directory.
    pub fn new(access: &'a mut A, counts: &'a mut TableCounts, frames: &'a mut F) -> Self {
        Mapper {
            access,
            counts,
            frames,
            spare: false,
        }
    }

    /// The same mapper, but a user table freed with its last entry is kept as the directory's
    /// spare (see [`TableCounts`]) when it has none, and a new user table is the spare when
    /// there is one: what an address space's own edits use.
    pub fn with_spare_table(self) -> Self {
        Mapper { spare: true, ..self }
    }

    /// The entry mapping `page` (see [`super::read`]).
    pub fn read(&self, page: Page) -> Pte {
        super::read(&*self.access, page)
    }

    /// Where `addr` maps to (see [`super::translate`]).
    pub fn translate(&self, addr: VirtAddr) -> Option<(PhysAddr, PteFlags)> {
        super::translate(&*self.access, addr)
    }

    /// Checks that the page can be edited; returns its directory entry (maybe not present).
    fn directory_entry(&self, pdi: usize) -> Result<Pte, Refusal> {
        if is_window_slot(pdi) {
            return Err(Refusal::WindowSlot);
        }
        let pde = self.access.read_pde(pdi);
        if pde.is_present() && pde.flags().contains(PteFlags::HUGE) {
            return Err(Refusal::HugePage);
        }
        Ok(pde)
    }

    /// The present leaf entry of `page`, `None` if unmapped.
    fn present_entry(&self, page: Page) -> Result<Option<Pte>, Refusal> {
        let pde = self.directory_entry(page.pd_index())?;
        if !pde.is_present() {
            return Ok(None);
        }
        let pte = self.access.read_pte(page.pd_index(), page.pt_index());
        Ok(Some(pte).filter(|e| e.is_present()))
    }

    /// Allocates a zeroed table (a user table: the spare one if the counts keep one) and links
    /// it at `pdi` (whose entry is not present).
    fn link_new_table(&mut self, pdi: usize) -> Option<()> {
        let spare = if self.spare && pdi < KERNEL_PD_FIRST { self.counts.take_spare() } else { None };
        let table = match spare {
            Some(t) => t,
            None => self.frames.alloc_table()?,
        };
        self.access
            .write_pde(pdi, Pte::new(table, table_flags(pdi)));
        if pdi < KERNEL_PD_FIRST {
            self.counts.link(pdi);
            #[cfg(debug_assertions)]
            if spare.is_some() {
                // The host tests check the invariant the reuse relies on: a user table's
                // entries that are not present are zero.
                for pti in 0..ENTRIES {
                    debug_assert_eq!(self.access.read_pte(pdi, pti), Pte::EMPTY, "spare table entry {pti}");
                }
            }
        }
        Some(())
    }

    /// Makes sure directory entry `pdi` has a page table; returns whether one was created.
    pub fn ensure_table(&mut self, pdi: usize) -> Result<bool, TableError> {
        match self.directory_entry(pdi) {
            Err(Refusal::WindowSlot) => Err(TableError::WindowSlot(pdi)),
            Err(Refusal::HugePage) => Err(TableError::HugePage(pdi)),
            Ok(pde) if pde.is_present() => Ok(false),
            Ok(_) => self
                .link_new_table(pdi)
                .map(|()| true)
                .ok_or(TableError::AllocFailed),
        }
    }

    /// Maps `page` to `frame` with `flags` (PRESENT is added), creating the page table if
    /// needed. Fails if the page is already mapped.
    ///
    /// The returned [`Flush`] may be ignored on i386: the MMU never caches not-present entries.
    pub fn map(&mut self, page: Page, frame: Frame, flags: PteFlags) -> Result<Flush, MapError> {
        self.map_reporting_table(page, frame, flags).map(|(flush, _)| flush)
    }

    /// [`Mapper::map_reporting_table`] for a page whose [`Slot`] the caller has just read from
    /// these tables: when the slot shows a page table and an empty entry, the entry is written
    /// without reading either again. Anything else (no table yet, a window slot, a 4 MiB page, a
    /// present entry) takes the checked path of `map_reporting_table`.
    ///
    /// The slot must be current: read through this mapper's [`TableAccess`] with no edit of
    /// that page's directory entry or table since (checked in debug builds). A stale slot could
    /// write into a table that is no longer linked.
    #[inline]
    pub fn map_slot(
        &mut self,
        slot: Slot,
        frame: Frame,
        flags: PteFlags,
    ) -> Result<(Flush, bool), MapError> {
        let page = slot.page();
        let pdi = page.pd_index();
        debug_assert_eq!(super::read_slot(&*self.access, page), slot, "map_slot: a stale slot");
        if !slot.has_table() || slot.pte != Pte::EMPTY || is_window_slot(pdi) {
            return self.map_reporting_table(page, frame, flags);
        }
        self.access
            .write_pte(pdi, page.pt_index(), Pte::new(frame, flags | PteFlags::PRESENT));
        if pdi < KERNEL_PD_FIRST {
            self.counts.increment(pdi);
        }
        Ok((Flush::new(page), false))
    }

    /// [`Mapper::map`], also saying whether a page table was created (and linked) for the page,
    /// so that a caller keeping its own table count need not read the directory entry again.
    pub fn map_reporting_table(
        &mut self,
        page: Page,
        frame: Frame,
        flags: PteFlags,
    ) -> Result<(Flush, bool), MapError> {
        let (pdi, pti) = (page.pd_index(), page.pt_index());
        let pde = self
            .directory_entry(pdi)
            .map_err(|r| MapError::refused(r, page))?;
        let linked = !pde.is_present();
        if linked {
            self.link_new_table(pdi).ok_or(MapError::TableAllocFailed)?;
        }
        let old = self.access.read_pte(pdi, pti);
        if old.is_present() {
            return Err(MapError::AlreadyMapped(page, old));
        }
        self.access
            .write_pte(pdi, pti, Pte::new(frame, flags | PteFlags::PRESENT));
        if pdi < KERNEL_PD_FIRST {
            self.counts.increment(pdi);
        }
        Ok((Flush::new(page), linked))
    }

    /// Removes the mapping of `page`; frees its user page table if that was the last entry.
    pub fn unmap(&mut self, page: Page) -> Result<Unmapped, UnmapError> {
        self.unmap_entry(page, true)
    }

    /// [`Mapper::unmap`], but a user table left empty stays linked (its count 0): `munmap`
    /// decides afterwards, by the areas left around it, whether it goes (Linux's
    /// `free_pgtables`).
    pub fn unmap_keeping_table(&mut self, page: Page) -> Result<Unmapped, UnmapError> {
        self.unmap_entry(page, false)
    }

    fn unmap_entry(&mut self, page: Page, free_empty: bool) -> Result<Unmapped, UnmapError> {
        let (pdi, pti) = (page.pd_index(), page.pt_index());
        let old = self
            .present_entry(page)
            .map_err(|r| UnmapError::refused(r, page))?
            .ok_or(UnmapError::NotMapped(page))?;
        self.access.write_pte(pdi, pti, Pte::EMPTY);
        let mut freed_table = None;
        if pdi < KERNEL_PD_FIRST && self.counts.decrement(pdi) == 0 && free_empty {
            freed_table = Some(self.free_table(pdi));
        }
        Ok(Unmapped {
            old,
            flush: Flush::new(page),
            freed_table,
        })
    }

    /// Unlinks and frees the (empty) user table of `pdi`.
    pub fn free_table(&mut self, pdi: usize) -> FreedTable {
        let frame = self
            .access
            .read_pde(pdi)
            .frame()
            .expect("invariant: the table is linked");
        self.access.write_pde(pdi, Pte::EMPTY);
        self.counts.reset(pdi);
        let kept = if self.spare { self.counts.keep_spare(frame) } else { Some(frame) };
        if let Some(table) = kept {
            self.frames.free_table(table);
        }
        FreedTable { pdi, frame }
    }

    /// Replaces the flags of a mapped page, keeping its frame. `flags` must contain PRESENT.
    pub fn update_flags(&mut self, page: Page, flags: PteFlags) -> Result<Flush, UpdateError> {
        if !flags.contains(PteFlags::PRESENT) {
            return Err(UpdateError::NotPresent(flags));
        }
        let old = self
            .present_entry(page)
            .map_err(|r| UpdateError::refused(r, page))?
            .ok_or(UpdateError::NotMapped(page))?;
        self.access
            .write_pte(page.pd_index(), page.pt_index(), old.with_flags(flags));
        Ok(Flush::new(page))
    }

    /// Swaps the entry of a mapped page for another present entry (e.g. the private copy made
    /// by a copy-on-write fault); returns the old entry.
    pub fn replace(&mut self, page: Page, new: Pte) -> Result<(Pte, Flush), ReplaceError> {
        if !new.is_present() {
            return Err(ReplaceError::NotPresent(new));
        }
        let old = self
            .present_entry(page)
            .map_err(|r| ReplaceError::refused(r, page))?
            .ok_or(ReplaceError::NotMapped(page))?;
        self.access.write_pte(page.pd_index(), page.pt_index(), new);
        Ok((old, Flush::new(page)))
    }

    /// Tears down the whole user half: calls `each(page, old_entry)` for every present user
    /// entry, in no particular order (so the caller can drop its frame references), clears it,
    /// and frees every user page table. Afterwards all counts are zero.
    ///
    /// Proportional to what is mapped: only linked tables are visited (the bitmap of
    /// [`TableCounts`]). Each is scanned first downwards from its last entry while entries are
    /// present (a stack's top pages, or a whole full table), then upwards from its first entry
    /// until its count of present entries is used up — so a table holding a stack's top or a
    /// program's first pages costs a few reads, not 1,024. (4 MiB user entries are never
    /// made: the address space refuses them.)
    ///
    /// If the directory is active, the kernel must reload CR3 afterwards; if it was edited
    /// through the external window, the external window's entries are stale as well.
    pub fn clear_user(&mut self, mut each: impl FnMut(Page, Pte)) -> FlushAll {
        for pdi in self.counts.linked_tables() {
            let mut left = self.counts.get(pdi);
            let mut hi = ENTRIES;
            while left > 0 && hi > 0 {
                let e = self.access.read_pte(pdi, hi - 1);
                if !e.is_present() {
                    break;
                }
                hi -= 1;
                each(Page::new(VirtAddr::from_indices(pdi, hi, 0)), e);
                self.access.write_pte(pdi, hi, Pte::EMPTY);
                left -= 1;
            }
            let mut pti = 0;
            while left > 0 && pti < hi {
                let e = self.access.read_pte(pdi, pti);
                if e.is_present() {
                    each(Page::new(VirtAddr::from_indices(pdi, pti, 0)), e);
                    self.access.write_pte(pdi, pti, Pte::EMPTY);
                    left -= 1;
                }
                pti += 1;
            }
            let pde = self.access.read_pde(pdi);
            let frame = pde.frame().expect("invariant: a linked table has a frame");
            self.access.write_pde(pdi, Pte::EMPTY);
            self.frames.free_table(frame);
            self.counts.reset(pdi);
        }
        if let Some(spare) = self.counts.take_spare() {
            self.frames.free_table(spare);
        }
        FlushAll::new()
    }
}
