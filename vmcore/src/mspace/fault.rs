//! Page faults: the decision table's [`Action`], carried out.

use super::flush::SpaceFlush;
use super::pages::{account, kind, refreshed, user_flags, Kind, NoMemory, Pages, SOFTWARE};
use super::phys::PhysOps;
use super::MSpace;
use crate::addr::{Frame, Page, PAGE_SHIFT};
use super::share::{area_ptis, unshare_slot};
use crate::fault::{decide_with, fast, Access, Action, BusReason, Fault, PageState, Refusal, SegvReason};
use crate::paging::{self, Slot, TableAccess};
use crate::ptshare;
use crate::pte::{Pte, PteFlags};
use crate::vma::{PageError, Vma};

/// What became of a page fault.
#[must_use = "a resolved fault leaves a TLB entry to flush; a refused one a signal to send"]
#[derive(Debug, PartialEq, Eq)]
pub enum FaultOutcome {
    /// The page now permits the access: execute the flush and return to the faulting
    /// instruction. The flush names the faulting page when its entry was present before (a
    /// changed entry, or a spurious fault's stale TLB entry); it is empty when the page was
    /// newly mapped, since i386 never caches a not-present entry.
    Resolved(SpaceFlush),
    /// The access is refused; nothing changed. User mode: the signal the refusal names; kernel
    /// mode: the exception fixup or an oops, by [`Refusal::wants_fixup`].
    Refused(Refusal),
    /// No frame (or page-table frame) was available: nothing changed; the kernel kills the
    /// process with SIGKILL, like Linux's out-of-memory path for a page fault.
    OutOfMemory,
}

/// Result of resolving one fault (shared with `populate`).
pub(super) enum Step {
    /// The page permits the access now.
    Done,
    /// Out of memory; nothing changed for this page.
    NoMemory,
    /// The decision refused the access.
    Refused(Refusal),
}

