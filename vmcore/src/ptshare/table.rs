//! The table-level mechanism of sharing: link a table into a child read-only, unshare it
//! before an edit, drop it at exit. Each function works on one directory slot `pdi` of one
//! space (its [`TableAccess`] and [`TableCounts`]).

use super::rules::{retaken_entry, unshared_entry, EntryKind};
use super::{ShareLedger, TableMeta};
use crate::addr::{Page, VirtAddr, ENTRIES};
use crate::layout::KERNEL_PD_FIRST;
use crate::paging::{FrameSource, TableAccess, TableCounts};
use crate::pte::{Pte, PteFlags};

/// Whether directory entry `pde` of a user slot links a shared table: present, not a 4 MiB
/// page, R/W clear (a private user table's entry always allows writes).
pub fn is_shared(pde: Pte) -> bool {
    let f = pde.flags();
    pde.is_present() && !f.contains(PteFlags::HUGE) && !f.contains(PteFlags::WRITABLE)
}

/// No frame for the private copy of a table (SIGKILL in a fault, `ENOMEM` in a system
/// call). Nothing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoTable;

/// A 4 MiB span of user pages whose cached translations are stale.
#[must_use = "cached translations under the table are stale: flush the span (or the whole TLB)"]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanFlush {
    pdi: usize,
}

impl SpanFlush {
    /// The first page and one past the last page of the span.
    pub fn pages(self) -> (Page, Page) {
        let first = Page::new(VirtAddr::from_indices(self.pdi, 0, 0));
        (first, Page::from_number(first.number() + ENTRIES as u32))
    }

    /// The space is not loaded anywhere: nothing to flush.
    pub fn ignore(self) {}
}

/// What [`unshare`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Unshared {
    /// The table was private already: nothing changed.
    Private,
    /// Other sharers remain: the space now links a private copy (no translation changed).
    Copied,
    /// The space was the last sharer and took the table back writable; entries may have been
    /// write-protected.
    Retaken(SpanFlush),
}

/// What [`drop_table`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Dropped {
    /// Other sharers remain: the slot was unlinked, no entry visited.
    Shared,
    /// The table is this space's alone (its entry is writable again): tear it down as usual.
    Private,
}

/// Fork's [`TablePlan::Share`](super::TablePlan::Share) for slot `pdi`: links the parent's
/// table into the child's empty slot, both entries read-only, one more sharer. Returns the
/// parent's span to flush when its entry was writable until now.
pub fn share_table<P, C>(
    parent: &mut P,
    parent_counts: &TableCounts,
    child: &mut C,
    child_counts: &mut TableCounts,
    pdi: usize,
    ledger: &mut dyn ShareLedger,
) -> Option<SpanFlush>
where
    P: TableAccess + ?Sized,
    C: TableAccess + ?Sized,
{
    assert!(pdi < KERNEL_PD_FIRST, "invariant: only user tables are shared");
    let pde = parent.read_pde(pdi);
    let table = pde.frame().expect("invariant: fork shares a linked table");
    assert!(!child.read_pde(pdi).is_present(), "invariant: the child's slot is empty");
    // A table still linked read-only by its last sharer keeps `copied`: the entries a former
    // sharer's copy took references on are still writable here.
    let mut meta = ledger.table_meta(table);
    meta.sharers = meta.sharers.max(1) + 1;
    ledger.set_table_meta(table, meta);
    let ro = pde.with_flags(pde.flags() - PteFlags::WRITABLE);
    child.write_pde(pdi, ro);
    child_counts.link(pdi);
    child_counts.add(pdi, parent_counts.get(pdi));
    if is_shared(pde) {
        return None;
    }
    parent.write_pde(pdi, ro);
    Some(SpanFlush { pdi })
}

/// Makes slot `pdi`'s table private before an edit (rule 3): a copy when other sharers
/// remain, the table itself when this space is the last. `kind` tells the entries apart (it
/// is asked for present entries only). The present-entry count does not change.
pub fn unshare<A: TableAccess + ?Sized>(
    access: &mut A,
    pdi: usize,
    frames: &mut dyn FrameSource,
    ledger: &mut dyn ShareLedger,
    kind: impl FnMut(Page, Pte) -> EntryKind,
) -> Result<Unshared, NoTable> {
    unshare_in(access, pdi, 0..ENTRIES, frames, ledger, kind)
}

/// [`unshare`] visiting only the entries `ptis` of the table: the caller knows every present
/// entry lies there (those of its areas over the span), so a table holding a small area costs
/// a few entry visits, not 1,024.
pub fn unshare_in<A: TableAccess + ?Sized>(
    access: &mut A,
    pdi: usize,
    ptis: core::ops::Range<usize>,
    frames: &mut dyn FrameSource,
    ledger: &mut dyn ShareLedger,
    mut kind: impl FnMut(Page, Pte) -> EntryKind,
) -> Result<Unshared, NoTable> {
    let pde = access.read_pde(pdi);
    if pdi >= KERNEL_PD_FIRST || !is_shared(pde) {
        return Ok(Unshared::Private);
    }
    let table = pde.frame().expect("invariant: a shared table is linked");
    let mut meta = ledger.table_meta(table);
    if meta.sharers <= 1 {
        access.write_pde(pdi, pde.with_flags(pde.flags() | PteFlags::WRITABLE));
        if meta.copied {
            for pti in ptis {
                let pte = access.read_pte(pdi, pti);
                let Some(frame) = pte.frame() else { continue };
                let k = kind(Page::new(VirtAddr::from_indices(pdi, pti, 0)), pte);
                if let Some(new) = retaken_entry(pte, k, ledger.refcount(frame)) {
                    access.write_pte(pdi, pti, new);
                }
            }
        }
        ledger.set_table_meta(table, TableMeta::default());
        return Ok(Unshared::Retaken(SpanFlush { pdi }));
    }
    let copy = frames.alloc_table().ok_or(NoTable)?;
    ledger.copy_table(table, copy);
    access.write_pde(pdi, Pte::new(copy, crate::paging::table_flags(pdi)));
    for pti in ptis {
        let pte = access.read_pte(pdi, pti);
        let Some(frame) = pte.frame() else { continue };
        let (new, take) = unshared_entry(pte, kind(Page::new(VirtAddr::from_indices(pdi, pti, 0)), pte));
        if take {
            ledger.inc_ref(frame);
        }
        if new != pte {
            access.write_pte(pdi, pti, new);
        }
    }
    meta.sharers -= 1;
    meta.copied = true;
    ledger.set_table_meta(table, meta);
    Ok(Unshared::Copied)
}

/// Exit and exec (rule 4): unlinks a shared table of slot `pdi` by its count, or, when this
/// space is its only user, makes its entry writable again and leaves it to the caller's
/// teardown.
pub fn drop_table<A: TableAccess + ?Sized>(
    access: &mut A,
    counts: &mut TableCounts,
    pdi: usize,
    ledger: &mut dyn ShareLedger,
) -> Dropped {
    let pde = access.read_pde(pdi);
    if !is_shared(pde) {
        return Dropped::Private;
    }
    let table = pde.frame().expect("invariant: a shared table is linked");
    let mut meta = ledger.table_meta(table);
    if meta.sharers <= 1 {
        access.write_pde(pdi, pde.with_flags(pde.flags() | PteFlags::WRITABLE));
        ledger.set_table_meta(table, TableMeta::default());
        return Dropped::Private;
    }
    access.write_pde(pdi, Pte::EMPTY);
    counts.reset(pdi);
    meta.sharers -= 1;
    ledger.set_table_meta(table, meta);
    Dropped::Shared
}
