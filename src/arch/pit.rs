//! The programmable interval timer: channel 0 drives IRQ 0 at [`HZ`] and counts ticks. Each
//! tick first advances the clocks (`super::clock`); what a tick means to the rest of the
//! kernel (timers, CPU-time accounting) is a hook registered with [`set_tick_hook`]: arch does
//! not call up.

use core::sync::atomic::{AtomicU64, Ordering};
use spin::Once;
use x86::io::outb;

/// Timer interrupts per second.
pub const HZ: u32 = 100;
const PIT_FREQUENCY: u32 = 1_193_182;
const CHANNEL0: u16 = 0x40;
const COMMAND: u16 = 0x43;
/// Channel 0, lobyte/hibyte, mode 2 (rate generator), binary.
const MODE_RATE: u8 = 0b0011_0100;

static TICKS: AtomicU64 = AtomicU64::new(0);
/// Called on every tick with the tick count and whether the tick interrupted user mode, in
/// the timer interrupt.
static TICK_HOOK: Once<fn(u64, bool)> = Once::new();

/// Registers what runs on every timer tick (once, at boot; it runs in interrupt context, so it
/// must neither block nor allocate).
pub fn set_tick_hook(hook: fn(u64, bool)) {
    TICK_HOOK.call_once(|| hook);
}

/// Programs channel 0 for `hz` interrupts per second.
pub fn init(hz: u32) {
    let divisor = (PIT_FREQUENCY / hz).clamp(1, 0xFFFF) as u16;
    // SAFETY: programming the PIT through its fixed ports.
    unsafe {
        outb(COMMAND, MODE_RATE);
        outb(CHANNEL0, divisor as u8);
        outb(CHANNEL0, (divisor >> 8) as u8);
    }
}

/// Called on every timer interrupt; `from_user`: it interrupted user mode.
pub fn tick(from_user: bool) {
    let now = TICKS.fetch_add(1, Ordering::Relaxed) + 1;
    super::clock::on_tick(now);
    if let Some(hook) = TICK_HOOK.get() {
        hook(now, from_user);
    }
}

/// Timer ticks since boot.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Milliseconds since the timer started.
pub fn uptime_ms() -> u64 {
    ticks() * 1000 / HZ as u64
}
