//! Time arithmetic without hardware: the CMOS RTC's encodings, the civil calendar, Linux's
//! `timespec`/`timeval` rules, and the tick-to-nanosecond interpolation the monotonic clock
//! uses. The kernel reads the hardware (`src/arch/rtc.rs`, the PIT and the TSC); this module
//! decides what the numbers mean, and is tested on the host.

/// Nanoseconds per second.
pub const NSEC_PER_SEC: u64 = 1_000_000_000;

/// The RTC's date and time registers as read (still in the RTC's encoding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtcRaw {
    /// Register 0x00.
    pub sec: u8,
    /// Register 0x02.
    pub min: u8,
    /// Register 0x04 (bit 7 is PM in 12-hour mode).
    pub hour: u8,
    /// Register 0x07.
    pub day: u8,
    /// Register 0x08.
    pub month: u8,
    /// Register 0x09 (two digits).
    pub year: u8,
    /// The century register (ACPI FADT's `century`, 0x32 on QEMU), if there is one.
    pub century: Option<u8>,
    /// Status register B (bit 1: 24-hour mode, bit 2: binary instead of BCD).
    pub status_b: u8,
}

/// Status register B: 24-hour mode.
pub const RTC_B_24H: u8 = 1 << 1;
/// Status register B: binary (not BCD) values.
pub const RTC_B_BINARY: u8 = 1 << 2;

/// A BCD byte's value.
pub const fn bcd(v: u8) -> u8 {
    (v >> 4) * 10 + (v & 0x0f)
}

/// A calendar time in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// Full year (2026).
    pub year: i64,
    /// 1..=12.
    pub month: u32,
    /// 1..=31.
    pub day: u32,
    /// 0..=23.
    pub hour: u32,
    /// 0..=59.
    pub min: u32,
    /// 0..=59 (60 for a leap second, counted as the next second's 0).
    pub sec: u32,
}

impl RtcRaw {
    /// Decodes the registers as status register B says: BCD or binary, 12- or 24-hour; the
    /// century register if present, else 20xx (as Linux's `mc146818_get_time` assumes a year
    /// below 70 is 20xx, and nothing here runs before 2000). `None` for impossible values.
    pub fn decode(&self) -> Option<Civil> {
        let binary = self.status_b & RTC_B_BINARY != 0;
        let v = |x: u8| if binary { x } else { bcd(x) };
        let pm = self.hour & 0x80 != 0;
        let mut hour = v(self.hour & 0x7f) as u32;
        if self.status_b & RTC_B_24H == 0 {
            // 12-hour clock: 12 AM is midnight, 12 PM is noon.
            if hour == 0 || hour > 12 {
                return None;
            }
            hour %= 12;
            if pm {
                hour += 12;
            }
        }
        let century = match self.century.map(v) {
            Some(c) if (19..=99).contains(&c) => c as i64,
            _ => 20,
        };
        let c = Civil {
            year: century * 100 + v(self.year) as i64,
            month: v(self.month) as u32,
            day: v(self.day) as u32,
            hour,
            min: v(self.min) as u32,
            sec: v(self.sec) as u32,
        };
        let ok = (1..=12).contains(&c.month) && (1..=31).contains(&c.day) && c.hour < 24 && c.min < 60 && c.sec <= 60;
        ok.then_some(c)
    }
}

/// Days from 1970-01-01 to the given date of the proleptic Gregorian calendar (Howard
/// Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl Civil {
    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + self.hour as i64 * 3600
            + self.min as i64 * 60
            + self.sec as i64
    }
}

/// Why a user's time value is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeError {
    /// Negative seconds or nanoseconds outside `0..1e9` (Linux's `timespec64_valid`): EINVAL.
    Invalid,
}

/// A validated, non-negative duration or instant in nanoseconds from user seconds and
/// nanoseconds, as Linux's `timespec64_valid` checks them; saturates far beyond any deadline.
pub fn timespec_ns(sec: i64, nsec: i64) -> Result<u64, TimeError> {
    if sec < 0 || !(0..NSEC_PER_SEC as i64).contains(&nsec) {
        return Err(TimeError::Invalid);
    }
    Ok((sec as u64).saturating_mul(NSEC_PER_SEC).saturating_add(nsec as u64))
}

