//! Threads: `clone` (120) with Linux's flags, thread groups, `vfork` (190), `clone3` (435).
//! Threads are started with `rt::thread` (a raw `clone` on a stack of their own); they must not
//! allocate (the runtime's heap is not thread-safe), so they talk through atomics.

use super::*;
use core::sync::atomic::{AtomicU32, Ordering::SeqCst};
use rt::sys::{syscall2, syscall5};
use rt::thread::{self, gettid, Thread, THREAD_FLAGS};

pub(super) static CASES: &[Case] = &[
    case!(thread_shares_memory, OK, ALL, "a CLONE_VM|CLONE_THREAD thread sees the parent's writes and the parent its; getpid is the same, gettid differs"),
    case!(thread_exit_keeps_process, OK, ALL, "exit (1) in a thread ends only that thread: CLONE_CHILD_CLEARTID zeroes its tid word, the process runs on"),
    case!(thread_exit_group, OK, ALL, "exit_group from a thread ends every thread with its status; a thread's fault kills the whole process"),
    case!(leader_exits_first, OK, ALL, "a leader that exits before its thread is reported only when the last thread ends, with the last thread's status (Linux's synchronize_group_exit)"),
    case!(wait_skips_threads, OK, ALL, "wait4 never reports a thread: waitpid(tid of a child's thread) is ECHILD, the child's pid is reported once"),
    case!(kill_targets_group, OK, ALL, "kill(pid) and kill(tid of a thread) end every thread of the process"),
    case!(clone_tid_words, OK, ALL, "CLONE_PARENT_SETTID writes the tid before clone returns, CLONE_CHILD_SETTID in the child's memory, CLONE_CHILD_CLEARTID zeroes at exit"),
    case!(clone_invalid, OK, ALL, "clone refuses THREAD without SIGHAND, SIGHAND without VM (EINVAL), bad SETTLS descriptors (EINVAL, EFAULT) and creates nothing"),
    case!(clone_parent_sibling, OK, ALL, "CLONE_PARENT makes the caller's sibling: the caller's parent reaps it, its getppid is the caller's parent"),
    case!(clone_exit_signal, OK, ALL, "a clone child with exit signal 0 is seen by wait4 only with __WCLONE or __WALL"),
    case!(vfork_suspends_parent, OK, ALL, "vfork: the parent sleeps until the child execs (or exits), and sees what the child wrote in the shared memory"),
    case!(clone3_args, OK, ALL, "clone3: size below 64 EINVAL, above a page or with a non-zero tail E2BIG, bad flags/exit signal/stack EINVAL, EFAULT; a fork by clone3 works"),
    case!(threads_64, OK, ALL, "64 short-lived threads, 8 at a time, each counted once; nothing leaks"),
    case!(thread_mmap_seen, OK, ALL, "a mapping one thread makes is seen by another, and its munmap too"),
    case!(tgkill_targets_thread, OK, ALL, "tgkill(pid, tid) runs the handler on that thread; a tid of another process or none is ESRCH; kill(pid) of a process whose leader blocks the signal is taken by a thread that does not"),
    case!(exec_from_thread, OK, ALL, "execve in a non-leader thread ends the other threads; the new image has the process's pid as pid and tid"),
];

const SIGCHLD: usize = sys::SIGCHLD as usize;

fn clone5(flags: usize, sp: usize, ptid: usize, tls: usize, ctid: usize) -> Result<usize, Errno> {
    // SAFETY: a clone without CLONE_VM copies the address space (like fork); with CLONE_VM the
    // callers here pass flags that must fail.
    res(unsafe { syscall5(nr::SYS_CLONE, flags, sp, ptid, tls, ctid) })
}

/// Spawns a thread or fails the case.
#[track_caller]
fn start(f: thread::ThreadFn, arg: usize) -> Thread {
    match Thread::spawn(f, arg) {
        Ok(t) => t,
        Err(e) => fail(core::panic::Location::caller(), format_args!("clone: {}", e)),
    }
}

