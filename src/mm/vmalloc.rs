//! vmalloc: page-granular, virtually contiguous kernel allocations in 0xD0000000–0xEFFFF000,
//! backed by frames that need not be contiguous.
//!
//! Every allocation has an unmapped guard page on each side (neighbours share one), so running
//! off either end — a kernel stack overflowing downwards, a buffer overrun upwards — faults at
//! once and is reported with the allocation's name. [`VmArea`] owns its range: dropping it
//! unmaps the pages, frees the frames and returns the addresses. Physical ranges (boot modules,
//! device memory) can be mapped too with [`vmap_phys`]; their frames are not freed.
//!
//! Addresses come from a [`RangeAlloc`] over the range's pages (best fit, O(log n) in the free
//! runs): every task has a kernel stack here, so a walk over the areas would cost one step per
//! task on every fork. An area takes its pages plus the guard page after it; the range starts
//! one page in, so the first area has a guard below it too.

use super::{kspace, room};
use crate::arch::stack_guard::GuardPage;
use crate::sync::IrqMutex;
use alloc::collections::BTreeMap;
use core::fmt;
use vmcore::addr::{Frame, Page, PhysAddr, VirtAddr, PAGE_SIZE};
use vmcore::layout::{VMALLOC_END, VMALLOC_START};
use vmcore::range_alloc::RangeAlloc;

#[derive(Clone, Copy, Debug)]
struct Area {
    pages: u32,
    label: &'static str,
    physical: bool,
}

/// Allocated areas by start address.
static AREAS: IrqMutex<BTreeMap<u32, Area>> = IrqMutex::new(BTreeMap::new());

/// The free pages of the range (page numbers), made at the first reservation. Lock order:
/// [`AREAS`], then this.
static FREE: IrqMutex<Option<RangeAlloc>> = IrqMutex::new(None);

/// Page numbers of the range's first usable page (one guard page in) and of its end.
const FIRST_PAGE: u32 = VMALLOC_START / PAGE_SIZE + 1;
const END_PAGE: u32 = VMALLOC_END / PAGE_SIZE;

/// Pages of the range lost for good: freed when the heap had no room to record them free.
static LOST_PAGES: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

/// Most areas the map held since it was last rebuilt (see [`unregister`]).
static AREAS_PEAK: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// Entries of one B-tree leaf (`BTreeMap`'s node capacity, 2B - 1 with B = 6).
const ONE_LEAF: usize = 11;

/// Removes the area at `start` and gives its pages (and guard page) back. A `BTreeMap` keeps the nodes a burst of areas split it into
/// (two half-full leaves do not merge), so the kernel heap would not come back to the byte
/// after many tasks came and went (the leak checks compare it exactly): once the map fits one
/// leaf again after it held more, it is rebuilt as that one leaf.
fn unregister(areas: &mut BTreeMap<u32, Area>, start: u32) -> Option<Area> {
    use core::sync::atomic::Ordering::Relaxed;
    let area = areas.remove(&start)?;
    if let Some(free) = FREE.lock().as_mut() {
        // Freeing may add a run to both trees; with no room for it (heap exhausted) the
        // addresses stay out of the free runs for good rather than the kernel panicking. A
        // free cannot report failure, so failslab leaves its probe alone.
        let nodes = 2 * room::btree_nodes(free.runs());
        if super::inject::kernel_work(|| room::with_room(nodes, || free.free(start / PAGE_SIZE, area.pages + 1))).is_err() {
            let lost = LOST_PAGES.fetch_add(area.pages + 1, Relaxed) + area.pages + 1;
            log::warn!("vmalloc: no heap to record {} pages at {start:#x} free: {lost} pages of the range lost", area.pages + 1);
        }
    }
    if areas.len() <= ONE_LEAF && AREAS_PEAK.load(Relaxed) > ONE_LEAF {
        // The rebuild is optional: without room for it the map keeps its nodes.
        let _ = room::with_room(2, || {
            let all = core::mem::take(areas);
            *areas = all.into_iter().collect();
            AREAS_PEAK.store(areas.len(), Relaxed);
        });
    }
    Some(area)
}

