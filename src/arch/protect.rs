//! Hardware protection of the kernel against user memory: SMEP (the kernel never executes a
//! user page) and SMAP (the kernel touches user pages only inside the copy routines, which open
//! access with `stac` and close it with `clac`). Both are turned on when CPUID reports them
//! (QEMU's `-cpu max` does; its default CPU does not).

use core::sync::atomic::{AtomicBool, Ordering};
use x86::controlregs::{cr4, cr4_write, Cr4};

static SMEP: AtomicBool = AtomicBool::new(false);
static SMAP: AtomicBool = AtomicBool::new(false);

/// Enables SMEP and SMAP where the CPU has them.
pub fn init() {
    let f = super::cpu::features();
    // SAFETY: setting CR4.SMEP/SMAP only adds protection checks; the kernel never executes
    // user memory and only the copy routines (which use stac/clac) access it.
    unsafe {
        let mut c = cr4();
        if f.smep {
            c |= Cr4::CR4_ENABLE_SMEP;
        }
        if f.smap {
            c |= Cr4::CR4_ENABLE_SMAP;
        }
        cr4_write(c);
    }
    SMEP.store(f.smep, Ordering::SeqCst);
    SMAP.store(f.smap, Ordering::SeqCst);
    log::info!(
        "protection: SMEP {}, SMAP {}",
        if f.smep { "on" } else { "not available" },
        if f.smap { "on" } else { "not available" }
    );
}

/// Whether SMEP or SMAP is on (one check on the page-fault path).
#[inline(always)]
pub fn active() -> bool {
    SMEP.load(Ordering::Relaxed) || SMAP.load(Ordering::Relaxed)
}

/// Whether SMEP is on.
pub fn smep() -> bool {
    SMEP.load(Ordering::Relaxed)
}

/// Whether SMAP is on.
pub fn smap() -> bool {
    SMAP.load(Ordering::Relaxed)
}

/// EFLAGS.AC: set while the kernel may access user pages under SMAP.
pub const EFLAGS_AC: u32 = 1 << 18;

/// Opens user-memory access for the kernel until dropped (no-op without SMAP).
pub struct UserAccess(());

impl UserAccess {
    /// `stac`.
    pub fn open() -> Self {
        if smap() {
            // SAFETY: sets EFLAGS.AC; only allows supervisor access to user pages.
            unsafe { core::arch::asm!("stac", options(nomem, nostack)) };
        }
        UserAccess(())
    }
}

impl Drop for UserAccess {
    fn drop(&mut self) {
        if smap() {
            // SAFETY: clears EFLAGS.AC again.
            unsafe { core::arch::asm!("clac", options(nomem, nostack)) };
        }
    }
}

/// Reports a page fault that SMEP or SMAP caught in kernel mode (out of line: only called
/// when one of them is on) as an oops naming it: the
/// kernel fetched an instruction from a user page, or touched user memory outside the copy
/// routines (EFLAGS.AC clear).
#[inline(never)]
pub fn check_kernel_fault(frame: &super::trap::TrapFrame, cr2: u32) {
    use vmcore::layout::{USER_END, USER_START};
    if frame.from_user() || !(USER_START..USER_END).contains(&cr2) {
        return;
    }
    let code = super::exception::PageFaultErrorCode::of(frame);
    if smep() && code.contains(super::exception::PageFaultErrorCode::FETCH) {
        super::exception::oops(frame, cr2, Some("SMEP: the kernel executed a user page"));
    }
    if smap() && frame.eflags & EFLAGS_AC == 0 && super::usercopy::fixup_for(frame.eip).is_none() {
        super::exception::oops(frame, cr2, Some("SMAP: kernel access to user memory outside the copy routines"));
    }
}
