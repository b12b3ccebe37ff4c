//! Page faults: the decision table's [`Action`], carried out.

use super::flush::SpaceFlush;
use super::pages::{account, kind, refreshed, user_flags, Kind, NoMemory, Pages, SOFTWARE};
use super::phys::PhysOps;
use super::MSpace;
use crate::addr::{Frame, Page};
use crate::fault::{
    decide, Action, BusReason, Fault, KernelFaultReason, Mode, PageState, SegvReason, Unresolved,
};
use crate::paging::TableAccess;
use crate::pte::{Pte, PteFlags};
use crate::vma::Vma;

/// What became of a page fault.
#[must_use = "a resolved fault leaves a TLB entry to flush; a refused one a signal to send"]
#[derive(Debug, PartialEq, Eq)]
pub enum FaultOutcome {
    /// The page now permits the access: execute the flush (it always names the faulting page)
    /// and return to the faulting instruction. Also the answer for a spurious fault.
    Resolved(SpaceFlush),
    /// User mode: send SIGSEGV.
    Segv(SegvReason),
    /// User mode: send SIGBUS.
    Bus(BusReason),
    /// Kernel mode on user memory that cannot be resolved: apply the exception fixup of the
    /// faulting instruction (the copy routine returns `EFAULT`), oops without one.
    KernelFixup(Unresolved),
    /// Kernel-mode fault user memory does not explain: oops (see
    /// [`Action::wants_fixup`] for the null-pointer case).
    KernelBug(KernelFaultReason),
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
    Refused(FaultOutcome),
}

