//! The kernel's clocks. **Monotonic**: the PIT's tick count, refined between ticks by the TSC,
//! whose rate is measured against the PIT from the first ticks on (and re-measured as a
//! running average since then). The refinement is clamped below one tick
//! (`vmcore::time::TickInterp`), so a reading never reaches the next tick's value before that
//! tick is counted: readings never go backwards, whatever the TSC does — also under QEMU's
//! `-icount`, where the TSC counts instructions (and jumps with the virtual clock when the
//! guest halts), since only its rate relative to the PIT matters. **Realtime**: the RTC's
//! time at boot (plus whatever `settimeofday` added) plus the monotonic clock.
//!
//! One CPU: the tick (in the timer interrupt) is the only writer; readers turn interrupts off
//! for the three loads that must agree.

use super::cpu::{rdtsc, IrqGuard};
use core::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use vmcore::time::TickInterp;

/// Nanoseconds per timer tick.
pub const TICK_NS: u64 = 1_000_000_000 / super::pit::HZ as u64;
/// The tick at which the TSC rate measurement starts (the first may be partial).
const CAL_FROM_TICK: u64 = 1;
/// Ticks over which the first rate is measured (init starts about then), then every
/// [`RECAL_TICKS`] the rate is re-measured as the average since `CAL_FROM_TICK`.
const CAL_TICKS: u64 = 2;
const RECAL_TICKS: u64 = 8;

/// The tick count as of the last tick (a copy of the PIT's, taken with `LAST_TSC`).
static TICKS: AtomicU64 = AtomicU64::new(0);
/// The TSC at the last tick.
static LAST_TSC: AtomicU64 = AtomicU64::new(0);
/// The TSC at tick `CAL_FROM_TICK`.
static CAL_TSC: AtomicU64 = AtomicU64::new(0);
/// The interpolation's cycles per tick (0: not yet measured) and multiplier.
static CYCLES_PER_TICK: AtomicU64 = AtomicU64::new(0);
static MULT: AtomicU64 = AtomicU64::new(0);
/// Realtime minus monotonic, in nanoseconds.
static REALTIME_OFFSET: AtomicI64 = AtomicI64::new(0);

/// Called by the timer interrupt on every tick, before anything else looks at the time.
pub fn on_tick(ticks: u64) {
    let tsc = rdtsc();
    LAST_TSC.store(tsc, Ordering::Relaxed);
    TICKS.store(ticks, Ordering::Relaxed);
    if ticks == CAL_FROM_TICK {
        CAL_TSC.store(tsc, Ordering::Relaxed);
    } else if ticks == CAL_FROM_TICK + CAL_TICKS || (ticks > CAL_FROM_TICK && (ticks - CAL_FROM_TICK) % RECAL_TICKS == 0) {
        let cycles = tsc.wrapping_sub(CAL_TSC.load(Ordering::Relaxed)) / (ticks - CAL_FROM_TICK);
        if let Some(interp) = TickInterp::new(cycles, TICK_NS) {
            // Readers run with interrupts off: they see both stores or neither.
            CYCLES_PER_TICK.store(interp.cycles_per_tick(), Ordering::Relaxed);
            MULT.store(interp.mult(), Ordering::Relaxed);
        }
    }
}

/// Nanoseconds since the timer started.
pub fn monotonic_ns() -> u64 {
    let _irq = IrqGuard::new();
    let ticks = TICKS.load(Ordering::Relaxed);
    let since = rdtsc().wrapping_sub(LAST_TSC.load(Ordering::Relaxed));
    let interp = TickInterp::from_parts(CYCLES_PER_TICK.load(Ordering::Relaxed), MULT.load(Ordering::Relaxed), TICK_NS);
    let extra = interp.map_or(0, |i| i.ns(since));
    ticks * TICK_NS + extra
}

/// The monotonic time of the last tick (what timers compare their deadlines with).
pub fn tick_ns() -> u64 {
    TICKS.load(Ordering::Relaxed) * TICK_NS
}

/// Sets the realtime clock's origin: `unix_seconds` is the time now.
pub fn set_realtime_seconds(unix_seconds: i64) {
    set_realtime_ns(unix_seconds.saturating_mul(1_000_000_000));
}

/// Sets realtime to `ns` nanoseconds since the epoch, now.
pub fn set_realtime_ns(ns: i64) {
    REALTIME_OFFSET.store(ns - monotonic_ns() as i64, Ordering::Relaxed);
}

/// Nanoseconds since the Unix epoch.
pub fn realtime_ns() -> i64 {
    REALTIME_OFFSET.load(Ordering::Relaxed) + monotonic_ns() as i64
}

/// Realtime minus monotonic (converts an absolute realtime deadline into a monotonic one).
pub fn realtime_offset_ns() -> i64 {
    REALTIME_OFFSET.load(Ordering::Relaxed)
}
