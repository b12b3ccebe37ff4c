//! The kernel half of the address space (0xC0000000 and up), shared by every directory.
//!
//! Its page tables were all created at boot, so mapping here never allocates a table and a
//! change is at once visible in every address space. Edits go through the active directory's
//! recursive window under one lock; each returns after its own `invlpg`.

use super::frames;
use crate::arch::paging::{self, WindowTables};
use crate::sync::IrqMutex;
use spin::Once;
use vmcore::addr::{Frame, Page, VirtAddr};
use vmcore::layout::KERNEL_BASE;
use vmcore::paging::{FrameSource, MapError, Mapper, TableCounts, UnmapError};
use vmcore::pte::PteFlags;

struct KernelSpace {
    counts: TableCounts,
    global: PteFlags,
}

static KSPACE: Once<IrqMutex<KernelSpace>> = Once::new();

/// Why a kernel mapping could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KMapError {
    /// No free frame.
    OutOfFrames,
    /// The address is not in the kernel half.
    NotKernel(VirtAddr),
    /// Something is already mapped there (a kernel bug in the caller).
    AlreadyMapped(VirtAddr),
}

/// The frame source for kernel-half tables: they are all preallocated at boot, so a request
/// for one (or freeing one) is a bug.
pub struct Preallocated;

impl FrameSource for Preallocated {
    fn alloc_table(&mut self) -> Option<Frame> {
        None
    }
    fn free_table(&mut self, f: Frame) {
        panic!("kernel page table {f:?} would be freed");
    }
}

/// Takes over the counts of the boot-time mapper (boot code, once); `global` says whether
/// kernel pages get the GLOBAL bit.
pub fn init(counts: TableCounts, global: bool) {
    let global = if global { PteFlags::GLOBAL } else { PteFlags::empty() };
    KSPACE.call_once(|| IrqMutex::new(KernelSpace { counts, global }));
}

fn with<R>(op: impl FnOnce(&mut Mapper<'_, WindowTables, Preallocated>, PteFlags) -> R) -> R {
    let mut ks = KSPACE.get().expect("invariant: kernel space set up at boot").lock();
    let global = ks.global;
    // SAFETY: the kernel-space lock serialises every edit of the kernel half.
    let mut tables = unsafe { WindowTables::own() };
    let mut source = Preallocated;
    let mut mapper = Mapper::new(&mut tables, &mut ks.counts, &mut source);
    op(&mut mapper, global)
}

fn check_kernel(page: Page) -> Result<(), KMapError> {
    if page.start().as_u32() < KERNEL_BASE {
        Err(KMapError::NotKernel(page.start()))
    } else {
        Ok(())
    }
}

/// Maps `frame` at `page` (kernel half), readable and writable by the kernel only.
pub fn map(page: Page, frame: Frame, writable: bool) -> Result<(), KMapError> {
    check_kernel(page)?;
    with(|m, global| {
        let mut flags = PteFlags::PRESENT | global;
        if writable {
            flags |= PteFlags::WRITABLE;
        }
        match m.map(page, frame, flags) {
            Ok(flush) => {
                paging::flush(flush);
                Ok(())
            }
            Err(MapError::AlreadyMapped(..)) => Err(KMapError::AlreadyMapped(page.start())),
            Err(e) => panic!("kernel map of {page:?}: {e}"),
        }
    })
}

/// Unmaps `page`, returning the frame that was mapped there.
pub fn unmap(page: Page) -> Option<Frame> {
    with(|m, _| match m.unmap(page) {
        Ok(u) => {
            paging::flush(u.flush);
            assert!(u.freed_table.is_none(), "invariant: kernel tables are never freed");
            u.old.frame()
        }
        Err(UnmapError::NotMapped(_)) => None,
        Err(e) => panic!("kernel unmap of {page:?}: {e}"),
    })
}

#[cfg(feature = "ktest")]
/// Where `addr` maps to, and the entry's flags.
pub fn translate(addr: VirtAddr) -> Option<(vmcore::addr::PhysAddr, PteFlags)> {
    with(|m, _| m.translate(addr))
}

/// Maps `count` fresh zeroed frames from `start` on; on failure nothing stays mapped.
pub fn map_fresh(start: VirtAddr, count: u32) -> Result<(), KMapError> {
    let first = Page::new(start);
    for i in 0..count {
        let page = first.checked_add(i).ok_or(KMapError::NotKernel(start))?;
        let result = match frames::alloc_zeroed_for_kernel() {
            Some(frame) => map(page, frame, true).inspect_err(|_| frames::free(frame)),
            None => Err(KMapError::OutOfFrames),
        };
        if let Err(e) = result {
            unmap_and_free(first, i);
            return Err(e);
        }
    }
    Ok(())
}

/// Unmaps `count` pages from `first` on and frees their frames.
pub fn unmap_and_free(first: Page, count: u32) {
    for i in 0..count {
        let page = first.checked_add(i).expect("invariant: range inside the address space");
        if let Some(frame) = unmap(page) {
            frames::free(frame);
        }
    }
}
