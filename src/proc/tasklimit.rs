//! The system-wide task limit, Linux's `max_threads` (`/proc/sys/kernel/threads-max`).
//!
//! Computed once from RAM as Linux's `set_max_threads` does on i386: `totalram_pages /
//! (8 * THREAD_SIZE / PAGE_SIZE)` with `THREAD_SIZE` = 8 KiB, clamped to [`MIN_THREADS`,
//! `FUTEX_TID_MASK`] — one task per 64 KiB of RAM, so that the kernel stacks of all tasks
//! together take at most an eighth of memory. `fork`/`clone` refuse with `EAGAIN` once that
//! many tasks exist (zombies included, until reaped), root too (Linux's `copy_process`);
//! init's `RLIMIT_NPROC` is half of it. A fork bomb therefore ends in `EAGAIN` while the heap
//! still has room to kill and reap. Root may change it through the file (within [1,
//! `FUTEX_TID_MASK`]): lowering it below the tasks that exist makes every fork fail.
//!
//! Also `pid_max` (`/proc/sys/kernel/pid_max`): pids are handed out in increasing order below
//! it and, once it is reached, again from [`RESERVED_PIDS`] (Linux's `alloc_pid`), skipping
//! pids in use by a task, a process group or a session; fork fails with `EAGAIN` when none is
//! free.

use core::sync::atomic::{AtomicU32, Ordering};

use vmcore::errno::Errno;

/// Linux's floor for `max_threads` ("enough for a system to boot").
pub const MIN_THREADS: u32 = 20;
/// Linux's ceiling: thread ids must fit the futex word's tid bits.
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// `THREAD_SIZE / PAGE_SIZE` on i386 (8 KiB kernel stacks).
const THREAD_PAGES: u64 = 2;

/// Pids below this are not reused once pids wrapped (Linux's `RESERVED_PIDS`).
pub const RESERVED_PIDS: u32 = 300;
/// Linux's `PID_MAX_LIMIT` on 32-bit (`PID_MAX_DEFAULT`): the highest `pid_max`.
pub const PID_MAX_LIMIT: u32 = 32768;

/// `pid_max`: pids stay below it.
static PID_MAX: AtomicU32 = AtomicU32::new(PID_MAX_LIMIT);

/// The current `pid_max`.
pub fn pid_max() -> u32 {
    PID_MAX.load(Ordering::Relaxed)
}

/// Sets `pid_max` (`EINVAL` outside [`RESERVED_PIDS` + 1, `PID_MAX_LIMIT`]).
pub fn set_pid_max(v: i32) -> Result<(), Errno> {
    let v = u32::try_from(v).ok().filter(|v| (RESERVED_PIDS + 1..=PID_MAX_LIMIT).contains(v)).ok_or(Errno::EINVAL)?;
    PID_MAX.store(v, Ordering::Relaxed);
    Ok(())
}

/// Sets `threads-max` (`EINVAL` outside [1, `FUTEX_TID_MASK`]: Linux's `sysctl_max_threads`
/// takes any positive value, `MIN_THREADS` is only the floor of the computed one).
pub fn set_max_threads(v: i32) -> Result<(), Errno> {
    let v = u32::try_from(v).ok().filter(|v| (1..=FUTEX_TID_MASK).contains(v)).ok_or(Errno::EINVAL)?;
    MAX_THREADS.store(v, Ordering::Relaxed);
    Ok(())
}

/// The limit; 0 until first asked (the frame allocator is up by then).
static MAX_THREADS: AtomicU32 = AtomicU32::new(0);

/// Linux's `set_max_threads(MAX_THREADS)` for `totalram` pages.
pub fn for_ram(totalram: u64) -> u32 {
    (totalram / (8 * THREAD_PAGES)).clamp(u64::from(MIN_THREADS), u64::from(FUTEX_TID_MASK)) as u32
}

/// The system-wide task limit.
pub fn max_threads() -> u32 {
    match MAX_THREADS.load(Ordering::Relaxed) {
        0 => {
            // totalram_pages: what MemTotal shows, the allocator's frames less reserved ones.
            let c = crate::mm::frames::counters();
            let pages = u64::from(c.total - c.reserved);
            let n = for_ram(pages);
            MAX_THREADS.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}

/// Tasks alive or waiting to be reaped (Linux's `nr_threads`; the idle task is not one).
pub fn nr_threads() -> usize {
    super::sched::with(|s| s.tasks.len()).saturating_sub(1)
}

/// `copy_process`'s check: `EAGAIN` when `threads-max` tasks exist, whoever asks.
pub fn check() -> Result<(), Errno> {
    if nr_threads() >= max_threads() as usize {
        return Err(Errno::EAGAIN);
    }
    Ok(())
}
