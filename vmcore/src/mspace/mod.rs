//! The address-space object: an [`MSpace`] is one process's user half — its page directory, its
//! VMAs, its page-table counts and exact memory counters — with every operation (`mmap`,
//! `munmap`, `mprotect`, `mlock`, `madvise`, `fork`, `exit`, page faults) implemented here,
//! generically over the hardware.
//!
//! # What the kernel supplies
//!
//! * [`TableAccess`](crate::paging::TableAccess) for this space's tables: the recursive window
//!   of the active directory ([`Window::Own`](crate::layout::Window::Own)) when the space is the
//!   active one, the external window ([`Window::External`](crate::layout::Window::External))
//!   when it is edited from another space (`exec` building a new space, the child of `fork`,
//!   tearing down a dead process). **Requirement:** `write_pde` must invalidate the window page
//!   of that directory slot (`invlpg window.table_addr(pdi)`), as the kernel's `WindowTables`
//!   does: one operation may free a page table and link a new one at the same slot
//!   (`MAP_FIXED | MAP_LOCKED` over an old mapping), and the stale window translation would
//!   otherwise send the new table's entries to the freed frame. With that rule in place the
//!   freed tables need no further flushing, so [`SpaceFlush`] only names user pages.
//! * [`PhysOps`]: data frames with reference counts, the zero frame, the page cache of shared
//!   file mappings, and (as [`FrameSource`](crate::paging::FrameSource)) page-table frames.
//!
//! # Flushing
//!
//! Every operation that changes entries returns a `#[must_use]` [`SpaceFlush`] naming the user
//! pages whose translation became stale (entries that were present before and changed or went
//! away; newly created entries need none, since i386 never caches a not-present entry). The
//! kernel executes `flush.plan(max)`:
//!
//! * edited through [`Window::Own`](crate::layout::Window::Own) (the space is active on this
//!   CPU): `invlpg` each page of [`FlushPlan::Pages`](crate::paging::FlushPlan::Pages), reload
//!   CR3 for [`FlushPlan::All`](crate::paging::FlushPlan::All);
//! * edited through [`Window::External`](crate::layout::Window::External): nothing — the space
//!   is not loaded in CR3 here, and loading it later flushes every non-global entry (user
//!   entries are never GLOBAL). Call [`SpaceFlush::ignore`].
//!
//! On a multiprocessor, CPUs currently running the space also need the plan (a shootdown); that
//! is the kernel's business. Failures that happen after entries changed carry the pending flush
//! inside the error ([`LockError::OutOfMemory`], [`PopulateError::OutOfMemory`],
//! [`CloneError::OutOfMemory`]): execute it before reporting the error.
//!
//! # Locking
//!
//! An `MSpace` has no lock and no reference count: the kernel wraps it in an `RwLock` inside an
//! `Arc` (threads share it; the last user sweeps it). Every operation here takes `&mut self`.
//! Conceptually a page fault needs only the read side of the lock (it never changes the VMA
//! layout, except a stack growing down, and per-page races can be resolved by a page-table lock
//! plus re-checking the entry — which is why [`Action::Spurious`](crate::fault::Action::Spurious)
//! exists); this implementation simply takes the write side for faults too, which is correct
//! and, on one CPU, costs nothing. `clone_into` needs the parent and the child at once.
//!
//! # Which window each operation uses
//!
//! | operation | usual caller | tables |
//! |---|---|---|
//! | [`MSpace::handle_fault`] | fault handler of the running process | own window |
//! | `map`, `unmap`, `protect`, `lock`, `populate`, `madvise_dontneed`, `set_brk`, `scavenge` | system calls of the process | own window (external when editing another process) |
//! | [`MSpace::clone_into`] | `fork` | parent: own window (it is the active space); child: external |
//! | [`MSpace::sweep`] | `exit`/`exec` dropping the last user | external (or own, then reload CR3) |
//!
//! # Entry flags
//!
//! Every user entry is computed from its area's flags and the page's copy-on-write / zero-frame
//! status, so an entry never allows more than its area:
//!
//! | area / page | entry |
//! |---|---|
//! | not accessible (`PROT_NONE`) | `PRESENT` (+ `COW`): no ring-3 access at all |
//! | accessible, no `WRITE` | `PRESENT USER` (+ `COW`) |
//! | accessible, `WRITE`, page is COW or the zero frame | `PRESENT USER` (+ `COW`) |
//! | accessible, `WRITE`, otherwise | `PRESENT USER WRITABLE` |
//!
//! `COW` (software bit 9) marks private data frames shared by `fork`; `GLOBAL` is never set;
//! `ACCESSED`, `DIRTY` and the software bits 10–11 survive permission changes.
//!
//! # Things kernel code must know
//!
//! * A `PROT_NONE` page that was resident stays mapped with `PRESENT` but without `USER` and
//!   `WRITABLE`, so its data survives a later `mprotect`. Ring 3 faults on it; ring 0 **can
//!   still read it without faulting** (supervisor reads ignore `USER`), so the kernel's
//!   copy-to/from-user routines must check the VMA ([`MSpace::search`] and
//!   [`Vma::allows`](crate::vma::Vma::allows)) before touching user memory.
//! * Faults from ring 0 on user addresses (copy routines) go through
//!   [`MSpace::handle_fault`] with [`Mode::Kernel`](crate::fault::Mode::Kernel): they are
//!   resolved like user faults (demand paging, copy-on-write, stack growth) and refused with
//!   the same [`FaultOutcome::Refused`], which the kernel turns into the copy routine's
//!   exception fixup ([`Refusal::wants_fixup`](crate::fault::Refusal::wants_fixup)).
//!   [`FaultOutcome::OutOfMemory`] means SIGKILL.
//! * Device frames of [`Backing::Physical`](crate::vma::Backing::Physical) areas are never
//!   reference counted: they must not be frames the allocator hands out.
//! * Call [`MSpace::sweep`] before dropping an `MSpace`, then free the directory frame.
//! * Every error converts into [`Errno`](crate::errno::Errno) with `From` (by reference for
//!   the three that carry a pending flush, so the flush can be taken out first).
//!
//! Operation code lives in one file each: `map.rs`, `unmap.rs`, `protect.rs`, `populate.rs`
//! (`lock`, `unlock`, `populate`), `advise.rs`, `clone.rs`, `sweep.rs`, `scavenge.rs`,
//! `fault.rs`, `brk.rs`, `limits.rs` (RLIMIT_AS/DATA/STACK and the mlock counts); `pages.rs` is the page-level editing every operation shares, `share.rs`
//! page tables shared by `fork` (unshared before every edit), `check.rs` the consistency walk.

