//! Page tables shared by `fork` (the `ptshare` design) as an address space uses them: which
//! slots fork shares, unsharing before an edit, dropping at teardown.
//!
//! * **Which**: [`MSpace::share_plan`] — `ptshare`'s rule 1 ([`MSpace::fork_plan`]) further
//!   narrowed to tables whose areas are all *anonymous* private memory. A private file area's
//!   copy-on-write pages can be removed by a truncation of the file through the reverse map
//!   (`zap.rs`), an edit that cannot fail and so cannot unshare; anonymous areas have no
//!   reverse map, so every edit of their pages is one of this space's operations below.
//! * **Before an edit**: every operation that installs, changes or removes entries calls
//!   [`MSpace::unshare_span`] for its range first (system calls: `NoMemory` → `ENOMEM`, nothing
//!   changed), or [`unshare_slot`] for the faulting page (`handle_fault`: SIGKILL). A shared
//!   table is reachable only through read-only directory entries, so an edit that forgot
//!   would fault in the kernel (and panics the simulated MMU's window): the check is the MMU's.
//! * **Teardown**: `sweep` and `scavenge` drop a shared table by its count
//!   ([`ptshare::drop_table`]).

use core::cell::RefCell;
use core::ops::Range;

use super::flush::SpaceFlush;
use super::pages::NoMemory;
use super::phys::PhysOps;
use super::MSpace;
use crate::addr::{Frame, Page, ENTRIES};
use crate::paging::{FrameSource, TableAccess};
use crate::ptshare::{self, EntryKind, ShareLedger, TableMeta, TablePlan, Unshared};
use crate::pte::Pte;
use crate::tree::VmaTree;

/// `ptshare`'s ledger and frame source over one [`PhysOps`] (both need it mutably while
/// `ptshare::unshare` runs; it calls one or the other, never both at once). References taken
/// by a table copy are handed to [`PhysOps::inc_refs`] in batches (one allocator lock per
/// batch): call [`Ledger::settle`] before the counts are read again.
pub(super) struct Ledger<'a, 'p> {
    phys: &'a RefCell<&'p mut dyn PhysOps>,
    batch: [Frame; 64],
    len: usize,
}

impl<'a, 'p> Ledger<'a, 'p> {
    fn new(phys: &'a RefCell<&'p mut dyn PhysOps>) -> Self {
        Ledger { phys, batch: [Frame::from_number(0); 64], len: 0 }
    }

    /// Takes the batched references.
    fn settle(&mut self) {
        if self.len > 0 {
            self.phys.borrow_mut().inc_refs(&self.batch[..self.len]);
            self.len = 0;
        }
    }
}

impl ShareLedger for Ledger<'_, '_> {
    fn table_meta(&self, table: Frame) -> TableMeta {
        self.phys.borrow().table_meta(table)
    }
    fn set_table_meta(&mut self, table: Frame, meta: TableMeta) {
        self.phys.borrow_mut().set_table_meta(table, meta);
    }
    fn inc_ref(&mut self, frame: Frame) {
        self.batch[self.len] = frame;
        self.len += 1;
        if self.len == self.batch.len() {
            self.settle();
        }
    }
    fn refcount(&self, frame: Frame) -> u32 {
        assert_eq!(self.len, 0, "invariant: no reference is pending while counts are read");
        self.phys.borrow().refcount(frame)
    }
    fn copy_table(&mut self, src: Frame, dst: Frame) {
        self.phys.borrow_mut().copy_table(src, dst);
    }
}

/// The page-table frames of an unshare.
struct Tables<'a, 'p> {
    phys: &'a RefCell<&'p mut dyn PhysOps>,
}

impl FrameSource for Tables<'_, '_> {
    fn alloc_table(&mut self) -> Option<Frame> {
        self.phys.borrow_mut().alloc_table()
    }
    fn free_table(&mut self, f: Frame) {
        self.phys.borrow_mut().free_table(f);
    }
}

/// Runs `f` with `phys` seen as `ptshare`'s ledger.
pub(super) fn with_ledger<R>(phys: &mut dyn PhysOps, f: impl FnOnce(&mut Ledger<'_, '_>) -> R) -> R {
    let cell = RefCell::new(phys);
    let mut ledger = Ledger::new(&cell);
    let r = f(&mut ledger);
    ledger.settle();
    r
}

