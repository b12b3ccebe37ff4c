//! Memory management: physical frames, the kernel's address space, the kernel heap (kmalloc),
//! vmalloc, temporary mappings and page directories.
//!
//! The layout of the address space is in `vmcore::layout` (and docs/memory-layout.md).

pub mod aspace;
pub mod bump;
pub mod cachecheck;
pub mod directory;
pub mod framemeta;
pub mod frames;
pub mod heap;
pub mod inject;
pub mod injectsites;
pub mod kspace;
pub mod modules;
pub mod cut;
pub mod object;
pub mod objects;
pub mod phys;
pub mod redzone;
pub mod reserve;
pub mod rmap;
pub mod room;
pub mod selfcheck;
pub mod setup;
pub mod tempmap;
pub mod trycopy;
pub mod trytext;
pub mod vmalloc;

use crate::boot::bootinfo::BootInfo;

/// Brings memory management up: the kernel directory, frames, heap, vmalloc, and the boot
/// modules remapped where they can be read.
pub fn init(info: &BootInfo) {
    let layout = setup::init(info);
    directory::set_kernel(layout.pd);
    heap::init(layout.heap_start);
    reserve::init();
    crate::arch::stack_guard::set_guard_lookup(vmalloc::guard_owner);
    let df_stack = vmalloc::KernelStack::new(16 * 1024, "double-fault stack").expect("boot: double-fault stack");
    crate::arch::doublefault::set_stack(df_stack.leak());
    modules::init(info);
    framemeta::init(layout.frame_meta);
    log::info!(
        "paging: kernel directory at {:?}, {} boot frames for tables and the frame database at {}, heap from {}{}",
        layout.pd.start(),
        layout.boot_frames,
        layout.frame_db,
        layout.heap_start,
        if layout.global { ", global kernel pages" } else { "" }
    );
    log_meminfo();
}

/// Logs the one-line frame summary.
pub fn log_meminfo() {
    let c = frames::counters();
    log::info!(
        "meminfo: total {} KiB, free {} KiB, used {} KiB, reserved {} KiB, shared {} frames",
        c.total * 4,
        c.free * 4,
        c.used * 4,
        c.reserved * 4,
        c.shared
    );
}
