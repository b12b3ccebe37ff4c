//! Resource limits: Linux's defaults, the get/set calls and their rules, and each limit hit
//! where Linux enforces it.

use super::*;

pub(super) static CASES: &[Case] = &[
    case!(rlimit_defaults, OK, ALL, "init's limits are Linux 6.1's (STACK 8M/inf, CORE 0/inf, NOFILE 1024/4096, MEMLOCK 8M, MSGQUEUE 819200, NPROC = SIGPENDING) in all three get calls"),
    case!(rlimit_set_rules, OK, ALL, "setrlimit/prlimit64: EINVAL soft > hard or bad resource, EPERM raising hard without root or NOFILE above nr_open, 64-bit infinity, ESRCH, EPERM on another user's process"),
    case!(rlimit_fork_keeps, OK, ALL, "a forked child (and its child) keeps lowered limits"),
    case!(rlimit_exec_keeps, OK, ALL, "execve keeps the limits (RLIMIT_AS binds the new image) and the ids, the saved ids becoming the effective ones"),
    case!(rlimit_as, OK, ALL, "RLIMIT_AS: a big mmap fails ENOMEM (PROT_NONE too), brk cannot grow past it, a small mmap works"),
    case!(rlimit_data, OK, ALL, "RLIMIT_DATA: brk and private writable mmap fail past it, read-only and shared mappings do not count"),
    case!(rlimit_stack, OK, ALL, "RLIMIT_STACK: 1 MiB of recursion works under 4 MiB and kills with SIGSEGV under 256 KiB"),
    case!(rlimit_memlock, OK, ALL, "RLIMIT_MEMLOCK as non-root: mlock ENOMEM past it (locked pages count once), MAP_LOCKED EAGAIN, limit 0 EPERM; root exempt"),
    case!(rlimit_nofile, OK, ALL, "RLIMIT_NOFILE: open returns fds below the limit, then EMFILE; a freed fd is reused; raising it allows more"),
    case!(rlimit_nproc, OK, ALL, "RLIMIT_NPROC: fork EAGAIN for a non-root user at the limit, root exempt"),
];

const INF: u32 = u32::MAX;
const RLIMIT_DATA: usize = 2;
const RLIMIT_STACK: usize = 3;
const RLIMIT_CORE: usize = 4;
const RLIMIT_NPROC: usize = 6;
const RLIMIT_NOFILE: usize = 7;
const RLIMIT_MEMLOCK: usize = 8;
const RLIMIT_AS: usize = 9;
const RLIMIT_SIGPENDING: usize = 11;

/// ugetrlimit (191).
fn getrl(r: usize) -> (u32, u32) {
    let mut v = [0u32; 2];
    // SAFETY: the kernel writes two words into `v`.
    ok!(res(unsafe { syscall2(nr::SYS_UGETRLIMIT, r, v.as_mut_ptr() as usize) }), "ugetrlimit({})", r);
    (v[0], v[1])
}

/// The old getrlimit (76).
fn old_getrl(r: usize) -> Result<(u32, u32), Errno> {
    let mut v = [0u32; 2];
    // SAFETY: the kernel writes two words into `v`.
    res(unsafe { syscall2(nr::SYS_GETRLIMIT, r, v.as_mut_ptr() as usize) }).map(|_| (v[0], v[1]))
}

fn setrl(r: usize, cur: u32, max: u32) -> Result<usize, Errno> {
    let v = [cur, max];
    // SAFETY: the kernel reads two words from `v`.
    res(unsafe { syscall2(nr::SYS_SETRLIMIT, r, v.as_ptr() as usize) })
}

/// prlimit64: sets `new` if given, returns the old value.
fn prl(pid: i32, r: usize, new: Option<(u64, u64)>) -> Result<(u64, u64), Errno> {
    let n = new.map(|(c, m)| [c, m]);
    let mut old = [0u64; 2];
    let np = n.as_ref().map_or(0, |n| n.as_ptr() as usize);
    // SAFETY: the kernel reads `n` and writes `old`, both this function's locals.
    res(unsafe { syscall4(nr::SYS_PRLIMIT64, pid as usize, r, np, old.as_mut_ptr() as usize) })?;
    Ok((old[0], old[1]))
}

