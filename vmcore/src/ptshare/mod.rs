//! Page tables shared by `fork` (the On-demand-fork design, EuroSys 2021): the rules and the
//! table-level mechanism, generic over [`TableAccess`], property-tested on the simulated MMU.
//!
//! # The idea
//!
//! Instead of copying every entry of every user page table into the child, `fork` links the
//! parent's table into the child's directory as well and clears R/W in **both** directory
//! entries. The i386 walker needs WRITABLE at both levels for a write, so the one write-protect
//! bit covers the 1,024 entries under it: nothing is visited per page at fork. A per-table
//! count of sharers (frame metadata of the table's frame, [`TableMeta`]) says how many
//! directories link the table.
//!
//! # The rules ([`rules`])
//!
//! 1. **Which tables fork shares** ([`plan_table`]): a table is shared only when every area
//!    overlapping its 4 MiB span is *plain private* memory (not `MAP_SHARED`, not device memory,
//!    not `MADV_DONTFORK`, not `MADV_WIPEONFORK`, not locked). A table holding any area fork
//!    treats specially is copied entry by entry as fork does today, like the paper's per-PMD
//!    decision. Locked areas are copied because sharing would write-protect the parent's locked
//!    pages and make its next write fault, which `mlock` promises not to happen.
//! 2. **Nothing edits a shared table in place.** Every change under a shared directory entry —
//!    a write fault, `munmap`, `mprotect`, `mremap`, `madvise`, `mlock`, a COW break, the
//!    mapper, `process_vm_writev`, the consistency walk's repairs, a later swap-out — first calls
//!    [`unshare`] for that directory slot, then proceeds as for a private table. Reads (the
//!    walker, `process_vm_readv`, `/proc/PID/pagemap`, `mincore`, selfcheck) read a shared table
//!    like any other; they must not take a shared table's entries as exclusive (a frame mapped
//!    by one shared table has one data reference but several spaces map it: ask
//!    [`is_shared`] for the directory entry).
//! 3. **Unsharing** ([`unshare`]): with other sharers left, the caller gets a private copy —
//!    a new table whose entries follow [`unshared_entry`] per kind: a counted data frame gains
//!    a reference and becomes copy-on-write and read-only in the copy; the zero frame is copied
//!    as is (never writable, never counted). The shared original is not written (it is reached
//!    through read-only directory entries); it is marked [`TableMeta::copied`] instead. When
//!    the caller is the **last** sharer it takes the table back: directory entry writable
//!    again, and, if the table was ever copied from, each writable data entry whose frame now
//!    has more than one reference is made copy-on-write (the write-protect fork does today,
//!    done once and late).
//! 4. **Exit and exec** ([`drop_table`]) unlink a shared table and decrement its sharers
//!    without visiting its entries; the last sharer's teardown visits the entries as today.
//! 5. **Failure**: unsharing allocates one table. That allocation is fallible: the caller turns
//!    [`NoTable`] into SIGKILL in a fault and `-ENOMEM` in a system call; nothing changed.
//!
//! # Reference counting
//!
//! A data frame holds one reference per *table* mapping it (not per space): sharing a table
//! takes no data reference, copying one takes one per counted entry. A table's frame holds its
//! sharer count ([`TableMeta::sharers`]); a table linked by one directory has `sharers == 1`
//! (or no metadata at all). The property test checks both exactly after every step.
//!
//! # TLB
//!
//! * Sharing at fork clears R/W in the parent's directory entry: the parent's cached writable
//!   translations under that table become stale — [`share_table`] returns the 4 MiB span to
//!   flush (the kernel reloads CR3 once per fork). The child is not loaded anywhere yet.
//! * Unsharing with other sharers left changes no translation of the caller except making data
//!   pages read-only, which they already were through the directory entry; the window page of
//!   the slot is invalidated by `TableAccess::write_pde` (the `mspace` rule).
//! * Taking a table back may write-protect entries: [`Unshared::Retaken`] carries the span.
//! * On a multiprocessor the parent's span flush at fork is a shootdown to every CPU running
//!   the parent (its threads), as any write-protect is; other sharers' CPUs need nothing for
//!   an unshare (their translations did not change), and the late write-protect of a retake
//!   needs a shootdown to the retaking space's CPUs only. Nothing here assumes one CPU: the
//!   sharer count is changed under the caller's address-space lock *and* must be atomic in
//!   frame metadata, since two spaces holding different locks can drop the same table.
//!
//! Wired into the address space by `mspace/share.rs` (`MSpace::clone_into` shares, every
//! operation unshares first, `sweep` drops): see that module and docs/memory-layout.md
//! ("Sharing page tables at fork").

mod rules;
mod table;
#[cfg(test)]
mod tests;

pub use rules::{plan_table, shareable, unshared_entry, EntryKind, TablePlan};
pub use table::{drop_table, is_shared, share_table, unshare, unshare_in, Dropped, NoTable, SpanFlush, Unshared};

use crate::addr::Frame;

/// Frame metadata of a page table that may be shared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableMeta {
    /// Directories linking the table (0 or 1: a private table).
    pub sharers: u32,
    /// A sharer has taken a private copy since the table was last private: the data frames of
    /// its writable entries may now be mapped elsewhere too.
    pub copied: bool,
}

/// What the mechanism needs from the kernel's frame database.
pub trait ShareLedger {
    /// The metadata of table frame `table` (default for a table never shared).
    fn table_meta(&self, table: Frame) -> TableMeta;
    /// Stores the metadata of table frame `table`.
    fn set_table_meta(&mut self, table: Frame, meta: TableMeta);
    /// Takes one more reference on data frame `frame`.
    fn inc_ref(&mut self, frame: Frame);
    /// References held on data frame `frame`.
    fn refcount(&self, frame: Frame) -> u32;
    /// Copies the 4 KiB of table frame `src` into table frame `dst` (through temporary
    /// mappings in the kernel: the shared original is not reachable writably).
    fn copy_table(&mut self, src: Frame, dst: Frame);
}
