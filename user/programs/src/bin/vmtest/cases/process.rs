//! Processes: fork, wait statuses, kill, execve.

use super::*;

pub(super) static CASES: &[Case] = &[
    case!(uname_names_the_kernel, OK, ALL, "uname fills in the kernel's name (the README's worked example)"),
    case!(fork_wait_status, OK, ALL, "exit codes, kill(SIGTERM/SIGKILL), WNOHANG, ECHILD, ESRCH, getppid"),
    case!(process_groups, OK, ALL, "setpgid/getpgid/setsid/getsid and their errors, kill(-pgid) and wait4(-pgid) reach the group only"),
    case!(fork_storm, OK, ALL, "fork until ENOMEM/EAGAIN (Linux: stop at 64 children), kill and reap all, fork works again"),
    case!(exec_args, OK, ALL, "execve replaces the image and passes argv/envp (incl. 32 x 1 KiB arguments)"),
    case!(execve_errors, OK, ALL, "execve of a non-ELF file fails ENOEXEC, of a missing file ENOENT, and returns"),
    case!(execve_e2big, OK, ALL, "execve with 1024 arguments of 120 KiB each (the same string) fails E2BIG, the caller intact"),
];

fn fork_wait_status(_ctx: &Ctx) {
    let me = sys::getpid();
    for code in [0, 1, 42, 255, 256 + 3] {
        let pid = spawn(|| code);
        let s = wait(pid);
        check!(sys::wifexited(s), "exit({}): {}", code, WaitStatus(s));
        check_eq!(
            sys::wexitstatus(s),
            code & 0xff,
            "exit status of exit({})",
            code
        );
    }
    let pid = spawn(|| if sys::getppid() == me { 0 } else { 1 });
    wait_ok(pid, "getppid() in the child");
    let pid = spawn(|| sys::exit(9));
    let s = wait(pid);
    check!(
        sys::wifexited(s) && sys::wexitstatus(s) == 9,
        "plain exit(9): {}",
        WaitStatus(s)
    );

    for sig in [sys::SIGTERM, sys::SIGKILL] {
        let pid = spawn(|| loop {
            sys::sleep_ms(1000);
        });
        // WNOHANG on a running child returns 0.
        check_eq!(
            sys::wait4(pid as i32, sys::WNOHANG).map(|r| r.0),
            Ok(0),
            "WNOHANG on a running child"
        );
        ok!(sys::kill(pid as i32, sig), "kill");
        let s = wait(pid);
        check!(
            sys::wifsignaled(s) && sys::wtermsig(s) == sig,
            "killed child: {}",
            WaitStatus(s)
        );
    }
    // waitpid(-1) reaps any child.
    let pid = spawn(|| 5);
    let (got, s) = ok!(sys::waitpid(-1, 0), "waitpid(-1)");
    check_eq!(got, pid, "waitpid(-1) pid");
    check_eq!(s, 5 << 8, "waitpid(-1) status");
    err!(
        sys::waitpid(-1, 0),
        Errno::ECHILD,
        "waitpid with no children"
    );
    err!(
        sys::wait4(-1, sys::WNOHANG),
        Errno::ECHILD,
        "wait4 WNOHANG with no children"
    );
    err!(
        sys::kill(0x3fff_fff0, 0),
        Errno::ESRCH,
        "kill of a pid that does not exist"
    );
    check!(sys::kill(me as i32, 0).is_ok(), "kill(self, 0)");
}

