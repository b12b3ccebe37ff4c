//! The common trap entry: the register frame the stubs build and the dispatch on the vector.

use super::{exception, pic, pit};
use core::sync::atomic::{AtomicU32, Ordering};

/// The registers saved on entry to any interrupt, exception or system call; the layout matches
/// `trap_common` in `boot/traps.s`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
#[allow(missing_docs)]
pub struct TrapFrame {
    pub gs: u32,
    pub fs: u32,
    pub es: u32,
    pub ds: u32,
    pub edi: u32,
    pub esi: u32,
    pub ebp: u32,
    /// ESP as pusha saw it (points into this frame); meaningless to callers.
    pub esp_pusha: u32,
    pub ebx: u32,
    pub edx: u32,
    pub ecx: u32,
    pub eax: u32,
    pub vector: u32,
    pub error_code: u32,
    pub eip: u32,
    pub cs: u32,
    pub eflags: u32,
    /// Only pushed by the CPU on a transition from ring 3.
    pub user_esp: u32,
    /// Only pushed by the CPU on a transition from ring 3.
    pub user_ss: u32,
}

impl TrapFrame {
    /// Whether the trap interrupted ring 3.
    pub fn from_user(&self) -> bool {
        self.cs & 3 == 3
    }

    /// The stack pointer of the interrupted code.
    pub fn interrupted_esp(&self) -> u32 {
        if self.from_user() {
            self.user_esp
        } else {
            // Ring 0 → ring 0: the CPU pushed no ESP/SS; the old stack ends where they would be.
            core::ptr::addr_of!(self.user_esp) as u32
        }
    }
}

/// How many breakpoints (int3) have been handled.
pub static BREAKPOINTS: AtomicU32 = AtomicU32::new(0);

/// Called by `trap_common` for every vector.
#[no_mangle]
extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    match frame.vector as usize {
        exception::BREAKPOINT if !frame.from_user() => {
            BREAKPOINTS.fetch_add(1, Ordering::Relaxed);
            log::debug!("breakpoint at {:#010x}", frame.eip.wrapping_sub(1));
        }
        exception::PAGE_FAULT => {
            if super::protect::active() {
                super::protect::check_kernel_fault(frame, super::cpu::cr2());
            }
            crate::mm::fault::handle(frame)
        }
        v if v < 32 => exception::handle(frame),
        v @ 32..=47 => {
            let irq = (v - 32) as u8;
            if pic::is_spurious(irq) {
                return;
            }
            match irq {
                0 => pit::tick(),
                _ => log::warn!("unexpected IRQ {irq}"),
            }
            pic::end_of_interrupt(irq);
        }
        super::idt::SYSCALL => crate::syscall::dispatch(frame),
        v => log::warn!("unexpected trap vector {v}"),
    }
    if frame.from_user() {
        crate::proc::on_return_to_user(frame);
    }
}
