//! Kernel panics: a report on the serial console, a backtrace, then a stop.
//!
//! In a `ktest` build the test runner is told first, so the failure is counted and QEMU exits
//! with a failure status instead of hanging the test run.

use crate::arch::{backtrace, cpu};
use crate::console::serial;
use core::fmt::{self, Write};
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    match info.location() {
        Some(loc) => die(format_args!("{} at {}:{}", info.message(), loc.file(), loc.line()), true),
        None => die(format_args!("{}", info.message()), true),
    }
}

/// Stops the kernel after printing `KERNEL PANIC: message` (and a backtrace of the caller if
/// asked; exception reports print their own from the faulting frame).
pub fn die(message: fmt::Arguments<'_>, with_backtrace: bool) -> ! {
    cpu::disable_interrupts();
    let mut out = serial::panic_writer();
    if PANICKING.swap(true, Ordering::SeqCst) {
        let _ = writeln!(out, "KERNEL PANIC (nested, while panicking): {message}");
        cpu::qemu::exit(cpu::qemu::FAILURE);
    }
    let _ = writeln!(out, "KERNEL PANIC: {message}");
    if with_backtrace {
        let ebp = backtrace::current_ebp();
        let _ = backtrace::write(&mut out, die as *const () as u32, ebp);
    }
    crate::ktest::on_panic();
    if crate::cmdline::get("panic") == Some("poweroff") {
        let _ = writeln!(out, "powering off (panic=poweroff).");
        crate::system::power_off(crate::system::PANIC_EXIT_CODE);
    }
    let _ = writeln!(out, "kernel halted.");
    cpu::halt_forever()
}
