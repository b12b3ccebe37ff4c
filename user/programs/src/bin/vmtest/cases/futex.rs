//! Futexes: errors, timeouts, shared and private keys across fork, bitsets, requeue, wake-op,
//! and a waiter killed while it waits. Waiters are forked children (no threads yet); they share
//! the futex words through a MAP_SHARED|MAP_ANONYMOUS page.

use super::*;
use rt::sys::syscall6;

pub(super) static CASES: &[Case] = &[
    case!(futex_errors, OK, ALL, "futex: EAGAIN on a changed value, EINVAL unaligned/zero bitset/bad timespec/negative count, EFAULT unmapped or kernel, ENOSYS misused CLOCK_REALTIME or unknown op, WAKE of nobody 0"),
    case!(futex_timeout, OK, ALL, "FUTEX_WAIT with a 50 ms timeout ends ETIMEDOUT after at least 50 ms; futex_time64 and absolute BITSET deadlines in the past time out at once"),
    case!(futex_shared_fork, OK, ALL, "a child waits on a MAP_SHARED page and the parent's shared WAKE wakes it (1); with FUTEX_PRIVATE_FLAG it finds nobody (0) and the child times out"),
    case!(futex_bitset, OK, ALL, "WAKE_BITSET wakes only waiters whose WAIT_BITSET mask meets its own; a far absolute deadline does not fire"),
    case!(futex_requeue, OK, ALL, "CMP_REQUEUE moves one of two waiters to another word (EAGAIN on a stale value); each word's WAKE then wakes one"),
    case!(futex_wake_op, OK, ALL, "WAKE_OP's SET/ADD/OR/ANDN/XOR and shift forms update the word; its comparison decides whether the second word's waiter wakes"),
    case!(futex_kill_waiter, OK, ALL, "SIGKILL ends a futex wait; the killed waiter leaves no waiter behind"),
    case!(futex_signal_restart, OK, ALL, "a handled signal ends a futex wait with EINTR (with or without a timeout); under SA_RESTART the wait resumes after the handler and a later WAKE ends it"),
    case!(futex_robust_wakes, OK, ALL, "a robust futex's owner dies: the word gets FUTEX_OWNER_DIED and the exit's wake ends another process's shared wait"),
];

const FUTEX_WAIT: usize = 0;
const FUTEX_WAKE: usize = 1;
const FUTEX_REQUEUE: usize = 3;
const FUTEX_CMP_REQUEUE: usize = 4;
const FUTEX_WAKE_OP: usize = 5;
const FUTEX_WAIT_BITSET: usize = 9;
const FUTEX_WAKE_BITSET: usize = 10;
const FUTEX_PRIVATE_FLAG: usize = 128;
const FUTEX_CLOCK_REALTIME: usize = 256;
const INT_MAX: usize = 0x7fff_ffff;

