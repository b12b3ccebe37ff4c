//! `fuzz`: the system-call fuzzer. See user/README.md ("The fuzzer").
//!
//! ```text
//! fuzz --run | [--seed S] [--calls N] [--batch K] [--from B] [--timeout SECS]
//!      [--kernel=ours|linux] [--no-leak-check] [--progress P]
//! fuzz --exit-now          (what the fuzzer execs itself with: exits 0 at once)
//! ```
//!
//! The runner (this process; init on our kernel) runs N calls as batches of K: for each batch
//! it forks a child that makes K random system calls with adversarial arguments (and forks a
//! few short-lived children of its own), waits for it under a watchdog, reaps any orphaned
//! grandchildren, and on our kernel checks that `/proc/meminfo`'s MemFree is exactly back to
//! its baseline. Batch B's calls depend only on (S, B), so `--seed S --from B --batch K
//! --calls K` replays it alone. Exit status 0 = pass, 1 = a failure, 2 = bad usage.
#![no_std]
#![no_main]

mod child;
mod guide;
mod report;
mod rng;
mod world;

use core::sync::atomic::Ordering::Relaxed;
use rt::prelude::*;
use report::{print_ring, Args6, Cursor, Mem};
use world::{World, PG};

rt::entry!(main);

struct Opts {
    seed: u64,
    calls: u64,
    batch: u32,
    from: u64,
    timeout: u32,
    leak_check: bool,
    progress: u64,
    kernel: Option<bool>,
    verbose: bool,
    wild: bool,
    /// Coverage guidance (guide.rs): the corpus file, and batch markers for the host.
    corpus: Option<&'static [u8]>,
    marks: bool,
}

fn usage() -> i32 {
    eprintln!(
        "usage: fuzz --run | [--seed S] [--calls N] [--batch K] [--from B] [--timeout SECS] \
         [--kernel=ours|linux] [--no-leak-check] [--progress P] [--wild] [-v] [--marks] [--corpus FILE]"
    );
    2
}

