//! `linit`: the ring-3 suite's runner as init, for booting the suite on a Linux kernel
//! (`make test-linux`: an initramfs with this program as `/init` and the suite's binaries in
//! `/bin`). It also runs as init on our kernel.
//!
//! As init on Linux it must prepare what a real init would: `mkdir /proc` + `mount proc` (for
//! `/proc/meminfo`; `ENOSYS` from our kernel is tolerated), and it must never exit: at the end
//! it powers the machine off with `reboot(RB_POWER_OFF)` (when it is pid 1).
//!
//! It runs, each in a forked child started with `execve`:
//! * `vmtest` (every case; on our kernel with `--strict-leaks`), whose own `test ... ok/FAILED`
//!   lines are part of the report;
//!   on Linux with `--force`, so the "our kernel only" case `oom_kill` runs too (vmtest skips
//!   it on a Linux host, where it would wake the host's OOM killer; in this virtual machine
//!   the OOM killer is the guest's);
//! * checks of the runner itself and of the small programs, judged by exit status or signal;
//! * the glibc C tests, when the initramfs has `/bin/c_run` (user/c/, `make test-linux`):
//!   c_run runs each C test program and its `test ... ok/FAILED/skipped` lines are part of the
//!   report.
//!
//! Output: one `test NAME ... ok | FAILED (why) | skipped (why)` line per check of its own,
//! then `linit: done`. The host counts every `test` line of the console.
#![no_std]
#![no_main]

use core::ffi::CStr;
use rt::prelude::*;
use rt::sys::{nr, syscall2, syscall5};
use rt::WaitStatus;

rt::entry!(main);

/// What a check expects of its child.
#[derive(Clone, Copy)]
enum Want {
    Exit(i32),
    Signal(i32),
    /// Any normal exit (the program reports its own verdicts).
    AnyExit,
}

struct Counts {
    passed: u32,
    failed: u32,
}

fn main(_args: Args) -> i32 {
    println!("linit: pid {}", sys::getpid());
    let linux = match sys::uname() {
        Ok(u) => {
            println!(
                "linit: kernel {} {}",
                Bytes(sys::field_str(&u.sysname)),
                Bytes(sys::field_str(&u.release))
            );
            sys::field_str(&u.sysname) == b"Linux"
        }
        Err(e) => {
            println!("linit: uname failed ({}): taking this for our kernel", e);
            false
        }
    };
    mount_proc();

    let mut c = Counts { passed: 0, failed: 0 };
    let kernel_arg: &[u8] = if linux { b"--kernel=linux\0" } else { b"--kernel=ours\0" };

    // The suite. Cases whose checks rely on our kernel's exact accounting run without those
    // checks on Linux (no --strict-leaks); vmtest prints its own verdicts.
    if linux {
        println!(
            "test strict_leak_checks ... skipped (exact MemFree accounting is our kernel's: \
             Linux's MemFree moves with caches and per-CPU lists, so vmtest runs without \
             --strict-leaks)"
        );
        // --force: also the "our kernel only" cases (oom_kill), which vmtest skips on a Linux
        // host because they would wake the host's OOM killer; here the OOM killer is this
        // virtual machine's own.
        println!("linit: vmtest --force: the OOM killer here is this virtual machine's, not a host's");
        run(
            &mut c,
            "vmtest_suite_completed",
            &[b"/bin/vmtest\0", kernel_arg, b"--force\0", b"--timeout=120\0"],
            Want::AnyExit,
            true,
        );
    } else {
        run(
            &mut c,
            "vmtest_suite_completed",
            &[b"/bin/vmtest\0", kernel_arg, b"--strict-leaks\0", b"--timeout=120\0"],
            Want::AnyExit,
            true,
        );
    }

    // The runner catches failures: three self-test cases fail (exit status 3), an unknown case
    // is a usage error (2), a single case run directly dies by its signal.
    run(
        &mut c,
        "vmtest_runner_catches_failures",
        &[b"/bin/vmtest\0", kernel_arg, b"--timeout=1\0", b"selftest_fail\0", b"selftest_wrong_signal\0", b"selftest_hang\0"],
        Want::Exit(3),
        false,
    );
    run(&mut c, "vmtest_unknown_case", &[b"/bin/vmtest\0", b"no_such_case\0"], Want::Exit(2), false);
    run(
        &mut c,
        "vmtest_direct",
        &[b"/bin/vmtest\0", kernel_arg, b"--direct\0", b"null_read\0"],
        Want::Signal(sys::SIGSEGV),
        false,
    );

    // The small programs, and a program built outside our tooling.
    run(&mut c, "hello", &[b"/bin/hello\0", b"a\0", b"b c\0"], Want::Exit(0), true);
    run(&mut c, "echo", &[b"/bin/echo\0", b"one\0", b"two\0"], Want::Exit(0), true);
    run(&mut c, "cat_file", &[b"/bin/cat\0", b"/bin/notelf\0"], Want::Exit(0), true);
    run(&mut c, "cat_missing_file", &[b"/bin/cat\0", b"/nonexistent\0"], Want::Exit(1), false);
    if exists(c"/bin/hello32") {
        run(&mut c, "hand_assembled_elf", &[b"/bin/hello32\0", b"one\0", b"two\0"], Want::Exit(42), true);
    } else {
        println!("test hand_assembled_elf ... skipped (no /bin/hello32 in this initramfs)");
    }

    // The glibc C tests (user/c/), when they are in this initramfs: c_run prints their verdict
    // lines and exits with the number of failures.
    if exists(c"/bin/c_run") {
        run(&mut c, "c_run_completed", &[b"/bin/c_run\0"], Want::AnyExit, true);
    }

    println!("linit: {} passed, {} failed in its own checks", c.passed, c.failed);
    println!("linit: done");
    if sys::getpid() == 1 {
        if let Err(e) = sys::reboot(sys::RB_POWER_OFF) {
            println!("linit: reboot(RB_POWER_OFF) failed: {}", e);
        }
    }
    c.failed.min(125) as i32
}