#[track_caller]
fn setrl_ok(r: usize, cur: u32, max: u32) {
    ok!(setrl(r, cur, max), "setrlimit({}, {:#x}, {:#x})", r, cur, max);
}

fn rlimit_defaults(ctx: &Ctx) {
    let expect: [(usize, u32, u32); 14] = [
        (0, INF, INF),
        (1, INF, INF),
        (RLIMIT_DATA, INF, INF),
        (RLIMIT_STACK, 8 << 20, INF),
        (RLIMIT_CORE, 0, INF),
        (5, INF, INF),
        (RLIMIT_NOFILE, 1024, 4096),
        (RLIMIT_MEMLOCK, 8 << 20, 8 << 20),
        (RLIMIT_AS, INF, INF),
        (10, INF, INF),
        (12, 819_200, 819_200),
        (13, 0, 0),
        (14, 0, 0),
        (15, INF, INF),
    ];
    // The exact values are init's: compare when the runner is init (our kernel) or init's
    // child (linit on Linux); elsewhere (a shell on a desktop Linux) only print them.
    let runner = sys::getppid();
    let as_init = runner == 1 || parent_of(runner) == Some(1);
    note!(ctx, "runner {}, comparing with init's: {}", runner, as_init);
    for (r, cur, max) in expect {
        let got = getrl(r);
        note!(ctx, "resource {}: {:#x} / {:#x}", r, got.0, got.1);
        if as_init {
            check_eq!(got, (cur, max), "limit {} of a child of init", r);
        }
        let wide = |v: u32| if v == INF { u64::MAX } else { v as u64 };
        check_eq!(ok!(prl(0, r, None), "prlimit64 get"), (wide(got.0), wide(got.1)), "prlimit64 of {}", r);
        let clamp = |v: u32| v.min(0x7fff_ffff);
        check_eq!(ok!(old_getrl(r), "getrlimit"), (clamp(got.0), clamp(got.1)), "old getrlimit of {}", r);
    }
    let nproc = getrl(RLIMIT_NPROC);
    note!(ctx, "RLIMIT_NPROC {} / {}", nproc.0, nproc.1);
    check!(nproc.0 == nproc.1 && nproc.0 >= 20, "RLIMIT_NPROC {:?}", nproc);
    check_eq!(getrl(RLIMIT_SIGPENDING), nproc, "RLIMIT_SIGPENDING");
    let mut v = [0u32; 2];
    // SAFETY: the kernel writes nothing for a bad resource.
    err!(res(unsafe { syscall2(nr::SYS_UGETRLIMIT, 16, v.as_mut_ptr() as usize) }), Errno::EINVAL, "ugetrlimit(16)");
    err!(old_getrl(16), Errno::EINVAL, "getrlimit(16)");
    err!(prl(0, 16, None), Errno::EINVAL, "prlimit64(16)");
    // SAFETY: the kernel only tries to write to address 16 and fails.
    err!(res(unsafe { syscall2(nr::SYS_UGETRLIMIT, 0, 16) }), Errno::EFAULT, "ugetrlimit to a bad pointer");
}

