//! The calls that wait for something, made so that the wait always ends: pause, sigsuspend
//! and rt_sigsuspend under a repeating 1 ms ITIMER_REAL while SIGALRM is caught (a signal
//! that lands before the call is followed by another), clock_nanosleep(_time64) of at most
//! 1 µs (or an absolute time long past, or invalid), vfork whose child execs at once (rt's
//! `vfork_exec`, all in assembly), restart_syscall with nothing to restart, and mount,
//! umount, umount2 only in forms that must fail (a mount would pin the scratch tree).

use super::*;
use rt::thread::{vfork_exec, VforkBlock};

impl Fz<'_> {
    pub(super) fn op_wait_for(&mut self) {
        match self.rng.below(8) {
            0 | 1 => {
                if !self.catch(14) {
                    return;
                }
                // SIGALRM caught by a handler that returns, unblocked, a 1 ms timer that repeats until we disarm it.
                let unblock = [1u32 << 13, 0];
                sc0!(self, nr::SYS_RT_SIGPROCMASK, [1, unblock.as_ptr() as u32, 0, 8, 0, 0]);
                let every = [0u32, 1000, 0, 1000];
                let r = sc!(self, nr::SYS_SETITIMER, [0, every.as_ptr() as u32, 0, 0, 0, 0]);
                if !is_err(r) {
                    let empty = [0u32, 0];
                    match self.rng.below(3) {
                        0 => sc0!(self, nr::SYS_PAUSE, [0; 6]),
                        1 => sc0!(self, nr::SYS_SIGSUSPEND, [0, 0, 0, 0, 0, 0]),
                        _ => sc0!(self, nr::SYS_RT_SIGSUSPEND, [empty.as_ptr() as u32, 8, 0, 0, 0, 0]),
                    }
                    let off = [0u32; 4];
                    sc0!(self, nr::SYS_SETITIMER, [0, off.as_ptr() as u32, 0, 0, 0, 0]);
                    core::hint::black_box((&empty, &off));
                }
                core::hint::black_box((&unblock, &every));
            }
            2 | 3 => {
                // CLOCK_REALTIME, MONOTONIC, BOOTTIME, THREAD_CPUTIME (EINVAL), junk; never the
                // process CPU clock (it only advances while we run: a sleep on it never ends).
                let clock = self.rng.pick(&[0, 1, 7, 3, u32::MAX]);
                let flags = self.rng.pick(&[0, 1, 0xFF]);
                let ts: [u32; 4] = self.rng.pick(&[[0, 1000, 0, 0], [0, 0, 0, 0], [0, 2_000_000_000, 0, 0], [u32::MAX, 0, 0, 0]]);
                let rem = self.dst(16);
                if self.rng.chance(1, 2) {
                    sc0!(self, nr::SYS_CLOCK_NANOSLEEP, [clock, flags, ts.as_ptr() as u32, rem, 0, 0]);
                } else {
                    let ts64 = [ts[0], if ts[0] == u32::MAX { u32::MAX } else { 0 }, ts[1], 0];
                    sc0!(self, nr::SYS_CLOCK_NANOSLEEP_TIME64, [clock, flags, ts64.as_ptr() as u32, rem, 0, 0]);
                    core::hint::black_box(&ts64);
                }
                core::hint::black_box(&ts);
            }
            4 => {
                if self.depth >= 2 || self.forks_left == 0 || self.nkids >= KIDS {
                    return;
                }
                self.forks_left -= 1;
                let me = self.w.self_ptr();
                let bad = b"/bin/notelf\0".as_ptr() as u32;
                let path = self.rng.pick(&[me, me, bad]) as *const u8;
                let argv = [path, EXIT_NOW.as_ptr(), core::ptr::null()];
                let mut block = VforkBlock { progress: 0, sleep: [0, self.rng.pick(&[0, 1000])] };
                // SAFETY: path and argv are valid (static strings, a local array that lives
                // until the child has exec'd or exited, which vfork_exec waits for).
                if let Ok(pid) = unsafe { vfork_exec(path, argv.as_ptr(), core::ptr::null(), &mut block) } {
                    self.w.stats().forks.fetch_add(1, Relaxed);
                    self.kids[self.nkids] = Kid { pid, alive: true };
                    self.nkids += 1;
                }
            }
            5 => sc0!(self, nr::SYS_RESTART_SYSCALL, [0; 6]),
            _ => {
                // A mount that must fail: no such target, an unknown type, bad pointers; an
                // unmount of what is not a mount point.
                self.expect_fail(true, "mount/umount that cannot succeed");
                let (tmpfs, nofs) = (b"tmpfs\0".as_ptr() as u32, b"nofs\0".as_ptr() as u32);
                let (gone, fz) = (b"/nonexistent/x\0".as_ptr() as u32, b"/fz/a\0".as_ptr() as u32);
                match self.rng.below(4) {
                    0 => sc0!(self, nr::SYS_MOUNT, [tmpfs, gone, tmpfs, 0, 0, 0]),
                    1 => sc0!(self, nr::SYS_MOUNT, [nofs, fz, nofs, 0, 0, 0]),
                    2 => sc0!(self, nr::SYS_MOUNT, [self.bad_src(), gone, self.bad_src(), 0, self.bad_src(), 0]),
                    _ => {
                        let n = self.rng.pick(&[nr::SYS_UMOUNT, nr::SYS_UMOUNT2]);
                        sc0!(self, n, [self.rng.pick(&[fz, gone, 0]), self.rng.pick(&[0, 2, 8, 0xFF]), 0, 0, 0, 0]);
                    }
                }
            }
        }
    }
}
