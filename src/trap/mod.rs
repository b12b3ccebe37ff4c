//! Trap dispatch: where every interrupt, exception and system call lands after the stubs of
//! `boot/traps.s` have built a [`TrapFrame`]. This is the one place that knows every subsystem:
//! arch decodes the hardware (vectors, error codes, the PIC), and this module hands each event
//! to its owner — page faults to memory management ([`page_fault`]), other exceptions to the
//! process layer (a signal) or to arch's oops, the timer to arch's tick (whose hook the
//! scheduler registered), COM1's input to the terminal, `int 0x80` to the system-call dispatcher — and runs the process
//! layer's checks before every return to ring 3.
//!
//! The layering rule this keeps: `arch` imports nothing from `mm`, `proc`, `syscall` or `fs`.

mod page_fault;

use crate::arch::exception::{self, ExceptionKind};
use crate::arch::trap::TrapFrame;
use crate::arch::{idt, pic, pit, serial};
use crate::proc::sigstate::FaultRegs;
use crate::proc::{self, signals};

/// Called by `trap_common` for every vector.
#[no_mangle]
extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    match frame.vector as usize {
        exception::BREAKPOINT if !frame.from_user() => exception::kernel_breakpoint(frame),
        exception::PAGE_FAULT => page_fault::handle(frame),
        v if v < 32 => cpu_exception(frame),
        v @ 32..=47 => {
            let irq = (v - 32) as u8;
            if pic::is_spurious(irq) {
                return;
            }
            crate::mm::inject::interrupt(|| match irq {
                0 => pit::tick(frame.from_user()),
                serial::IRQ => serial::interrupt(),
                _ => log::warn!("unexpected IRQ {irq}"),
            });
            pic::end_of_interrupt(irq);
        }
        idt::SYSCALL => crate::syscall::dispatch(frame),
        v => log::warn!("unexpected trap vector {v}"),
    }
    if frame.from_user() {
        // A safe point for deferred work: the interrupted code was user code, no kernel lock
        // is held.
        crate::mm::inject::kernel_work(crate::tty::run_deferred);
        proc::on_return_to_user(frame);
    }
}

/// An exception other than a page fault: in user mode the process dies of the signal Linux
/// would send; in kernel mode it is a bug, reported by an oops.
fn cpu_exception(frame: &mut TrapFrame) {
    if !frame.from_user() {
        exception::kernel_exception(frame);
    }
    let vector = frame.vector as usize;
    let mut info = signals::for_exception(vector, frame.eip);
    let fpe = if ExceptionKind::of(vector) == ExceptionKind::Arithmetic {
        // The si_code Linux's math_error/do_error_trap would give; a spurious #MF/#XM (no
        // unmasked flag raised) resumes the program without a signal, as on Linux.
        let Some(code) = crate::arch::fpu::sigfpe_code(vector) else { return };
        info.code = code as i32;
        Some(code)
    } else {
        None
    };
    let regs = FaultRegs { trapno: vector as u32, err: frame.error_code, cr2: 0 };
    if signals::force_fault(info, regs) {
        return; // the handler runs on the way out
    }
    let (mnemonic, name) = exception::name(vector);
    match fpe {
        Some(code) => {
            let what = format_args!("{mnemonic} {name} (error code {:#x}), si_code {}", frame.error_code, code.name());
            signals::fatal_exception(frame, what, info.signo)
        }
        None => signals::fatal_exception(frame, format_args!("{mnemonic} {name} (error code {:#x})", frame.error_code), info.signo),
    }
}
