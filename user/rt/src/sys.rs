//! Raw Linux i386 system calls (`int 0x80`) and safe typed wrappers.
//!
//! Register convention: EAX = number, EBX, ECX, EDX, ESI, EDI, EBP = arguments 1..6, result in
//! EAX (`-4095..=-1` = `-errno`). Rust's inline assembly reserves ESI (LLVM base pointer) and
//! EBP (frame pointer) on x86-32, so calls with 4+ arguments pass arguments 4..6 through a small
//! array and the assembly saves/loads/restores ESI and EBP itself.

use crate::errno::Errno;
use core::arch::asm;
use core::ffi::CStr;

/// System-call numbers (`nr::SYS_MMAP2`) and names (`nr::name(192)`): the kernel's own table
/// (the `abi` crate), so the two sides cannot disagree.
pub use abi::syscall as nr;

pub const PAGE_SIZE: usize = 4096;

// Flag values (`PROT_*`, `MAP_*`, `O_*`, `SEEK_*`, `WNOHANG`, `MADV_*`, `MCL_*`, `MREMAP_*`,
// `LINUX_REBOOT_*`, `AT_*`...) as `usize` (what the raw calls take), from the kernel's table
// (the `abi` crate's `flag_table!`); `abi::flags` has them as `u32`.
macro_rules! flags {
    ($(
        $(#[$meta:meta])*
        $table:ident { $($name:ident = $value:literal $(, $doc:literal)?;)* }
    )*) => {
        $($(
            #[doc = concat!("`", stringify!($name), "`" $(, ": ", $doc)?, ".")]
            pub const $name: usize = abi::flags::$name as usize;
        )*)*
    };
}
abi::flag_table!(flags);
/// `WUNTRACED` (= `WSTOPPED`).
pub const WUNTRACED: usize = abi::flags::WUNTRACED as usize;
/// What `mmap` returns on failure (`(void *)-1`).
pub const MAP_FAILED: usize = usize::MAX;

// signals: `SIGHUP`..`SIGSYS` as `i32` (libc's type), from the kernel's table (the `abi` crate)
macro_rules! signals {
    ($($name:ident = $nr:literal, $text:literal;)*) => {
        $(
            #[doc = concat!($text, ".")]
            pub const $name: i32 = $nr;
        )*
    };
}
abi::signal_table!(signals);

/// Name of a signal number (`"SIGSEGV"`, `"SIGRT_2"` for 34), or `None` outside 1..=64.
pub fn signal_name(sig: i32) -> Option<&'static str> {
    u32::try_from(sig).ok().and_then(abi::signal::name)
}

// reboot: glibc's names for the commands
pub const RB_POWER_OFF: usize = LINUX_REBOOT_CMD_POWER_OFF;
pub const RB_AUTOBOOT: usize = LINUX_REBOOT_CMD_RESTART;
pub const RB_HALT_SYSTEM: usize = LINUX_REBOOT_CMD_HALT;

// ---------------------------------------------------------------------------------------------
// Wait-status decoding (the kernel's encoding: exit code << 8, or the signal number in bits 0..6)

pub const fn wifexited(status: i32) -> bool {
    status & 0x7f == 0
}
pub const fn wexitstatus(status: i32) -> i32 {
    (status >> 8) & 0xff
}
pub const fn wifsignaled(status: i32) -> bool {
    let sig = status & 0x7f;
    sig != 0 && sig != 0x7f
}
pub const fn wtermsig(status: i32) -> i32 {
    status & 0x7f
}
pub const fn wcoredump(status: i32) -> bool {
    status & 0x80 != 0
}

// ---------------------------------------------------------------------------------------------
// Raw calls

/// # Safety
/// The caller guarantees the call has no memory effect Rust does not expect (see each syscall).
#[inline(always)]
pub unsafe fn syscall0(n: u32) -> usize {
    let ret: usize;
    // SAFETY: `int 0x80` only touches EAX here; memory effects are the caller's contract.
    unsafe { asm!("int 0x80", inlateout("eax") n as usize => ret) };
    ret
}

/// # Safety
/// As [`syscall0`].
#[inline(always)]
pub unsafe fn syscall1(n: u32, a1: usize) -> usize {
    let ret: usize;
    // SAFETY: argument in EBX; the caller answers for what the kernel does with it.
    unsafe { asm!("int 0x80", inlateout("eax") n as usize => ret, in("ebx") a1) };
    ret
}