/// Why a vmalloc request failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmallocError {
    /// Zero bytes requested.
    Empty,
    /// No hole in the vmalloc range is large enough.
    NoAddressSpace,
    /// Not enough free frames.
    OutOfFrames,
    /// No room on the kernel heap for the range's bookkeeping.
    OutOfHeap,
}

impl fmt::Display for VmallocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VmallocError::Empty => "empty request",
            VmallocError::NoAddressSpace => "vmalloc address space exhausted",
            VmallocError::OutOfFrames => "out of physical frames",
            VmallocError::OutOfHeap => "out of kernel heap",
        })
    }
}

/// An owned vmalloc range; unmapped and freed on drop.
#[derive(Debug)]
pub struct VmArea {
    start: VirtAddr,
    pages: u32,
}

impl VmArea {
#[cfg(feature = "ktest")]
    /// First address.
    pub fn start(&self) -> VirtAddr {
        self.start
    }
    /// One past the last address.
    pub fn end(&self) -> VirtAddr {
        VirtAddr::new(self.start.as_u32() + self.pages * PAGE_SIZE)
    }
    /// Length in bytes.
    pub fn len(&self) -> usize {
        (self.pages * PAGE_SIZE) as usize
    }
    /// Pointer to the first byte.
    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.start.as_u32() as *mut u8
    }
#[cfg(feature = "ktest")]
    /// The area's bytes.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: the whole range is mapped for as long as `self` lives and is used only
        // through this handle.
        unsafe { core::slice::from_raw_parts(self.as_mut_ptr(), self.len()) }
    }
#[cfg(feature = "ktest")]
    /// The area's bytes, writable.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_slice`; `&mut self` makes the access exclusive.
        unsafe { core::slice::from_raw_parts_mut(self.as_mut_ptr(), self.len()) }
    }
    /// Keeps the mapping for the kernel's lifetime.
    pub fn leak(self) -> &'static mut [u8] {
        let (ptr, len) = (self.as_mut_ptr(), self.len());
        core::mem::forget(self);
        // SAFETY: the mapping is never removed now, and this is its only handle.
        unsafe { core::slice::from_raw_parts_mut(ptr, len) }
    }
}

impl Drop for VmArea {
    fn drop(&mut self) {
        let area = unregister(&mut AREAS.lock(), self.start.as_u32()).expect("invariant: live area is registered");
        let first = Page::new(self.start);
        if area.physical {
            for i in 0..self.pages {
                kspace::unmap(first.checked_add(i).expect("invariant: area inside vmalloc range"));
            }
        } else {
            kspace::unmap_and_free(first, self.pages);
        }
    }
}

/// Reserves `pages` pages of address space (with guard pages around) and registers them.
fn reserve(pages: u32, label: &'static str, physical: bool) -> Result<VirtAddr, VmallocError> {
    let mut areas = AREAS.lock();
    let with_guard = pages.checked_add(1).filter(|&n| n <= END_PAGE - FIRST_PAGE).ok_or(VmallocError::NoAddressSpace)?;
    // Taking a run may split it (a new entry in both trees), registering it adds one: room
    // for all three first, so a heap out of room is an error before anything changed.
    let mut free = FREE.lock();
    let nodes = 2 * room::btree_nodes(free.as_ref().map_or(1, |f| f.runs())) + room::btree_nodes(areas.len());
    let candidate = room::with_room(nodes, || {
        let first = free.get_or_insert_with(|| RangeAlloc::new(FIRST_PAGE, END_PAGE)).alloc(with_guard)?;
        areas.insert(first * PAGE_SIZE, Area { pages, label, physical });
        Some(first * PAGE_SIZE)
    })
    .map_err(|_| VmallocError::OutOfHeap)?
    .ok_or(VmallocError::NoAddressSpace)?;
    drop(free);
    AREAS_PEAK.fetch_max(areas.len(), core::sync::atomic::Ordering::Relaxed);
    Ok(VirtAddr::new(candidate))
}

