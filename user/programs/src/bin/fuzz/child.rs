//! The fuzzing process: random system calls with arguments from biased pools, in a forked
//! child of the runner (and in its own short-lived children).
//!
//! Every choice comes from the batch's seeded stream, so a batch is replayed exactly by
//! running it again with the same seed (the prefix of C calls of a batch is the same whatever
//! the batch size). Nothing here allocates: the state lives on this process's stack, which is
//! sacred (see `world.rs`).

use crate::rng::Rng;
use crate::world::*;
use core::arch::asm;
use core::sync::atomic::Ordering::Relaxed;
use rt::sys::{self, nr};

const MAPS: usize = 32;
const KIDS: usize = 16;
const FDS: usize = 64;
/// Most processes a batch child forks (each of its children forks at most 2, grandchildren 0).
const FORKS_DEPTH0: u32 = 12;
const FORKS_DEPTH1: u32 = 2;
/// Most children alive at once per process.
const ALIVE_MAX: usize = 4;
/// Probability (1 in N per call) that the batch child ends itself on purpose.
const KAMIKAZE_DEPTH0: u32 = 20_000;

const MIB: u32 = 1024 * 1024;
const MAP_PRIVATE: u32 = 0x02;
const MAP_SHARED: u32 = 0x01;
const MAP_FIXED: u32 = 0x10;
const MAP_ANONYMOUS: u32 = 0x20;
const MAP_FIXED_NOREPLACE: u32 = 0x10_0000;
const WNOHANG: u32 = 1;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Closed,
    Console,
    File,
}

#[derive(Clone, Copy)]
struct Kid {
    pid: u32,
    alive: bool,
}

/// Known path strings for open/execve (static, so in .rodata: the kernel only reads them).
static PATHS: &[&[u8]] = &[
    b"/proc/meminfo\0",
    b"/proc/self/maps\0",
    b"/proc/ps\0",
    b"/proc\0",
    b"/proc/self\0",
    b"/proc/1\0",
    b"/proc/1/maps\0",
    b"/proc/99999/maps\0",
    b"/proc/self/maps/x\0",
    b"/proc/meminfo/\0",
    b"//proc//meminfo\0",
    b"/bin\0",
    b"/bin/\0",
    b"/\0",
    b"/bin/notelf\0",
    b"/nonexistent\0",
    b"\0",
    b".\0",
    b"..\0",
    b"bin\0",
    b"/bin/fuzz\0",
    b"/bin/fuzz/\0",
    b"/init\0",
];

/// A path longer than PATH_MAX (4096): ENAMETOOLONG.
static LONG_PATH: [u8; 4200] = {
    let mut p = [b'x'; 4200];
    p[0] = b'/';
    p[4199] = 0;
    p
};

static EXIT_NOW: &[u8] = b"--exit-now\0";
static ENV_A: &[u8] = b"FUZZ=1\0";

pub struct Fz<'w> {
    w: &'w World,
    rng: Rng,
    depth: u32,
    maps: [(u32, u32); MAPS],
    nmaps: usize,
    next_slot: usize,
    fds: [Kind; FDS],
    kids: [Kid; KIDS],
    nkids: usize,
    forks_left: u32,
    probe_fd: i32,
    brk: u32,
    sp: u32,
    /// Calls made (for the ring of last calls).
    seq: u32,
    /// mlockall(MCL_FUTURE) is in force.
    lock_future: bool,
    /// The next call must fail (and why): checked by `call`.
    must_fail: Option<&'static str>,
}

#[inline(always)]
fn is_err(r: u32) -> bool {
    r > 0xFFFF_F000
}

