//! Process operations: kill, wait4 and waitpid, execve (bad and big argument arrays), fork.

use super::*;

impl Fz<'_> {
    pub(super) fn kid_pid(&mut self, alive_only: bool) -> Option<u32> {
        let n = self.nkids;
        if n == 0 {
            return None;
        }
        let start = self.rng.below(n as u32) as usize;
        (0..n).map(|i| self.kids[(start + i) % n]).find(|k| k.alive || !alive_only).map(|k| k.pid)
    }

    pub(super) fn op_kill(&mut self) {
        // No stop signals: a stopped child would never be reaped by the blocking waitpid of
        // `fork`'s bookkeeping (both kernels stop it).
        let sig = self.rng.pick(&[0, 0, 9, 15, 1, 2, 10, 11, 17, 18, 64, 65, 0xFFFF_FFFF]);
        let pid: i32 = match self.rng.below(8) {
            0..=3 => match self.kid_pid(self.w.linux) {
                Some(p) => p as i32,
                None => i32::MAX,
            },
            4 => {
                // Ourselves: only the existence check (dying on purpose is `kamikaze`).
                let me = self.call(nr::SYS_GETPID, [0; 6]);
                self.call(nr::SYS_KILL, [me, 0, 0, 0, 0, 0]);
                return;
            }
            _ => {
                let p = self.rng.pick(&[i32::MAX, 0x3FFF_FFFF, 99_999_999, -0x7FFF_FFF0, i32::MIN]);
                self.expect_fail(true, "kill of a process that cannot exist");
                p
            }
        };
        self.expect_fail(sig > 64, "kill with an invalid signal");
        self.call(nr::SYS_KILL, [pid as u32, sig, 0, 0, 0, 0]);
    }

    fn mark_reaped(&mut self, pid: u32) {
        for k in self.kids[..self.nkids].iter_mut() {
            if k.pid == pid {
                k.alive = false;
            }
        }
    }

    pub(super) fn op_wait(&mut self) {
        let mut status = 0u32;
        let specific = self.kid_pid(false);
        let pid: i32 = match self.rng.below(8) {
            0..=2 => -1,
            3 => 0,
            4 | 5 => specific.map_or(-1, |p| p as i32),
            6 => self.rng.pick(&[i32::MAX, 99_999_999, -5, i32::MIN]),
            _ => self.rng.u32() as i32 | 0x4000_0000,
        };
        let options = match self.rng.below(10) {
            0..=5 => WNOHANG,
            6 | 7 => 0,
            8 => WNOHANG | self.rng.pick(&[WUNTRACED, WCONTINUED, __WALL, __WCLONE, __WNOTHREAD, WNOWAIT]),
            _ => self.rng.u32() | WNOHANG,
        };
        // A bad status pointer reaps the child and then fails: on Linux (pid reuse) only do
        // that with a specific pid, so we still know who is gone.
        let bad_ok = !self.w.linux || pid > 0;
        let st_ptr = match self.rng.below(4) {
            0 => 0,
            1 if bad_ok => self.write_target(4),
            _ => &mut status as *mut u32 as u32,
        };
        let r = if self.rng.chance(1, 2) {
            self.call(nr::SYS_WAITPID, [pid as u32, st_ptr, options, 0, 0, 0])
        } else {
            let rusage = if self.rng.chance(1, 2) { 0 } else { self.write_target(72) };
            self.call(nr::SYS_WAIT4, [pid as u32, st_ptr, options, rusage, 0, 0])
        };
        core::hint::black_box(&status);
        if !is_err(r) && r != 0 {
            self.mark_reaped(r);
        } else if r == (-14i32) as u32 && pid > 0 {
            self.mark_reaped(pid as u32);
        }
    }

    pub(super) fn op_execve_bad(&mut self) {
        let me = self.w.self_ptr();
        let good_argv = [me, EXIT_NOW.as_ptr() as u32, 0];
        let bad_elem = [me, self.w.kbad()[0], 0];
        let env = [ENV_A.as_ptr() as u32, 0];
        let bad_env_elem = [ENV_A.as_ptr() as u32, FIX_NONE, 0];
        let bad_arrays = [self.w.kbad()[0], FIX_NONE, 0xFFFF_FFFC, bad_elem.as_ptr() as u32, bad_env_elem.as_ptr() as u32];
        // Every combination here must fail: either the path is not a runnable program, or
        // the path is ours and an array is bad.
        let (path, argv, envp) = match self.rng.below(6) {
            0 => (me, self.rng.pick(&bad_arrays), env.as_ptr() as u32),
            1 => (me, good_argv.as_ptr() as u32, self.rng.pick(&bad_arrays)),
            2 => (
                self.rng.pick(&[0, FIX_HOLE, FIX_NONE, FIX_RO + RO_UNTERMINATED, FIX_RO + RO_PATH, self.w.kbad()[0]]),
                good_argv.as_ptr() as u32,
                0,
            ),
            3 => {
                let p = self.rng.pick(&[
                    b"/bin/notelf\0" as &[u8],
                    b"/nonexistent\0",
                    b"/bin\0",
                    b"/proc/meminfo\0",
                    b"\0",
                    b"/proc/self/maps\0",
                    b"/\0",
                ]);
                let argv = if self.rng.chance(1, 2) { good_argv.as_ptr() as u32 } else { 0 };
                (p.as_ptr() as u32, argv, 0)
            }
            4 => (LONG_PATH.as_ptr() as u32, good_argv.as_ptr() as u32, 0),
            _ => (me, self.rng.pick(&bad_arrays), self.rng.pick(&bad_arrays)),
        };
        self.call(nr::SYS_EXECVE, [path, argv, envp, 0, 0, 0]);
        core::hint::black_box((&good_argv, &bad_elem, &env, &bad_env_elem));
    }

    /// execve of a path that is no program with big argument/environment arrays built in a
    /// fresh mapping of ours: many pointers to one long string (the kernel must bound what it
    /// copies: E2BIG or ENOENT, never its heap).
    pub(super) fn op_execve_big(&mut self) {
        let slen: u32 = self.rng.pick(&[100, 4095, 4096, 65_536, 120 * 1024, 131_071, 131_072, 200_000]);
        let count: u32 = self.rng.pick(&[1, 2, 16, 255, 1024, 1025, 4096]);
        let spages = (slen + 1).div_ceil(PG);
        let apages = ((count + 1) * 4).div_ceil(PG);
        let total = (spages + apages) * PG;
        let m = self.call(nr::SYS_MMAP2, [0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, u32::MAX, 0]);
        if is_err(m) || !self.w.may_touch(m, total) {
            return;
        }
        self.track(m, total);
        let argv = m + spages * PG;
        // SAFETY: a fresh private mapping of ours, outside everything this program uses.
        unsafe {
            for i in 0..slen / 4 {
                poke32(m + 4 * i, 0x7979_7979);
            }
            poke32(m + (slen & !3), 0x7979_7979 & !(u32::MAX << (8 * (slen & 3))));
            for i in 0..count {
                poke32(argv + 4 * i, m);
            }
            poke32(argv + 4 * count, 0);
        }
        let envp = if self.rng.chance(1, 2) { 0 } else { argv };
        self.expect_fail(true, "execve of a path that is no program");
        self.call(nr::SYS_EXECVE, [b"/nonexistent/big-args\0".as_ptr() as u32, argv, envp, 0, 0, 0]);
        self.call(nr::SYS_MUNMAP, [m, total, 0, 0, 0, 0]);
    }

    pub(super) fn op_fork(&mut self) {
        let alive = self.kids[..self.nkids].iter().filter(|k| k.alive).count();
        if self.depth >= 2 || self.forks_left == 0 || self.nkids >= KIDS {
            self.op_simple();
            return;
        }
        if alive >= ALIVE_MAX {
            // Reap one first (children end quickly).
            if let Some(p) = self.kid_pid(true) {
                let r = self.call(nr::SYS_WAITPID, [p, 0, 0, 0, 0, 0]);
                if !is_err(r) {
                    self.mark_reaped(r);
                }
            }
            return;
        }
        self.forks_left -= 1;
        let r = self.call(nr::SYS_FORK, [0; 6]);
        if r == 0 {
            self.rng = self.rng.derive(1);
            self.depth += 1;
            self.nkids = 0;
            self.forks_left = FORKS_DEPTH1;
            self.w.stats().forks.fetch_add(1, Relaxed);
            self.descendant();
        }
        self.rng = self.rng.derive(2);
        if !is_err(r) {
            self.kids[self.nkids] = Kid { pid: r, alive: true };
            self.nkids += 1;
        }
    }
}