/// Splits nanoseconds into (seconds, nanoseconds).
pub const fn split_ns(ns: u64) -> (u64, u32) {
    (ns / NSEC_PER_SEC, (ns % NSEC_PER_SEC) as u32)
}

/// The interpolation between two timer ticks: the TSC cycles per tick, measured against the
/// PIT, turned into a multiplier, so that `ns = cycles * mult >> SHIFT`. The result is clamped
/// below one tick, so a clock built as `tick * TICK_NS + interpolate(..)` never reaches the
/// next tick's value before that tick is counted — it cannot go backwards, whatever the
/// measured rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TickInterp {
    cycles_per_tick: u64,
    mult: u64,
    tick_ns: u64,
}

impl TickInterp {
    const SHIFT: u32 = 24;

    /// From the cycles measured over one tick of `tick_ns`; `None` if the counter did not move.
    pub fn new(cycles_per_tick: u64, tick_ns: u64) -> Option<Self> {
        if cycles_per_tick == 0 {
            return None;
        }
        let mult = (tick_ns << Self::SHIFT) / cycles_per_tick;
        Some(Self { cycles_per_tick, mult, tick_ns })
    }

    /// Nanoseconds for `cycles` counted since the last tick, at most one tick minus 1 ns.
    pub fn ns(&self, cycles: u64) -> u64 {
        // cycles <= cycles_per_tick keeps the product below tick_ns << SHIFT (no overflow).
        let c = cycles.min(self.cycles_per_tick);
        ((c * self.mult) >> Self::SHIFT).min(self.tick_ns - 1)
    }

    /// The measured counter rate in cycles per tick.
    pub fn cycles_per_tick(&self) -> u64 {
        self.cycles_per_tick
    }

    /// The multiplier (what [`TickInterp::from_parts`] takes back).
    pub fn mult(&self) -> u64 {
        self.mult
    }

    /// Rebuilds an interpolation from its rate and multiplier (computed once by [`Self::new`]
    /// and stored, so a clock read needs no division); `None` if the rate is 0.
    pub fn from_parts(cycles_per_tick: u64, mult: u64, tick_ns: u64) -> Option<Self> {
        (cycles_per_tick != 0).then_some(Self { cycles_per_tick, mult, tick_ns })
    }
}

