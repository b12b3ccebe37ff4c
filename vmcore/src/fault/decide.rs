//! The page-fault decision table.
//!
//! Checks run top to bottom; the first row that matches decides. Rows K* classify the address,
//! V* find the area, P* handle a present page, N* a missing one. A kernel-mode fault on a user
//! address goes through the same rows as a user fault, refusals included; what a refusal then
//! means (a signal, or the exception fixup) is the mode's business ([`Refusal::wants_fixup`]).

use super::{stack, Action, BusReason, Fault, KernelFaultReason, Mode, PageState, Refusal, SegvReason};
use crate::addr::PAGE_SHIFT;
use crate::layout::{USER_END, USER_START};
use crate::mspace::VmLimits;
use crate::tree::VmaTree;
use crate::vma::{Access, Backing, VmFlags, Vma};

/// Decides what to do about `fault`, given the address space's areas and the page's state,
/// for a space with the default limits ([`VmLimits::DEFAULT`]).
pub fn decide(fault: &Fault, tree: &VmaTree, page: PageState) -> Action {
    decide_in(fault, tree, tree.find(fault.addr), page)
}

/// [`decide`] for a caller that has already looked the faulting address up: `vma` must be
/// `tree.find(fault.addr)` (checked in debug builds). The fault handler needs the area anyway
/// to compute the page's state, so this saves a second search of the tree.
pub fn decide_in(fault: &Fault, tree: &VmaTree, vma: Option<&Vma>, page: PageState) -> Action {
    decide_with(fault, tree, vma, page, &VmLimits::DEFAULT)
}

/// [`decide_in`] for a space with `limits` (its `RLIMIT_STACK` and `RLIMIT_AS` decide stack
/// growth, rows G3).
pub fn decide_with(fault: &Fault, tree: &VmaTree, vma: Option<&Vma>, page: PageState, limits: &VmLimits) -> Action {
    debug_assert!(
        vma.map(Vma::start) == tree.find(fault.addr).map(Vma::start),
        "decide_in: the area given is not the one containing the address"
    );
    let addr = fault.addr.as_u32();
    let kernel = fault.mode == Mode::Kernel;
    // K1: kernel half. From user mode a plain SIGSEGV; from kernel mode a bug.
    if addr >= USER_END {
        return Action::Refuse(if kernel {
            Refusal::KernelBug(KernelFaultReason::KernelAddress { present: fault.present })
        } else {
            Refusal::Segv(SegvReason::KernelAddress)
        });
    }
    // K2: the never-mapped null area below USER_START.
    if addr < USER_START {
        return Action::Refuse(if kernel {
            Refusal::KernelBug(KernelFaultReason::NullDeref)
        } else {
            Refusal::Segv(SegvReason::NullPage)
        });
    }
    // K3: user half, either mode.
    user_fault(fault, tree, vma, page, limits)
}

/// Rows V*: a user-half address; `vma` is the area containing it.
fn user_fault(fault: &Fault, tree: &VmaTree, vma: Option<&Vma>, page: PageState, limits: &VmLimits) -> Action {
    // V1: in a hole — stack growth, or SIGSEGV.
    let Some(vma) = vma else {
        return stack::grow(fault, tree, limits);
    };
    // V2: the area forbids the access (write without WRITE, anything on PROT_NONE, exec
    //     without EXEC).
    if !vma.allows(fault.access) {
        return Action::Refuse(Refusal::Segv(SegvReason::AccessDenied { access: fault.access, flags: vma.flags }));
    }
    match page {
        PageState::Present { writable, cow, zero_page, refcount } => {
            present(fault.access, vma, writable, cow, zero_page, refcount)
        }
        PageState::NotMapped => not_present(fault, vma),
    }
}

/// Rows P*: the page is present and the area allows the access.
fn present(access: Access, vma: &Vma, writable: bool, cow: bool, zero: bool, refs: u32) -> Action {
    // P1: read or exec of a present page: a present page is readable and (without NX)
    //     executable, so someone already resolved it.
    if access != Access::Write {
        return Action::Spurious;
    }
    // P2: write, PTE already writable: resolved meanwhile (or a stale TLB entry).
    if writable {
        return Action::Spurious;
    }
    // P3: write to the shared zero frame: give the page its own zeroed frame. Checked before
    //     anything that would make the PTE writable, so the zero frame is never written.
    if zero {
        return Action::ZeroPageBreak;
    }
    // P4: write to a shared mapping's page: shared pages are never COW, just allow writing.
    if vma.flags.is_shared() {
        return Action::MakeWritable;
    }
    // P5: COW page mapped only here: take it over without copying.
    if cow && refs == 1 {
        return Action::TakeOver;
    }
    // P6: COW page still shared (or refcount unknown, 0): copy it.
    if cow {
        return Action::CopyPage;
    }
    // P7: private, not COW, area writable, PTE read-only (mprotect added WRITE): allow it.
    Action::MakeWritable
}

/// Rows N*: the page is not mapped and the area allows the access.
fn not_present(fault: &Fault, vma: &Vma) -> Action {
    let writable = vma.flags.contains(VmFlags::WRITE);
    let shared = vma.flags.is_shared();
    match &vma.backing {
        // N1: device memory: map its frame.
        Backing::Physical { .. } => Action::MapPhysical {
            frame: vma.physical_frame(fault.addr).expect("invariant: the area contains addr"),
            writable,
        },
        Backing::File { file, .. } => {
            let pos = vma.file_position(fault.addr).expect("invariant: a file area");
            // N2: inside the file data but wholly past EOF: SIGBUS, like Linux.
            if pos.past_eof {
                return Action::Refuse(Refusal::Bus(BusReason::PastEndOfFile {
                    offset: pos.offset,
                    size: file.size(),
                }));
            }
            // N3: private page wholly in the zero tail (bss): treat as anonymous (N6/N7).
            if pos.bytes == 0 && !shared {
                return anonymous(fault.access, writable, false);
            }
            // The page index in the file; one beyond `u32` lies past any file we hold.
            let Ok(index) = u32::try_from(pos.offset >> PAGE_SHIFT) else {
                return Action::Refuse(Refusal::Bus(BusReason::PastEndOfFile { offset: pos.offset, size: file.size() }));
            };
            // N4: shared: the page-cache frame every mapping shares.
            if shared {
                return Action::MapFilePage { index, writable, cow: false };
            }
            // N4a: private read or exec of a page the data covers whole: the page-cache frame,
            //      copy-on-write (program text is shared by every process running it).
            if fault.access != Access::Write && pos.whole {
                return Action::MapFilePage { index, writable: false, cow: true };
            }
            // N4b: private write, or a page cut by `limit` (an ELF bss tail): a private copy of
            //      the file data, zeroed past `limit`/EOF.
            Action::FillFromFile { offset: pos.offset, bytes: pos.bytes, writable }
        }
        Backing::Anonymous => anonymous(fault.access, writable, shared),
    }
}

/// Rows N5–N7: anonymous memory (or a private file page with no file data).
fn anonymous(access: Access, writable: bool, shared: bool) -> Action {
    // N5: shared anonymous memory: every sharer must see the same frame, so never the zero
    //     page; map a fresh zeroed frame even for a read.
    if shared {
        return Action::MapFreshZeroed { writable };
    }
    // N6: private write: a fresh zeroed frame.
    if access == Access::Write {
        return Action::MapFreshZeroed { writable: true };
    }
    // N7: private read or exec: the shared zero page, read-only.
    Action::MapZeroPage
}