/// # Safety
/// As [`syscall0`].
#[inline(always)]
pub unsafe fn syscall2(n: u32, a1: usize, a2: usize) -> usize {
    let ret: usize;
    // SAFETY: arguments in EBX, ECX; the caller answers for their meaning.
    unsafe { asm!("int 0x80", inlateout("eax") n as usize => ret, in("ebx") a1, in("ecx") a2) };
    ret
}

/// # Safety
/// As [`syscall0`].
#[inline(always)]
pub unsafe fn syscall3(n: u32, a1: usize, a2: usize, a3: usize) -> usize {
    let ret: usize;
    // SAFETY: arguments in EBX, ECX, EDX; the caller answers for their meaning.
    unsafe {
        asm!("int 0x80", inlateout("eax") n as usize => ret, in("ebx") a1, in("ecx") a2, in("edx") a3)
    };
    ret
}

/// # Safety
/// As [`syscall0`].
#[inline(always)]
pub unsafe fn syscall4(n: u32, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    // SAFETY: forwarded; argument 5 and 6 are unused by the kernel for this call.
    unsafe { syscall6(n, a1, a2, a3, a4, 0, 0) }
}

/// # Safety
/// As [`syscall0`].
#[inline(always)]
pub unsafe fn syscall5(n: u32, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> usize {
    // SAFETY: forwarded; argument 6 is unused by the kernel for this call.
    unsafe { syscall6(n, a1, a2, a3, a4, a5, 0) }
}

/// # Safety
/// As [`syscall0`].
#[inline(always)]
pub unsafe fn syscall6(
    n: u32,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
    a6: usize,
) -> usize {
    let rest = [a4, a5, a6];
    let ret: usize;
    // ESI and EBP cannot be asm operands: they are saved on the stack, loaded from `rest`
    // (pointed to by EDI, which is then overwritten with argument 5) and restored after the call.
    // SAFETY: the pushes are balanced before the asm block ends; `rest` lives across the
    // block; EDI is declared clobbered.
    unsafe {
        asm!(
            "push ebp",
            "push esi",
            "mov esi, [edi]",
            "mov ebp, [edi + 8]",
            "mov edi, [edi + 4]",
            "int 0x80",
            "pop esi",
            "pop ebp",
            inlateout("eax") n as usize => ret,
            in("ebx") a1,
            in("ecx") a2,
            in("edx") a3,
            inlateout("edi") rest.as_ptr() => _,
        )
    };
    ret
}

#[inline(always)]
fn r(ret: usize) -> Result<usize, Errno> {
    Errno::from_ret(ret)
}

// ---------------------------------------------------------------------------------------------
// Process

/// `exit(2)`: ends this thread (= process here) with `code & 0xff`.
pub fn exit(code: i32) -> ! {
    // SAFETY: exit never returns and touches no user memory.
    unsafe { syscall1(nr::SYS_EXIT, code as usize) };
    unreachable_loop()
}

/// `exit_group(2)`: ends the process with `code & 0xff`.
pub fn exit_group(code: i32) -> ! {
    // SAFETY: exit_group never returns and touches no user memory.
    unsafe { syscall1(nr::SYS_EXIT_GROUP, code as usize) };
    // Fall back to plain exit if exit_group were missing.
    exit(code)
}

fn unreachable_loop() -> ! {
    // SAFETY: `ud2` raises #UD (SIGILL); only reached if the kernel let exit return.
    unsafe { asm!("ud2", options(noreturn)) }
}

/// Outcome of [`fork`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fork {
    Child,
    Parent(u32),
}

/// `fork(2)` (raw syscall 2). Safe for these single-threaded programs: the child gets a copy of
/// the whole address space.
pub fn fork() -> Result<Fork, Errno> {
    // SAFETY: fork duplicates the process; no memory is written in this one.
    let pid = r(unsafe { syscall0(nr::SYS_FORK) })?;
    Ok(if pid == 0 {
        Fork::Child
    } else {
        Fork::Parent(pid as u32)
    })
}

pub fn getpid() -> u32 {
    // SAFETY: no memory effects.
    unsafe { syscall0(nr::SYS_GETPID) as u32 }
}

