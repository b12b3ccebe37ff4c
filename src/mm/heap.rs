//! kmalloc: the kernel heap, `linked_list_allocator` as the global allocator.
//!
//! The heap starts right after the frame database (which follows the kernel image) and grows on
//! demand: when an allocation does not fit, more fresh frames are mapped at the heap's top and
//! the allocator is `extend`ed, up to `HEAP_END` (0xD0000000). When it cannot grow, the failure
//! is reported with the request and the heap's usage, and the allocation returns null.
//!
//! The lock disables interrupts while held, so an interrupt handler that allocates can never
//! deadlock against the code it interrupted.

use crate::sync::IrqMutex;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use linked_list_allocator::Heap;
use vmcore::addr::{VirtAddr, PAGE_SIZE};
use vmcore::layout::HEAP_END;

/// Smallest growth step.
const GROW_MIN: u32 = 64 * 1024;

struct State {
    heap: Heap,
    /// First heap address (0 until `init`).
    start: u32,
    /// One past the last mapped heap byte.
    top: u32,
}

/// The kernel heap.
pub struct KernelHeap {
    state: IrqMutex<State>,
}

#[global_allocator]
static HEAP: KernelHeap = KernelHeap { state: IrqMutex::new(State { heap: Heap::empty(), start: 0, top: 0 }) };

/// Heap statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeapStats {
    /// Bytes handed out (including allocator rounding).
    pub used: usize,
    /// Bytes mapped for the heap.
    pub size: usize,
}

/// Sets the heap's first address (page-aligned, after the frame database). Nothing is mapped
/// until the first allocation.
pub fn init(start: VirtAddr) {
    let mut st = HEAP.state.lock();
    assert!(start.is_aligned(PAGE_SIZE) && start.as_u32() < HEAP_END, "bad heap start {start:?}");
    st.start = start.as_u32();
    st.top = start.as_u32();
}

/// Current statistics.
pub fn stats() -> HeapStats {
    let st = HEAP.state.lock();
    HeapStats { used: st.heap.used(), size: (st.top - st.start) as usize }
}

impl State {
    /// Maps at least `bytes` more at the top and hands them to the allocator.
    fn grow(&mut self, bytes: u32) -> bool {
        if self.start == 0 {
            return false; // memory management not up yet
        }
        let Some(step) = bytes.max(GROW_MIN).checked_add(PAGE_SIZE - 1).map(|b| b & !(PAGE_SIZE - 1)) else {
            return false;
        };
        let Some(new_top) = self.top.checked_add(step).filter(|&t| t <= HEAP_END) else {
            return false;
        };
        if super::kspace::map_fresh(VirtAddr::new(self.top), step / PAGE_SIZE).is_err() {
            return false;
        }
        if self.top == self.start {
            // SAFETY: [start, new_top) was just mapped, is writable and used by nothing else.
            unsafe { self.heap.init(self.start as *mut u8, step as usize) };
        } else {
            // SAFETY: the new pages directly follow the heap's current top and were just mapped.
            unsafe { self.heap.extend(step as usize) };
        }
        self.top = new_top;
        true
    }
}

// SAFETY: allocation and deallocation go through the locked linked-list heap, which hands out
// disjoint, correctly aligned blocks from mapped memory only.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if super::inject::fail_slab() {
            return core::ptr::null_mut();
        }
        let mut st = self.state.lock();
        if let Ok(p) = st.heap.allocate_first_fit(layout) {
            return p.as_ptr();
        }
        let need = (layout.size() + layout.align()) as u32 + 64;
        if st.grow(need) {
            if let Ok(p) = st.heap.allocate_first_fit(layout) {
                return p.as_ptr();
            }
        }
        let (used, size) = (st.heap.used(), st.top - st.start);
        drop(st);
        log::error!(
            "kmalloc: out of memory: {} bytes aligned {} (heap {} KiB used of {} KiB mapped, limit {:#x})",
            layout.size(),
            layout.align(),
            used / 1024,
            size / 1024,
            HEAP_END
        );
        core::ptr::null_mut()
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let ptr = NonNull::new(ptr).expect("invariant: dealloc of a null pointer");
        if super::selfcheck::enabled() {
            // SAFETY: the block is ours until deallocated below: `layout.size()` bytes at `ptr`.
            unsafe { core::ptr::write_bytes(ptr.as_ptr(), super::selfcheck::POISON, layout.size()) };
        }
        // SAFETY: the caller passes a block this allocator returned with the same layout.
        unsafe { self.state.lock().heap.deallocate(ptr, layout) };
    }
}
