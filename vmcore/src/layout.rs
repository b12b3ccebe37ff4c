//! The virtual address-space layout: one place for every fixed address.
//!
//! ```text
//!  0xFFFFFFFF +---------------------------------------+
//!             | our PD through itself (slot 1023)     | 0xFFFFF000  PD_WINDOW
//!  0xFFC00000 | our page tables (recursive slot 1023) |             TABLES_WINDOW
//!             +---------------------------------------+
//!             | the external PD (slot 1022)           | 0xFFBFF000  EXT_PD_WINDOW
//!  0xFF800000 | the external PD's page tables         |             EXT_TABLES_WINDOW
//!             +---------------------------------------+
//!  0xFF7FF000 | temporary mapping spot 1              |             TEMP_SPOTS[1]
//!  0xFF7FE000 | temporary mapping spot 0              |             TEMP_SPOTS[0]
//!             +---------------------------------------+
//!             | (unused; its page tables exist;       |
//!             |  kernel tests map scratch pages here) |
//!  0xFF000000 +---------------------------------------+ VMALLOC_END = SCRATCH
//!             | vmalloc: page-granular, virtually     |
//!             | contiguous, one guard page after each |
//!             | (every task's 16 KiB kernel stack:    |
//!             |  room for ~38,000 tasks)              |
//!  0xD0000000 +---------------------------------------+ VMALLOC_START = HEAP_END
//!             | kmalloc heap, grows upward on demand  |
//!             +- - - - - - - - - - - - - - - - - - - -+ heap start (after the frame database)
//!             | frame database (bitmap + refcounts)   |
//!             +- - - - - - - - - - - - - - - - - - - -+ end of the kernel image
//!  0xC0100000 | kernel image (.text .rodata .data)    | KERNEL_LOAD_VIRT
//!  0xC0000000 +---------------------------------------+ KERNEL_BASE = USER_END
//!             | user space                            |
//!  0x00400000 +---------------------------------------+ USER_START
//!             | never mapped: catches null pointers   |
//!  0x00000000 +---------------------------------------+
//! ```
//!
//! The kernel half (0xC0000000 and up) is identical in every address space: its page tables for
//! 0xC0000000–0xFF7FFFFF are allocated once at boot and every page directory copies those
//! entries, so no address space ever needs re-syncing. Slots 1022 and 1023 are per directory.

use crate::addr::{VirtAddr, ENTRIES, PAGE_SIZE, TABLE_SPAN};

/// First user address; the 4 MiB below it stay unmapped so null pointers fault.
pub const USER_START: u32 = 0x0040_0000;
/// One past the last user address.
pub const USER_END: u32 = 0xC000_0000;
/// Start of the kernel half; virtual = physical + KERNEL_BASE for the image.
pub const KERNEL_BASE: u32 = 0xC000_0000;
/// Physical address the bootloader loads the kernel at.
pub const KERNEL_LOAD_PHYS: u32 = 0x0010_0000;
/// Virtual address of the start of the loaded image.
pub const KERNEL_LOAD_VIRT: u32 = KERNEL_BASE + KERNEL_LOAD_PHYS;
/// One past the last address the kmalloc heap may grow to.
pub const HEAP_END: u32 = 0xD000_0000;
/// Start of the vmalloc area.
pub const VMALLOC_START: u32 = 0xD000_0000;
/// One past the last vmalloc address.
pub const VMALLOC_END: u32 = 0xFF00_0000;
/// Unused kernel addresses whose page tables exist: the kernel tests map scratch pages here.
pub const SCRATCH: u32 = VMALLOC_END;
/// The two temporary mapping spots (map one frame, use it, unmap).
pub const TEMP_SPOTS: [u32; 2] = [0xFF7F_E000, 0xFF7F_F000];
/// Page-directory slot holding an external page directory being built or edited.
pub const EXT_SLOT: usize = 1022;
/// Page-directory slot pointing to the directory itself.
pub const SELF_SLOT: usize = 1023;
/// Where the external directory's page tables appear.
pub const EXT_TABLES_WINDOW: u32 = (EXT_SLOT as u32) * TABLE_SPAN;
/// Where the external page directory itself appears.
pub const EXT_PD_WINDOW: u32 = EXT_TABLES_WINDOW + (SELF_SLOT as u32) * PAGE_SIZE;
/// Where our own page tables appear.
pub const TABLES_WINDOW: u32 = (SELF_SLOT as u32) * TABLE_SPAN;
/// Where our own page directory appears.
pub const PD_WINDOW: u32 = TABLES_WINDOW + (SELF_SLOT as u32) * PAGE_SIZE;
/// First page-directory index of the kernel half.
pub const KERNEL_PD_FIRST: usize = (KERNEL_BASE / TABLE_SPAN) as usize;
/// Last page-directory index whose table is shared by all spaces (0xFF400000–0xFF7FFFFF).
pub const KERNEL_PD_LAST_SHARED: usize = EXT_SLOT - 1;
/// Number of user page-directory entries.
pub const USER_PD_ENTRIES: usize = KERNEL_PD_FIRST;
/// Default `RLIMIT_STACK` soft limit (what Linux gives init): a space's own stack limit is
/// `MSpace::limits().stack`, set from the process's rlimit.
pub const STACK_LIMIT: u32 = 8 * 1024 * 1024;
/// Pages of stack `execve` maps below `USER_END` before the program's segments, which may not
/// overlap them (the area grows down on demand from there).
pub const EXEC_STACK_PAGES: u32 = 32;
/// Gap kept between a growing stack and the mapping below it.
pub const STACK_GUARD_GAP: u32 = 256 * PAGE_SIZE;

