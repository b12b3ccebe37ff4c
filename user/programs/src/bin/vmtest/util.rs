//! Helpers for the test cases: the test context, check macros, raw memory probes, child
//! processes with expected outcomes.

use core::arch::asm;
use rt::fs::CBuf;
use rt::prelude::*;
use rt::WaitStatus;

pub const PG: usize = sys::PAGE_SIZE;
pub const KIB: usize = 1024;
pub const MIB: usize = 1024 * 1024;
/// First address above user space on our kernel (higher-half kernel at 3 GiB).
pub const KERNEL_BASE: usize = 0xC000_0000;

/// What a case may know about the run.
pub struct Ctx {
    /// Running on Linux (from `uname` or `--kernel=linux`), not on our kernel.
    pub linux: bool,
    /// `--strict-leaks`: MemFree must be exact around each case (our kernel).
    pub strict: bool,
    /// `-v`: cases print notes on stderr.
    pub verbose: bool,
    /// A readable file of a few pages (the vmtest binary itself).
    pub self_path: CBuf<256>,
    /// An executable (mode 755) file that is not an ELF and has no "#!".
    pub notelf_path: Option<CBuf<256>>,
    /// First address that is not user space: 0xC0000000 on our kernel; on Linux (an i386
    /// process on an x86-64 kernel has a 4 GiB address space) 0xFFFFE000.
    pub user_top: usize,
}

/// Fails the current case: prints where and why on stderr and exits with status 1.
#[macro_export]
macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            $crate::util::fail(core::panic::Location::caller(), format_args!("{}", stringify!($cond)));
        }
    };
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            $crate::util::fail(core::panic::Location::caller(), format_args!($($fmt)+));
        }
    };
}

/// `check_eq!(got, want, "what")`.
#[macro_export]
macro_rules! check_eq {
    ($got:expr, $want:expr, $($fmt:tt)+) => {{
        let (g, w) = (&$got, &$want);
        if *g != *w {
            $crate::util::fail(
                core::panic::Location::caller(),
                format_args!("{}: got {:?}, want {:?}", format_args!($($fmt)+), g, w),
            );
        }
    }};
}

/// `ok!(result, "what")`: unwraps an `Ok`, failing the case on `Err`.
#[macro_export]
macro_rules! ok {
    ($res:expr, $($fmt:tt)+) => {
        match $res {
            Ok(v) => v,
            Err(e) => $crate::util::fail(
                core::panic::Location::caller(),
                format_args!("{}: unexpected error {}", format_args!($($fmt)+), e),
            ),
        }
    };
}

/// `err!(result, Errno::X, "what")`: the call must fail with exactly that errno.
#[macro_export]
macro_rules! err {
    ($res:expr, $want:expr, $($fmt:tt)+) => {
        match $res {
            Err(e) if e == $want => {}
            other => $crate::util::fail(
                core::panic::Location::caller(),
                format_args!("{}: got {:?}, want Err({})", format_args!($($fmt)+), other, $want),
            ),
        }
    };
}

/// `note!(ctx, ...)`: informational line on stderr with `-v`.
#[macro_export]
macro_rules! note {
    ($ctx:expr, $($fmt:tt)+) => {
        if $ctx.verbose {
            rt::eprintln!("    note: {}", format_args!($($fmt)+));
        }
    };
}

pub fn fail(loc: &core::panic::Location<'_>, msg: core::fmt::Arguments<'_>) -> ! {
    let file = loc.file().rsplit('/').next().unwrap_or("");
    eprintln!("    check failed ({}:{}): {}", file, loc.line(), msg);
    sys::exit_group(1)
}

// ---------------------------------------------------------------------------------------------
// Raw memory probes. These deliberately access addresses that may be unmapped or protected:
// a fault is the expected outcome in many cases, so they are asm, not Rust references.

/// Reads one byte at `addr`.
///
/// # Safety
/// May fault (that is what the tests want); must not alias a live `&mut`.
#[inline(never)]
pub unsafe fn peek(addr: usize) -> u8 {
    let v: u8;
    // SAFETY: a plain load; the caller expects a possible fault.
    unsafe {
        asm!("mov {v}, byte ptr [{a}]", a = in(reg) addr, v = out(reg_byte) v,
             options(nostack, readonly, preserves_flags))
    };
    v
}

/// Writes one byte at `addr`.
///
/// # Safety
/// May fault; must not overwrite memory Rust relies on.
#[inline(never)]
pub unsafe fn poke(addr: usize, v: u8) {
    // SAFETY: a plain store; the caller expects a possible fault.
    unsafe {
        asm!("mov byte ptr [{a}], {v}", a = in(reg) addr, v = in(reg_byte) v,
             options(nostack, preserves_flags))
    };
}

