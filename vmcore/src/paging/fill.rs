//! Bulk page-table work for `fork`: reading and re-flagging the entries of one linked table in
//! place ([`TableEntries`]), and filling an empty user half in increasing page order
//! ([`Filler`]). Both spare the per-page walk from the directory that [`Mapper`] does.

use super::{is_window_slot, Flush, FrameSource, MapError, Mapper, TableAccess, TableCounts};
use crate::addr::{Frame, Page, ENTRIES};
use crate::layout::KERNEL_PD_FIRST;
use crate::pte::{Pte, PteFlags};

/// The entries of one linked page table, read and re-flagged in place.
pub struct TableEntries<'a, A: TableAccess + ?Sized> {
    access: &'a mut A,
    pdi: usize,
}

impl<'a, A: TableAccess + ?Sized> TableEntries<'a, A> {
    /// The table of directory entry `pdi`, if it links one (present, not a 4 MiB page, not a
    /// window slot).
    pub fn open(access: &'a mut A, pdi: usize) -> Option<Self> {
        if is_window_slot(pdi) {
            return None;
        }
        let pde = access.read_pde(pdi);
        let linked = pde.is_present() && !pde.flags().contains(PteFlags::HUGE);
        linked.then_some(TableEntries { access, pdi })
    }

    /// Entry `pti` (`< ENTRIES`).
    pub fn read(&self, pti: usize) -> Pte {
        self.access.read_pte(self.pdi, pti)
    }

    /// Gives present entry `pti`, whose value is `old` (as just read with
    /// [`TableEntries::read`]; checked in debug builds), the flags `flags`, keeping its frame.
    /// Returns the flush the change needs, `None` when the entry already had these flags.
    ///
    /// Panics if `old` is not present or `flags` lacks `PRESENT`: this only re-flags mappings.
    pub fn set_flags(&mut self, pti: usize, old: Pte, flags: PteFlags) -> Option<Flush> {
        assert!(
            old.is_present() && flags.contains(PteFlags::PRESENT),
            "invariant: TableEntries::set_flags re-flags a present entry"
        );
        debug_assert_eq!(self.read(pti), old, "TableEntries::set_flags: a stale entry");
        if old.flags() == flags {
            return None;
        }
        self.access.write_pte(self.pdi, pti, old.with_flags(flags));
        Some(Flush::new(Page::from_number((self.pdi * ENTRIES + pti) as u32)))
    }
}

/// Maps pages into a user half that held no present entry, in strictly increasing page order
/// (`fork` building the child), one run of pages per table: [`Filler::start`] maps the first
/// page of a run through the checked [`Mapper::map_reporting_table`] (which links the table if
/// needed); [`Filler::extend`] maps further pages of that table with one entry write each.
/// Increasing order over an initially empty user half means every such entry is still empty,
/// so nothing is ever overwritten. The table counts of a run are brought up to date when the
/// next run starts and when the filler is dropped.
pub struct Filler<'a, A: TableAccess + ?Sized> {
    access: &'a mut A,
    counts: &'a mut TableCounts,
    /// The open run: its table, the index of the last entry mapped, entries mapped by
    /// `extend` and not yet counted.
    run: Option<(usize, usize, u16)>,
    /// The lowest page number `start` may map.
    next: u32,
}

impl<'a, A: TableAccess + ?Sized> Filler<'a, A> {
    /// A filler for the directory reached through `access`, whose counts are `counts`.
    ///
    /// Panics if a user page table holds a present entry: the user half must be empty.
    pub fn new(access: &'a mut A, counts: &'a mut TableCounts) -> Self {
        assert_eq!(counts.tables_in_use(), 0, "invariant: a Filler starts from an empty user half");
        Filler { access, counts, run: None, next: 0 }
    }

    /// Starts a run with user page `page`, which must lie above every page mapped so far:
    /// maps it to `frame` with `flags` (PRESENT is added), `frames` supplying its page table if
    /// it has none yet. Returns whether a table was linked. Errors as [`Mapper::map`]; on an
    /// error nothing changed (and no run is open).
    ///
    /// Panics if `page` is not above the pages mapped so far or lies in the kernel half.
    pub fn start<F: FrameSource + ?Sized>(
        &mut self,
        page: Page,
        frame: Frame,
        flags: PteFlags,
        frames: &mut F,
    ) -> Result<bool, MapError> {
        self.close();
        let (n, pdi) = (page.number(), page.pd_index());
        assert!(
            n >= self.next && pdi < KERNEL_PD_FIRST,
            "invariant: a Filler maps user pages in increasing order"
        );
        let mut mapper = Mapper::new(&mut *self.access, &mut *self.counts, frames);
        let (flush, linked) = mapper.map_reporting_table(page, frame, flags)?;
        flush.ignore(); // a new entry: i386 never caches a not-present one
        self.run = Some((pdi, page.pt_index(), 0));
        Ok(linked)
    }

    /// Maps entry `pti` of the open run's table, which must lie after the entries mapped so
    /// far, to `frame` with `flags` (PRESENT is added).
    ///
    /// Panics without an open run, or if `pti` is not after the last entry mapped.
    #[inline]
    pub fn extend(&mut self, pti: usize, frame: Frame, flags: PteFlags) {
        let Some((pdi, last, added)) = &mut self.run else {
            panic!("invariant: Filler::extend needs an open run");
        };
        assert!(*last < pti && pti < ENTRIES, "invariant: a Filler maps entries in increasing order");
        // The table is linked (by `start`) and this entry was never written: see above.
        self.access.write_pte(*pdi, pti, Pte::new(frame, flags | PteFlags::PRESENT));
        *last = pti;
        *added += 1;
    }

    /// Counts the open run's entries and closes it.
    fn close(&mut self) {
        if let Some((pdi, last, added)) = self.run.take() {
            self.counts.add(pdi, added);
            self.next = (pdi * ENTRIES + last) as u32 + 1;
        }
    }
}

impl<A: TableAccess + ?Sized> Drop for Filler<'_, A> {
    fn drop(&mut self) {
        self.close();
    }
}
