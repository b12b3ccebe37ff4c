//! Temporary mappings of single frames at the two fixed spots 0xFF7FE000 and 0xFF7FF000.
//!
//! [`TempMap`] maps a frame on creation and unmaps it (with `invlpg`) on drop, like
//! SerenityOS's quickmap; since a free spot is never present, mapping one needs no flush. Interrupts stay off while a spot is in use, so nothing can preempt the
//! holder; two spots allow copying one frame into another.

use crate::arch::cpu::IrqGuard;
use crate::arch::paging::invlpg;
use vmcore::addr::{Frame, Page, VirtAddr, PAGE_SIZE};
use vmcore::layout::{Window, TEMP_SPOTS};
use vmcore::pte::{Pte, PteFlags};

static SPOTS: [spin::Mutex<()>; 2] = [spin::Mutex::new(()), spin::Mutex::new(())];

/// A frame mapped at one of the temporary spots; unmapped on drop.
pub struct TempMap {
    spot: usize,
    // Drop order: the PTE is cleared in `drop`, then the spot is released, then interrupts
    // come back.
    _lock: spin::MutexGuard<'static, ()>,
    _irq: IrqGuard,
}

fn spot_pte_addr(spot: usize) -> *mut u32 {
    let va = VirtAddr::new(TEMP_SPOTS[spot]);
    Window::Own.pte_addr(va.pd_index(), va.pt_index()).as_u32() as *mut u32
}

impl TempMap {
    /// Maps `frame` at a free spot. Panics if both spots are taken (a kernel bug: at most two
    /// are ever needed at once).
    pub fn new(frame: Frame) -> Self {
        let irq = IrqGuard::new();
        let (spot, lock) = (0..SPOTS.len())
            .find_map(|i| SPOTS[i].try_lock().map(|g| (i, g)))
            .expect("invariant: at most two temporary mappings are live at once");
        let pte = Pte::new(frame, PteFlags::PRESENT | PteFlags::WRITABLE);
        // SAFETY: the spot's PTE lives in the kernel table of slot 1021, which exists from early
        // boot in every directory; holding the spot's lock makes this entry ours.
        unsafe { spot_pte_addr(spot).write_volatile(pte.to_raw()) };
        // No invlpg: a free spot's entry is not present (zero from boot, cleared and
        // invalidated by `drop`), and i386 never caches a not-present entry.
        TempMap { spot, _lock: lock, _irq: irq }
    }

    /// The virtual address the frame is mapped at.
    pub fn addr(&self) -> VirtAddr {
        VirtAddr::new(TEMP_SPOTS[self.spot])
    }

    /// The frame's bytes.
    pub fn bytes(&mut self) -> &mut [u8; PAGE_SIZE as usize] {
        // SAFETY: the spot maps exactly this frame, writable, for the guard's lifetime, and the
        // spot lock makes the mapping exclusive to this guard.
        unsafe { &mut *(TEMP_SPOTS[self.spot] as *mut [u8; PAGE_SIZE as usize]) }
    }

    /// The frame as 32-bit words (page tables, directories).
    pub fn words(&mut self) -> &mut [u32; 1024] {
        // SAFETY: as in `bytes`; the spot is page-aligned.
        unsafe { &mut *(TEMP_SPOTS[self.spot] as *mut [u32; 1024]) }
    }
}

impl Drop for TempMap {
    fn drop(&mut self) {
        // SAFETY: as in `new`: our spot's PTE, still protected by the lock we hold.
        unsafe { spot_pte_addr(self.spot).write_volatile(0) };
        invlpg(Page::new(self.addr()));
    }
}

/// Fills a frame with zeroes (one `rep stosd`: 1024 stores).
pub fn zero_frame(frame: Frame) {
    let mut map = TempMap::new(frame);
    let dst = map.words().as_mut_ptr();
    // SAFETY: `dst` is the page-aligned start of the 4 KiB spot mapping `frame`, writable and
    // exclusively ours while `map` lives; the direction flag is clear (cld at every entry).
    unsafe {
        core::arch::asm!("rep stosd", inout("edi") dst => _, inout("ecx") 1024u32 => _, in("eax") 0u32, options(nostack, preserves_flags));
    }
}

/// Copies the contents of `src` into `dst` (one `rep movsd`: 1024 moves).
pub fn copy_frame(src: Frame, dst: Frame) {
    let mut from = TempMap::new(src);
    let mut to = TempMap::new(dst);
    let (s, d) = (from.words().as_ptr(), to.words().as_mut_ptr());
    // SAFETY: both spots map whole frames, exclusively ours while the guards live; the two
    // spots are distinct pages, so the ranges do not overlap.
    unsafe {
        // ESI belongs to LLVM: swap it in and out around the copy.
        core::arch::asm!(
            "xchg {src}, esi",
            "rep movsd",
            "mov esi, {src}",
            src = inout(reg) s => _,
            inout("edi") d => _,
            inout("ecx") 1024u32 => _,
            options(nostack, preserves_flags)
        );
    }
}
