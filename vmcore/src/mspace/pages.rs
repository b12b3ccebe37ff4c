//! Page-level edits with exact accounting: every operation maps, unmaps and rewrites user
//! entries through [`Pages`], which keeps the table counts, the resident counters and the frame
//! references in step.
//!
//! Entry flags are always computed by [`user_flags`] (the table in the `mspace` module docs).

use super::flush::SpaceFlush;
use super::phys::PhysOps;
use super::stats::{Account, Resident};
use crate::addr::{Frame, Page, ENTRIES};
use crate::paging::{
    self, Flush, FrameSource, MapError as PteMapError, Mapper, Slot, TableAccess, TableCounts,
};
use crate::pte::{Pte, PteFlags};
use crate::vma::{Backing, VmFlags, Vma};

/// The flags an operation decides; the others (ACCESSED, DIRTY, the software bits 10 and 11)
/// survive every rewrite of a present entry.
pub(super) const DECIDED: PteFlags = PteFlags::PRESENT
    .union(PteFlags::USER)
    .union(PteFlags::WRITABLE)
    .union(PteFlags::COW)
    .union(PteFlags::GLOBAL);

/// The unnamed software bits 10 and 11, carried over when a page gets a new frame.
pub(super) const SOFTWARE: PteFlags = PteFlags::from_bits_retain(0xC00);

/// The entry flags of a user page of an area with `flags` (see the module table).
pub(super) fn user_flags(flags: VmFlags, cow: bool, zero: bool) -> PteFlags {
    let mut f = PteFlags::PRESENT;
    f.set(PteFlags::COW, cow);
    if flags.is_accessible() {
        f |= PteFlags::USER;
        f.set(PteFlags::WRITABLE, flags.contains(VmFlags::WRITE) && !cow && !zero);
    }
    f
}

/// The flags present entry `old` of `vma` should have: its COW status and frame are kept, the
/// permissions follow the area.
pub(super) fn refreshed(old: Pte, vma: &Vma, zero: Frame) -> PteFlags {
    let cow = old.flags().contains(PteFlags::COW);
    (old.flags() - DECIDED) | user_flags(vma.flags, cow, old.frame() == Some(zero))
}

/// What a present entry maps, as far as reference counts go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A data frame: one reference per mapping.
    Counted,
    /// The shared zero frame: never counted.
    Zero,
    /// Device memory of a physical area: never counted.
    Device,
}

/// The kind of `frame` mapped in `vma`.
pub(super) fn kind(vma: &Vma, frame: Frame, zero: Frame) -> Kind {
    if matches!(vma.backing, Backing::Physical { .. }) {
        Kind::Device
    } else if frame == zero {
        Kind::Zero
    } else {
        Kind::Counted
    }
}

/// The counter a page of `kind` in `vma` belongs to.
pub(super) fn account(vma: &Vma, kind: Kind) -> Account {
    match kind {
        Kind::Zero => Account::None,
        _ if vma.flags.is_shared() => Account::Shared,
        _ => Account::Private,
    }
}

/// Memory ran out (a data frame or a page-table frame).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct NoMemory;

/// A frame source for edits that never allocate nor free tables.
struct NoFrames;

impl FrameSource for NoFrames {
    fn alloc_table(&mut self) -> Option<Frame> {
        None
    }
    fn free_table(&mut self, f: Frame) {
        unreachable!("invariant: rewriting a present entry frees no table ({f:?})");
    }
}

/// The parts of one space that page edits change.
pub(super) struct Pages<'a> {
    tables: &'a mut dyn TableAccess,
    counts: &'a mut TableCounts,
    resident: &'a mut Resident,
    /// [`Pages::remove`] leaves an emptied table linked (`munmap`, see `MSpace::unmap_span`).
    keep_tables: bool,
}

impl<'a> Pages<'a> {
    /// Borrows a space's tables, counts and counters.
    pub fn new(
        tables: &'a mut dyn TableAccess,
        counts: &'a mut TableCounts,
        resident: &'a mut Resident,
    ) -> Self {
        Pages { tables, counts, resident, keep_tables: false }
    }

    /// The same, but removing a table's last entry leaves the table linked: the caller frees
    /// the empty tables it no longer wants.
    pub fn keeping_tables(self) -> Self {
        Pages { keep_tables: true, ..self }
    }

    /// The tables edited.
    pub fn tables(&self) -> &dyn TableAccess {
        &*self.tables
    }

    /// The entry of `page`.
    pub fn read(&self, page: Page) -> Pte {
        paging::read(&*self.tables, page)
    }

    /// The first present entry in `[from, end)`, skipping missing tables.
    pub fn next_present(&self, from: Page, end: Page) -> Option<(Page, Pte)> {
        next_present(&*self.tables, from, end)
    }

    /// Maps the not-present page of `slot` to `frame`, the slot read from these tables with no
    /// edit since (see [`Mapper::map_slot`]): a page whose table exists costs one entry write.
    /// The caller already holds the mapping's reference. Fails only when a page table is
    /// needed and none can be allocated.
    #[inline]
    pub fn install_at(
        &mut self,
        slot: Slot,
        frame: Frame,
        flags: PteFlags,
        account: Account,
        phys: &mut dyn PhysOps,
    ) -> Result<(), NoMemory> {
        let mapped = Mapper::new(&mut *self.tables, &mut *self.counts, phys).with_spare_table().map_slot(slot, frame, flags);
        self.installed(mapped, account)
    }

