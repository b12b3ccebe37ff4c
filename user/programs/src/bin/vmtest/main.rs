//! `vmtest`: the ring-3 virtual-memory test suite (xv6 usertests/cowtest/lazytests, LTP and
//! Linux selftests/mm re-expressed as our own cases). See user/README.md.
//!
//! ```text
//! vmtest [OPTIONS] [CASE...]
//!   (no CASE)            run every case
//!   --kernel=ours|linux  which kernel this is (default: uname sysname "Linux" means Linux,
//!                        anything else, or a failing uname, means ours)
//!   --strict-leaks       MemFree (/proc/meminfo) must be the same before and after each case
//!   --timeout=SECS       kill a case after SECS seconds (default 120, 0 = never)
//!   --self=PATH          readable file used by the file tests (default: argv[0] if it has a
//!                        '/', else argv[0] searched in $PATH, else /bin/vmtest, /vmtest)
//!   --notelf=PATH        executable non-ELF file (default: "notelf" next to --self, /bin/notelf,
//!                        /notelf)
//!   --direct             run the (single) case in this process, without fork
//!   --force              also run "our kernel only" cases on Linux (test-linux.sh does this
//!                        for oom_kill inside a 64 MiB memory cgroup, where it is safe)
//!   --list               list the cases and what each proves
//!   -v                   cases print notes on stderr
//! ```
//!
//! Every case runs in a forked child; the runner checks its wait status against the expected
//! one and prints `test NAME ... ok`, `... FAILED (reason)` or `... skipped (reason)`, then
//! `N passed, N failed` last. Exit status: the number of failed cases (at most 125).
#![no_std]
#![no_main]

extern crate alloc;

mod cases;
mod util;

use cases::{Case, Expect, Runs, SELFTESTS};
use rt::fs::{parse_usize, CBuf};
use rt::prelude::*;
use rt::WaitStatus;
use util::{Ctx, KERNEL_BASE};

rt::entry!(main);

struct Opts {
    timeout: u32,
    direct: bool,
}

fn usage() -> i32 {
    eprintln!(
        "usage: vmtest [--kernel=ours|linux] [--strict-leaks] [--timeout=SECS] [--self=PATH] \
         [--notelf=PATH] [--direct] [--force] [--list] [-v] [CASE...]"
    );
    2
}

fn readable(p: &[u8]) -> Option<CBuf<256>> {
    let c = CBuf::<256>::from_parts(&[p])?;
    // Under allocation-failure injection an open may fail for lack of kernel memory: that
    // says nothing about the file, so try again a few times.
    for _ in 0..8 {
        match rt::fs::Fd::open(c.as_cstr(), sys::O_RDONLY) {
            Ok(_) => return Some(c),
            Err(Errno::ENOMEM) => continue,
            Err(_) => return None,
        }
    }
    None
}

