//! `bench`: address-space micro-benchmarks, one static binary for our kernel and Linux.
//!
//! Timing is `rdtsc` in user mode. Under QEMU `-icount shift=0` the guest TSC counts executed
//! guest instructions, so every figure is a count of guest instructions (both kernels run in
//! the same QEMU with the same flags). Each workload runs `REPS` times; nothing is printed
//! inside a timed section: raw values are kept in arrays and printed at the end as
//! `bench-raw ...` lines, which `tools/bench-report.sh` summarises (median, min, max).
//!
//! ```text
//! W1 demand-zero  mmap 16 MiB anonymous private; write one byte per 4 KiB page; munmap
//!                 (three timed parts: the mmap call, the touch loop, the munmap call)
//! W2 fork         with N MiB touched (N = 0, 1, 16, 64, 256): raw fork; the child exit_group(0)s
//!                 at once; the parent wait4s it (timed: fork + exit + wait)
//! W3 COW break    with 16 MiB touched: fork; the child writes one byte per page and exits;
//!                 the parent waits (timed like W2)
//! W4 map churn    10,000 x (mmap one page, write it, munmap)
//! W5 boot         the very first action prints `bench: first-line tsc=N` (TSC at init's
//!                 first line); the host subtracts the kernel-entry TSC
//! W6 mremap move  64 MiB touched, moved with mremap(MREMAP_MAYMOVE | MREMAP_FIXED) onto a
//!                 reserved range (timed: the mremap call; report per page)
//! W7 mincore      mincore of the same 64 MiB, resident (timed: the call; report per page)
//! ```
//!
//! Before every W2/W3 repetition the region is written again (untimed), so each repetition
//! forks a process whose N MiB are private, resident and writable.
//!
//! Run as pid 1 (init) it powers the machine off at the end with `reboot(RB_POWER_OFF)` (Linux
//! must never see init exit); run as any other pid (e.g. on a host Linux) it just exits 0.
//! Options: `--quick` (1 repetition, small sizes: a smoke test, figures meaningless);
//! `--reps=N` (1..5 repetitions); `--only=W1,W3` (run only those workloads; each repetition
//! is bracketed by calls of the never-inlined `profile_mark`, which `tools/bench-profile.sh`
//! uses to cut its instruction trace).
#![no_std]
#![no_main]

use core::ptr::write_volatile;
use rt::prelude::*;
use rt::sys::{nr, syscall0, syscall1, syscall3, syscall4, syscall5};

rt::entry!(main);

const PAGE: usize = 4096;
const MIB: usize = 1 << 20;
const REPS: usize = 5;
const W1_BYTES: usize = 16 * MIB;
const W2_MIBS: [usize; 5] = [0, 1, 16, 64, 256];
const W3_BYTES: usize = 16 * MIB;
const W4_ITERS: usize = 10_000;
const W6_BYTES: usize = 64 * MIB;

struct Sizes {
    reps: usize,
    w1: usize,
    w2_scale: usize, // W2 sizes are W2_MIBS[i] * MIB / w2_scale
    w3: usize,
    w4: usize,
    w6: usize,
}