impl MSpace {
    /// Handles a page fault at `fault.addr` of this space (the active one: `tables` is the own
    /// window): computes the page's state from its entry and the frame database, asks
    /// [`decide_in`], and carries the action out — including growing a stack down and
    /// deciding again.
    ///
    /// The area is looked up once and its entry read once; a page that was not present needs
    /// no TLB flush (i386 never caches a not-present entry), so the common demand-paging
    /// outcome is `Resolved` with an empty flush.
    pub fn handle_fault(
        &mut self,
        fault: &Fault,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> FaultOutcome {
        let mut flush = SpaceFlush::new();
        match self.resolve(fault, tables, phys, &mut flush) {
            Step::Done => FaultOutcome::Resolved(flush),
            Step::NoMemory => {
                flush.ignore(); // nothing changed
                FaultOutcome::OutOfMemory
            }
            Step::Refused(refusal) => {
                flush.ignore(); // nothing changed
                FaultOutcome::Refused(refusal)
            }
        }
    }

    /// Decides `fault` (growing a stack if asked) and carries the action out.
    pub(super) fn resolve(
        &mut self,
        fault: &Fault,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Step {
        let page = Page::containing(fault.addr);
        let MSpace { tree, counts, resident, lower, limits, .. } = self;
        let vma = tree.find(fault.addr);
        // A hole: the decision does not look at the entry.
        let slot = vma.map(|_| paging::read_slot(&*tables, page));
        let pte = slot.map_or(Pte::EMPTY, |s| s.entry());
        let zero = phys.zero_page();
        // The common demand-paging fault skips the page's state and the general table.
        let quick = vma.and_then(|vma| fast(fault, vma, pte.frame().is_some()));
        let action = quick.unwrap_or_else(|| {
            let state = match vma {
                Some(vma) => state_of(pte, vma, zero, &*phys),
                None => PageState::NotMapped,
            };
            decide_with(fault, tree, vma, state, limits)
        });
        // Rule 2 of `ptshare`: an action that will install or change the entry under a table
        // shared by fork (a not-present page, a write — also one the table calls spurious, as
        // the read-only directory entry is what refused it, and a COW reuse, whose reference
        // stands for several spaces) unshares the slot first, then is decided again.
        let edits = match action {
            Action::Refuse(_) | Action::GrowStack { .. } => false,
            Action::Spurious => fault.access == Access::Write,
            _ => true,
        };
        if edits && vma.is_some() && ptshare::is_shared(tables.read_pde(fault.addr.pd_index())) {
            let pdi = fault.addr.pd_index();
            if unshare_slot(tables, pdi, area_ptis(tree, pdi), phys, flush).is_err() {
                return Step::NoMemory;
            }
            return self.resolve(fault, tables, phys, flush);
        }
        match action {
            Action::GrowStack { vma_start, new_start } => {
                if new_start < *lower {
                    return Step::Refused(Refusal::Segv(SegvReason::NoMapping));
                }
                tree.extend_down(vma_start, new_start)
                    .expect("invariant: the decision checked the stack growth");
                // Decided again: the page now lies in the stack.
                self.resolve(fault, tables, phys, flush)
            }
            Action::Refuse(refusal) => Step::Refused(refusal),
            action => {
                let (Some(vma), Some(slot)) = (vma, slot) else {
                    unreachable!("invariant: a resolving action is for a page of an area");
                };
                let mut pages = Pages::new(tables, counts, resident);
                let at = At { vma, slot, pte, zero };
                match execute(&mut pages, at, action, phys, flush) {
                    Ok(()) => Step::Done,
                    Err(Failed::NoMemory) => Step::NoMemory,
                    Err(Failed::Refused(refusal)) => Step::Refused(refusal),
                }
            }
        }
    }
}

/// The faulting page: its area, its place in the tables, its entry and the zero frame, found
/// once per fault.
#[derive(Clone, Copy)]
struct At<'v> {
    vma: &'v Vma,
    slot: Slot,
    pte: Pte,
    zero: Frame,
}

/// Why carrying out an action failed; nothing changed.
enum Failed {
    NoMemory,
    /// The file refused its page (past its end, or its file system is full).
    Refused(Refusal),
}

impl From<NoMemory> for Failed {
    fn from(_: NoMemory) -> Self {
        Failed::NoMemory
    }
}

/// Carries out a resolving `action` for the faulting page `at`.
fn execute(
    pages: &mut Pages<'_>,
    at: At<'_>,
    action: Action,
    phys: &mut dyn PhysOps,
    flush: &mut SpaceFlush,
) -> Result<(), Failed> {
    let At { vma, slot, pte, zero } = at;
    let page = slot.page();
    let fresh = |phys: &mut dyn PhysOps| phys.alloc_frame().ok_or(NoMemory);
    match action {
        // A page that was not present: get its frame, then map it (one call site, so that
        // `map_new` is inlined with the table access it writes through).
        Action::MapZeroPage
        | Action::MapFreshZeroed { .. }
        | Action::FillFromFile { .. }
        | Action::MapFilePage { .. }
        | Action::MapPhysical { .. } => {
            let mut cow = false;
            let frame = match action {
                Action::MapFreshZeroed { .. } => fresh(phys).inspect(|&f| phys.zero_frame(f))?,
                Action::FillFromFile { offset, bytes, .. } => {
                    let file = vma.backing.file_object().expect("invariant: a file area");
                    fresh(phys).inspect(|&f| phys.fill_from_file(f, &**file, offset, bytes))?
                }
                Action::MapFilePage { index, cow: c, .. } => {
                    cow = c;
                    file_page(vma, index, phys)?
                }
                Action::MapPhysical { frame, .. } => frame,
                _ => zero,
            };
            Ok(map_new(pages, at, frame, cow, phys)?)
        }
        Action::TakeOver => {
            let owned = pte.with_flags(pte.flags() - PteFlags::COW);
            pages.set_flags(page, refreshed(owned, vma, zero), flush);
            Ok(())
        }
        // MakeWritable: the area allows the write and the page is neither COW nor the zero
        // frame: the entry gets exactly what the area allows.
        Action::MakeWritable => {
            pages.set_flags(page, refreshed(pte, vma, zero), flush);
            Ok(())
        }
        // Spurious: the page already permits the access, so the TLB entry that faulted is
        // stale: flush it. The entry also gets exactly what the area allows (which repairs a
        // missing USER bit).
        Action::Spurious => {
            pages.set_flags(page, refreshed(pte, vma, zero), flush);
            flush.add_page(page);
            Ok(())
        }
        Action::CopyPage | Action::ZeroPageBreak => Ok(fresh(phys).map(|new| {
            let old_frame = pte.frame().expect("invariant: a present page");
            let old_kind = kind(vma, old_frame, zero);
            if old_kind == Kind::Zero {
                phys.zero_frame(new);
            } else {
                phys.copy_frame(old_frame, new);
            }
            let carried = pte.flags() & SOFTWARE;
            let entry = Pte::new(new, carried | user_flags(vma.flags, false, false));
            let (from, to) = (account(vma, old_kind), account(vma, Kind::Counted));
            pages.replace(page, entry, from, to, flush);
            if old_kind == Kind::Counted {
                phys.dec_ref(old_frame);
            }
        })?),
        Action::GrowStack { .. } | Action::Refuse(_) => unreachable!("invariant: handled by resolve"),
    }
}

/// The page-cache frame of page `index` of `vma`'s file, with a reference for the mapping.
fn file_page(vma: &Vma, index: u32, phys: &mut dyn PhysOps) -> Result<Frame, Failed> {
    let file = vma.backing.file_object().expect("invariant: a file area");
    let offset = u64::from(index) << PAGE_SHIFT;
    file.get_page(index, phys).map_err(|e| match e {
        PageError::NoMemory => Failed::NoMemory,
        PageError::PastEof => Failed::Refused(Refusal::Bus(BusReason::PastEndOfFile { offset, size: file.size() })),
        PageError::NoSpace => Failed::Refused(Refusal::Bus(BusReason::NoSpace { offset })),
    })
}

/// Maps the not-present faulting page `at` to `frame` (whose reference the caller holds),
/// copy-on-write if `cow`; on failure the reference is dropped again.
#[inline]
fn map_new(
    pages: &mut Pages<'_>,
    at: At<'_>,
    frame: Frame,
    cow: bool,
    phys: &mut dyn PhysOps,
) -> Result<(), NoMemory> {
    let At { vma, slot, zero, .. } = at;
    let kind = kind(vma, frame, zero);
    let flags = user_flags(vma.flags, cow, kind == Kind::Zero);
    pages.install_at(slot, frame, flags, account(vma, kind), phys).inspect_err(|_| {
        if kind == Kind::Counted {
            phys.dec_ref(frame);
        }
    })
}

/// The state of `page` of `vma` for the decision.
pub(super) fn page_state(
    tables: &dyn TableAccess,
    page: Page,
    vma: &Vma,
    phys: &dyn PhysOps,
) -> PageState {
    state_of(paging::read(tables, page), vma, phys.zero_page(), phys)
}

/// The state of a page of `vma` whose entry is `pte`.
fn state_of(pte: Pte, vma: &Vma, zero: Frame, phys: &dyn PhysOps) -> PageState {
    let Some(frame) = pte.frame() else {
        return PageState::NotMapped;
    };
    PageState::Present {
        writable: pte.flags().contains(PteFlags::WRITABLE),
        cow: pte.flags().contains(PteFlags::COW),
        zero_page: frame == zero,
        refcount: match kind(vma, frame, zero) {
            Kind::Counted => phys.refcount(frame),
            Kind::Zero | Kind::Device => 0,
        },
    }
}
