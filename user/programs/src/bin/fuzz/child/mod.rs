//! The fuzzing process: random system calls with arguments from biased pools, in a forked
//! child of the runner (and in its own short-lived children).
//!
//! Every choice comes from the batch's seeded stream, so a batch is replayed exactly by
//! running it again with the same seed (the prefix of C calls of a batch is the same whatever
//! the batch size). Nothing here allocates: the state lives on this process's stack, which is
//! sacred (see `world.rs`).
//!
//! This file holds the state and `call`, through which every system call goes; the rest is
//! split by family: `pools` (where arguments come from), `memory`, `files`, `process`,
//! `system` (uname, ids, nanosleep, reboot, unknown numbers), `futex`, `vm` (user-mode touches, the VM
//! sequence) and `lives` (the operation chooser, the batch child, descendants, dying on
//! purpose).

use crate::guide::Schedule;
use crate::rng::Rng;
use crate::world::*;
use core::arch::asm;
use core::sync::atomic::Ordering::Relaxed;
use rt::abi::flags::*;
use rt::sys::{self, nr};

/// `self.call(n, args)` with the arguments computed first (they may draw from `self`).
macro_rules! sc {
    ($s:expr, $n:expr, $a:expr) => {{
        let n: u32 = $n;
        let a: [u32; 6] = $a;
        $s.call(n, a)
    }};
}

/// `sc!` for a call whose result is not needed.
macro_rules! sc0 {
    ($s:expr, $n:expr, $a:expr) => {{
        let _ = sc!($s, $n, $a);
    }};
}

mod files;
mod futex;
mod lives;
mod memory;
mod paths;
mod pools;
mod process;
mod signals;
mod sockets;
mod streams;
mod surface;
mod system;
mod threads;
mod vm;
mod waits;

pub use paths::clean_scratch;

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
    /// When the batch child switches streams (its genome: guide.rs).
    sched: Schedule,
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
    /// Signals (bit `sig - 1`) we catch or ignore: the only ones sent to ourselves.
    handled: u64,
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
    pub fn new(w: &'w World, sched: Schedule, depth: u32) -> Self {
        let mut fds = [Kind::Closed; FDS];
        fds[0] = Kind::Console;
        fds[1] = Kind::Console;
        fds[2] = Kind::Console;
        Fz {
            w,
            rng: Rng::new(sched.first_seed()),
            sched,
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
            handled: 0,
            must_fail: None,
        }
    }

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
}
