//! kmalloc: the kernel heap under stress.

use crate::mm::heap;
use crate::{check, check_eq, ktest};
use alloc::alloc::{alloc, dealloc, Layout};
use alloc::vec::Vec;

/// A small deterministic PRNG (xorshift32).
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
}

struct Block {
    ptr: *mut u8,
    layout: Layout,
    tag: u8,
}

fn fill(b: &Block) {
    // SAFETY: `ptr` is a live allocation of `layout.size()` bytes.
    unsafe { core::ptr::write_bytes(b.ptr, b.tag, b.layout.size()) };
}

fn intact(b: &Block) -> bool {
    // SAFETY: as in `fill`.
    let bytes = unsafe { core::slice::from_raw_parts(b.ptr, b.layout.size()) };
    bytes.iter().all(|&x| x == b.tag)
}

ktest!(fn kmalloc_stress_grows_the_heap_and_returns_to_baseline() {
    let start = heap::stats();
    let mut rng = Rng(0x1234_5678);
    let mut live: Vec<Block> = Vec::with_capacity(512);
    let mut long_lived: Vec<Block> = Vec::with_capacity(64);
    let mut peak = 0usize;
    for round in 0..3000u32 {
        let size = match rng.next() % 8 {
            0 => 1 + rng.next() as usize % 16,
            1..=4 => 16 + rng.next() as usize % 512,
            5 | 6 => 512 + rng.next() as usize % 8192,
            _ => 8192 + rng.next() as usize % (56 * 1024),
        };
        let align = 1usize << (rng.next() % 13); // 1 .. 4096
        let layout = Layout::from_size_align(size, align).expect("valid layout");
        // SAFETY: non-zero size.
        let ptr = unsafe { alloc(layout) };
        check!(!ptr.is_null(), "allocation of {} aligned {} failed in round {}", size, align, round);
        check_eq!(ptr as usize % align, 0, "misaligned block");
        let b = Block { ptr, layout, tag: round as u8 };
        fill(&b);
        if round % 50 == 0 && long_lived.len() < long_lived.capacity() {
            long_lived.push(b);
        } else {
            live.push(b);
        }
        if live.len() >= 256 || rng.next() % 3 == 0 {
            if !live.is_empty() {
                let b = live.swap_remove(rng.next() as usize % live.len());
                check!(intact(&b), "block of {} bytes overwritten", b.layout.size());
                // SAFETY: allocated above with this layout, freed once.
                unsafe { dealloc(b.ptr, b.layout) };
            }
        }
        peak = peak.max(heap::stats().used);
    }
    for b in live.drain(..).chain(long_lived.drain(..)) {
        check!(intact(&b), "block overwritten");
        // SAFETY: allocated above with this layout, freed once.
        unsafe { dealloc(b.ptr, b.layout) };
    }
    drop(live);
    drop(long_lived);
    let end = heap::stats();
    check!(end.size > 64 * 1024, "the heap never grew past its first 64 KiB step: {:?}", end);
    check!(peak > start.used + 256 * 1024, "peak usage too low to exercise growth: {}", peak);
    check_eq!(end.used, start.used, "heap usage not back to baseline");
    Ok(())
});

ktest!(fn large_allocation_extends_the_heap() {
    let before = heap::stats();
    let v: Vec<u8> = alloc::vec![0xAB; 2 * 1024 * 1024];
    check!(v.iter().all(|&x| x == 0xAB));
    check!(heap::stats().size >= before.used + 2 * 1024 * 1024);
    drop(v);
    check_eq!(heap::stats().used, before.used);
    Ok(())
});
