//! kmalloc: the kernel heap, `linked_list_allocator` as the global allocator.
//!
//! The heap starts right after the frame database (which follows the kernel image) and grows on
//! demand: when an allocation does not fit, more fresh frames are mapped at the heap's top and
//! the allocator is `extend`ed, up to `HEAP_END` (0xD0000000). When it cannot grow, the failure
//! is reported with the request and the heap's usage, and the allocation returns null.
//!
//! Small blocks (up to [`MAX_CACHED`] bytes, alignment up to 8) are kept on free lists by size
//! class (multiples of 16 bytes) when freed and handed out again from there: the linked list's
//! first-fit search walks every hole before the one that fits, and with thousands of tasks
//! the holes number thousands — every fork and exit paid for it. A cached block still counts
//! as allocated to the linked list but not in [`stats`]' `used`; when the linked list cannot
//! serve a request even after growing, every cached block goes back to it and the request is
//! tried once more.
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

/// Size classes of the free lists: 16, 32, ... bytes.
const CLASS_STEP: usize = 16;
/// Largest block size kept on a free list.
const MAX_CACHED: usize = 1024;
/// Largest alignment of a cached block (every class block is allocated with it).
const CACHED_ALIGN: usize = 8;
const CLASSES: usize = MAX_CACHED / CLASS_STEP;

struct State {
    heap: Heap,
    /// Free lists by size class: the first cached block's address (0: empty); each cached
    /// block's first word holds the next one's.
    free: [usize; CLASSES],
    /// Bytes held on the free lists.
    cached: usize,
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
static HEAP: KernelHeap = KernelHeap { state: IrqMutex::new(State { heap: Heap::empty(), free: [0; CLASSES], cached: 0, start: 0, top: 0 }) };

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
    HeapStats { used: st.heap.used() - st.cached, size: (st.top - st.start) as usize }
}

/// The free list serving `layout`, if a cached block may: (class, the class's block layout).
fn class_of(layout: Layout) -> Option<(usize, Layout)> {
    if layout.align() > CACHED_ALIGN || layout.size() > MAX_CACHED {
        return None;
    }
    let class = layout.size().max(1).div_ceil(CLASS_STEP) - 1;
    let block = Layout::from_size_align((class + 1) * CLASS_STEP, CACHED_ALIGN).expect("invariant: a small power-of-two alignment");
    Some((class, block))
}

impl State {
    /// A cached block of `class` (`size` bytes), if one is free.
    fn pop(&mut self, class: usize, size: usize) -> Option<*mut u8> {
        let head = self.free[class];
        if head == 0 {
            return None;
        }
        // SAFETY: `head` is a free block of this class, owned by the list; its first word
        // was written by `push`.
        self.free[class] = unsafe { (head as *const usize).read() };
        self.cached -= size;
        Some(head as *mut u8)
    }

    /// Keeps the freed block `ptr` of `class` (`size` bytes) on its free list.
    fn push(&mut self, class: usize, size: usize, ptr: *mut u8) {
        // SAFETY: the block is ours (just freed by its owner), at least 16 bytes, 8-aligned.
        unsafe { (ptr as *mut usize).write(self.free[class]) };
        self.free[class] = ptr as usize;
        self.cached += size;
    }

    /// Gives every cached block back to the linked list (when it cannot serve a request).
    fn flush(&mut self) {
        for class in 0..CLASSES {
            let block = Layout::from_size_align((class + 1) * CLASS_STEP, CACHED_ALIGN).expect("invariant: valid layout");
            while let Some(ptr) = self.pop(class, block.size()) {
                // SAFETY: the block came from the linked list with this layout and is free.
                unsafe { self.heap.deallocate(NonNull::new(ptr).expect("invariant: cached blocks are not null"), block) };
            }
        }
    }

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
        let class = class_of(layout);
        if let Some((c, block)) = class {
            if let Some(p) = st.pop(c, block.size()) {
                return p;
            }
        }
        let layout = class.map_or(layout, |(_, block)| block);
        if let Ok(p) = st.heap.allocate_first_fit(layout) {
            return p.as_ptr();
        }
        let need = (layout.size() + layout.align()) as u32 + 64;
        if st.grow(need) {
            if let Ok(p) = st.heap.allocate_first_fit(layout) {
                return p.as_ptr();
            }
        }
        if st.cached > 0 {
            st.flush();
            if let Ok(p) = st.heap.allocate_first_fit(layout) {
                return p.as_ptr();
            }
        }
        let (used, size) = (st.heap.used() - st.cached, st.top - st.start);
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
        let mut st = self.state.lock();
        match class_of(layout) {
            Some((c, block)) => st.push(c, block.size(), ptr.as_ptr()),
            // SAFETY: the caller passes a block this allocator returned with the same layout.
            None => unsafe { st.heap.deallocate(ptr, layout) },
        }
    }
}
