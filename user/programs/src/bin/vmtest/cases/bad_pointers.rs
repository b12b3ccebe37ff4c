//! Bad pointers in system calls: EFAULT, never a kernel fault.

use super::*;
use super::protection::{some_text, RODATA};

pub(super) static CASES: &[Case] = &[
    case!(efault_write, OK, ALL, "write() with NULL, kernel, wrap-around, boundary-crossing, freed and half-valid buffers: EFAULT (half-valid: EFAULT or short write)"),
    case!(efault_read, OK, ALL, "read() into NULL, kernel, wrap-around, read-only, text and half-valid buffers: EFAULT (half-valid: EFAULT or short read)"),
    case!(efault_misc, OK, ALL, "bad pointers to open, execve (path/argv/envp), nanosleep, fstat64, uname, old_mmap, mincore: EFAULT"),
    case!(wait4_bad_status, OK, ALL, "wait4 with a bad status pointer returns EFAULT and (like Linux) reaps the child"),
];

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
