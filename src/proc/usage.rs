//! What a task has used: CPU time, page faults, context switches, peak memory — and the CPU
//! timers that count down with its process's time (`ITIMER_VIRTUAL`, `ITIMER_PROF`). Linux's tick-based
//! accounting on i386 (`CONFIG_TICK_CPU_ACCOUNTING`):
//!
//! - **run time** is precise: at every switch the outgoing task is charged the monotonic time
//!   since it was switched in (Linux's `sum_exec_runtime`); CLOCK_PROCESS/THREAD_CPUTIME_ID
//!   read it;
//! - **user or system**: each timer tick is charged to the running task as user time when it
//!   interrupted user mode, system time otherwise; `getrusage` and `times` split the precise run
//!   time in that proportion, as Linux's `cputime_adjust` does;
//! - **page faults** resolved by the fault handler count as minor faults (no disk: no major
//!   ones). The handler only increments one counter, charged to the task at its next switch;
//! - **context switches**: voluntary when the task blocked, involuntary when it was preempted
//!   or yielded;
//! - **peak memory** is the address space's high-water mark of resident pages; an exec keeps
//!   the old image's peak, exit records it for the parent.
//!
//! A reaped child's totals (its own and its reaped children's) are added to the parent's
//! `children` (`RUSAGE_CHILDREN`, `times`' `cutime`/`cstime`).

use super::task::Task;
use crate::arch::clock;
use crate::mm::aspace::AddressSpace;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use vmcore::mspace::MSpace;

/// Page faults resolved since boot, charged to the running task at each switch (one CPU:
/// with several, one counter per CPU).
static FAULTS: AtomicU32 = AtomicU32::new(0);
/// `FAULTS` at the last switch.
static FAULTS_MARK: AtomicU32 = AtomicU32::new(0);
/// Monotonic time at which the running task was switched in.
static SWITCHED_IN: AtomicU64 = AtomicU64::new(0);

/// Counts one resolved page fault for the running task (the fault handler).
#[inline(always)]
pub fn count_fault() {
    FAULTS.fetch_add(1, Ordering::Relaxed);
}

/// Page faults resolved since boot (`/proc/vmstat`'s `pgfault`).
pub fn faults_total() -> u32 {
    FAULTS.load(Ordering::Relaxed)
}

/// A CPU timer (`ITIMER_VIRTUAL`, `ITIMER_PROF`): nanoseconds of CPU time left (0: off) and
/// the period to reload with. Counted down by the tick, set with interrupts off.
#[derive(Default)]
pub struct CpuTimer {
    left: AtomicU64,
    interval: AtomicU64,
}

impl CpuTimer {
    /// (left, interval) in nanoseconds.
    pub fn get(&self) -> (u64, u64) {
        (self.left.load(Ordering::Relaxed), self.interval.load(Ordering::Relaxed))
    }
    /// Sets both (call with interrupts off, so the tick sees both or neither).
    pub fn set(&self, left: u64, interval: u64) {
        self.left.store(left, Ordering::Relaxed);
        self.interval.store(interval, Ordering::Relaxed);
    }
    /// One tick of CPU time passed: whether the timer expired (and was reloaded).
    fn tick(&self, send: &mut dyn FnMut() -> bool) {
        let left = self.left.load(Ordering::Relaxed);
        if left == 0 {
            return;
        }
        let left = left.saturating_sub(clock::TICK_NS);
        if left > 0 {
            self.left.store(left, Ordering::Relaxed);
        } else if send() {
            self.left.store(self.interval.load(Ordering::Relaxed), Ordering::Relaxed);
        } else {
            // The task's lock was busy: try again at the next tick.
            self.left.store(1, Ordering::Relaxed);
        }
    }
}

/// Totals in Linux's units, as `getrusage` reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// User time, nanoseconds.
    pub utime: u64,
    /// System time, nanoseconds.
    pub stime: u64,
    /// Peak resident set, KiB.
    pub maxrss_kib: u32,
    /// Minor faults.
    pub minflt: u32,
    /// Major faults (always 0: there is no disk).
    pub majflt: u32,
    /// Voluntary context switches.
    pub nvcsw: u32,
    /// Involuntary context switches.
    pub nivcsw: u32,
}