fn main(args: Args) -> i32 {
    // W5: the TSC at init's first line. This must stay the very first thing the program does.
    let first = rt::rdtsc();
    println!("bench: first-line tsc={}", first);

    let quick = args.iter().any(|a| a == b"--quick");
    let only = args.iter().find(|a| a.starts_with(b"--only=")).map(|a| &a[7..]);
    let run = |w: &[u8]| match only {
        None => true,
        Some(list) => list.split(|&b| b == b',').any(|x| x == w),
    };
    let reps_arg = args
        .iter()
        .find(|a| a.starts_with(b"--reps="))
        .and_then(|a| rt::fs::parse_usize(&a[7..]))
        .map(|n| n.clamp(1, REPS));
    let mut sz = if quick {
        Sizes { reps: 1, w1: MIB, w2_scale: 16, w3: MIB, w4: 100, w6: MIB }
    } else {
        Sizes { reps: REPS, w1: W1_BYTES, w2_scale: 1, w3: W3_BYTES, w4: W4_ITERS, w6: W6_BYTES }
    };
    if let Some(n) = reps_arg {
        sz.reps = n;
    }

    // Warm-up (untimed): the first fork, wait and mmap of the process touch stack pages,
    // kernel caches and page tables that later repetitions find ready.
    let _ = fork_exit_wait();
    churn(10);

    // W1: demand-zero faults.
    let mut w1 = [[0u64; 3]; REPS];
    if run(b"W1") {
        for r in w1.iter_mut().take(sz.reps) {
            profile_mark();
            *r = demand_zero(sz.w1);
            profile_mark();
        }
    }

    // W2: fork + exit + wait with N MiB touched.
    let mut w2 = [[0u64; REPS]; W2_MIBS.len()];
    for (i, &mib) in W2_MIBS.iter().enumerate() {
        if !run(b"W2") && !(run(b"W2@64") && mib == 64) {
            continue;
        }
        let len = mib * MIB / sz.w2_scale;
        let region = Region::new(len);
        for r in w2[i].iter_mut().take(sz.reps) {
            region.touch();
            profile_mark();
            *r = fork_exit_wait();
            profile_mark();
        }
        drop(region);
    }

    // W3: COW break of every page in the child.
    let mut w3 = [0u64; REPS];
    if run(b"W3") {
        let region = Region::new(sz.w3);
        for r in w3.iter_mut().take(sz.reps) {
            region.touch();
            profile_mark();
            *r = fork_cow_wait(&region);
            profile_mark();
        }
    }

    // W4: map churn.
    let mut w4 = [0u64; REPS];
    if run(b"W4") {
        for r in w4.iter_mut().take(sz.reps) {
            profile_mark();
            let t0 = rt::rdtsc();
            churn(sz.w4);
            *r = rt::rdtsc() - t0;
            profile_mark();
        }
    }

    // W6 and W7: mremap moving 64 MiB of resident pages; mincore of 64 MiB.
    let mut w6 = [0u64; REPS];
    let mut w7 = [0u64; REPS];
    if run(b"W6") || run(b"W7") {
        for rep in 0..sz.reps {
            let (mv, mc) = remap_and_mincore(sz.w6);
            w6[rep] = mv;
            w7[rep] = mc;
        }
    }

    // Everything timed is done: print.
    match sys::uname() {
        Ok(u) => println!(
            "bench: kernel {} {} {}, pid {}",
            Bytes(sys::field_str(&u.sysname)),
            Bytes(sys::field_str(&u.release)),
            Bytes(sys::field_str(&u.machine)),
            sys::getpid()
        ),
        Err(e) => println!("bench: uname failed: {}", e),
    }
    let pages = |len: usize| len / PAGE;
    let reps = |w: &[u8]| if run(w) { sz.reps } else { 0 };
    for (rep, r) in w1.iter().take(reps(b"W1")).enumerate() {
        println!(
            "bench-raw W1 rep={} pages={} mmap={} touch={} munmap={}",
            rep,
            pages(sz.w1),
            r[0],
            r[1],
            r[2]
        );
    }
    for (i, &mib) in W2_MIBS.iter().enumerate() {
        let n = if run(b"W2") || (run(b"W2@64") && mib == 64) { sz.reps } else { 0 };
        for (rep, v) in w2[i].iter().take(n).enumerate() {
            println!(
                "bench-raw W2 mib={} rep={} pages={} fork_exit_wait={}",
                mib,
                rep,
                pages(mib * MIB / sz.w2_scale),
                v
            );
        }
    }
    for (rep, v) in w3.iter().take(reps(b"W3")).enumerate() {
        println!(
            "bench-raw W3 rep={} pages={} fork_cow_exit_wait={}",
            rep,
            pages(sz.w3),
            v
        );
    }
    for (rep, v) in w4.iter().take(reps(b"W4")).enumerate() {
        println!("bench-raw W4 rep={} iters={} total={}", rep, sz.w4, v);
    }
    for (rep, v) in w6.iter().take(reps(b"W6")).enumerate() {
        println!("bench-raw W6 rep={} pages={} mremap={}", rep, pages(sz.w6), v);
    }
    for (rep, v) in w7.iter().take(reps(b"W7")).enumerate() {
        println!("bench-raw W7 rep={} pages={} mincore={}", rep, pages(sz.w6), v);
    }
    println!("bench: done");

    if sys::getpid() == 1 {
        // We are init: power off (on Linux init must never exit).
        if let Err(e) = sys::reboot(sys::RB_POWER_OFF) {
            println!("bench: reboot(RB_POWER_OFF) failed: {}", e);
        }
    }
    0
}

