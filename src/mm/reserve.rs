//! The memory reserve: frames kept back so that the kernel can always kill and reap a process
//! (exit, wait, signal delivery) after user paths have taken everything else — Linux's min
//! watermark and the `ALLOC_OOM` access of a dying task.
//!
//! Size: Linux's `min_free_kbytes`, `int_sqrt(lowmem_kbytes * 16)` clamped to [128 KiB,
//! 256 MiB] — 724 KiB (181 frames) at 32 MiB, 1,448 KiB at 128 MiB, 7,094 KiB at 3 GiB. Killing
//! and reaping needs far less: exit frees, a SIGKILL needs no frame, `wait4` allocates
//! nothing, and what does allocate there (a queued `siginfo`, the heap growing one 64 KiB step
//! for it) is a few pages; the rest is headroom for infallible kernel allocations.
//!
//! Who may use it (the rest fails at it):
//! - frames taken for a process — page faults, page tables, page directories, pipe buffers
//!   ([`super::frames::alloc`]) — only when the running process is dying (SIGKILL sent to it,
//!   or exiting: [`set_running`]) or the running task is the kernel itself (pid 0);
//! - the kernel heap's growth for a *fallible* allocation ([`super::inject::fallible`], every
//!   allocation a user path makes) likewise: it fails, and the system call returns `ENOMEM`
//!   or `EAGAIN`; an infallible allocation (the kernel's own, on paths that cannot fail) may
//!   grow the heap into the reserve;
//! - `fork` refuses with `EAGAIN` while fewer than [`FORK_HEADROOM`] frames lie above it.

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// Frames above the reserve below which fork fails (EAGAIN) instead of taking the last ones:
/// the processes that already exist keep room for their next faults (a parent's
/// copy-on-write break right after the fork), as Linux keeps its min watermark out of reach
/// of ordinary allocations.
pub const FORK_HEADROOM: u32 = 64;

/// The reserve in frames (0 until [`init`]).
static RESERVE: AtomicU32 = AtomicU32::new(0);
/// Whether the running task may dip into the reserve: the kernel itself (true at boot), or a
/// dying process. Set by the scheduler on every switch.
static MAY_DIP: AtomicBool = AtomicBool::new(true);

/// Linux's `min_free_kbytes` for `kib` KiB of RAM.
pub fn min_free_kbytes(kib: u64) -> u64 {
    isqrt(kib * 16).clamp(128, 262_144)
}

fn isqrt(n: u64) -> u64 {
    let mut x = 0u64;
    while (x + 1) * (x + 1) <= n {
        x += 1;
    }
    x
}

/// Sizes the reserve from the frames the allocator manages (after it is installed).
pub fn init() {
    let c = super::frames::counters();
    let kib = u64::from(c.total - c.reserved) * 4;
    let frames = (min_free_kbytes(kib) / 4) as u32;
    RESERVE.store(frames, Ordering::Relaxed);
    log::info!("memory reserve: {} KiB ({frames} frames) kept for killing and reaping", frames * 4);
}

/// The reserve, in frames.
pub fn frames() -> u32 {
    RESERVE.load(Ordering::Relaxed)
}

/// Told by the scheduler on every switch, and by the process layer when the running process
/// starts dying: whether the running task may use the reserve.
#[inline(always)]
pub fn set_running(may_dip: bool) {
    MAY_DIP.store(may_dip, Ordering::Relaxed);
}

/// Whether `want` frames may be taken with `free` frames free by the running task.
#[inline(always)]
pub fn permits(free: u32, want: u32) -> bool {
    free >= want.saturating_add(RESERVE.load(Ordering::Relaxed)) || MAY_DIP.load(Ordering::Relaxed)
}

/// Whether fork may go on with `free` frames free ([`FORK_HEADROOM`] above the reserve).
pub fn fork_permits(free: u32) -> bool {
    free >= FORK_HEADROOM + frames()
}
