//! Thread-local storage and glibc's start-up calls: set_thread_area/get_thread_area and the
//! %gs segment through a TLS slot, set_tid_address/gettid, the robust list, rseq, getrandom.

use super::*;
use core::arch::asm;
use rt::sys::syscall0;

pub(super) static CASES: &[Case] = &[
    case!(tls_slots, OK, ALL, "set_thread_area picks free slots 6,7,8 then ESRCH, %gs through a slot reads the block, get_thread_area round trip, clearing frees a slot"),
    case!(tls_invalid, OK, ALL, "set/get_thread_area: 16-bit, code, not-present and out-of-range entries EINVAL; bad pointers EFAULT; clearing the slot %gs uses loads the null selector"),
    case!(tls_fork_exec_switch, OK, ALL, "a fork child keeps the parent's TLS, each task reads its own %gs block across switches, exec clears the slots, robust list and rseq"),
    case!(tid_and_robust_list, OK, ALL, "gettid == getpid, set_tid_address returns the tid, set/get_robust_list (len 12 else EINVAL, ESRCH), a fork child starts with none"),
    case!(robust_list_owner_died, OK, ALL, "at exit the robust list marks words the task owned FUTEX_OWNER_DIED (waiters bit kept), others untouched; clear_child_tid of a lone task is left"),
    case!(rseq_register, OK, ALL, "rseq registration writes cpu_id and clears rseq_cs, EBUSY/EPERM/EINVAL as Linux 6.1, unregister resets cpu_id to -1, EFAULT for a kernel address"),
    case!(rseq_abort_on_preemption, OK, ALL, "a task preempted inside an rseq critical section resumes at its abort handler"),
    case!(rseq_bad_descriptor, OK, ALL, "an rseq_cs descriptor of an unknown version kills with SIGSEGV when the task is preempted"),
    case!(getrandom_works, OK, ALL, "getrandom fills buffers (two calls differ), EINVAL for unknown flags and INSECURE|RANDOM, EFAULT, a partial count up to an unmapped page"),
];

const SET_THREAD_AREA: u32 = nr::SYS_SET_THREAD_AREA;
const GET_THREAD_AREA: u32 = nr::SYS_GET_THREAD_AREA;

// struct user_desc flag bits.
const SEG_32BIT: u32 = 1;
const CONTENTS_CODE: u32 = 2 << 1;
const READ_EXEC_ONLY: u32 = 1 << 3;
const LIMIT_IN_PAGES: u32 = 1 << 4;
const SEG_NOT_PRESENT: u32 = 1 << 5;
const USEABLE: u32 = 1 << 6;
/// glibc's flags for its TLS descriptor.
const GLIBC_FLAGS: u32 = SEG_32BIT | LIMIT_IN_PAGES | USEABLE;

/// `struct user_desc`: entry_number, base_addr, limit, flags.
type UserDesc = [u32; 4];

fn set_area(d: &mut UserDesc) -> Result<usize, Errno> {
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    res(unsafe { syscall1(SET_THREAD_AREA, d as *mut UserDesc as usize) })
}

fn get_area(entry: u32) -> Result<UserDesc, Errno> {
    let mut d: UserDesc = [entry, 0, 0, 0];
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    res(unsafe { syscall1(GET_THREAD_AREA, &mut d as *mut UserDesc as usize) }).map(|_| d)
}

