//! Clocks and the timer queue.

use crate::arch::{clock, cpu};
use crate::proc::timer::{self, Kind, Timer};
use crate::{check, check_eq, ktest};

ktest!(fn monotonic_clock_is_steady_and_refined_between_ticks() {
    // Wait for the TSC rate measurement (the 3rd tick), bounded.
    let mut spins = 0u32;
    while crate::arch::pit::ticks() < 4 && spins < 1_000 {
        cpu::halt();
        spins += 1;
    }
    let mut last = clock::monotonic_ns();
    let mut sub_tick = false;
    for _ in 0..20_000 {
        let t = clock::monotonic_ns();
        check!(t >= last, "monotonic went back: {} after {}", t, last);
        sub_tick |= t % clock::TICK_NS != 0;
        last = t;
    }
    check!(sub_tick, "no reading between ticks: the TSC refinement is off");
    check!(clock::realtime_ns() > 1_577_836_800 * 1_000_000_000, "realtime {} before 2020", clock::realtime_ns());
    Ok(())
});

ktest!(fn timer_queue_orders_fires_and_gives_its_room_back() {
    let before = timer::pending();
    // Far-future timers of pids that do not exist: armed, found in order, cancelled.
    let far = clock::monotonic_ns() + 3_600 * 1_000_000_000;
    for i in 0..40u32 {
        let armed = timer::arm(Timer { deadline: far + (i as u64 % 7) * 1000, pid: 100_000 + i, kind: Kind::Wake, interval: 0 });
        check!(armed.is_ok(), "arm {}: {:?}", i, armed);
    }
    check_eq!(timer::pending(), before + 40);
    for i in (0..40u32).rev() {
        let t = timer::cancel(far + (i as u64 % 7) * 1000, 100_000 + i, Kind::Wake);
        check!(t.is_some(), "timer {} not found", i);
    }
    check_eq!(timer::pending(), before);
    check!(timer::cancel(far, 100_000, Kind::Wake).is_none(), "cancelled twice");
    Ok(())
});
