//! msync: Linux's flag, alignment, hole and lock checks on anonymous memory and on a shared
//! file mapping (the program's own file).

use super::*;

pub(super) static CASES: &[Case] = &[case!(
    msync_checks,
    OK,
    ALL,
    "msync: 0 for mapped ranges, EINVAL for flags/alignment/SYNC|ASYNC, ENOMEM for holes, EBUSY for MS_INVALIDATE on locked memory"
)];

const MS_ASYNC: usize = 1;
const MS_INVALIDATE: usize = 2;
const MS_SYNC: usize = 4;

fn msync_checks(ctx: &Ctx) {
    let fd = open_self(ctx);
    let f = ok!(mmap_raw(0, 2 * PG, sys::PROT_READ, sys::MAP_SHARED, fd.0, 0), "shared file mapping");
    ok!(sys::msync(f, 2 * PG, MS_SYNC), "MS_SYNC on a shared file mapping");
    ok!(sys::msync(f, 1, MS_ASYNC | MS_INVALIDATE), "MS_ASYNC|MS_INVALIDATE, length rounded up");
    ok!(sys::msync(f, 0, MS_SYNC), "empty range");
    err!(sys::msync(f + 1, PG, MS_SYNC), Errno::EINVAL, "unaligned address");
    err!(sys::msync(f, PG, 8), Errno::EINVAL, "unknown flag");
    err!(sys::msync(f, PG, MS_SYNC | MS_ASYNC), Errno::EINVAL, "MS_SYNC|MS_ASYNC");
    ok!(unmap(f, 2 * PG), "munmap");
    err!(sys::msync(f, PG, MS_SYNC), Errno::ENOMEM, "an unmapped range");

    let a = map(4 * PG);
    ok!(unmap(a + PG, PG), "a hole");
    err!(sys::msync(a, 3 * PG, MS_SYNC), Errno::ENOMEM, "MS_SYNC over a hole");
    err!(sys::msync(a, 3 * PG, MS_ASYNC), Errno::ENOMEM, "MS_ASYNC over a hole");
    err!(sys::msync(a + PG, PG, MS_ASYNC), Errno::ENOMEM, "only the hole");
    ok!(sys::msync(a + 2 * PG, 2 * PG, MS_SYNC), "after the hole");
    ok!(sys::mlock(a + 2 * PG, PG), "mlock");
    err!(sys::msync(a + 2 * PG, 2 * PG, MS_INVALIDATE), Errno::EBUSY, "MS_INVALIDATE on locked memory");
    err!(sys::msync(a, 4 * PG, MS_ASYNC | MS_INVALIDATE), Errno::EBUSY, "EBUSY wins over a hole before");
    err!(sys::msync(a, 4 * PG, MS_SYNC), Errno::ENOMEM, "plain MS_SYNC stops at the hole");
    ok!(sys::msync(a + 3 * PG, PG, MS_INVALIDATE), "MS_INVALIDATE past the locked page");
    ok!(unmap(a, 4 * PG), "munmap");
}
