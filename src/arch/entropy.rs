//! Hardware entropy for seeding the kernel's CSPRNG: RDSEED and RDRAND when CPUID has them,
//! the time-stamp counter's jitter, and the CMOS real-time clock.

use super::cpu;
use core::arch::asm;

/// One RDSEED word, if the CPU has the instruction and it delivered (CF = 1) within a few tries.
pub fn rdseed() -> Option<u32> {
    if cpu::cpuid(0, 0).0 < 7 || cpu::cpuid(7, 0).1 & (1 << 18) == 0 {
        return None;
    }
    for _ in 0..32 {
        let (v, ok): (u32, u8);
        // SAFETY: RDSEED exists (CPUID.7:EBX bit 18); it only writes the register and CF.
        unsafe { asm!("rdseed {v}", "setc {ok}", v = out(reg) v, ok = out(reg_byte) ok, options(nomem, nostack)) };
        if ok != 0 {
            return Some(v);
        }
    }
    None
}

/// One RDRAND word, if the CPU has the instruction and it delivered.
pub fn rdrand() -> Option<u32> {
    if cpu::cpuid(1, 0).2 & (1 << 30) == 0 {
        return None;
    }
    for _ in 0..32 {
        let (v, ok): (u32, u8);
        // SAFETY: RDRAND exists (CPUID.1:ECX bit 30); it only writes the register and CF.
        unsafe { asm!("rdrand {v}", "setc {ok}", v = out(reg) v, ok = out(reg_byte) ok, options(nomem, nostack)) };
        if ok != 0 {
            return Some(v);
        }
    }
    None
}

/// The time a short, memory-touching loop takes, in TSC ticks: its low bits vary with cache,
/// interrupt and (under emulation) host timing. Deterministic under QEMU's `-icount`.
pub fn tsc_jitter() -> u32 {
    let start = cpu::rdtsc();
    let mut x = start as u32;
    for i in 0..64u32 {
        x = x.rotate_left(5) ^ i;
        core::hint::black_box(&mut x);
    }
    (cpu::rdtsc().wrapping_sub(start) as u32) ^ x
}

/// The CMOS real-time clock's seconds, minutes, hours, day, month and year registers.
pub fn rtc() -> [u8; 6] {
    let mut out = [0u8; 6];
    let _irq = cpu::IrqGuard::new();
    for (o, reg) in out.iter_mut().zip([0x00u8, 0x02, 0x04, 0x07, 0x08, 0x09]) {
        // SAFETY: ports 0x70/0x71 are the CMOS index and data registers; selecting a clock
        // register (NMI left enabled, bit 7 clear) and reading it has no other effect.
        unsafe {
            x86::io::outb(0x70, reg);
            *o = x86::io::inb(0x71);
        }
    }
    out
}