fn main(args: Args) -> i32 {
    if args.get(1) == Some(b"--probe-bss") {
        return cases::probe_bss(); // first, before anything writes .bss
    }
    if args.get(1) == Some(b"--probe-fpu") {
        return cases::probe_fpu(); // first, before anything could touch the registers
    }
    if args.get(1) == Some(b"--probe-tls") {
        return cases::probe_tls();
    }
    if args.get(1) == Some(b"--probe-ids") {
        return cases::probe_ids(&args);
    }
    if args.get(1) == Some(b"--probe") {
        return cases::probe(&args);
    }
    if args.get(1) == Some(b"--probe-persona") {
        return cases::probe_persona();
    }
    if args.get(1) == Some(b"--probe-limits") {
        return cases::probe_limits();
    }
    if args.get(1) == Some(b"--probe-signals") {
        return cases::probe_signals();
    }
    let mut kernel: Option<bool> = None; // Some(true) = Linux
    let mut strict = false;
    let mut force = false;
    let mut verbose = false;
    let mut list = false;
    let mut opts = Opts {
        timeout: 120,
        direct: false,
    };
    let mut self_arg: Option<&[u8]> = None;
    let mut notelf_arg: Option<&[u8]> = None;
    let mut names: Vec<&[u8]> = Vec::new();
    for a in args.iter().skip(1) {
        match a {
            b"--kernel=ours" => kernel = Some(false),
            b"--kernel=linux" => kernel = Some(true),
            b"--strict-leaks" => strict = true,
            b"--direct" => opts.direct = true,
            b"--force" => force = true,
            b"--list" => list = true,
            b"-v" => verbose = true,
            _ if a.starts_with(b"--timeout=") => match parse_usize(&a[10..]) {
                Some(t) => opts.timeout = t as u32,
                None => return usage(),
            },
            _ if a.starts_with(b"--self=") => self_arg = Some(&a[7..]),
            _ if a.starts_with(b"--notelf=") => notelf_arg = Some(&a[9..]),
            _ if a.starts_with(b"-") => return usage(),
            _ => names.push(a),
        }
    }
    if list {
        for c in cases::all() {
            let only = match c.runs {
                Runs::Everywhere => "",
                Runs::OurKernelOnly(_) => " [our kernel only]",
            };
            println!("{:<20} {}{}", c.name, c.what, only);
        }
        println!("not run unless named:");
        for c in SELFTESTS {
            println!("{:<20} {}", c.name, c.what);
        }
        return 0;
    }

    let linux = kernel.unwrap_or_else(|| match sys::uname() {
        Ok(u) => sys::field_str(&u.sysname) == b"Linux",
        Err(_) => false,
    });

    // The file the file-based cases read and map: this binary.
    let argv0 = args.get(0).unwrap_or(b"");
    let self_path = match self_arg {
        // Given explicitly: trusted without opening it (under allocation-failure injection an
        // open may fail for lack of kernel memory; the cases that use the file report that).
        Some(p) => CBuf::<256>::from_parts(&[p]),
        None if argv0.contains(&b'/') => readable(argv0),
        // Started by name (e.g. from our sh): look where a shell would have found us.
        None => args.getenv(b"PATH").and_then(|path| {
            path.split(|&b| b == b':')
                .filter(|d| !d.is_empty())
                .find_map(|d| {
                    let sep: &[u8] = if d.ends_with(b"/") { b"" } else { b"/" };
                    CBuf::<256>::from_parts(&[d, sep, argv0]).and_then(|p| readable(p.as_bytes()))
                })
        }),
    }
    .or_else(|| readable(b"/bin/vmtest"))
    .or_else(|| readable(b"/vmtest"));
    let Some(self_path) = self_path else {
        eprintln!("vmtest: cannot find a readable copy of myself; give --self=PATH");
        return 2;
    };
    let notelf_path = match notelf_arg {
        Some(p) => readable(p),
        None => {
            let s = self_path.as_bytes();
            let dir = match s.iter().rposition(|&b| b == b'/') {
                Some(i) => &s[..=i],
                None => b"./" as &[u8],
            };
            CBuf::<256>::from_parts(&[dir, b"notelf"]).and_then(|p| readable(p.as_bytes()))
        }
    }
    .or_else(|| readable(b"/bin/notelf"))
    .or_else(|| readable(b"/notelf"));

    let ctx = Ctx {
        linux,
        strict,
        verbose,
        self_path,
        notelf_path,
        user_top: user_top(linux),
    };

    // Select the cases.
    let mut selected: Vec<&'static Case> = Vec::new();
    if names.is_empty() {
        selected.extend(cases::all());
    } else {
        for n in &names {
            match cases::all()
                .chain(SELFTESTS)
                .find(|c| c.name.as_bytes() == *n)
            {
                Some(c) => selected.push(c),
                None => {
                    eprintln!("vmtest: no case named '{}' (see --list)", Bytes(n));
                    return 2;
                }
            }
        }
    }

    if opts.direct {
        if selected.len() != 1 {
            eprintln!("vmtest: --direct needs exactly one case");
            return 2;
        }
        (selected[0].run)(&ctx);
        return 0;
    }

    println!(
        "vmtest: {} cases on {} kernel{}",
        selected.len(),
        if linux { "the Linux" } else { "our" },
        if strict { ", strict leak checks" } else { "" }
    );
    // Case 0 is a warm-up that is not reported: the runner's own first fork/wait/meminfo path
    // touches stack and page tables; doing it once before measuring keeps the leak check exact.
    let (mut passed, mut failed, mut skipped) = (0u32, 0u32, 0u32);
    for (i, case) in core::iter::once(&WARMUP).chain(selected).enumerate() {
        if let (true, false, Runs::OurKernelOnly(why)) = (linux, force, case.runs) {
            println!("test {} ... skipped ({})", case.name, why);
            skipped += 1;
            continue;
        }
        if verbose && i > 0 {
            eprintln!("  running {}", case.name);
        }
        let before = if strict {
            rt::fs::mem_free_kib().ok()
        } else {
            None
        };
        let verdict = run_one(case, &ctx, &opts);
        let verdict = match (verdict, before) {
            (Verdict::Ok, Some(before)) => leak_check(before),
            (v, _) => v,
        };
        if i == 0 {
            if !matches!(verdict, Verdict::Ok) {
                println!("vmtest: warm-up run: {}", verdict);
            }
            continue;
        }
        match verdict {
            Verdict::Ok => {
                println!("test {} ... ok", case.name);
                passed += 1;
            }
            v => {
                println!("test {} ... FAILED ({})", case.name, v);
                failed += 1;
            }
        }
    }
    if skipped > 0 {
        println!("{} skipped", skipped);
    }
    println!("{} passed, {} failed", passed, failed);
    failed.min(125) as i32
}

