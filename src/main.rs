//! A higher-half i386 kernel whose heart is its virtual-memory system.
//!
//! GRUB loads us through multiboot2 (see `boot/entry.s`); `kmain` brings the machine up in this
//! order: serial console and logging, CPU tables (GDT, TSS, IDT), the boot information, the
//! interrupt controller and timer, then memory. A `ktest` build runs the in-kernel test cases
//! instead of the normal boot path and reports over the serial console.
#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn)]
#![feature(allocator_api)]
#![warn(clippy::undocumented_unsafe_blocks)]

extern crate alloc;

mod arch;
mod boot;
mod cmdline;
mod console;
mod fs;
mod ktest;
mod mm;
mod panic;
mod proc;
mod random;
mod symbols;
mod sync;
mod syscall;
mod system;
mod trace;
mod trap;
mod tty;

use core::arch::global_asm;

global_asm!(include_str!("../boot/entry.s"), options(att_syntax));
global_asm!(include_str!("../boot/traps.s"), options(att_syntax));

/// The Rust entry point, called from `boot/entry.s` on the boot stack with paging on.
#[no_mangle]
pub extern "C" fn kmain(magic: u32, mbi_phys: u32) -> ! {
    console::serial::init();
    kprintln!("boot-tsc: {}", arch::cpu::rdtsc()); // kernel entry for `make bench` (W5); UART init before it: 117 instructions
    arch::gdt::init();
    arch::idt::init();

    let info = boot::bootinfo::parse(magic, mbi_phys);
    cmdline::init(info.cmdline());
    console::logger::init(cmdline::get("log"));
    log::info!("kernel {} booting", env!("CARGO_PKG_VERSION"));
    info.log_summary();
    cmdline::report_unknown();
    symbols::init(info);
    arch::protect::init();
    arch::fpu::init();
    mm::init(info);
    mm::phys::init();
    trace::init();
    mm::inject::init();
    mm::selfcheck::init();
    proc::aslr::init();
    let seed = random::init();
    log::info!("random: seeded from {seed:?}");
    proc::sched::init();

    arch::pic::init();
    tty::init();
    match arch::rtc::read_unix_seconds() {
        Some(t) => arch::clock::set_realtime_seconds(t),
        None => log::warn!("RTC unreadable: CLOCK_REALTIME starts at the epoch"),
    }
    fs::init();
    arch::pit::init(arch::pit::HZ);
    arch::cpu::enable_interrupts();

    if cfg!(feature = "ktest") {
        ktest::run(cmdline::get("ktest"));
    }
    start_init();
    proc::sched::idle_loop()
}

/// Starts the first process: `init=PATH` on the command line (default `/bin/sh`), with the
/// words after ` -- ` as its arguments. If it cannot start, says why and powers off.
fn start_init() {
    let path = cmdline::get("init").filter(|p| !p.is_empty()).unwrap_or("/bin/sh");
    let extra = cmdline::init_args();
    let mut args: alloc::vec::Vec<&[u8]> = alloc::vec![path.as_bytes()];
    args.extend(extra.split_ascii_whitespace().map(str::as_bytes));
    match proc::spawn_init(path, &args) {
        Ok(pid) => log::info!("started init (pid {pid}): {path} {extra}"),
        Err(e) => {
            crate::kprintln!("cannot start init '{path}': {e}");
            system::power_off(127);
        }
    }
}