/// A page of MAP_SHARED anonymous memory (seen by forked children too).
fn shared_page() -> usize {
    // SAFETY: a fresh mapping anywhere.
    ok!(unsafe { rt::sys::mmap2(0, PG, sys::PROT_READ | sys::PROT_WRITE, sys::MAP_SHARED | sys::MAP_ANONYMOUS, -1, 0) }, "mmap shared")
}

fn word(addr: usize) -> &'static AtomicU32 {
    // SAFETY: a live, aligned word of a mapping that stays for the case.
    unsafe { &*(addr as *const AtomicU32) }
}

fn spin_until(w: &AtomicU32, want: u32) {
    while w.load(SeqCst) != want {
        sys::sched_yield();
    }
}

fn sleep_forever() -> ! {
    loop {
        sys::sleep_ms(1000);
    }
}

static A: AtomicU32 = AtomicU32::new(0);
static B: AtomicU32 = AtomicU32::new(0);
static C: AtomicU32 = AtomicU32::new(0);
static D: AtomicU32 = AtomicU32::new(0);

extern "C" fn sharer(_: usize) -> i32 {
    A.store(gettid(), SeqCst);
    B.store(sys::getpid(), SeqCst);
    spin_until(&C, 1);
    D.store(C.load(SeqCst) + 1, SeqCst);
    0
}

fn thread_shares_memory(_ctx: &Ctx) {
    let t = start(sharer, 0);
    spin_until(&B, sys::getpid());
    check_eq!(A.load(SeqCst), t.tid, "the thread's gettid is clone's result");
    check!(t.tid != gettid(), "the thread has a tid of its own");
    check_eq!(gettid(), sys::getpid(), "the leader's tid is the pid");
    C.store(1, SeqCst);
    spin_until(&D, 2);
    t.join();
}

extern "C" fn exits_7(_: usize) -> i32 {
    A.fetch_add(1, SeqCst);
    7
}

fn thread_exit_keeps_process(_ctx: &Ctx) {
    let t = start(exits_7, 0);
    check!(!t.finished() || A.load(SeqCst) == 1, "tid word set");
    let word = t.tid_word();
    t.join(); // the word was zeroed by CLONE_CHILD_CLEARTID
    check_eq!(A.load(SeqCst), 1, "the thread ran once");
    let _ = word;
    // The process is alive and can start another thread.
    let t2 = start(exits_7, 0);
    t2.join();
    check_eq!(A.load(SeqCst), 2, "a second thread ran");
}

extern "C" fn group_exit_42(_: usize) -> i32 {
    sys::exit_group(42)
}

extern "C" fn null_read(_: usize) -> i32 {
    // SAFETY: expected to fault.
    unsafe { peek(0) };
    0
}

extern "C" fn sleeper(_: usize) -> i32 {
    sleep_forever()
}

fn thread_exit_group(_ctx: &Ctx) {
    let pid = spawn(|| {
        let _sleeping = start(sleeper, 0);
        let _t = start(group_exit_42, 0);
        sleep_forever()
    });
    let s = wait(pid);
    check!(sys::wifexited(s) && sys::wexitstatus(s) == 42, "exit_group(42) in a thread: {}", WaitStatus(s));
    let pid = spawn(|| {
        let _t = start(null_read, 0);
        sleep_forever()
    });
    let s = wait(pid);
    check!(sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGSEGV, "a thread's fault: {}", WaitStatus(s));
    // The leader's exit_group ends a thread that never stops.
    let pid = spawn(|| {
        let _t = start(sleeper, 0);
        5
    });
    let s = wait(pid);
    check!(sys::wifexited(s) && sys::wexitstatus(s) == 5, "exit_group(5) from the leader: {}", WaitStatus(s));
}

extern "C" fn late_exit(page: usize) -> i32 {
    spin_until(word(page), 1);
    sys::exit(9)
}

