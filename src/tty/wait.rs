//! Readers asleep on the terminal, woken by the receive interrupt. A fixed table of pids, so
//! the interrupt neither allocates nor walks a list (the `WaitQueue` of docs/files.md will
//! replace it). A wake-up the interrupt cannot deliver (the sleeper's task lock is held by the
//! code it interrupted) is caught by the sleep's backstop deadline, [`BACKSTOP_NS`].

use crate::arch::cpu::IrqGuard;
use crate::proc::task::Pid;
use core::sync::atomic::{AtomicU32, Ordering};
use vmcore::errno::Errno;

/// The longest one sleep lasts before the sleeper looks again.
pub const BACKSTOP_NS: u64 = 100_000_000;

const SLOTS: usize = 16;

/// Sleeping readers' pids (0: free slot).
pub struct Waiters {
    pids: [AtomicU32; SLOTS],
}

impl Waiters {
    /// No one waiting.
    pub const fn new() -> Self {
        Self { pids: [const { AtomicU32::new(0) }; SLOTS] }
    }

    /// Wakes every sleeper (interrupt or process context; never allocates).
    pub fn wake_all(&self) {
        for slot in &self.pids {
            let pid = slot.load(Ordering::Acquire);
            if pid != 0 {
                crate::proc::sched::with(|s| s.try_wake(pid));
            }
        }
    }

    /// Sleeps the current task until a wake-up, a signal, `deadline` (monotonic ns) or the
    /// backstop — unless `ready` says there is something to do already (checked with
    /// interrupts off, so a wake-up cannot slip in between).
    pub fn sleep(&self, deadline: u64, ready: impl Fn() -> bool) -> Result<(), Errno> {
        let pid = crate::proc::current_pid();
        let slot = self.pids.iter().find(|s| s.compare_exchange(0, pid, Ordering::AcqRel, Ordering::Relaxed).is_ok());
        let until = deadline.min(crate::proc::timer::now().saturating_add(BACKSTOP_NS));
        // With every slot taken, the sleep is a short poll.
        let until = if slot.is_some() { until } else { until.min(crate::proc::timer::now() + crate::arch::clock::TICK_NS) };
        let result = {
            let _irq = IrqGuard::new();
            if ready() { Ok(()) } else { crate::proc::timer::block_until(pid, until) }
        };
        if let Some(slot) = slot {
            slot.store(0, Ordering::Release);
        }
        result
    }
}