/// `mkdir /proc` and `mount -t proc proc /proc`, tolerating a kernel without mount (ours
/// provides /proc itself).
fn mount_proc() {
    // SAFETY: the kernel only reads the NUL-terminated path.
    let r = unsafe { syscall2(nr::SYS_MKDIR, c"/proc".as_ptr() as usize, 0o555) };
    match Errno::from_ret(r) {
        Ok(_) | Err(Errno::EEXIST) => {}
        Err(Errno::ENOSYS) => {}
        Err(e) => println!("linit: mkdir /proc: {}", e),
    }
    // SAFETY: the kernel only reads the three NUL-terminated strings; data is NULL.
    let r = unsafe {
        syscall5(
            nr::SYS_MOUNT,
            c"proc".as_ptr() as usize,
            c"/proc".as_ptr() as usize,
            c"proc".as_ptr() as usize,
            0,
            0,
        )
    };
    match Errno::from_ret(r) {
        Ok(_) => println!("linit: mounted /proc"),
        Err(Errno::ENOSYS) => println!("linit: mount: ENOSYS (this kernel provides /proc itself)"),
        Err(Errno::EBUSY) => {}
        Err(e) => println!("linit: mount proc on /proc: {}", e),
    }
}

fn exists(path: &CStr) -> bool {
    match sys::open(path, sys::O_RDONLY, 0) {
        Ok(fd) => {
            let _ = sys::close(fd);
            true
        }
        Err(_) => false,
    }
}

/// Runs `argv` (NUL-terminated strings; argv[0] is the path) in a child and checks how it ended.
/// With `show` false the child's stdout and stderr are closed (its output is not part of the
/// report, e.g. the self-test cases' deliberate FAILED lines).
fn run(c: &mut Counts, name: &str, argv: &[&[u8]], want: Want, show: bool) {
    let mut ptrs: [*const u8; 8] = [core::ptr::null(); 8];
    for (i, a) in argv.iter().enumerate().take(7) {
        debug_assert!(a.ends_with(b"\0"));
        ptrs[i] = a.as_ptr();
    }
    let argc = argv.len().min(7);
    let envp: [*const u8; 2] = [b"PATH=/bin:/\0".as_ptr(), core::ptr::null()];
    let path = CStr::from_bytes_with_nul(argv[0]).expect("NUL-terminated path");
    let pid = match sys::fork() {
        Ok(Fork::Child) => {
            if !show {
                let _ = sys::close(1);
                let _ = sys::close(2);
            }
            let e = sys::execve(path, &ptrs[..=argc], &envp);
            if show {
                eprintln!("linit: execve {}: {}", Bytes(&argv[0][..argv[0].len() - 1]), e);
            }
            sys::exit_group(127)
        }
        Ok(Fork::Parent(pid)) => pid,
        Err(e) => {
            println!("test {} ... FAILED (fork: {})", name, e);
            c.failed += 1;
            return;
        }
    };
    let status = loop {
        match sys::waitpid(pid as i32, 0) {
            Ok((_, s)) => break s,
            Err(Errno::EINTR) => continue,
            Err(e) => {
                println!("test {} ... FAILED (waitpid: {})", name, e);
                c.failed += 1;
                return;
            }
        }
    };
    let ok = match want {
        Want::Exit(code) => sys::wifexited(status) && sys::wexitstatus(status) == code,
        Want::Signal(sig) => sys::wifsignaled(status) && sys::wtermsig(status) == sig,
        Want::AnyExit => sys::wifexited(status) && sys::wexitstatus(status) <= 125,
    };
    if ok {
        println!("test {} ... ok ({})", name, WaitStatus(status));
        c.passed += 1;
    } else {
        println!("test {} ... FAILED ({}, expected {})", name, WaitStatus(status), want);
        c.failed += 1;
    }
}

impl core::fmt::Display for Want {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Want::Exit(code) => write!(f, "exit status {}", code),
            Want::Signal(sig) => write!(f, "killed by {}", sys::signal_name(sig).unwrap_or("?")),
            Want::AnyExit => f.write_str("a normal exit (status <= 125)"),
        }
    }
}