pub fn getppid() -> u32 {
    // SAFETY: no memory effects.
    unsafe { syscall0(nr::SYS_GETPPID) as u32 }
}

pub fn kill(pid: i32, sig: i32) -> Result<(), Errno> {
    // SAFETY: no memory effects on this process (unless it signals itself, which is fine).
    r(unsafe { syscall2(nr::SYS_KILL, pid as usize, sig as usize) }).map(|_| ())
}

/// `setpgid(pid, pgid)`.
pub fn setpgid(pid: i32, pgid: i32) -> Result<(), Errno> {
    // SAFETY: no memory effects.
    r(unsafe { syscall2(nr::SYS_SETPGID, pid as usize, pgid as usize) }).map(|_| ())
}

/// `getpgid(pid)`.
pub fn getpgid(pid: i32) -> Result<u32, Errno> {
    // SAFETY: no memory effects.
    r(unsafe { syscall1(nr::SYS_GETPGID, pid as usize) }).map(|v| v as u32)
}

/// `getsid(pid)`.
pub fn getsid(pid: i32) -> Result<u32, Errno> {
    // SAFETY: no memory effects.
    r(unsafe { syscall1(nr::SYS_GETSID, pid as usize) }).map(|v| v as u32)
}

/// `setsid()`: the new session's id.
pub fn setsid() -> Result<u32, Errno> {
    // SAFETY: no memory effects.
    r(unsafe { syscall0(nr::SYS_SETSID) }).map(|v| v as u32)
}

/// `waitpid(pid, &status, options)`: returns `(pid, status)`.
pub fn waitpid(pid: i32, options: usize) -> Result<(u32, i32), Errno> {
    let mut status: i32 = 0;
    // SAFETY: the kernel writes one i32 into `status`, which is live and writable.
    let ret = r(unsafe {
        syscall3(
            nr::SYS_WAITPID,
            pid as usize,
            &mut status as *mut i32 as usize,
            options,
        )
    })?;
    Ok((ret as u32, status))
}

/// Waits for child `pid` (retrying EINTR), then kills and reaps its watchdog child `dog` if
/// there is one. Returns the child's wait status and whether the watchdog had already fired
/// (a watchdog that exits normally is one that timed out and killed the child).
pub fn wait_with_watchdog(pid: u32, dog: Option<u32>) -> (Result<i32, Errno>, bool) {
    let status = loop {
        match waitpid(pid as i32, 0) {
            Ok((_, s)) => break Ok(s),
            Err(Errno::EINTR) => continue,
            Err(e) => break Err(e),
        }
    };
    let mut timed_out = false;
    if let Some(d) = dog {
        let _ = kill(d as i32, SIGKILL);
        if let Ok((_, ws)) = waitpid(d as i32, 0) {
            timed_out = wifexited(ws);
        }
    }
    (status, timed_out)
}

/// `wait4(pid, &status, options, NULL)`: returns `(pid, status)`.
pub fn wait4(pid: i32, options: usize) -> Result<(u32, i32), Errno> {
    let mut status: i32 = 0;
    // SAFETY: the kernel writes one i32 into `status`; rusage is NULL.
    let ret = r(unsafe {
        syscall4(
            nr::SYS_WAIT4,
            pid as usize,
            &mut status as *mut i32 as usize,
            options,
            0,
        )
    })?;
    Ok((ret as u32, status))
}

/// `execve(path, argv, envp)` with NULL-terminated pointer arrays. Returns only on failure.
pub fn execve(path: &CStr, argv: &[*const u8], envp: &[*const u8]) -> Errno {
    if argv.last() != Some(&core::ptr::null()) || envp.last() != Some(&core::ptr::null()) {
        return Errno::EINVAL;
    }
    // SAFETY: all three pointers are valid and NUL/NULL-terminated (checked above for the
    // arrays; the strings they point at are the caller's, typed as raw pointers because the
    // kernel only reads them). On success this process image is replaced.
    let ret = unsafe {
        syscall3(
            nr::SYS_EXECVE,
            path.as_ptr() as usize,
            argv.as_ptr() as usize,
            envp.as_ptr() as usize,
        )
    };
    match r(ret) {
        Err(e) => e,
        Ok(_) => Errno(0),
    }
}

pub fn sched_yield() {
    // SAFETY: no memory effects.
    unsafe { syscall0(nr::SYS_SCHED_YIELD) };
}

