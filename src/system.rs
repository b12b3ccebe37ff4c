//! Powering off and restarting the machine.

use crate::arch::cpu;

/// The exit code a panic powers off with under `panic=poweroff` (QEMU then exits with 253).
pub const PANIC_EXIT_CODE: u8 = 126;

/// Powers off. Under QEMU with `isa-debug-exit` (how `make test` and the tools boot) QEMU
/// exits with status `(code << 1) | 1`, so the host sees `code`; otherwise ACPI power-off
/// (QEMU's PIIX4 and Q35 power-management ports); otherwise halt.
pub fn power_off(code: u8) -> ! {
    cpu::disable_interrupts();
    if code != PANIC_EXIT_CODE {
        crate::mm::inject::report();
    }
    // SAFETY: writes to QEMU's exit device and the ACPI PM1a control registers of QEMU's
    // chipsets; on other hardware they are ignored, and we halt below.
    unsafe {
        x86::io::outb(0xf4, code);
        x86::io::outw(0x604, 0x2000);
        x86::io::outw(0xB004, 0x2000);
    }
    cpu::halt_forever()
}

/// Restarts through the keyboard controller's reset line.
pub fn restart() -> ! {
    cpu::disable_interrupts();
    // SAFETY: pulsing the 8042's reset line; nothing else depends on the machine state now.
    unsafe { x86::io::outb(0x64, 0xFE) };
    cpu::halt_forever()
}
