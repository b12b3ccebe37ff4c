//! Recognising a kernel stack overflow from the faulting address and the stack pointer.

use core::fmt;
use vmcore::addr::PAGE_SIZE;

/// What overflowed, for the report.
#[derive(Clone, Copy, Debug)]
pub struct Overflow {
    /// The faulting address.
    pub addr: u32,
    /// The stack pointer at the fault.
    pub esp: u32,
}

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ESP {:#010x} ran into the unmapped page at {:#010x}", self.esp, self.addr & !(PAGE_SIZE - 1))?;
        if let Some(guard) = crate::mm::vmalloc::guard_owner(self.addr) {
            write!(f, " ({guard})")?;
        }
        Ok(())
    }
}

/// Whether a fault at `addr` with stack pointer `esp` is the stack running off its end: the
/// address lies in the page just below (or at) the stack pointer and is not mapped.
pub fn guard_hit(addr: u32, esp: u32) -> Option<Overflow> {
    let near = addr <= esp.wrapping_add(64) && esp.wrapping_sub(addr) < PAGE_SIZE;
    let guard = crate::mm::vmalloc::guard_owner(addr).is_some();
    if (near || guard) && !super::backtrace::is_mapped(addr) {
        Some(Overflow { addr, esp })
    } else {
        None
    }
}
