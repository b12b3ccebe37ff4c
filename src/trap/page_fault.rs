//! The page fault (vector 14), from CR2 to an answer. Arch decodes the error code into a
//! [`Fault`](vmcore::fault::Fault); the space loaded in CR3 resolves it (vmcore's decision
//! table, carried out on its page tables) into one of three outcomes:
//!
//! - **resolved**: the TLB flush it names is executed and the instruction runs again;
//! - **refused**: from user mode, the process dies of the signal the refusal names (SIGSEGV,
//!   SIGBUS); from kernel mode, the faulting instruction's exception fixup makes the copy
//!   routine return EFAULT where [`Refusal::wants_fixup`] allows it, and anything else is an
//!   oops;
//! - **out of memory**: from user mode, the out-of-memory killer (`proc::oom`) kills the
//!   process with the most memory and the fault is taken again (SIGKILL if that is the
//!   faulting process); from a user copy, SIGKILL for the copying process.
//!
//! docs/fault-path.md walks this path from the trap stub to the PTE write.

use crate::arch::exception::{self, PageFaultErrorCode};
use crate::arch::trap::TrapFrame;
use crate::arch::{cpu, protect, stack_guard, useratomic, usercopy};
use crate::mm::aspace::{self, AddressSpace};
use crate::proc::{oom, signals};
use crate::proc::sigstate::{FaultRegs, SigInfo};
use vmcore::fault::{Fault, Refusal};
use vmcore::layout::KERNEL_BASE;
use vmcore::mspace::FaultOutcome;

/// Handles vector 14.
pub fn handle(frame: &mut TrapFrame) {
    let cr2 = cpu::cr2();
    if protect::active() {
        protect::check_kernel_fault(frame, cr2);
    }
    let fault = PageFaultErrorCode::of(frame).fault(cr2);
    let from_user = frame.from_user();
    if !from_user && cr2 >= KERNEL_BASE {
        let reason = match stack_guard::guard_hit(cr2, frame.interrupted_esp()) {
            Some(_) => "kernel stack overflow (guard page)",
            None => "kernel-mode access to an unmapped or protected kernel address",
        };
        exception::oops(frame, cr2, Some(reason));
    }
    if !from_user && useratomic::faults_disabled() {
        // Linux's faulthandler_disabled(): the access fails and its caller retries unlocked.
        return fixup_or_oops(frame, cr2, "page fault with faults disabled");
    }
    let Some(outcome) = AddressSpace::with_active(|a| a.fault(&fault)) else {
        if from_user {
            signals::fatal_fault(frame, cr2, &fault, format_args!("no address space"), signals::SIGSEGV);
        }
        return fixup_or_oops(frame, cr2, "no user address space is active");
    };
    match outcome {
        FaultOutcome::Resolved(flush) => {
            aspace::flush_tlb(flush);
            crate::proc::usage::count_fault(); // ru_minflt
            log::trace!("[{}] fault at {cr2:#010x} resolved: {fault:?}", crate::proc::current_pid());
        }
        unresolved => not_resolved(frame, cr2, &fault, unresolved),
    }
}

/// A fault the space refused or could not serve (out of line: the resolved case is the hot
/// one).
#[cold]
#[inline(never)]
fn not_resolved(frame: &mut TrapFrame, cr2: u32, fault: &Fault, outcome: FaultOutcome) {
    let from_user = frame.from_user();
    match outcome {
        FaultOutcome::Resolved(flush) => aspace::flush_tlb(flush),
        FaultOutcome::Refused(refusal) if from_user => {
            let (sig, code) = signals::for_refusal(&refusal);
            let regs = FaultRegs { trapno: frame.vector, err: frame.error_code, cr2 };
            if !signals::force_fault(SigInfo::fault(sig, code, cr2), regs) {
                signals::fatal_fault(frame, cr2, fault, format_args!("{refusal}"), sig)
            }
        }
        FaultOutcome::Refused(refusal) => kernel_refused(frame, cr2, refusal),
        FaultOutcome::OutOfMemory if from_user => match crate::proc::oom::out_of_memory() {
            // Another process dies (or is dying): give it the CPU, then take the fault again.
            oom::Verdict::Retry => crate::proc::sched::schedule(),
            oom::Verdict::KillCurrent => {
                signals::fatal_fault(frame, cr2, fault, format_args!("out of memory"), signals::SIGKILL)
            }
        },
        FaultOutcome::OutOfMemory => {
            // A copy routine could not get a frame: the copy fails with EFAULT, and the
            // process is killed on its way back to user mode, as Linux's OOM path would.
            signals::kill_current(signals::SIGKILL);
            fixup_or_oops(frame, cr2, "out of memory in a user copy")
        }
    }
}

/// A refused kernel-mode fault: the fixup rule, or an oops naming the refusal.
fn kernel_refused(frame: &mut TrapFrame, cr2: u32, refusal: Refusal) {
    if refusal.wants_fixup() {
        if let Some(fixup) = usercopy::fixup_for(frame.eip) {
            frame.eip = fixup;
            return;
        }
    }
    exception::oops(frame, cr2, Some(&alloc::format!("{refusal}")))
}

/// A kernel-mode fault on user memory that could not be served: a user-copy instruction gets
/// its fixup (the copy returns EFAULT); anything else is a kernel bug.
fn fixup_or_oops(frame: &mut TrapFrame, cr2: u32, why: &str) {
    match usercopy::fixup_for(frame.eip) {
        Some(fixup) => frame.eip = fixup,
        None => exception::oops(frame, cr2, Some(why)),
    }
}
