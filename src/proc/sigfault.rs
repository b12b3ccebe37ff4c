//! Faults as signals (Linux's `force_sig_fault`): the signal a user-mode exception raises,
//! queued for a handler that takes it, or — blocked, ignored or default — the end of the
//! process with the console's kill report.

use super::signals::{self, recalc};
use super::sigstate::*;
use crate::arch::exception::ExceptionKind;
use crate::arch::trap::TrapFrame;
use crate::kprintln;
use vmcore::addr::VirtAddr;
use vmcore::fault::{Access, Fault, Refusal};
use vmcore::signal::*;


/// Linux's `force_sig_fault` for the current task: a fault signal with a handler that does
/// not block it is queued (delivered on the way out; returns true). Blocked or ignored or
/// default, the signal is unblocked and reset to default, i.e. the process dies of it: the
/// caller prints the report and ends the process (returns false).
pub fn force_fault(info: SigInfo, regs: FaultRegs) -> bool {
    let task = super::current();
    let mut guard = task.inner.lock();
    let inner = &mut *guard;
    let act = inner.sighand.get(info.signo);
    let blocked = inner.sig.blocked & sigbit(info.signo) != 0;
    if blocked || act.handler == SIG_IGN || act.handler == SIG_DFL {
        return false;
    }
    inner.sig.fault = regs;
    // A standard signal is never refused.
    let _ = inner.sig.pending.add(info, true);
    recalc(inner, &task.group);
    true
}

/// Kills the current process for a fault it cannot survive, after the report.
/// `reason` is formatted straight into the report: nothing on this path may own heap memory,
/// since the function never returns to drop it.
pub fn fatal_fault(frame: &TrapFrame, addr: u32, fault: &Fault, reason: core::fmt::Arguments<'_>, sig: u32) -> ! {
    let (pid, name) = {
        let task = super::current();
        let inner = task.inner.lock();
        // The report must not need memory the process could not get: empty if there is none.
        (task.pid(), crate::mm::trycopy::string(&inner.name).unwrap_or_default())
    };
    let access = match fault.access {
        Access::Read => "read",
        Access::Write => "write",
        Access::Exec => "instruction fetch",
    };
    let vma = super::current_aspace().and_then(|a| a.vma_at(VirtAddr::new(addr)));
    let mut vma_text = crate::mm::trytext::TryText::new();
    let _ = match &vma {
        Some(v) => vmcore::maps::write_maps_line(&mut vma_text, v),
        None => core::fmt::Write::write_str(&mut vma_text, "no mapping\n"),
    };
    let vma_text = vma_text.finish().unwrap_or_default();
    kprintln!(
        "[{pid} {name}] killed by {}: {access} at {addr:#010x}, EIP {:#010x} (user mode), reason: {reason}; VMA: {}",
        signals::name(sig),
        frame.eip,
        vma_text.trim_end()
    );
    drop(name);
    drop(vma);
    drop(vma_text);
    super::coredump::die(sig, None, frame)
}

/// The signal Linux sends for a refused user-mode page fault, and its `si_code`.
pub fn for_refusal(refusal: &Refusal) -> (u32, i32) {
    match refusal {
        Refusal::Bus(_) => (SIGBUS, BUS_ADRERR),
        Refusal::Segv(r) => (SIGSEGV, r.si_code()),
        Refusal::KernelBug(_) => (SIGSEGV, SI_KERNEL),
    }
}

/// The signal for an exception other than a page fault taken in user mode (#GP — privileged
/// instructions, bad segment loads — is SIGSEGV), with Linux's `si_code` and `si_addr`:
/// #DE FPE_INTDIV at EIP, #UD ILL_ILLOPN at EIP, #AC BUS_ADRALN, #DB TRAP_TRACE at EIP, `into`
/// (#OF) SIGSEGV as Linux's `exc_overflow`, #NP/#SS SIGBUS, int3 and the rest SI_KERNEL. #MF/#XM
/// get their `si_code` from the FPU state's decoder (the caller's: `arch::fpu::sigfpe_code`).
pub fn for_exception(vector: usize, eip: u32) -> SigInfo {
    match vector {
        1 => return SigInfo::fault(SIGTRAP, TRAP_TRACE, eip),
        4 => return SigInfo::fault(SIGSEGV, SI_KERNEL, 0),
        _ => {}
    }
    match ExceptionKind::of(vector) {
        ExceptionKind::Arithmetic => SigInfo::fault(SIGFPE, if vector == 0 { FPE_INTDIV } else { SI_KERNEL }, eip),
        ExceptionKind::Trap => SigInfo::fault(SIGTRAP, SI_KERNEL, 0),
        ExceptionKind::InvalidOpcode => SigInfo::fault(SIGILL, ILL_ILLOPN, eip),
        ExceptionKind::Alignment => SigInfo::fault(SIGBUS, BUS_ADRALN, 0),
        ExceptionKind::SegmentNotPresent => SigInfo::fault(SIGBUS, SI_KERNEL, 0),
        ExceptionKind::Protection => SigInfo::fault(SIGSEGV, SI_KERNEL, 0),
    }
}

/// Kills the current process for an exception other than a page fault.
pub fn fatal_exception(frame: &TrapFrame, what: core::fmt::Arguments<'_>, sig: u32) -> ! {
    let (pid, name) = {
        let task = super::current();
        let inner = task.inner.lock();
        // The report must not need memory the process could not get: empty if there is none.
        (task.pid(), crate::mm::trycopy::string(&inner.name).unwrap_or_default())
    };
    kprintln!(
        "[{pid} {name}] killed by {}: {what} at EIP {:#010x} (user mode), ESP {:#010x}",
        signals::name(sig),
        frame.eip,
        frame.user_esp
    );
    drop(name);
    super::coredump::die(sig, None, frame)
}
