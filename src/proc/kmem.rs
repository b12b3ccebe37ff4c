//! Kernel memory charged to a process: what `/proc/PID/status` shows as `VmPTE` (page tables)
//! and `VmKernel` (the rest), and what the out-of-memory killer adds to a process's resident
//! pages when it chooses a victim (`super::oom`).
//!
//! The charge is derived from what the process owns whenever it is asked for, not kept in a
//! counter: nothing can be charged and never uncharged, and the hot paths (fault, fork, exit)
//! pay nothing. A process (thread group) is charged for
//!
//! - its page tables: the page-table frames of its address space (`VmPTE`, Linux's
//!   `mm_pgtables_bytes`), plus its page directory in `VmKernel`; uncharged when the tables
//!   are freed (munmap of a whole 4 MiB span, exit);
//! - its area-tree entries: one `Vma` slot per area of its space (the tree's nodes hold the
//!   areas inline), uncharged when the area goes (munmap, merge, exit);
//! - per live thread, its kernel stack ([`KSTACK_SIZE`], vmalloc'd) and its `Task`; uncharged
//!   when the thread exits (a zombie leader keeps neither its space nor a charge).
//!
//! Threads sharing the space (`CLONE_VM` without `CLONE_THREAD`, vfork) are each charged for
//! it, as Linux counts `VmPTE` once per task sharing an `mm`. Pipe buffers and tmpfs/shmem
//! pages belong to the pipe or file, which outlives its creator: they are not charged to a
//! process (docs/process-model.md, "Kernel memory").

use super::task::{Task, KSTACK_SIZE};
use crate::mm::aspace::AddressSpace;
use vmcore::addr::PAGE_SIZE;

/// What a process is charged for, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Charge {
    /// Page-table pages (`VmPTE`).
    pub page_tables: u64,
    /// Everything else: the page directory, area entries, kernel stacks and task structures
    /// (`VmKernel`).
    pub other: u64,
}

impl Charge {
    /// The whole charge in whole pages (for the out-of-memory killer's points).
    pub fn pages(&self) -> u32 {
        ((self.page_tables + self.other) / u64::from(PAGE_SIZE)) as u32
    }
}

/// The charge of the process `task` leads, whose space is `space` (none: exited).
pub fn charge(task: &Task, space: Option<&AddressSpace>) -> Charge {
    let Some(space) = space else { return Charge::default() };
    let (areas, tables) = space.read(|s| (s.tree().len() as u64, u64::from(s.stats().page_tables)));
    let threads = u64::from(task.group.live().max(1));
    let per_thread = (KSTACK_SIZE + core::mem::size_of::<Task>()) as u64;
    Charge {
        page_tables: tables * u64::from(PAGE_SIZE),
        other: u64::from(PAGE_SIZE) + areas * core::mem::size_of::<vmcore::vma::Vma>() as u64 + threads * per_thread,
    }
}
