//! The test cases. Each runs in a forked child of the runner; it reports failure by exiting
//! non-zero (the `check!` family prints the reason and exits 1) and success by returning
//! (exit 0), unless the case's `expect` says it must be killed by a signal.
//!
//! Cases use raw addresses (`peek`/`poke`/`fill`) rather than Rust references for memory whose
//! mapping they change, so faults are the only thing that can happen to them.

use crate::util::*;
use crate::{check, check_eq, err, note, ok};
use rt::prelude::*;
use rt::sys::{nr, syscall1, syscall2, syscall3, syscall4};
use rt::WaitStatus;

/// The outcome the runner requires from a case's process.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Exit(i32),
    Signal(i32),
}

/// Where a case runs.
#[derive(Clone, Copy)]
pub enum Runs {
    Everywhere,
    /// Skipped on Linux, with the reason printed.
    OurKernelOnly(&'static str),
}

pub struct Case {
    pub name: &'static str,
    pub expect: Expect,
    pub runs: Runs,
    /// One line: what the case proves (printed by `--list`, repeated in the README).
    pub what: &'static str,
    pub run: fn(&Ctx),
}

const OK: Expect = Expect::Exit(0);
const SEGV: Expect = Expect::Signal(sys::SIGSEGV);
const ALL: Runs = Runs::Everywhere;

macro_rules! case {
    ($name:ident, $expect:expr, $runs:expr, $what:expr) => {
        Case {
            name: stringify!($name),
            expect: $expect,
            runs: $runs,
            what: $what,
            run: $name,
        }
    };
}

pub static CASES: &[Case] = &[
    case!(brk_query, OK, ALL, "brk(0) returns the break; failed brk calls return it unchanged"),
    case!(sbrk_grow_shrink, OK, ALL, "brk grow/shrink/regrow: regrown pages read zero; 256 MiB grow is lazy"),
    case!(sbrk_freed_faults, SEGV, ALL, "memory freed by shrinking brk is gone: write() from it is EFAULT, touching it SIGSEGV"),
    case!(lazy_sparse, OK, ALL, "a 256 MiB mapping and a 256 MiB brk are lazy: touching a few pages works and reads zero"),
    case!(syscall_lazy_page, OK, ALL, "read()/uname()/fstat64() into never-touched lazy pages fault them in (no EFAULT)"),
    case!(elf_bss_zero, OK, ALL, "a fresh image has .data from the file and a zero .bss, also in the page shared with .data"),
    case!(cow_fork, OK, ALL, "after fork parent and child see only their own writes (mmap, .data, .bss, stack), twice in a row"),
    case!(cow_three, OK, ALL, "parent, child and grandchild write the same pages; each sees only its own writes"),
    case!(cow_big_fork, OK, ALL, "fork of a process using ~60% of free memory succeeds (COW, not copy), twice"),
    case!(cow_read_syscall, OK, ALL, "read() into a COW-shared page breaks COW in the reader only (both directions)"),
    case!(cow_madvise, OK, ALL, "MADV_DONTNEED on a COW-shared page zeroes it in the caller only"),
    case!(fork_wait_status, OK, ALL, "exit codes, kill(SIGTERM/SIGKILL), WNOHANG, ECHILD, ESRCH, getppid"),
    case!(fork_storm, OK, ALL, "fork until ENOMEM/EAGAIN (Linux: stop at 64 children), kill and reap all, fork works again"),
    case!(exec_args, OK, ALL, "execve replaces the image and passes argv/envp (incl. 32 x 1 KiB arguments)"),
    case!(execve_errors, OK, ALL, "execve of a non-ELF file fails ENOEXEC, of a missing file ENOENT, and returns"),
    case!(execve_e2big, OK, ALL, "execve with 1024 arguments of 120 KiB each (the same string) fails E2BIG, the caller intact"),
    case!(text_write, SEGV, ALL, "writing to the text segment kills with SIGSEGV"),
    case!(rodata_write, SEGV, ALL, "writing to .rodata kills with SIGSEGV"),
    case!(null_read, SEGV, ALL, "reading address 0 kills with SIGSEGV"),
    case!(prot_read_write, SEGV, ALL, "writing a page made PROT_READ by mprotect kills (its contents stay readable)"),
    case!(prot_none_read, SEGV, ALL, "reading a PROT_NONE page kills with SIGSEGV"),
    case!(munmap_hole, SEGV, ALL, "munmap of the middle page: both sides still work, the hole kills"),
    case!(mprotect_adjacent, OK, ALL, "mprotect splits a mapping and one call across the pieces rejoins them"),
    case!(map_count_limit, OK, ALL, "splitting one mapping into ever more areas ends in ENOMEM (max_map_count), never a kernel panic; munmap still frees it"),
    case!(brk_mprotect_shrink, OK, ALL, "brk shrinks across an mprotect-ed range; regrown memory is zero and writable"),
    case!(mremap_grow_move, OK, ALL, "mremap grows in place, moves (MAYMOVE/FIXED) keeping contents, shrinks; errors"),
    case!(mremap_fixed_wrap, OK, ALL, "mremap MAYMOVE|FIXED to a target ending at/past 2^32 or past user space: EINVAL, old mapping intact"),
    case!(mremap_keeps_prot, OK, ALL, "moving a PROT_NONE/write-only file mapping reaching past EOF: moved or refused, the old address never becomes readable"),
    case!(map_fixed_replace, OK, ALL, "MAP_FIXED over part of a mapping gives zero pages there, keeps the rest"),
    case!(mmap_errors, OK, ALL, "EINVAL/EEXIST/ENOMEM/EBADF/EACCES from mmap, munmap, mprotect, madvise, mlock"),
    case!(old_mmap, OK, ALL, "old_mmap (syscall 90, struct argument) maps anonymous memory and files"),
    case!(mmap_file, OK, ALL, "private file mappings show the file, offsets work, writes stay private, close keeps them"),
    case!(mmap_file_sigbus, Expect::Signal(sys::SIGBUS), ALL, "touching a file mapping beyond the page holding EOF kills with SIGBUS; the EOF page tail reads zero"),
    case!(madvise_dontneed, OK, ALL, "MADV_DONTNEED zero-fills private anonymous memory on the next read"),
    case!(mlock_populates, OK, ALL, "mlock, MAP_POPULATE, MAP_LOCKED and mlockall(MCL_FUTURE) make pages resident"),
    case!(stack_grow, OK, ALL, "the stack grows by 1 MiB through recursion (with a mapping 3 MiB below)"),
    case!(stack_guard_gap, SEGV, ALL, "stack growth into the guard gap above a mapping placed 16 MiB below the stack kills"),
    case!(stack_far, SEGV, ALL, "a touch 16 MiB below the stack (nothing mapped) kills: beyond the stack limit"),
    case!(kernel_read, SEGV, ALL, "reading 0xC0000000 (kernel memory on our kernel) kills with SIGSEGV"),
    case!(kernel_write, SEGV, ALL, "writing 0xC0000000 kills with SIGSEGV"),
    case!(kernel_read_top, SEGV, ALL, "reading 0xFFFFF000 kills with SIGSEGV"),
    case!(efault_write, OK, ALL, "write() with NULL, kernel, wrap-around, boundary-crossing, freed and half-valid buffers: EFAULT (half-valid: EFAULT or short write)"),
    case!(efault_read, OK, ALL, "read() into NULL, kernel, wrap-around, read-only, text and half-valid buffers: EFAULT (half-valid: EFAULT or short read)"),
    case!(efault_misc, OK, ALL, "bad pointers to open, execve (path/argv/envp), nanosleep, fstat64, uname, old_mmap, mincore: EFAULT"),
    case!(wait4_bad_status, OK, ALL, "wait4 with a bad status pointer returns EFAULT and (like Linux) reaps the child"),
    case!(oom_kill, OK, Runs::OurKernelOnly("would trigger the host's OOM killer"), "touching memory until none is left gets a toucher killed with SIGKILL; all memory comes back"),
];

/// Cases that check the runner itself (run only when named; each must be reported FAILED).
pub static SELFTESTS: &[Case] = &[
    case!(
        selftest_fail,
        OK,
        ALL,
        "runner self-test: a failing check must be reported FAILED (exit 1)"
    ),
    case!(
        selftest_wrong_signal,
        SEGV,
        ALL,
        "runner self-test: exit 0 where SIGSEGV is expected must be FAILED"
    ),
    case!(
        selftest_hang,
        OK,
        ALL,
        "runner self-test: a hanging case must be killed by the --timeout watchdog"
    ),
];

fn selftest_fail(_ctx: &Ctx) {
    check_eq!(1 + 1, 3, "deliberately false");
}

fn selftest_wrong_signal(_ctx: &Ctx) {}

fn selftest_hang(_ctx: &Ctx) {
    loop {
        sys::sleep_ms(1000);
    }
}

// =============================================================================================
// brk

fn brk_query(ctx: &Ctx) {
    let b0 = sys::brk(0);
    check!(b0 != 0, "brk(0) returned 0");
    check_eq!(sys::brk(0), b0, "second brk(0)");
    // Failures return the current break unchanged (the raw syscall never returns -errno).
    check_eq!(sys::brk(1), b0, "brk(1) (below the start of the heap)");
    check_eq!(
        sys::brk(0xFFFF_F000),
        b0,
        "brk(0xFFFFF000) (not user space / no room)"
    );
    check_eq!(sys::brk(ctx.user_top + 8 * PG), b0, "brk above user space");
    let b1 = b0 + 3 * PG;
    check_eq!(sys::brk(b1), b1, "brk(b0 + 3 pages)");
    check_eq!(sys::brk(0), b1, "brk(0) after growing");
    check_eq!(sys::brk(b0), b0, "brk back to b0");
    check_eq!(sys::brk(0), b0, "brk(0) after shrinking");
    note!(ctx, "initial break {:#x}", b0);
}

fn sbrk_grow_shrink(ctx: &Ctx) {
    let b0 = sys::brk(0);
    let base = page_up(b0);
    let n = 16;
    check_eq!(sys::brk(base + n * PG), base + n * PG, "grow 16 pages");
    expect_bytes(base, n * PG, 0, "fresh brk memory");
    fill(base, n * PG, 0xA5);
    check_eq!(sys::brk(base), base, "shrink");
    check_eq!(sys::brk(base + n * PG), base + n * PG, "regrow");
    expect_bytes(base, n * PG, 0, "regrown brk memory");
    fill(base, n * PG, 0x5A);
    // Shrink by half and regrow: only the released half is zero.
    check_eq!(sys::brk(base + 8 * PG), base + 8 * PG, "shrink by half");
    check_eq!(sys::brk(base + n * PG), base + n * PG, "regrow half");
    expect_bytes(base, 8 * PG, 0x5A, "kept lower half");
    expect_bytes(base + 8 * PG, 8 * PG, 0, "regrown upper half");
    // A big grow is lazy: touch only the first and last pages.
    let big = lazy_brk_size(ctx);
    let free0 = rt::fs::mem_free_kib().unwrap_or(0);
    check_eq!(sys::brk(base + big), base + big, "grow by 256 MiB (less on a small Linux)");
    for a in [base + n * PG, base + big / 2, base + big - PG] {
        expect_bytes(a, 64, 0, "big brk page");
        fill(a, 64, 0x77);
        expect_bytes(a, 64, 0x77, "big brk page after write");
    }
    if ctx.strict {
        let free1 = ok!(rt::fs::mem_free_kib(), "MemFree");
        check!(
            free0 < free1 + 4 * MIB / KIB,
            "256 MiB brk not lazy: MemFree {} -> {} KiB",
            free0,
            free1
        );
    }
    check_eq!(sys::brk(b0), b0, "back to the start");
}

/// How far the lazy-brk checks grow the break: 256 MiB, but on Linux at most half of
/// MemTotal. brk memory is accounted (unlike MAP_NORESERVE), and Linux's default heuristic
/// overcommit refuses a single request larger than RAM + swap, so 256 MiB fails with ENOMEM
/// on a 256 MiB machine. Our kernel keeps the full 256 MiB whatever the RAM.
fn lazy_brk_size(ctx: &Ctx) -> usize {
    let full = 256 * MIB;
    if !ctx.linux {
        return full;
    }
    match rt::fs::meminfo_kib(b"MemTotal") {
        Ok(total) => full.min((total * KIB / 2) & !(MIB - 1)),
        Err(_) => full,
    }
}

fn sbrk_freed_faults(_ctx: &Ctx) {
    let base = page_up(sys::brk(0));
    check_eq!(sys::brk(base + 4 * PG), base + 4 * PG, "grow 4 pages");
    fill(base, 4 * PG, 0x42);
    check_eq!(sys::brk(base), base, "shrink");
    // xv6 "rwsbrk": the kernel must not use the freed pages for a syscall either.
    if let Some(fd) = copying_fd() {
        // SAFETY: write only reads the buffer; the kernel must reject the unmapped range.
        let r = res(unsafe { syscall3(nr::SYS_WRITE, fd as usize, base + PG, 2 * PG) });
        err!(r, Errno::EFAULT, "write() from freed brk memory");
    }
    // SAFETY: expected to fault (the case expects SIGSEGV).
    unsafe { poke(base + PG, 1) };
}

fn lazy_sparse(ctx: &Ctx) {
    let size = 256 * MIB;
    let free0 = rt::fs::mem_free_kib().unwrap_or(0);
    let a = ok!(
        sys::mmap_anon(size, sys::PROT_READ | sys::PROT_WRITE, sys::MAP_NORESERVE),
        "mmap 256 MiB"
    );
    let mut touched = 0;
    let mut off = 0;
    while off < size {
        expect_bytes(a + off, 16, 0, "lazy page");
        fill(a + off, 16, (off / (16 * MIB)) as u8 + 1);
        touched += 1;
        off += 16 * MIB;
    }
    expect_bytes(a + size - 16, 16, 0, "last page");
    fill(a + size - 16, 16, 0xEE);
    let mut off = 0;
    while off < size {
        expect_bytes(
            a + off,
            16,
            (off / (16 * MIB)) as u8 + 1,
            "lazy page after write",
        );
        off += 16 * MIB;
    }
    if ctx.strict {
        let free1 = ok!(rt::fs::mem_free_kib(), "MemFree");
        check!(
            free0 < free1 + 2 * MIB / KIB,
            "touching {} pages of a 256 MiB mapping used {} KiB",
            touched + 1,
            free0.saturating_sub(free1)
        );
    }
    ok!(unmap(a, size), "munmap 256 MiB");

    // The same through brk.
    let size = lazy_brk_size(ctx);
    let b0 = sys::brk(0);
    let base = page_up(b0);
    check_eq!(sys::brk(base + size), base + size, "brk + 256 MiB (less on a small Linux)");
    let mut off = 0;
    while off < size {
        expect_bytes(base + off, 16, 0, "lazy brk page");
        fill(base + off, 16, 0x33);
        off += 32 * MIB;
    }
    check_eq!(sys::brk(b0), b0, "brk back");
}

fn syscall_lazy_page(ctx: &Ctx) {
    let fd = open_self(ctx);
    let mut expect = [0u8; 512];
    check_eq!(
        ok!(sys::read(fd.0, &mut expect), "read"),
        512,
        "read 512 bytes"
    );
    // Untouched anonymous pages: the kernel must fault them in while copying out.
    let a = map(4 * PG);
    ok!(sys::lseek(fd.0, 0, sys::SEEK_SET), "lseek");
    // SAFETY: [a, a + 4 pages) is our fresh mapping; the kernel writes 512 bytes there.
    let n = ok!(
        res(unsafe { syscall3(nr::SYS_READ, fd.0 as usize, a + PG - 100, 512) }),
        "read into lazy pages"
    );
    check_eq!(n, 512, "read count");
    for (i, &b) in expect.iter().enumerate() {
        // SAFETY: inside our mapping.
        check_eq!(
            unsafe { peek(a + PG - 100 + i) },
            b,
            "byte {} read into a lazy page",
            i
        );
    }
    // SAFETY: uname writes 390 bytes into our mapping.
    ok!(
        res(unsafe { syscall1(nr::SYS_UNAME, a + 3 * PG - 200) }),
        "uname into a lazy page"
    );
    // SAFETY: fstat64 writes 96 bytes into our mapping.
    ok!(
        res(unsafe { syscall2(nr::SYS_FSTAT64, fd.0 as usize, a + 2 * PG - 48) }),
        "fstat64 into a lazy page"
    );
    // Untouched brk pages.
    let b0 = sys::brk(0);
    let base = page_up(b0);
    check_eq!(sys::brk(base + 2 * PG), base + 2 * PG, "brk grow");
    ok!(sys::lseek(fd.0, 0, sys::SEEK_SET), "lseek");
    // SAFETY: the two brk pages are ours; the kernel writes 512 bytes across their boundary.
    let n = ok!(
        res(unsafe { syscall3(nr::SYS_READ, fd.0 as usize, base + PG - 256, 512) }),
        "read into lazy brk pages"
    );
    check_eq!(n, 512, "read count");
    // SAFETY: inside the brk pages.
    check_eq!(unsafe { peek(base + PG + 255) }, expect[511], "last byte");
    check_eq!(sys::brk(b0), b0, "brk back");
}

// =============================================================================================
// COW

static mut DATA_SEG: [u8; 2 * PG] = [0x5D; 2 * PG];
static mut BSS_SEG: [u8; 2 * PG] = [0; 2 * PG];
/// Makes .data end in the middle of a page, so the ELF's RW segment has a page that is partly
/// file data and partly bss (which the loader must zero past the file size).
static mut DATA_TAIL: [u8; 100] = [0x3A; 100];

extern "C" {
    // From user.ld.
    static __data_start: u8;
    static _edata: u8;
    static __bss_start: u8;
    static __bss_end: u8;
}

/// `vmtest --probe-bss`, exec'd by `elf_bss_zero` before anything touched .bss: the whole
/// .bss (and the padding after .data in its last page) must be zero, .data as in the file.
pub fn probe_bss() -> i32 {
    let data_start = &raw const __data_start as usize;
    let edata = &raw const _edata as usize;
    let bss_start = &raw const __bss_start as usize;
    let bss_end = &raw const __bss_end as usize;
    if edata.is_multiple_of(PG) || bss_start / PG != edata / PG || bss_end <= bss_start {
        return 2; // the layout this test needs is not there
    }
    if find_ne(edata, bss_end - edata, 0).is_some() {
        return 3;
    }
    let tail = &raw const DATA_TAIL as usize;
    if tail < data_start || tail + 100 > edata || find_ne(tail, 100, 0x3A).is_some() {
        return 4;
    }
    if find_ne(&raw const DATA_SEG as usize, 2 * PG, 0x5D).is_some() {
        return 5;
    }
    // bss is writable, including the shared page.
    fill(bss_start, 16, 0xB5);
    if find_ne(bss_start, 16, 0xB5).is_some() {
        return 6;
    }
    34
}

fn elf_bss_zero(ctx: &Ctx) {
    let pid = spawn(|| {
        let argv = [
            c"vmtest".as_ptr() as *const u8,
            c"--probe-bss".as_ptr() as *const u8,
            core::ptr::null(),
        ];
        let envp = [core::ptr::null()];
        let e = sys::execve(ctx.self_path.as_cstr(), &argv, &envp);
        eprintln!("    execve: {}", e);
        99
    });
    let s = wait(pid);
    check!(
        sys::wifexited(s) && sys::wexitstatus(s) == 34,
        "probe {} (2: layout, 3: .bss not zero, 4/5: .data wrong, 6: .bss not writable)",
        WaitStatus(s)
    );
    // The data tail is private per process like the rest.
    let tail = &raw mut DATA_TAIL as usize;
    expect_bytes(tail, 100, 0x3A, ".data tail");
}

fn cow_fork(_ctx: &Ctx) {
    let heap = map(16 * PG);
    let data = &raw mut DATA_SEG as usize;
    let bss = &raw mut BSS_SEG as usize;
    let mut stack = [0u8; 2 * PG];
    let stk = stack.as_mut_ptr() as usize;
    let regions = [
        (heap, 16 * PG),
        (data, 2 * PG),
        (bss, 2 * PG),
        (stk, 2 * PG),
    ];
    expect_bytes(data, 2 * PG, 0x5D, ".data initial contents");
    expect_bytes(bss, 2 * PG, 0, ".bss initial contents");

    let mut orig = 0x11u8;
    for r in regions {
        fill(r.0, r.1, orig);
    }
    for round in 0..2u8 {
        let (child_v, parent_v) = (0xC0 + round, 0xD0 + round);
        let pid = spawn(|| {
            for r in regions {
                expect_bytes(r.0, r.1, orig, "child sees the pre-fork contents");
                fill(r.0, r.1, child_v);
            }
            sys::sleep_ms(30); // let the parent write meanwhile
            for r in regions {
                expect_bytes(r.0, r.1, child_v, "child sees its own writes only");
            }
            0
        });
        for r in regions {
            fill(r.0, r.1, parent_v);
        }
        wait_ok(pid, "child");
        for r in regions {
            expect_bytes(r.0, r.1, parent_v, "parent sees its own writes only");
        }
        orig = parent_v;
    }
    core::hint::black_box(&mut stack);
}

fn cow_three(ctx: &Ctx) {
    // xv6 cowtest "threetest": a quarter of free memory (capped at 64 MiB), tagged per page.
    let free = rt::fs::mem_free_kib().unwrap_or(64 * 1024) * KIB;
    let size = page_up((free / 4).min(64 * MIB));
    let pages = size / PG;
    note!(ctx, "{} pages", pages);
    let a = map(size);
    tag_pages(a, pages, 0x1000_0000);
    let p = spawn(|| {
        let g = spawn(|| {
            tag_pages(a, pages / 2, 0x3000_0000);
            sys::sleep_ms(20);
            match check_tags(a, pages / 2, 0x3000_0000) {
                None => 0,
                Some((pg, v)) => {
                    eprintln!("    grandchild: page {} tag {:#x}", pg, v);
                    1
                }
            }
        });
        tag_pages(a, pages, 0x2000_0000);
        sys::sleep_ms(20);
        let mine = check_tags(a, pages, 0x2000_0000);
        wait_ok(g, "grandchild");
        match mine {
            None => 0,
            Some((pg, v)) => {
                eprintln!("    child: page {} tag {:#x}", pg, v);
                1
            }
        }
    });
    sys::sleep_ms(5);
    tag_pages(a, pages / 3, 0x4000_0000);
    wait_ok(p, "child");
    check!(
        check_tags(a, pages / 3, 0x4000_0000).is_none(),
        "parent's rewritten pages"
    );
    let rest = a + (pages / 3) * PG;
    check!(
        check_tags(rest, pages - pages / 3, 0x1000_0000 + (pages / 3) as u32).is_none(),
        "parent's untouched pages changed"
    );
}

fn cow_big_fork(ctx: &Ctx) {
    // xv6 cowtest "simpletest": more than half of free memory, so fork must share, not copy.
    let free = ok!(rt::fs::mem_free_kib(), "MemFree") * KIB;
    let size = page_up((free / 10 * 6).min(256 * MIB));
    let pages = size / PG;
    note!(ctx, "{} MiB", size / MIB);
    let a = ok!(
        sys::mmap_anon(size, sys::PROT_READ | sys::PROT_WRITE, sys::MAP_NORESERVE),
        "mmap big"
    );
    tag_pages(a, pages, 7);
    for _ in 0..2 {
        let pid = spawn(|| {
            if check_tags(a, pages, 7).is_some() {
                return 2;
            }
            tag_pages(a, 4, 99); // a few private copies only
            0
        });
        wait_ok(pid, "child of the big process");
    }
    check!(check_tags(a, pages, 7).is_none(), "parent pages changed");
}

fn cow_read_syscall(ctx: &Ctx) {
    let mut expect = [0u8; 8000];
    {
        let fd = open_self(ctx);
        check_eq!(
            ok!(rt::fs::read_full(fd.0, &mut expect), "read"),
            8000,
            "file is at least 8000 bytes"
        );
    }
    let buf = map(3 * PG);
    let at = buf + 100; // spans three pages
    fill(buf, 3 * PG, 0x5A);

    // 1: the child read()s into the shared pages; the parent must keep its contents.
    let pid = spawn(|| {
        let fd = open_self(ctx); // own descriptor, so the parent's offset does not matter
                                 // SAFETY: [at, at+8000) is inside our 3-page mapping.
        let n = res(unsafe { syscall3(nr::SYS_READ, fd.0 as usize, at, 8000) });
        if n != Ok(8000) {
            eprintln!("    child read: {:?}", n);
            return 1;
        }
        for (i, &b) in expect.iter().enumerate() {
            // SAFETY: inside the mapping.
            if unsafe { peek(at + i) } != b {
                eprintln!("    child: byte {} differs from the file", i);
                return 2;
            }
        }
        0
    });
    wait_ok(pid, "reading child");
    expect_bytes(buf, 3 * PG, 0x5A, "parent after the child's read()");

    // 2: the parent read()s while the child still shares the pages.
    let pid = spawn(|| {
        sys::sleep_ms(50);
        if find_ne(buf, 3 * PG, 0x5A).is_some() {
            1
        } else {
            0
        }
    });
    let fd = open_self(ctx);
    // SAFETY: as above.
    let n = res(unsafe { syscall3(nr::SYS_READ, fd.0 as usize, at, 8000) });
    check_eq!(n, Ok(8000), "parent read");
    wait_ok(pid, "child must still see 0x5A after the parent's read()");
    for (i, &b) in expect.iter().enumerate() {
        // SAFETY: inside the mapping.
        check_eq!(unsafe { peek(at + i) }, b, "parent byte {}", i);
    }

    // 3: read() into a COW-shared page of the data segment.
    let data = &raw mut DATA_SEG as usize;
    fill(data, 2 * PG, 0x5D);
    let pid = spawn(|| {
        let fd = open_self(ctx);
        // SAFETY: inside DATA_SEG, which is accessed only through raw addresses here.
        let n = res(unsafe { syscall3(nr::SYS_READ, fd.0 as usize, data + 10, 100) });
        if n != Ok(100) {
            return 1;
        }
        // SAFETY: inside DATA_SEG.
        if unsafe { peek(data + 10) } != expect[0] {
            2
        } else {
            0
        }
    });
    wait_ok(pid, "child reading into .data");
    expect_bytes(data, 2 * PG, 0x5D, "parent .data after the child's read()");
}

fn cow_madvise(_ctx: &Ctx) {
    let a = map(4 * PG);
    fill(a, 4 * PG, 0x99);
    let pid = spawn(|| {
        if advise(a, 2 * PG, sys::MADV_DONTNEED).is_err() {
            return 1;
        }
        if find_ne(a, 2 * PG, 0).is_some() || find_ne(a + 2 * PG, 2 * PG, 0x99).is_some() {
            return 2;
        }
        0
    });
    wait_ok(pid, "child after MADV_DONTNEED");
    expect_bytes(
        a,
        4 * PG,
        0x99,
        "parent contents after the child's MADV_DONTNEED",
    );
}

// =============================================================================================
// Processes

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

// =============================================================================================
// Protection faults

#[inline(never)]
fn some_text() -> u32 {
    core::hint::black_box(0x1234_5678)
}

fn text_write(_ctx: &Ctx) {
    let addr = some_text as fn() -> u32 as usize;
    // SAFETY: reading our own code is fine.
    let v = unsafe { peek(addr) };
    check!(some_text() == 0x1234_5678);
    // SAFETY: expected to fault: text is mapped R+X.
    unsafe { poke(addr, v ^ 0xff) };
}

static RODATA: [u8; 64] = [7; 64];

fn rodata_write(_ctx: &Ctx) {
    let addr = core::hint::black_box(&RODATA).as_ptr() as usize;
    // SAFETY: reading our own read-only data.
    check_eq!(unsafe { peek(addr) }, 7, "rodata contents");
    // SAFETY: expected to fault: .rodata is mapped R only.
    unsafe { poke(addr, 8) };
}

fn null_read(_ctx: &Ctx) {
    // SAFETY: expected to fault.
    unsafe { peek(core::hint::black_box(0)) };
}

fn prot_read_write(_ctx: &Ctx) {
    let a = map(PG);
    fill(a, PG, 0x3C);
    ok!(protect(a, PG, sys::PROT_READ), "mprotect READ");
    expect_bytes(a, PG, 0x3C, "contents after mprotect(READ)");
    // SAFETY: expected to fault.
    unsafe { poke(a + 5, 0) };
}

fn prot_none_read(_ctx: &Ctx) {
    let a = ok!(sys::mmap_anon(PG, sys::PROT_NONE, 0), "mmap PROT_NONE");
    // SAFETY: expected to fault.
    unsafe { peek(a) };
}

fn munmap_hole(_ctx: &Ctx) {
    let a = map(3 * PG);
    fill(a, 3 * PG, 0x61);
    ok!(unmap(a + PG, PG), "munmap the middle page");
    expect_bytes(a, PG, 0x61, "left side");
    expect_bytes(a + 2 * PG, PG, 0x61, "right side");
    fill(a, PG, 0x62);
    fill(a + 2 * PG, PG, 0x63);
    expect_bytes(a, PG, 0x62, "left side rewritten");
    expect_bytes(a + 2 * PG, PG, 0x63, "right side rewritten");
    // SAFETY: expected to fault: the hole.
    unsafe { peek(a + PG + 100) };
}

/// Regression for the fuzzer's finding: areas cost kernel memory, so their number per process
/// is limited (Linux: vm.max_map_count, 65,530) and mprotect splits end in ENOMEM.
fn map_count_limit(_ctx: &Ctx) {
    const PAGES: usize = 140_000; // enough for 70,000 areas, more than any limit
    let a = map(PAGES * PG);
    let mut enomem_at = None;
    for i in 0..PAGES / 2 {
        match protect(a + (2 * i + 1) * PG, PG, sys::PROT_READ) {
            Ok(()) => {}
            Err(Errno::ENOMEM) => {
                enomem_at = Some(i);
                break;
            }
            Err(e) => check!(false, "mprotect split {}: unexpected {}", i, e),
        }
    }
    check!(enomem_at.is_some(), "{} splits and no ENOMEM", PAGES / 2);
    ok!(unmap(a, PAGES * PG), "munmap of the whole split mapping");
}

fn mprotect_adjacent(_ctx: &Ctx) {
    let a = map(6 * PG);
    for p in 0..6 {
        fill(a + p * PG, PG, 0x10 + p as u8);
    }
    ok!(
        protect(a + PG, 2 * PG, sys::PROT_READ),
        "mprotect pages 1-2 READ"
    );
    ok!(
        protect(a + 4 * PG, PG, sys::PROT_NONE),
        "mprotect page 4 NONE"
    );
    expect_ok("page 0 and 3 stay writable", || {
        fill(a, PG, 1);
        fill(a + 3 * PG, PG, 1);
    });
    expect_signal(sys::SIGSEGV, "write to read-only page 2", || {
        // SAFETY: expected to fault.
        unsafe { poke(a + 2 * PG, 1) }
    });
    expect_signal(sys::SIGSEGV, "read of PROT_NONE page 4", || {
        // SAFETY: expected to fault.
        unsafe { peek(a + 4 * PG) };
    });
    // One call across the four pieces.
    ok!(
        protect(a, 6 * PG, sys::PROT_READ | sys::PROT_WRITE),
        "mprotect all RW"
    );
    for p in 0..6 {
        expect_bytes(
            a + p * PG,
            PG,
            0x10 + p as u8,
            "contents kept across mprotect",
        );
    }
    fill(a, 6 * PG, 0x7F);
    expect_bytes(a, 6 * PG, 0x7F, "all writable again");
    // A range with a hole: ENOMEM.
    ok!(unmap(a + 3 * PG, PG), "munmap page 3");
    err!(
        protect(a, 6 * PG, sys::PROT_READ),
        Errno::ENOMEM,
        "mprotect over a hole"
    );
    ok!(
        protect(a + 4 * PG, 2 * PG, sys::PROT_READ | sys::PROT_EXEC),
        "mprotect READ|EXEC"
    );
    expect_bytes(a + 4 * PG, 2 * PG, 0x7F, "readable after READ|EXEC");
}

fn brk_mprotect_shrink(_ctx: &Ctx) {
    let b0 = sys::brk(0);
    let base = page_up(b0);
    check_eq!(sys::brk(base + 8 * PG), base + 8 * PG, "grow 8 pages");
    fill(base, 8 * PG, 0x21);
    ok!(
        protect(base + 2 * PG, 3 * PG, sys::PROT_READ),
        "mprotect pages 2-4 READ"
    );
    expect_signal(sys::SIGSEGV, "write to read-only brk page", || {
        // SAFETY: expected to fault.
        unsafe { poke(base + 3 * PG, 1) }
    });
    expect_ok("write to brk page 1 and 6", || {
        fill(base + PG, PG, 2);
        fill(base + 6 * PG, PG, 2);
    });
    check_eq!(
        sys::brk(base + PG),
        base + PG,
        "shrink across the read-only range"
    );
    expect_signal(sys::SIGSEGV, "touch of a released brk page", || {
        // SAFETY: expected to fault.
        unsafe { peek(base + 3 * PG) };
    });
    check_eq!(sys::brk(base + 8 * PG), base + 8 * PG, "regrow");
    expect_bytes(base, PG, 0x21, "kept page 0");
    expect_bytes(base + PG, 7 * PG, 0, "regrown pages are zero");
    fill(base + PG, 7 * PG, 0x22);
    expect_bytes(base + PG, 7 * PG, 0x22, "regrown pages are writable");
    check_eq!(sys::brk(b0), b0, "brk back");
}

fn mremap_grow_move(_ctx: &Ctx) {
    // 1. Grow in place into a free range.
    let a = map(8 * PG);
    ok!(unmap(a + 2 * PG, 6 * PG), "munmap tail");
    fill(a, 2 * PG, 0x41);
    let r = ok!(remap(a, 2 * PG, 6 * PG, 0, 0), "mremap grow in place");
    check_eq!(r, a, "grown in place");
    expect_bytes(a, 2 * PG, 0x41, "kept contents");
    expect_bytes(a + 2 * PG, 4 * PG, 0, "new part is zero");
    fill(a + 2 * PG, 4 * PG, 0x42);

    // 2. Blocked: without MAYMOVE ENOMEM, with MAYMOVE a move keeping the contents.
    let blocker = a + 6 * PG;
    match map_at(blocker, PG, sys::PROT_READ) {
        Ok(_) | Err(Errno::EEXIST) => {}
        Err(e) => crate::util::fail(
            core::panic::Location::caller(),
            format_args!("blocker mmap: {}", e),
        ),
    }
    err!(
        remap(a, 6 * PG, 16 * PG, 0, 0),
        Errno::ENOMEM,
        "mremap grow blocked"
    );
    let b = ok!(
        remap(a, 6 * PG, 16 * PG, sys::MREMAP_MAYMOVE, 0),
        "mremap MAYMOVE"
    );
    check!(b != a, "moved");
    expect_bytes(b, 2 * PG, 0x41, "moved contents (1)");
    expect_bytes(b + 2 * PG, 4 * PG, 0x42, "moved contents (2)");
    expect_bytes(b + 6 * PG, 10 * PG, 0, "grown part is zero");
    expect_signal(sys::SIGSEGV, "old address after the move", || {
        // SAFETY: expected to fault.
        unsafe { peek(a) };
    });

    // 3. Shrink.
    check_eq!(
        ok!(remap(b, 16 * PG, 2 * PG, 0, 0), "mremap shrink"),
        b,
        "shrunk in place"
    );
    expect_bytes(b, 2 * PG, 0x41, "contents after shrink");
    expect_signal(sys::SIGSEGV, "page released by shrinking", || {
        // SAFETY: expected to fault.
        unsafe { peek(b + 2 * PG) };
    });

    // 4. MREMAP_FIXED onto the middle of another mapping.
    let t = map(4 * PG);
    fill(t, 4 * PG, 0x55);
    let r = ok!(
        remap(
            b,
            2 * PG,
            2 * PG,
            sys::MREMAP_MAYMOVE | sys::MREMAP_FIXED,
            t + PG
        ),
        "mremap FIXED"
    );
    check_eq!(r, t + PG, "FIXED destination");
    expect_bytes(t, PG, 0x55, "target page 0 kept");
    expect_bytes(t + PG, 2 * PG, 0x41, "moved onto target pages 1-2");
    expect_bytes(t + 3 * PG, PG, 0x55, "target page 3 kept");

    // 5. Errors.
    err!(
        remap(b, 2 * PG, 4 * PG, sys::MREMAP_MAYMOVE, 0),
        Errno::EFAULT,
        "mremap of an unmapped range"
    );
    err!(
        remap(t + 1, PG, 2 * PG, sys::MREMAP_MAYMOVE, 0),
        Errno::EINVAL,
        "mremap unaligned"
    );
    err!(
        remap(t, PG, PG, sys::MREMAP_FIXED, t + 8 * PG),
        Errno::EINVAL,
        "MREMAP_FIXED without MAYMOVE"
    );
    err!(
        remap(t, PG, 0, sys::MREMAP_MAYMOVE, 0),
        Errno::EINVAL,
        "mremap to length 0"
    );
}

/// Found by the fuzzer (seed 71, batch 37, debug kernel: "attempt to add with overflow" in
/// mremap): with MREMAP_FIXED the kernel computed the end of the target range as
/// `new_addr + new_len` in 32 bits for its overlap check. A target below the old mapping whose
/// range reaches or passes 2^32 must simply fail with EINVAL, as on Linux, leaving the old
/// mapping alone.
fn mremap_fixed_wrap(ctx: &Ctx) {
    // A page high up, so a target below it can run to 2^32 with a length the kernel accepts.
    let mut a = 0;
    for i in 0..16 {
        let at = ctx.user_top - 0x1000_0000 - i * 0x0100_0000;
        if let Ok(got) = map_at(at, PG, sys::PROT_READ | sys::PROT_WRITE) {
            check_eq!(got, at, "MAP_FIXED_NOREPLACE address");
            a = got;
            break;
        }
    }
    check!(a != 0, "no free page found high in user space");
    fill(a, PG, 0x5A);
    let flags = sys::MREMAP_MAYMOVE | sys::MREMAP_FIXED;
    let t = a - 0x1000_0000;
    err!(remap(a, PG, 0usize.wrapping_sub(t), flags, t), Errno::EINVAL, "target ending exactly at 2^32");
    err!(remap(a, PG, 0x8000_0000, flags, t), Errno::EINVAL, "target wrapping past 2^32");
    err!(remap(a, PG, ctx.user_top - t + PG, flags, t), Errno::EINVAL, "target past the end of user space");
    err!(remap(a, PG, 0x7000_0000, flags, a - 0x1000), Errno::EINVAL, "overlapping target wrapping past 2^32");
    expect_bytes(a, PG, 0x5A, "old mapping intact");
    ok!(unmap(a, PG), "munmap");
}

/// Found by the fuzzer's author while reading what it exercised: our mremap moves a mapping by
/// copying its pages, opening the old range for reading first when it is not readable and
/// writable. A copy that fails (a page of a file mapping beyond EOF) made mremap return ENOMEM
/// with the old range left PROT_READ: a PROT_NONE mapping became readable, a write-only one
/// lost its write permission. Linux moves the page tables, so there the move succeeds; either
/// outcome is accepted, but the old address must never be readable afterwards, and a refused
/// move must leave the mapping as it was.
fn mremap_keeps_prot(ctx: &Ctx) {
    let fd = open_self(ctx);
    let size = ok!(sys::fstat64(fd.0), "fstat64").st_size as usize;
    let len = (size.div_ceil(PG) + 2) * PG;
    for (prot, what) in [(sys::PROT_NONE, "PROT_NONE"), (sys::PROT_WRITE, "PROT_WRITE")] {
        let a = ok!(mmap_raw(0, len, prot, sys::MAP_PRIVATE, fd.0, 0), "file mmap reaching past EOF");
        let target = map(len);
        match remap(a, len, len, sys::MREMAP_MAYMOVE | sys::MREMAP_FIXED, target) {
            Ok(b) => {
                check_eq!(b, target, "moved to the target");
                expect_signal(sys::SIGSEGV, "old address after the move", || {
                    // SAFETY: expected to fault: the old range is gone.
                    unsafe { peek(a) };
                });
                if prot == sys::PROT_NONE {
                    expect_signal(sys::SIGSEGV, "moved PROT_NONE mapping", || {
                        // SAFETY: expected to fault: still PROT_NONE.
                        unsafe { peek(b) };
                    });
                }
                ok!(unmap(b, len), "munmap");
            }
            Err(e) => {
                note!(ctx, "mremap of a {} file mapping past EOF refused: {}", what, e);
                if prot == sys::PROT_NONE {
                    expect_signal(sys::SIGSEGV, "PROT_NONE mapping after a refused move", || {
                        // SAFETY: expected to fault: still PROT_NONE.
                        unsafe { peek(a) };
                    });
                } else {
                    expect_ok("write-only mapping after a refused move", || {
                        // SAFETY: the first page is within the file and writable (private).
                        unsafe { poke(a + 8, 0x77) };
                    });
                }
                ok!(unmap(a, len), "munmap");
                let _ = unmap(target, len);
            }
        }
    }
}

fn map_fixed_replace(_ctx: &Ctx) {
    let a = map(4 * PG);
    fill(a, 4 * PG, 0x77);
    let r = ok!(
        mmap_raw(
            a + PG,
            2 * PG,
            sys::PROT_READ | sys::PROT_WRITE,
            sys::MAP_PRIVATE | sys::MAP_ANONYMOUS | sys::MAP_FIXED,
            -1,
            0
        ),
        "MAP_FIXED"
    );
    check_eq!(r, a + PG, "MAP_FIXED address");
    expect_bytes(a, PG, 0x77, "page 0 kept");
    expect_bytes(a + PG, 2 * PG, 0, "replaced pages are zero");
    expect_bytes(a + 3 * PG, PG, 0x77, "page 3 kept");
    fill(a + PG, 2 * PG, 0x78);
    // Replace with a read-only mapping: writes now fault.
    ok!(
        mmap_raw(
            a + 2 * PG,
            PG,
            sys::PROT_READ,
            sys::MAP_PRIVATE | sys::MAP_ANONYMOUS | sys::MAP_FIXED,
            -1,
            0
        ),
        "MAP_FIXED read-only"
    );
    expect_bytes(a + 2 * PG, PG, 0, "read-only replacement is zero");
    expect_signal(sys::SIGSEGV, "write to the read-only replacement", || {
        // SAFETY: expected to fault.
        unsafe { poke(a + 2 * PG, 1) }
    });
    err!(
        map_at(a, PG, sys::PROT_READ),
        Errno::EEXIST,
        "MAP_FIXED_NOREPLACE over a mapping"
    );
    expect_bytes(a, PG, 0x77, "page 0 after the refused NOREPLACE");
}

fn mmap_errors(ctx: &Ctx) {
    let rw = sys::PROT_READ | sys::PROT_WRITE;
    let anon = sys::MAP_PRIVATE | sys::MAP_ANONYMOUS;
    {
        err!(
            mmap_raw(0, 0, rw, anon, -1, 0),
            Errno::EINVAL,
            "mmap length 0"
        );
        err!(
            mmap_raw(0x1000_0001, PG, rw, anon | sys::MAP_FIXED, -1, 0),
            Errno::EINVAL,
            "MAP_FIXED unaligned"
        );
        err!(
            mmap_raw(0, PG, rw, sys::MAP_ANONYMOUS, -1, 0),
            Errno::EINVAL,
            "neither SHARED nor PRIVATE"
        );
        err!(
            mmap_raw(0, PG, sys::PROT_READ, sys::MAP_PRIVATE, 12345, 0),
            Errno::EBADF,
            "file mapping of a bad fd"
        );
        err!(
            mmap_raw(0, 0xF000_0000, rw, anon, -1, 0),
            Errno::ENOMEM,
            "mmap larger than the address space"
        );
        let fd = open_self(ctx);
        err!(
            mmap_raw(0, PG, rw, sys::MAP_SHARED, fd.0, 0),
            Errno::EACCES,
            "shared writable mapping of an O_RDONLY file"
        );

        let a = map(4 * PG);
        err!(unmap(a + 1, PG), Errno::EINVAL, "munmap unaligned");
        err!(unmap(a, 0), Errno::EINVAL, "munmap length 0");
        ok!(unmap(a + 2 * PG, 2 * PG), "munmap tail");
        ok!(
            unmap(a + 2 * PG, 2 * PG),
            "munmap of an already unmapped range succeeds"
        );
        err!(
            protect(a + 1, PG, sys::PROT_READ),
            Errno::EINVAL,
            "mprotect unaligned"
        );
        err!(
            protect(a + 2 * PG, PG, sys::PROT_READ),
            Errno::ENOMEM,
            "mprotect unmapped"
        );
        err!(
            protect(a, 3 * PG, sys::PROT_READ),
            Errno::ENOMEM,
            "mprotect partly unmapped"
        );
        err!(advise(a, PG, 12345), Errno::EINVAL, "madvise bad advice");
        err!(
            advise(a + 1, PG, sys::MADV_DONTNEED),
            Errno::EINVAL,
            "madvise unaligned"
        );
        err!(
            advise(a + 2 * PG, PG, sys::MADV_DONTNEED),
            Errno::ENOMEM,
            "madvise unmapped"
        );
        ok!(advise(a, 2 * PG, sys::MADV_NORMAL), "madvise NORMAL");
        ok!(advise(a, 2 * PG, sys::MADV_WILLNEED), "madvise WILLNEED");
        err!(sys::mlock(a + 2 * PG, PG), Errno::ENOMEM, "mlock unmapped");
        let mut vec = [0u8; 4];
        match sys::mincore(a + 2 * PG, PG, &mut vec) {
            Err(Errno::ENOMEM) => {}
            Err(Errno::ENOSYS) if !ctx.linux => {}
            other => crate::util::fail(
                core::panic::Location::caller(),
                format_args!("mincore unmapped: {:?}", other),
            ),
        }
    }
}

fn old_mmap(ctx: &Ctx) {
    let rw = sys::PROT_READ | sys::PROT_WRITE;
    let a = ok!(
        old_mmap_raw(0, 2 * PG, rw, sys::MAP_PRIVATE | sys::MAP_ANONYMOUS, -1, 0),
        "old_mmap anon"
    );
    check_eq!(a % PG, 0, "alignment");
    expect_bytes(a, 2 * PG, 0, "old_mmap memory is zero");
    fill(a, 2 * PG, 3);
    ok!(unmap(a, 2 * PG), "munmap");
    let fd = open_self(ctx);
    let mut expect = [0u8; 64];
    ok!(sys::lseek(fd.0, PG as isize, sys::SEEK_SET), "lseek");
    check_eq!(ok!(sys::read(fd.0, &mut expect), "read"), 64, "read");
    let m = ok!(
        old_mmap_raw(0, PG, sys::PROT_READ, sys::MAP_PRIVATE, fd.0, PG),
        "old_mmap file at offset 4096"
    );
    for (i, &b) in expect.iter().enumerate() {
        // SAFETY: inside the file mapping.
        check_eq!(unsafe { peek(m + i) }, b, "file byte {}", PG + i);
    }
    err!(
        old_mmap_raw(0, PG, sys::PROT_READ, sys::MAP_PRIVATE, fd.0, 100),
        Errno::EINVAL,
        "old_mmap unaligned offset"
    );
}

fn mmap_file(ctx: &Ctx) {
    let contents = ok!(rt::fs::read_file(ctx.self_path.as_cstr()), "read file");
    let size = contents.len();
    check!(size > 2 * PG, "test file too small ({} bytes)", size);
    let fd = open_self(ctx);
    let st = ok!(sys::fstat64(fd.0), "fstat64");
    let st_size = st.st_size;
    let st_mode = st.st_mode;
    check_eq!(st_size as usize, size, "fstat64 size");
    check_eq!(st_mode & sys::S_IFMT, sys::S_IFREG, "fstat64 regular file");
    let m = ok!(
        mmap_raw(0, size, sys::PROT_READ, sys::MAP_PRIVATE, fd.0, 0),
        "mmap2 file"
    );
    for (i, &b) in contents.iter().enumerate() {
        // SAFETY: inside the mapping (size bytes).
        if unsafe { peek(m + i) } != b {
            crate::util::fail(
                core::panic::Location::caller(),
                format_args!("mapped byte {} differs", i),
            );
        }
    }
    let m1 = ok!(
        mmap_raw(
            0,
            PG,
            sys::PROT_READ | sys::PROT_WRITE,
            sys::MAP_PRIVATE,
            fd.0,
            1
        ),
        "mmap2 pgoff 1, writable private"
    );
    for i in 0..PG.min(size - PG) {
        // SAFETY: inside the mapping.
        check_eq!(
            unsafe { peek(m1 + i) },
            contents[PG + i],
            "byte {} at pgoff 1",
            PG + i
        );
    }
    drop(fd);
    // Mappings survive close; private writes stay private.
    fill(m1, 16, 0xEE);
    expect_bytes(m1, 16, 0xEE, "private write");
    // SAFETY: inside the mapping.
    check_eq!(
        unsafe { peek(m + PG) },
        contents[PG],
        "other mapping of the same page is unaffected"
    );
    let again = ok!(rt::fs::read_file(ctx.self_path.as_cstr()), "re-read file");
    check!(
        again == contents,
        "the file changed after a private mapping was written"
    );
    ok!(unmap(m, size), "munmap");
    ok!(unmap(m1, PG), "munmap");
}

fn mmap_file_sigbus(ctx: &Ctx) {
    let fd = open_self(ctx);
    let size = ok!(sys::fstat64(fd.0), "fstat64").st_size as usize;
    let pages = size.div_ceil(PG);
    let m = ok!(
        mmap_raw(
            0,
            (pages + 2) * PG,
            sys::PROT_READ,
            sys::MAP_PRIVATE,
            fd.0,
            0
        ),
        "mmap beyond EOF"
    );
    if !size.is_multiple_of(PG) {
        expect_bytes(
            m + size,
            pages * PG - size,
            0,
            "tail of the page holding EOF",
        );
    }
    // SAFETY: expected to fault with SIGBUS: a whole page beyond EOF.
    unsafe { peek(m + pages * PG + 8) };
}

fn madvise_dontneed(ctx: &Ctx) {
    let a = map(8 * PG);
    fill(a, 8 * PG, 0xAB);
    let free0 = rt::fs::mem_free_kib().unwrap_or(0);
    ok!(
        advise(a + 2 * PG, 3 * PG, sys::MADV_DONTNEED),
        "madvise DONTNEED"
    );
    if ctx.strict {
        let free1 = ok!(rt::fs::mem_free_kib(), "MemFree");
        check!(
            free1 >= free0 + 3 * PG / KIB,
            "DONTNEED freed nothing: MemFree {} -> {}",
            free0,
            free1
        );
    }
    expect_bytes(a, 2 * PG, 0xAB, "pages before the range");
    expect_bytes(a + 2 * PG, 3 * PG, 0, "discarded pages read zero");
    expect_bytes(a + 5 * PG, 3 * PG, 0xAB, "pages after the range");
    fill(a + 2 * PG, 3 * PG, 0xAC);
    expect_bytes(a + 2 * PG, 3 * PG, 0xAC, "discarded pages are writable");
    // brk memory too.
    let b0 = sys::brk(0);
    let base = page_up(b0);
    check_eq!(sys::brk(base + 2 * PG), base + 2 * PG, "brk grow");
    fill(base, 2 * PG, 0x12);
    ok!(
        advise(base, 2 * PG, sys::MADV_DONTNEED),
        "madvise DONTNEED on brk"
    );
    expect_bytes(base, 2 * PG, 0, "discarded brk pages");
    check_eq!(sys::brk(b0), b0, "brk back");
}

/// Pages of `[a, a+pages*PG)` that mincore reports resident; `None` if mincore is missing.
fn resident(a: usize, pages: usize) -> Option<usize> {
    let mut v = [0u8; 64];
    assert!(pages <= v.len());
    match sys::mincore(a, pages * PG, &mut v) {
        Ok(()) => Some(v[..pages].iter().filter(|b| **b & 1 != 0).count()),
        Err(Errno::ENOSYS) => None,
        Err(e) => crate::util::fail(
            core::panic::Location::caller(),
            format_args!("mincore: {}", e),
        ),
    }
}

fn mlock_populates(ctx: &Ctx) {
    let n = 64;
    let size = n * PG;
    // Falls back to MemFree when mincore is not implemented (only meaningful when strict).
    let check_resident = |a: usize, free0: usize, what: &str| match resident(a, n) {
        Some(r) => check_eq!(r, n, "{}: resident pages", what),
        None => {
            if ctx.strict {
                let free1 = ok!(rt::fs::mem_free_kib(), "MemFree");
                check!(
                    free0 >= free1 + size / KIB,
                    "{}: MemFree {} -> {} KiB",
                    what,
                    free0,
                    free1
                );
            }
        }
    };
    let free0 = rt::fs::mem_free_kib().unwrap_or(0);
    let a = map(size);
    if let Some(r) = resident(a, n) {
        check_eq!(r, 0, "untouched anonymous pages resident");
    }
    ok!(sys::mlock(a, size), "mlock");
    check_resident(a, free0, "after mlock");
    expect_bytes(a, size, 0, "locked pages are zero");
    ok!(sys::munlock(a, size), "munlock");

    let free0 = rt::fs::mem_free_kib().unwrap_or(0);
    let rw = sys::PROT_READ | sys::PROT_WRITE;
    let b = ok!(
        sys::mmap_anon(size, rw, sys::MAP_POPULATE),
        "mmap MAP_POPULATE"
    );
    check_resident(b, free0, "MAP_POPULATE");
    let free0 = rt::fs::mem_free_kib().unwrap_or(0);
    let c = ok!(sys::mmap_anon(size, rw, sys::MAP_LOCKED), "mmap MAP_LOCKED");
    check_resident(c, free0, "MAP_LOCKED");

    ok!(
        sys::mlockall(sys::MCL_CURRENT | sys::MCL_FUTURE),
        "mlockall"
    );
    let free0 = rt::fs::mem_free_kib().unwrap_or(0);
    let d = map(size);
    check_resident(d, free0, "mmap after mlockall(MCL_FUTURE)");
    ok!(sys::munlockall(), "munlockall");
    let e = map(size);
    if let Some(r) = resident(e, n) {
        check_eq!(r, 0, "mmap after munlockall resident pages");
    }
    err!(sys::mlockall(0), Errno::EINVAL, "mlockall(0)");
}

// =============================================================================================
// Stack

#[inline(never)]
fn recurse(depth: usize) -> u32 {
    let mut frame = [0u8; 4000];
    frame[0] = depth as u8;
    frame[3999] = depth as u8;
    let frame = core::hint::black_box(&mut frame);
    let below = if depth == 0 { 0 } else { recurse(depth - 1) };
    below + frame[0] as u32 + frame[3999] as u32
}

fn stack_grow(ctx: &Ctx) {
    let s = sp() & !(PG - 1);
    // A mapping 3 MiB below: after growing 1 MiB the gap to it is still 2 MiB (> the 1 MiB
    // guard gap), so growth must succeed.
    let m = map_at(s - 3 * MIB, PG, sys::PROT_READ);
    note!(
        ctx,
        "sp {:#x}, mapping 3 MiB below: {}",
        s,
        if m.is_ok() { "placed" } else { "not placed" }
    );
    let depth = 260; // 260 * ~4 KiB > 1 MiB
    let want: u32 = (0..=depth).map(|d| 2 * (d as u8) as u32).sum();
    check_eq!(recurse(depth), want, "recursion result");
    check!(sp() & !(PG - 1) == s, "sp moved");
}

fn stack_guard_gap(ctx: &Ctx) {
    let s = sp() & !(PG - 1);
    let m = s - 16 * MIB;
    let got = ok!(
        map_at(m, PG, sys::PROT_READ | sys::PROT_WRITE),
        "mapping 16 MiB below the stack"
    );
    check_eq!(got, m, "mapping address");
    note!(ctx, "sp {:#x}, mapping at {:#x}", s, m);
    // SAFETY: our mapping.
    unsafe { poke(m, 1) };
    // SAFETY: expected to fault: growing the stack down to here would leave less than the
    // guard gap (Linux: 256 pages) above the mapping (and exceed an 8 MiB stack limit).
    unsafe { peek(m + 2 * PG) };
}

fn stack_far(ctx: &Ctx) {
    let target = (sp() & !(PG - 1)) - 16 * MIB;
    note!(ctx, "touching {:#x}", target);
    // Nothing may be mapped there: map_at must succeed (and then we remove it again).
    let got = ok!(map_at(target, PG, sys::PROT_READ), "probe mapping");
    check_eq!(got, target, "probe mapping address");
    ok!(unmap(target, PG), "unmap probe");
    // SAFETY: expected to fault: 16 MiB below the stack exceeds the stack limit.
    unsafe { peek(target) };
}

// =============================================================================================
// Kernel memory

fn kernel_read(_ctx: &Ctx) {
    // SAFETY: expected to fault.
    unsafe { peek(core::hint::black_box(KERNEL_BASE)) };
}

fn kernel_write(_ctx: &Ctx) {
    // SAFETY: expected to fault.
    unsafe { poke(core::hint::black_box(KERNEL_BASE), 0) };
}

fn kernel_read_top(_ctx: &Ctx) {
    // SAFETY: expected to fault.
    unsafe { peek(core::hint::black_box(0xFFFF_F000)) };
}

// =============================================================================================
// Bad pointers in system calls

/// A mapping of two pages whose second page is unmapped; returns the first page's address.
fn half_valid() -> usize {
    let a = map(2 * PG);
    ok!(unmap(a + PG, PG), "unmap second page");
    a
}

/// The bad ranges shared by the read and write tests: (address, length, description).
fn bad_ranges(ctx: &Ctx) -> [(usize, usize, &'static str); 5] {
    [
        (0, 16, "NULL"),
        (KERNEL_BASE, 16, "0xC0000000"),
        (0xFFFF_F000, 0x2000, "(0xFFFFF000, 0x2000): wraps around"),
        (ctx.user_top - PG, 2 * PG, "crossing the end of user space"),
        (0xFFFF_FFF0, 0x20, "(0xFFFFFFF0, 0x20): wraps around"),
    ]
}

fn efault_write(ctx: &Ctx) {
    // Ranges that are not user space fail in every kernel before the file is looked at...
    for (addr, len, what) in bad_ranges(ctx) {
        if addr == 0 {
            continue;
        }
        // SAFETY: write only reads; the kernel must reject the range.
        let r = res(unsafe { syscall3(nr::SYS_WRITE, 1, addr, len) });
        err!(r, Errno::EFAULT, "write(1, {})", what);
    }
    // ...the others only for a file that really copies the data (not /dev/null).
    let Some(fd) = copying_fd() else {
        note!(
            ctx,
            "fd 1 and 2 are /dev/null: skipping the unmapped-buffer writes"
        );
        return;
    };
    // SAFETY: write only reads; NULL is not mapped.
    err!(
        res(unsafe { syscall3(nr::SYS_WRITE, fd as usize, 0, 16) }),
        Errno::EFAULT,
        "write(NULL)"
    );
    let a = half_valid();
    let msg = b"# vmtest efault_write: output of a half-valid write (expected)\n";
    let start = a + PG - msg.len();
    for (i, &b) in msg.iter().enumerate() {
        // SAFETY: inside the first (mapped) page.
        unsafe { poke(start + i, b) };
    }
    // SAFETY: write only reads; the second page is unmapped.
    let r = res(unsafe { syscall3(nr::SYS_WRITE, fd as usize, start, msg.len() + 100) });
    match r {
        Err(Errno::EFAULT) => note!(ctx, "half-valid write: EFAULT"),
        Ok(n) if n > 0 && n <= msg.len() => note!(ctx, "half-valid write: short write of {}", n),
        other => crate::util::fail(
            core::panic::Location::caller(),
            format_args!(
                "half-valid write: {:?}, want EFAULT or 1..={}",
                other,
                msg.len()
            ),
        ),
    }
    // SAFETY: write only reads.
    let r = res(unsafe { syscall3(nr::SYS_WRITE, fd as usize, a + PG, 16) });
    err!(r, Errno::EFAULT, "write from the unmapped page");
    let p = ok!(sys::mmap_anon(PG, sys::PROT_NONE, 0), "PROT_NONE page");
    // SAFETY: write only reads; the page is PROT_NONE.
    let r = res(unsafe { syscall3(nr::SYS_WRITE, fd as usize, p, 16) });
    err!(r, Errno::EFAULT, "write from a PROT_NONE page");
}

fn efault_read(ctx: &Ctx) {
    let fd = open_self(ctx);
    let mut first = [0u8; 200];
    check_eq!(ok!(sys::read(fd.0, &mut first), "read"), 200, "read");
    let rd = |addr: usize, len: usize| {
        ok!(sys::lseek(fd.0, 0, sys::SEEK_SET), "lseek");
        // SAFETY: the kernel must reject or stop at the bad part; the good parts are memory
        // this case owns and only reads through raw addresses.
        res(unsafe { syscall3(nr::SYS_READ, fd.0 as usize, addr, len) })
    };
    for (addr, len, what) in bad_ranges(ctx) {
        err!(rd(addr, len), Errno::EFAULT, "read into {}", what);
    }
    let ro = ok!(sys::mmap_anon(PG, sys::PROT_READ, 0), "PROT_READ page");
    err!(rd(ro, 16), Errno::EFAULT, "read into a PROT_READ page");
    expect_bytes(ro, PG, 0, "PROT_READ page unchanged");
    let text = some_text as fn() -> u32 as usize;
    // SAFETY: reading our code.
    let before = unsafe { peek(text) };
    err!(rd(text, 16), Errno::EFAULT, "read into the text segment");
    // SAFETY: reading our code.
    check_eq!(unsafe { peek(text) }, before, "text unchanged");
    check!(some_text() == 0x1234_5678, "text still works");
    let rodata = core::hint::black_box(&RODATA).as_ptr() as usize;
    err!(rd(rodata, 16), Errno::EFAULT, "read into .rodata");
    let none = ok!(sys::mmap_anon(PG, sys::PROT_NONE, 0), "PROT_NONE page");
    err!(rd(none, 16), Errno::EFAULT, "read into a PROT_NONE page");

    let a = half_valid();
    let start = a + PG - 100;
    match rd(start, 200) {
        Err(Errno::EFAULT) => note!(ctx, "half-valid read: EFAULT"),
        Ok(n) if n > 0 && n <= 100 => {
            note!(ctx, "half-valid read: short read of {}", n);
            for (i, &b) in first[..n].iter().enumerate() {
                // SAFETY: inside the mapped first page.
                check_eq!(unsafe { peek(start + i) }, b, "short-read byte {}", i);
            }
        }
        other => crate::util::fail(
            core::panic::Location::caller(),
            format_args!("half-valid read: {:?}, want EFAULT or 1..=100", other),
        ),
    }
    // Still fully functional afterwards.
    let mut again = [0u8; 200];
    ok!(sys::lseek(fd.0, 0, sys::SEEK_SET), "lseek");
    check_eq!(
        ok!(sys::read(fd.0, &mut again), "read"),
        200,
        "read after the faults"
    );
    check!(again == first, "file contents after the faults");
}

fn efault_misc(ctx: &Ctx) {
    let selfp = ctx.self_path.as_cstr().as_ptr() as usize;
    let bad_ptrs = [0usize, KERNEL_BASE, 0xFFFF_F000];
    // SAFETY: (the whole block) every call passes a pointer the kernel must reject without
    // touching our memory; the valid pointers are live locals.
    unsafe {
        for p in bad_ptrs {
            err!(
                res(syscall3(nr::SYS_OPEN, p, 0, 0)),
                Errno::EFAULT,
                "open({:#x})",
                p
            );
            err!(
                res(syscall3(nr::SYS_EXECVE, p, 0, 0)),
                Errno::EFAULT,
                "execve({:#x}, ..)",
                p
            );
            err!(
                res(syscall2(nr::SYS_NANOSLEEP, p, 0)),
                Errno::EFAULT,
                "nanosleep({:#x})",
                p
            );
            err!(
                res(syscall1(nr::SYS_UNAME, p)),
                Errno::EFAULT,
                "uname({:#x})",
                p
            );
            err!(
                res(syscall1(nr::SYS_MMAP, p)),
                Errno::EFAULT,
                "old_mmap({:#x})",
                p
            );
        }
        // A path running into an unmapped page without a NUL.
        let a = half_valid();
        fill(a + PG - 8, 8, b'x');
        err!(
            res(syscall3(nr::SYS_OPEN, a + PG - 8, 0, 0)),
            Errno::EFAULT,
            "open(path without NUL before an unmapped page)"
        );
        // execve: a valid file but bad argv/envp must fail before the old image is gone.
        let good_argv = [selfp as *const u8, core::ptr::null()];
        let bad_str_argv = [KERNEL_BASE as *const u8, core::ptr::null()];
        let empty = [core::ptr::null::<u8>()];
        err!(
            res(syscall3(
                nr::SYS_EXECVE,
                selfp,
                KERNEL_BASE,
                empty.as_ptr() as usize
            )),
            Errno::EFAULT,
            "execve argv=0xC0000000"
        );
        err!(
            res(syscall3(
                nr::SYS_EXECVE,
                selfp,
                bad_str_argv.as_ptr() as usize,
                empty.as_ptr() as usize
            )),
            Errno::EFAULT,
            "execve argv[0]=0xC0000000"
        );
        err!(
            res(syscall3(
                nr::SYS_EXECVE,
                selfp,
                good_argv.as_ptr() as usize,
                KERNEL_BASE
            )),
            Errno::EFAULT,
            "execve envp=0xC0000000"
        );
        err!(
            res(syscall3(
                nr::SYS_EXECVE,
                selfp,
                good_argv.as_ptr() as usize,
                bad_str_argv.as_ptr() as usize
            )),
            Errno::EFAULT,
            "execve envp[0]=0xC0000000"
        );
        core::ptr::write_volatile((a + PG - 4) as *mut usize, selfp);
        err!(
            res(syscall3(
                nr::SYS_EXECVE,
                selfp,
                a + PG - 4,
                empty.as_ptr() as usize
            )),
            Errno::EFAULT,
            "execve argv array running into an unmapped page"
        );
        let fd = open_self(ctx);
        for p in bad_ptrs {
            err!(
                res(syscall2(nr::SYS_FSTAT64, fd.0 as usize, p)),
                Errno::EFAULT,
                "fstat64(fd, {:#x})",
                p
            );
        }
        err!(
            res(syscall2(nr::SYS_FSTAT64, fd.0 as usize, a + PG - 48)),
            Errno::EFAULT,
            "fstat64 into a half-valid buffer"
        );
        let m = map(PG);
        match res(syscall3(nr::SYS_MINCORE, m, PG, KERNEL_BASE)) {
            Err(Errno::EFAULT) => {}
            Err(Errno::ENOSYS) if !ctx.linux => {}
            other => crate::util::fail(
                core::panic::Location::caller(),
                format_args!("mincore(vec=0xC0000000): {:?}", other),
            ),
        }
    }
    // Still alive and well.
    let m = map(PG);
    fill(m, PG, 9);
    expect_bytes(m, PG, 9, "memory after the bad calls");
}

fn wait4_bad_status(_ctx: &Ctx) {
    let pid = spawn(|| 7);
    sys::sleep_ms(20);
    for bad in [KERNEL_BASE, 0xFFFF_F000] {
        let pid2 = spawn(|| 8);
        // SAFETY: the kernel must reject the status pointer.
        let r = res(unsafe { syscall4(nr::SYS_WAIT4, pid2 as usize, bad, 0, 0) });
        err!(r, Errno::EFAULT, "wait4 with status {:#x}", bad);
        // Linux reaps the child before it fails to store the status.
        err!(
            sys::wait4(pid2 as i32, 0),
            Errno::ECHILD,
            "the child of the failed wait4 is reaped"
        );
    }
    // SAFETY: the kernel must reject the status pointer.
    let r = res(unsafe { syscall3(nr::SYS_WAITPID, pid as usize, KERNEL_BASE, 0) });
    err!(r, Errno::EFAULT, "waitpid with a bad status pointer");
    err!(
        sys::waitpid(-1, sys::WNOHANG),
        Errno::ECHILD,
        "no children left"
    );
}

fn oom_kill(ctx: &Ctx) {
    // Several workers (so that even a machine with more RAM than one 3 GiB address space runs
    // out) map and touch 1 MiB chunks; one whose address space is full sleeps, holding its
    // memory. The kernel must kill one of them with SIGKILL when memory is exhausted; then the
    // rest are killed here and everything must come back (the runner's leak check).
    const WORKERS: usize = 4;
    let mut pids = [0u32; WORKERS];
    for p in pids.iter_mut() {
        *p = spawn(|| {
            loop {
                match sys::mmap_anon(MIB, sys::PROT_READ | sys::PROT_WRITE, sys::MAP_NORESERVE) {
                    Ok(a) => tag_pages(a, MIB / PG, 1),
                    Err(_) => {
                        let b = page_up(sys::brk(0));
                        if sys::brk(b + MIB) == b + MIB {
                            tag_pages(b, MIB / PG, 1);
                        } else {
                            break; // address space full: hold on to the memory
                        }
                    }
                }
            }
            loop {
                sys::sleep_ms(100_000);
            }
        });
    }
    // The first worker to end must have been killed by the kernel with SIGKILL.
    let (first, s) = ok!(sys::waitpid(-1, 0), "waitpid(-1)");
    check!(
        pids.contains(&first),
        "waitpid returned a stranger {}",
        first
    );
    let first_ok = sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGKILL;
    note!(ctx, "worker {} ended: {}", first, WaitStatus(s));
    for &p in pids.iter().filter(|&&p| p != first) {
        let _ = sys::kill(p as i32, sys::SIGKILL);
    }
    for &p in pids.iter().filter(|&&p| p != first) {
        let s = wait(p);
        check!(
            sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGKILL,
            "worker {}: {}",
            p,
            WaitStatus(s)
        );
    }
    check!(
        first_ok,
        "the first worker to end was not killed by SIGKILL but {}",
        WaitStatus(s)
    );
}
