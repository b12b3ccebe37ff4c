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
    tls_slice_enable_sse();

    let info = boot::bootinfo::parse(magic, mbi_phys);
    cmdline::init(info.cmdline());
    console::logger::init(cmdline::get("log"));
    log::info!("kernel {} booting", env!("CARGO_PKG_VERSION"));
    info.log_summary();
    symbols::init(info);
    arch::protect::init();
    mm::init(info);
    mm::phys::init();
    fs::initrd::init();
    trace::init();
    mm::inject::init();
    mm::selfcheck::init();
    let seed = random::init();
    log::info!("random: seeded from {seed:?}");
    proc::sched::init();

    arch::pic::init();
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

/// TEMPORARY (TLS slice, issue 10): glibc's string functions use SSE2, which needs
/// CR4.OSFXSR. The FPU work enables this properly (with per-task state) in src/arch; this
/// hunk lets glibc programs run meanwhile and goes away at that merge.
fn tls_slice_enable_sse() {
    use x86::controlregs::{cr0, cr0_write, cr4, cr4_write, Cr0, Cr4};
    let (_, _, _, edx) = arch::cpu::cpuid(1, 0);
    if edx & (1 << 24) == 0 || edx & (1 << 25) == 0 {
        return; // no FXSR or no SSE
    }
    // SAFETY: boot, one CPU; MP/NE/OSFXSR/OSXMMEXCPT only change how FPU and SSE
    // instructions behave, and the kernel (soft-float) uses none.
    unsafe {
        cr0_write((cr0() | Cr0::CR0_MONITOR_COPROCESSOR | Cr0::CR0_NUMERIC_ERROR) - Cr0::CR0_EMULATE_COPROCESSOR - Cr0::CR0_TASK_SWITCHED);
        cr4_write(cr4() | Cr4::CR4_ENABLE_SSE | Cr4::CR4_UNMASKED_SSE);
        core::arch::asm!("fninit", options(nomem, nostack));
    }
}