/// Makes the table of directory slot `pdi` private if it is shared (`ptshare::unshare`): a
/// copy when other spaces still link it, the table itself when this space is the last. A
/// retaken table's write-protected span joins `flush`. Resident counts and present-entry
/// counts do not change (the copy holds the same entries).
/// `ptis` covers every present entry of the table (see [`area_ptis`]).
pub(super) fn unshare_slot<T: TableAccess + ?Sized>(
    tables: &mut T,
    pdi: usize,
    ptis: Range<usize>,
    phys: &mut dyn PhysOps,
    flush: &mut SpaceFlush,
) -> Result<(), NoMemory> {
    if !ptshare::is_shared(tables.read_pde(pdi)) {
        return Ok(());
    }
    let zero = phys.zero_page();
    let cell = RefCell::new(phys);
    let mut frames = Tables { phys: &cell };
    let mut ledger = Ledger::new(&cell);
    // Shared tables hold private anonymous pages only: a frame is the zero frame or counted.
    let kind = |_: Page, pte: Pte| if pte.frame() == Some(zero) { EntryKind::Uncounted } else { EntryKind::Counted };
    let unshared = ptshare::unshare_in(tables, pdi, ptis, &mut frames, &mut ledger, kind);
    ledger.settle();
    match unshared {
        Ok(Unshared::Private | Unshared::Copied) => Ok(()),
        Ok(Unshared::Retaken(span)) => {
            let (first, end) = span.pages();
            flush.add_page(first);
            flush.add_page(Page::from_number(end.number() - 1));
            Ok(())
        }
        Err(ptshare::NoTable) => Err(NoMemory),
    }
}

/// The entries of slot `pdi`'s table that areas of `tree` cover: from the first area's start
/// to the last one's end over the slot's span (entries outside every area are never present).
pub(super) fn area_ptis(tree: &VmaTree, pdi: usize) -> Range<usize> {
    let per = ENTRIES as u32;
    let (first, end) = (pdi as u32 * per, (pdi as u32 + 1) * per);
    let mut areas = tree.range(Page::from_number(first), Page::from_number(end));
    let Some(lo) = areas.next() else { return 0..0 };
    let hi = areas.last().unwrap_or(lo);
    let from = lo.start().number().max(first) - first;
    let to = hi.end_page().number().min(end) - first;
    from as usize..to as usize
}

/// The directory slots a page range `[start, end)` touches.
fn slots(start: Page, end: Page) -> Range<usize> {
    let per = ENTRIES as u32;
    if start >= end {
        return 0..0;
    }
    (start.number() / per) as usize..((end.number() - 1) / per + 1) as usize
}

impl MSpace {
    /// Makes every shared table overlapping `[start, end)` private (see [`unshare_slot`]), so
    /// that the caller's edits there cannot fail for want of a table. On `NoMemory` the slots
    /// unshared so far stay private copies, which changes nothing the process can see.
    pub(super) fn unshare_span(
        &mut self,
        start: Page,
        end: Page,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Result<(), NoMemory> {
        for pdi in slots(start, end) {
            if self.counts.is_linked(pdi) {
                unshare_slot(tables, pdi, area_ptis(&self.tree, pdi), phys, flush)?;
            }
        }
        Ok(())
    }

    /// Whether `fork` shares the table of slot `pdi` (module documentation): linked, holding
    /// entries, and every area over its span plain private anonymous memory.
    pub(super) fn share_plan(&self, pdi: usize) -> bool {
        if !self.counts.is_linked(pdi) || self.counts.get(pdi) == 0 || self.fork_plan(pdi) != TablePlan::Share {
            return false;
        }
        let per = ENTRIES as u32;
        let (first, end) = (Page::from_number(pdi as u32 * per), Page::from_number((pdi as u32 + 1) * per));
        self.tree.range(first, end).all(|v| v.backing.is_anonymous())
    }

    /// Drops the table of slot `pdi` if it is shared (`ptshare::drop_table`): unlinked by its
    /// count, no entry visited. Returns whether it was (the slot is then empty here and the
    /// space has one table less); a private table is left to the caller.
    pub(super) fn drop_shared(&mut self, pdi: usize, tables: &mut dyn TableAccess, phys: &mut dyn PhysOps) -> bool {
        let counts = &mut self.counts;
        let dropped = with_ledger(phys, |ledger| ptshare::drop_table(tables, counts, pdi, ledger));
        if dropped == ptshare::Dropped::Shared {
            self.resident.table_freed();
            return true;
        }
        false
    }
}