/// The current stack pointer.
#[inline(always)]
pub fn sp() -> usize {
    let v: usize;
    // SAFETY: reads ESP only.
    unsafe { asm!("mov {}, esp", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

/// Fills `len` bytes at `addr` (memory this case mapped and owns) with `val`.
pub fn fill(addr: usize, len: usize, val: u8) {
    for i in 0..len {
        // SAFETY: the caller owns [addr, addr+len) and it is mapped writable; volatile so the
        // compiler cannot reason across fork/syscalls about the contents.
        unsafe { core::ptr::write_volatile((addr + i) as *mut u8, val) };
    }
}

/// Index of the first byte in `[addr, addr+len)` that differs from `val`.
pub fn find_ne(addr: usize, len: usize, val: u8) -> Option<usize> {
    (0..len).find(|&i| {
        // SAFETY: the caller owns [addr, addr+len) and it is mapped readable.
        unsafe { core::ptr::read_volatile((addr + i) as *const u8) != val }
    })
}

/// Checks that `[addr, addr+len)` holds `val` everywhere.
#[track_caller]
pub fn expect_bytes(addr: usize, len: usize, val: u8, what: &str) {
    if let Some(i) = find_ne(addr, len, val) {
        // SAFETY: i < len, inside the owned range.
        let got = unsafe { core::ptr::read_volatile((addr + i) as *const u8) };
        fail(
            core::panic::Location::caller(),
            format_args!(
                "{}: byte {:#x} at {:#x} is {:#04x}, want {:#04x}",
                what,
                i,
                addr + i,
                got,
                val
            ),
        );
    }
}

/// Writes a per-page tag (u32 in the first word of each page).
pub fn tag_pages(addr: usize, pages: usize, tag: u32) {
    for p in 0..pages {
        // SAFETY: the caller owns the pages.
        unsafe {
            core::ptr::write_volatile((addr + p * PG) as *mut u32, tag.wrapping_add(p as u32))
        };
    }
}

/// Index of the first page whose tag differs.
pub fn check_tags(addr: usize, pages: usize, tag: u32) -> Option<(usize, u32)> {
    (0..pages).find_map(|p| {
        // SAFETY: the caller owns the pages.
        let v = unsafe { core::ptr::read_volatile((addr + p * PG) as *const u32) };
        if v != tag.wrapping_add(p as u32) {
            Some((p, v))
        } else {
            None
        }
    })
}

pub fn page_up(n: usize) -> usize {
    (n + PG - 1) & !(PG - 1)
}

/// Private anonymous read-write mapping, failing the case on error.
#[track_caller]
pub fn map(len: usize) -> usize {
    match sys::mmap_anon(len, sys::PROT_READ | sys::PROT_WRITE, 0) {
        Ok(a) => a,
        Err(e) => fail(
            core::panic::Location::caller(),
            format_args!("mmap({:#x}) failed: {}", len, e),
        ),
    }
}

/// Unmaps a range this case mapped.
pub fn unmap(addr: usize, len: usize) -> Result<(), Errno> {
    // SAFETY: the tests only unmap ranges they mapped themselves and access through raw
    // addresses, never through Rust references.
    unsafe { sys::munmap(addr, len) }
}

// Memory-management calls on ranges a case owns. The cases never hold Rust references into
// such ranges (they use peek/poke/fill on raw addresses), so changing, moving or removing the
// mappings cannot invalidate anything Rust relies on; a later access can only fault, which is
// what the cases test.

pub fn protect(addr: usize, len: usize, prot: usize) -> Result<(), Errno> {
    // SAFETY: see above: only raw-address accesses to case-owned ranges.
    unsafe { sys::mprotect(addr, len, prot) }
}

pub fn remap(
    old: usize,
    old_len: usize,
    new_len: usize,
    flags: usize,
    new: usize,
) -> Result<usize, Errno> {
    // SAFETY: see above.
    unsafe { sys::mremap(old, old_len, new_len, flags, new) }
}

pub fn advise(addr: usize, len: usize, advice: usize) -> Result<(), Errno> {
    // SAFETY: see above (DONTNEED only discards case-owned contents).
    unsafe { sys::madvise(addr, len, advice) }
}

/// mmap2 with any flags; MAP_FIXED only over ranges the case owns (or unmapped ones).
pub fn mmap_raw(
    addr: usize,
    len: usize,
    prot: usize,
    flags: usize,
    fd: i32,
    pgoff: usize,
) -> Result<usize, Errno> {
    // SAFETY: see above.
    unsafe { sys::mmap2(addr, len, prot, flags, fd, pgoff) }
}

/// old_mmap (syscall 90) with any flags, as [`mmap_raw`].
pub fn old_mmap_raw(
    addr: usize,
    len: usize,
    prot: usize,
    flags: usize,
    fd: i32,
    off: usize,
) -> Result<usize, Errno> {
    // SAFETY: see above.
    unsafe { sys::old_mmap(addr, len, prot, flags, fd, off) }
}

/// Maps exactly at `addr` with `MAP_FIXED_NOREPLACE` (never replaces anything).
pub fn map_at(addr: usize, len: usize, prot: usize) -> Result<usize, Errno> {
    // SAFETY: MAP_FIXED_NOREPLACE fails with EEXIST instead of replacing existing mappings.
    unsafe {
        sys::mmap2(
            addr,
            len,
            prot,
            sys::MAP_PRIVATE | sys::MAP_ANONYMOUS | sys::MAP_FIXED_NOREPLACE,
            -1,
            0,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Child processes

/// Forks; the child runs `f` and exits with its return value.
#[track_caller]
pub fn spawn(f: impl FnOnce() -> i32) -> u32 {
    match sys::fork() {
        Ok(Fork::Child) => sys::exit_group(f()),
        Ok(Fork::Parent(pid)) => pid,
        Err(e) => fail(core::panic::Location::caller(), format_args!("fork: {}", e)),
    }
}

/// Waits for `pid`; returns its wait status.
#[track_caller]
pub fn wait(pid: u32) -> i32 {
    loop {
        match sys::waitpid(pid as i32, 0) {
            Ok((got, status)) => {
                if got != pid {
                    fail(
                        core::panic::Location::caller(),
                        format_args!("waitpid({}) returned pid {}", pid, got),
                    );
                }
                return status;
            }
            Err(Errno::EINTR) => continue,
            Err(e) => fail(
                core::panic::Location::caller(),
                format_args!("waitpid({}): {}", pid, e),
            ),
        }
    }
}

/// Waits for `pid` and requires exit status 0.
#[track_caller]
pub fn wait_ok(pid: u32, what: &str) {
    let s = wait(pid);
    if s != 0 {
        fail(
            core::panic::Location::caller(),
            format_args!("{}: child {}, want exit 0", what, WaitStatus(s)),
        );
    }
}

/// Runs `f` in a child that must be killed by `sig` (returning from `f` is a failure).
#[track_caller]
pub fn expect_signal(sig: i32, what: &str, f: impl FnOnce()) {
    let pid = spawn(|| {
        f();
        77
    });
    let s = wait(pid);
    if !(sys::wifsignaled(s) && sys::wtermsig(s) == sig) {
        fail(
            core::panic::Location::caller(),
            format_args!(
                "{}: child {}, want killed by {}",
                what,
                WaitStatus(s),
                sys::signal_name(sig).unwrap_or("?")
            ),
        );
    }
}

/// Runs `f` in a child that must exit with status 0 (so a fault in `f` is reported).
#[track_caller]
pub fn expect_ok(what: &str, f: impl FnOnce()) {
    let pid = spawn(|| {
        f();
        0
    });
    let s = wait(pid);
    if s != 0 {
        fail(
            core::panic::Location::caller(),
            format_args!("{}: child {}, want exit 0", what, WaitStatus(s)),
        );
    }
}

/// The raw return value of a system call, as `Result`.
pub fn res(ret: usize) -> Result<usize, Errno> {
    Errno::from_ret(ret)
}

/// Opens the context's readable file (the test binary).
#[track_caller]
pub fn open_self(ctx: &Ctx) -> rt::fs::Fd {
    match rt::fs::Fd::open(ctx.self_path.as_cstr(), sys::O_RDONLY) {
        Ok(fd) => fd,
        Err(e) => fail(
            core::panic::Location::caller(),
            format_args!("open {}: {}", Bytes(ctx.self_path.as_bytes()), e),
        ),
    }
}

/// fd 1 or 2, whichever is open and not /dev/null (whose write() never reads the buffer, so
/// it cannot report a bad one); `None` if neither is.
pub fn copying_fd() -> Option<i32> {
    const S_IFCHR: u32 = 0o020000;
    [1, 2].into_iter().find(|&fd| match sys::fstat64(fd) {
        Ok(st) => {
            let (mode, rdev) = (st.st_mode, st.st_rdev);
            !(mode & sys::S_IFMT == S_IFCHR && rdev == 0x103) // makedev(1, 3)
        }
        Err(Errno::EBADF) => false,
        Err(_) => true, // no fstat64: assume a console
    })
}

/// Recurses `depth` levels deep with a 4,000-byte frame each (the stack grows about 4 KiB a
/// level); returns a sum that depends on every frame, so nothing is optimised away.
#[inline(never)]
pub fn recurse(depth: usize) -> u32 {
    let mut frame = [0u8; 4000];
    frame[0] = depth as u8;
    frame[3999] = depth as u8;
    let frame = core::hint::black_box(&mut frame);
    let below = if depth == 0 { 0 } else { recurse(depth - 1) };
    below + frame[0] as u32 + frame[3999] as u32
}
