//! Frame-pointer backtraces.
//!
//! The kernel is built with frame pointers (`"frame-pointer": "always"`): every function starts
//! with `push %ebp; mov %esp, %ebp`, so `[ebp]` is the caller's EBP and `[ebp + 4]` the return
//! address. The chain ends at the zero EBP that `boot/entry.s` sets before calling `kmain`.
//! Every frame address is checked against the page tables before it is read, so a corrupt chain
//! ends the walk instead of faulting inside the panic path.

use crate::symbols::Symbol;
use core::fmt::{self, Write};
use vmcore::addr::VirtAddr;
use vmcore::layout::{Window, KERNEL_BASE};

/// Deepest backtrace printed.
const MAX_FRAMES: usize = 48;

/// Whether `addr` is mapped in the active address space (read through the recursive window).
pub fn is_mapped(addr: u32) -> bool {
    let va = VirtAddr::new(addr);
    let pde_ptr = Window::Own.pde_addr(va.pd_index()).as_u32() as *const u32;
    // SAFETY: slot 1023 of every page directory we run on points at the directory itself, so
    // the PDE window is always mapped; the read is a single aligned u32.
    let pde = unsafe { pde_ptr.read_volatile() };
    if pde & 1 == 0 {
        return false;
    }
    if pde & 0x80 != 0 {
        return true; // a 4 MiB page (boot directory only)
    }
    let pte_ptr = Window::Own.pte_addr(va.pd_index(), va.pt_index()).as_u32() as *const u32;
    // SAFETY: the PDE is present, so its table is mapped in the recursive window.
    let pte = unsafe { pte_ptr.read_volatile() };
    pte & 1 != 0
}

/// Walks the frame chain starting at `ebp`, calling `f` with each return address.
pub fn walk(ebp: u32, f: impl FnMut(u32)) {
    walk_upto(ebp, MAX_FRAMES, f)
}

/// [`walk`], for the first `max` frames only.
pub fn walk_upto(mut ebp: u32, max: usize, mut f: impl FnMut(u32)) {
    for _ in 0..max {
        if ebp < KERNEL_BASE || ebp % 4 != 0 || ebp > u32::MAX - 8 {
            return;
        }
        if !is_mapped(ebp) || !is_mapped(ebp + 4) {
            return;
        }
        let frame = ebp as *const u32;
        // SAFETY: both words were just checked to be mapped kernel memory and are aligned.
        let (next, ret) = unsafe { (frame.read_volatile(), frame.add(1).read_volatile()) };
        if ret == 0 {
            return;
        }
        f(ret);
        if next <= ebp {
            return; // the stack grows down: callers' frames are at higher addresses
        }
        ebp = next;
    }
}

/// Writes `#0 eip` then one line per return address of the chain at `ebp`.
pub fn write(w: &mut dyn Write, eip: u32, ebp: u32) -> fmt::Result {
    writeln!(w, "    backtrace:")?;
    writeln!(w, "      #0  {:#010x} {}", eip, Symbol(eip))?;
    let mut n = 1;
    let mut result = Ok(());
    walk(ebp, |ret| {
        // Show the call instruction, not the one after it.
        let call = ret.wrapping_sub(1);
        if result.is_ok() {
            result = writeln!(w, "      #{:<2} {:#010x} {}", n, ret, Symbol(call));
        }
        n += 1;
    });
    result
}

/// The current frame pointer.
#[inline(always)]
pub fn current_ebp() -> u32 {
    let ebp: u32;
    // SAFETY: reading EBP has no side effects.
    unsafe { core::arch::asm!("mov {}, ebp", out(reg) ebp, options(nomem, nostack, preserves_flags)) };
    ebp
}
