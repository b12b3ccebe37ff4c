//! Small CPU primitives: the interrupt flag, halting, control registers, the time-stamp
//! counter, CPU features and QEMU's exit device.

use core::arch::asm;

const EFLAGS_IF: u32 = 1 << 9;

/// Reads EFLAGS.
pub fn eflags() -> u32 {
    let flags: u32;
    // SAFETY: pushfd/pop only reads EFLAGS through the stack.
    unsafe { asm!("pushfd", "pop {}", out(reg) flags, options(nomem, preserves_flags)) };
    flags
}

/// Whether maskable interrupts are enabled.
pub fn interrupts_enabled() -> bool {
    eflags() & EFLAGS_IF != 0
}

/// Enables maskable interrupts.
pub fn enable_interrupts() {
    // SAFETY: the IDT and PIC are set up before anyone calls this.
    unsafe { asm!("sti", options(nomem, nostack)) };
}

/// Disables maskable interrupts.
pub fn disable_interrupts() {
    // SAFETY: clearing IF has no memory effects.
    unsafe { asm!("cli", options(nomem, nostack)) };
}

/// Halts until the next interrupt.
pub fn halt() {
    // SAFETY: hlt only waits for an interrupt.
    unsafe { asm!("hlt", options(nomem, nostack)) };
}

/// Stops this CPU for good (interrupts off, halt forever).
pub fn halt_forever() -> ! {
    loop {
        disable_interrupts();
        halt();
    }
}

/// Disables interrupts until dropped, then restores the previous interrupt flag.
pub struct IrqGuard {
    was_enabled: bool,
}

impl IrqGuard {
    /// Saves the interrupt flag and disables interrupts.
    pub fn new() -> Self {
        let was_enabled = interrupts_enabled();
        disable_interrupts();
        Self { was_enabled }
    }
}

impl Default for IrqGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for IrqGuard {
    fn drop(&mut self) {
        if self.was_enabled {
            enable_interrupts();
        }
    }
}

/// The faulting linear address of the last page fault.
pub fn cr2() -> u32 {
    // SAFETY: reading CR2 has no side effects.
    unsafe { x86::controlregs::cr2() as u32 }
}

/// The physical address of the active page directory.
pub fn cr3() -> u32 {
    // SAFETY: reading CR3 has no side effects.
    unsafe { x86::controlregs::cr3() as u32 }
}

/// The time-stamp counter. Under QEMU `-icount shift=0` it counts guest instructions.
pub fn rdtsc() -> u64 {
    // SAFETY: rdtsc only reads the counter.
    unsafe { x86::time::rdtsc() }
}

/// CPU features the kernel cares about, from CPUID.
#[derive(Clone, Copy, Debug, Default)]
pub struct Features {
    /// Global pages (CR4.PGE).
    pub pge: bool,
    /// Supervisor-mode execution prevention.
    pub smep: bool,
    /// Supervisor-mode access prevention.
    pub smap: bool,
}

/// Executes CPUID for a leaf and subleaf: (eax, ebx, ecx, edx).
pub fn cpuid(leaf: u32, subleaf: u32) -> (u32, u32, u32, u32) {
    let (eax, ebx, ecx, edx): (u32, u32, u32, u32);
    // SAFETY: CPUID only reads identification registers (every CPU we boot on has it). EBX may
    // be reserved by the compiler, so it is saved around the instruction.
    unsafe {
        core::arch::asm!(
            "mov {tmp}, ebx",
            "cpuid",
            "xchg {tmp}, ebx",
            tmp = out(reg) ebx,
            inout("eax") leaf => eax,
            inout("ecx") subleaf => ecx,
            out("edx") edx,
            options(nomem, nostack, preserves_flags)
        );
    }
    (eax, ebx, ecx, edx)
}

/// Reads the CPU features from CPUID.
pub fn features() -> Features {
    let max_leaf = cpuid(0, 0).0;
    let (_, _, _, edx1) = cpuid(1, 0);
    let ebx7 = if max_leaf >= 7 { cpuid(7, 0).1 } else { 0 };
    Features { pge: edx1 & (1 << 13) != 0, smep: ebx7 & (1 << 7) != 0, smap: ebx7 & (1 << 20) != 0 }
}

/// QEMU's `isa-debug-exit` device at port 0xf4: QEMU exits with status `(code << 1) | 1`.
pub mod qemu {
    /// Exit code meaning success (QEMU exits with 33).
    pub const SUCCESS: u8 = 0x10;
    /// Exit code meaning failure (QEMU exits with 35).
    pub const FAILURE: u8 = 0x11;

    /// Asks QEMU to exit; halts if the device is absent (real hardware or plain `make run`).
    pub fn exit(code: u8) -> ! {
        // SAFETY: writing port 0xf4 is harmless when no device listens; with isa-debug-exit
        // QEMU terminates right here.
        unsafe { x86::io::outb(0xf4, code) };
        super::halt_forever()
    }
}