fn leader_exits_first(_ctx: &Ctx) {
    let page = shared_page();
    let pid = spawn(|| {
        let _t = start(late_exit, page);
        sys::exit(3) // this thread only
    });
    sys::sleep_ms(50);
    let r = ok!(sys::waitpid(pid as i32, sys::WNOHANG), "waitpid WNOHANG while a thread runs");
    check_eq!(r.0, 0, "the process is not reported while its thread runs");
    ok!(sys::kill(pid as i32, 0), "kill(pid, 0) of a process whose leader exited");
    word(page).store(1, SeqCst);
    let s = wait(pid);
    check!(sys::wifexited(s) && sys::wexitstatus(s) == 9, "status is the last thread's: {}", WaitStatus(s));
}

extern "C" fn publish_and_wait(page: usize) -> i32 {
    word(page + 4).store(gettid(), SeqCst);
    spin_until(word(page), 1);
    0
}

fn wait_skips_threads(_ctx: &Ctx) {
    let page = shared_page();
    let pid = spawn(|| {
        let t = start(publish_and_wait, page);
        t.join();
        0
    });
    let tid = await_word(word(page + 4), pid);
    check!(tid != pid, "the thread has its own tid");
    err!(sys::waitpid(tid as i32, sys::WNOHANG), Errno::ECHILD, "waitpid(tid of a child's thread)");
    err!(sys::wait4(tid as i32, sys::__WALL | sys::WNOHANG), Errno::ECHILD, "wait4(tid, __WALL)");
    word(page).store(1, SeqCst);
    let (got, s) = ok!(sys::waitpid(-1, 0), "waitpid(-1)");
    check_eq!(got, pid, "the process is reported");
    check_eq!(s, 0, "its status");
    err!(sys::waitpid(-1, sys::WNOHANG), Errno::ECHILD, "nothing else to report");
}

/// Waits until child `pid` publishes a non-zero word at `w`; fails the case if the child ends
/// first (under allocation-failure injection its clone may fail).
#[track_caller]
fn await_word(w: &AtomicU32, pid: u32) -> u32 {
    loop {
        let v = w.load(SeqCst);
        if v != 0 {
            return v;
        }
        if let Ok((got, st)) = sys::waitpid(pid as i32, sys::WNOHANG) {
            if got == pid {
                fail(core::panic::Location::caller(), format_args!("child {} ended before publishing: {}", pid, WaitStatus(st)));
            }
        }
        sys::sched_yield();
    }
}

fn spin_until_nonzero(w: &AtomicU32) {
    while w.load(SeqCst) == 0 {
        sys::sched_yield();
    }
}

extern "C" fn publish_and_sleep(page: usize) -> i32 {
    word(page + 4).store(gettid(), SeqCst);
    sleep_forever()
}

fn kill_targets_group(_ctx: &Ctx) {
    for by_tid in [false, true] {
        let page = shared_page();
        let pid = spawn(|| {
            let _t = start(publish_and_sleep, page);
            sleep_forever()
        });
        let tid = await_word(word(page + 4), pid);
        let target = if by_tid { tid } else { pid };
        let sig = if by_tid { sys::SIGKILL } else { sys::SIGTERM };
        ok!(sys::kill(target as i32, sig), "kill");
        let s = wait(pid);
        check!(sys::wifsignaled(s) && sys::wtermsig(s) == sig, "kill({}) of a two-thread process: {}", if by_tid { "tid" } else { "pid" }, WaitStatus(s));
        // SAFETY: our mapping.
        let _ = unsafe { sys::munmap(page, PG) };
    }
}

static SELF_WORD: AtomicU32 = AtomicU32::new(0);

extern "C" fn reads_own_word(_: usize) -> i32 {
    A.store(SELF_WORD.load(SeqCst), SeqCst);
    B.store(gettid(), SeqCst);
    0
}

