//! Boot, CPU tables, interrupts and the timer.

use crate::arch::{cpu, pit, trap};
use crate::{check, check_eq, ktest};
use core::sync::atomic::Ordering;

ktest!(fn breakpoint_is_handled_and_execution_resumes() {
    let before = trap::BREAKPOINTS.load(Ordering::SeqCst);
    // SAFETY: int3 traps to our breakpoint handler, which returns to the next instruction.
    unsafe { core::arch::asm!("int3") };
    check_eq!(trap::BREAKPOINTS.load(Ordering::SeqCst), before + 1);
    Ok(())
});

ktest!(fn timer_ticks_advance() {
    check!(cpu::interrupts_enabled(), "interrupts should be on during tests");
    let start = pit::ticks();
    // Wait for three ticks (30 ms at 100 Hz), bounded so a dead timer fails instead of hanging.
    let mut spins = 0u32;
    while pit::ticks() < start + 3 && spins < 10_000 {
        cpu::halt();
        spins += 1;
    }
    check!(pit::ticks() >= start + 3, "ticks stuck at {}", pit::ticks());
    Ok(())
});

ktest!(fn boot_information_was_parsed() {
    let info = crate::boot::bootinfo::get();
    check!(!info.regions().is_empty(), "empty memory map");
    check!(info.available_bytes() >= 16 * 1024 * 1024, "less than 16 MiB available: {}", info.available_bytes());
    check!(crate::cmdline::get("ktest").is_some(), "command line '{}' lacks ktest", info.cmdline());
    check!(!info.bootloader().is_empty(), "no bootloader name");
    Ok(())
});

ktest!(fn command_line_values_parse() {
    check_eq!(crate::console::logger::parse_level("debug"), Some(log::LevelFilter::Debug));
    check_eq!(crate::console::logger::parse_level("loud"), None);
    Ok(())
});

ktest!(fn cr0_write_protect_is_on() {
    // SAFETY: reading CR0 has no side effects.
    let cr0 = unsafe { x86::controlregs::cr0() };
    check!(cr0.contains(x86::controlregs::Cr0::CR0_WRITE_PROTECT), "CR0 = {:?}", cr0);
    Ok(())
});
