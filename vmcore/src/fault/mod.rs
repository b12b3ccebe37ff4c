//! The page-fault decision: what the kernel must do about a fault, as a pure function.
//!
//! The kernel gathers the facts — the faulting address, the access, the CPU mode, the error
//! code's P bit, and the current state of the page (from its PTE and the frame database) — and
//! calls [`decide`]. The answer is an [`Action`]; nothing here touches hardware. The decision
//! table itself is in `decide.rs`, stack growth in `stack.rs`.

mod decide;
mod fast;
mod stack;

pub use decide::{decide, decide_in, decide_with};
pub use fast::fast;

use crate::addr::{Frame, Page, VirtAddr};
use crate::layout::{
    EXT_TABLES_WINDOW, KERNEL_BASE, TEMP_SPOTS, USER_END, VMALLOC_END, VMALLOC_START,
};
pub use crate::vma::Access;
use crate::vma::VmFlags;

/// The privilege level the fault happened at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Ring 3.
    User,
    /// Ring 0 (including the kernel's copies to and from user memory).
    Kernel,
}

/// The facts of one page fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The faulting address (CR2).
    pub addr: VirtAddr,
    /// What the access was.
    pub access: Access,
    /// Where it came from.
    pub mode: Mode,
    /// The error code's P bit: a protection violation on a present page. Informational: the
    /// decision trusts [`PageState`], which is read after the fault and may differ (another
    /// thread may have changed the page in between).
    pub present: bool,
}

/// The current state of the faulting page, computed by the kernel from its PTE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageState {
    /// No present PTE.
    NotMapped,
    /// A present PTE.
    Present {
        /// The PTE allows writes.
        writable: bool,
        /// The PTE is marked copy-on-write.
        cow: bool,
        /// The PTE maps the shared zero frame.
        zero_page: bool,
        /// Mappings of the frame (from the frame database).
        refcount: u32,
    },
}

/// What the kernel must do. After any `Map*`, `Fill*`, `TakeOver`, `CopyPage`,
/// `ZeroPageBreak` or `MakeWritable` it flushes the TLB entry and returns to the faulting
/// instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)] // its own tag: no niche in `Refusal`'s, so the fault path's matches test one byte
pub enum Action {
    /// Map the one shared zero frame read-only (a later write faults into `ZeroPageBreak`).
    MapZeroPage,
    /// Allocate a frame, zero it, map it (writable if `writable`).
    MapFreshZeroed {
        /// The PTE may allow writes (the area has `WRITE`).
        writable: bool,
    },
    /// A private copy: allocate a frame, read `bytes` bytes of the file at `offset` into its
    /// start, zero the rest, map it (writable if `writable`).
    FillFromFile {
        /// File offset of the page.
        offset: u64,
        /// Bytes to copy (0 to 4096); the rest of the page is zero.
        bytes: u32,
        /// The PTE may allow writes (the area has `WRITE`).
        writable: bool,
    },
    /// Map the file's page-cache frame for page `index`
    /// ([`FileObject::get_page`](crate::vma::FileObject::get_page)): writable if `writable` (a
    /// shared writable area), read-only with `COW` if `cow` (a private area's read: a later
    /// write copies, since the cache's own reference keeps the count at 2 or more).
    MapFilePage {
        /// Page index in the file.
        index: u32,
        /// The PTE may allow writes.
        writable: bool,
        /// Map copy-on-write (private areas).
        cow: bool,
    },
    /// Map device memory `frame` (not refcounted, never freed).
    MapPhysical {
        /// The frame to map.
        frame: Frame,
        /// The PTE may allow writes (the area has `WRITE`).
        writable: bool,
    },
    /// Copy-on-write page whose frame is mapped only here: clear COW, set writable, no copy.
    TakeOver,
    /// Copy-on-write page shared with others: allocate a frame, copy, map it writable without
    /// COW, and drop one reference to the old frame.
    CopyPage,
    /// Write to the shared zero frame: allocate a zeroed frame and map it writable in its
    /// place (the zero frame's refcount, if kept, drops by one).
    ZeroPageBreak,
    /// Present, not COW, and the area allows writing (e.g. after `mprotect` added `WRITE`, or
    /// a shared mapping's page): set the PTE's writable bit.
    MakeWritable,
    /// Grow the stack area starting at `vma_start` down to `new_start`
    /// ([`VmaTree::extend_down`](crate::tree::VmaTree::extend_down)), then decide again.
    GrowStack {
        /// Current first page of the `GROWSDOWN` area.
        vma_start: Page,
        /// Its new first page: the faulting page.
        new_start: Page,
    },
    /// Nothing to do: the page already permits the access (another thread fixed it, or a stale
    /// TLB entry). Flush the TLB entry and return.
    Spurious,
    /// The access is refused: a signal for user mode, the exception fixup or an oops for
    /// kernel mode ([`Refusal::wants_fixup`]).
    Refuse(Refusal),
}

