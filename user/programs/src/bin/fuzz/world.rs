//! What every fuzzing process knows about its own address space (set up once by the parent,
//! inherited through fork): which ranges are *sacred* — the program image, the stack, the
//! fixtures and the shared statistics page — and the fixture pages that give the pools their
//! read-only, PROT_NONE and unmapped addresses.
//!
//! Rules the generator keeps (see `child/`):
//! * calls that destroy or change mappings (munmap, mprotect, madvise, mremap, MAP_FIXED) never
//!   touch a sacred range — unless, on our kernel, the range runs past the end of user space
//!   (or wraps), which the kernel must reject as a whole before changing anything;
//! * calls that make the kernel write user memory (read, fstat64, uname, getdents64, wait
//!   status...) never target the writable sacred ranges (data/bss, stack, statistics page),
//!   with the same exception;
//! * calls that act on what they read (nanosleep's timespec, old_mmap's argument block,
//!   execve's arrays) only get pointers whose contents are known or that must fail.

use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
use rt::abi::flags::{MAP_ANONYMOUS, MAP_FIXED_NOREPLACE, MAP_PRIVATE, MAP_SHARED, PROT_NONE, PROT_READ, PROT_WRITE};
use rt::prelude::*;

pub const PG: u32 = 4096;
/// Our kernel's end of user space.
pub const USER_END_OURS: u32 = 0xC000_0000;
/// An i386 process's end of user space on an x86-64 Linux kernel.
pub const USER_END_LINUX: u32 = 0xFFFF_E000;
/// Where the program image starts (user/user.ld).
pub const IMAGE_START: u32 = 0x0804_8000;

/// The fixtures: a fixed block of pages the generator never changes.
pub const FIX: u32 = 0x3F00_0000;
/// Read-only page: known contents (a tiny timespec, safe strings), ends with 16 bytes without
/// a NUL just before the hole.
pub const FIX_RO: u32 = FIX;
/// Never mapped (by us).
pub const FIX_HOLE: u32 = FIX + PG;
/// PROT_NONE page.
pub const FIX_NONE: u32 = FIX + 2 * PG;
/// Read-only page of zeroes, followed by a second hole.
pub const FIX_RO2: u32 = FIX + 3 * PG;
pub const FIX_HOLE2: u32 = FIX + 4 * PG;
/// Shared anonymous page with the statistics (parent and all children see the same frame).
pub const FIX_STATS: u32 = FIX + 8 * PG;
/// End of the fixture block (sacred).
pub const FIX_END: u32 = FIX + 16 * PG;

/// Offsets of the known contents in the read-only fixture page.
pub const RO_TIMESPEC: u32 = 0; // {0, 1000}: a 1 µs sleep
pub const RO_TIMESPEC_BAD: u32 = 8; // {0, 2_000_000_000}: EINVAL
pub const RO_PATH: u32 = 64; // "/nonexistent/fixture\0"
pub const RO_UNTERMINATED: u32 = PG - 16; // 16 × 'a' up to the hole

/// Counters shared by the parent and every process of a batch (one shared page).
#[repr(C)]
pub struct Stats {
    /// Random calls made by the batch child itself.
    pub calls: AtomicU32,
    /// Random calls made by its descendants.
    pub sub_calls: AtomicU32,
    /// Successful forks (by any process of the batch).
    pub forks: AtomicU32,
    /// Successful execs of ourselves (descendants).
    pub execs: AtomicU32,
    /// User-mode touches of own memory.
    pub touches: AtomicU32,
    /// Deliberate deaths (descendants and the batch child).
    pub kamikaze: AtomicU32,
    /// The batch child's call in progress: its index, number and arguments.
    pub cur_index: AtomicU32,
    pub cur_nr: AtomicU32,
    pub cur_args: [AtomicU32; 6],
    /// Calls that succeeded although they must fail (see `Fz::expect_fail`), by any process of
    /// the batch; the first one: number, arguments, result, and why it must fail (address and
    /// length of a static string of this program, the same in every process).
    pub violations: AtomicU32,
    pub viol_call: [AtomicU32; 8],
    pub viol_why: [AtomicU32; 2],
    /// The batch child's last calls: (index, number, six arguments, result, sequence), a ring.
    pub ring: [[AtomicU32; 10]; RING],
}

/// Entries in the ring of last calls.
pub const RING: usize = 16;

impl Stats {
    pub fn reset(&self) {
        for c in [&self.calls, &self.sub_calls, &self.forks, &self.execs, &self.touches, &self.kamikaze, &self.cur_index, &self.cur_nr, &self.violations] {
            c.store(0, Relaxed);
        }
        for a in &self.cur_args {
            a.store(0, Relaxed);
        }
        for e in &self.ring {
            for a in e {
                a.store(u32::MAX, Relaxed);
            }
        }
    }
}

/// The address-space facts, computed by the parent at start-up.
pub struct World {
    /// Running on Linux (the host), not on our kernel.
    pub linux: bool,
    /// One past the last user address.
    pub user_top: u32,
    /// `[IMAGE_START, end of bss)`, page-rounded.
    pub image: (u32, u32),
    /// The writable segment (data + bss), page-rounded.
    pub rw: (u32, u32),
    /// The break at start-up (first heap address).
    pub heap_start: u32,
    /// The stack: `[lo, hi)` (hi as u64: up to 2^32).
    pub stack_lo: u32,
    /// This program's path (NUL-terminated), for execve and the probe file.
    pub self_path: [u8; 256],
    /// `--wild`: no taming of memory-hungry calls (memory runs out in most batches).
    pub wild: bool,
}