#[inline(always)]
fn sp() -> u32 {
    let v: u32;
    // SAFETY: reads ESP only.
    unsafe { asm!("mov {}, esp", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

/// Loads a word (may fault: that is the point of the callers).
#[inline(never)]
unsafe fn peek32(addr: u32) -> u32 {
    let v: u32;
    // SAFETY: a plain load; the caller accepts a fault.
    unsafe { asm!("mov {v}, dword ptr [{a}]", a = in(reg) addr, v = out(reg) v, options(nostack, readonly, preserves_flags)) };
    v
}

/// Stores a word (may fault).
#[inline(never)]
unsafe fn poke32(addr: u32, v: u32) {
    // SAFETY: a plain store to memory outside everything Rust uses (checked by the callers).
    unsafe { asm!("mov dword ptr [{a}], {v}", a = in(reg) addr, v = in(reg) v, options(nostack, preserves_flags)) };
}

impl<'w> Fz<'w> {
    pub fn new(w: &'w World, seed: u64, depth: u32) -> Self {
        let mut fds = [Kind::Closed; FDS];
        fds[0] = Kind::Console;
        fds[1] = Kind::Console;
        fds[2] = Kind::Console;
        Fz {
            w,
            rng: Rng::new(seed),
            depth,
            maps: [(0, 0); MAPS],
            nmaps: 0,
            next_slot: 0,
            fds,
            kids: [Kid { pid: 0, alive: false }; KIDS],
            nkids: 0,
            forks_left: FORKS_DEPTH0,
            probe_fd: -1,
            brk: w.heap_start,
            sp: sp(),
            seq: 0,
            lock_future: false,
            must_fail: None,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Calls

    fn call(&mut self, n: u32, a: [u32; 6]) -> u32 {
        let st = self.w.stats();
        let slot = (self.seq as usize) % RING;
        if self.depth == 0 {
            st.cur_nr.store(n, Relaxed);
            for (cur, v) in st.cur_args.iter().zip(a) {
                cur.store(v, Relaxed);
            }
            let e = &st.ring[slot];
            e[0].store(st.cur_index.load(Relaxed), Relaxed);
            e[1].store(n, Relaxed);
            for i in 0..6 {
                e[2 + i].store(a[i], Relaxed);
            }
            e[8].store(0xDEAD_BEEF, Relaxed); // "in progress"
            e[9].store(self.seq, Relaxed);
        }
        let must_fail = self.must_fail.take();
        // SAFETY: the generator only passes arguments the sacred-range rules allow (module
        // doc of world.rs): the kernel cannot change or overwrite anything this code uses.
        let r = unsafe { sys::syscall6(n, a[0] as usize, a[1] as usize, a[2] as usize, a[3] as usize, a[4] as usize, a[5] as usize) as u32 };
        if let Some(why) = must_fail {
            if !is_err(r) && st.violations.fetch_add(1, Relaxed) == 0 {
                st.viol_call[0].store(n, Relaxed);
                for i in 0..6 {
                    st.viol_call[1 + i].store(a[i], Relaxed);
                }
                st.viol_call[7].store(r, Relaxed);
                st.viol_why[0].store(why.as_ptr() as u32, Relaxed);
                st.viol_why[1].store(why.len() as u32, Relaxed);
            }
        }
        if self.depth == 0 {
            st.ring[slot][8].store(r, Relaxed);
            st.calls.fetch_add(1, Relaxed);
        } else {
            st.sub_calls.fetch_add(1, Relaxed);
        }
        self.seq = self.seq.wrapping_add(1);
        r
    }

    /// Declares that the next call must fail (our kernel only: Linux's limits differ).
    fn expect_fail(&mut self, cond: bool, why: &'static str) {
        if cond && !self.w.linux {
            self.must_fail = Some(why);
        }
    }

    /// `[a, a + len)` runs past the end of user space (or wraps).
    fn past_top(&self, a: u32, len: u64) -> bool {
        a as u64 + len > self.w.user_top as u64
    }

    /// As `past_top`, with `len` rounded up to pages.
    fn past_top_pages(&self, a: u32, len: u32) -> bool {
        self.past_top(a, (len as u64 + (PG - 1) as u64) & !((PG - 1) as u64))
    }

    fn track(&mut self, addr: u32, len: u32) {
        if is_err(addr) || len == 0 {
            return;
        }
        let len = len.checked_add(PG - 1).map_or(len, |l| l & !(PG - 1));
        if self.nmaps < MAPS {
            self.maps[self.nmaps] = (addr, len);
            self.nmaps += 1;
        } else {
            self.maps[self.next_slot] = (addr, len);
            self.next_slot = (self.next_slot + 1) % MAPS;
        }
    }

    // -----------------------------------------------------------------------------------------
    // Pools

    /// An address in (or next to) one of our own mappings or the brk heap.
    fn own_addr(&mut self) -> u32 {
        if self.nmaps == 0 || self.rng.chance(1, 6) {
            let span = self.brk.saturating_sub(self.w.heap_start).max(PG) + 2 * PG;
            let off = self.rng.below(span);
            let off = if self.rng.chance(3, 4) { off & !(PG - 1) } else { off };
            return self.w.heap_start.wrapping_add(off);
        }
        let (a, l) = self.maps[self.rng.below(self.nmaps as u32) as usize];
        let pages = (l / PG).max(1);
        match self.rng.below(8) {
            0..=2 => a,
            3 | 4 => a.wrapping_add(self.rng.below(pages) * PG),
            5 => a.wrapping_add(l),
            6 => a.wrapping_add(self.rng.below(l.max(1))),
            _ => a.wrapping_sub(PG),
        }
    }

    /// An adversarial address.
    fn addr(&mut self) -> u32 {
        let r = self.rng.below(100);
        match r {
            0..=44 => self.own_addr(),
            45..=49 => self.rng.pick(&[0, 1, 0xFFF, 0x1000, 0x003F_F000, 0x003F_FFFC]),
            50..=56 => {
                let k = self.w.kbad();
                self.rng.pick(k)
            }
            57..=59 => self.rng.pick(&[0xBFFF_F000, 0xBFFF_FFFF, 0xBFFF_FFF0, 0xBFFF_FFFC, 0xBFFF_E000, 0xBFFF_0000]),
            60..=67 => self.rng.pick(&[
                FIX_RO,
                FIX_RO + PG - 8,
                FIX_RO + PG - 4,
                FIX_RO + PG - 16,
                FIX_HOLE,
                FIX_NONE,
                FIX_NONE + PG - 4,
                FIX_RO2,
                FIX_RO2 + PG - 8,
                FIX_HOLE2,
            ]),
            68..=71 => {
                let w = self.w;
                self.rng.pick(&[w.image.0, w.image.0 + 0x10, w.rw.0, w.rw.1 - 4, w.image.1 - 1, w.heap_start.wrapping_sub(4)])
            }
            72..=74 => {
                let k = self.rng.below(8);
                self.rng.pick(&[self.sp, self.sp.wrapping_sub(PG * k), self.sp & !(PG - 1)])
            }
            75..=79 => self.rng.u32(),
            80..=86 => {
                let pages = (self.w.user_top - 0x0040_0000) / PG;
                0x0040_0000 + self.rng.below(pages) * PG
            }
            87..=92 => 0x0040_0000 + self.rng.below(0x400) * PG,
            93..=96 => {
                let k = self.rng.below(4);
                self.rng.pick(&[self.brk, self.brk.wrapping_sub(PG * k), self.w.heap_start])
            }
            _ => 0x4000_0000 + self.rng.below(0x4_0000) * PG,
        }
    }

    /// An adversarial length for a range starting at `addr`.
    fn len(&mut self, addr: u32) -> u32 {
        let top = self.w.user_top;
        match self.rng.below(100) {
            0..=4 => 0,
            5..=9 => self.rng.pick(&[1, 2, 3, 4, 7, 8, 15, 16, 64]),
            10..=39 => PG * (1 + self.rng.below(16)),
            40..=49 => self.rng.below(0x1_0000),
            50..=57 => PG * (1 + self.rng.below(16)) + self.rng.pick(&[1, PG - 1, 17]),
            58..=64 => self.rng.pick(&[MIB, 2 * MIB, 4 * MIB + PG, 16 * MIB, 64 * MIB]),
            65..=69 => self.rng.pick(&[256 * MIB, 0x4000_0000, 0x7FFF_FFFF, 0x8000_0000, 0xBFFF_F000, 0xC000_0000]),
            70..=76 => self.rng.pick(&[
                0xFFFF_FFFF,
                0xFFFF_F000,
                0xFFFF_F001,
                0u32.wrapping_sub(addr),
                0u32.wrapping_sub(addr).wrapping_add(1),
                top.wrapping_sub(addr),
                top.wrapping_sub(addr).wrapping_add(1),
                top.wrapping_sub(addr).wrapping_add(PG),
            ]),
            77..=89 => {
                if self.nmaps == 0 {
                    PG
                } else {
                    self.maps[self.rng.below(self.nmaps as u32) as usize].1
                }
            }
            _ => self.rng.u32(),
        }
    }

    /// A range the rules allow destroying (mapping-changing calls); falls back to an
    /// unmapped low range.
    fn destroy_range(&mut self) -> (u32, u32) {
        for _ in 0..8 {
            let a = self.addr();
            let l = self.len(a);
            if self.w.may_destroy(a, l) {
                return (a, l);
            }
        }
        // Page 0 on our kernel (never mappable); above user space on Linux.
        (if self.w.linux { 0xFFFF_F000 } else { 0 }, PG)
    }

    /// A buffer the kernel may write `len` bytes into (len chosen by the caller).
    fn write_target(&mut self, len: u32) -> u32 {
        for _ in 0..8 {
            let a = if self.rng.chance(1, 10) { 0 } else { self.addr() };
            if self.w.may_write(a, len) {
                return a;
            }
        }
        self.w.kbad()[0]
    }

    /// A buffer and length the kernel may write.
    fn write_range(&mut self) -> (u32, u32) {
        for _ in 0..8 {
            let a = self.addr();
            let l = self.len(a);
            if self.w.may_write(a, l) {
                return (a, l);
            }
        }
        (self.w.kbad()[0], PG)
    }

    /// A buffer the kernel cannot write into (read-only or PROT_NONE pages of our own that
    /// never change, "kernel" addresses): for the console, whose read would block.
    fn bad_dst(&mut self) -> u32 {
        let k = self.w.kbad();
        match self.rng.below(8) {
            0 => FIX_RO,
            1 => FIX_NONE,
            2 => FIX_RO2 + 16,
            3 => self.w.image.0,
            _ => k[self.rng.below(k.len() as u32) as usize],
        }
    }

    /// A buffer the kernel cannot read from (PROT_NONE, "kernel" addresses): for writes to
    /// the console, which must never print.
    fn bad_src(&mut self) -> u32 {
        let k = self.w.kbad();
        match self.rng.below(6) {
            0 => FIX_NONE,
            1 => FIX_NONE + 0x123,
            _ => k[self.rng.below(k.len() as u32) as usize],
        }
    }

    fn fd(&mut self) -> i32 {
        match self.rng.below(20) {
            0 => -1,
            1 => self.rng.pick(&[-100, i32::MIN, i32::MAX, 64, 63, 1000, 1 << 20]),
            2..=4 => self.rng.below(3) as i32,
            5..=7 => self.rng.below(FDS as u32 + 2) as i32,
            8..=9 if self.probe_fd >= 0 => self.probe_fd,
            _ => {
                // An open file of ours if there is one.
                let start = self.rng.below(FDS as u32) as usize;
                (0..FDS).map(|i| (start + i) % FDS).find(|&i| i >= 3 && self.fds[i] == Kind::File).map_or(3, |i| i as i32)
            }
        }
    }

    fn kind(&self, fd: i32) -> Kind {
        if (0..FDS as i32).contains(&fd) {
            self.fds[fd as usize]
        } else {
            Kind::Closed
        }
    }

    fn prot(&mut self) -> u32 {
        match self.rng.below(12) {
            0 => 0,
            1 | 2 => 1,
            3..=6 => 3,
            7 => 2,
            8 => 5,
            9 => 7,
            10 => self.rng.pick(&[4, 0x0100_0000 | 3, 0x0200_0000 | 1, 8, 0x10]),
            _ => self.rng.u32(),
        }
    }

    // -----------------------------------------------------------------------------------------
    // The operations

    fn op_mmap(&mut self, old_form: bool) {
        let anon_private = MAP_PRIVATE | MAP_ANONYMOUS;
        let mut flags = match self.rng.below(12) {
            0..=6 => anon_private,
            7 => MAP_SHARED | MAP_ANONYMOUS,
            8 => MAP_PRIVATE,
            9 => MAP_SHARED,
            10 => self.rng.pick(&[0, 3, MAP_ANONYMOUS, 0x03 | MAP_ANONYMOUS]),
            _ => self.rng.u32() & !(MAP_FIXED | MAP_FIXED_NOREPLACE),
        };
        if self.rng.chance(1, 5) {
            flags |= MAP_FIXED;
        }
        if self.rng.chance(1, 12) {
            flags |= MAP_FIXED_NOREPLACE;
        }
        for (bit, den) in [(0x8000, 10), (0x2000, 14), (0x100, 14), (0x4000, 10), (0x0001_0000, 40)] {
            if self.rng.chance(1, den) {
                flags |= bit;
            }
        }
        if self.rng.chance(1, 20) {
            flags |= 1 << self.rng.below(32);
        }
        let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
        let (addr, len) = if fixed {
            if flags & MAP_FIXED != 0 || self.w.linux {
                // (On Linux NOREPLACE could map page 0 as root.)
                self.destroy_range()
            } else {
                let a = self.addr();
                (a, self.len(a))
            }
        } else if self.rng.chance(1, 2) {
            (0, self.len(0))
        } else {
            let a = self.addr();
            (a, self.len(a))
        };
        // Shared anonymous memory is populated by fork on our kernel: tame it too.
        let shared_anon = flags & MAP_ANONYMOUS != 0 && flags & 3 != MAP_PRIVATE;
        let mut len = self.tame(len, flags & (0x8000 | 0x2000) != 0 || self.lock_future || shared_anon);
        if flags & MAP_FIXED != 0 && !self.w.may_destroy(addr, len) {
            // Taming made a range the kernel must refuse into one it would accept.
            len = PG;
            if !self.w.may_destroy(addr, len) {
                return;
            }
        }
        let fd = if flags & MAP_ANONYMOUS != 0 && self.rng.chance(3, 4) { -1 } else { self.fd() };
        let prot = self.prot();
        let off: u32 = match self.rng.below(8) {
            0..=4 => 0,
            5 => self.rng.below(8),
            6 => self.rng.pick(&[0xFFFF_F, 0x10_0000, 0xFFFF_FFFF, 0x8000_0000]),
            _ => self.rng.u32(),
        };
        let r = if old_form {
            // Byte offset in the old form: sometimes unaligned.
            let off = if self.rng.chance(1, 4) { off } else { off.wrapping_mul(PG) };
            let block = [addr, len, prot, flags, fd as u32, off];
            let p = match self.rng.below(10) {
                0 => 0,
                1 => self.w.kbad()[0],
                2 => self.rng.pick(&[FIX_NONE, FIX_NONE + PG - 8, FIX_RO2 + PG - 8, 0xFFFF_FFF0]),
                _ => block.as_ptr() as u32,
            };
            let r = self.call(nr::SYS_MMAP, [p, 0, 0, 0, 0, 0]);
            core::hint::black_box(&block);
            r
        } else {
            self.expect_fail(len == 0, "mmap2 of length 0");
            self.expect_fail(flags & MAP_FIXED != 0 && (addr % PG != 0 || self.past_top_pages(addr, len)), "MAP_FIXED range unaligned or past user space");
            self.expect_fail(flags & 3 == 0, "mmap2 neither shared nor private");
            self.call(nr::SYS_MMAP2, [addr, len, prot, flags, fd as u32, off])
        };
        self.track(r, len);
    }

    fn op_munmap(&mut self) {
        let (a, l) = self.destroy_range();
        self.expect_fail(l == 0 || a % PG != 0 || self.past_top_pages(a, l), "munmap of length 0, unaligned or past user space");
        self.call(nr::SYS_MUNMAP, [a, l, 0, 0, 0, 0]);
    }

    fn op_mprotect(&mut self) {
        let (a, l) = self.destroy_range();
        let p = self.prot();
        self.expect_fail(a % PG != 0 || (l != 0 && self.past_top_pages(a, l)), "mprotect unaligned or past user space");
        self.call(nr::SYS_MPROTECT, [a, l, p, 0, 0, 0]);
    }

    fn op_madvise(&mut self) {
        let (a, l) = self.destroy_range();
        let mut advice = match self.rng.below(10) {
            0..=3 => 4, // MADV_DONTNEED
            4..=6 => self.rng.below(4),
            7 => self.rng.pick(&[8, 9, 10, 11, 12, 14, 16, 18, 19, 20, 21, 22, 23]),
            _ => self.rng.u32(),
        };
        if self.w.linux && (advice == 100 || advice == 101) {
            advice = 4; // MADV_HWPOISON / SOFT_OFFLINE would hurt the host
        }
        self.expect_fail(a % PG != 0 || (l != 0 && self.past_top_pages(a, l)), "madvise unaligned or past user space");
        self.call(nr::SYS_MADVISE, [a, l, advice, 0, 0, 0]);
    }

    fn op_mlock(&mut self, lock: bool) {
        let a = self.addr();
        let l = self.len(a);
        let l = self.tame(l, lock);
        self.expect_fail(l != 0 && self.past_top(a, l as u64), "mlock/munlock past user space");
        self.call(if lock { nr::SYS_MLOCK } else { nr::SYS_MUNLOCK }, [a, l, 0, 0, 0, 0]);
    }

    fn op_mlockall(&mut self) {
        if self.rng.chance(1, 2) {
            if !is_err(self.call(nr::SYS_MUNLOCKALL, [0; 6])) {
                self.lock_future = false;
            }
        } else {
            // Locking everything now (MCL_CURRENT) populates every lazy mapping: rarely.
            let f = if self.rng.chance(if self.w.wild { 16 } else { 1 }, 64) {
                self.rng.pick(&[1, 3, 5, 7])
            } else {
                self.rng.pick(&[2, 4, 6, 0, 8, 0xFFFF_FFFF, 0x10])
            };
            if !is_err(self.call(nr::SYS_MLOCKALL, [f, 0, 0, 0, 0, 0])) {
                self.lock_future = f & 2 != 0;
            }
        }
    }

    /// Memory that is populated at once (MAP_POPULATE, MAP_LOCKED, mlock, after
    /// mlockall(MCL_FUTURE)) is kept small most of the time: a batch that fills all memory
    /// ends in an OOM kill (fine, but it ends the batch early).
    fn tame(&mut self, len: u32, populating: bool) -> u32 {
        if populating && len > 4 * MIB && len < 0xC000_0000 && self.rng.chance(15, 16) && !self.w.wild {
            len % (4 * MIB)
        } else {
            len
        }
    }

    fn op_mremap(&mut self) {
        for _ in 0..8 {
            let old = self.addr();
            let old_len = if self.rng.chance(1, 2) && self.nmaps > 0 {
                self.maps[self.rng.below(self.nmaps as u32) as usize].1
            } else {
                self.len(old)
            };
            let flags = match self.rng.below(10) {
                0..=2 => 0,
                3..=5 => 1,
                6 | 7 => 3,
                8 => self.rng.pick(&[2, 4, 5, 7]),
                _ => self.rng.u32(),
            };
            // The target: often near the old range (overlapping moves) or another of ours.
            let new_addr = match self.rng.below(10) {
                0..=3 => self.own_addr(),
                4 | 5 => {
                    let k = self.rng.below(16) * PG;
                    if self.rng.chance(1, 2) { old.wrapping_add(k) } else { old.wrapping_sub(k) }
                }
                _ => self.addr(),
            };
            // The new length: near the old one, or from the pool relative to the target (so
            // ranges ending exactly at or past 2^32 or the end of user space come up).
            let new_len = match self.rng.below(10) {
                0..=2 => {
                    let k = self.rng.below(16) * PG;
                    if self.rng.chance(1, 2) { old_len.wrapping_add(k) } else { old_len.wrapping_sub(k) }
                }
                3..=6 => self.len(new_addr),
                _ => self.len(old),
            };
            // The old range is what moves, shrinks or grows (growth only into free space).
            if !self.w.may_destroy(old, old_len) {
                continue;
            }
            if flags & 2 != 0 && !self.w.may_destroy(new_addr, new_len) {
                continue;
            }
            let r = self.call(nr::SYS_MREMAP, [old, old_len, new_len, flags, new_addr, 0]);
            self.track(r, new_len);
            return;
        }
        self.call(nr::SYS_MREMAP, [0, PG, PG, 0, 0, 0]);
    }

    fn op_brk(&mut self) {
        let hs = self.w.heap_start;
        let v = match self.rng.below(16) {
            0 | 1 => 0,
            2..=5 => self.brk.wrapping_add(PG * self.rng.below(16)),
            6..=8 => self.brk.wrapping_sub(PG * self.rng.below(16)),
            9 => hs.wrapping_add(self.rng.below(64 * PG)),
            10 => self.brk.wrapping_add(self.rng.pick(&[MIB, 16 * MIB, 64 * MIB, 256 * MIB, 0x4000_0000])),
            11 => hs,
            12 => self.rng.pick(&[0xB000_0000, 0xBFFF_F000, 0xC000_0000, 0xFFFF_FFFF, 0xFFFF_F000, 1]),
            13 => self.rng.pick(&[IMAGE_START, self.w.rw.0, hs.wrapping_sub(PG), FIX, FIX_END]),
            _ => self.rng.u32(),
        };
        let r = self.call(nr::SYS_BRK, [v, 0, 0, 0, 0, 0]);
        if !is_err(r) && r >= hs {
            self.brk = r;
        }
    }

    fn op_read(&mut self) {
        let fd = self.fd();
        let (buf, len) = if self.kind(fd) == Kind::Console && fd < 3 {
            // The console would block: only buffers that fail first, or nothing to read.
            if self.rng.chance(1, 4) {
                let a = self.addr();
                (a, 0)
            } else {
                let b = self.bad_dst();
                (b, 1 + self.rng.below(2 * PG))
            }
        } else {
            self.write_range()
        };
        self.expect_fail(len != 0 && self.past_top(buf, len as u64), "read into a buffer past user space");
        self.call(nr::SYS_READ, [fd as u32, buf, len, 0, 0, 0]);
    }

    fn op_write(&mut self) {
        let fd = self.fd();
        let (buf, len) = if (0..3).contains(&fd) && self.kind(fd) == Kind::Console || fd < 0 || fd >= FDS as i32 {
            // Never print: buffers that fail first, or an empty write.
            if self.rng.chance(1, 4) {
                (self.addr(), 0)
            } else {
                let b = self.bad_src();
                (b, 1 + self.rng.below(2 * PG))
            }
        } else {
            // Files are read-only (EBADF before the buffer is looked at).
            let a = self.addr();
            (a, self.len(a))
        };
        self.expect_fail(len != 0 && self.past_top(buf, len as u64), "write from a buffer past user space");
        self.call(nr::SYS_WRITE, [fd as u32, buf, len, 0, 0, 0]);
    }

    fn path(&mut self) -> u32 {
        match self.rng.below(20) {
            0..=12 => {
                let p = self.rng.pick(PATHS);
                p.as_ptr() as u32
            }
            13 => self.w.self_ptr(),
            14 => LONG_PATH.as_ptr() as u32,
            15 => self.own_addr(),
            16 => self.rng.pick(&[0, FIX_HOLE, FIX_NONE, FIX_RO + RO_UNTERMINATED, FIX_RO + RO_PATH]),
            17 => self.w.kbad()[self.rng.below(2) as usize],
            _ => self.addr(),
        }
    }

    /// `/proc/PID/maps` (or `/proc/PID`) of one of our children (maybe exiting or gone) or
    /// of our parent, built in `buf`.
    fn proc_path(&mut self, buf: &mut [u8; 32]) -> u32 {
        let pid = match self.kid_pid(false) {
            Some(p) if self.rng.chance(3, 4) => p,
            _ => self.call(nr::SYS_GETPPID, [0; 6]),
        };
        let mut digits = [0u8; 10];
        let (mut n, mut v) = (0, pid);
        loop {
            digits[n] = b'0' + (v % 10) as u8;
            n += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        let mut len = 0;
        for &b in b"/proc/" {
            buf[len] = b;
            len += 1;
        }
        for i in (0..n).rev() {
            buf[len] = digits[i];
            len += 1;
        }
        let tail: &[u8] = if self.rng.chance(3, 4) { b"/maps" } else { b"" };
        for &b in tail {
            buf[len] = b;
            len += 1;
        }
        buf[len] = 0;
        buf.as_ptr() as u32
    }

    fn op_open(&mut self) {
        let mut pbuf = [0u8; 32];
        let path = if self.rng.chance(1, 8) { self.proc_path(&mut pbuf) } else { self.path() };
        let mut flags = match self.rng.below(8) {
            0..=3 => 0,
            4 => self.rng.pick(&[1, 2, 3]),
            5 => self.rng.pick(&[0o100, 0o1000, 0o200000, 0o100 | 0o200, 0o2000000, 0o4000]),
            _ => self.rng.u32(),
        };
        if self.w.linux {
            // Never create, truncate or write anything on the host.
            flags &= !(3 | 0o100 | 0o1000 | 0o2000 | 0o20000000);
        }
        let mode = self.rng.u32();
        let r = self.call(nr::SYS_OPEN, [path, flags, mode, 0, 0, 0]);
        core::hint::black_box(&pbuf);
        if !is_err(r) && (r as usize) < FDS {
            self.fds[r as usize] = Kind::File;
        }
    }

    fn op_close(&mut self) {
        let fd = self.fd();
        if self.w.linux && fd == self.probe_fd && self.rng.chance(1, 2) {
            return;
        }
        let r = self.call(nr::SYS_CLOSE, [fd as u32, 0, 0, 0, 0, 0]);
        if !is_err(r) && (0..FDS as i32).contains(&fd) {
            self.fds[fd as usize] = Kind::Closed;
            if fd == self.probe_fd {
                self.probe_fd = -1;
            }
        }
    }

    fn op_lseek(&mut self) {
        let mut fd = self.fd();
        if self.w.linux && (0..3).contains(&fd) {
            // The host's stdio may be files shared with the runner: do not move them.
            fd = -1;
        }
        let off = self.rng.pick(&[0, 1, 0xFFFF_FFFF, 4096, 0x7FFF_FFFF, 0x8000_0000, 100]);
        let off = if self.rng.chance(1, 4) { self.rng.u32() } else { off };
        let whence = if self.rng.chance(3, 4) { self.rng.below(3) } else { self.rng.pick(&[3, 4, 5, 0xFFFF_FFFF]) };
        self.call(nr::SYS_LSEEK, [fd as u32, off, whence, 0, 0, 0]);
    }

    fn op_fstat64(&mut self) {
        let fd = self.fd();
        let buf = self.write_target(96);
        self.expect_fail(self.past_top(buf, 96), "fstat64 into a buffer past user space");
        self.call(nr::SYS_FSTAT64, [fd as u32, buf, 0, 0, 0, 0]);
    }

    fn op_getdents64(&mut self) {
        let fd = self.fd();
        let (buf, len) = self.write_range();
        self.expect_fail(len != 0 && self.past_top(buf, len as u64), "getdents64 into a buffer past user space");
        self.call(nr::SYS_GETDENTS64, [fd as u32, buf, len, 0, 0, 0]);
    }

    fn op_uname(&mut self) {
        let mut u = [0u8; 390];
        let buf = if self.rng.chance(1, 3) { u.as_mut_ptr() as u32 } else { self.write_target(390) };
        self.expect_fail(self.past_top(buf, 390), "uname into a buffer past user space");
        self.call(nr::SYS_UNAME, [buf, 0, 0, 0, 0, 0]);
        core::hint::black_box(&u);
    }

    fn op_simple(&mut self) {
        let n = self.rng.pick(&[nr::SYS_GETPID, nr::SYS_GETPPID, nr::SYS_GETUID, nr::SYS_GETUID32, nr::SYS_SCHED_YIELD]);
        let junk = [self.rng.u32(), self.rng.u32(), self.rng.u32(), 0, 0, 0];
        self.call(n, junk);
    }

    fn op_nanosleep(&mut self) {
        let ts: [u32; 2] = self.rng.pick(&[
            [0, 0],
            [0, 1],
            [0, 999],
            [0, 1_000_000],
            [0, 1_000_000_000],
            [0, 0xFFFF_FFFF],
            [0xFFFF_FFFF, 0],
            [0x8000_0000, 0],
        ]);
        let req = match self.rng.below(10) {
            0..=5 => ts.as_ptr() as u32,
            6 => 0,
            7 => self.rng.pick(&[FIX_RO + RO_TIMESPEC, FIX_RO + RO_TIMESPEC_BAD]),
            // Never memory whose contents may change (a hole can get mapped by a hint).
            8 => self.rng.pick(&[FIX_NONE, FIX_NONE + PG - 4, FIX_RO2 + PG - 4, 0xFFFF_FFFC]),
            _ => self.w.kbad()[0],
        };
        let rem = if self.rng.chance(1, 2) { 0 } else { self.write_target(8) };
        self.expect_fail(req == 0 || self.past_top(req, 8) || req >= FIX_NONE && req < FIX_NONE + PG, "nanosleep with a bad timespec pointer");
        self.call(nr::SYS_NANOSLEEP, [req, rem, 0, 0, 0, 0]);
        core::hint::black_box(&ts);
    }

    fn op_reboot(&mut self) {
        const MAGIC2: [u32; 4] = [672_274_793, 85_072_278, 369_367_448, 537_993_216];
        let r = self.rng.u32();
        let m1 = self.rng.pick(&[0, 0xfee1_dead, 0xfee1_dead, 0x2812_1969, r]);
        let r = self.rng.u32();
        let mut m2 = self.rng.pick(&[0, 1, MAGIC2[0], MAGIC2[1], r]);
        let r = self.rng.u32();
        let cmd = self.rng.pick(&[0x4321_FEDC, 0xCDEF_0123, 0x0123_4567, 0, 0x89AB_CDEF, r]);
        if m1 == 0xfee1_dead && MAGIC2.contains(&m2) {
            m2 ^= 1; // never both magics valid
        }
        if m1 == 0xfee1_dead && MAGIC2.contains(&m2) {
            m2 = 0;
        }
        let arg = self.addr();
        self.expect_fail(true, "reboot without valid magic numbers");
        self.call(nr::SYS_REBOOT, [m1, m2, cmd, arg, 0, 0]);
    }

    fn kid_pid(&mut self, alive_only: bool) -> Option<u32> {
        let n = self.nkids;
        if n == 0 {
            return None;
        }
        let start = self.rng.below(n as u32) as usize;
        (0..n).map(|i| self.kids[(start + i) % n]).find(|k| k.alive || !alive_only).map(|k| k.pid)
    }

    fn op_kill(&mut self) {
        let sig = if self.w.linux {
            self.rng.pick(&[0, 0, 9, 15, 1, 2, 10, 11, 17, 18, 64, 65, 0xFFFF_FFFF])
        } else {
            self.rng.pick(&[0, 0, 9, 15, 1, 2, 10, 11, 17, 19, 64, 65, 0xFFFF_FFFF])
        };
        let pid: i32 = match self.rng.below(8) {
            0..=3 => match self.kid_pid(self.w.linux) {
                Some(p) => p as i32,
                None => i32::MAX,
            },
            4 => {
                // Ourselves: only the existence check (dying on purpose is `kamikaze`).
                let me = self.call(nr::SYS_GETPID, [0; 6]);
                self.call(nr::SYS_KILL, [me, 0, 0, 0, 0, 0]);
                return;
            }
            _ => {
                let p = self.rng.pick(&[i32::MAX, 0x3FFF_FFFF, 99_999_999, -0x7FFF_FFF0, i32::MIN]);
                self.expect_fail(true, "kill of a process that cannot exist");
                p
            }
        };
        self.expect_fail(sig > 64, "kill with an invalid signal");
        self.call(nr::SYS_KILL, [pid as u32, sig, 0, 0, 0, 0]);
    }

    fn mark_reaped(&mut self, pid: u32) {
        for k in self.kids[..self.nkids].iter_mut() {
            if k.pid == pid {
                k.alive = false;
            }
        }
    }

    fn op_wait(&mut self) {
        let mut status = 0u32;
        let specific = self.kid_pid(false);
        let pid: i32 = match self.rng.below(8) {
            0..=2 => -1,
            3 => 0,
            4 | 5 => specific.map_or(-1, |p| p as i32),
            6 => self.rng.pick(&[i32::MAX, 99_999_999, -5, i32::MIN]),
            _ => self.rng.u32() as i32 | 0x4000_0000,
        };
        let options = match self.rng.below(10) {
            0..=5 => WNOHANG,
            6 | 7 => 0,
            8 => WNOHANG | self.rng.pick(&[2, 8, 0x4000_0000, 0x8000_0000, 0x2000_0000, 0x0100_0000]),
            _ => self.rng.u32() | WNOHANG,
        };
        // A bad status pointer reaps the child and then fails: on Linux (pid reuse) only do
        // that with a specific pid, so we still know who is gone.
        let bad_ok = !self.w.linux || pid > 0;
        let st_ptr = match self.rng.below(4) {
            0 => 0,
            1 if bad_ok => self.write_target(4),
            _ => &mut status as *mut u32 as u32,
        };
        let r = if self.rng.chance(1, 2) {
            self.call(nr::SYS_WAITPID, [pid as u32, st_ptr, options, 0, 0, 0])
        } else {
            let rusage = if self.rng.chance(1, 2) { 0 } else { self.write_target(72) };
            self.call(nr::SYS_WAIT4, [pid as u32, st_ptr, options, rusage, 0, 0])
        };
        core::hint::black_box(&status);
        if !is_err(r) && r != 0 {
            self.mark_reaped(r);
        } else if r == (-14i32) as u32 && pid > 0 {
            self.mark_reaped(pid as u32);
        }
    }

    fn op_execve_bad(&mut self) {
        let me = self.w.self_ptr();
        let good_argv = [me, EXIT_NOW.as_ptr() as u32, 0];
        let bad_elem = [me, self.w.kbad()[0], 0];
        let env = [ENV_A.as_ptr() as u32, 0];
        let bad_env_elem = [ENV_A.as_ptr() as u32, FIX_NONE, 0];
        let bad_arrays = [self.w.kbad()[0], FIX_NONE, 0xFFFF_FFFC, bad_elem.as_ptr() as u32, bad_env_elem.as_ptr() as u32];
        // Every combination here must fail: either the path is not a runnable program, or
        // the path is ours and an array is bad.
        let (path, argv, envp) = match self.rng.below(6) {
            0 => (me, self.rng.pick(&bad_arrays), env.as_ptr() as u32),
            1 => (me, good_argv.as_ptr() as u32, self.rng.pick(&bad_arrays)),
            2 => (
                self.rng.pick(&[0, FIX_HOLE, FIX_NONE, FIX_RO + RO_UNTERMINATED, FIX_RO + RO_PATH, self.w.kbad()[0]]),
                good_argv.as_ptr() as u32,
                0,
            ),
            3 => {
                let p = self.rng.pick(&[
                    b"/bin/notelf\0" as &[u8],
                    b"/nonexistent\0",
                    b"/bin\0",
                    b"/proc/meminfo\0",
                    b"\0",
                    b"/proc/self/maps\0",
                    b"/\0",
                ]);
                let argv = if self.rng.chance(1, 2) { good_argv.as_ptr() as u32 } else { 0 };
                (p.as_ptr() as u32, argv, 0)
            }
            4 => (LONG_PATH.as_ptr() as u32, good_argv.as_ptr() as u32, 0),
            _ => (me, self.rng.pick(&bad_arrays), self.rng.pick(&bad_arrays)),
        };
        self.call(nr::SYS_EXECVE, [path, argv, envp, 0, 0, 0]);
        core::hint::black_box((&good_argv, &bad_elem, &env, &bad_env_elem));
    }

    /// execve of a path that is no program with big argument/environment arrays built in a
    /// fresh mapping of ours: many pointers to one long string (the kernel must bound what it
    /// copies: E2BIG or ENOENT, never its heap).
    fn op_execve_big(&mut self) {
        let slen: u32 = self.rng.pick(&[100, 4095, 4096, 65_536, 120 * 1024, 131_071, 131_072, 200_000]);
        let count: u32 = self.rng.pick(&[1, 2, 16, 255, 1024, 1025, 4096]);
        let spages = (slen + 1).div_ceil(PG);
        let apages = ((count + 1) * 4).div_ceil(PG);
        let total = (spages + apages) * PG;
        let m = self.call(nr::SYS_MMAP2, [0, total, 3, MAP_PRIVATE | MAP_ANONYMOUS, u32::MAX, 0]);
        if is_err(m) || !self.w.may_touch(m, total) {
            return;
        }
        self.track(m, total);
        let argv = m + spages * PG;
        // SAFETY: a fresh private mapping of ours, outside everything this program uses.
        unsafe {
            for i in 0..slen / 4 {
                poke32(m + 4 * i, 0x7979_7979);
            }
            poke32(m + (slen & !3), 0x7979_7979 & !(u32::MAX << (8 * (slen & 3))));
            for i in 0..count {
                poke32(argv + 4 * i, m);
            }
            poke32(argv + 4 * count, 0);
        }
        let envp = if self.rng.chance(1, 2) { 0 } else { argv };
        self.expect_fail(true, "execve of a path that is no program");
        self.call(nr::SYS_EXECVE, [b"/nonexistent/big-args\0".as_ptr() as u32, argv, envp, 0, 0, 0]);
        self.call(nr::SYS_MUNMAP, [m, total, 0, 0, 0, 0]);
    }

    fn op_unknown(&mut self) {
        let n = if self.w.linux {
            self.rng.pick(&[1000, 2000, 0xFFFF, 0x7FFF_FFFF])
        } else {
            // Numbers from 512 up are logged on every call: rarely.
            let big = if self.rng.chance(1, 16) { 0xFFFF_FFFF } else { 511 };
            self.rng.pick(&[0, 13, 17, 31, 56, 100, 222, 223, 250, 285, 383, 511, big])
        };
        let junk = [self.rng.u32(), self.rng.u32(), 0, 0, 0, 0];
        self.expect_fail(true, "a system call that does not exist");
        self.call(n, junk);
    }

    /// Reads 4 bytes of our own file into `addr` (a write the kernel makes for us, faulting
    /// the page in); true if the page is now present and writable.
    fn probe(&mut self, addr: u32) -> bool {
        if self.probe_fd < 0 {
            let r = self.call(nr::SYS_OPEN, [self.w.self_ptr(), 0, 0, 0, 0, 0]);
            if is_err(r) {
                return false;
            }
            self.probe_fd = r as i32;
            if (r as usize) < FDS {
                self.fds[r as usize] = Kind::File;
            }
        }
        self.call(nr::SYS_LSEEK, [self.probe_fd as u32, 0, 0, 0, 0, 0]);
        self.call(nr::SYS_READ, [self.probe_fd as u32, addr, 4, 0, 0, 0]) == 4
    }

    /// Touches our own memory from user mode, after the kernel proved it writable.
    fn op_touch(&mut self) {
        let a = self.own_addr();
        self.touch_at(a);
    }

    fn touch_at(&mut self, a: u32) {
        let a = a & !3;
        if !self.w.may_touch(a, 8) || !self.w.may_write(a, 4) {
            return;
        }
        if self.probe(a) {
            let v = self.rng.u32();
            // SAFETY: the kernel just wrote these 4 bytes (present, writable) and they are
            // outside everything this program uses (may_touch).
            unsafe {
                let old = peek32(a);
                poke32(a, old ^ v);
            }
            self.w.stats().touches.fetch_add(1, Relaxed);
        }
    }

    fn op_fork(&mut self) {
        let alive = self.kids[..self.nkids].iter().filter(|k| k.alive).count();
        if self.depth >= 2 || self.forks_left == 0 || self.nkids >= KIDS {
            self.op_simple();
            return;
        }
        if alive >= ALIVE_MAX {
            // Reap one first (children end quickly).
            if let Some(p) = self.kid_pid(true) {
                let r = self.call(nr::SYS_WAITPID, [p, 0, 0, 0, 0, 0]);
                if !is_err(r) {
                    self.mark_reaped(r);
                }
            }
            return;
        }
        self.forks_left -= 1;
        let r = self.call(nr::SYS_FORK, [0; 6]);
        if r == 0 {
            self.rng = self.rng.derive(1);
            self.depth += 1;
            self.nkids = 0;
            self.forks_left = FORKS_DEPTH1;
            self.w.stats().forks.fetch_add(1, Relaxed);
            self.descendant();
        }
        self.rng = self.rng.derive(2);
        if !is_err(r) {
            self.kids[self.nkids] = Kid { pid: r, alive: true };
            self.nkids += 1;
        }
    }

    /// A structured interleaving on one fresh mapping of our own: map, fault in, then a few
    /// of protect / unmap / mremap (grow, shrink, move) / fork with the child writing the
    /// same pages / DONTNEED / lock / touch / brk, and usually unmap at the end.
    fn op_vm_sequence(&mut self) {
        let pages = 1 + self.rng.below(32);
        let mut len = pages * PG;
        let flags = if self.rng.chance(1, 6) { MAP_SHARED | MAP_ANONYMOUS } else { MAP_PRIVATE | MAP_ANONYMOUS };
        let mut a = self.call(nr::SYS_MMAP2, [0, len, 3, flags, u32::MAX, 0]);
        if is_err(a) || !self.w.may_destroy(a, len) {
            return;
        }
        self.track(a, len);
        for _ in 0..self.rng.below(pages + 1) {
            let p = a + self.rng.below(pages) * PG + self.rng.below(PG / 4) * 4;
            self.touch_at(p);
        }
        for _ in 0..3 + self.rng.below(6) {
            let cur = (len / PG).max(1);
            let k = self.rng.below(cur);
            let m = 1 + self.rng.below(cur - k);
            let (sub, sub_len) = (a + k * PG, m * PG);
            match self.rng.below(11) {
                0 => {
                    let prot = self.rng.pick(&[0, 1, 3, 3, 5, 7]);
                    self.call(nr::SYS_MPROTECT, [sub, sub_len, prot, 0, 0, 0]);
                }
                1 => {
                    self.call(nr::SYS_MUNMAP, [sub, sub_len, 0, 0, 0, 0]);
                }
                2 | 3 => {
                    let new_len = match self.rng.below(4) {
                        0 => len + PG * (1 + self.rng.below(16)),
                        1 => (len / 2).max(PG),
                        2 => len,
                        _ => PG * (1 + self.rng.below(64)),
                    };
                    let flags = if self.rng.chance(1, 4) { 0 } else { 1 };
                    let r = self.call(nr::SYS_MREMAP, [a, len, new_len, flags, 0, 0]);
                    if !is_err(r) && self.w.may_destroy(r, new_len) {
                        a = r;
                        len = new_len;
                        self.track(a, len);
                    }
                }
                4 => self.vm_fork(a, len),
                5 => {
                    self.call(nr::SYS_MADVISE, [sub, sub_len, 4, 0, 0, 0]);
                }
                6 => {
                    let n = if self.rng.chance(1, 2) { nr::SYS_MLOCK } else { nr::SYS_MUNLOCK };
                    self.call(n, [sub, sub_len, 0, 0, 0, 0]);
                }
                7 | 8 => {
                    let off = self.rng.below(PG / 4) * 4;
                    self.touch_at(sub + off);
                }
                9 => {
                    let k = self.rng.below(8) * PG;
                    let v = if self.rng.chance(1, 2) { self.brk.wrapping_add(k) } else { self.brk.wrapping_sub(k) };
                    let r = self.call(nr::SYS_BRK, [v, 0, 0, 0, 0, 0]);
                    if !is_err(r) && r >= self.w.heap_start {
                        self.brk = r;
                    }
                }
                _ => {
                    // A file mapping over part of it (MAP_FIXED): our own file, private.
                    if self.probe_fd >= 0 {
                        let prot = self.rng.pick(&[1, 3, 5]);
                        let pgoff = self.rng.below(4);
                        self.call(nr::SYS_MMAP2, [sub, sub_len, prot, MAP_PRIVATE | MAP_FIXED, self.probe_fd as u32, pgoff]);
                    }
                }
            }
        }
        if self.rng.chance(2, 3) {
            self.call(nr::SYS_MUNMAP, [a, len, 0, 0, 0, 0]);
        }
    }

    /// Forks a child that writes and reads `[a, a + len)` from user mode (copy-on-write of
    /// pages the parent also writes meanwhile), sometimes changes the mapping, and exits; the
    /// parent touches the same pages and waits for it.
    fn vm_fork(&mut self, a: u32, len: u32) {
        if self.depth >= 2 || self.forks_left == 0 {
            return;
        }
        self.forks_left -= 1;
        let r = self.call(nr::SYS_FORK, [0; 6]);
        if r == 0 {
            self.rng = self.rng.derive(3);
            self.depth += 1;
            self.nkids = 0;
            self.forks_left = 0;
            let st = self.w.stats();
            st.forks.fetch_add(1, Relaxed);
            for _ in 0..1 + self.rng.below(16) {
                let p = (a + self.rng.below(len.max(4) / 4) * 4) & !3;
                if !self.w.may_touch(p, 4) {
                    continue;
                }
                st.touches.fetch_add(1, Relaxed);
                // SAFETY: our own mapping, outside everything this program uses; a fault (the
                // parent or we changed it) kills only this child.
                unsafe {
                    if self.rng.chance(1, 3) {
                        core::hint::black_box(peek32(p));
                    } else {
                        poke32(p, self.rng.u32());
                    }
                }
                if self.rng.chance(1, 8) {
                    let half = (len / 2) & !(PG - 1);
                    match self.rng.below(3) {
                        0 => self.call(nr::SYS_MPROTECT, [a, half.max(PG), 1, 0, 0, 0]),
                        1 => self.call(nr::SYS_MUNMAP, [a + half, PG, 0, 0, 0, 0]),
                        _ => self.call(nr::SYS_MREMAP, [a, len, len + PG, 1, 0, 0]),
                    };
                }
            }
            sys::exit(0)
        }
        self.rng = self.rng.derive(4);
        if is_err(r) {
            return;
        }
        for _ in 0..self.rng.below(8) {
            let p = a + self.rng.below(len.max(4) / 4) * 4;
            self.touch_at(p);
        }
        let mut status = 0u32;
        self.call(nr::SYS_WAITPID, [r, &mut status as *mut u32 as u32, 0, 0, 0, 0]);
        core::hint::black_box(&status);
    }

    /// One random operation.
    fn step(&mut self) {
        match self.rng.below(137) {
            128..=135 => self.op_vm_sequence(),
            136 => self.op_execve_big(),
            0..=13 => self.op_mmap(false),
            14..=16 => self.op_mmap(true),
            17..=26 => self.op_munmap(),
            27..=36 => self.op_mprotect(),
            37..=43 => self.op_mremap(),
            44..=48 => self.op_madvise(),
            49..=51 => self.op_mlock(true),
            52 | 53 => self.op_mlock(false),
            54 => self.op_mlockall(),
            55..=60 => self.op_brk(),
            61..=65 => self.op_read(),
            66..=69 => self.op_write(),
            70..=74 => self.op_open(),
            75..=77 => self.op_close(),
            78 | 79 => self.op_lseek(),
            80..=82 => self.op_fstat64(),
            83 | 84 => self.op_getdents64(),
            85 => self.op_uname(),
            86..=89 => self.op_simple(),
            90 => self.op_nanosleep(),
            91 => self.op_reboot(),
            92..=94 => self.op_kill(),
            95..=98 => self.op_wait(),
            99 | 100 => self.op_execve_bad(),
            101 => self.op_unknown(),
            102..=111 => self.op_touch(),
            _ => self.op_fork(),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Lives

    /// Seeds the pools with a few mappings of our own.
    fn prologue(&mut self) {
        for len in [PG, 8 * PG, 64 * PG] {
            let r = self.call(nr::SYS_MMAP2, [0, len, 3, MAP_PRIVATE | MAP_ANONYMOUS, u32::MAX, 0]);
            self.track(r, len);
        }
        // And one high up (first fit puts the others low): ranges starting there and
        // running long reach 2^32.
        let hint = 0x8000_0000 + self.rng.below(0x3E00) * 0x1_0000;
        let len = PG * (1 + self.rng.below(16));
        let r = self.call(nr::SYS_MMAP2, [hint, len, 3, MAP_PRIVATE | MAP_ANONYMOUS, u32::MAX, 0]);
        self.track(r, len);
    }

    /// The batch child: `calls` random operations, then reap everything and exit 0.
    pub fn run_batch(&mut self, calls: u32) -> ! {
        self.prologue();
        let st = self.w.stats();
        // `calls` system calls (an operation may make several: the batch ends after the one
        // that reaches the count, so a shorter batch is a prefix of a longer one).
        let mut op = 0;
        while self.seq < calls {
            st.cur_index.store(op, Relaxed);
            if self.rng.chance(1, KAMIKAZE_DEPTH0) {
                self.kamikaze();
            }
            self.step();
            op += 1;
        }
        self.reap_all();
        if self.rng.chance(1, 2) {
            sys::exit_group(0)
        } else {
            sys::exit(0)
        }
    }

    /// Kills our remaining children and reaps every one of them.
    fn reap_all(&mut self) {
        for i in 0..self.nkids {
            if self.kids[i].alive {
                let _ = sys::kill(self.kids[i].pid as i32, sys::SIGKILL);
            }
        }
        loop {
            match sys::waitpid(-1, 0) {
                Ok(_) | Err(rt::Errno::EINTR) => {}
                Err(_) => break,
            }
        }
        self.nkids = 0;
    }

    /// A forked descendant: a few random calls, user-mode touches, an exec of ourselves, or
    /// a death; never returns.
    fn descendant(&mut self) -> ! {
        let st = self.w.stats();
        match self.rng.below(20) {
            0..=8 => {
                let n = self.rng.below(24);
                for _ in 0..n {
                    self.step();
                }
            }
            9..=13 => {
                // Raw touches of our own (COW-shared) memory: faults, COW breaks; may die.
                for _ in 0..1 + self.rng.below(32) {
                    let a = self.own_addr() & !3;
                    if !self.w.may_touch(a, 4) {
                        continue;
                    }
                    st.touches.fetch_add(1, Relaxed);
                    // SAFETY: outside everything this program uses; a fault kills only us.
                    unsafe {
                        if self.rng.chance(1, 2) {
                            core::hint::black_box(peek32(a));
                        } else {
                            poke32(a, self.rng.u32());
                        }
                    }
                }
            }
            14..=16 => {
                let me = self.w.self_ptr();
                let argv = [me, EXIT_NOW.as_ptr() as u32, 0];
                let env = [ENV_A.as_ptr() as u32, 0];
                st.execs.fetch_add(1, Relaxed);
                let envp = if self.rng.chance(1, 2) { env.as_ptr() as u32 } else { 0 };
                self.call(nr::SYS_EXECVE, [me, argv.as_ptr() as u32, envp, 0, 0, 0]);
                core::hint::black_box((&argv, &env));
            }
            17 => {}
            _ => self.kamikaze(),
        }
        let code = self.rng.below(256);
        if self.rng.chance(1, 2) {
            sys::exit(code as i32)
        } else {
            sys::exit_group(code as i32)
        }
    }

    /// Dies on purpose, in one of many ways (a signal, or exit).
    fn kamikaze(&mut self) -> ! {
        self.w.stats().kamikaze.fetch_add(1, Relaxed);
        let text = (self.w.image.0, self.w.rw.0 - self.w.image.0);
        let stack_page = self.sp & !(PG - 1);
        // SAFETY (all arms): this process is meant to end here; nothing after the fault or
        // the destroyed mapping is relied upon.
        unsafe {
            match self.rng.below(13) {
                0 => poke32(0, 1),
                1 => {
                    core::hint::black_box(peek32(self.w.kbad()[0]));
                }
                2 => {
                    let me = self.call(nr::SYS_GETPID, [0; 6]);
                    let sig = self.rng.pick(&[9, 15, 11, 1, 2]);
                    self.call(nr::SYS_KILL, [me, sig, 0, 0, 0, 0]);
                }
                3 => {
                    self.call(nr::SYS_MUNMAP, [text.0, text.1, 0, 0, 0, 0]);
                }
                4 => {
                    self.call(nr::SYS_MUNMAP, [stack_page.wrapping_sub(16 * PG), 32 * PG, 0, 0, 0, 0]);
                }
                5 => {
                    let prot = self.rng.pick(&[0, 1]);
                    self.call(nr::SYS_MPROTECT, [stack_page.wrapping_sub(4 * PG), 8 * PG, prot, 0, 0, 0]);
                }
                6 => {
                    self.call(nr::SYS_MPROTECT, [text.0, text.1, 0, 0, 0, 0]);
                }
                7 => asm!("ud2"),
                8 => asm!("int3"),
                9 => {
                    let zero = core::hint::black_box(0u32);
                    asm!("xor edx, edx", "div {z}", z = in(reg) zero, inout("eax") 1u32 => _, out("edx") _);
                }
                10 => {
                    let me = self.w.self_ptr();
                    let argv = [me, EXIT_NOW.as_ptr() as u32, 0];
                    self.call(nr::SYS_EXECVE, [me, argv.as_ptr() as u32, 0, 0, 0, 0]);
                    core::hint::black_box(&argv);
                }
                11 => {
                    // Jump into the kernel half / nowhere.
                    let target = self.w.kbad()[0];
                    asm!("jmp {t}", t = in(reg) target, options(noreturn));
                }
                _ => {}
            }
        }
        sys::exit_group(0)
    }
}