fn process_groups(_ctx: &Ctx) {
    let me = sys::getpid() as i32;
    let mine = ok!(sys::getpgid(0), "getpgid(0)");
    check_eq!(sys::getpgid(me), Ok(mine), "getpgid(self)");
    err!(sys::getpgid(-1), Errno::ESRCH, "getpgid(-1)");
    err!(sys::setpgid(0, -1), Errno::EINVAL, "setpgid with a negative group");
    err!(sys::setpgid(0x3fff_fff0, 0), Errno::ESRCH, "setpgid of no such process");
    err!(sys::setpgid(0, 0x3fff_fff0), Errno::EPERM, "setpgid into no such group");
    // Two children in a group of their own, one left in ours.
    let a = spawn(|| loop {
        sys::sleep_ms(1000);
    });
    let b = spawn(|| loop {
        sys::sleep_ms(1000);
    });
    let c = spawn(|| loop {
        sys::sleep_ms(1000);
    });
    check_eq!(sys::getpgid(a as i32), Ok(mine), "a child starts in its parent's group");
    ok!(sys::setpgid(a as i32, a as i32), "setpgid(a, a)");
    ok!(sys::setpgid(b as i32, a as i32), "setpgid(b, a)");
    check_eq!(sys::getpgid(b as i32), Ok(a), "b's group");
    ok!(sys::kill(-(a as i32), sys::SIGKILL), "kill(-pgid)");
    for _ in 0..2 {
        let (got, s) = ok!(sys::wait4(-(a as i32), 0), "wait4(-pgid)");
        check!(got == a || got == b, "wait4(-pgid) reaped {} (a {}, b {})", got, a, b);
        check!(sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGKILL, "{}", WaitStatus(s));
    }
    err!(sys::wait4(-(a as i32), sys::WNOHANG), Errno::ECHILD, "wait4(-pgid) of an empty group");
    err!(sys::kill(-(a as i32), 0), Errno::ESRCH, "kill(-pgid) of an empty group");
    check_eq!(sys::wait4(c as i32, sys::WNOHANG).map(|r| r.0), Ok(0), "c, in our group, untouched");
    ok!(sys::kill(c as i32, sys::SIGKILL), "kill(c)");
    wait(c);
    // A child leads a new session; then it cannot move, and we cannot move it.
    let d = spawn(|| {
        let me = sys::getpid();
        if sys::setsid() != Ok(me) || sys::getsid(0) != Ok(me) || sys::getpgid(0) != Ok(me) {
            return 1;
        }
        if sys::setsid() != Err(Errno::EPERM) || sys::setpgid(0, 0) != Err(Errno::EPERM) {
            return 2;
        }
        0
    });
    wait_ok(d, "setsid in a child");
}

fn fork_storm(ctx: &Ctx) {
    // Bounded on Linux: the host has far more memory than an i386 address space, and its
    // process limit is high; 64 children prove the bookkeeping, not exhaustion.
    let cap = if ctx.linux { 64 } else { 16384 };
    // Touch the whole vector now, not under memory pressure.
    let mut pids: Vec<u32> = alloc::vec![0; cap];
    pids.clear();
    let mut stop = None;
    while pids.len() < cap {
        match sys::fork() {
            Ok(Fork::Child) => loop {
                sys::sleep_ms(100_000);
            },
            Ok(Fork::Parent(pid)) => pids.push(pid),
            Err(e) => {
                stop = Some(e);
                break;
            }
        }
    }
    match stop {
        Some(Errno::ENOMEM) | Some(Errno::EAGAIN) | None => {}
        Some(e) => {
            for &p in &pids {
                let _ = sys::kill(p as i32, sys::SIGKILL);
            }
            crate::util::fail(
                core::panic::Location::caller(),
                format_args!("fork failed with {} (want ENOMEM or EAGAIN)", e),
            );
        }
    }
    note!(ctx, "{} children, stopped by {:?}", pids.len(), stop);
    for &p in &pids {
        ok!(sys::kill(p as i32, sys::SIGKILL), "kill child {}", p);
    }
    for &p in &pids {
        let s = wait(p);
        check!(
            sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGKILL,
            "child {}: {}",
            p,
            WaitStatus(s)
        );
    }
    err!(
        sys::waitpid(-1, sys::WNOHANG),
        Errno::ECHILD,
        "all children reaped"
    );
    let pid = spawn(|| 0);
    wait_ok(pid, "fork after the storm");
}

