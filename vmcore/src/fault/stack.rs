//! Rows G*: a fault in a hole may grow the stack above it down.

use super::{Action, Fault, Refusal, SegvReason};
use crate::addr::Page;
use crate::layout::{STACK_GUARD_GAP, STACK_LIMIT};
use crate::tree::VmaTree;
use crate::vma::VmFlags;

/// Decides a fault at an address no area contains (`fault.addr` is in user space).
///
/// Like Linux's `expand_downwards`: the stack grows so that it starts at the faulting page;
/// its size from the new start to its end must stay within [`STACK_LIMIT`]; and the new start
/// must stay [`STACK_GUARD_GAP`] above the end of the area below, unless that area is itself a
/// stack or inaccessible (`PROT_NONE`).
pub(super) fn grow(fault: &Fault, tree: &VmaTree) -> Action {
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
    // G3: the grown stack would exceed STACK_LIMIT (RLIMIT_STACK).
    if stack.end().as_u32() - new_start.start().as_u32() > STACK_LIMIT {
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
