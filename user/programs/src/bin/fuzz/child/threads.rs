//! Threads and per-thread state: clone with glibc's thread flags (the thread makes a few
//! calls and exits while we wait for its tid word, a bounded wait), clone, clone3 and vfork
//! flag sets that must be refused, set/get_thread_area with hostile descriptors, the tid
//! address, robust lists, rseq; and the memory calls that take another process's or our own
//! pages as data: process_vm_readv/writev (into memory the kernel may write), mincore,
//! msync, mlock2.

use super::*;
use rt::thread::{Thread, THREAD_FLAGS};

/// The thread's body: a few harmless calls on its own stack, then exit (never exit_group).
extern "C" fn thread_body(arg: usize) -> i32 {
    // SAFETY: calls without pointers, or a futex wake on the thread's own tid word (`arg`).
    unsafe {
        sys::syscall0(nr::SYS_GETTID);
        sys::syscall0(nr::SYS_SCHED_YIELD);
        sys::syscall3(nr::SYS_FUTEX, arg, 1, 1);
        sys::syscall2(nr::SYS_RT_SIGPROCMASK, 0, 0);
    }
    0
}

impl Fz<'_> {
    pub(super) fn op_thread(&mut self) {
        match self.rng.below(12) {
            0..=2 => {
                let flags = THREAD_FLAGS as u32 & !self.rng.pick(&[0, 0, 0, CLONE_SYSVSEM, CLONE_FS | CLONE_FILES]);
                if let Ok(t) = Thread::spawn_with(flags as usize, thread_body, 0) {
                    self.w.stats().forks.fetch_add(1, Relaxed);
                    // Wait for its exit (the kernel clears the tid word), at most ~200 yields;
                    // a thread still running then keeps its stack (freed at our exit).
                    for _ in 0..200 {
                        if t.finished() {
                            t.join();
                            return;
                        }
                        sc0!(self, nr::SYS_SCHED_YIELD, [0; 6]);
                    }
                }
            }
            3 => {
                // Flag sets Linux refuses: THREAD without SIGHAND, SIGHAND without VM (twice),
                // NEWNS with FS.
                let bad = self.rng.pick(&[CLONE_THREAD | CLONE_VM, CLONE_SIGHAND, CLONE_SIGHAND | CLONE_THREAD, CLONE_NEWNS | CLONE_FS]);
                self.expect_fail(true, "clone with a flag set Linux refuses");
                sc0!(self, nr::SYS_CLONE, [bad, 0, 0, 0, 0, 0]);
            }
            4 => {
                // clone3 with a bad size or pointer, or flags that must be refused.
                let args = [CLONE_THREAD | CLONE_VM, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
                let (p, size) = match self.rng.below(3) {
                    0 => (self.bad_src(), 88),
                    1 => (args.as_ptr() as u32, self.rng.pick(&[0, 8, 63])),
                    _ => (args.as_ptr() as u32, 88),
                };
                self.expect_fail(true, "clone3 with a bad size, pointer or flag set");
                sc0!(self, nr::SYS_CLONE3, [p, size, 0, 0, 0, 0]);
                core::hint::black_box(&args);
            }
            5 => {
                // set_thread_area: a TLS entry (index -1: the kernel picks), or hostile ones
                // (code segment, 16-bit, not present, a kernel base, a huge limit, a bad index).
                let idx = self.rng.pick(&[u32::MAX, 6, 7, 8, 9, 0, 12, 255]);
                let base = self.rng.pick(&[0, self.w.kbad()[0], 0x1000, 0xFFFF_F000]);
                let limit = self.rng.pick(&[0xFFFFF, 0, 0xFFFF_FFFF]);
                let bits = self.rng.pick(&[0x51, 0x51, 0x53, 0x50, 0x71, 0x59, 0x41, 0x20, 0xFFFF_FFFF]);
                let mut desc = [idx, base, limit, bits];
                let p = if self.rng.chance(1, 8) { self.bad_dst() } else { desc.as_mut_ptr() as u32 };
                let n = self.rng.pick(&[nr::SYS_SET_THREAD_AREA, nr::SYS_SET_THREAD_AREA, nr::SYS_GET_THREAD_AREA]);
                sc0!(self, n, [p, 0, 0, 0, 0, 0]);
                core::hint::black_box(&mut desc);
            }
            6 => {
                let n = self.rng.pick(&[nr::SYS_SET_TID_ADDRESS, nr::SYS_SET_ROBUST_LIST, nr::SYS_GET_ROBUST_LIST, nr::SYS_RSEQ]);
                let a = match n {
                    nr::SYS_SET_TID_ADDRESS => [self.write_target(4), 0, 0, 0],
                    nr::SYS_SET_ROBUST_LIST => [self.write_target(12), self.rng.pick(&[12, 12, 0, 24]), 0, 0],
                    nr::SYS_GET_ROBUST_LIST => [self.some_pid(), self.dst(4), self.dst(4), 0],
                    _ => [self.write_target(32), self.rng.pick(&[32, 32, 0, 64]), self.rng.pick(&[0, 0, 1, 2]), self.rng.pick(&[0x5305_3053, 0])],
                };
                sc0!(self, n, [a[0], a[1], a[2], a[3], 0, 0]);
            }
            7 | 8 => {
                // process_vm_readv/writev with ourselves or a child: local and remote iovecs
                // over memory the kernel may write (write targets), or junk.
                let pid = self.some_pid();
                let mut local = [0u32; 4];
                let mut remote = [0u32; 4];
                for i in 0..2 {
                    let l = self.rng.pick(&[0, 1, 100, PG, 2 * PG]);
                    local[2 * i] = self.write_target(l);
                    local[2 * i + 1] = l;
                    let l = self.rng.pick(&[0, 4, PG, 3 * PG]);
                    remote[2 * i] = self.write_target(l);
                    remote[2 * i + 1] = l;
                }
                let (lp, rp) = (if self.rng.chance(1, 10) { self.bad_src() } else { local.as_ptr() as u32 }, remote.as_ptr() as u32);
                let n = self.rng.pick(&[nr::SYS_PROCESS_VM_READV, nr::SYS_PROCESS_VM_WRITEV]);
                let (lc, rc) = (self.rng.pick(&[0, 1, 2, 1025]), self.rng.pick(&[0, 1, 2, u32::MAX]));
                sc0!(self, n, [pid, lp, lc, rp, rc, self.rng.pick(&[0, 0, 1])]);
                core::hint::black_box((&mut local, &mut remote));
            }
            9 => {
                let a = self.addr();
                let len = self.len(a);
                let vec = self.write_target(len.div_ceil(PG).clamp(1, 4 * PG));
                sc0!(self, nr::SYS_MINCORE, [a, len, vec, 0, 0, 0]);
            }
            10 => {
                let a = self.addr();
                let len = self.len(a);
                sc0!(self, nr::SYS_MSYNC, [a, len, self.rng.pick(&[1, 2, 4, 5, 6, 0, 8]), 0, 0, 0]);
            }
            _ => {
                let a = self.addr();
                let len = self.len(a);
                let len = self.tame(len, true);
                // mlock2 rounds the start down: only [a, a + len) itself must fit (as mlock).
                self.expect_fail(len != 0 && self.past_top(a, len as u64), "mlock2 of a range past user space");
                sc0!(self, nr::SYS_MLOCK2, [a, len, self.rng.pick(&[0, 1, 1, 2, u32::MAX]), 0, 0, 0]);
            }
        }
    }
}
