//! A tiny global allocator on anonymous `mmap` (not brk, so programs and tests own the break).
//!
//! Small blocks are bump-allocated from 64 KiB chunks; freeing the most recent block rolls the
//! bump pointer back, other small frees are leaked (these programs are short-lived). Blocks of
//! 16 KiB and more get their own mapping and are unmapped when freed.

use crate::sys;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

const CHUNK: usize = 64 * 1024;
const BIG: usize = 16 * 1024;

struct State {
    next: usize,
    end: usize,
}

pub struct MmapAlloc {
    state: UnsafeCell<State>,
}

// SAFETY: the processes using this runtime are single-threaded (no clone/threads), and signal
// handlers are never installed, so the state is never accessed concurrently. A fork gives the
// child its own copy of the state together with the memory it describes.
unsafe impl Sync for MmapAlloc {}

fn page_up(n: usize) -> usize {
    (n + sys::PAGE_SIZE - 1) & !(sys::PAGE_SIZE - 1)
}

// SAFETY: blocks come from fresh private mappings or from the bump range of one, never
// overlap, are aligned as requested (page-aligned mappings, aligned bump pointer) and stay
// valid until dealloc; a null return reports failure.
unsafe impl GlobalAlloc for MmapAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let size = layout.size().max(1);
        let align = layout.align();
        if size >= BIG || align > sys::PAGE_SIZE / 2 {
            if align > sys::PAGE_SIZE {
                return core::ptr::null_mut();
            }
            return match sys::mmap_anon(page_up(size), sys::PROT_READ | sys::PROT_WRITE, 0) {
                Ok(p) => p as *mut u8,
                Err(_) => core::ptr::null_mut(),
            };
        }
        // SAFETY: single-threaded (see the Sync impl), so this is the only live reference.
        let st = unsafe { &mut *self.state.get() };
        let mut start = (st.next + align - 1) & !(align - 1);
        if st.next == 0 || start + size > st.end {
            let chunk = match sys::mmap_anon(CHUNK, sys::PROT_READ | sys::PROT_WRITE, 0) {
                Ok(p) => p,
                Err(_) => return core::ptr::null_mut(),
            };
            st.next = chunk;
            st.end = chunk + CHUNK;
            start = (st.next + align - 1) & !(align - 1);
        }
        st.next = start + size;
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let size = layout.size().max(1);
        if size >= BIG || layout.align() > sys::PAGE_SIZE / 2 {
            // SAFETY: this block is a mapping of its own that nothing references any more.
            let _ = unsafe { sys::munmap(ptr as usize, page_up(size)) };
            return;
        }
        // SAFETY: single-threaded (see the Sync impl).
        let st = unsafe { &mut *self.state.get() };
        if ptr as usize + size == st.next {
            st.next = ptr as usize;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size().max(1);
        if old < BIG && new_size < BIG && layout.align() <= sys::PAGE_SIZE / 2 {
            // SAFETY: single-threaded (see the Sync impl).
            let st = unsafe { &mut *self.state.get() };
            // The most recent small block can grow or shrink in place.
            if ptr as usize + old == st.next && ptr as usize + new_size.max(1) <= st.end {
                st.next = ptr as usize + new_size.max(1);
                return ptr;
            }
        }
        // SAFETY: the layout is valid (same alignment, non-zero size per the GlobalAlloc contract).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: forwarded GlobalAlloc contract.
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are valid for min(old, new) bytes and distinct.
            unsafe {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOC: MmapAlloc = MmapAlloc {
    state: UnsafeCell::new(State { next: 0, end: 0 }),
};
