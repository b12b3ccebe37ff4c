//! The MMU at the arch edge: page-table entries reached through the recursive windows, TLB
//! invalidation and CR3/CR4.
//!
//! Every page directory maps itself in slot 1023, so its entries appear at 0xFFFFF000 and its
//! tables at 0xFFC00000 + 4 KiB × index ([`Window::Own`]). An *external* directory installed in
//! slot 1022 (also self-mapped in its own 1023) appears at 0xFFBFF000 with its tables from
//! 0xFF800000 ([`Window::External`]). Entries are read and written one `u32` at a time through
//! raw pointers: the directory window is the last page of the address space, so a Rust slice or
//! reference spanning it would end at 2^32.

use core::arch::asm;
use vmcore::addr::{Frame, Page};
use vmcore::layout::Window;
use vmcore::paging::{Flush, FlushPlan, TableAccess};
use vmcore::pte::Pte;

/// Page-table access through one of the recursive windows of the active directory.
pub struct WindowTables {
    window: Window,
}

impl WindowTables {
    /// The active directory (slot 1023).
    ///
    /// # Safety
    /// The caller must hold the lock that serialises edits of the tables it will touch (the
    /// kernel-space lock for the kernel half, the address space's lock for a user half).
    pub const unsafe fn own() -> Self {
        Self { window: Window::Own }
    }

    /// The directory installed in slot 1022.
    ///
    /// # Safety
    /// An external directory must be installed (see `mm::external`) for as long as this is used,
    /// and the caller must hold the external-slot lock.
    pub const unsafe fn external() -> Self {
        Self { window: Window::External }
    }
}

fn read_entry(addr: u32) -> Pte {
    // SAFETY: `addr` is an entry address inside a recursive window computed by `Window`; the
    // constructors' contracts guarantee the directory (and, for PTEs, the table — `TableAccess`
    // only asks for present tables) is mapped there.
    Pte::from_raw(unsafe { (addr as *const u32).read_volatile() })
}

fn write_entry(addr: u32, e: Pte) {
    // SAFETY: as in `read_entry`; the caller holds the lock serialising edits of this table.
    unsafe { (addr as *mut u32).write_volatile(e.to_raw()) }
}

impl TableAccess for WindowTables {
    fn read_pde(&self, pdi: usize) -> Pte {
        read_entry(self.window.pde_addr(pdi).as_u32())
    }
    fn write_pde(&mut self, pdi: usize, e: Pte) {
        write_entry(self.window.pde_addr(pdi).as_u32(), e);
        // The table window page for this slot is now stale.
        invlpg(Page::new(self.window.table_addr(pdi)));
    }
    fn read_pte(&self, pdi: usize, pti: usize) -> Pte {
        read_entry(self.window.pte_addr(pdi, pti).as_u32())
    }
    fn write_pte(&mut self, pdi: usize, pti: usize, e: Pte) {
        write_entry(self.window.pte_addr(pdi, pti).as_u32(), e)
    }
}

/// Invalidates the TLB entry of one page.
pub fn invlpg(page: Page) {
    // SAFETY: invlpg only drops a cached translation.
    unsafe { asm!("invlpg [{}]", in(reg) page.start().as_u32(), options(nostack, preserves_flags)) };
}

/// Flushes every non-global TLB entry (reloads CR3).
pub fn flush_all() {
    // SAFETY: reloading CR3 with its own value only drops cached translations.
    unsafe { x86::controlregs::cr3_write(x86::controlregs::cr3()) };
}

/// Performs a single-page flush token of the active directory.
pub fn flush(token: Flush) {
    invlpg(token.page());
}

/// Performs a batch plan.
pub fn flush_plan(plan: FlushPlan) {
    match plan {
        FlushPlan::Nothing => {}
        FlushPlan::Pages { first, count } => {
            for i in 0..count {
                invlpg(first.checked_add(i).expect("invariant: plan pages lie in the address space"));
            }
        }
        FlushPlan::All => flush_all(),
    }
}

/// Switches to another page directory.
///
/// # Safety
/// `pd` must be a page directory that maps the kernel half like every other (shared kernel
/// tables) and itself in slot 1023.
pub unsafe fn load_cr3(pd: Frame) {
    // SAFETY: the caller guarantees the directory keeps the running kernel mapped.
    unsafe { x86::controlregs::cr3_write(pd.start().as_u32() as u64) };
}

/// The active page directory's frame.
pub fn active_pd() -> Frame {
    Frame::containing(vmcore::addr::PhysAddr::new(super::cpu::cr3() & !0xFFF))
}

/// Turns on global pages (CR4.PGE) if the CPU has them; returns whether it did.
pub fn enable_global_pages() -> bool {
    if !super::cpu::features().pge {
        return false;
    }
    // SAFETY: setting PGE only lets the TLB keep entries marked global across CR3 loads.
    unsafe {
        let cr4 = x86::controlregs::cr4();
        x86::controlregs::cr4_write(cr4 | x86::controlregs::Cr4::CR4_ENABLE_GLOBAL_PAGES);
    }
    true
}
