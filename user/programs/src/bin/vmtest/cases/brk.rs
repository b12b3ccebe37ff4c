//! brk: the break, its growth and shrinking, lazy allocation.

use super::*;

pub(super) static CASES: &[Case] = &[
    case!(brk_query, OK, ALL, "brk(0) returns the break; failed brk calls return it unchanged"),
    case!(sbrk_grow_shrink, OK, ALL, "brk grow/shrink/regrow: regrown pages read zero; 256 MiB grow is lazy"),
    case!(sbrk_freed_faults, SEGV, ALL, "memory freed by shrinking brk is gone: write() from it is EFAULT, touching it SIGSEGV"),
    case!(lazy_sparse, OK, ALL, "a 256 MiB mapping and a 256 MiB brk are lazy: touching a few pages works and reads zero"),
    case!(syscall_lazy_page, OK, ALL, "read()/uname()/fstat64() into never-touched lazy pages fault them in (no EFAULT)"),
];

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