fn clone_tid_words(_ctx: &Ctx) {
    // PARENT_SETTID and CHILD_SETTID on different words, CHILD_CLEARTID on the child's.
    let stack = map(16 * PG);
    let ptid = AtomicU32::new(0);
    let flags = THREAD_FLAGS | sys::CLONE_CHILD_SETTID;
    // SAFETY: the stack is ours; the thread touches only statics.
    let tid = ok!(
        unsafe { thread::clone_raw(flags, stack + 16 * PG, &ptid as *const AtomicU32 as usize, 0, SELF_WORD.as_ptr() as usize, reads_own_word, 0) },
        "clone"
    );
    check_eq!(ptid.load(SeqCst), tid, "CLONE_PARENT_SETTID before clone returned");
    spin_until_nonzero(&B);
    check_eq!(B.load(SeqCst), tid, "the thread's gettid");
    check_eq!(A.load(SeqCst), tid, "CLONE_CHILD_SETTID: the thread found its tid in its word");
    spin_until(&SELF_WORD, 0); // CLONE_CHILD_CLEARTID
    ok!(unmap(stack, 16 * PG), "munmap stack");
    // A fork-like clone: CHILD_SETTID writes in the child's copy only.
    static FORK_WORD: AtomicU32 = AtomicU32::new(0);
    let r = ok!(clone5(SIGCHLD | sys::CLONE_CHILD_SETTID, 0, 0, 0, FORK_WORD.as_ptr() as usize), "clone(CHILD_SETTID)");
    if r == 0 {
        let ok = FORK_WORD.load(SeqCst) == sys::getpid();
        sys::exit_group(if ok { 0 } else { 1 });
    }
    check_eq!(FORK_WORD.load(SeqCst), 0, "the parent's copy is untouched");
    let s = wait(r as u32);
    check_eq!(s, 0, "the child found its pid in its copy");
}

fn clone_invalid(_ctx: &Ctx) {
    let stack = map(4 * PG);
    let top = stack + 4 * PG;
    let cases: [(usize, &str); 4] = [
        (sys::CLONE_THREAD | SIGCHLD, "CLONE_THREAD without CLONE_SIGHAND"),
        (sys::CLONE_THREAD | sys::CLONE_VM, "CLONE_THREAD|CLONE_VM without CLONE_SIGHAND"),
        (sys::CLONE_SIGHAND | SIGCHLD, "CLONE_SIGHAND without CLONE_VM"),
        (sys::CLONE_THREAD | sys::CLONE_SIGHAND, "CLONE_THREAD|CLONE_SIGHAND without CLONE_VM"),
    ];
    for (flags, what) in cases {
        match clone5(flags, top, 0, 0, 0) {
            Ok(0) => sys::exit_group(99), // a child that must not exist
            r => err!(r, Errno::EINVAL, "{}", what),
        }
    }
    // CLONE_SETTLS: the descriptor must name a TLS slot and be readable.
    let mut desc: [u32; 4] = [u32::MAX, 0x1000, 0xfffff, 1 | (1 << 4) | (1 << 6)];
    for (entry, ptr, want, what) in [
        (u32::MAX, 0usize, Errno::EINVAL, "entry -1"),
        (5, 0, Errno::EINVAL, "entry 5"),
        (6, 0xC000_0000, Errno::EFAULT, "a kernel pointer"),
    ] {
        desc[0] = entry;
        let p = if ptr != 0 { ptr } else { desc.as_ptr() as usize };
        match clone5(sys::CLONE_SETTLS | SIGCHLD, 0, 0, p, 0) {
            Ok(0) => sys::exit_group(99),
            r => err!(r, want, "CLONE_SETTLS with {}", what),
        }
    }
    err!(sys::waitpid(-1, sys::WNOHANG | sys::__WALL), Errno::ECHILD, "no child was made");
}

fn clone_parent_sibling(_ctx: &Ctx) {
    let page = shared_page();
    let me = sys::getpid();
    let pid = spawn(|| {
        let r = ok!(clone5(sys::CLONE_PARENT | SIGCHLD, 0, 0, 0, 0), "clone(CLONE_PARENT)");
        if r == 0 {
            word(page + 8).store(sys::getppid(), SeqCst);
            sys::exit_group(17);
        }
        word(page).store(r as u32, SeqCst);
        err!(sys::waitpid(r as i32, sys::WNOHANG), Errno::ECHILD, "the sibling is not the caller's child");
        0
    });
    wait_ok(pid, "the caller");
    let sib = word(page).load(SeqCst);
    check!(sib != 0, "the caller published the sibling's pid");
    let s = wait(sib);
    check!(sys::wifexited(s) && sys::wexitstatus(s) == 17, "the sibling reaped by its new parent: {}", WaitStatus(s));
    check_eq!(word(page + 8).load(SeqCst), me, "the sibling's getppid");
}