impl Usage {
    /// Adds `other` (maxrss: the larger, as Linux's `cmaxrss`).
    pub fn add(&mut self, other: &Usage) {
        self.utime += other.utime;
        self.stime += other.stime;
        self.maxrss_kib = self.maxrss_kib.max(other.maxrss_kib);
        self.minflt = self.minflt.wrapping_add(other.minflt);
        self.majflt = self.majflt.wrapping_add(other.majflt);
        self.nvcsw = self.nvcsw.wrapping_add(other.nvcsw);
        self.nivcsw = self.nivcsw.wrapping_add(other.nivcsw);
    }
}

/// One task's accounting, its CPU timers and its real-time timer's state.
#[derive(Default)]
pub struct TaskUsage {
    utime_ticks: AtomicU32,
    stime_ticks: AtomicU32,
    runtime: AtomicU64,
    minflt: AtomicU32,
    nvcsw: AtomicU32,
    nivcsw: AtomicU32,
    /// Peak resident pages of images this task ran before its last exec, and of its space at
    /// exit.
    peak_pages: AtomicU32,
    /// Monotonic time the task was created (`/proc/PID/stat`'s `starttime`).
    start_ns: AtomicU64,
}

/// A process's share (in its thread group): what its exited threads used, its reaped
/// children's totals, and its real-time timer (Linux's `signal_struct` accounting and
/// `real_timer`).
#[derive(Default)]
pub struct GroupUsage {
    /// Totals of the threads that exited (the leader's included once it exited).
    dead: spin::Mutex<Usage>,
    /// Totals of reaped children (`RUSAGE_CHILDREN`).
    children: spin::Mutex<Usage>,
    /// `ITIMER_REAL`/`alarm`: the deadline of the pending timer in the timer queue (0: none),
    /// changed only under the queue's lock. One per process: it fires for the process.
    pub real_deadline: AtomicU64,
    /// `ITIMER_VIRTUAL`: the process's user time (any thread's).
    pub virt: CpuTimer,
    /// `ITIMER_PROF`: the process's user and system time.
    pub prof: CpuTimer,
}

impl GroupUsage {
    /// The reaped children's totals.
    pub fn children(&self) -> Usage {
        *self.children.lock()
    }

    /// Adds a reaped child's totals (its own and its children's).
    pub fn add_child(&self, child: &Usage) {
        self.children.lock().add(child);
    }

    /// The exited threads' totals.
    pub fn dead(&self) -> Usage {
        *self.dead.lock()
    }
}

impl TaskUsage {
    /// Nothing used yet (a new task: fork does not inherit usage or timers), created now.
    pub fn new() -> Self {
        Self { start_ns: AtomicU64::new(clock::monotonic_ns()), ..Self::default() }
    }

    /// Monotonic nanoseconds at which the task was created.
    pub fn start_ns(&self) -> u64 {
        self.start_ns.load(Ordering::Relaxed)
    }

    /// Precise run time so far, nanoseconds (`running`: this is the running task, whose
    /// current stretch is not charged yet).
    pub fn runtime(&self, running: bool) -> u64 {
        let charged = self.runtime.load(Ordering::Relaxed);
        if running {
            charged + clock::monotonic_ns().saturating_sub(SWITCHED_IN.load(Ordering::Relaxed))
        } else {
            charged
        }
    }