impl MSpace {
    /// Handles a page fault at `fault.addr` of this space (the active one: `tables` is the own
    /// window): computes the page's state from its entry and the frame database, asks
    /// [`decide`], and carries the action out — including growing a stack
    /// down and deciding again.
    pub fn handle_fault(
        &mut self,
        fault: &Fault,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> FaultOutcome {
        let mut flush = SpaceFlush::new();
        match self.resolve(fault, tables, phys, &mut flush) {
            Step::Done => {
                flush.add_page(Page::containing(fault.addr));
                FaultOutcome::Resolved(flush)
            }
            Step::NoMemory => {
                flush.ignore(); // nothing changed
                FaultOutcome::OutOfMemory
            }
            Step::Refused(outcome) => {
                flush.ignore(); // nothing changed
                outcome
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
        let mut action = self.decide(fault, &*tables, &*phys);
        if let Action::GrowStack { vma_start, new_start } = action {
            if new_start < self.lower {
                return Step::Refused(refusal(fault.mode, SegvReason::NoMapping));
            }
            self.tree
                .extend_down(vma_start, new_start)
                .expect("invariant: the decision checked the stack growth");
            action = self.decide(fault, &*tables, &*phys);
        }
        self.apply(Page::containing(fault.addr), action, tables, phys, flush)
    }

    /// The decision for `fault` given the current entry.
    fn decide(&self, fault: &Fault, tables: &dyn TableAccess, phys: &dyn PhysOps) -> Action {
        let vma = self.tree.find(fault.addr);
        let state = match vma {
            Some(vma) => page_state(tables, Page::containing(fault.addr), vma, phys),
            None => PageState::NotMapped, // a hole: the decision does not look at the entry
        };
        decide(fault, &self.tree, state)
    }

    /// Carries out `action` for `page`.
    fn apply(
        &mut self,
        page: Page,
        action: Action,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Step {
        let refused = match action {
            Action::Segv(r) => FaultOutcome::Segv(r),
            Action::Bus(r) => FaultOutcome::Bus(r),
            Action::KernelFixup(r) => FaultOutcome::KernelFixup(r),
            Action::KernelBug(r) => FaultOutcome::KernelBug(r),
            _ => return self.execute(page, action, tables, phys, flush),
        };
        Step::Refused(refused)
    }

    /// Carries out a resolving action.
    fn execute(
        &mut self,
        page: Page,
        action: Action,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Step {
        let vma = self.tree.find(page.start()).expect("invariant: the action resolves a VMA page");
        let mut pages = Pages::new(tables, &mut self.counts, &mut self.resident);
        let zero = phys.zero_page();
        let fresh = |phys: &mut dyn PhysOps| phys.alloc_frame().ok_or(NoMemory);
        let result = match action {
            Action::MapZeroPage => map_new(&mut pages, vma, page, zero, phys),
            Action::MapFreshZeroed { .. } => fresh(phys).and_then(|f| {
                phys.zero_frame(f);
                map_new(&mut pages, vma, page, f, phys)
            }),
            Action::FillFromFile { offset, bytes, shared, .. } => {
                let file = vma.backing.file_object().expect("invariant: a file area");
                let frame = if shared {
                    phys.shared_file_frame(file, offset).ok_or(NoMemory)
                } else {
                    fresh(phys).inspect(|&f| phys.fill_from_file(f, &**file, offset, bytes))
                };
                frame.and_then(|f| map_new(&mut pages, vma, page, f, phys))
            }
            Action::MapPhysical { frame, .. } => map_new(&mut pages, vma, page, frame, phys),
            Action::TakeOver => {
                let old = pages.read(page);
                let owned = old.with_flags(old.flags() - PteFlags::COW);
                pages.set_flags(page, refreshed(owned, vma, zero), flush);
                Ok(())
            }
            // MakeWritable: the area allows the write and the page is neither COW nor the zero
            // frame; Spurious: the page already permits the access. Either way the entry gets
            // exactly what the area allows (which also repairs a missing USER bit).
            Action::MakeWritable | Action::Spurious => {
                let old = pages.read(page);
                pages.set_flags(page, refreshed(old, vma, zero), flush);
                Ok(())
            }
            Action::CopyPage | Action::ZeroPageBreak => fresh(phys).map(|new| {
                let old = pages.read(page);
                let old_frame = old.frame().expect("invariant: a present page");
                let old_kind = kind(vma, old_frame, zero);
                if old_kind == Kind::Zero {
                    phys.zero_frame(new);
                } else {
                    phys.copy_frame(old_frame, new);
                }
                let carried = old.flags() & SOFTWARE;
                let entry = Pte::new(new, carried | user_flags(vma.flags, false, false));
                let (from, to) = (account(vma, old_kind), account(vma, Kind::Counted));
                pages.replace(page, entry, from, to, flush);
                if old_kind == Kind::Counted {
                    phys.dec_ref(old_frame);
                }
            }),
            Action::GrowStack { .. } | Action::Segv(_) | Action::Bus(_) => {
                unreachable!("invariant: handled by resolve/apply")
            }
            Action::KernelFixup(_) | Action::KernelBug(_) => {
                unreachable!("invariant: handled by apply")
            }
        };
        match result {
            Ok(()) => Step::Done,
            Err(NoMemory) => Step::NoMemory,
        }
    }
}

/// Maps the not-present `page` of `vma` to `frame` (whose reference the caller holds); on
/// failure the reference is dropped again.
fn map_new(
    pages: &mut Pages<'_>,
    vma: &Vma,
    page: Page,
    frame: Frame,
    phys: &mut dyn PhysOps,
) -> Result<(), NoMemory> {
    let zero = phys.zero_page();
    let kind = kind(vma, frame, zero);
    let flags = user_flags(vma.flags, false, kind == Kind::Zero);
    pages.install(page, frame, flags, account(vma, kind), phys).inspect_err(|_| {
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
    let pte = crate::paging::read(tables, page);
    let Some(frame) = pte.frame() else {
        return PageState::NotMapped;
    };
    let zero = phys.zero_page();
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

/// The refusal for `reason` in `mode`.
fn refusal(mode: Mode, reason: SegvReason) -> FaultOutcome {
    match mode {
        Mode::User => FaultOutcome::Segv(reason),
        Mode::Kernel => FaultOutcome::KernelFixup(Unresolved::Segv(reason)),
    }
}
