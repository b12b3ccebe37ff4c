//! The load average (Linux's `kernel/sched/loadavg.c`): every 5 seconds, each of the three
//! averages decays towards the number of active tasks (running or runnable) with the factors
//! of 1, 5 and 15 minutes, in 11-bit fixed point, exactly as Linux computes it, so `uptime`
//! and `/proc/loadavg` read the same numbers for the same history.

/// Fixed-point shift of the averages.
pub const FSHIFT: u32 = 11;
/// 1.0 in fixed point.
pub const FIXED_1: u64 = 1 << FSHIFT;
/// Decay factors per 5-second sample: 1/exp(5s/1min), 1/exp(5s/5min), 1/exp(5s/15min).
pub const EXP: [u64; 3] = [1884, 2014, 2037];
/// Seconds between samples (Linux's `LOAD_FREQ` is 5 s plus one tick).
pub const LOAD_FREQ_SECS: u64 = 5;

/// One step of Linux's `calc_load`: `load` decays towards `active` (fixed point).
pub fn calc_load(load: u64, exp: u64, active: u64) -> u64 {
    let mut newload = load * exp + active * (FIXED_1 - exp);
    if active >= load {
        newload += FIXED_1 - 1;
    }
    newload / FIXED_1
}

/// The three averages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadAvg {
    /// 1, 5 and 15 minutes, fixed point.
    pub avg: [u64; 3],
}

impl LoadAvg {
    /// Takes a sample: `active` tasks are running or runnable now.
    pub fn sample(&mut self, active: u64) {
        let active = active * FIXED_1;
        for (a, &e) in self.avg.iter_mut().zip(EXP.iter()) {
            *a = calc_load(*a, e, active);
        }
    }

    /// `index`'s average as `/proc/loadavg` prints it: integer part and hundredths (Linux's
    /// `LOAD_INT`/`LOAD_FRAC`, with its rounding of `FIXED_1/200`).
    pub fn format(&self, index: usize) -> (u64, u64) {
        let x = self.avg[index] + FIXED_1 / 200;
        (x >> FSHIFT, ((x & (FIXED_1 - 1)) * 100) >> FSHIFT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_stays_zero() {
        let mut l = LoadAvg::default();
        for _ in 0..100 {
            l.sample(0);
        }
        assert_eq!(l.format(0), (0, 0));
    }

    #[test]
    fn one_busy_task_for_a_minute() {
        // 12 samples of one runnable task: 1 - e^(-t/T) for t = 1 min is 0.632 (T = 1 min),
        // 0.181 (5 min) and 0.0645 (15 min), printed as 0.63, 0.18, 0.06.
        let mut l = LoadAvg::default();
        for _ in 0..12 {
            l.sample(1);
        }
        assert_eq!(l.format(0), (0, 63));
        assert_eq!(l.format(1), (0, 18));
        assert_eq!(l.format(2), (0, 6));
    }

    #[test]
    fn converges_to_the_task_count() {
        let mut l = LoadAvg::default();
        for _ in 0..1000 {
            l.sample(3);
        }
        assert_eq!(l.format(0), (3, 0));
        assert_eq!(l.format(2), (3, 0));
    }
}
