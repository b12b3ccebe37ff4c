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

fn per_page(name: &str, total: u64, pages: u32) {
    kprintln!("bench {name}: {} guest instructions per page ({} pages, {} in all)", total / pages as u64, pages, total);
}

fn touch_all(base: u32, pages: u32) {
    for i in 0..pages {
        // SAFETY: a user page of the active benchmark space; the fault handler maps it.
        unsafe { ((base + i * 4096) as *mut u8).write_volatile(1) };
    }
}

/// Address-space figures: demand-zero write faults, copy-on-write breaks, fork's clone.
fn mspace() {
    use crate::mm::aspace::AddressSpace;
    use crate::ktest::session::Session;
    use vmcore::mspace::MapRequest;
    use vmcore::vma::VmFlags;
    let base = 0x4000_0000u32;
    let rw = VmFlags::READ | VmFlags::WRITE | VmFlags::MAYREAD | VmFlags::MAYWRITE;
    let map = |space: &AddressSpace, pages: u32| {
        space.map(MapRequest::anonymous(pages, rw).fixed(Page::new(VirtAddr::new(base)))).expect("map");
    };

    // Demand-zero write faults (kernel-mode touches go through the same handler).
    let space = AddressSpace::new().expect("space");
    map(&space, 1024);
    let session = Session::new(&space);
    let t0 = rdtsc();
    touch_all(base, 1024);
    per_page("demand-zero write fault", rdtsc() - t0, 1024);
    // The fault handler's way to the space (published by the first fault above).
    report("fault handler's current space (published pointer, CR3 check)", measure(|| {
        core::hint::black_box(AddressSpace::with_active(|a| a.pd()));
    }));

    // COW break with copy: the child keeps its reference, so every parent write copies.
    let child = space.clone_space().expect("clone");
    let t0 = rdtsc();
    touch_all(base, 1024);
    per_page("COW break with copy", rdtsc() - t0, 1024);
    drop(session);
    drop(child);
    drop(space);

    let space = AddressSpace::new().expect("space");
    map(&space, 1024);
    let session = Session::new(&space);

    // fork's fixed cost: a clone of a space with one area and no resident page.
    let t0 = rdtsc();
    let child = space.clone_space().expect("clone");
    let fixed = rdtsc() - t0;
    drop(child);
    kprintln!("bench clone of a space without resident pages: {fixed} guest instructions");
    drop(session);
    drop(space);

    // fork's clone of 4096 resident private pages.
    let space = AddressSpace::new().expect("space");
    map(&space, 4096);
    let session = Session::new(&space);
    touch_all(base, 4096);
    let t0 = rdtsc();
    let child = space.clone_space().expect("clone");
    per_page("clone of resident private pages", rdtsc() - t0, 4096);

    // Page-cache copies of one resident page through the 1 KiB bounce buffer
    // (docs/files.md "Copying into frames"); compare "copy a frame", the copy a kmap'ed frame
    // would need.
    use crate::mm::object::MemObject;
    use crate::syscall::uptr::UserBuf;
    let obj = MemObject::new(None).expect("object");
    let buf = UserBuf::new(base, 4096);
    obj.write(0, buf).expect("first write");
    report("page-cache write of 4 KiB (bounce buffer)", measure(|| {
        obj.write(0, buf).expect("write");
    }));
    report("page-cache read of 4 KiB (bounce buffer)", measure(|| {
        obj.read(0, buf).expect("read");
    }));
    let mut kbuf = [0u8; 1024];
    report("user copy of 4 KiB into a 1 KiB kernel buffer (4 copies)", measure(|| {
        for k in 0..4 {
            UserBuf::new(base + k * 1024, 1024).read_at(0, &mut kbuf).expect("copy");
        }
    }));
    drop(obj);
    drop(session);
    drop(child);
    drop(space);
}

/// Runs every benchmark and prints its figures.
pub fn run() {
    let f = frames::alloc().expect("frame");
    let g = frames::alloc().expect("frame");
    report("zero a frame (temporary mapping)", measure(|| crate::mm::tempmap::zero_frame(f)));
    report("copy a frame (two temporary mappings)", measure(|| crate::mm::tempmap::copy_frame(f, g)));
    report("current task's address space", measure(|| {
        let a = crate::proc::current_aspace();
        core::hint::black_box(a);
    }));
    frames::free(f);
    frames::free(g);
    mspace();
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

    let page = Page::new(VirtAddr::new(vmcore::layout::SCRATCH));
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
