//! Two-level i386 page-table logic, independent of how the tables are reached.
//!
//! The same code edits page tables in the kernel (through the recursive windows of
//! [`crate::layout::Window`]) and on the host (through the simulated MMU of `crate::sim`):
//!
//! * [`TableAccess`] reads and writes one directory's entries and its tables' entries;
//! * [`FrameSource`] supplies zeroed frames for new page tables and takes freed ones back;
//! * [`TableCounts`] remembers how many entries of each user page table are present, so a table
//!   is freed in O(1) when its last entry is unmapped;
//! * [`Mapper`] borrows the three and does `map`, `unmap`, `update_flags`, `replace`, ...
//!
//! Every edit of a present entry returns a `#[must_use]` [`Flush`]; the kernel turns it into
//! `invlpg` (or ignores it when the edited directory is not the active one). When `unmap` frees
//! a page table it says so ([`Unmapped::freed_table`]): the window page through which that
//! table was reached must then be invalidated too ([`FreedTable::window_page`]).
//!
//! Invariant kept by everything here: an entry of a user page table is either
//! [`Pte::EMPTY`] or present. Non-present entries carrying data (swap entries) would need the
//! counts to count non-empty entries instead.

mod counts;
mod errors;
mod fill;
mod flush;
mod mapper;
mod relocate;
#[cfg(test)]
mod tests;

pub use counts::TableCounts;
pub use errors::{MapError, ReplaceError, TableError, UnmapError, UpdateError};
pub use fill::{Filler, TableEntries};
pub use flush::{Flush, FlushAll, FlushBatch, FlushPlan, FreedTable};
pub use mapper::{Mapper, Unmapped};
pub use relocate::{move_entries, move_table};

use crate::addr::{Frame, Page, PhysAddr, VirtAddr, TABLE_SPAN};
use crate::layout::{EXT_SLOT, KERNEL_PD_FIRST};
use crate::pte::{Pte, PteFlags};

/// Reads and writes the entries of one page directory and of its page tables.
///
/// Indices are `< ENTRIES`. `read_pte` and `write_pte` are only called while directory entry
/// `pdi` is present and not HUGE, so an implementation may reach the table through it (the
/// recursive window does exactly that).
pub trait TableAccess {
    /// Directory entry `pdi`.
    fn read_pde(&self, pdi: usize) -> Pte;
    /// Overwrites directory entry `pdi`.
    fn write_pde(&mut self, pdi: usize, e: Pte);
    /// Entry `pti` of the page table of directory entry `pdi`.
    fn read_pte(&self, pdi: usize, pti: usize) -> Pte;
    /// Overwrites entry `pti` of the page table of directory entry `pdi`.
    fn write_pte(&mut self, pdi: usize, pti: usize, e: Pte);
}

/// Supplies frames for page tables.
pub trait FrameSource {
    /// A frame for a new page table, already filled with zeroes (the kernel zeroes it through a
    /// temporary mapping before the mapper links it). `None` when memory is exhausted.
    fn alloc_table(&mut self) -> Option<Frame>;
    /// Takes back a page table that is no longer linked anywhere.
    fn free_table(&mut self, f: Frame);
}

/// Flags of a directory entry pointing to a page table: user-half tables allow everything
/// (the page-table entries decide), kernel-half tables are supervisor-only.
pub const fn table_flags(pdi: usize) -> PteFlags {
    if pdi < KERNEL_PD_FIRST {
        PteFlags::PRESENT
            .union(PteFlags::WRITABLE)
            .union(PteFlags::USER)
    } else {
        PteFlags::PRESENT.union(PteFlags::WRITABLE)
    }
}

/// Whether directory slot `pdi` is one of the recursive window slots (1022, 1023), which the
/// mapper never touches: the kernel's arch code installs them.
pub const fn is_window_slot(pdi: usize) -> bool {
    pdi >= EXT_SLOT
}

/// The entry mapping `page`: [`Pte::EMPTY`] if its directory entry is not present, the
/// directory entry itself if that maps a 4 MiB page (HUGE set).
pub fn read<A: TableAccess + ?Sized>(access: &A, page: Page) -> Pte {
    read_slot(access, page).entry()
}

/// Where one page stands in the tables: its directory entry and, when that links a page table,
/// its own entry. Read once with [`read_slot`] and handed to [`Mapper::map_slot`], it spares
/// the mapper reading both again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    page: Page,
    pde: Pte,
    /// The page-table entry; [`Pte::EMPTY`] when there is no table.
    pte: Pte,
}

impl Slot {
    /// The page.
    pub const fn page(&self) -> Page {
        self.page
    }

    /// The entry mapping the page, as [`read`] returns it.
    pub fn entry(&self) -> Pte {
        if self.pde.is_present() && self.pde.flags().contains(PteFlags::HUGE) {
            self.pde
        } else {
            self.pte
        }
    }

    /// Whether the directory entry links a page table (present, not a 4 MiB page).
    pub fn has_table(&self) -> bool {
        self.pde.is_present() && !self.pde.flags().contains(PteFlags::HUGE)
    }
}

/// Reads `page`'s directory entry and, if it links a table, the page's entry.
pub fn read_slot<A: TableAccess + ?Sized>(access: &A, page: Page) -> Slot {
    let pde = access.read_pde(page.pd_index());
    let pte = if pde.is_present() && !pde.flags().contains(PteFlags::HUGE) {
        access.read_pte(page.pd_index(), page.pt_index())
    } else {
        Pte::EMPTY
    };
    Slot { page, pde, pte }
}

/// The physical address `addr` maps to and the flags of the entry that maps it (the page-table
/// entry, or the directory entry of a 4 MiB page). `None` if not mapped.
///
/// The flags are the leaf entry's own; the hardware also requires USER / WRITABLE in the
/// directory entry, which [`table_flags`] always grants for user tables.
pub fn translate<A: TableAccess + ?Sized>(
    access: &A,
    addr: VirtAddr,
) -> Option<(PhysAddr, PteFlags)> {
    let pde = access.read_pde(addr.pd_index());
    if !pde.is_present() {
        return None;
    }
    if pde.flags().contains(PteFlags::HUGE) {
        let base = pde.to_raw() & !(TABLE_SPAN - 1);
        return Some((
            PhysAddr::new(base | (addr.as_u32() & (TABLE_SPAN - 1))),
            pde.flags(),
        ));
    }
    let pte = access.read_pte(addr.pd_index(), addr.pt_index());
    let frame = pte.frame()?;
    Some((
        PhysAddr::new(frame.start().as_u32() | addr.page_offset()),
        pte.flags(),
    ))
}