/// The parent of process `pid`, from `/proc/PID/stat` (Linux only).
fn parent_of(pid: u32) -> Option<u32> {
    let mut digits = [0u8; 10];
    let mut n = digits.len();
    let mut v = pid;
    loop {
        n -= 1;
        digits[n] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let path: rt::fs::CBuf<32> = rt::fs::CBuf::from_parts(&[b"/proc/", &digits[n..], b"/stat"])?;
    let text = rt::fs::read_file(path.as_cstr()).ok()?;
    // "pid (comm) state ppid ...": the fields after the last ')'.
    let close = text.iter().rposition(|&b| b == b')')?;
    let ppid = text[close + 1..].split(|&b| b == b' ').filter(|f| !f.is_empty()).nth(1)?;
    rt::fs::parse_usize(ppid).map(|p| p as u32)
}

fn rlimit_set_rules(_ctx: &Ctx) {
    let runner = sys::getpid() as i32;
    let pid = spawn(move || {
        err!(setrl(16, 0, 0), Errno::EINVAL, "setrlimit(16)");
        err!(setrl(RLIMIT_CORE, 2, 1), Errno::EINVAL, "soft above hard");
        err!(setrl(RLIMIT_NOFILE, 1024, (1 << 20) + 1), Errno::EPERM, "NOFILE hard above nr_open");
        setrl_ok(RLIMIT_NOFILE, 1024, 1 << 20); // root may raise a hard limit
        check_eq!(getrl(RLIMIT_NOFILE), (1024, 1 << 20), "NOFILE raised by root");
        // SAFETY: the kernel only tries to read address 16 and fails.
        err!(res(unsafe { syscall2(nr::SYS_SETRLIMIT, 16, 16) }), Errno::EFAULT, "a bad pointer before a bad resource");
        // prlimit64 on self, by 0 and by pid; the old value comes back.
        let me = sys::getpid() as i32;
        check_eq!(ok!(prl(0, RLIMIT_CORE, Some((4096, 1 << 40))), "prlimit64 set"), (0, u64::MAX), "old CORE");
        check_eq!(getrl(RLIMIT_CORE), (4096, INF), "a 64-bit hard limit past 2^32 is infinity");
        check_eq!(ok!(prl(me, RLIMIT_CORE, Some((8192, 8192))), "prlimit64 by pid"), (4096, u64::MAX), "old CORE");
        check_eq!(ok!(prl(me, RLIMIT_CORE, None), "prlimit64 get"), (8192, 8192), "CORE");
        check_eq!(old_getrl(RLIMIT_CORE), Ok((8192, 8192)), "getrlimit sees prlimit64's value");
        err!(prl(0, RLIMIT_CORE, Some((2, 1))), Errno::EINVAL, "prlimit64 soft above hard");
        err!(prl(0x3fff_fff0, RLIMIT_CORE, None), Errno::ESRCH, "prlimit64 of no process");
        // Root may read (and set) another user's limits.
        ok!(prl(runner, RLIMIT_CORE, None), "prlimit64 of the parent as root");
        // Without root: lower freely, raise the soft limit up to the hard one, never the hard.
        ok!(res(unsafe_setuid(1000)), "setuid(1000)");
        setrl_ok(RLIMIT_CORE, 0, 4096);
        err!(setrl(RLIMIT_CORE, 0, 8192), Errno::EPERM, "raising a hard limit without root");
        setrl_ok(RLIMIT_CORE, 4096, 4096);
        err!(prl(0, RLIMIT_CORE, Some((4096, u64::MAX))), Errno::EPERM, "prlimit64 raising the hard limit");
        err!(prl(runner, RLIMIT_CORE, None), Errno::EPERM, "prlimit64 of root's process");
        check_eq!(getrl(RLIMIT_CORE), (4096, 4096), "CORE after the refusals");
        0
    });
    wait_ok(pid, "setrlimit child");
}

/// setuid32.
fn unsafe_setuid(uid: usize) -> usize {
    // SAFETY: an integer argument.
    unsafe { syscall1(nr::SYS_SETUID32, uid) }
}

fn rlimit_fork_keeps(_ctx: &Ctx) {
    let pid = spawn(|| {
        setrl_ok(RLIMIT_CORE, 1234 * 4096, 2000 * 4096);
        setrl_ok(RLIMIT_NOFILE, 100, 200);
        setrl_ok(RLIMIT_STACK, 4 << 20, 6 << 20);
        let inner = spawn(|| {
            check_eq!(getrl(RLIMIT_CORE), (1234 * 4096, 2000 * 4096), "CORE in the child");
            check_eq!(getrl(RLIMIT_NOFILE), (100, 200), "NOFILE in the child");
            let grand = spawn(|| {
                check_eq!(getrl(RLIMIT_STACK), (4 << 20, 6 << 20), "STACK in the grandchild");
                0
            });
            wait_ok(grand, "grandchild");
            0
        });
        wait_ok(inner, "child");
        0
    });
    wait_ok(pid, "limits child");
    check_eq!(getrl(RLIMIT_NOFILE).1 == 200, false, "the parent's NOFILE changed");
}

fn anon(len: usize, prot: usize, flags: usize) -> Result<usize, Errno> {
    mmap_raw(0, len, prot, flags | sys::MAP_ANONYMOUS, -1, 0)
}

const RW: usize = sys::PROT_READ | sys::PROT_WRITE;

fn rlimit_as(_ctx: &Ctx) {
    let pid = spawn(|| {
        // A free 41 MiB range to move into, and a 40 MiB area to move.
        let to = ok!(anon(41 << 20, sys::PROT_NONE, sys::MAP_PRIVATE), "41 MiB probe");
        let from = ok!(anon(40 << 20, RW, sys::MAP_PRIVATE), "40 MiB");
        ok!(unmap(to, 41 << 20), "munmap probe");
        setrl_ok(RLIMIT_AS, 64 << 20, 64 << 20);
        err!(remap(from, 40 << 20, 100 << 20, sys::MREMAP_MAYMOVE, 0), Errno::ENOMEM, "mremap growing past RLIMIT_AS");
        let moved = ok!(
            remap(from, 40 << 20, 41 << 20, sys::MREMAP_MAYMOVE | sys::MREMAP_FIXED, to),
            "mremap moving 40 MiB to 41 MiB: only the growth counts"
        );
        check_eq!(moved, to, "moved to");
        ok!(unmap(moved, 41 << 20), "munmap");
        err!(anon(128 << 20, RW, sys::MAP_PRIVATE), Errno::ENOMEM, "128 MiB under a 64 MiB RLIMIT_AS");
        err!(anon(128 << 20, sys::PROT_NONE, sys::MAP_PRIVATE), Errno::ENOMEM, "PROT_NONE counts too");
        let a = ok!(anon(1 << 20, RW, sys::MAP_PRIVATE), "1 MiB");
        fill(a, 1 << 20, 7);
        let b = sys::brk(0);
        check_eq!(sys::brk(b + (128 << 20)), b, "brk past RLIMIT_AS leaves the break");
        let grown = sys::brk(b + 4096);
        check_eq!(grown, b + 4096, "a small brk growth");
        ok!(unmap(a, 1 << 20), "munmap");
        0
    });
    wait_ok(pid, "RLIMIT_AS child");
}

fn rlimit_data(_ctx: &Ctx) {
    let pid = spawn(|| {
        setrl_ok(RLIMIT_DATA, 16 << 20, 16 << 20);
        let b = sys::brk(0);
        check_eq!(sys::brk(b + (32 << 20)), b, "brk 32 MiB past a 16 MiB RLIMIT_DATA");
        check_eq!(sys::brk(b + (1 << 20)), b + (1 << 20), "brk 1 MiB");
        err!(anon(32 << 20, RW, sys::MAP_PRIVATE), Errno::ENOMEM, "private writable 32 MiB");
        let r = ok!(anon(32 << 20, sys::PROT_READ, sys::MAP_PRIVATE), "read-only 32 MiB is not data");
        err!(protect(r, 32 << 20, RW), Errno::ENOMEM, "mprotect making 32 MiB private memory writable");
        ok!(protect(r, 1 << 20, RW), "mprotect of 1 MiB");
        let s = ok!(anon(32 << 20, RW, sys::MAP_SHARED), "shared 32 MiB is not data");
        ok!(unmap(r, 32 << 20), "munmap");
        ok!(unmap(s, 32 << 20), "munmap");
        let a = ok!(anon(4 << 20, RW, sys::MAP_PRIVATE), "private writable 4 MiB");
        fill(a, 4 << 20, 1);
        0
    });
    wait_ok(pid, "RLIMIT_DATA child");
}

fn rlimit_stack(_ctx: &Ctx) {
    let want: u32 = (0..=260usize).map(|d| 2 * (d as u8) as u32).sum();
    expect_ok("1 MiB of stack under a 4 MiB RLIMIT_STACK", || {
        setrl_ok(RLIMIT_STACK, 4 << 20, INF);
        check_eq!(recurse(260), want, "recursion");
    });
    expect_signal(sys::SIGSEGV, "1 MiB of stack under a 256 KiB RLIMIT_STACK", || {
        setrl_ok(RLIMIT_STACK, 256 << 10, INF);
        core::hint::black_box(recurse(260));
    });
}

fn mlock(addr: usize, len: usize) -> Result<(), Errno> {
    sys::mlock(addr, len)
}

fn rlimit_memlock(_ctx: &Ctx) {
    let pid = spawn(|| {
        let a = ok!(anon(32 * PG, RW, sys::MAP_PRIVATE), "32 pages");
        setrl_ok(RLIMIT_MEMLOCK, 16 * PG as u32, 16 * PG as u32);
        ok!(res(unsafe_setuid(1000)), "setuid(1000)");
        err!(mlock(a, 17 * PG), Errno::ENOMEM, "mlock of 17 pages under a 16-page limit");
        ok!(mlock(a, 8 * PG), "mlock 8 pages");
        ok!(mlock(a, 16 * PG), "mlock 16 pages, 8 of them locked already");
        err!(mlock(a + 16 * PG, PG), Errno::ENOMEM, "one page more");
        err!(anon(PG, RW, sys::MAP_PRIVATE | sys::MAP_LOCKED), Errno::EAGAIN, "MAP_LOCKED past the limit");
        err!(sys::mlockall(sys::MCL_CURRENT), Errno::ENOMEM, "mlockall(MCL_CURRENT) of more than the limit");
        ok!(sys::munlock(a, 16 * PG), "munlock");
        ok!(mlock(a + 16 * PG, PG), "one page after munlock");
        setrl_ok(RLIMIT_MEMLOCK, 0, 0);
        err!(mlock(a, PG), Errno::EPERM, "mlock at a zero limit");
        err!(mlock(a, 0), Errno::EPERM, "mlock of nothing at a zero limit");
        err!(anon(PG, RW, sys::MAP_PRIVATE | sys::MAP_LOCKED), Errno::EPERM, "MAP_LOCKED at a zero limit");
        err!(sys::mlockall(sys::MCL_FUTURE), Errno::EPERM, "mlockall at a zero limit");
        ok!(sys::munlockall(), "munlockall");
        0
    });
    wait_ok(pid, "non-root mlock child");
    let pid = spawn(|| {
        setrl_ok(RLIMIT_MEMLOCK, 0, 0);
        let a = ok!(anon(32 * PG, RW, sys::MAP_PRIVATE), "32 pages");
        ok!(mlock(a, 32 * PG), "root locks past a zero limit");
        let b = ok!(anon(PG, RW, sys::MAP_PRIVATE | sys::MAP_LOCKED), "MAP_LOCKED as root");
        ok!(sys::munlockall(), "munlockall");
        ok!(unmap(b, PG), "munmap");
        0
    });
    wait_ok(pid, "root mlock child");
}

fn rlimit_nofile(ctx: &Ctx) {
    let path = &ctx.self_path;
    let pid = spawn(move || {
        let open = || sys::open(path.as_cstr(), sys::O_RDONLY, 0);
        setrl_ok(RLIMIT_NOFILE, 8, 4096);
        let mut highest = -1;
        let mut opened = 0;
        loop {
            match open() {
                Ok(fd) => {
                    check!(fd < 8, "fd {} under RLIMIT_NOFILE 8", fd);
                    highest = highest.max(fd);
                    opened += 1;
                    check!(opened <= 8, "more than 8 opens");
                }
                Err(e) => {
                    check_eq!(e, Errno::EMFILE, "open at the limit");
                    break;
                }
            }
        }
        check_eq!(highest, 7, "the highest fd");
        ok!(sys::close(5), "close");
        check_eq!(open(), Ok(5), "the freed fd is reused");
        err!(open(), Errno::EMFILE, "full again");
        setrl_ok(RLIMIT_NOFILE, 9, 4096);
        check_eq!(open(), Ok(8), "one more after raising the limit");
        0
    });
    wait_ok(pid, "NOFILE child");
}

fn rlimit_nproc(_ctx: &Ctx) {
    let pid = spawn(|| {
        setrl_ok(RLIMIT_NPROC, 1, 2);
        // Root is exempt.
        let c = spawn(|| 0);
        wait_ok(c, "root's fork at the limit");
        ok!(res(unsafe_setuid(1000)), "setuid(1000)");
        err!(sys::fork().map(|_| ()), Errno::EAGAIN, "fork as the only task of uid 1000 with RLIMIT_NPROC 1");
        setrl_ok(RLIMIT_NPROC, 2, 2);
        let c = spawn(|| match sys::fork() {
            Err(Errno::EAGAIN) => 0,
            Ok(sys::Fork::Child) => sys::exit(3),
            _ => 1,
        });
        wait_ok(c, "a fork with 2 tasks of uid 1000 fails");
        0
    });
    wait_ok(pid, "NPROC child");
}

/// `vmtest --probe-limits`, exec'd by `rlimit_exec_keeps`: 44 when the limits and ids set
/// before the exec hold in the new image, another code saying what did not.
pub fn probe_limits() -> i32 {
    if getrl(RLIMIT_CORE) != (40960, 81920) {
        return 1;
    }
    if getrl(RLIMIT_AS) != (64 << 20, 64 << 20) {
        return 2;
    }
    if anon(128 << 20, RW, sys::MAP_PRIVATE) != Err(Errno::ENOMEM) {
        return 3; // the new image's space must enforce the process's RLIMIT_AS
    }
    // Exec of a file without set-id bits: the saved ids become the effective ones.
    let mut ids = [0u32; 6];
    let p = ids.as_mut_ptr() as usize;
    // SAFETY: the kernel writes three words each into `ids`.
    let (u, g) = unsafe { (syscall3(nr::SYS_GETRESUID32, p, p + 4, p + 8), syscall3(nr::SYS_GETRESGID32, p + 12, p + 16, p + 20)) };
    if u != 0 || g != 0 || ids != [1000, 1001, 1001, 2000, 2001, 2001] {
        return 4;
    }
    // SAFETY: an integer argument; setfsuid(-1) only reports the fs uid.
    if unsafe { syscall1(nr::SYS_SETFSUID32, usize::MAX) } != 1001 {
        return 5;
    }
    44
}

fn rlimit_exec_keeps(ctx: &Ctx) {
    let pid = spawn(|| {
        setrl_ok(RLIMIT_CORE, 40960, 81920);
        setrl_ok(RLIMIT_AS, 64 << 20, 64 << 20);
        // SAFETY: integer arguments.
        ok!(res(unsafe { syscall3(nr::SYS_SETRESGID32, 2000, 2001, 2002) }), "setresgid32");
        // SAFETY: integer arguments.
        ok!(res(unsafe { syscall3(nr::SYS_SETRESUID32, 1000, 1001, 1002) }), "setresuid32");
        let argv = [c"vmtest".as_ptr() as *const u8, c"--probe-limits".as_ptr() as *const u8, core::ptr::null()];
        let envp = [core::ptr::null()];
        let e = sys::execve(ctx.self_path.as_cstr(), &argv, &envp);
        rt::eprintln!("    execve: {}", e);
        99
    });
    let s = wait(pid);
    check!(sys::wifexited(s) && sys::wexitstatus(s) == 44, "the exec'd probe: {}", WaitStatus(s));
}
