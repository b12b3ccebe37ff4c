//! mremap: growing, shrinking and moving mappings.

use super::*;

pub(super) static CASES: &[Case] = &[
    case!(mremap_grow_move, OK, ALL, "mremap grows in place, moves (MAYMOVE/FIXED) keeping contents, shrinks; errors"),
    case!(mremap_fixed_wrap, OK, ALL, "mremap MAYMOVE|FIXED to a target ending at/past 2^32 or past user space: EINVAL, old mapping intact"),
    case!(mremap_shrink_past_top, OK, ALL, "mremap shrinking a range whose tail runs past the end of user space: EINVAL, mapping intact"),
    case!(mremap_keeps_prot, OK, ALL, "moving a PROT_NONE/write-only file mapping reaching past EOF: moved or refused, the old address never becomes readable"),
];

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

/// Found by the coverage-guided fuzzer (seed 20261202, a kernel panic): a shrinking mremap
/// unmaps the tail `[old + new_len, old + old_len)`; with old_len reaching past 2^32 the
/// tail's first page number overflowed. Linux's do_munmap refuses a tail past TASK_SIZE.
fn mremap_shrink_past_top(ctx: &Ctx) {
    let mut a = 0;
    for i in 0..16 {
        if let Ok(got) = map_at(ctx.user_top - 0x1000_0000 - i * 0x0100_0000, PG, sys::PROT_READ | sys::PROT_WRITE) {
            a = got;
            break;
        }
    }
    check!(a != 0, "no free page found high in user space");
    fill(a, PG, 0x3C);
    let to_top = ctx.user_top - a;
    err!(remap(a, 0usize.wrapping_sub(a) - PG, PG, 0, 0), Errno::EINVAL, "tail running to 2^32 - 1 page");
    err!(remap(a, to_top + PG, PG, 0, 0), Errno::EINVAL, "tail one page past the top");
    err!(remap(a, to_top + PG, PG, sys::MREMAP_MAYMOVE, 0), Errno::EINVAL, "with MAYMOVE");
    expect_bytes(a, PG, 0x3C, "mapping intact");
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