fn warmup(_ctx: &Ctx) {}
static WARMUP: Case = Case {
    name: "warmup",
    expect: Expect::Exit(0),
    runs: Runs::Everywhere,
    what: "",
    run: warmup,
};

enum Verdict {
    Ok,
    Status { got: i32, want: Expect },
    Timeout(u32),
    ForkFailed(Errno),
    WaitFailed(Errno),
    Leak { before: usize, after: usize },
    NoMeminfo(Errno),
}

impl core::fmt::Display for Verdict {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Verdict::Ok => f.write_str("ok"),
            Verdict::Status { got, want } => {
                write!(f, "{}, expected ", WaitStatus(got))?;
                match want {
                    Expect::Exit(c) => write!(f, "exit status {}", c),
                    Expect::Signal(s) => {
                        write!(f, "killed by {}", sys::signal_name(s).unwrap_or("?"))
                    }
                }
            }
            Verdict::Timeout(s) => write!(f, "timed out after {} s, killed", s),
            Verdict::ForkFailed(e) => write!(f, "runner fork failed: {}", e),
            Verdict::WaitFailed(e) => write!(f, "runner waitpid failed: {}", e),
            Verdict::Leak { before, after } => {
                if after < before {
                    write!(
                        f,
                        "leaked {} KiB: MemFree {} -> {} kB",
                        before - after,
                        before,
                        after
                    )
                } else {
                    write!(
                        f,
                        "MemFree grew by {} KiB: {} -> {} kB",
                        after - before,
                        before,
                        after
                    )
                }
            }
            Verdict::NoMeminfo(e) => write!(f, "/proc/meminfo: {}", e),
        }
    }
}

/// Compares MemFree with `before`, allowing a kernel that frees asynchronously up to 200 ms.
fn leak_check(before: usize) -> Verdict {
    let mut after = 0;
    for _ in 0..20 {
        after = match rt::fs::mem_free_kib() {
            Ok(a) => a,
            Err(e) => return Verdict::NoMeminfo(e),
        };
        if after == before {
            return Verdict::Ok;
        }
        sys::sleep_ms(10);
    }
    Verdict::Leak { before, after }
}

/// Runs `case` in a child with a watchdog child; returns how it went.
fn run_one(case: &Case, ctx: &Ctx, opts: &Opts) -> Verdict {
    let pid = match sys::fork() {
        Ok(Fork::Child) => {
            (case.run)(ctx);
            sys::exit_group(0)
        }
        Ok(Fork::Parent(pid)) => pid,
        Err(e) => return Verdict::ForkFailed(e),
    };
    // The watchdog sleeps, then kills the case and exits 0; if the case ends first the runner
    // kills the watchdog (so "watchdog exited normally" means "timed out").
    let watchdog = if opts.timeout > 0 {
        match sys::fork() {
            Ok(Fork::Child) => {
                let _ = sys::nanosleep(opts.timeout, 0);
                let _ = sys::kill(pid as i32, sys::SIGKILL);
                sys::exit_group(0)
            }
            Ok(Fork::Parent(w)) => Some(w),
            Err(_) => None, // run without a watchdog rather than not at all
        }
    } else {
        None
    };
    let (status, timed_out) = sys::wait_with_watchdog(pid, watchdog);
    let status = match status {
        Ok(s) => s,
        Err(e) => return Verdict::WaitFailed(e),
    };
    if timed_out {
        return Verdict::Timeout(opts.timeout);
    }
    let ok = match case.expect {
        Expect::Exit(c) => sys::wifexited(status) && sys::wexitstatus(status) == c,
        Expect::Signal(s) => sys::wifsignaled(status) && sys::wtermsig(status) == s,
    };
    if ok {
        Verdict::Ok
    } else {
        Verdict::Status {
            got: status,
            want: case.expect,
        }
    }
}

/// Where user space ends: 0xC0000000 on our kernel and on a 32-bit Linux (3G/1G split), just
/// below 4 GiB for an i386 program on a 64-bit Linux kernel.
fn user_top(linux: bool) -> usize {
    let bits64 = sys::uname().is_ok_and(|u| sys::field_str(&u.machine) == b"x86_64");
    if linux && bits64 {
        0xFFFF_E000
    } else {
        KERNEL_BASE
    }
}