impl World {
    pub fn stats(&self) -> &'static Stats {
        Self::stats_page()
    }

    /// The statistics page, for code that has no `World` at hand.
    pub fn stats_page() -> &'static Stats {
        // SAFETY: the parent maps the shared stats page at FIX_STATS before anything runs, and
        // no process of the run ever unmaps it (it is sacred); all fields are atomics.
        unsafe { &*(FIX_STATS as *const Stats) }
    }

    pub fn self_ptr(&self) -> u32 {
        self.self_path.as_ptr() as u32
    }

    /// Bad addresses guaranteed to be rejected: "kernel" addresses.
    pub fn kbad(&self) -> &'static [u32] {
        if self.linux {
            &[0xFFFF_E000, 0xFFFF_F000, 0xFFFF_FFFC, 0xFFFF_FFFF]
        } else {
            &[
                0xC000_0000, 0xC000_0004, 0xC010_0000, 0xC010_1234, 0xD000_0000, 0xEFFF_F000, 0xFF7F_E000,
                0xFFBF_F000, 0xFFC0_0000, 0xFFFF_F000, 0xFFFF_FFFC, 0xFFFF_FFFF,
            ]
        }
    }

    fn overlaps(a: u64, end: u64, lo: u32, hi: u64) -> bool {
        a < hi && (lo as u64) < end
    }

    /// `[a, a + len)` rounded to pages touches nothing sacred (or, on our kernel, extends past
    /// the end of user space and so must be refused whole).
    pub fn may_destroy(&self, a: u32, len: u32) -> bool {
        let start = (a & !(PG - 1)) as u64;
        let end = (a as u64 + len as u64 + (PG - 1) as u64) & !((PG - 1) as u64);
        let end = end.max(start + PG as u64);
        if !self.linux && end > self.user_top as u64 {
            return true;
        }
        if self.linux && start < 0x1_0000 {
            // Root may map page 0 on Linux: then NULL stops being a bad pointer.
            return false;
        }
        !(Self::overlaps(start, end, self.image.0, self.image.1 as u64)
            || Self::overlaps(start, end, FIX, FIX_END as u64)
            || Self::overlaps(start, end, self.stack_lo, 1u64 << 33))
    }

    /// The kernel may write `[a, a + len)` without harming this process's own state.
    pub fn may_write(&self, a: u32, len: u32) -> bool {
        if len == 0 {
            return true;
        }
        let (start, end) = (a as u64, a as u64 + len as u64);
        if !self.linux && end > self.user_top as u64 {
            return true;
        }
        !(Self::overlaps(start, end, self.rw.0, self.rw.1 as u64)
            || Self::overlaps(start, end, FIX_STATS, (FIX_STATS + PG) as u64)
            || Self::overlaps(start, end, self.stack_lo, 1u64 << 33))
    }

    /// `[a, a + len)` is outside every sacred range (for user-mode touches).
    pub fn may_touch(&self, a: u32, len: u32) -> bool {
        let (start, end) = (a as u64, a as u64 + len as u64);
        end <= self.user_top as u64
            && !(Self::overlaps(start, end, self.image.0, self.image.1 as u64)
                || Self::overlaps(start, end, FIX, FIX_END as u64)
                || Self::overlaps(start, end, self.stack_lo, 1u64 << 33))
    }
}

fn mmap_fixed(addr: u32, len: u32, prot: u32, flags: u32) -> Result<u32, Errno> {
    // SAFETY: FIXED_NOREPLACE never replaces anything: the fixture range must be free.
    unsafe { sys::mmap2(addr as usize, len as usize, prot as usize, (flags | MAP_FIXED_NOREPLACE) as usize, -1, 0) }
        .map(|a| a as u32)
}

/// Maps the fixtures and the statistics page (parent, once).
pub fn setup_fixtures() -> Result<(), (&'static str, Errno)> {
    let anon = MAP_PRIVATE | MAP_ANONYMOUS;
    let rw = PROT_READ | PROT_WRITE;
    let check = |what: &'static str, want: u32, r: Result<u32, Errno>| match r {
        Ok(a) if a == want => Ok(()),
        Ok(_) => Err((what, Errno::EEXIST)), // an old kernel ignoring NOREPLACE: refuse to go on
        Err(e) => Err((what, e)),
    };
    check("fixture page", FIX_RO, mmap_fixed(FIX_RO, PG, rw, anon))?;
    // SAFETY: the page was just mapped read-write by us and nothing else refers to it.
    unsafe {
        let p = FIX_RO as *mut u32;
        p.add(0).write_volatile(0);
        p.add(1).write_volatile(1000);
        p.add(2).write_volatile(0);
        p.add(3).write_volatile(2_000_000_000);
        let path = b"/nonexistent/fixture\0";
        for (i, b) in path.iter().enumerate() {
            ((FIX_RO + RO_PATH) as *mut u8).add(i).write_volatile(*b);
        }
        for i in 0..16 {
            ((FIX_RO + RO_UNTERMINATED) as *mut u8).add(i).write_volatile(b'a');
        }
        sys::mprotect(FIX_RO as usize, PG as usize, PROT_READ as usize).map_err(|e| ("mprotect fixture", e))?;
    }
    check("PROT_NONE fixture", FIX_NONE, mmap_fixed(FIX_NONE, PG, PROT_NONE, anon))?;
    check("read-only fixture", FIX_RO2, mmap_fixed(FIX_RO2, PG, PROT_READ, anon))?;
    let shared = MAP_SHARED | MAP_ANONYMOUS;
    check("statistics page", FIX_STATS, mmap_fixed(FIX_STATS, PG, rw, shared))?;
    // Touch it now so it is resident before the first fork.
    // SAFETY: mapped read-write just above.
    unsafe { (FIX_STATS as *mut u32).write_volatile(0) };
    Ok(())
}