/// FUTEX_OP(op, oparg, cmp, cmparg) from linux/futex.h.
const fn futex_op(op: u32, oparg: u32, cmp: u32, cmparg: u32) -> u32 {
    ((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff)
}
const OP_SET: u32 = 0;
const OP_ADD: u32 = 1;
const OP_OR: u32 = 2;
const OP_ANDN: u32 = 3;
const OP_XOR: u32 = 4;
const OP_ARG_SHIFT: u32 = 8;
const CMP_EQ: u32 = 0;
const CMP_LT: u32 = 2;
const CMP_GT: u32 = 5;

/// futex (240). `arg4` is the timeout pointer or the count val2.
fn futex(uaddr: usize, op: usize, val: u32, arg4: usize, uaddr2: usize, val3: u32) -> Result<usize, Errno> {
    // SAFETY: the kernel reads or updates only the futex words and timespec passed, which the
    // cases own and touch through raw addresses only.
    res(unsafe { syscall6(nr::SYS_FUTEX, uaddr, op, val as usize, arg4, uaddr2, val3 as usize) })
}

/// futex_time64 (422).
fn futex64(uaddr: usize, op: usize, val: u32, ts: &[i64; 2], val3: u32) -> Result<usize, Errno> {
    // SAFETY: as `futex`; `ts` is read by the kernel only.
    res(unsafe { syscall6(nr::SYS_FUTEX_TIME64, uaddr, op, val as usize, ts.as_ptr() as usize, 0, val3 as usize) })
}

/// A `struct old_timespec32` for the timeout argument.
fn ts32(sec: i32, nsec: i32) -> [i32; 2] {
    [sec, nsec]
}

fn get(addr: usize) -> u32 {
    // SAFETY: a word of a page the case mapped, read through its raw address.
    unsafe { core::ptr::read_volatile(addr as *const u32) }
}

fn set(addr: usize, v: u32) {
    // SAFETY: as `get`.
    unsafe { core::ptr::write_volatile(addr as *mut u32, v) }
}

/// A MAP_SHARED|MAP_ANONYMOUS page: seen by forked children.
#[track_caller]
fn shared_page() -> usize {
    let prot = sys::PROT_READ | sys::PROT_WRITE;
    ok!(mmap_raw(0, PG, prot, sys::MAP_SHARED | sys::MAP_ANONYMOUS, -1, 0), "mmap shared")
}

/// How many shared-key waiters sleep on `w`: a CMP_REQUEUE of the word onto itself moves (and
/// counts) them without waking any.
fn waiters(w: usize) -> usize {
    loop {
        match futex(w, FUTEX_CMP_REQUEUE, 0, INT_MAX, w, get(w)) {
            Err(Errno::EAGAIN) => continue,
            r => return ok!(r, "CMP_REQUEUE count"),
        }
    }
}

/// Waits until `n` waiters sleep on `w` (shared keys).
#[track_caller]
fn await_waiters(w: usize, n: usize) {
    for _ in 0..5000 {
        if waiters(w) == n {
            return;
        }
        sys::sleep_ms(1);
    }
    fail(core::panic::Location::caller(), format_args!("never saw {} waiter(s) on {:#x}", n, w));
}

/// A child's exit code for a wait's outcome.
fn code(r: Result<usize, Errno>) -> i32 {
    match r {
        Ok(0) => 0,
        Err(Errno::ETIMEDOUT) => 2,
        Err(Errno::EAGAIN) => 3,
        Err(Errno::EINTR) => 4,
        _ => 5,
    }
}

/// Waits for a child and checks the exit code `code` gave it.
#[track_caller]
fn wait_code(pid: u32, want: i32, what: &str) {
    let s = wait(pid);
    if !(sys::wifexited(s) && sys::wexitstatus(s) == want) {
        fail(core::panic::Location::caller(), format_args!("{}: child {}, want exit {}", what, WaitStatus(s), want));
    }
}

fn futex_errors(ctx: &Ctx) {
    let page = map(2 * PG);
    let w = page + 64;
    set(w, 7);
    let p = FUTEX_PRIVATE_FLAG;
    let zero = ts32(0, 0);
    let z = zero.as_ptr() as usize;
    // The value differs.
    err!(futex(w, FUTEX_WAIT, 8, 0, 0, 0), Errno::EAGAIN, "WAIT with another value");
    err!(futex(w, FUTEX_WAIT | p, 8, 0, 0, 0), Errno::EAGAIN, "private WAIT with another value");
    err!(futex(w, FUTEX_WAIT_BITSET | p, 8, z, 0, 1), Errno::EAGAIN, "WAIT_BITSET with another value");
    // Nobody waits.
    check_eq!(futex(w, FUTEX_WAKE, 1, 0, 0, 0), Ok(0), "WAKE of nobody");
    check_eq!(futex(w, FUTEX_WAKE | p, INT_MAX as u32, 0, 0, 0), Ok(0), "private WAKE of nobody");
    // Unaligned: EINVAL before anything else.
    err!(futex(w + 1, FUTEX_WAIT, 7, 0, 0, 0), Errno::EINVAL, "unaligned WAIT");
    err!(futex(w + 2, FUTEX_WAKE | p, 1, 0, 0, 0), Errno::EINVAL, "unaligned WAKE");
    err!(futex(w, FUTEX_REQUEUE, 1, 1, w + 3, 0), Errno::EINVAL, "unaligned REQUEUE target");
    // Zero bitsets, negative counts, bad timespecs.
    err!(futex(w, FUTEX_WAIT_BITSET, 7, 0, 0, 0), Errno::EINVAL, "WAIT_BITSET with bitset 0");
    err!(futex(w, FUTEX_WAKE_BITSET, 1, 0, 0, 0), Errno::EINVAL, "WAKE_BITSET with bitset 0");
    err!(futex(w, FUTEX_REQUEUE | p, -1i32 as u32, 1, w + 4, 0), Errno::EINVAL, "REQUEUE with nr_wake -1");
    err!(futex(w, FUTEX_CMP_REQUEUE | p, 1, usize::MAX, w + 4, 7), Errno::EINVAL, "CMP_REQUEUE with nr_requeue -1");
    for (sec, nsec) in [(0, 1_000_000_000), (0, -1), (-1, 0)] {
        let t = ts32(sec, nsec);
        err!(futex(w, FUTEX_WAIT, 7, t.as_ptr() as usize, 0, 0), Errno::EINVAL, "WAIT timeout {}.{}", sec, nsec);
    }
    err!(futex(w, FUTEX_WAIT, 7, 16, 0, 0), Errno::EFAULT, "WAIT with a bad timeout pointer");
    // A bad timeout pointer is not read by a call that takes none.
    check_eq!(futex(w, FUTEX_WAKE, 1, 16, 0, 0), Ok(0), "WAKE ignores arg4");
    // Bad addresses. A private WAKE looks at no memory: unmapped is fine, outside user space not.
    ok!(unmap(page + PG, PG), "munmap");
    let gone = page + PG;
    err!(futex(gone, FUTEX_WAIT, 0, z, 0, 0), Errno::EFAULT, "WAIT on an unmapped page");
    err!(futex(gone, FUTEX_WAIT | p, 0, z, 0, 0), Errno::EFAULT, "private WAIT on an unmapped page");
    err!(futex(gone, FUTEX_WAKE, 1, 0, 0, 0), Errno::EFAULT, "shared WAKE on an unmapped page");
    check_eq!(futex(gone, FUTEX_WAKE | p, 1, 0, 0, 0), Ok(0), "private WAKE on an unmapped page");
    err!(futex(0, FUTEX_WAIT | p, 0, z, 0, 0), Errno::EFAULT, "WAIT on NULL");
    // Beyond user space (an i386 process on an x86-64 kernel has all 4 GiB: 0 woken there).
    let kernel_top = 0xffff_fffc;
    let wide = sys::uname().is_ok_and(|u| sys::field_str(&u.machine) == b"x86_64");
    let want = if wide { Ok(0) } else { Err(Errno::EFAULT) };
    check_eq!(futex(kernel_top, FUTEX_WAKE | p, 1, 0, 0, 0), want, "private WAKE beyond user space");
    check_eq!(futex(ctx.user_top, FUTEX_WAKE | p, 1, 0, 0, 0), want, "private WAKE at the end of user space");
    err!(futex(w, FUTEX_CMP_REQUEUE, 1, 1, gone, 7), Errno::EFAULT, "shared CMP_REQUEUE to an unmapped page");
    err!(futex(w, FUTEX_WAKE_OP | p, 1, 1, gone, futex_op(OP_ADD, 1, CMP_EQ, 0)), Errno::EFAULT, "WAKE_OP on an unmapped word");
    // PROT_NONE: EFAULT; an untouched page of a valid area is faulted in (it reads 0).
    let area = map(2 * PG);
    set(area, 1);
    ok!(protect(area, PG, sys::PROT_NONE), "mprotect PROT_NONE");
    err!(futex(area, FUTEX_WAIT | p, 1, z, 0, 0), Errno::EFAULT, "WAIT on PROT_NONE");
    err!(futex(area, FUTEX_WAKE, 1, 0, 0, 0), Errno::EFAULT, "shared WAKE on PROT_NONE");
    err!(futex(area + PG, FUTEX_WAIT | p, 0, z, 0, 0), Errno::ETIMEDOUT, "WAIT on an untouched page");
    err!(futex(area + PG, FUTEX_WAIT, 1, z, 0, 0), Errno::EAGAIN, "shared WAIT on a touched page");
    // A read-only private page: a private wait reads it, a shared key refuses it (Linux's
    // read-only anonymous page).
    ok!(protect(area + PG, PG, sys::PROT_READ), "mprotect PROT_READ");
    err!(futex(area + PG, FUTEX_WAIT | p, 0, z, 0, 0), Errno::ETIMEDOUT, "private WAIT on a read-only page");
    err!(futex(area + PG, FUTEX_WAKE, 1, 0, 0, 0), Errno::EFAULT, "shared WAKE on a read-only private page");
    err!(futex(area + PG, FUTEX_WAKE_OP | p, 1, 1, area + PG, futex_op(OP_ADD, 1, CMP_EQ, 0)), Errno::EFAULT, "WAKE_OP writing a read-only page");
    // FUTEX_CLOCK_REALTIME only with WAIT_BITSET (ENOSYS otherwise); unknown commands ENOSYS.
    let rt = FUTEX_CLOCK_REALTIME;
    err!(futex(w, FUTEX_WAIT | rt, 7, z, 0, 0), Errno::ENOSYS, "WAIT | CLOCK_REALTIME");
    err!(futex(w, FUTEX_WAKE | rt, 1, 0, 0, 0), Errno::ENOSYS, "WAKE | CLOCK_REALTIME");
    err!(futex(w, FUTEX_WAIT_BITSET | rt | p, 7, z, 0, !0), Errno::ETIMEDOUT, "WAIT_BITSET | CLOCK_REALTIME at time 0");
    let bad = ts32(0, -5);
    err!(futex(w, FUTEX_WAIT | rt, 7, bad.as_ptr() as usize, 0, 0), Errno::EINVAL, "the timespec is checked before the clock flag");
    err!(futex(w, 2, 0, 0, 0, 0), Errno::ENOSYS, "FUTEX_FD (removed)");
    err!(futex(w, 14 | p, 0, 0, 0, 0), Errno::ENOSYS, "command 14");
    // CMP_REQUEUE with a stale value; WAKE_OP with an unknown op or comparison.
    err!(futex(w, FUTEX_CMP_REQUEUE | p, 1, 1, w + 4, 8), Errno::EAGAIN, "CMP_REQUEUE with another value");
    set(w + 4, 10);
    err!(futex(w, FUTEX_WAKE_OP | p, 1, 1, w + 4, futex_op(5, 1, CMP_EQ, 0)), Errno::ENOSYS, "WAKE_OP with op 5");
    check_eq!(get(w + 4), 10, "op 5 leaves the word");
    err!(futex(w, FUTEX_WAKE_OP | p, 1, 1, w + 4, futex_op(OP_ADD, 1, 6, 0)), Errno::ENOSYS, "WAKE_OP with comparison 6");
    check_eq!(get(w + 4), 11, "comparison 6: the op was applied first (as Linux)");
}

/// Monotonic milliseconds from clock_gettime, if the kernel has it.
fn monotonic_ms() -> Option<u64> {
    let mut ts = [0i32; 2];
    // SAFETY: the kernel writes `ts`, a local buffer.
    let r = res(unsafe { syscall2(nr::SYS_CLOCK_GETTIME, 1, ts.as_mut_ptr() as usize) });
    r.ok().map(|_| ts[0] as u64 * 1000 + ts[1] as u64 / 1_000_000)
}

fn futex_timeout(ctx: &Ctx) {
    let page = shared_page();
    let (w, started, done) = (page, page + 4, page + 8);
    let fifty = ts32(0, 50_000_000);
    match monotonic_ms() {
        Some(t0) => {
            err!(futex(w, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, fifty.as_ptr() as usize, 0, 0), Errno::ETIMEDOUT, "50 ms WAIT");
            let dt = monotonic_ms().unwrap_or(0).saturating_sub(t0);
            check!(dt >= 50, "the 50 ms WAIT took {} ms", dt);
            check!(dt < 5000, "the 50 ms WAIT took {} ms", dt);
            note!(ctx, "50 ms wait took {} ms", dt);
        }
        None => {
            // No clock yet: a child waits 50 ms; the parent, once the child is waiting,
            // sleeps 30 ms and must find it still waiting.
            let pid = spawn(|| {
                set(started, 1);
                let r = futex(w, FUTEX_WAIT, 0, fifty.as_ptr() as usize, 0, 0);
                set(done, 1);
                code(r)
            });
            await_waiters(w, 1);
            sys::sleep_ms(30);
            check_eq!(get(done), 0, "the 50 ms wait still runs after 30 ms");
            wait_code(pid, 2, "50 ms WAIT");
            check_eq!(get(started), 1, "the child ran");
        }
    }
    // futex_time64: a zero relative timeout; absolute BITSET deadlines in the past.
    err!(futex64(w, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &[0, 0], 0), Errno::ETIMEDOUT, "futex_time64 WAIT 0");
    err!(futex64(w, FUTEX_WAIT, 0, &[0, 1_000_000_000], 0), Errno::EINVAL, "futex_time64 nsec 1e9");
    err!(futex64(w, FUTEX_WAIT, 1, &[0, 0], 0), Errno::EAGAIN, "futex_time64 with another value");
    let past = ts32(0, 1);
    err!(futex(w, FUTEX_WAIT_BITSET, 0, past.as_ptr() as usize, 0, !0), Errno::ETIMEDOUT, "absolute monotonic deadline 1 ns");
    err!(futex64(w, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &[1, 0], !0), Errno::ETIMEDOUT, "absolute realtime deadline 1 s");
    err!(futex64(w, FUTEX_WAIT_BITSET, 0, &[1, 0], 0), Errno::EINVAL, "futex_time64 WAIT_BITSET with bitset 0");
}

fn futex_shared_fork(_ctx: &Ctx) {
    let page = shared_page();
    let (w, ready) = (page + 128, page + 256);
    // Shared: the parent's WAKE finds the child's wait through the shared page.
    let pid = spawn(|| code(futex(w, FUTEX_WAIT, 0, 0, 0, 0)));
    await_waiters(w, 1);
    check_eq!(futex(w, FUTEX_WAKE, 1, 0, 0, 0), Ok(1), "shared WAKE of the child");
    wait_code(pid, 0, "shared WAIT");
    // Private: another address space's waiter is not found, by a private or a shared WAKE.
    let pid = spawn(|| {
        set(ready, 1);
        let t = ts32(0, 300_000_000);
        code(futex(w, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, t.as_ptr() as usize, 0, 0))
    });
    while get(ready) == 0 {
        sys::sleep_ms(1);
    }
    sys::sleep_ms(50);
    check_eq!(futex(w, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0, 0, 0), Ok(0), "private WAKE across processes");
    check_eq!(futex(w, FUTEX_WAKE, 1, 0, 0, 0), Ok(0), "shared WAKE of a private waiter");
    wait_code(pid, 2, "private WAIT (must time out)");
}

fn futex_bitset(_ctx: &Ctx) {
    let page = shared_page();
    let w = page;
    let far = ts32(1_000_000, 0); // an absolute monotonic deadline days ahead
    let (done1, done2) = (page + 8, page + 12);
    let pid1 = spawn(|| {
        let r = futex(w, FUTEX_WAIT_BITSET, 0, far.as_ptr() as usize, 0, 0b01);
        set(done1, 1);
        code(r)
    });
    await_waiters(w, 1);
    let pid2 = spawn(|| {
        let r = futex(w, FUTEX_WAIT_BITSET, 0, 0, 0, 0b10);
        set(done2, 1);
        code(r)
    });
    await_waiters(w, 2);
    check_eq!(futex(w, FUTEX_WAKE_BITSET, INT_MAX as u32, 0, 0, 0b100), Ok(0), "WAKE_BITSET with a disjoint mask");
    check_eq!(futex(w, FUTEX_WAKE_BITSET, INT_MAX as u32, 0, 0, 0b10), Ok(1), "WAKE_BITSET 0b10");
    wait_code(pid2, 0, "waiter with mask 0b10");
    check_eq!(get(done1), 0, "the 0b01 waiter still sleeps");
    check_eq!(waiters(w), 1, "one waiter left");
    check_eq!(futex(w, FUTEX_WAKE, INT_MAX as u32, 0, 0, 0), Ok(1), "plain WAKE matches any mask");
    wait_code(pid1, 0, "waiter with mask 0b01");
    check_eq!(get(done2), 1, "second child's flag");
}

fn futex_requeue(_ctx: &Ctx) {
    let page = shared_page();
    let (a, b) = (page, page + 4);
    set(a, 5);
    let pids = [0, 1].map(|_| spawn(|| code(futex(a, FUTEX_WAIT, 5, 0, 0, 0))));
    await_waiters(a, 2);
    err!(futex(a, FUTEX_CMP_REQUEUE, 0, 1, b, 6), Errno::EAGAIN, "CMP_REQUEUE with a stale value");
    check_eq!(futex(a, FUTEX_CMP_REQUEUE, 0, 1, b, 5), Ok(1), "CMP_REQUEUE of one waiter");
    check_eq!(waiters(a), 1, "waiters left on the first word");
    check_eq!(waiters(b), 1, "waiters moved to the second word");
    check_eq!(futex(a, FUTEX_WAKE, INT_MAX as u32, 0, 0, 0), Ok(1), "WAKE on the first word");
    check_eq!(futex(b, FUTEX_WAKE, INT_MAX as u32, 0, 0, 0), Ok(1), "WAKE on the second word");
    for pid in pids {
        wait_code(pid, 0, "requeued waiter");
    }
    // REQUEUE (no compare) with nr_wake 1: one woken, one moved; the count is both.
    let pids = [0, 1].map(|_| spawn(|| code(futex(a, FUTEX_WAIT, 5, 0, 0, 0))));
    await_waiters(a, 2);
    check_eq!(futex(a, FUTEX_REQUEUE, 1, INT_MAX, b, 0), Ok(2), "REQUEUE wake 1 + move 1");
    check_eq!(waiters(a), 0, "first word emptied");
    check_eq!(futex(b, FUTEX_WAKE, 0, 0, 0, 0), Ok(1), "WAKE with nr 0 still wakes one (as Linux)");
    for pid in pids {
        wait_code(pid, 0, "REQUEUE waiter");
    }
}

fn futex_wake_op(_ctx: &Ctx) {
    let page = shared_page();
    let (a, b) = (page, page + 4);
    let p = FUTEX_PRIVATE_FLAG;
    // The operations, on a word nobody waits on (each returns 0 woken).
    for (op, arg, start, want) in [
        (OP_SET, 9, 1, 9),
        (OP_ADD, 0xfff, 10, 9), // oparg is a signed 12-bit field: -1
        (OP_OR, 0x30, 0x03, 0x33),
        (OP_ANDN, 0x0f, 0xff, 0xf0),
        (OP_XOR, 0x55, 0xff, 0xaa),
        (OP_SET | OP_ARG_SHIFT, 4, 0, 16),
        (OP_OR | OP_ARG_SHIFT, 31, 1, 0x8000_0001),
    ] {
        set(b, start);
        check_eq!(futex(a, FUTEX_WAKE_OP | p, 1, 1, b, futex_op(op, arg, CMP_EQ, 0)), Ok(0), "WAKE_OP {}", op);
        check_eq!(get(b), want, "word after op {:#x} arg {:#x} on {:#x}", op, arg, start);
    }
    // The comparison decides the second wake: a waiter on b.
    set(b, 0);
    let pid = spawn(|| code(futex(b, FUTEX_WAIT, 0, 0, 0, 0)));
    await_waiters(b, 1);
    // ADD 1, old 0 > 100 is false: nobody woken; the word changed but the waiter sleeps on.
    check_eq!(futex(a, FUTEX_WAKE_OP, 1, 1, b, futex_op(OP_ADD, 1, CMP_GT, 100)), Ok(0), "WAKE_OP failing comparison");
    check_eq!(get(b), 1, "ADD applied");
    check_eq!(waiters(b), 1, "the waiter still sleeps");
    // ADD 5, old 1 < 2: the second word's waiter wakes.
    check_eq!(futex(a, FUTEX_WAKE_OP, 1, 1, b, futex_op(OP_ADD, 5, CMP_LT, 2)), Ok(1), "WAKE_OP passing comparison");
    check_eq!(get(b), 6, "ADD applied");
    wait_code(pid, 0, "waiter on the second word");
    // Both words: a waiter on a is woken whatever the comparison.
    set(a, 0);
    let pid = spawn(|| code(futex(a, FUTEX_WAIT, 0, 0, 0, 0)));
    await_waiters(a, 1);
    // SET 0, old 6 < -1 (cmparg is a signed 12-bit field) is false: only the first word wakes.
    check_eq!(futex(a, FUTEX_WAKE_OP, 1, 1, b, futex_op(OP_SET, 0, CMP_LT, 0xfff)), Ok(1), "WAKE_OP wakes the first word");
    check_eq!(get(b), 0, "SET 0");
    wait_code(pid, 0, "waiter on the first word");
}

fn futex_kill_waiter(_ctx: &Ctx) {
    let page = shared_page();
    let w = page;
    let pid = spawn(|| code(futex(w, FUTEX_WAIT, 0, 0, 0, 0)));
    await_waiters(w, 1);
    ok!(sys::kill(pid as i32, sys::SIGKILL), "kill");
    let s = wait(pid);
    check!(sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGKILL, "killed waiter: {}", WaitStatus(s));
    check_eq!(waiters(w), 0, "waiters after the kill");
    check_eq!(futex(w, FUTEX_WAKE, 1, 0, 0, 0), Ok(0), "WAKE after the kill");
    // Killed with a timeout pending, private.
    let pid = spawn(|| {
        let t = ts32(100, 0);
        code(futex(w, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, t.as_ptr() as usize, 0, 0))
    });
    sys::sleep_ms(20);
    ok!(sys::kill(pid as i32, sys::SIGKILL), "kill");
    let s = wait(pid);
    check!(sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGKILL, "killed timed waiter: {}", WaitStatus(s));
}

fn futex_robust_wakes(_ctx: &Ctx) {
    const FUTEX_WAITERS: u32 = 0x8000_0000;
    const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
    let sh = shared_page();
    // Robust list head at sh (next, futex_offset, list_op_pending), one entry at sh + 64 whose
    // word is at entry + 16; flags at sh + 512 (owner ready) and sh + 516 (owner may die).
    let (head, entry, word, ready, die) = (sh, sh + 64, sh + 80, sh + 512, sh + 516);
    let owner = spawn(|| {
        set(head, entry as u32);
        set(head + 4, 16);
        set(head + 8, 0);
        set(entry, head as u32);
        set(word, sys::getpid() | FUTEX_WAITERS);
        // SAFETY: the kernel reads the list (in our shared page) when this process exits.
        if res(unsafe { syscall2(nr::SYS_SET_ROBUST_LIST, head, 12) }).is_err() {
            return 1;
        }
        set(ready, 1);
        while get(die) == 0 {
            sys::sleep_ms(1);
        }
        0
    });
    while get(ready) == 0 {
        sys::sleep_ms(1);
    }
    let held = get(word);
    let waiter = spawn(|| {
        let t = ts32(5, 0);
        code(futex(word, FUTEX_WAIT, held, t.as_ptr() as usize, 0, 0))
    });
    await_waiters(word, 1);
    set(die, 1);
    wait_ok(owner, "robust owner");
    wait_code(waiter, 0, "waiter on the dead owner's word (2: timed out, not woken)");
    check_eq!(get(word), FUTEX_WAITERS | FUTEX_OWNER_DIED, "the dead owner's word");
}

/// The shared counter the SIGUSR1 handler of `futex_signal_restart` bumps (0: none).
static HANDLED_AT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

extern "C" fn count_signal(_sig: i32) {
    let at = HANDLED_AT.load(core::sync::atomic::Ordering::SeqCst);
    if at != 0 {
        set(at, get(at) + 1);
    }
}

fn futex_signal_restart(_ctx: &Ctx) {
    let sh = shared_page();
    let (w, handled) = (sh, sh + 8);
    // flags 0: EINTR, without a timeout and with one; SA_RESTART: the wait goes on.
    for (flags, timed) in [(0, false), (0, true), (rt::signal::SA_RESTART, false)] {
        set(handled, 0);
        let pid = spawn(|| {
            HANDLED_AT.store(handled, core::sync::atomic::Ordering::SeqCst);
            if rt::signal::sigaction(sys::SIGUSR1, count_signal as *const () as usize, flags, 0).is_err() {
                return 9;
            }
            let t = ts32(20, 0);
            let arg4 = if timed { t.as_ptr() as usize } else { 0 };
            code(futex(w, FUTEX_WAIT, 0, arg4, 0, 0))
        });
        await_waiters(w, 1);
        ok!(sys::kill(pid as i32, sys::SIGUSR1), "kill SIGUSR1");
        for _ in 0..5000 {
            if get(handled) != 0 {
                break;
            }
            sys::sleep_ms(1);
        }
        check_eq!(get(handled), 1, "handler runs (flags {:#x}, timed {})", flags, timed);
        if flags == 0 {
            wait_code(pid, 4, "interrupted wait (4: EINTR)");
        } else {
            await_waiters(w, 1);
            check_eq!(futex(w, FUTEX_WAKE, 1, 0, 0, 0), Ok(1), "WAKE of the restarted wait");
            wait_code(pid, 0, "restarted wait, then woken");
        }
    }
}