/// Linux's `cputime_adjust` without its monotonic memory: splits the precise run time `rtime`
/// between user and system in the proportion of the ticks charged to each (`utime`, `stime`,
/// any unit). Returns `(user, system)`, summing to `rtime`.
pub fn split_runtime(rtime: u64, utime: u64, stime: u64) -> (u64, u64) {
    if stime == 0 {
        return (rtime, 0);
    }
    if utime == 0 {
        return (0, rtime);
    }
    let total = utime.saturating_add(stime);
    // u64 arithmetic when the product fits (it does for the first hours of CPU time): a
    // 128-bit division is a long library routine on i386, and a reap computes this.
    let s = match rtime.checked_mul(stime) {
        Some(p) => p / total,
        None => (rtime as u128 * stime as u128 / total as u128) as u64,
    };
    (rtime - s, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_epoch_and_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(Civil { year: 2000, month: 3, day: 1, hour: 0, min: 0, sec: 0 }.unix_seconds(), 951_868_800);
        assert_eq!(Civil { year: 2020, month: 1, day: 1, hour: 0, min: 0, sec: 0 }.unix_seconds(), 1_577_836_800);
        assert_eq!(Civil { year: 2038, month: 1, day: 19, hour: 3, min: 14, sec: 8 }.unix_seconds(), 1 << 31);
        assert_eq!(Civil { year: 2026, month: 12, day: 2, hour: 5, min: 42, sec: 31 }.unix_seconds(), 1_796_190_151);
        // 29 February of a leap year follows the 28th.
        assert_eq!(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28), 2);
        assert_eq!(days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28), 1);
    }

    #[test]
    fn rtc_decoding() {
        let bcd_24 = RtcRaw { sec: 0x31, min: 0x42, hour: 0x17, day: 0x02, month: 0x12, year: 0x26, century: Some(0x20), status_b: RTC_B_24H };
        assert_eq!(bcd_24.decode(), Some(Civil { year: 2026, month: 12, day: 2, hour: 17, min: 42, sec: 31 }));
        let bin_24 = RtcRaw { sec: 31, min: 42, hour: 17, day: 2, month: 12, year: 26, century: None, status_b: RTC_B_24H | RTC_B_BINARY };
        assert_eq!(bin_24.decode(), bcd_24.decode());
        // 12-hour BCD: 5 PM, 12 AM (midnight), 12 PM (noon).
        let pm = RtcRaw { hour: 0x85, status_b: 0, ..bcd_24 };
        assert_eq!(pm.decode().map(|c| c.hour), Some(17));
        assert_eq!(RtcRaw { hour: 0x12, status_b: 0, ..bcd_24 }.decode().map(|c| c.hour), Some(0));
        assert_eq!(RtcRaw { hour: 0x92, status_b: 0, ..bcd_24 }.decode().map(|c| c.hour), Some(12));
        // 12-hour binary with PM.
        let pm_bin = RtcRaw { hour: 0x80 | 11, status_b: RTC_B_BINARY, ..bin_24 };
        assert_eq!(pm_bin.decode().map(|c| c.hour), Some(23));
        // A 19xx century register is honoured; nonsense is refused.
        assert_eq!(RtcRaw { century: Some(0x19), year: 0x99, ..bcd_24 }.decode().map(|c| c.year), Some(1999));
        assert_eq!(RtcRaw { month: 0x13, ..bcd_24 }.decode(), None);
        assert_eq!(RtcRaw { hour: 0x00, status_b: 0, ..bcd_24 }.decode(), None);
    }

    #[test]
    fn timespec_rules() {
        assert_eq!(timespec_ns(0, 0), Ok(0));
        assert_eq!(timespec_ns(1, 999_999_999), Ok(1_999_999_999));
        assert_eq!(timespec_ns(-1, 0), Err(TimeError::Invalid));
        assert_eq!(timespec_ns(0, -1), Err(TimeError::Invalid));
        assert_eq!(timespec_ns(0, 1_000_000_000), Err(TimeError::Invalid));
        assert_eq!(timespec_ns(i64::MAX, 0), Ok(u64::MAX));
        assert_eq!(split_ns(1_500_000_001), (1, 500_000_001));
    }

    #[test]
    fn interpolation_stays_below_a_tick() {
        let tick = 10_000_000;
        for rate in [1, 7, 10_000, 10_000_000, 33_333_333, 3_000_000_000u64] {
            let i = TickInterp::new(rate, tick).unwrap();
            let mut last = 0;
            let mut cycles = [0, 1, rate / 3, rate / 2, rate - 1, rate, rate + 1, u64::MAX];
            cycles.sort();
            for c in cycles {
                let ns = i.ns(c);
                assert!(ns < tick, "rate {rate} cycles {c}: {ns}");
                assert!(ns >= last, "monotonic in cycles");
                last = ns;
            }
            // Half a tick's cycles is about half a tick.
            if rate >= 1000 {
                let half = i.ns(rate / 2) as i64;
                assert!((half - tick as i64 / 2).abs() < tick as i64 / 100, "rate {rate}: {half}");
            }
        }
        assert_eq!(TickInterp::new(0, tick), None);
        let i = TickInterp::new(12_345, tick).unwrap();
        assert_eq!(TickInterp::from_parts(i.cycles_per_tick(), i.mult(), tick), Some(i));
    }

    #[test]
    fn runtime_split() {
        assert_eq!(split_runtime(100, 0, 0), (100, 0));
        assert_eq!(split_runtime(100, 3, 0), (100, 0));
        assert_eq!(split_runtime(100, 0, 2), (0, 100));
        assert_eq!(split_runtime(100, 1, 3), (25, 75));
        let (u, s) = split_runtime(u64::MAX / 2, u64::MAX / 4, u64::MAX / 4);
        assert_eq!(u + s, u64::MAX / 2);
    }
}