fn clone_exit_signal(_ctx: &Ctx) {
    let r = ok!(clone5(0, 0, 0, 0, 0), "clone with exit signal 0");
    if r == 0 {
        sys::exit_group(6);
    }
    sys::sleep_ms(30);
    err!(sys::waitpid(r as i32, sys::WNOHANG), Errno::ECHILD, "plain waitpid ignores a clone child");
    let (got, s) = ok!(sys::wait4(r as i32, sys::__WCLONE), "wait4(__WCLONE)");
    check_eq!(got, r as u32, "the clone child");
    check!(sys::wifexited(s) && sys::wexitstatus(s) == 6, "its status: {}", WaitStatus(s));
    let r = ok!(clone5(0, 0, 0, 0, 0), "clone with exit signal 0");
    if r == 0 {
        sys::exit_group(7);
    }
    let (got, s) = ok!(sys::wait4(-1, sys::__WALL), "wait4(-1, __WALL)");
    check_eq!(got, r as u32, "the clone child");
    check!(sys::wifexited(s) && sys::wexitstatus(s) == 7, "its status: {}", WaitStatus(s));
}

fn vfork_suspends_parent(ctx: &Ctx) {
    let argv = [c"probe-argv0".as_ptr() as *const u8, c"--probe".as_ptr() as *const u8, c"two words".as_ptr() as *const u8, core::ptr::null()];
    let envp = [c"VMTEST_PROBE=yes".as_ptr() as *const u8, core::ptr::null()];
    let mut block = thread::VforkBlock { progress: 0, sleep: [0, 50_000_000] };
    // SAFETY: valid strings and arrays; the block lives on.
    let pid = ok!(unsafe { thread::vfork_exec(ctx.self_path.as_cstr().as_ptr() as *const u8, argv.as_ptr(), envp.as_ptr(), &mut block) }, "vfork");
    // SAFETY: our own variable, written by the child before we resumed.
    check_eq!(unsafe { core::ptr::read_volatile(&block.progress) }, 2, "the parent resumed only after the child's exec");
    let s = wait(pid);
    check!(sys::wifexited(s) && sys::wexitstatus(s) == 33, "the vfork child's program: {}", WaitStatus(s));
    // A child whose exec fails exits; the parent resumes then.
    let mut block = thread::VforkBlock { progress: 0, sleep: [0, 1_000_000] };
    // SAFETY: as above; the path does not exist.
    let pid = ok!(unsafe { thread::vfork_exec(c"/nonexistent".as_ptr() as *const u8, argv.as_ptr(), envp.as_ptr(), &mut block) }, "vfork");
    // SAFETY: as above.
    check_eq!(unsafe { core::ptr::read_volatile(&block.progress) }, 2, "resumed after the child's exit");
    let s = wait(pid);
    check!(sys::wifexited(s) && sys::wexitstatus(s) == 127, "the vfork child's exit: {}", WaitStatus(s));
}

fn clone3(args: &[u64], size: usize) -> Result<usize, Errno> {
    // SAFETY: a fork-like clone3 (no CLONE_VM), or one that must fail.
    res(unsafe { syscall2(nr::SYS_CLONE3, args.as_ptr() as usize, size) })
}