/// `struct timespec` with i386's 32-bit `time_t`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Timespec {
    pub tv_sec: i32,
    pub tv_nsec: i32,
}

/// `nanosleep(req, NULL)`.
pub fn nanosleep(sec: u32, nsec: u32) -> Result<(), Errno> {
    let ts = Timespec {
        tv_sec: sec as i32,
        tv_nsec: nsec as i32,
    };
    // SAFETY: the kernel reads `ts`; rem is NULL.
    r(unsafe { syscall2(nr::SYS_NANOSLEEP, &ts as *const Timespec as usize, 0) }).map(|_| ())
}

pub fn sleep_ms(ms: u32) {
    let _ = nanosleep(ms / 1000, (ms % 1000) * 1_000_000);
}

/// `reboot(MAGIC1, MAGIC2, cmd, NULL)`. Only returns on failure (e.g. `EPERM`).
pub fn reboot(cmd: usize) -> Result<(), Errno> {
    // SAFETY: no user memory is passed (arg is NULL).
    r(unsafe { syscall4(nr::SYS_REBOOT, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, cmd, 0) }).map(|_| ())
}

/// `struct new_utsname` (syscall 122 on i386).
#[repr(C)]
pub struct Utsname {
    pub sysname: [u8; 65],
    pub nodename: [u8; 65],
    pub release: [u8; 65],
    pub version: [u8; 65],
    pub machine: [u8; 65],
    pub domainname: [u8; 65],
}

/// The bytes of a NUL-padded fixed-size field, up to the first NUL.
pub fn field_str(f: &[u8]) -> &[u8] {
    let n = f.iter().position(|&b| b == 0).unwrap_or(f.len());
    &f[..n]
}

pub fn uname() -> Result<Utsname, Errno> {
    let mut u = Utsname {
        sysname: [0; 65],
        nodename: [0; 65],
        release: [0; 65],
        version: [0; 65],
        machine: [0; 65],
        domainname: [0; 65],
    };
    // SAFETY: the kernel writes at most size_of::<Utsname>() bytes into `u`.
    r(unsafe { syscall1(nr::SYS_UNAME, &mut u as *mut Utsname as usize) })?;
    Ok(u)
}

/// `personality` bits (Linux's `<linux/personality.h>`): no address-space randomization
/// (`setarch -R`), the legacy bottom-up layout (`setarch -L`), `PROT_READ` implies `PROT_EXEC`.
pub const ADDR_NO_RANDOMIZE: u32 = 0x0004_0000;
pub const ADDR_COMPAT_LAYOUT: u32 = 0x0020_0000;
pub const READ_IMPLIES_EXEC: u32 = 0x0040_0000;

/// `personality(persona)`: the old word; 0xffffffff only reads it.
pub fn personality(persona: u32) -> Result<u32, Errno> {
    // SAFETY: no memory effects.
    r(unsafe { syscall1(nr::SYS_PERSONALITY, persona as usize) }).map(|v| v as u32)
}

// ---------------------------------------------------------------------------------------------
// Files

pub fn read(fd: i32, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: the kernel writes at most buf.len() bytes into `buf`.
    r(unsafe { syscall3(nr::SYS_READ, fd as usize, buf.as_mut_ptr() as usize, buf.len()) })
}

pub fn write(fd: i32, buf: &[u8]) -> Result<usize, Errno> {
    // SAFETY: the kernel reads at most buf.len() bytes from `buf`.
    r(unsafe { syscall3(nr::SYS_WRITE, fd as usize, buf.as_ptr() as usize, buf.len()) })
}

