//! The boot-time frame source used before the frame database exists.
//!
//! It walks the Available regions of the memory map in order and hands out frames one by one,
//! skipping reserved ranges (frame 0, the kernel image, the boot information, modules). What it
//! handed out is remembered as a few runs, which the real allocator then marks reserved: those
//! frames hold the kernel's page tables and the frame database for good.

use crate::boot::bootinfo::{Region, RegionKind};
use vmcore::addr::{Frame, PhysAddr, PAGE_SIZE};

const MAX_RUNS: usize = 16;
/// Physical ranges `[start, end)` the bump allocator must not hand out.
pub type Reserved<'a> = &'a [(u32, u32)];

/// Sequential frame allocator over the memory map.
pub struct Bump<'a> {
    regions: &'a [Region],
    reserved: Reserved<'a>,
    region: usize,
    next: u64,
    runs: [(u32, u32); MAX_RUNS],
    run_count: usize,
}

impl<'a> Bump<'a> {
    /// A bump allocator over the Available regions of `regions`, avoiding `reserved`.
    pub fn new(regions: &'a [Region], reserved: Reserved<'a>) -> Self {
        Self { regions, reserved, region: 0, next: 0, runs: [(0, 0); MAX_RUNS], run_count: 0 }
    }

    fn is_reserved(&self, addr: u64) -> bool {
        addr < PAGE_SIZE as u64
            || self.reserved.iter().any(|&(s, e)| addr + PAGE_SIZE as u64 > s as u64 && addr < e as u64)
    }

    /// The next usable frame; panics when the memory map is exhausted (the machine cannot boot).
    pub fn alloc(&mut self) -> Frame {
        self.alloc_run(1).0
    }

    /// The next run of up to `max` (≥ 1) consecutive usable frames: its first frame and length,
    /// at least 1. One search per run, not per frame (the frame database's pages, a few thousand
    /// at 3 GiB). Panics like [`Bump::alloc`].
    pub fn alloc_run(&mut self, max: u32) -> (Frame, u32) {
        while self.region < self.regions.len() {
            let r = self.regions[self.region];
            let start = r.start.next_multiple_of(PAGE_SIZE as u64);
            let end = r.end.min(1 << 32) & !(PAGE_SIZE as u64 - 1);
            if r.kind != RegionKind::Available || start >= end {
                self.region += 1;
                continue;
            }
            let mut addr = self.next.max(start);
            while addr < end && self.is_reserved(addr) {
                addr += PAGE_SIZE as u64;
            }
            if addr >= end {
                self.region += 1;
                continue;
            }
            // The run stops at the region's end, after `max` frames, or at the page holding the
            // start of the next reserved range.
            let mut run_end = end.min(addr + max as u64 * PAGE_SIZE as u64);
            for &(s, _) in self.reserved.iter().filter(|&&(s, _)| s as u64 > addr) {
                run_end = run_end.min(s as u64 & !(PAGE_SIZE as u64 - 1));
            }
            self.next = run_end;
            let frame = Frame::new(PhysAddr::new(addr as u32));
            let count = ((run_end - addr) / PAGE_SIZE as u64) as u32;
            self.record(frame, count);
            return (frame, count);
        }
        panic!("out of memory while setting up paging (memory map exhausted)");
    }

    fn record(&mut self, frame: Frame, count: u32) {
        let n = frame.number();
        if self.run_count > 0 && self.runs[self.run_count - 1].1 == n {
            self.runs[self.run_count - 1].1 = n + count;
            return;
        }
        assert!(self.run_count < MAX_RUNS, "boot allocator: too many discontiguous runs");
        self.runs[self.run_count] = (n, n + count);
        self.run_count += 1;
    }

    /// Frame-number runs `[first, end)` handed out so far.
    pub fn runs(&self) -> &[(u32, u32)] {
        &self.runs[..self.run_count]
    }

    /// Frames handed out so far.
    pub fn count(&self) -> u32 {
        self.runs().iter().map(|(s, e)| e - s).sum()
    }
}