    /// This task's own usage (`running`: it is the running task; `space`: its address space,
    /// if it still has one).
    pub fn own(&self, running: bool, space: Option<&AddressSpace>) -> Usage {
        let rtime = self.runtime(running);
        let (utime, stime) = vmcore::time::split_runtime(
            rtime,
            self.utime_ticks.load(Ordering::Relaxed) as u64,
            self.stime_ticks.load(Ordering::Relaxed) as u64,
        );
        let unsettled = if running { FAULTS.load(Ordering::Relaxed).wrapping_sub(FAULTS_MARK.load(Ordering::Relaxed)) } else { 0 };
        let peak = space.map_or(0, |s| s.read(MSpace::peak_resident)).max(self.peak_pages.load(Ordering::Relaxed));
        Usage {
            utime,
            stime,
            maxrss_kib: peak * 4,
            minflt: self.minflt.load(Ordering::Relaxed).wrapping_add(unsettled),
            majflt: 0,
            nvcsw: self.nvcsw.load(Ordering::Relaxed),
            nivcsw: self.nivcsw.load(Ordering::Relaxed),
        }
    }

    /// Keeps the peak of `space` (an exec replaces it, or the task exits).
    pub fn keep_peak(&self, space: &AddressSpace) {
        self.peak_pages.fetch_max(space.read(MSpace::peak_resident), Ordering::Relaxed);
    }

}

/// Charges one timer tick to the running task (`task`), and counts its CPU timers down;
/// `send(sig)` raises a timer signal for it, false if that cannot be done right now.
pub fn on_tick(task: &Task, from_user: bool, send: &mut dyn FnMut(u32) -> bool) {
    let u = &task.usage;
    if from_user {
        u.utime_ticks.fetch_add(1, Ordering::Relaxed);
        task.group.usage.virt.tick(&mut || send(super::signals::SIGVTALRM));
    } else {
        u.stime_ticks.fetch_add(1, Ordering::Relaxed);
    }
    task.group.usage.prof.tick(&mut || send(super::signals::SIGPROF));
}

/// A switch from `prev` to `next` (interrupts off): charges `prev` its run time and faults,
/// and counts the switch (`voluntary`: `prev` blocked).
pub fn on_switch(prev: &Task, voluntary: bool) {
    let now = clock::monotonic_ns();
    let since = now.saturating_sub(SWITCHED_IN.swap(now, Ordering::Relaxed));
    let faults = FAULTS.load(Ordering::Relaxed);
    let new_faults = faults.wrapping_sub(FAULTS_MARK.swap(faults, Ordering::Relaxed));
    let u = &prev.usage;
    u.runtime.fetch_add(since, Ordering::Relaxed);
    u.minflt.fetch_add(new_faults, Ordering::Relaxed);
    if voluntary {
        u.nvcsw.fetch_add(1, Ordering::Relaxed);
    } else {
        u.nivcsw.fetch_add(1, Ordering::Relaxed);
    }
}

/// Thread `task`, the running one, is exiting (scheduler locked, just before it becomes a
/// zombie): its totals join its process's dead threads'.
pub(super) fn thread_exited(task: &Task) {
    let own = task.usage.own(true, None);
    task.group.usage.dead.lock().add(&own);
}

/// What process `task` belongs to has used (`RUSAGE_SELF`, `times`, the process CPU clock):
/// its exited threads' totals plus each live thread's own; the peak resident set is the
/// process's.
pub fn process_usage(task: &Task) -> Usage {
    let space = task.inner.lock().aspace.clone();
    let group = &task.group;
    let mut total = super::sched::with(|s| {
        let mut total = group.usage.dead();
        let me = s.current().pid();
        let mut at = group.tgid;
        while let Some(t) = super::signals::next_thread(s, group, at) {
            at = t.pid() + 1;
            if t.inner.lock().state != super::task::State::Zombie {
                total.add(&t.usage.own(t.pid() == me, None));
            }
        }
        total
    });
    if let Some(space) = space {
        total.maxrss_kib = total.maxrss_kib.max(space.read(MSpace::peak_resident) * 4);
    }
    total
}

/// `parent` reaps process `child` (every thread exited): its totals, its threads' plus its
/// reaped children's, go to the parent's children (Linux's `wait_task_zombie`) and are
/// returned for `wait4`'s rusage.
pub fn reaped(parent: &Task, child: &Task) -> Usage {
    let mut total = child.group.usage.dead();
    total.add(&child.group.usage.children());
    parent.group.usage.add_child(&total);
    total
}
