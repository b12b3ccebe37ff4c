//! A higher-half i386 kernel whose heart is its virtual-memory system.
//!
//! GRUB loads us through multiboot2 (see `boot/entry.s`); `kmain` brings the machine up in this
//! order: serial console and logging, CPU tables (GDT, TSS, IDT), the boot information, the
//! interrupt controller and timer, then memory. A `ktest` build runs the in-kernel test cases
//! instead of the normal boot path and reports over the serial console.
#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

extern crate alloc;

pub mod arch;
pub mod boot;
pub mod cmdline;
pub mod console;
pub mod ktest;
pub mod mm;
pub mod panic;
pub mod symbols;
pub mod sync;

use core::arch::global_asm;

global_asm!(include_str!("../boot/entry.s"), options(att_syntax));
global_asm!(include_str!("../boot/traps.s"), options(att_syntax));

/// The Rust entry point, called from `boot/entry.s` on the boot stack with paging on.
#[no_mangle]
pub extern "C" fn kmain(magic: u32, mbi_phys: u32) -> ! {
    console::serial::init();
    arch::gdt::init();
    arch::idt::init();

    let info = boot::bootinfo::parse(magic, mbi_phys);
    cmdline::init(info.cmdline());
    console::logger::init(cmdline::get("log"));
    log::info!("kernel {} booting", env!("CARGO_PKG_VERSION"));
    info.log_summary();
    symbols::init(info);
    mm::init(info);

    arch::pic::init();
    arch::pit::init(arch::pit::HZ);
    arch::cpu::enable_interrupts();

    if cfg!(feature = "ktest") {
        ktest::run(cmdline::get("ktest"));
    }
    log::info!("boot complete; idling");
    loop {
        arch::cpu::halt();
    }
}