    /// Accounts for a mapping made by `install_at`.
    #[inline]
    fn installed(&mut self, mapped: Result<(Flush, bool), PteMapError>, account: Account) -> Result<(), NoMemory> {
        match mapped {
            // A new entry: i386 never caches a not-present one.
            Ok((flush, linked)) => {
                flush.ignore();
                if linked {
                    self.resident.table_linked();
                }
            }
            Err(PteMapError::TableAllocFailed) => return Err(NoMemory),
            Err(e) => panic!("invariant: a free user page can be mapped: {e}"),
        }
        self.resident.add(account);
        Ok(())
    }

    /// Unmaps the present `page` of `vma`, drops its frame reference and frees its page table
    /// if that was the last entry. (The table's window page was invalidated by
    /// `TableAccess::write_pde`, see the module documentation of `mspace`.)
    pub fn remove(&mut self, vma: &Vma, page: Page, phys: &mut dyn PhysOps, flush: &mut SpaceFlush) {
        let mut mapper = Mapper::new(&mut *self.tables, &mut *self.counts, &mut *phys).with_spare_table();
        let unmapped = if self.keep_tables { mapper.unmap_keeping_table(page) } else { mapper.unmap(page) }
            .expect("invariant: removing a present user entry");
        flush.add(unmapped.flush);
        if unmapped.freed_table.is_some() {
            self.resident.table_freed();
        }
        let frame = unmapped.old.frame().expect("invariant: the entry was present");
        let kind = kind(vma, frame, phys.zero_page());
        self.resident.remove(account(vma, kind));
        if kind == Kind::Counted {
            release(vma, unmapped.old, frame, phys);
        }
    }

    /// Links the page table of directory slot `pdi` if it has none (so that later installs
    /// there cannot fail).
    pub fn ensure_table(&mut self, pdi: usize, phys: &mut dyn PhysOps) -> Result<(), NoMemory> {
        match Mapper::new(&mut *self.tables, &mut *self.counts, phys).with_spare_table().ensure_table(pdi) {
            Ok(true) => {
                self.resident.table_linked();
                Ok(())
            }
            Ok(false) => Ok(()),
            Err(_) => Err(NoMemory),
        }
    }

    /// Removes every present page of `vma` in `[start, end)`.
    pub fn clear(
        &mut self,
        vma: &Vma,
        start: Page,
        end: Page,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) {
        let mut from = start;
        while let Some((page, _)) = self.next_present(from, end) {
            self.remove(vma, page, phys, flush);
            from = next(page);
        }
    }

    /// Rewrites the flags of the present `page`, keeping its frame; flushes only on a change.
    pub fn set_flags(&mut self, page: Page, flags: PteFlags, flush: &mut SpaceFlush) {
        if self.read(page).flags() == flags {
            return;
        }
        let token = Mapper::new(&mut *self.tables, &mut *self.counts, &mut NoFrames)
            .update_flags(page, flags)
            .expect("invariant: updating a present user entry");
        flush.add(token);
    }

    /// Replaces the present entry of `page` by `new` (another frame); moves the page from
    /// counter `from` to counter `to`. The caller drops the old frame's reference.
    pub fn replace(
        &mut self,
        page: Page,
        new: Pte,
        from: Account,
        to: Account,
        flush: &mut SpaceFlush,
    ) -> Pte {
        let (old, token) = Mapper::new(&mut *self.tables, &mut *self.counts, &mut NoFrames)
            .replace(page, new)
            .expect("invariant: replacing a present user entry");
        flush.add(token);
        self.resident.remove(from);
        self.resident.add(to);
        old
    }
}

/// Drops the reference of a removed entry `old` of `vma` mapping the counted `frame`, telling
/// the page cache first when a shared file page was written through this entry.
pub(super) fn release(vma: &Vma, old: Pte, frame: Frame, phys: &mut dyn PhysOps) {
    if old.flags().contains(PteFlags::DIRTY) && vma.flags.is_shared() && vma.backing.file_object().is_some() {
        phys.page_dirtied(frame);
    }
    phys.dec_ref(frame);
}

/// The page after `page` (user pages are never the last page of the address space).
pub(super) fn next(page: Page) -> Page {
    page.checked_add(1).expect("invariant: user pages lie below the kernel half")
}

/// The present entries of `vma` that map a counted data frame (neither the zero frame nor
/// device memory), with their frames, in address order.
pub(super) fn counted_pages<'a>(vma: &'a Vma, tables: &'a dyn TableAccess, zero: Frame) -> impl Iterator<Item = (Page, Pte, Frame)> + 'a {
    let mut from = vma.start();
    core::iter::from_fn(move || loop {
        let (at, pte) = next_present(tables, from, vma.end_page())?;
        from = next(at);
        match pte.frame() {
            Some(frame) if kind(vma, frame, zero) == Kind::Counted => return Some((at, pte, frame)),
            _ => {}
        }
    })
}

/// The first present entry of `tables` in `[from, end)`, skipping missing tables (so a sparse
/// range costs one directory read per 4 MiB). Re-reads the directory on every call, so the
/// caller may free tables between calls.
pub(super) fn next_present(tables: &dyn TableAccess, from: Page, end: Page) -> Option<(Page, Pte)> {
    let per_table = ENTRIES as u32;
    let (mut n, end) = (from.number(), end.number());
    while n < end {
        let pdi = (n / per_table) as usize;
        let table_end = ((n / per_table + 1) * per_table).min(end);
        let pde = tables.read_pde(pdi);
        if pde.is_present() && !pde.flags().contains(PteFlags::HUGE) {
            for m in n..table_end {
                let pte = tables.read_pte(pdi, (m % per_table) as usize);
                if pte.is_present() {
                    return Some((Page::from_number(m), pte));
                }
            }
        }
        n = table_end;
    }
    None
}