fn parse_u64(s: &[u8]) -> Option<u64> {
    let (digits, radix) = match s {
        [b'0', b'x' | b'X', rest @ ..] => (rest, 16),
        _ => (s, 10),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in digits {
        if b == b'_' || b == b',' {
            continue;
        }
        let d = (b as char).to_digit(radix)? as u64;
        n = n.checked_mul(radix as u64)?.checked_add(d)?;
    }
    Some(n)
}

/// Writes every page of 64 KiB of stack below us, so the runner never faults on its stack
/// again (no copy-on-write or demand-zero fault while a child holds memory, and the leak
/// check never sees the runner's own stack grow).
#[inline(never)]
fn prefault_stack() {
    let mut buf = [0u8; 64 * 1024];
    for i in (0..buf.len()).step_by(PG as usize) {
        // SAFETY: in bounds; volatile so the writes happen.
        unsafe { core::ptr::write_volatile(buf.as_mut_ptr().add(i), 1) };
    }
    core::hint::black_box(&buf);
}

extern "C" {
    static __data_start: u8;
    static _end: u8;
}

fn stack_pointer() -> u32 {
    let v: u32;
    // SAFETY: reads ESP only.
    unsafe { core::arch::asm!("mov {}, esp", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

/// How a batch ended.
enum End {
    /// Exit 0, or killed by a signal (both fine).
    Fine { signal: Option<i32>, stragglers: u32 },
    /// Did not end within the timeout (killed).
    Hang { stuck: bool },
    /// Orphaned grandchildren did not end.
    StragglersHang,
    /// Exited with a non-zero status (the fuzzer itself failed, or an exec that must fail
    /// succeeded).
    BadExit(i32),
    ForkFailed(Errno),
    WaitFailed(Errno),
}

fn run_batch(w: &World, opts: &Opts, corpus: &guide::Corpus, index: u64, calls: u32) -> End {
    let genome = corpus.pick(opts.seed, index, calls);
    if opts.marks {
        println!("fuzz: input {} {}", index, genome);
        guide::mark(index as u32);
    }
    w.stats().reset();
    let pid = match sys::fork() {
        Ok(Fork::Child) => {
            let mut fz = child::Fz::new(w, guide::Schedule::new(genome), 0);
            fz.run_batch(calls)
        }
        Ok(Fork::Parent(p)) => p,
        Err(e) => return End::ForkFailed(e),
    };
    let watchdog = match sys::fork() {
        Ok(Fork::Child) => {
            let _ = sys::nanosleep(opts.timeout, 0);
            let _ = sys::kill(pid as i32, sys::SIGKILL);
            sys::exit_group(0)
        }
        Ok(Fork::Parent(p)) => Some(p),
        Err(_) => None,
    };
    prefault_stack();
    let (status, timed_out) = sys::wait_with_watchdog(pid, watchdog);
    let status = match status {
        Ok(s) => s,
        Err(e) => return End::WaitFailed(e),
    };
    // Orphans (children of a batch child that died early) are ours now on our kernel (init).
    let mut stragglers = 0;
    let mut polls = 0;
    loop {
        match sys::waitpid(-1, sys::WNOHANG) {
            Ok((0, _)) => {
                polls += 1;
                if polls > 1000 {
                    return End::StragglersHang;
                }
                sys::sleep_ms(10);
            }
            Ok(_) => stragglers += 1,
            Err(Errno::EINTR) => {}
            Err(_) => break,
        }
    }
    // Whatever the batch left in the scratch tree (the runner is root: it can remove it all).
    child::clean_scratch();
    if timed_out {
        return End::Hang { stuck: !sys::wifsignaled(status) };
    }
    if sys::wifexited(status) {
        if sys::wexitstatus(status) != 0 {
            return End::BadExit(status);
        }
        End::Fine { signal: None, stragglers }
    } else {
        End::Fine { signal: Some(sys::wtermsig(status)), stragglers }
    }
}

/// MemFree in kB, retried for up to 200 ms until it equals `want`.
fn settle_mem_free(want: usize) -> Result<usize, Errno> {
    let mut got = 0;
    for _ in 0..20 {
        got = rt::fs::mem_free_kib()?;
        if got == want {
            return Ok(got);
        }
        sys::sleep_ms(10);
    }
    Ok(got)
}

fn main(args: Args) -> i32 {
    if args.get(1) == Some(b"--exit-now") {
        return 0;
    }
    if args.len() < 2 {
        return usage();
    }
    let mut opts = Opts {
        seed: 0,
        calls: 20_000,
        batch: 1000,
        from: 0,
        timeout: 60,
        leak_check: true,
        progress: 100,
        kernel: None,
        verbose: false,
        wild: false,
        corpus: None,
        marks: false,
    };
    let mut seed_given = false;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let (key, inline): (&[u8], Option<&[u8]>) = match a.iter().position(|&b| b == b'=') {
            Some(i) if a.starts_with(b"--") => (&a[..i], Some(&a[i + 1..])),
            _ => (a, None),
        };
        let mut value = |inline: Option<&'static [u8]>| -> Option<u64> { parse_u64(inline.or_else(|| it.next())?) };
        match key {
            b"--run" => {}
            b"-v" | b"--verbose" => opts.verbose = true,
            b"--wild" => opts.wild = true,
            b"--marks" => opts.marks = true,
            b"--corpus" => match inline.or_else(|| it.next()) {
                Some(p) => opts.corpus = Some(p),
                None => return usage(),
            },
            b"--no-leak-check" => opts.leak_check = false,
            b"--kernel" => match inline {
                Some(b"ours") => opts.kernel = Some(false),
                Some(b"linux") => opts.kernel = Some(true),
                _ => return usage(),
            },
            b"--seed" => match value(inline) {
                Some(v) => {
                    opts.seed = v;
                    seed_given = true;
                }
                None => return usage(),
            },
            b"--calls" => match value(inline) {
                Some(v) => opts.calls = v,
                None => return usage(),
            },
            b"--batch" => match value(inline) {
                Some(v) if v > 0 && v <= u32::MAX as u64 => opts.batch = v as u32,
                _ => return usage(),
            },
            b"--from" => match value(inline) {
                Some(v) => opts.from = v,
                None => return usage(),
            },
            b"--timeout" => match value(inline) {
                Some(v) if v > 0 && v < 1_000_000 => opts.timeout = v as u32,
                _ => return usage(),
            },
            b"--progress" => match value(inline) {
                Some(v) if v > 0 => opts.progress = v,
                _ => return usage(),
            },
            _ => return usage(),
        }
    }
    if !seed_given {
        // AT_RANDOM: 16 random bytes from the kernel; else the time stamp counter.
        opts.seed = match args.auxv(rt::start::AT_RANDOM) {
            // SAFETY: the kernel's auxv entry points at 16 readable bytes.
            Some(p) if p != 0 => (unsafe { core::ptr::read_unaligned(p as *const u64) }) ^ rt::rdtsc(),
            _ => rt::rdtsc(),
        } & 0xFFFF_FFFF;
    }
    let linux = opts.kernel.unwrap_or_else(|| match sys::uname() {
        Ok(u) => sys::field_str(&u.sysname) == b"Linux",
        Err(_) => false,
    });
    let leak_check = opts.leak_check && !linux;

    // The world: our image, heap and stack, and this program's path.
    let argv0 = args.get(0).unwrap_or(b"");
    let mut self_path = [0u8; 256];
    let default_self: &[u8] = if linux { b"/proc/self/exe" } else { b"/bin/fuzz" };
    let p = if !argv0.is_empty() && argv0.len() < 255 { argv0 } else { default_self };
    self_path[..p.len()].copy_from_slice(p);
    // Linker-script symbols: only their addresses are used.
    let (data_start, end) = (core::ptr::addr_of!(__data_start) as u32, core::ptr::addr_of!(_end) as u32);
    let page_up = |a: u32| (a + PG - 1) & !(PG - 1);
    let sp = stack_pointer();
    let user_top = if linux { world::USER_END_LINUX } else { world::USER_END_OURS };
    let w = World {
        linux,
        user_top,
        image: (world::IMAGE_START, page_up(end)),
        rw: (data_start & !(PG - 1), page_up(end)),
        heap_start: sys::brk(0) as u32,
        stack_lo: (sp & !(PG - 1)).saturating_sub(16 * 1024 * 1024 + 64 * 1024),
        self_path,
        wild: opts.wild,
    };
    if linux {
        // Nothing inherited beyond stdio may be read by accident (a pipe would block).
        for fd in 3..256 {
            let _ = sys::close(fd);
        }
        // A terminal as stdin (init of a Linux VM) blocks a read before it checks the
        // buffer: read /dev/null instead.
        if let Ok(fd) = sys::open(c"/dev/null", sys::O_RDONLY, 0) {
            // SAFETY: no pointer arguments.
            unsafe { sys::syscall2(sys::nr::SYS_DUP2, fd as usize, 0) };
            let _ = sys::close(fd);
        }
    }
    if let Err((what, e)) = world::setup_fixtures() {
        println!("fuzz: cannot map the {} at {:#x}: {}", what, world::FIX, e);
        return 1;
    }
    let corpus = match opts.corpus.map(guide::Corpus::load) {
        None => guide::Corpus::EMPTY,
        Some(Ok(c)) => c,
        Some(Err(why)) => {
            println!("fuzz: {}", why);
            return 1;
        }
    };
    if opts.corpus.is_some() {
        println!("fuzz: corpus of {} inputs (coverage-guided: docs/coverage.md)", corpus.len());
    }
    if opts.marks {
        if let Err(e) = guide::map_mark_page() {
            println!("fuzz: cannot map the marker page at {:#x}: {}", guide::MARK, e);
            return 1;
        }
    }
    prefault_stack();

    let batches = opts.calls.div_ceil(opts.batch as u64);
    println!(
        "fuzz: seed {} ({:#x}), {} calls in {} batches of {} from batch {}, {} kernel, leak check {}, watchdog {} s",
        opts.seed,
        opts.seed,
        opts.calls,
        batches,
        opts.batch,
        opts.from,
        if linux { "the Linux" } else { "our" },
        if leak_check { "on (MemFree exact after each batch)" } else { "off" },
        opts.timeout
    );
    if opts.from > 0 || opts.batch != 1000 {
        println!("fuzz: reproduce with: make fuzz SEED={} N={} FROM={} BATCH={}", opts.seed, opts.calls, opts.from, opts.batch);
    } else {
        println!("fuzz: reproduce with: make fuzz SEED={} N={}", opts.seed, opts.calls);
    }

    // Warm-up: one small unreported batch, so the runner's own first fork/wait/meminfo path
    // has touched everything it will touch before the baseline is taken.
    let warm = Opts { seed: opts.seed ^ 0xA5A5_5A5A, marks: false, ..opts };
    if let End::Hang { .. } = run_batch(&w, &warm, &guide::Corpus::EMPTY, u64::MAX - 1, 50) {
        println!("fuzz: FAIL: the warm-up batch hung");
        return 1;
    }
    let mut baseline = if leak_check {
        match rt::fs::mem_free_kib() {
            Ok(v) => {
                println!("fuzz: baseline MemFree {} kB", v);
                Some(v)
            }
            Err(e) => {
                println!("fuzz: FAIL: /proc/meminfo: {}", e);
                return 1;
            }
        }
    } else {
        None
    };

    let st = w.stats();
    let (mut calls, mut sub_calls, mut forks, mut execs, mut touches, mut kamikaze) = (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    let (mut signaled, mut stragglers_total) = (0u64, 0u64);
    let mut sigs = [0u32; 32];
    let mut failures = 0u32;
    let mut left = opts.calls;
    let mut done_batches = 0u64;
    while left > 0 {
        let index = opts.from + done_batches;
        let k = left.min(opts.batch as u64) as u32;
        let end = run_batch(&w, &opts, &corpus, index, k);
        left -= k as u64;
        done_batches += 1;
        calls += st.calls.load(Relaxed) as u64;
        sub_calls += st.sub_calls.load(Relaxed) as u64;
        forks += st.forks.load(Relaxed) as u64;
        execs += st.execs.load(Relaxed) as u64;
        touches += st.touches.load(Relaxed) as u64;
        kamikaze += st.kamikaze.load(Relaxed) as u64;
        let bseed = rng::batch_seed(opts.seed, index);
        let mut failed: Option<(&str, i32)> = None;
        match end {
            End::Fine { signal, stragglers } => {
                stragglers_total += stragglers as u64;
                if let Some(s) = signal {
                    signaled += 1;
                    sigs[(s as usize).min(31)] += 1;
                    if opts.verbose {
                        println!("fuzz: batch {}: the child was killed by {}", index, sys::signal_name(s).unwrap_or("a signal"));
                        print_ring(st);
                    }
                }
            }
            End::Hang { stuck } => {
                println!(
                    "fuzz: FAIL batch {} (batch seed {:#018x}): the child did not end within {} s{}; it was at call #{}: syscall {} ({:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x})",
                    index,
                    bseed,
                    opts.timeout,
                    if stuck { " and survived SIGKILL" } else { " (killed)" },
                    st.cur_index.load(Relaxed),
                    st.cur_nr.load(Relaxed),
                    st.cur_args[0].load(Relaxed),
                    st.cur_args[1].load(Relaxed),
                    st.cur_args[2].load(Relaxed),
                    st.cur_args[3].load(Relaxed),
                    st.cur_args[4].load(Relaxed),
                    st.cur_args[5].load(Relaxed)
                );
                print_ring(st);
                failed = Some(("hang", 0));
            }
            End::StragglersHang => {
                println!("fuzz: FAIL batch {} (batch seed {:#018x}): orphaned grandchildren did not end within 10 s", index, bseed);
                report::print_survivors();
                failed = Some(("hang", 0));
            }
            End::BadExit(s) => {
                println!("fuzz: FAIL batch {} (batch seed {:#018x}): the child {}", index, bseed, rt::WaitStatus(s));
                print_ring(st);
                failed = Some(("exit", s));
            }
            End::ForkFailed(e) => {
                println!("fuzz: FAIL batch {}: the runner's fork failed: {}", index, e);
                failed = Some(("fork", 0));
            }
            End::WaitFailed(e) => {
                println!("fuzz: FAIL batch {}: the runner's waitpid failed: {}", index, e);
                failed = Some(("wait", 0));
            }
        }
        let violations = st.violations.load(Relaxed);
        if violations > 0 && failed.is_none() {
            let v = |i: usize| st.viol_call[i].load(Relaxed);
            let (p, n) = (st.viol_why[0].load(Relaxed), st.viol_why[1].load(Relaxed) as usize);
            // SAFETY: the address and length of a static string of this very program, stored by
            // one of its processes (same image, same addresses).
            let why = unsafe { core::slice::from_raw_parts(p as *const u8, n.min(200)) };
            println!(
                "fuzz: FAIL batch {} (batch seed {:#018x}): {} call(s) succeeded that must fail; the first: {}{} = {:#x}: {}",
                index,
                bseed,
                violations,
                v(0),
                Args6([v(1), v(2), v(3), v(4), v(5), v(6)]),
                v(7),
                Bytes(why)
            );
            failed = Some(("violation", 0));
        }
        if let (Some(base), None) = (baseline, failed) {
            match settle_mem_free(base) {
                Ok(now) if now == base => {}
                Ok(now) => {
                    if now < base {
                        println!(
                            "fuzz: FAIL batch {} (batch seed {:#018x}): LEAK: MemFree {} -> {} kB ({} KiB not returned)",
                            index,
                            bseed,
                            base,
                            now,
                            base - now
                        );
                    } else {
                        println!(
                            "fuzz: FAIL batch {} (batch seed {:#018x}): MemFree grew {} -> {} kB (+{} KiB: freed twice?)",
                            index,
                            bseed,
                            base,
                            now,
                            now - base
                        );
                    }
                    baseline = Some(now);
                    failed = Some(("leak", 0));
                }
                Err(e) => {
                    println!("fuzz: FAIL: /proc/meminfo: {}", e);
                    failed = Some(("meminfo", 0));
                }
            }
        }
        if let Some((what, _)) = failed {
            failures += 1;
            println!(
                "fuzz:   reproduce this batch alone: make fuzz SEED={} FROM={} N={} BATCH={}{}{}",
                opts.seed,
                index,
                k,
                opts.batch,
                if opts.corpus.is_some() { " CORPUS=" } else { "" },
                Bytes(opts.corpus.unwrap_or(b""))
            );
            if what == "hang" || what == "fork" || what == "wait" || failures >= 10 {
                println!("fuzz: stopping after this failure");
                break;
            }
        }
        if done_batches % opts.progress == 0 || left == 0 {
            let mem = if leak_check { rt::fs::mem_free_kib().unwrap_or(0) } else { 0 };
            println!(
                "fuzz: batch {}/{}: {} calls (+{} in descendants), {} forks, {} execs, {} touches, {} children killed by signals, {} orphans reaped, {} failures{}{}",
                done_batches,
                batches,
                calls,
                sub_calls,
                forks,
                execs,
                touches,
                signaled,
                stragglers_total,
                failures,
                if leak_check { ", MemFree kB " } else { "" },
                Mem(leak_check, mem)
            );
        }
    }
    let mut sig_text = [0u8; 200];
    let mut n = 0;
    for (s, &c) in sigs.iter().enumerate() {
        if c > 0 {
            let mut wtr = Cursor { buf: &mut sig_text, len: n };
            let _ = core::fmt::write(&mut wtr, format_args!(" {}:{}", sys::signal_name(s as i32).unwrap_or("sig"), c));
            n = wtr.len;
        }
    }
    println!(
        "fuzz: children ended by signals:{} (deliberate deaths {})",
        Bytes(&sig_text[..n]),
        kamikaze
    );
    if failures == 0 {
        println!(
            "fuzz: PASS: {} calls (+{} in descendants) in {} batches, seed {}: no hang, every child ended{}",
            calls,
            sub_calls,
            done_batches,
            opts.seed,
            if leak_check { ", MemFree back to its baseline after every batch" } else { "" }
        );
        0
    } else {
        println!("fuzz: FAIL: {} failure(s) in {} batches, seed {}", failures, done_batches, opts.seed);
        1
    }
}