mod access;
mod advise;
mod brk;
mod check;
mod clone;
mod dumpsize;
mod fault;
mod flush;
mod limits;
mod lock;
mod madvise;
mod map;
mod mincore;
mod mremap;
mod msync;
mod pagemap;
mod pages;
mod phys;
mod placement;
mod populate;
mod protect;
mod punch;
mod range;
mod rmap;
mod scavenge;
mod share;
mod smaps;
mod stats;
mod sweep;
mod totals;
mod unmap;
mod zap;
#[cfg(any(test, feature = "sim"))]
mod sim_phys;
#[cfg(test)]
mod tests;

pub use access::{PinError, Pinned};
pub use advise::AdviseError;
pub use brk::{BrkError, Heap, HEAP_FLAGS};
pub use check::Inconsistency;
pub use clone::CloneError;
pub use dumpsize::{dump_size, CoreArea};
pub use fault::FaultOutcome;
pub use flush::SpaceFlush;
pub use limits::{is_data, VmLimits, RLIM_INFINITY};
pub use madvise::{Advice, MadviseError};
pub use map::{MapError, MapRequest};
pub use mremap::{Remap, RemapError};
pub use msync::{msync, MsyncError, MS_ASYNC, MS_INVALIDATE, MS_SYNC};
pub use pagemap::{PM_FILE, PM_MMAP_EXCLUSIVE, PM_PRESENT, PM_SWAP};
pub use phys::PhysOps;
pub use placement::Placement;
pub use lock::{LockError, UnlockError};
pub use populate::PopulateError;
pub use protect::ProtectError;
pub use punch::ObjectRange;
pub use range::RangeError;
pub use rmap::{Area, RmapOps};
#[cfg(any(test, feature = "sim"))]
pub use sim_phys::{file_key, SimPhys};
pub use smaps::kib;
pub use stats::MSpaceStats;
pub use totals::AreaTotals;
pub use unmap::UnmapError;

