//! Recognising a kernel stack overflow from the faulting address and the stack pointer. Which
//! pages are guard pages is memory management's knowledge: it registers a lookup with
//! [`set_guard_lookup`] (vmalloc's), so arch does not call up.

use core::fmt;
use spin::Once;
use vmcore::addr::PAGE_SIZE;

/// A guard page that was hit: the allocations on either side of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuardPage {
    /// The allocation that ends at this guard page (an overrun past its end).
    pub after: Option<&'static str>,
    /// The allocation that starts right above it (a stack overflowing downwards).
    pub below: Option<&'static str>,
}

impl fmt::Display for GuardPage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.after, self.below) {
            (Some(a), Some(b)) => write!(f, "guard page between '{a}' and '{b}'"),
            (Some(a), None) => write!(f, "guard page after '{a}'"),
            (None, Some(b)) => write!(f, "guard page below '{b}'"),
            (None, None) => f.write_str("guard page"),
        }
    }
}

/// Which guard page, if any, an address lies in (must not block: it runs in fault handlers).
static GUARD_LOOKUP: Once<fn(u32) -> Option<GuardPage>> = Once::new();

/// Registers the lookup of guard pages (once, at boot).
pub fn set_guard_lookup(lookup: fn(u32) -> Option<GuardPage>) {
    GUARD_LOOKUP.call_once(|| lookup);
}

fn guard_owner(addr: u32) -> Option<GuardPage> {
    GUARD_LOOKUP.get().and_then(|lookup| lookup(addr))
}

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
        if let Some(guard) = guard_owner(self.addr) {
            write!(f, " ({guard})")?;
        }
        Ok(())
    }
}

/// Whether a fault at `addr` with stack pointer `esp` is the stack running off its end: the
/// address lies in the page just below (or at) the stack pointer and is not mapped.
pub fn guard_hit(addr: u32, esp: u32) -> Option<Overflow> {
    let near = addr <= esp.wrapping_add(64) && esp.wrapping_sub(addr) < PAGE_SIZE;
    let guard = guard_owner(addr).is_some();
    if (near || guard) && !super::backtrace::is_mapped(addr) {
        Some(Overflow { addr, esp })
    } else {
        None
    }
}
