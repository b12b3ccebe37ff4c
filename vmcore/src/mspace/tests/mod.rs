//! Tests of the address space on the simulated MMU.
//!
//! A [`World`] is a machine with a kernel directory (active when no user space is), any number
//! of spaces and one [`SimPhys`]. Operations reach a space's tables exactly as the kernel
//! does: through the own recursive window when the space is active, through the external
//! window otherwise, with `write_pde` invalidating the window page like the kernel's
//! `WindowTables`. Flushes are executed the kernel's way, user accesses go through the
//! simulated TLB and page walker and call `handle_fault` on a fault, like a CPU would. After
//! every operation the touched space is checked with `check_consistency` and the whole
//! machine's reference counts are recomputed exactly.

mod anon;
mod brk;
mod clone;
mod dump;
mod file;
mod heap;
mod inspect;
mod limits;
mod lock;
mod model;
mod placement;
mod protect;
mod remap;
mod rollup;
mod rmap;
mod stack;
mod totals;
mod world;

pub use world::World;

// The test files share these imports through `use super::*`.

#[allow(unused_imports)]
use super::*;
use crate::addr::{Frame, PhysAddr, PAGE_SIZE};
use crate::fault::{Access, BusReason, Fault, Mode, SegvReason};
use crate::layout::{Window, EXT_SLOT, KERNEL_PD_FIRST};
use crate::paging::{self, FlushPlan, FrameSource, TableAccess};
use crate::pte::Pte;
use crate::sim::{DirectTables, Machine, RecursiveTables};
use crate::vma::{Backing, VmFlags};
use std::collections::BTreeMap;
use std::vec::Vec;

/// Frames of simulated RAM.
pub const NFRAMES: u32 = 768;
/// The last frames of RAM are "device memory" for physical areas, outside the pool.
pub const DEVICE_FRAMES: u32 = 8;
/// Physical address of the first device frame.
pub const DEVICE_BASE: u32 = (NFRAMES - DEVICE_FRAMES) * PAGE_SIZE;
/// Largest page-by-page flush before a full one.
const MAX_FLUSH: u32 = 8;

pub const R: VmFlags = VmFlags::READ.union(VmFlags::MAYREAD);
pub const RW: VmFlags = R.union(VmFlags::WRITE).union(VmFlags::MAYWRITE);
pub const SHARED: VmFlags = VmFlags::SHARED.union(VmFlags::MAYSHARE);

/// The page at `addr`.
pub fn pg(addr: u32) -> Page {
    Page::new(VirtAddr::new(addr))
}

/// Page-table access like the kernel's `WindowTables`: a recursive window whose `write_pde`
/// invalidates the window page of the slot.
pub struct KernelTables<'m> {
    inner: RecursiveTables<'m>,
}

impl TableAccess for KernelTables<'_> {
    fn read_pde(&self, pdi: usize) -> Pte {
        self.inner.read_pde(pdi)
    }
    fn write_pde(&mut self, pdi: usize, e: Pte) {
        self.inner.write_pde(pdi, e);
        self.inner.machine.invlpg(Page::new(self.inner.window.table_addr(pdi)));
    }
    fn read_pte(&self, pdi: usize, pti: usize) -> Pte {
        self.inner.read_pte(pdi, pti)
    }
    fn write_pte(&mut self, pdi: usize, pti: usize, e: Pte) {
        self.inner.write_pte(pdi, pti, e);
    }
}

/// How a user access ended, if not with success.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sig {
    /// SIGSEGV.
    Segv(SegvReason),
    /// SIGBUS.
    Bus(BusReason),
    /// Killed for lack of memory.
    Oom,
}

/// Splits an operation's result into the test's result and its flush.
fn lift<E>(r: Result<SpaceFlush, E>) -> (Result<(), E>, SpaceFlush) {
    match r {
        Ok(f) => (Ok(()), f),
        Err(e) => (Err(e), SpaceFlush::new()),
    }
}