/// Allocates `bytes` (rounded up to pages) of zeroed, virtually contiguous kernel memory.
pub fn vmalloc(bytes: usize, label: &'static str) -> Result<VmArea, VmallocError> {
    if bytes == 0 {
        return Err(VmallocError::Empty);
    }
    let pages = u32::try_from(bytes.div_ceil(PAGE_SIZE as usize)).map_err(|_| VmallocError::NoAddressSpace)?;
    let start = reserve(pages, label, false)?;
    if kspace::map_fresh(start, pages).is_err() {
        unregister(&mut AREAS.lock(), start.as_u32());
        return Err(VmallocError::OutOfFrames);
    }
    Ok(VmArea { start, pages })
}

/// Maps the physical range `[start, start + bytes)` (page-aligned start) into vmalloc space.
pub fn vmap_phys(start: PhysAddr, bytes: usize, writable: bool, label: &'static str) -> Result<VmArea, VmallocError> {
    if bytes == 0 {
        return Err(VmallocError::Empty);
    }
    let pages = u32::try_from(bytes.div_ceil(PAGE_SIZE as usize)).map_err(|_| VmallocError::NoAddressSpace)?;
    let virt = reserve(pages, label, true)?;
    let first = Frame::containing(start);
    for i in 0..pages {
        let page = Page::new(virt).checked_add(i).expect("invariant: inside the vmalloc range");
        let frame = first.checked_add(i).ok_or(VmallocError::NoAddressSpace)?;
        kspace::map(page, frame, writable).expect("invariant: a reserved vmalloc range is unmapped");
    }
    Ok(VmArea { start: virt, pages })
}

/// The guard page containing `addr`, if it is one. Never blocks: called from the double-fault
/// task, it gives up if the area list is locked.
pub fn guard_owner(addr: u32) -> Option<GuardPage> {
    let areas = AREAS.try_lock()?;
    let page = addr & !(PAGE_SIZE - 1);
    let below = page.checked_add(PAGE_SIZE).and_then(|next| areas.get(&next)).map(|a| a.label);
    let after = areas
        .range(..=page)
        .next_back()
        .filter(|(&start, a)| page == start + a.pages * PAGE_SIZE)
        .map(|(_, a)| a.label);
    (below.is_some() || after.is_some()).then_some(GuardPage { after, below })
}

#[cfg(feature = "ktest")]
/// Free pages of the vmalloc range (guard pages of live areas are not free).
pub fn free_pages() -> u64 {
    FREE.lock().as_ref().map_or(u64::from(END_PAGE - FIRST_PAGE), |f| f.free_units())
}

#[cfg(feature = "ktest")]
/// (areas, pages mapped) in the vmalloc range.
pub fn stats() -> (usize, u32) {
    let areas = AREAS.lock();
    (areas.len(), areas.values().map(|a| a.pages).sum())
}

/// A kernel stack: a vmalloc area with guard pages; the stack grows down from [`top`](Self::top).
pub struct KernelStack {
    area: VmArea,
}

impl KernelStack {
    /// Allocates a stack of `bytes`.
    pub fn new(bytes: usize, label: &'static str) -> Result<Self, VmallocError> {
        Ok(Self { area: vmalloc(bytes, label)? })
    }
    /// The initial stack pointer (one past the highest byte).
    pub fn top(&self) -> u32 {
        self.area.end().as_u32()
    }
    /// Keeps the stack for the kernel's lifetime, returning its top.
    pub fn leak(self) -> u32 {
        let top = self.top();
        self.area.leak();
        top
    }
}