use core::fmt;

use crate::addr::{Frame, Page, VirtAddr};
use crate::layout::{USER_END, USER_START};
use crate::paging::TableCounts;
use crate::tree::VmaTree;
use crate::vma::Vma;
use stats::Resident;

/// One address space's user half.
///
/// Created empty by [`MSpace::new`] for a directory the kernel prepared (kernel half shared,
/// self-mapped in slot 1023, no user entries); torn down by [`MSpace::sweep`].
#[derive(Debug)]
pub struct MSpace {
    /// The page directory.
    pd: Frame,
    /// The areas.
    tree: VmaTree,
    /// Present entries per user page table.
    counts: TableCounts,
    /// Resident pages and page tables.
    resident: Resident,
    /// First page user mappings may use.
    lower: Page,
    /// One past the last page user mappings may use.
    upper: Page,
    /// The brk heap, once [`MSpace::init_heap`] set it up.
    heap: Option<Heap>,
    /// The resource limits growth is checked against (`limits.rs`).
    limits: VmLimits,
    /// Where mappings without a fixed address go (`placement.rs`).
    placement: Placement,
}

/// Why [`MSpace::with_bounds`] refused a pair of bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundsError {
    /// `lower >= upper`.
    Empty,
    /// The range reaches outside `[USER_START, USER_END)`.
    OutsideUser,
}

impl MSpace {
    /// An empty space over directory `pd`, with bounds `[USER_START, USER_END)`.
    pub fn new(pd: Frame) -> Self {
        MSpace {
            pd,
            tree: VmaTree::new(),
            counts: TableCounts::new(),
            resident: Resident::default(),
            lower: Page::new(VirtAddr::new(USER_START)),
            upper: Page::new(VirtAddr::new(USER_END)),
            heap: None,
            limits: VmLimits::DEFAULT,
            placement: Placement { base: Page::new(VirtAddr::new(USER_START)), top_down: false },
        }
    }

    /// An empty space whose mappings must lie in `[lower, upper)`, a sub-range of user space.
    pub fn with_bounds(pd: Frame, lower: Page, upper: Page) -> Result<Self, BoundsError> {
        if lower >= upper {
            return Err(BoundsError::Empty);
        }
        let space = MSpace::new(pd);
        if lower < space.lower || upper > space.upper {
            return Err(BoundsError::OutsideUser);
        }
        Ok(MSpace { lower, upper, placement: Placement { base: lower, top_down: false }, ..space })
    }

    /// The page directory's frame (what CR3 gets).
    pub const fn pd(&self) -> Frame {
        self.pd
    }

    /// `(lower, upper)`: mappings lie in `[lower, upper)`.
    pub const fn bounds(&self) -> (Page, Page) {
        (self.lower, self.upper)
    }

    /// The areas (read-only: every change goes through an operation so that the page tables
    /// and the counters follow).
    pub const fn tree(&self) -> &VmaTree {
        &self.tree
    }

    /// Present-entry counts of the user page tables.
    pub const fn counts(&self) -> &TableCounts {
        &self.counts
    }

    /// The exact counters (see [`MSpaceStats`] for the definitions).
    pub fn stats(&self) -> MSpaceStats {
        self.resident.stats(self.tree.total_pages())
    }

    /// The most resident pages the space has had at once (Linux's `hiwater_rss`, what
    /// `getrusage` reports as `ru_maxrss`).
    pub fn peak_resident(&self) -> u32 {
        self.resident.peak_rss()
    }

    /// The area containing `addr` (`find_vma` for a fault or a copy from user memory).
    pub fn search(&self, addr: VirtAddr) -> Option<&Vma> {
        self.tree.find(addr)
    }

    /// Writes the `/proc/PID/maps` text of the space.
    pub fn display<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        crate::maps::write_maps(out, &self.tree)
    }

    /// Whether the space holds nothing: no area, no resident page, no page table.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty() && self.resident.is_zero()
    }
}

impl fmt::Display for BoundsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BoundsError::Empty => f.write_str("empty bounds"),
            BoundsError::OutsideUser => f.write_str("bounds reach outside user space"),
        }
    }
}
