//! The page-fault handler: the x86 stub's CR2 and error code become an arch-neutral
//! [`Fault`]; the current address space resolves it (`vmcore`'s decision table and its
//! execution); what cannot be resolved kills the process (user mode), returns EFAULT through
//! the exception-fixup table (kernel copy routines), or is an oops (kernel bug).

use crate::arch::exception;
use crate::arch::trap::TrapFrame;
use crate::arch::{cpu, paging, stack_guard, usercopy};
use crate::mm::aspace::AddressSpace;
use crate::proc::{sched, signals};
use vmcore::addr::VirtAddr;
use vmcore::fault::{Access, Fault, Mode};
use vmcore::layout::KERNEL_BASE;
use vmcore::mspace::FaultOutcome;

/// Error-code bits of a page fault.
const PF_PRESENT: u32 = 1;
const PF_WRITE: u32 = 2;
const PF_USER: u32 = 4;
const PF_FETCH: u32 = 16;

/// Translates the hardware error code into our vocabulary.
pub fn decode(addr: u32, error: u32) -> Fault {
    let access = if error & PF_FETCH != 0 {
        Access::Exec
    } else if error & PF_WRITE != 0 {
        Access::Write
    } else {
        Access::Read
    };
    Fault {
        addr: VirtAddr::new(addr),
        access,
        mode: if error & PF_USER != 0 { Mode::User } else { Mode::Kernel },
        present: error & PF_PRESENT != 0,
    }
}

/// Handles vector 14.
pub fn handle(frame: &mut TrapFrame) {
    let cr2 = cpu::cr2();
    let fault = decode(cr2, frame.error_code);
    let from_user = frame.from_user();
    if !from_user && cr2 >= KERNEL_BASE {
        let reason = match stack_guard::guard_hit(cr2, frame.interrupted_esp()) {
            Some(_) => "kernel stack overflow (guard page)",
            None => "kernel-mode access to an unmapped or protected kernel address",
        };
        exception::oops(frame, cr2, Some(reason));
    }
    // The space loaded in CR3 owns the tables the fault is resolved in: the published one if
    // it is that, else the current task's (then published for the next fault).
    let outcome = match AddressSpace::with_active(|a| a.fault(&fault)) {
        Some(outcome) => outcome,
        None => {
            let aspace = sched::current().inner.lock().aspace.clone();
            let Some(aspace) = aspace.filter(|a| a.is_active()) else {
                if from_user {
                    signals::fatal_fault(frame, cr2, &fault, format_args!("no address space"), signals::SIGSEGV);
                }
                return kernel_unresolved(frame, cr2, "no user address space is active");
            };
            AddressSpace::publish_active(&aspace);
            aspace.fault(&fault)
        }
    };
    match outcome {
        FaultOutcome::Resolved(flush) => paging::flush_plan(flush.plan(32)),
        FaultOutcome::Segv(reason) if from_user => {
            signals::fatal_fault(frame, cr2, &fault, format_args!("{reason:?}"), signals::SIGSEGV)
        }
        FaultOutcome::Bus(reason) if from_user => {
            signals::fatal_fault(frame, cr2, &fault, format_args!("{reason:?}"), signals::SIGBUS)
        }
        FaultOutcome::OutOfMemory if from_user => {
            signals::fatal_fault(frame, cr2, &fault, format_args!("out of memory"), signals::SIGKILL)
        }
        FaultOutcome::OutOfMemory => {
            // A copy routine could not get a frame: the copy fails with EFAULT, and the
            // process is killed on its way back to user mode, as Linux's OOM path would.
            signals::kill_current(signals::SIGKILL);
            kernel_unresolved(frame, cr2, "out of memory in a user copy")
        }
        FaultOutcome::KernelFixup(_) | FaultOutcome::Segv(_) | FaultOutcome::Bus(_) => {
            kernel_unresolved(frame, cr2, "unresolvable kernel access to user memory")
        }
        FaultOutcome::KernelBug(reason) => {
            if let Some(fixup) = usercopy::fixup_for(frame.eip) {
                frame.eip = fixup;
                return;
            }
            exception::oops(frame, cr2, Some(&alloc::format!("{reason:?}")))
        }
    }
}

/// A kernel-mode fault on user memory that could not be resolved: a user-copy instruction
/// gets its fixup (the copy returns EFAULT); anything else is a kernel bug.
fn kernel_unresolved(frame: &mut TrapFrame, cr2: u32, why: &str) {
    match usercopy::fixup_for(frame.eip) {
        Some(fixup) => frame.eip = fixup,
        None => exception::oops(frame, cr2, Some(why)),
    }
}
