//! Copy-on-write after fork, and the image a fresh exec gets (.data, .bss).

use super::*;

pub(super) static CASES: &[Case] = &[
    case!(elf_bss_zero, OK, ALL, "a fresh image has .data from the file and a zero .bss, also in the page shared with .data"),
    case!(cow_fork, OK, ALL, "after fork parent and child see only their own writes (mmap, .data, .bss, stack), twice in a row"),
    case!(cow_three, OK, ALL, "parent, child and grandchild write the same pages; each sees only its own writes"),
    case!(cow_big_fork, OK, ALL, "fork of a process using ~60% of free memory succeeds (COW, not copy), twice"),
    case!(cow_read_syscall, OK, ALL, "read() into a COW-shared page breaks COW in the reader only (both directions)"),
    case!(cow_madvise, OK, ALL, "MADV_DONTNEED on a COW-shared page zeroes it in the caller only"),
];

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