/// Writes all of `buf`, retrying short writes.
pub fn write_all(fd: i32, mut buf: &[u8]) -> Result<(), Errno> {
    while !buf.is_empty() {
        match write(fd, buf) {
            Ok(0) => return Err(Errno::EIO),
            Ok(n) => buf = &buf[n..],
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub fn open(path: &CStr, flags: usize, mode: usize) -> Result<i32, Errno> {
    // SAFETY: the kernel reads the NUL-terminated path.
    r(unsafe { syscall3(nr::SYS_OPEN, path.as_ptr() as usize, flags, mode) }).map(|fd| fd as i32)
}

pub fn close(fd: i32) -> Result<(), Errno> {
    // SAFETY: no memory effects.
    r(unsafe { syscall1(nr::SYS_CLOSE, fd as usize) }).map(|_| ())
}

/// `lseek` (32-bit offsets).
pub fn lseek(fd: i32, off: isize, whence: usize) -> Result<usize, Errno> {
    // SAFETY: no memory effects.
    r(unsafe { syscall3(nr::SYS_LSEEK, fd as usize, off as usize, whence) })
}

/// i386 `struct stat64` (96 bytes; 64-bit members are 4-byte aligned in the i386 ABI).
#[repr(C, packed(4))]
#[derive(Clone, Copy)]
pub struct Stat64 {
    pub st_dev: u64,
    pub __pad0: [u8; 4],
    pub __st_ino: u32,
    pub st_mode: u32,
    pub st_nlink: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub st_rdev: u64,
    pub __pad3: [u8; 4],
    pub st_size: i64,
    pub st_blksize: u32,
    pub st_blocks: u64,
    pub st_atime: u32,
    pub st_atime_nsec: u32,
    pub st_mtime: u32,
    pub st_mtime_nsec: u32,
    pub st_ctime: u32,
    pub st_ctime_nsec: u32,
    pub st_ino: u64,
}
const _: () = assert!(core::mem::size_of::<Stat64>() == 96);

pub const S_IFMT: u32 = 0o170000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;

pub fn fstat64(fd: i32) -> Result<Stat64, Errno> {
    // SAFETY: Stat64 is plain old data; all-zero is a valid value.
    let mut st: Stat64 = unsafe { core::mem::zeroed() };
    // SAFETY: the kernel writes 96 bytes into `st`.
    r(unsafe { syscall2(nr::SYS_FSTAT64, fd as usize, &mut st as *mut Stat64 as usize) })?;
    Ok(st)
}

/// `getdents64(fd, buf, len)`: fills `buf` with `linux_dirent64` records; see [`dirents`].
pub fn getdents64(fd: i32, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: the kernel writes at most buf.len() bytes into `buf`.
    r(unsafe {
        syscall3(
            nr::SYS_GETDENTS64,
            fd as usize,
            buf.as_mut_ptr() as usize,
            buf.len(),
        )
    })
}

/// Iterates `(d_type, name)` over the records getdents64 returned in `buf`.
pub fn dirents(buf: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    let mut off = 0usize;
    core::iter::from_fn(move || {
        if off + 19 > buf.len() {
            return None;
        }
        let reclen = u16::from_le_bytes([buf[off + 16], buf[off + 17]]) as usize;
        if reclen < 19 || off + reclen > buf.len() {
            return None;
        }
        let d_type = buf[off + 18];
        let name = field_str(&buf[off + 19..off + reclen]);
        off += reclen;
        Some((d_type, name))
    })
}

// ---------------------------------------------------------------------------------------------
// Memory

/// `brk(addr)`: the raw syscall returns the (new or unchanged) break; it never fails with an
/// errno. `brk(0)` queries the current break.
pub fn brk(addr: usize) -> usize {
    // SAFETY: growing maps fresh memory, shrinking unmaps memory above the break; this runtime's
    // allocator does not use brk, so no Rust object lives there unless the program put it there.
    unsafe { syscall1(nr::SYS_BRK, addr) }
}

/// `mmap2(addr, len, prot, flags, fd, pgoff)`.
///
/// # Safety
/// With `MAP_FIXED` the call replaces whatever was mapped in the range; the caller must make
/// sure no live Rust object is there. Without it the call is harmless.
pub unsafe fn mmap2(
    addr: usize,
    len: usize,
    prot: usize,
    flags: usize,
    fd: i32,
    pgoff: usize,
) -> Result<usize, Errno> {
    // SAFETY: as documented for the caller.
    r(unsafe { syscall6(nr::SYS_MMAP2, addr, len, prot, flags, fd as usize, pgoff) })
}

/// `old_mmap(&args)` (syscall 90: one pointer to six u32s, offset in bytes).
///
/// # Safety
/// As [`mmap2`].
pub unsafe fn old_mmap(
    addr: usize,
    len: usize,
    prot: usize,
    flags: usize,
    fd: i32,
    offset: usize,
) -> Result<usize, Errno> {
    let args: [usize; 6] = [addr, len, prot, flags, fd as usize, offset];
    // SAFETY: the kernel reads the 24-byte argument block; the rest is the caller's contract.
    r(unsafe { syscall1(nr::SYS_MMAP, args.as_ptr() as usize) })
}

/// Anonymous private read-write mapping anywhere (safe: never replaces anything).
pub fn mmap_anon(len: usize, prot: usize, extra_flags: usize) -> Result<usize, Errno> {
    if extra_flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
        return Err(Errno::EINVAL);
    }
    // SAFETY: no MAP_FIXED: the kernel picks a free range, nothing existing is replaced.
    unsafe {
        mmap2(
            0,
            len,
            prot,
            MAP_PRIVATE | MAP_ANONYMOUS | extra_flags,
            -1,
            0,
        )
    }
}

/// # Safety
/// No live Rust object may be in the range.
pub unsafe fn munmap(addr: usize, len: usize) -> Result<(), Errno> {
    // SAFETY: the caller's contract.
    r(unsafe { syscall2(nr::SYS_MUNMAP, addr, len) }).map(|_| ())
}

/// # Safety
/// Removing write/read access under a live Rust object makes later accesses fault.
pub unsafe fn mprotect(addr: usize, len: usize, prot: usize) -> Result<(), Errno> {
    // SAFETY: the caller's contract.
    r(unsafe { syscall3(nr::SYS_MPROTECT, addr, len, prot) }).map(|_| ())
}

/// # Safety
/// The old range may be unmapped/moved; no live Rust reference may point into it.
pub unsafe fn mremap(
    old: usize,
    old_len: usize,
    new_len: usize,
    flags: usize,
    new_addr: usize,
) -> Result<usize, Errno> {
    // SAFETY: the caller's contract.
    r(unsafe { syscall5(nr::SYS_MREMAP, old, old_len, new_len, flags, new_addr) })
}

/// # Safety
/// `MADV_DONTNEED` discards the contents of private anonymous memory.
pub unsafe fn madvise(addr: usize, len: usize, advice: usize) -> Result<(), Errno> {
    // SAFETY: the caller's contract.
    r(unsafe { syscall3(nr::SYS_MADVISE, addr, len, advice) }).map(|_| ())
}

/// `mincore(addr, len, vec)`: one byte per page, bit 0 = resident.
pub fn mincore(addr: usize, len: usize, vec: &mut [u8]) -> Result<(), Errno> {
    if vec.len() < len.div_ceil(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the kernel writes one byte per page of the range into `vec`, which is big enough.
    r(unsafe { syscall3(nr::SYS_MINCORE, addr, len, vec.as_mut_ptr() as usize) }).map(|_| ())
}

pub fn mlock(addr: usize, len: usize) -> Result<(), Errno> {
    // SAFETY: locking only populates/pins memory; contents are unchanged.
    r(unsafe { syscall2(nr::SYS_MLOCK, addr, len) }).map(|_| ())
}

pub fn msync(addr: usize, len: usize, flags: usize) -> Result<(), Errno> {
    // SAFETY: msync only checks the range and writes back; memory is unchanged.
    r(unsafe { syscall3(nr::SYS_MSYNC, addr, len, flags) }).map(|_| ())
}

pub fn munlock(addr: usize, len: usize) -> Result<(), Errno> {
    // SAFETY: no effect on contents.
    r(unsafe { syscall2(nr::SYS_MUNLOCK, addr, len) }).map(|_| ())
}

pub fn mlockall(flags: usize) -> Result<(), Errno> {
    // SAFETY: no effect on contents.
    r(unsafe { syscall1(nr::SYS_MLOCKALL, flags) }).map(|_| ())
}

pub fn munlockall() -> Result<(), Errno> {
    // SAFETY: no effect on contents.
    r(unsafe { syscall0(nr::SYS_MUNLOCKALL) }).map(|_| ())
}

/// Reads the time-stamp counter.
#[inline(always)]
pub fn rdtsc() -> u64 {
    let lo: u32;
    let hi: u32;
    // SAFETY: rdtsc has no memory effects (CR4.TSD is assumed clear, as on Linux).
    unsafe { asm!("rdtsc", out("eax") lo, out("edx") hi, options(nomem, nostack)) };
    ((hi as u64) << 32) | lo as u64
}
