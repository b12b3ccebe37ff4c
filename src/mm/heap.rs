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
//!
//! With `slub_debug` (`super::redzone`, docs/selfcheck.md) every block carries a header and red
//! zones checked on free and by the self-check ([`verify_live`]); freed blocks are poisoned and
//! the poison is checked when the memory is handed out again. Every block then comes from and
//! goes back to the linked list (no free lists: a cached block would skip the checks). Off,
//! that costs one load per call.

use crate::sync::IrqMutex;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use linked_list_allocator::Heap;
use super::redzone::{self, Bounds, Registry, Violation};
use vmcore::redzone::{Geometry, POISON};
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
    /// The live blocks under `slub_debug`.
    live: Registry,
}

/// The kernel heap.
pub struct KernelHeap {
    state: IrqMutex<State>,
}

#[global_allocator]
static HEAP: KernelHeap = KernelHeap { state: IrqMutex::new(State { heap: Heap::empty(), free: [0; CLASSES], cached: 0, start: 0, top: 0, live: Registry::new() }) };

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
    redzone::init();
    if redzone::enabled() {
        log::info!("kmalloc: slub_debug: red zones checked on free and by selfcheck, freed blocks poisoned and checked on reuse");
    }
}

/// Self-check under `slub_debug`: walks every live block's header and red zones. Returns how
/// many blocks are live (0 when the option is off).
pub fn verify_live() -> Result<usize, Violation> {
    if !redzone::enabled() {
        return Ok(0);
    }
    let st = HEAP.state.lock();
    st.live.verify(st.bounds())
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
    fn bounds(&self) -> Bounds {
        Bounds { start: self.start, top: self.top }
    }

    /// A block of the linked list for `layout`, growing the heap (and, failing that, giving
    /// the cached blocks back) if needed; `Err((used, mapped))` when out of memory, to report
    /// once the lock is dropped (logging may allocate).
    fn take(&mut self, layout: Layout) -> Result<*mut u8, (usize, u32)> {
        if let Ok(p) = self.heap.allocate_first_fit(layout) {
            return Ok(p.as_ptr());
        }
        let need = (layout.size() + layout.align()) as u32 + 64;
        if self.grow(need) {
            if let Ok(p) = self.heap.allocate_first_fit(layout) {
                return Ok(p.as_ptr());
            }
        }
        if self.cached > 0 {
            self.flush();
            if let Ok(p) = self.heap.allocate_first_fit(layout) {
                return Ok(p.as_ptr());
            }
        }
        Err((self.heap.used() - self.cached, self.top - self.start))
    }

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
        // A user path's allocation leaves the reserve to the kernel (`super::reserve`).
        if super::inject::in_fallible() && !super::reserve::permits(super::frames::counters().free, step / PAGE_SIZE) {
            return false;
        }
        if super::kspace::map_fresh(VirtAddr::new(self.top), step / PAGE_SIZE).is_err() {
            return false;
        }
        if redzone::enabled() {
            // SAFETY: [top, new_top) was just mapped, is writable and used by nothing yet.
            unsafe { core::ptr::write_bytes(self.top as *mut u8, POISON, step as usize) };
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

/// Reports a failed allocation; returns null.
fn out_of_memory(layout: Layout, used: usize, size: u32) -> *mut u8 {
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

// SAFETY: allocation and deallocation go through the locked linked-list heap, which hands out
// disjoint, correctly aligned blocks from mapped memory only.
unsafe impl GlobalAlloc for KernelHeap {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if super::inject::fail_slab() {
            return core::ptr::null_mut();
        }
        if redzone::enabled() {
            return self.alloc_debug(layout);
        }
        let mut st = self.state.lock();
        let class = class_of(layout);
        if let Some((c, block)) = class {
            if let Some(p) = st.pop(c, block.size()) {
                return p;
            }
        }
        let layout = class.map_or(layout, |(_, block)| block);
        let taken = st.take(layout);
        drop(st);
        taken.unwrap_or_else(|(used, size)| out_of_memory(layout, used, size))
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let ptr = NonNull::new(ptr).expect("invariant: dealloc of a null pointer");
        if redzone::enabled() {
            return self.dealloc_debug(ptr, layout);
        }
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

impl KernelHeap {
    /// `alloc` under `slub_debug`: the block with its header and red zones.
    #[cold]
    #[inline(never)]
    fn alloc_debug(&self, layout: Layout) -> *mut u8 {
        let callers = redzone::callers();
        let Some(g) = Geometry::new(layout.size(), layout.align()) else { return core::ptr::null_mut() };
        let Ok(outer_layout) = Layout::from_size_align(g.outer_size, g.outer_align) else { return core::ptr::null_mut() };
        let mut st = self.state.lock();
        let outer = match st.take(outer_layout) {
            Ok(outer) => outer,
            Err((used, size)) => {
                drop(st);
                return out_of_memory(layout, used, size);
            }
        };
        let bounds = st.bounds();
        // SAFETY: `outer` was just allocated with `g`'s size and alignment; the lock is held.
        match unsafe { st.live.admit(outer, &g, callers, bounds) } {
            Ok(user) => user,
            Err(v) => {
                drop(st);
                panic!("{v}");
            }
        }
    }

    /// `dealloc` under `slub_debug`: checks, unlinks and poisons the block, then frees it.
    #[cold]
    #[inline(never)]
    fn dealloc_debug(&self, ptr: NonNull<u8>, layout: Layout) {
        let g = Geometry::new(layout.size(), layout.align()).expect("invariant: the layout was allocated");
        let outer_layout = Layout::from_size_align(g.outer_size, g.outer_align).expect("invariant: as allocated");
        let mut st = self.state.lock();
        let bounds = st.bounds();
        // SAFETY: the caller of `dealloc` passes a block `alloc_debug` returned for `layout`.
        match unsafe { st.live.release(ptr.as_ptr(), &g, bounds) } {
            Ok(outer) => {
                let outer = NonNull::new(outer).expect("invariant: inside the heap");
                // SAFETY: `outer` is the block `alloc_debug` took with `outer_layout`.
                unsafe { st.heap.deallocate(outer, outer_layout) };
            }
            Err(v) => {
                drop(st);
                panic!("{v}");
            }
        }
    }
}
