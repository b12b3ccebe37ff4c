//! Protection faults: writes to text and .rodata, NULL, mprotect, munmap holes, splitting
//! mappings.

use super::*;

pub(super) static CASES: &[Case] = &[
    case!(text_write, SEGV, ALL, "writing to the text segment kills with SIGSEGV"),
    case!(rodata_write, SEGV, ALL, "writing to .rodata kills with SIGSEGV"),
    case!(null_read, SEGV, ALL, "reading address 0 kills with SIGSEGV"),
    case!(prot_read_write, SEGV, ALL, "writing a page made PROT_READ by mprotect kills (its contents stay readable)"),
    case!(prot_none_read, SEGV, ALL, "reading a PROT_NONE page kills with SIGSEGV"),
    case!(munmap_hole, SEGV, ALL, "munmap of the middle page: both sides still work, the hole kills"),
    case!(mprotect_adjacent, OK, ALL, "mprotect splits a mapping and one call across the pieces rejoins them"),
    case!(map_count_limit, OK, ALL, "splitting one mapping into ever more areas ends in ENOMEM (max_map_count), never a kernel panic; munmap still frees it"),
    case!(brk_mprotect_shrink, OK, ALL, "brk shrinks across an mprotect-ed range; regrown memory is zero and writable"),
];

#[inline(never)]
pub(super) fn some_text() -> u32 {
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

pub(super) static RODATA: [u8; 64] = [7; 64];

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
    // PROT_NONE: no commit charge, so Linux's overcommit check accepts 547 MiB on a small
    // machine; the splits below make read-only pieces, also uncharged.
    // SAFETY: a fresh anonymous mapping at an address the kernel picks.
    let a = ok!(
        unsafe { sys::mmap2(0, PAGES * PG, sys::PROT_NONE, sys::MAP_PRIVATE | sys::MAP_ANONYMOUS, -1, 0) },
        "mmap of {} PROT_NONE pages",
        PAGES
    );
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