/// Why a fault cannot be resolved. The mode of the fault decides what follows: from user
/// mode, a signal (`Segv` → SIGSEGV, `Bus` → SIGBUS); from kernel mode, see
/// [`Refusal::wants_fixup`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// What a user access gets as SIGSEGV.
    Segv(SegvReason),
    /// What a user access gets as SIGBUS.
    Bus(BusReason),
    /// A kernel-mode fault that user memory does not explain.
    KernelBug(KernelFaultReason),
}

/// The reason alone, as kill reports and oopses print it (`AccessDenied { .. }`).
impl core::fmt::Display for Refusal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Refusal::Segv(r) => write!(f, "{r:?}"),
            Refusal::Bus(r) => write!(f, "{r:?}"),
            Refusal::KernelBug(r) => write!(f, "{r:?}"),
        }
    }
}

impl Refusal {
    /// **The fixup rule**, for a refused *kernel-mode* fault: whether the faulting instruction's
    /// exception fixup may end it. That is every refusal of a user-half access (the copy
    /// routines' faults: the copy returns `EFAULT`) and a null-pointer fault (a copy routine
    /// given a null user pointer faults below `USER_START`); a fault on a kernel address is
    /// always a kernel bug. Where the faulting instruction has no fixup, it is a bug (oops).
    pub const fn wants_fixup(&self) -> bool {
        !matches!(self, Refusal::KernelBug(KernelFaultReason::KernelAddress { .. }))
    }
}

/// Why a user access gets SIGSEGV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegvReason {
    /// Below `USER_START` (a null-pointer dereference).
    NullPage,
    /// At or above `USER_END`.
    KernelAddress,
    /// No area, and no stack just above to grow.
    NoMapping,
    /// The area's flags forbid the access.
    AccessDenied {
        /// The access attempted.
        access: Access,
        /// The area's flags.
        flags: VmFlags,
    },
    /// Growing the stack down to the address would exceed `RLIMIT_STACK`, or the space
    /// `RLIMIT_AS`.
    StackLimit,
    /// Growing the stack would come within `STACK_GUARD_GAP` of the area below.
    GuardGap,
}

impl SegvReason {
    /// Linux's `si_code`: `SEGV_ACCERR` (2) for `AccessDenied`, else `SEGV_MAPERR` (1).
    pub const fn si_code(self) -> i32 {
        match self {
            SegvReason::AccessDenied { .. } => abi::signal::SEGV_ACCERR,
            _ => abi::signal::SEGV_MAPERR,
        }
    }
}

/// Why a user access gets SIGBUS (`si_code` `BUS_ADRERR`, 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusReason {
    /// The page lies inside the mapping's file data but wholly past the end of the file.
    PastEndOfFile {
        /// File offset of the page.
        offset: u64,
        /// File size.
        size: u64,
    },
    /// The file system holding the file is full (tmpfs `size=`), as Linux's `shmem_fault`.
    NoSpace {
        /// File offset of the page.
        offset: u64,
    },
}

/// Why a kernel-mode fault is a kernel bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelFaultReason {
    /// Below `USER_START`.
    NullDeref,
    /// A kernel-half address ([`kernel_region`] says which part).
    KernelAddress {
        /// The error code's P bit: a protection violation rather than a missing page.
        present: bool,
    },
}

/// The part of the address space an address lies in, for reporting kernel faults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelRegion {
    /// Below `USER_END`.
    User,
    /// Kernel image, frame database and kmalloc heap.
    ImageAndHeap,
    /// The vmalloc area (a fault just past an allocation hit its guard page).
    Vmalloc,
    /// Between the vmalloc area and the temporary spots.
    Unused,
    /// Temporary mapping spot `n`.
    TempSpot(usize),
    /// The recursive page-table windows (slots 1022 and 1023).
    PageTables,
}

/// Where `addr` lies.
pub const fn kernel_region(addr: VirtAddr) -> KernelRegion {
    let a = addr.as_u32();
    if a < USER_END {
        KernelRegion::User
    } else if a >= KERNEL_BASE && a < VMALLOC_START {
        KernelRegion::ImageAndHeap
    } else if a < VMALLOC_END {
        KernelRegion::Vmalloc
    } else if a < TEMP_SPOTS[0] {
        KernelRegion::Unused
    } else if a < EXT_TABLES_WINDOW {
        KernelRegion::TempSpot(((a - TEMP_SPOTS[0]) >> crate::addr::PAGE_SHIFT) as usize)
    } else {
        KernelRegion::PageTables
    }
}

#[cfg(test)]
mod tests;