/// Brackets a profiled workload: an address `tools/bench-profile.sh` finds in the symbols.
#[inline(never)]
#[no_mangle]
pub extern "C" fn profile_mark() {
    // SAFETY: an empty asm statement; it only keeps the function from being merged away.
    unsafe { core::arch::asm!("nop", options(nomem, nostack)) };
}

/// A private anonymous read-write mapping, unmapped on drop.
struct Region {
    addr: usize,
    len: usize,
}

impl Region {
    fn new(len: usize) -> Region {
        if len == 0 {
            return Region { addr: 0, len: 0 };
        }
        match sys::mmap_anon(len, sys::PROT_READ | sys::PROT_WRITE, 0) {
            Ok(addr) => Region { addr, len },
            Err(e) => fail("mmap", e),
        }
    }

    /// Writes one byte into every page.
    fn touch(&self) {
        touch(self.addr, self.len);
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        if self.len != 0 {
            // SAFETY: the mapping is ours and no Rust object lives in it.
            if let Err(e) = unsafe { sys::munmap(self.addr, self.len) } {
                fail("munmap", e);
            }
        }
    }
}

fn fail(what: &str, e: Errno) -> ! {
    println!("bench: {} failed: {}", what, e);
    if sys::getpid() == 1 {
        let _ = sys::reboot(sys::RB_POWER_OFF);
    }
    sys::exit_group(1)
}

#[inline(always)]
fn touch(addr: usize, len: usize) {
    let mut p = addr;
    while p < addr + len {
        // SAFETY: `p` lies in a private read-write mapping owned by this program.
        unsafe { write_volatile(p as *mut u8, 1) };
        p += PAGE;
    }
}

/// W1: returns the cycles of (mmap, touch loop, munmap) for one `len`-byte region.
fn demand_zero(len: usize) -> [u64; 3] {
    let t0 = rt::rdtsc();
    let addr = match sys::mmap_anon(len, sys::PROT_READ | sys::PROT_WRITE, 0) {
        Ok(a) => a,
        Err(e) => fail("mmap", e),
    };
    let t1 = rt::rdtsc();
    touch(addr, len);
    let t2 = rt::rdtsc();
    // SAFETY: the mapping was created above and holds no Rust object.
    let r = unsafe { sys::munmap(addr, len) };
    let t3 = rt::rdtsc();
    if let Err(e) = r {
        fail("munmap", e);
    }
    [t1 - t0, t2 - t1, t3 - t2]
}

/// Raw `fork` (syscall 2): the child's pid in the parent, 0 in the child.
#[inline(always)]
fn raw_fork() -> u32 {
    // SAFETY: fork duplicates the process; this one is single-threaded.
    let pid = unsafe { syscall0(nr::SYS_FORK) };
    match Errno::from_ret(pid) {
        Ok(pid) => pid as u32,
        Err(e) => fail("fork", e),
    }
}

/// `_exit(code)` as a C library does it: raw exit_group.
#[inline(always)]
fn raw_exit(code: usize) -> ! {
    // SAFETY: exit_group does not return.
    unsafe { syscall1(nr::SYS_EXIT_GROUP, code) };
    sys::exit(code as i32)
}

