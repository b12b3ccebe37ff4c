//! Micro-benchmarks of the memory substrate, run with `ktest=bench` (see `make bench-mm`).
//!
//! Under QEMU `-icount shift=0` the time-stamp counter counts guest instructions, so each figure
//! is the number of instructions between two `rdtsc` reads (including the ~2 of the reads).
//! Figures only: nothing here passes or fails.

use crate::arch::cpu::rdtsc;
use crate::kprintln;
use crate::mm::{frames, kspace};
use alloc::alloc::{alloc, dealloc, Layout};
use alloc::vec::Vec;
use vmcore::addr::{Page, VirtAddr};

const RUNS: usize = 1001;

fn report(name: &str, mut samples: Vec<u64>) {
    samples.sort_unstable();
    let median = samples[samples.len() / 2];
    kprintln!(
        "bench {name}: median {median} min {} max {} guest instructions (n={})",
        samples[0],
        samples[samples.len() - 1],
        samples.len()
    );
}

fn measure(mut op: impl FnMut()) -> Vec<u64> {
    let mut samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t0 = rdtsc();
        op();
        samples.push(rdtsc() - t0);
    }
    samples
}

/// Runs every benchmark and prints its figures.
pub fn run() {
    kprintln!("bench: figures are guest instructions when QEMU runs with -icount shift=0");
    let empty = measure(|| {});
    report("empty (rdtsc overhead)", empty);

    report(
        "frame alloc+free",
        measure(|| {
            let f = frames::alloc().expect("a frame");
            frames::free(core::hint::black_box(f));
        }),
    );

    let page = Page::new(VirtAddr::new(0xF000_0000));
    let frame = frames::alloc().expect("a frame");
    report(
        "map+unmap 4 KiB page (existing table, invlpg)",
        measure(|| {
            kspace::map(page, frame, true).expect("scratch page free");
            kspace::unmap(page).expect("mapped");
        }),
    );
    frames::free(frame);

    let layout = Layout::from_size_align(64, 8).expect("layout");
    report(
        "kmalloc+kfree 64 B",
        measure(|| {
            // SAFETY: non-zero size; freed right away with the same layout.
            unsafe {
                let p = alloc(layout);
                assert!(!p.is_null());
                dealloc(core::hint::black_box(p), layout);
            }
        }),
    );
}
