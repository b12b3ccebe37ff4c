//! madvise and mlock: which pages are resident.

use super::*;

pub(super) static CASES: &[Case] = &[
    case!(madvise_dontneed, OK, ALL, "MADV_DONTNEED zero-fills private anonymous memory on the next read"),
    case!(mlock_populates, OK, ALL, "mlock, MAP_POPULATE, MAP_LOCKED and mlockall(MCL_FUTURE) make pages resident"),
];

fn madvise_dontneed(ctx: &Ctx) {
    let a = map(8 * PG);
    fill(a, 8 * PG, 0xAB);
    // Take the measured path once first, so that nothing between the two readings breaks
    // copy-on-write of a runtime page shared with the runner (which depends on the binary's
    // layout, not on DONTNEED).
    let _ = rt::fs::mem_free_kib();
    ok!(advise(a, PG, sys::MADV_NORMAL), "madvise NORMAL");
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