/// `vmtest --probe`: the image exec_args runs. Checks argv/envp, exits 33.
pub fn probe(args: &Args) -> i32 {
    if args.get(0) != Some(b"probe-argv0") || args.get(2) != Some(b"two words") {
        return 1;
    }
    if args.getenv(b"VMTEST_PROBE") != Some(b"yes") {
        return 2;
    }
    if args.len() > 3 {
        // 32 arguments of 1 KiB each, the i-th filled with b'a' + i % 26.
        if args.len() != 3 + 32 {
            return 3;
        }
        for i in 0..32 {
            let a = args.get(3 + i).unwrap_or(b"");
            if a.len() != 1024 || a.iter().any(|&c| c != b'a' + (i % 26) as u8) {
                return 4;
            }
        }
    }
    // A fresh image: the break is back near the data segment, and our pre-exec brk is gone.
    let b = sys::brk(0);
    if b == 0 {
        return 5;
    }
    33
}

fn exec_args(ctx: &Ctx) {
    for big in [false, true] {
        let pid = spawn(|| {
            let mut argv: Vec<*const u8> = Vec::new();
            argv.push(c"probe-argv0".as_ptr() as *const u8);
            argv.push(c"--probe".as_ptr() as *const u8);
            argv.push(c"two words".as_ptr() as *const u8);
            let mut bigs: Vec<Vec<u8>> = Vec::new();
            if big {
                for i in 0..32 {
                    let mut s = alloc::vec![b'a' + (i % 26) as u8; 1024];
                    s.push(0);
                    bigs.push(s);
                }
                for s in &bigs {
                    argv.push(s.as_ptr());
                }
            }
            argv.push(core::ptr::null());
            let envp = [c"VMTEST_PROBE=yes".as_ptr() as *const u8, core::ptr::null()];
            // Leave something in brk that the new image must not see.
            let b = sys::brk(0);
            sys::brk(page_up(b) + 4 * PG);
            let e = sys::execve(ctx.self_path.as_cstr(), &argv, &envp);
            eprintln!("    execve {}: {}", Bytes(ctx.self_path.as_bytes()), e);
            99
        });
        let s = wait(pid);
        check!(
            sys::wifexited(s) && sys::wexitstatus(s) == 33,
            "exec'd probe (big args: {}): {}",
            big,
            WaitStatus(s)
        );
    }
}

fn execve_errors(ctx: &Ctx) {
    let argv = [c"x".as_ptr() as *const u8, core::ptr::null()];
    let envp = [core::ptr::null()];
    let Some(notelf) = &ctx.notelf_path else {
        crate::util::fail(
            core::panic::Location::caller(),
            format_args!("no 'notelf' file found (give --notelf=PATH)"),
        );
    };
    check_eq!(
        sys::execve(notelf.as_cstr(), &argv, &envp),
        Errno::ENOEXEC,
        "execve of a non-ELF file"
    );
    check_eq!(
        sys::execve(c"/nonexistent-dir/nonexistent", &argv, &envp),
        Errno::ENOENT,
        "execve of a missing file"
    );
    // Still alive and intact after the failed execs.
    let a = map(PG);
    fill(a, PG, 1);
    expect_bytes(a, PG, 1, "memory after failed execve");
}

/// Found while extending the fuzzer to big execve argument arrays: the kernel copied every
/// argument and environment string into its heap before checking their total size (128 KiB on
/// our kernel, a quarter of the stack limit on Linux), so 1024 pointers to one 120 KiB string
/// made it allocate 120 MiB and panic when the heap could not grow. It must fail with E2BIG.
fn execve_e2big(ctx: &Ctx) {
    let len = 120 * KIB;
    let s = map(len + PG);
    fill(s, len, b'x');
    // SAFETY: inside the mapping just made; the last byte ends the string.
    unsafe { poke(s + len, 0) };
    let mut argv: Vec<*const u8> = Vec::new();
    argv.resize(1024, s as *const u8);
    argv.push(core::ptr::null());
    let envp = [core::ptr::null()];
    check_eq!(sys::execve(ctx.self_path.as_cstr(), &argv, &envp), Errno::E2BIG, "execve with 120 MiB of arguments");
    // Still alive and intact.
    expect_bytes(s, 64, b'x', "the argument string after the failed execve");
    ok!(unmap(s, len + PG), "munmap");
}

fn uname_names_the_kernel(_ctx: &Ctx) {
    let u = ok!(sys::uname(), "uname");
    check!(!sys::field_str(&u.sysname).is_empty(), "empty sysname");
    check!(!sys::field_str(&u.machine).is_empty(), "empty machine");
}