fn clone3_args(_ctx: &Ctx) {
    let mut args = [0u64; 16];
    args[4] = SIGCHLD as u64; // exit_signal
    err!(clone3(&args, 63), Errno::EINVAL, "size 63");
    err!(clone3(&args, 0), Errno::EINVAL, "size 0");
    err!(clone3(&args, 4097), Errno::E2BIG, "size above a page");
    args[12] = 1;
    err!(clone3(&args, 128), Errno::E2BIG, "a non-zero unknown tail");
    args[12] = 0;
    // SAFETY: a raw system call or segment load on this test's own data (or a deliberately bad pointer the kernel must refuse).
    err!(res(unsafe { syscall2(nr::SYS_CLONE3, 0xC000_0000, 64) }), Errno::EFAULT, "a kernel pointer");
    let bad: [(usize, u64, &str); 6] = [
        (0, 1 << 34, "an unknown flag bit"),
        (0, sys::CLONE_DETACHED as u64, "CLONE_DETACHED"),
        (0, 0x11, "signal bits in flags"),
        (4, 65, "exit signal 65"),
        (0, (sys::CLONE_THREAD | sys::CLONE_SIGHAND | sys::CLONE_VM) as u64, "CLONE_THREAD with an exit signal"),
        (5, 0x1000_0000, "a stack without a size"),
    ];
    for (field, value, what) in bad {
        let mut a = args;
        if field == 0 {
            a[0] = value;
        } else {
            a[field] = value;
        }
        match clone3(&a, 88) {
            Ok(0) => sys::exit_group(99),
            r => err!(r, Errno::EINVAL, "clone3 with {}", what),
        }
    }
    // A fork through clone3, at the sizes of the first and the current version and a longer
    // one with a zero tail.
    for size in [64, 88, 128] {
        let r = ok!(clone3(&args, size), "clone3 fork");
        if r == 0 {
            sys::exit_group(size as i32);
        }
        let s = wait(r as u32);
        check!(sys::wifexited(s) && sys::wexitstatus(s) == size as i32, "clone3 child (size {}): {}", size, WaitStatus(s));
    }
}

static COUNT: AtomicU32 = AtomicU32::new(0);

extern "C" fn counts(i: usize) -> i32 {
    COUNT.fetch_add(1 << (i % 8), SeqCst);
    0
}

fn threads_64(_ctx: &Ctx) {
    for round in 0..8 {
        let mut ts: [Option<Thread>; 8] = Default::default();
        for (i, slot) in ts.iter_mut().enumerate() {
            *slot = Some(start(counts, i));
        }
        for t in ts.iter_mut() {
            t.take().expect("started").join();
        }
        check_eq!(COUNT.load(SeqCst), 0xff * (round + 1), "each thread of round {} ran once", round);
    }
}

extern "C" fn maps_a_page(_: usize) -> i32 {
    let Ok(p) = sys::mmap_anon(PG, sys::PROT_READ | sys::PROT_WRITE, 0) else {
        A.store(u32::MAX, SeqCst); // tell the leader (out of memory under failure injection)
        return 1;
    };
    // SAFETY: our fresh page.
    unsafe { (p as *mut u32).write_volatile(0x5a5a_1234) };
    A.store(p as u32, SeqCst);
    spin_until(&B, 1);
    // The other thread unmapped it: check through a syscall, not a fault.
    // SAFETY: nothing of ours is there any more (mprotect of an unmapped range fails).
    let r = unsafe { sys::mprotect(p, PG, sys::PROT_READ) };
    C.store(if r == Err(Errno::ENOMEM) { 1 } else { 2 }, SeqCst);
    0
}

fn thread_mmap_seen(_ctx: &Ctx) {
    let t = start(maps_a_page, 0);
    spin_until_nonzero(&A);
    let p = A.load(SeqCst) as usize;
    check!(p != u32::MAX as usize, "the thread's mmap failed");
    // SAFETY: the thread's page, mapped in our shared address space.
    check_eq!(unsafe { (p as *const u32).read_volatile() }, 0x5a5a_1234, "the thread's mapping and write");
    ok!(unmap(p, PG), "munmap of the thread's mapping");
    B.store(1, SeqCst);
    spin_until_nonzero(&C);
    check_eq!(C.load(SeqCst), 1, "the thread sees the mapping gone (mprotect ENOMEM)");
    t.join();
}