const _: () = assert!(USER_START.is_multiple_of(TABLE_SPAN));
const _: () = assert!(USER_END == KERNEL_BASE);
const _: () = assert!(KERNEL_BASE.is_multiple_of(TABLE_SPAN));
const _: () = assert!(KERNEL_PD_FIRST == 768);
const _: () = assert!(HEAP_END <= VMALLOC_START && VMALLOC_START < VMALLOC_END);
const _: () = assert!(SCRATCH + TABLE_SPAN <= TEMP_SPOTS[0]);
const _: () = assert!(TEMP_SPOTS[0] + PAGE_SIZE == TEMP_SPOTS[1]);
const _: () = assert!(TEMP_SPOTS[1] + PAGE_SIZE == EXT_TABLES_WINDOW);
const _: () = assert!(EXT_TABLES_WINDOW == 0xFF80_0000 && EXT_PD_WINDOW == 0xFFBF_F000);
const _: () = assert!(TABLES_WINDOW == 0xFFC0_0000 && PD_WINDOW == 0xFFFF_F000);
const _: () = assert!(TEMP_SPOTS[0] / TABLE_SPAN == KERNEL_PD_LAST_SHARED as u32);
const _: () = assert!(SELF_SLOT == ENTRIES - 1);

/// Which recursive window to use: our own directory (slot 1023) or the external one (1022).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// The active directory, through slot 1023.
    Own,
    /// The external directory installed in slot 1022.
    External,
}

impl Window {
    /// The directory slot the window goes through.
    pub const fn slot(self) -> usize {
        match self {
            Window::Own => SELF_SLOT,
            Window::External => EXT_SLOT,
        }
    }

    /// Virtual address of page-directory entry `pdi` in this window.
    ///
    /// Every directory maps itself in slot 1023, so the directory appears as the window's
    /// table number 1023: 0xFFFFF000 for our own, 0xFFBFF000 for the external one.
    pub const fn pde_addr(self, pdi: usize) -> VirtAddr {
        assert!(pdi < ENTRIES);
        VirtAddr::from_indices(self.slot(), SELF_SLOT, (pdi * 4) as u32)
    }

    /// Virtual address of the page table for directory index `pdi`.
    pub const fn table_addr(self, pdi: usize) -> VirtAddr {
        assert!(pdi < ENTRIES);
        VirtAddr::from_indices(self.slot(), pdi, 0)
    }

    /// Virtual address of page-table entry `pti` in table `pdi`.
    pub const fn pte_addr(self, pdi: usize, pti: usize) -> VirtAddr {
        assert!(pdi < ENTRIES && pti < ENTRIES);
        VirtAddr::from_indices(self.slot(), pdi, (pti * 4) as u32)
    }
}

/// Whether `[start, start + len)` lies inside user space (and does not wrap).
pub const fn is_user_range(start: u32, len: u32) -> bool {
    match start.checked_add(len) {
        Some(end) => start >= USER_START && end <= USER_END,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_window_reaches_the_directory() {
        // PDE i of our own directory sits in the last page of the address space.
        assert_eq!(Window::Own.pde_addr(0).as_u32(), 0xFFFF_F000);
        assert_eq!(Window::Own.pde_addr(1023).as_u32(), 0xFFFF_FFFC);
        assert_eq!(Window::Own.table_addr(0).as_u32(), 0xFFC0_0000);
        assert_eq!(Window::Own.pte_addr(0x300, 1).as_u32(), 0xFFF0_0004);
        // The table of slot 1023 is the directory itself.
        assert_eq!(Window::Own.table_addr(SELF_SLOT).as_u32(), PD_WINDOW);
    }

    #[test]
    fn external_window_reaches_the_external_directory() {
        // Our slot 1022 holds the external PD; its own slot 1023 points to itself, so its
        // entries appear at 0xFFBFF000 and its tables from 0xFF800000.
        assert_eq!(Window::External.pde_addr(0).as_u32(), 0xFFBF_F000);
        assert_eq!(Window::External.pde_addr(1023).as_u32(), 0xFFBF_FFFC);
        assert_eq!(Window::External.table_addr(0).as_u32(), 0xFF80_0000);
        assert_eq!(Window::External.table_addr(SELF_SLOT).as_u32(), EXT_PD_WINDOW);
        assert_eq!(Window::External.pte_addr(1, 2).as_u32(), 0xFF80_1008);
    }

    #[test]
    fn user_range_checks() {
        assert!(is_user_range(USER_START, PAGE_SIZE));
        assert!(!is_user_range(0, PAGE_SIZE));
        assert!(!is_user_range(0xBFFF_F000, 0x2000));
        assert!(!is_user_range(0xFFFF_F000, 0x2000));
        assert!(is_user_range(0xBFFF_F000, 0x1000));
    }
}