fn gs() -> u32 {
    let v: u32;
    // SAFETY: reads a segment register.
    unsafe { asm!("mov {0:e}, gs", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v & 0xffff
}

fn set_gs(sel: u32) {
    // SAFETY: loads %gs; a bad selector faults, which fails the case. Nothing here uses %gs.
    unsafe { asm!("mov gs, {0:e}", in(reg) sel, options(nostack, preserves_flags)) };
}

fn gs_word(off: u32) -> u32 {
    let v: u32;
    // SAFETY: reads through %gs, which the case pointed at its own block.
    unsafe { asm!("mov {v}, gs:[{o}]", v = out(reg) v, o = in(reg) off, options(readonly, nostack, preserves_flags)) };
    v
}

/// A one-page block whose first two words are `a`, `b`.
fn block(a: u32, b: u32) -> usize {
    let p = map(PG);
    // SAFETY: our fresh page.
    unsafe {
        (p as *mut u32).write_volatile(a);
        ((p + 4) as *mut u32).write_volatile(b);
    }
    p
}

fn tls_slots(_ctx: &Ctx) {
    let blk = block(0x1234_5678, 0x9abc_def0);
    let old_gs = gs();
    let mut d: UserDesc = [u32::MAX, blk as u32, 0xfffff, GLIBC_FLAGS];
    ok!(set_area(&mut d), "set_thread_area(-1)");
    check_eq!(d[0], 6, "first free slot written back");
    set_gs(6 * 8 + 3);
    check_eq!(gs_word(0), 0x1234_5678, "%gs:0 through slot 6");
    check_eq!(gs_word(4), 0x9abc_def0, "%gs:4 through slot 6");
    // A system call and a yield keep %gs and its base.
    sys::sched_yield();
    check_eq!(gs(), 0x33, "%gs after a system call");
    check_eq!(gs_word(0), 0x1234_5678, "%gs:0 after a system call");
    set_gs(old_gs);
    check_eq!(ok!(get_area(6), "get_thread_area(6)"), [6, blk as u32, 0xfffff, GLIBC_FLAGS], "round trip");
    let mut d7: UserDesc = [u32::MAX, 0x1000, 5, SEG_32BIT | READ_EXEC_ONLY];
    ok!(set_area(&mut d7), "second slot");
    check_eq!(d7[0], 7, "second free slot");
    check_eq!(ok!(get_area(7), "get 7"), [7, 0x1000, 5, SEG_32BIT | READ_EXEC_ONLY], "read-only round trip");
    let mut d8: UserDesc = [u32::MAX, 0x2000, 1, SEG_32BIT | (1 << 1)];
    ok!(set_area(&mut d8), "third slot (expand-down data)");
    check_eq!(d8[0], 8, "third free slot");
    let mut d9: UserDesc = [u32::MAX, 0x3000, 1, SEG_32BIT];
    err!(set_area(&mut d9), Errno::ESRCH, "no free slot left");
    // Clearing slot 7 with the proper "empty" descriptor frees it.
    let mut clear: UserDesc = [7, 0, 0, READ_EXEC_ONLY | SEG_NOT_PRESENT];
    ok!(set_area(&mut clear), "clear slot 7");
    check_eq!(ok!(get_area(7), "get cleared 7"), [7, 0, 0, READ_EXEC_ONLY | SEG_NOT_PRESENT], "a free slot reads back empty");
    let mut again: UserDesc = [u32::MAX, 0x4000, 2, SEG_32BIT];
    ok!(set_area(&mut again), "allocate after clearing");
    check_eq!(again[0], 7, "the freed slot is picked");
    // An all-zero descriptor (LDT_zero) clears too.
    let mut zero: UserDesc = [8, 0, 0, 0];
    ok!(set_area(&mut zero), "all-zero clears slot 8");
    check_eq!(ok!(get_area(8), "get 8"), [8, 0, 0, READ_EXEC_ONLY | SEG_NOT_PRESENT], "slot 8 free");
    // Rewriting an explicit slot replaces it.
    let mut re: UserDesc = [6, blk as u32 + 4, 0xfffff, GLIBC_FLAGS];
    ok!(set_area(&mut re), "rewrite slot 6");
    set_gs(0x33);
    check_eq!(gs_word(0), 0x9abc_def0, "%gs:0 through the rewritten slot");
    set_gs(old_gs);
}

fn tls_invalid(_ctx: &Ctx) {
    let bad: [(UserDesc, &str); 6] = [
        ([u32::MAX, 0x1000, 1, LIMIT_IN_PAGES], "16-bit segment"),
        ([u32::MAX, 0x1000, 1, SEG_32BIT | CONTENTS_CODE], "code segment"),
        ([u32::MAX, 0x1000, 1, SEG_32BIT | (3 << 1)], "contents 3"),
        ([u32::MAX, 0x1000, 1, SEG_32BIT | SEG_NOT_PRESENT], "not present"),
        ([5, 0x1000, 1, SEG_32BIT], "entry 5"),
        ([9, 0x1000, 1, SEG_32BIT], "entry 9"),
    ];
    for (d, what) in bad {
        let mut d = d;
        err!(set_area(&mut d), Errno::EINVAL, "set_thread_area {}", what);
    }
    // A clear request for an out-of-range entry is still EINVAL.
    let mut d: UserDesc = [0, 0, 0, 0];
    err!(set_area(&mut d), Errno::EINVAL, "clear entry 0");
    err!(get_area(5), Errno::EINVAL, "get_thread_area(5)");
    err!(get_area(9), Errno::EINVAL, "get_thread_area(9)");
    err!(get_area(u32::MAX), Errno::EINVAL, "get_thread_area(-1)");
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    err!(res(unsafe { syscall1(SET_THREAD_AREA, 0) }), Errno::EFAULT, "set_thread_area(NULL)");
    err!(res(unsafe { syscall1(GET_THREAD_AREA, 0) }), Errno::EFAULT, "get_thread_area(NULL)");
    err!(res(unsafe { syscall1(SET_THREAD_AREA, 0xc000_0000) }), Errno::EFAULT, "set_thread_area(kernel)");
    // Entry -1 in a read-only page: the slot number cannot be written back.
    let ro = map(PG);
    // SAFETY: our page; made read-only after the descriptor is written.
    unsafe { (ro as *mut UserDesc).write_volatile([u32::MAX, 0x1000, 1, SEG_32BIT]) };
    ok!(protect(ro, PG, sys::PROT_READ), "mprotect");
    err!(res(unsafe { syscall1(SET_THREAD_AREA, ro) }), Errno::EFAULT, "writing the entry back");
    // Clearing the slot %gs selects: the return to user mode loads the null selector.
    let blk = block(7, 8);
    let old_gs = gs();
    let mut d: UserDesc = [6, blk as u32, 0xfffff, GLIBC_FLAGS];
    ok!(set_area(&mut d), "slot 6");
    set_gs(0x33);
    let mut clear: UserDesc = [6, 0, 0, READ_EXEC_ONLY | SEG_NOT_PRESENT];
    ok!(set_area(&mut clear), "clear slot 6 while %gs uses it");
    check_eq!(gs(), 0, "%gs after its slot was cleared");
    set_gs(old_gs);
}

/// `vmtest --probe-tls`, run by exec: the new image has no TLS slots, robust list or rseq.
pub fn probe_tls() -> i32 {
    for e in 6..=8 {
        match get_area(e) {
            Ok(d) if d == [e, 0, 0, READ_EXEC_ONLY | SEG_NOT_PRESENT] => {}
            _ => return 10 + e as i32,
        }
    }
    let (mut head, mut len) = (1u32, 0u32);
    if get_robust_list(0, &mut head, &mut len).is_err() || head != 0 {
        return 20;
    }
    let area = rseq_area();
    match rseq(area, 32, 0, RSEQ_SIG) {
        Ok(_) => {}
        Err(_) => return 21,
    }
    33
}

fn tls_fork_exec_switch(ctx: &Ctx) {
    let parent_blk = block(0x1111, 0);
    let child_blk = block(0x2222, 0);
    let old_gs = gs();
    let mut d: UserDesc = [6, parent_blk as u32, 0xfffff, GLIBC_FLAGS];
    ok!(set_area(&mut d), "parent slot 6");
    let (mut head, mut len) = (0u32, 0u32);
    let robust = map(PG);
    ok!(set_robust_list_raw(robust, 12), "set_robust_list");
    let area = rseq_area();
    ok!(rseq(area, 32, 0, RSEQ_SIG), "register rseq");
    // The child inherits the descriptor: %gs works without set_thread_area.
    let pid = spawn(|| {
        set_gs(0x33);
        if gs_word(0) != 0x1111 {
            return 1;
        }
        // The registration is inherited (no CLONE_VM): registering again is EBUSY.
        if rseq(area, 32, 0, RSEQ_SIG) != Err(Errno::EBUSY) {
            return 2;
        }
        0
    });
    wait_ok(pid, "fork child reads the parent's TLS block");
    // Parent and child each point slot 6 at their own block and keep reading it while they
    // take turns on the CPU.
    set_gs(0x33);
    let pid = spawn(|| {
        let mut d: UserDesc = [6, child_blk as u32, 0xfffff, GLIBC_FLAGS];
        if set_area(&mut d).is_err() {
            return 1;
        }
        set_gs(0x33);
        for _ in 0..200 {
            sys::sched_yield();
            if gs_word(0) != 0x2222 {
                return 2;
            }
        }
        0
    });
    for _ in 0..200 {
        sys::sched_yield();
        check_eq!(gs_word(0), 0x1111, "parent's %gs block while the child runs");
    }
    wait_ok(pid, "child's %gs block while the parent runs");
    check_eq!(gs_word(0), 0x1111, "parent's %gs block at the end");
    set_gs(old_gs);
    ok!(get_robust_list(0, &mut head, &mut len), "get_robust_list");
    check_eq!(head as usize, robust, "robust list head");
    // exec: the new image starts with nothing.
    let pid = spawn(|| {
        let argv = [c"vmtest".as_ptr() as *const u8, c"--probe-tls".as_ptr() as *const u8, core::ptr::null()];
        let envp = [core::ptr::null()];
        let e = sys::execve(ctx.self_path.as_cstr(), &argv, &envp);
        eprintln!("    execve: {}", e);
        99
    });
    let s = wait(pid);
    check!(sys::wifexited(s) && sys::wexitstatus(s) == 33, "exec'd TLS probe: {}", WaitStatus(s));
}

fn set_robust_list_raw(head: usize, len: usize) -> Result<usize, Errno> {
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    res(unsafe { syscall2(nr::SYS_SET_ROBUST_LIST, head, len) })
}

fn get_robust_list(pid: i32, head: &mut u32, len: &mut u32) -> Result<usize, Errno> {
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    res(unsafe { syscall3(nr::SYS_GET_ROBUST_LIST, pid as usize, head as *mut u32 as usize, len as *mut u32 as usize) })
}

fn tid_and_robust_list(_ctx: &Ctx) {
    let me = sys::getpid();
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    check_eq!(ok!(res(unsafe { syscall0(nr::SYS_GETTID) }), "gettid"), me as usize, "gettid");
    let word = map(PG);
    check_eq!(ok!(res(unsafe { syscall1(nr::SYS_SET_TID_ADDRESS, word) }), "set_tid_address"), me as usize, "set_tid_address's result");
    let (mut head, mut len) = (1u32, 0u32);
    ok!(get_robust_list(0, &mut head, &mut len), "get_robust_list before any");
    check_eq!((head, len), (0, 12), "no list yet");
    for bad in [0, 11, 13, 24] {
        err!(set_robust_list_raw(word, bad), Errno::EINVAL, "set_robust_list len {}", bad);
    }
    ok!(set_robust_list_raw(word, 12), "set_robust_list");
    ok!(get_robust_list(0, &mut head, &mut len), "get_robust_list(0)");
    check_eq!(head as usize, word, "head");
    head = 0;
    ok!(get_robust_list(me as i32, &mut head, &mut len), "get_robust_list(own pid)");
    check_eq!(head as usize, word, "head by pid");
    err!(get_robust_list(0x3fff_fff0, &mut head, &mut len), Errno::ESRCH, "unknown pid");
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    err!(res(unsafe { syscall3(nr::SYS_GET_ROBUST_LIST, 0, word, 0) }), Errno::EFAULT, "NULL len_ptr");
    err!(res(unsafe { syscall3(nr::SYS_GET_ROBUST_LIST, 0, 0, word) }), Errno::EFAULT, "NULL head_ptr");
    let pid = spawn(|| {
        let (mut h, mut l) = (1u32, 0u32);
        if get_robust_list(0, &mut h, &mut l).is_err() || h != 0 {
            return 1;
        }
        // The child's own tid.
        // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
        let tid = unsafe { syscall0(nr::SYS_GETTID) } as u32;
        if tid != sys::getpid() || tid == me {
            return 2;
        }
        0
    });
    wait_ok(pid, "a fork child has no robust list");
    // Another process's list.
    let child_head = map(PG);
    let pid = spawn(|| {
        let _ = set_robust_list_raw(child_head, 12);
        sys::sleep_ms(100_000);
        0
    });
    let mut h = 0u32;
    for _ in 0..200 {
        ok!(get_robust_list(pid as i32, &mut h, &mut len), "get_robust_list(child)");
        if h != 0 {
            break;
        }
        sys::sleep_ms(5);
    }
    check_eq!(h as usize, child_head, "the child's head");
    ok!(sys::kill(pid as i32, sys::SIGKILL), "kill");
    wait(pid);
}

const FUTEX_WAITERS: u32 = 0x8000_0000;
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;

fn robust_list_owner_died(_ctx: &Ctx) {
    // Shared memory outlives the child: head at 0, entries at 64.., words at entry + 16.
    let sh = ok!(mmap_raw(0, PG, sys::PROT_READ | sys::PROT_WRITE, sys::MAP_SHARED | sys::MAP_ANONYMOUS, -1, 0), "MAP_SHARED");
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    let w = |a: usize, v: u32| unsafe { (a as *mut u32).write_volatile(v) };
    let r = |a: usize| unsafe { (a as *const u32).read_volatile() };
    let pid = spawn(|| {
        let tid = sys::getpid();
        let (head, e1, e2, e3, pend) = (sh, sh + 64, sh + 128, sh + 192, sh + 256);
        // head: next = e1, futex_offset = 16, list_op_pending = pend.
        w(head, e1 as u32);
        w(head + 4, 16);
        w(head + 8, pend as u32);
        w(e1, e2 as u32);
        w(e1 + 16, tid | FUTEX_WAITERS); // ours, with waiters
        w(e2, e3 as u32);
        w(e2 + 16, 12345); // someone else's
        w(e3, head as u32); // back to the head: end of the list
        w(e3 + 16, tid); // ours, no waiters
        w(pend + 16, 0); // pending op on a free word: left alone
        w(sh + 512, 77);
        if set_robust_list_raw(head, 12).is_err() {
            return 1;
        }
        // A lone task's clear_child_tid is not written at exit (Linux: mm_users == 1).
        // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
        unsafe { syscall1(nr::SYS_SET_TID_ADDRESS, sh + 512) };
        0
    });
    wait_ok(pid, "child with a robust list");
    check_eq!(r(sh + 64 + 16), FUTEX_WAITERS | FUTEX_OWNER_DIED, "owned word with waiters");
    check_eq!(r(sh + 128 + 16), 12345, "another owner's word");
    check_eq!(r(sh + 192 + 16), FUTEX_OWNER_DIED, "owned word");
    check_eq!(r(sh + 256 + 16), 0, "pending free word");
    check_eq!(r(sh + 512), 77, "clear_child_tid word of a lone task");
    // A circular list ends at the limit; a bad pointer ends the walk. Both exit normally.
    let pid = spawn(|| {
        let tid = sys::getpid();
        w(sh, sh as u32 + 64);
        w(sh + 4, 16);
        w(sh + 8, 0);
        w(sh + 64, sh as u32 + 64); // points at itself forever
        w(sh + 80, tid);
        let _ = set_robust_list_raw(sh, 12);
        0
    });
    wait_ok(pid, "circular robust list");
    check_eq!(r(sh + 80), FUTEX_OWNER_DIED, "the looping entry's word");
    let pid = spawn(|| {
        w(sh, 0xc000_0000);
        let _ = set_robust_list_raw(sh, 12);
        0
    });
    wait_ok(pid, "robust list pointing into the kernel");
    let _ = unmap(sh, PG);
}

const RSEQ_SIG: u32 = 0x5305_3053;

/// A 32-byte aligned rseq area in a fresh page, cpu_id preset to garbage.
fn rseq_area() -> usize {
    let p = map(PG);
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    unsafe { ((p + 4) as *mut u32).write_volatile(0xdead) };
    p
}

fn rseq(area: usize, len: u32, flags: u32, sig: u32) -> Result<usize, Errno> {
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    res(unsafe { syscall4(nr::SYS_RSEQ, area, len as usize, flags as usize, sig as usize) })
}

fn rseq_register(_ctx: &Ctx) {
    let area = rseq_area();
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    let r = |a: usize| unsafe { (a as *const u32).read_volatile() };
    err!(rseq(area + 4, 32, 0, RSEQ_SIG), Errno::EINVAL, "unaligned area");
    err!(rseq(area, 20, 0, RSEQ_SIG), Errno::EINVAL, "length 20");
    err!(rseq(area, 64, 0, RSEQ_SIG), Errno::EINVAL, "length 64");
    err!(rseq(area, 32, 2, RSEQ_SIG), Errno::EINVAL, "unknown flag");
    err!(rseq(area, 32, 1, RSEQ_SIG), Errno::EINVAL, "unregister when none");
    err!(rseq(0xc000_0000, 32, 0, RSEQ_SIG), Errno::EFAULT, "kernel address");
    // Registration clears whatever rseq_cs held (as Linux 6.1 was seen to do).
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    unsafe { ((area + 8) as *mut u32).write_volatile(0xc000_0000) };
    ok!(rseq(area, 32, 0, RSEQ_SIG), "register");
    check_eq!(r(area + 8), 0, "rseq_cs after registering");
    check_eq!(r(area), r(area + 4), "cpu_id_start == cpu_id");
    check!(r(area + 4) < 64, "cpu_id {:#x} written", r(area + 4));
    err!(rseq(area, 32, 0, RSEQ_SIG), Errno::EBUSY, "same registration again");
    err!(rseq(area, 32, 0, RSEQ_SIG + 1), Errno::EPERM, "another signature");
    err!(rseq(area + 32, 32, 0, RSEQ_SIG), Errno::EINVAL, "another area");
    err!(rseq(area, 31, 0, RSEQ_SIG), Errno::EINVAL, "another length");
    err!(rseq(area, 32, 1 | 2, RSEQ_SIG), Errno::EINVAL, "unregister with another flag");
    err!(rseq(area + 32, 32, 1, RSEQ_SIG), Errno::EINVAL, "unregister another area");
    err!(rseq(area, 20, 1, RSEQ_SIG), Errno::EINVAL, "unregister another length");
    err!(rseq(area, 32, 1, RSEQ_SIG + 1), Errno::EPERM, "unregister with another signature");
    ok!(rseq(area, 32, 1, RSEQ_SIG), "unregister");
    check_eq!(r(area + 4), u32::MAX, "cpu_id after unregistering (RSEQ_CPU_ID_UNINITIALIZED)");
    check_eq!(r(area), 0, "cpu_id_start after unregistering");
    err!(rseq(area, 32, 1, RSEQ_SIG), Errno::EINVAL, "unregister twice");
    ok!(rseq(area + 64, 32, 0, RSEQ_SIG + 7), "register another area");
}

/// Spins until killed or orphaned: another runnable task, so that the timer preempts the case.
fn spinner() -> u32 {
    let me = sys::getpid();
    spawn(|| loop {
        if sys::getppid() != me {
            return 0;
        }
        core::hint::spin_loop();
    })
}

fn rseq_abort_on_preemption(_ctx: &Ctx) {
    let area = rseq_area();
    ok!(rseq(area, 32, 0, RSEQ_SIG), "register");
    let other = spinner();
    let aborted: u32;
    // The critical section [3, 4) spins until the kernel moves EIP to the abort handler at 6,
    // which the signature word precedes. The descriptor is 32-byte aligned data.
    // SAFETY: writes only the rseq area's rseq_cs field; the loop ends through the abort.
    unsafe {
        asm!(
            ".pushsection .data",
            ".balign 32",
            "5:",
            ".long 0, 0",          // version, flags
            ".long 3f, 0",         // start_ip
            ".long 4f - 3f, 0",    // post_commit_offset
            ".long 6f, 0",         // abort_ip
            ".popsection",
            "mov dword ptr [{a} + 12], 0",
            "lea {t}, [5b]",
            "mov dword ptr [{a} + 8], {t}",
            "xor {r}, {r}",
            "3:",
            "jmp 3b",
            "4:",
            "jmp 7f",
            ".long {sig}",
            "6:",
            "mov {r}, 1",
            "7:",
            a = in(reg) area,
            t = out(reg) _,
            r = out(reg) aborted,
            sig = const RSEQ_SIG,
            options(nostack),
        );
    }
    ok!(sys::kill(other as i32, sys::SIGKILL), "kill spinner");
    wait(other);
    check_eq!(aborted, 1, "resumed at the abort handler");
    // The kernel cleared rseq_cs when it aborted the section.
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    check_eq!(unsafe { ((area + 8) as *const u32).read_volatile() }, 0, "rseq_cs cleared");
}

fn rseq_bad_descriptor(_ctx: &Ctx) {
    let area = rseq_area();
    let desc = map(PG);
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    let w = |a: usize, v: u32| unsafe { (a as *mut u32).write_volatile(v) };
    // A descriptor of a version the kernel does not know, outside any section.
    w(desc, 1);
    w(desc + 8, 0x1000);
    w(desc + 16, 0x10);
    w(desc + 24, 0x2000);
    // The child spins in user mode; this process stays runnable beside it, so the timer
    // preempts the child and its way back to user mode checks the descriptor.
    let pid = spawn(|| {
        if rseq(area, 32, 0, RSEQ_SIG).is_err() {
            return 1;
        }
        w(area + 8, desc as u32);
        let mut x = 0u32;
        for i in 0..1_000_000_000u32 {
            x = core::hint::black_box(x ^ i);
        }
        2 + (x & 0) as i32
    });
    let status = loop {
        let mut x = 0u32;
        for i in 0..1_000_000u32 {
            x = core::hint::black_box(x ^ i);
        }
        match sys::wait4(pid as i32, sys::WNOHANG) {
            Ok((0, _)) => continue,
            Ok((_, s)) => break s,
            Err(e) => fail(core::panic::Location::caller(), format_args!("wait4: {}", e)),
        }
    };
    check!(sys::wifsignaled(status) && sys::wtermsig(status) == sys::SIGSEGV, "child: {}, want killed by SIGSEGV", WaitStatus(status));
}

fn getrandom(buf: usize, len: usize, flags: u32) -> Result<usize, Errno> {
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    res(unsafe { syscall3(nr::SYS_GETRANDOM, buf, len, flags as usize) })
}

fn getrandom_works(_ctx: &Ctx) {
    let mut a = [0u8; 64];
    let mut b = [0u8; 64];
    check_eq!(ok!(getrandom(a.as_mut_ptr() as usize, 64, 0), "getrandom"), 64, "count");
    check_eq!(ok!(getrandom(b.as_mut_ptr() as usize, 64, 1), "getrandom NONBLOCK"), 64, "count");
    check!(a != b && a != [0; 64] && b != [0; 64], "two draws differ and are not zero");
    check_eq!(ok!(getrandom(b.as_mut_ptr() as usize, 16, 2), "GRND_RANDOM"), 16, "count");
    check_eq!(ok!(getrandom(b.as_mut_ptr() as usize, 16, 4), "GRND_INSECURE"), 16, "count");
    check_eq!(ok!(getrandom(0, 0, 0), "zero length"), 0, "count");
    for bad in [8, 0x10, 0x8000_0000, 2 | 4] {
        err!(getrandom(a.as_mut_ptr() as usize, 16, bad), Errno::EINVAL, "flags {:#x}", bad);
    }
    err!(getrandom(0, 16, 0), Errno::EFAULT, "NULL");
    err!(getrandom(0xc000_0000, 16, 0), Errno::EFAULT, "kernel address");
    // A buffer running into an unmapped page: the bytes up to it (Linux fills 64-byte blocks
    // from the start of the buffer; the hole is at a block boundary here).
    let two = map(2 * PG);
    ok!(unmap(two + PG, PG), "unmap the second page");
    check_eq!(ok!(getrandom(two + PG - 128, 300, 0), "partial"), 128, "bytes up to the hole");
    // A large request is served whole.
    let big = map(64 * PG);
    check_eq!(ok!(getrandom(big, 64 * PG, 0), "256 KiB"), 64 * PG, "count");
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    let zero_pages = (0..64).filter(|i| (0..PG).all(|j| unsafe { peek(big + i * PG + j) } == 0)).count();
    check_eq!(zero_pages, 0, "pages left zero");
}