static EXEC_PATH: AtomicU32 = AtomicU32::new(0);

extern "C" fn execs_probe(pid_text: usize) -> i32 {
    let path = EXEC_PATH.load(SeqCst) as *const u8;
    let argv = [c"probe-ids".as_ptr() as *const u8, c"--probe-ids".as_ptr() as *const u8, pid_text as *const u8, core::ptr::null()];
    let envp: [*const u8; 1] = [core::ptr::null()];
    // SAFETY: valid strings and arrays (the leader never frees them: it sleeps).
    unsafe { syscall3(nr::SYS_EXECVE, path as usize, argv.as_ptr() as usize, envp.as_ptr() as usize) };
    sys::exit_group(99) // the other threads sleep forever
}

fn exec_from_thread(ctx: &Ctx) {
    let path = ctx.self_path.as_cstr().as_ptr() as u32;
    let pid = spawn(|| {
        let mut text = [0u8; 16];
        let mut n = sys::getpid();
        let mut digits = [0u8; 10];
        let mut len = 0;
        loop {
            digits[len] = b'0' + (n % 10) as u8;
            len += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for i in 0..len {
            text[i] = digits[len - 1 - i];
        }
        EXEC_PATH.store(path, SeqCst);
        let _sleeping = start(sleeper, 0);
        let _t = start(execs_probe, text.as_ptr() as usize);
        sleep_forever()
    });
    let s = wait(pid);
    check!(sys::wifexited(s) && sys::wexitstatus(s) == 40, "the exec'd probe (40: pid and tid are the process's): {}", WaitStatus(s));
}

/// `vmtest --probe-ids PID`: exits 40 when getpid() and gettid() both are PID.
pub fn probe_ids(args: &Args) -> i32 {
    let want = args.get(2).and_then(|t| rt::fs::parse_usize(t)).unwrap_or(0) as u32;
    let (pid, tid) = (sys::getpid(), gettid());
    if pid == want && tid == want {
        40
    } else {
        eprintln!("    probe-ids: pid {} tid {}, want {}", pid, tid, want);
        41
    }
}

static HANDLED_BY: AtomicU32 = AtomicU32::new(0);

extern "C" fn note_tid(_: i32) {
    HANDLED_BY.store(gettid(), SeqCst);
}

extern "C" fn waits_for_signal(_: usize) -> i32 {
    A.store(gettid(), SeqCst);
    while HANDLED_BY.load(SeqCst) == 0 {
        sys::sched_yield();
    }
    0
}

fn tgkill_targets_thread(_ctx: &Ctx) {
    let me = sys::getpid() as i32;
    ok!(rt::signal::sigaction(sys::SIGUSR1, note_tid as *const () as usize, 0, 0), "sigaction");
    let t = start(waits_for_signal, 0);
    spin_until_nonzero(&A);
    err!(rt::signal::tgkill(me, 0x3fff_0000, sys::SIGUSR1), Errno::ESRCH, "tgkill of no such tid");
    err!(rt::signal::tgkill(sys::getppid() as i32, t.tid as i32, sys::SIGUSR1), Errno::ESRCH, "tgkill with another tgid");
    ok!(rt::signal::tgkill(me, t.tid as i32, sys::SIGUSR1), "tgkill");
    let tid = t.tid;
    t.join();
    check_eq!(HANDLED_BY.load(SeqCst), tid, "the handler ran on the target thread");
    // A process-directed signal the leader blocks goes to a thread that does not.
    HANDLED_BY.store(0, SeqCst);
    A.store(0, SeqCst);
    let t = start(waits_for_signal, 0);
    spin_until_nonzero(&A);
    ok!(rt::signal::sigprocmask(rt::signal::SIG_BLOCK, Some(rt::signal::bit(sys::SIGUSR1))), "block in the leader");
    ok!(sys::kill(me, sys::SIGUSR1), "kill(pid)");
    let tid = t.tid;
    t.join();
    check_eq!(HANDLED_BY.load(SeqCst), tid, "the unblocked thread took the signal");
}
