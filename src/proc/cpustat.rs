//! System-wide CPU accounting for `/proc/stat`, `/proc/uptime` and `/proc/loadavg`: timer ticks
//! spent in user mode, in the kernel and idle, and the load average, sampled by the tick.
//! (One CPU: with several, one set of counters per CPU, summed when read.)

use core::sync::atomic::{AtomicU64, Ordering};
use vmcore::loadavg::{LoadAvg, LOAD_FREQ_SECS};

static USER: AtomicU64 = AtomicU64::new(0);
static SYSTEM: AtomicU64 = AtomicU64::new(0);
static IDLE: AtomicU64 = AtomicU64::new(0);
static LOAD: spin::Mutex<(LoadAvg, u64)> = spin::Mutex::new((LoadAvg { avg: [0; 3] }, 0));
/// Tasks running or runnable at the last tick.
static ACTIVE: AtomicU64 = AtomicU64::new(0);

/// Ticks so far: (user, system, idle).
pub fn ticks() -> (u64, u64, u64) {
    (USER.load(Ordering::Relaxed), SYSTEM.load(Ordering::Relaxed), IDLE.load(Ordering::Relaxed))
}

/// Tasks running or runnable at the last tick (`procs_running`).
pub fn active() -> u64 {
    ACTIVE.load(Ordering::Relaxed)
}

/// The load average now.
pub fn load() -> LoadAvg {
    LOAD.lock().0
}

/// One timer tick (in the timer interrupt): `idle` when the idle task ran, else `from_user`
/// says where the running task was; `active` tasks are running or runnable. Every
/// `LOAD_FREQ_SECS` the load average takes a sample.
pub fn tick(now_ticks: u64, idle: bool, from_user: bool, active: u64) {
    let counter = if idle {
        &IDLE
    } else if from_user {
        &USER
    } else {
        &SYSTEM
    };
    counter.fetch_add(1, Ordering::Relaxed);
    ACTIVE.store(active, Ordering::Relaxed);
    let period = LOAD_FREQ_SECS * crate::arch::pit::HZ as u64;
    // The interrupt is the only writer; a reader holding the lock makes this sample wait for
    // the next tick.
    if let Some(mut l) = LOAD.try_lock() {
        if now_ticks >= l.1 + period {
            l.1 = now_ticks;
            l.0.sample(active);
        }
    }
}
