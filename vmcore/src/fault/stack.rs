//! Rows G*: a fault in a hole may grow the stack above it down.

use super::{Action, Fault, Refusal, SegvReason};
use crate::addr::{Page, PAGE_SHIFT};
use crate::layout::STACK_GUARD_GAP;
use crate::mspace::VmLimits;
use crate::tree::VmaTree;
use crate::vma::VmFlags;

/// Decides a fault at an address no area contains (`fault.addr` is in user space).
///
/// Like Linux's `expand_downwards` and `acct_stack_growth`: the stack grows so that it starts
/// at the faulting page; the growth must fit the space's `RLIMIT_AS`, and the stack's size from
/// the new start to its end must stay within `RLIMIT_STACK` (`limits`); the new start must
/// stay [`STACK_GUARD_GAP`] above the end of the area below, unless that area is itself a
/// stack or inaccessible (`PROT_NONE`).
pub(super) fn grow(fault: &Fault, tree: &VmaTree, limits: &VmLimits) -> Action {
    // G1: no stack just above: a plain unmapped address.
    let Some(stack) = tree.vma_above(fault.addr).filter(|v| v.flags.contains(VmFlags::GROWSDOWN))
    else {
        return Action::Refuse(Refusal::Segv(SegvReason::NoMapping));
    };
    // G2: the stack itself forbids the access: refuse before growing.
    if !stack.allows(fault.access) {
        return Action::Refuse(Refusal::Segv(SegvReason::AccessDenied { access: fault.access, flags: stack.flags }));
    }
    let new_start = Page::containing(fault.addr);
    // G3: the growth would pass RLIMIT_AS, or the grown stack RLIMIT_STACK. (A stack is not
    //     data: RLIMIT_DATA does not apply.)
    let grow = (stack.start().start().as_u32() - new_start.start().as_u32()) >> PAGE_SHIFT;
    let size = stack.end().as_u32() - new_start.start().as_u32();
    //     A miss more than a guard gap below the lowest page RLIMIT_STACK lets the stack
    //     reach is no overflow but a plain unmapped address (the kill report says so; the
    //     signal is SEGV_MAPERR either way, as Linux's failed `expand_stack`).
    if size > limits.stack {
        let lowest = stack.end().as_u32() - limits.stack;
        let far = lowest - new_start.start().as_u32() > STACK_GUARD_GAP;
        return Action::Refuse(Refusal::Segv(if far { SegvReason::NoMapping } else { SegvReason::StackLimit }));
    }
    if !limits.may_expand(tree.total_pages(), 0, stack.flags, grow) {
        return Action::Refuse(Refusal::Segv(SegvReason::StackLimit));
    }
    // G4: too close to an accessible, non-stack area below.
    if let Some(below) = tree.vma_below(fault.addr) {
        let guarded = !below.flags.contains(VmFlags::GROWSDOWN) && below.flags.is_accessible();
        if guarded && new_start.start().as_u32() - below.end().as_u32() < STACK_GUARD_GAP {
            return Action::Refuse(Refusal::Segv(SegvReason::GuardGap));
        }
    }
    // G5: grow.
    Action::GrowStack { vma_start: stack.start(), new_start }
}