/// Raw `wait4(pid, &status, 0, NULL)`; returns the status.
#[inline(always)]
fn raw_wait(pid: u32) -> i32 {
    let mut status: i32 = 0;
    loop {
        // SAFETY: the kernel writes one i32 into `status`.
        let r = unsafe {
            syscall4(nr::SYS_WAIT4, pid as usize, &mut status as *mut i32 as usize, 0, 0)
        };
        match Errno::from_ret(r) {
            Ok(_) => return status,
            Err(Errno::EINTR) => {}
            Err(e) => fail("wait4", e),
        }
    }
}

/// W2: fork; the child exits at once; the parent waits. Returns the cycles.
fn fork_exit_wait() -> u64 {
    let t0 = rt::rdtsc();
    let pid = raw_fork();
    if pid == 0 {
        raw_exit(0)
    }
    let status = raw_wait(pid);
    let t1 = rt::rdtsc();
    check_status(status);
    t1 - t0
}

/// W3: fork; the child writes one byte into every page of `region` and exits; the parent
/// waits. Returns the cycles.
fn fork_cow_wait(region: &Region) -> u64 {
    let t0 = rt::rdtsc();
    let pid = raw_fork();
    if pid == 0 {
        touch(region.addr, region.len);
        raw_exit(0)
    }
    let status = raw_wait(pid);
    let t1 = rt::rdtsc();
    check_status(status);
    t1 - t0
}

fn check_status(status: i32) {
    if status != 0 {
        println!("bench: child ended with {}", rt::WaitStatus(status));
        if sys::getpid() == 1 {
            let _ = sys::reboot(sys::RB_POWER_OFF);
        }
        sys::exit_group(1)
    }
}

/// W4: `iters` x (mmap one page, write it, munmap).
#[inline(never)]
fn churn(iters: usize) {
    for _ in 0..iters {
        let addr = match sys::mmap_anon(PAGE, sys::PROT_READ | sys::PROT_WRITE, 0) {
            Ok(a) => a,
            Err(e) => fail("mmap", e),
        };
        // SAFETY: a fresh private read-write page.
        unsafe { write_volatile(addr as *mut u8, 1) };
        // SAFETY: the page was mapped above and holds no Rust object.
        if let Err(e) = unsafe { sys::munmap(addr, PAGE) } {
            fail("munmap", e);
        }
    }
}

/// W6/W7: `len` bytes touched, then (timed) moved by mremap onto a reserved range of the same
/// size, then (timed) mincore of the moved range. Returns (mremap, mincore) cycles.
fn remap_and_mincore(len: usize) -> (u64, u64) {
    let src = Region::new(len);
    src.touch();
    let dst = match sys::mmap_anon(len, 0, 0) {
        Ok(a) => a,
        Err(e) => fail("mmap", e),
    };
    const MREMAP_MAYMOVE: usize = 1;
    const MREMAP_FIXED: usize = 2;
    let t0 = rt::rdtsc();
    // SAFETY: moves our own mapping onto our own reserved range; no Rust object lives there.
    let r = unsafe { syscall5(nr::SYS_MREMAP, src.addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst) };
    let t1 = rt::rdtsc();
    if r != dst {
        fail("mremap", Errno::from_ret(r).err().unwrap_or(Errno::EINVAL));
    }
    core::mem::forget(src); // its range is gone: moved
    let mut buf = [0u8; W6_BYTES / PAGE];
    let vec = &mut buf[..len / PAGE];
    let t2 = rt::rdtsc();
    // SAFETY: `vec` is a writable buffer of one byte per page.
    let m = unsafe { syscall3(nr::SYS_MINCORE, dst, len, vec.as_mut_ptr() as usize) };
    let t3 = rt::rdtsc();
    if m != 0 || vec.iter().any(|&b| b != 1) {
        fail("mincore", Errno::from_ret(m).err().unwrap_or(Errno::EINVAL));
    }
    // SAFETY: the moved mapping is ours.
    if let Err(e) = unsafe { sys::munmap(dst, len) } {
        fail("munmap", e);
    }
    (t1 - t0, t3 - t2)
}
