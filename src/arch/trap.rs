//! The register frame the trap stubs build (`boot/traps.s`). The dispatch on the vector is not
//! arch's: it is the one place that knows every subsystem, `crate::trap`.

use core::sync::atomic::AtomicU32;

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
