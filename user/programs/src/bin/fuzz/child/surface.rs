//! The rest of the system-call table, one operation each: identity and credentials, limits,
//! clocks and timers that do not block, descriptor calls (dup, fcntl, vectored and positioned
//! I/O), the stat family and other read-only path calls, msync, mincore, mlock2, getrandom,
//! prctl, sysinfo, the thread-state calls (tid address, robust list, rseq, TLS) and
//! process_vm_readv/writev. Output buffers are always ones the kernel may write
//! (`write_target`); nothing here blocks, changes the clock or the host name, or opens a file
//! for writing outside the scratch tree (`paths.rs`).

use super::*;

/// Open flags that never create, truncate or write.
const RO_OPEN: [u32; 6] = [O_RDONLY, O_RDONLY | O_DIRECTORY, O_RDONLY | O_NOFOLLOW, O_PATH, O_RDONLY | O_CLOEXEC | O_NONBLOCK, O_PATH | O_DIRECTORY];

impl Fz<'_> {
    /// A descriptor, a path and an output buffer of `len` bytes: the common arguments.
    pub(super) fn dst(&mut self, len: u32) -> u32 {
        if self.rng.chance(1, 8) {
            self.bad_dst()
        } else {
            self.write_target(len)
        }
    }

    pub(super) fn src(&mut self) -> u32 {
        if self.rng.chance(1, 8) {
            self.bad_src()
        } else {
            self.addr()
        }
    }

    pub(super) fn some_pid(&mut self) -> u32 {
        match self.rng.below(6) {
            0 => 0,
            1 => sc!(self, nr::SYS_GETPID, [0; 6]),
            2 => self.kid_pid(false).unwrap_or(0),
            // Never 1 (the runner, init): prlimit64 or process_vm_writev would change it.
            3 => self.rng.pick(&[u32::MAX, 99999, 0x8000_0000, 0x7FFF_FFFF]),
            _ => sc!(self, nr::SYS_GETTID, [0; 6]),
        }
    }

    /// An identity-and-credentials, limits, clocks or system-information call.
    pub(super) fn op_identity(&mut self) {
        let id = self.rng.pick(&[0, 0, 65534, 1000, u32::MAX, 0xFFFF, 0x1_0000]);
        let id2 = self.rng.pick(&[0, 65534, u32::MAX]);
        let res = self.rng.pick(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 99, u32::MAX]);
        let which = self.rng.pick(&[0, 1, 2, 3, u32::MAX]);
        let a = match self.rng.below(30) {
            0 => [nr::SYS_GETGID32, 0, 0, 0],
            1 => [self.rng.pick(&[nr::SYS_GETEUID, nr::SYS_GETEGID, nr::SYS_GETGID, nr::SYS_GETEUID32, nr::SYS_GETEGID32]), 0, 0, 0],
            2 => [self.rng.pick(&[nr::SYS_GETRESUID, nr::SYS_GETRESGID, nr::SYS_GETRESUID32, nr::SYS_GETRESGID32]), self.dst(4), self.dst(4), self.dst(4)],
            3 => [self.rng.pick(&[nr::SYS_GETGROUPS, nr::SYS_GETGROUPS32]), self.rng.pick(&[0, 1, 64, u32::MAX]), self.dst(256), 0],
            4 => [self.rng.pick(&[nr::SYS_SETUID, nr::SYS_SETGID, nr::SYS_SETUID32, nr::SYS_SETGID32, nr::SYS_SETFSUID, nr::SYS_SETFSGID, nr::SYS_SETFSUID32, nr::SYS_SETFSGID32]), id, 0, 0],
            5 => [self.rng.pick(&[nr::SYS_SETREUID, nr::SYS_SETREGID, nr::SYS_SETREUID32, nr::SYS_SETREGID32]), id, id2, 0],
            6 => [self.rng.pick(&[nr::SYS_SETRESUID, nr::SYS_SETRESGID, nr::SYS_SETRESUID32, nr::SYS_SETRESGID32]), id, id2, id],
            7 => [self.rng.pick(&[nr::SYS_SETGROUPS, nr::SYS_SETGROUPS32]), self.rng.pick(&[0, 1, 2, 65537]), self.src(), 0],
            8 => [self.rng.pick(&[nr::SYS_GETRLIMIT, nr::SYS_UGETRLIMIT]), res, self.dst(8), 0],
            9 => [nr::SYS_SETRLIMIT, res, self.src(), 0],
            10 => {
                let new = if self.rng.chance(1, 2) { 0 } else { self.src() };
                let p = self.some_pid();
                return sc0!(self, nr::SYS_PRLIMIT64, [p, res, new, self.dst(16), 0, 0]);
            }
            11 => [self.rng.pick(&[nr::SYS_TIME, nr::SYS_TIMES]), self.dst(16), 0, 0],
            12 => [nr::SYS_GETRUSAGE, self.rng.pick(&[0, 1, u32::MAX - 1, u32::MAX, 7]), self.dst(72), 0],
            13 => [nr::SYS_GETTIMEOFDAY, self.dst(8), self.dst(8), 0],
            14 => [nr::SYS_GETITIMER, which, self.dst(16), 0],
            15 => {
                let clock = self.rng.pick(&[0, 1, 2, 3, 4, 5, 6, 7, 11, u32::MAX, 0xFFFF_FFFE]);
                let n = self.rng.pick(&[nr::SYS_CLOCK_GETTIME, nr::SYS_CLOCK_GETRES, nr::SYS_CLOCK_GETTIME64, nr::SYS_CLOCK_GETRES_TIME64]);
                [n, clock, self.dst(16), 0]
            }
            16 => {
                // Setting the clock: only with pointers the kernel cannot read (never succeeds).
                self.expect_fail(true, "settimeofday/clock_settime from an unreadable pointer");
                let n = self.rng.pick(&[nr::SYS_SETTIMEOFDAY, nr::SYS_CLOCK_SETTIME, nr::SYS_CLOCK_SETTIME64]);
                let p = self.bad_src();
                if n == nr::SYS_SETTIMEOFDAY {
                    [n, p, 0, 0]
                } else {
                    [n, 0, p, 0]
                }
            }
            17 => [nr::SYS_SYSINFO, self.dst(64), 0, 0],
            18 => [nr::SYS_GETRANDOM, self.dst(256), self.rng.pick(&[0, 1, 16, 256]), self.rng.pick(&[0, 1, 2, 4, 0xFF])],
            19 => {
                // PR_SET_NAME, PR_GET_NAME, PR_[GS]ET_DUMPABLE, PR_[GS]ET_PDEATHSIG, NO_NEW_PRIVS, junk.
                let opt = self.rng.pick(&[15, 16, 3, 4, 1, 2, 38, 39, 0, 0xFFFF]);
                let arg = match opt {
                    15 => self.src(),
                    16 | 2 => self.dst(16),
                    1 => self.rng.pick(&[0, 10, 15, 65]),
                    _ => self.rng.pick(&[0, 1, 2, u32::MAX]),
                };
                [nr::SYS_PRCTL, opt, arg, 0]
            }
            20 => [self.rng.pick(&[nr::SYS_GETPGRP, nr::SYS_SETSID]), 0, 0, 0],
            21 => {
                let p = self.some_pid();
                [self.rng.pick(&[nr::SYS_GETPGID, nr::SYS_GETSID]), p, 0, 0]
            }
            // No setpgid: a process moved out of the console's foreground group would be
            // stopped (SIGTTIN) by its next console read, and its parent's wait would hang.
            22 => [nr::SYS_GETPGRP, 0, 0, 0],
            23 => {
                // Host and domain names: only calls that must fail (too long, unreadable).
                let n = self.rng.pick(&[nr::SYS_SETHOSTNAME, nr::SYS_SETDOMAINNAME]);
                let (p, l) = if self.rng.chance(1, 2) { (self.bad_src(), 8) } else { (self.addr(), self.rng.pick(&[65, 4096, u32::MAX])) };
                self.expect_fail(true, "sethostname/setdomainname too long or unreadable");
                [n, p, l, 0]
            }
            24 => [nr::SYS_UMASK, self.rng.pick(&[0o22, 0o777, 0, u32::MAX]), 0, 0],
            25 => [nr::SYS_ALARM, 0, 0, 0],
            _ => [nr::SYS_GETTID, 0, 0, 0],
        };
        sc!(self, a[0], [a[1], a[2], a[3], 0, 0, 0]);
    }

    /// Descriptor calls beyond read/write/open/close/lseek/fstat64/getdents64.
    pub(super) fn op_descriptor(&mut self) {
        let fd = self.fd() as u32;
        let console = self.kind(fd as i32) == Kind::Console;
        let to = self.rng.pick(&[3, 4, 10, 63, 64, 1000, u32::MAX]);
        match self.rng.below(12) {
            0 => self.track_fd(nr::SYS_DUP, [fd, 0, 0], fd),
            1 => self.track_fd(nr::SYS_DUP2, [fd, to, 0], fd),
            2 => {
                let fl = self.rng.pick(&[0, O_CLOEXEC, O_NONBLOCK, u32::MAX]);
                self.track_fd(nr::SYS_DUP3, [fd, to, fl], fd)
            }
            3 => {
                // F_DUPFD(_CLOEXEC), F_GETFD, F_SETFD, F_GETFL, F_SETFL (O_NONBLOCK kept on),
                // F_GETLK (a struct it writes), junk.
                let cmd = self.rng.pick(&[0, 1030, 1, 2, 3, 4, 5, 0xFFFF]);
                let arg = match cmd {
                    4 => O_NONBLOCK | self.rng.pick(&[0, O_APPEND, 0x4000, u32::MAX & !O_ACCMODE]),
                    5 => self.dst(32),
                    _ => self.rng.pick(&[0, 1, 3, 64, u32::MAX]),
                };
                let n = self.rng.pick(&[nr::SYS_FCNTL, nr::SYS_FCNTL64]);
                if cmd == 0 || cmd == 1030 {
                    self.track_fd(n, [fd, cmd, arg], fd)
                } else {
                    sc!(self, n, [fd, cmd, arg, 0, 0, 0]);
                }
            }
            4 | 5 => {
                // readv/writev/preadv-like: an iovec of 1-3 entries on our stack.
                let write = self.rng.chance(1, 2);
                let mut iov = [0u32; 6];
                for i in 0..3 {
                    let l = self.rng.pick(&[0, 1, 16, PG, 3 * PG]);
                    iov[2 * i] = if console { if write { self.bad_src() } else { self.bad_dst() } } else if write { self.addr() } else { self.write_target(l) };
                    iov[2 * i + 1] = l;
                }
                // (Linux blocks in a terminal read before it checks the iovec: none there.)
                let cnt = if console && !write && self.w.linux { 0 } else { self.rng.pick(&[0, 1, 2, 3, 1025, u32::MAX]) };
                let p = if self.rng.chance(1, 10) { self.bad_src() } else { iov.as_ptr() as u32 };
                let n = if write { nr::SYS_WRITEV } else { nr::SYS_READV };
                sc!(self, n, [fd, p, cnt, 0, 0, 0]);
                core::hint::black_box(&iov);
            }
            6 | 7 => {
                let write = self.rng.chance(1, 2);
                let len = self.rng.pick(&[0, 1, 100, PG, 2 * PG + 1]);
                let buf = if console { if write { self.bad_src() } else { self.bad_dst() } } else if write { self.addr() } else { self.write_target(len) };
                let off = self.rng.pick(&[0, 1, PG, 0x7FFF_FFFF, u32::MAX]);
                let hi = self.rng.pick(&[0, 0, 1, 0x8000_0000]);
                let n = if write { nr::SYS_PWRITE64 } else { nr::SYS_PREAD64 };
                sc!(self, n, [fd, buf, len, off, hi, 0]);
            }
            8 => {
                let whence = self.rng.pick(&[0, 1, 2, 3, 4, u32::MAX]);
                let (hi, lo) = (self.rng.pick(&[0, 0, 1, u32::MAX]), self.rng.pick(&[0, 10, PG, u32::MAX]));
                let res = self.dst(8);
                sc!(self, nr::SYS_LLSEEK, [fd, hi, lo, res, whence, 0]);
            }
            9 => {
                let len = self.rng.pick(&[0, 16, 64, PG, 3 * PG]);
                let buf = self.write_target(len);
                sc!(self, nr::SYS_GETDENTS, [fd, buf, len, 0, 0, 0]);
            }
            10 => {
                let buf = self.dst(96);
                sc!(self, nr::SYS_FSTATFS64, [fd, self.rng.pick(&[84, 88, 0, 1000]), buf, 0, 0, 0]);
            }
            _ => {
                let n = self.rng.pick(&[nr::SYS_FSYNC, nr::SYS_FDATASYNC, nr::SYS_SYNCFS, nr::SYS_FCHDIR, nr::SYS_SYNC]);
                sc!(self, n, [fd, 0, 0, 0, 0, 0]);
            }
        }
    }

    /// Calls `n(a)` returning a descriptor and tracks it as a file, except a copy of the
    /// console, which is closed at once (only fds 0-2 are treated as the console, whose read
    /// would block).
    pub(super) fn track_fd(&mut self, n: u32, a: [u32; 3], from: u32) {
        let console = self.kind(from as i32) == Kind::Console;
        let r = sc!(self, n, [a[0], a[1], a[2], 0, 0, 0]);
        if is_err(r) {
            return;
        }
        // (Also above the table: the pools pick fds 64, 65 and 1000 too.)
        let kind = if console && r >= 3 {
            sc0!(self, nr::SYS_CLOSE, [r, 0, 0, 0, 0, 0]);
            Kind::Closed
        } else if console {
            Kind::Console
        } else {
            Kind::File
        };
        if (r as usize) < FDS {
            self.fds[r as usize] = kind;
        }
    }

    /// Read-only path calls: openat (never writing), the stat family, access, readlink,
    /// getcwd, statfs64, chdir.
    pub(super) fn op_lookup(&mut self) {
        let p = self.any_path();
        let dirfd = self.rng.pick(&[AT_FDCWD as u32, AT_FDCWD as u32, 3, u32::MAX, 0]);
        let len = self.rng.pick(&[0, 1, 16, 256, PG, 5000]);
        match self.rng.below(11) {
            0 | 1 => {
                let fl = self.rng.pick(&RO_OPEN);
                self.track_fd(nr::SYS_OPENAT, [dirfd, p, fl], u32::MAX);
            }
            2 => sc0!(self, self.rng.pick(&[nr::SYS_STAT64, nr::SYS_LSTAT64]), [p, self.dst(96), 0, 0, 0, 0]),
            3 => sc0!(self, nr::SYS_FSTATAT64, [dirfd, p, self.dst(96), self.rng.pick(&[0, 0x100, 0x1000, u32::MAX]), 0, 0]),
            4 => sc0!(self, nr::SYS_STATX, [dirfd, p, self.rng.pick(&[0, 0x100, 0x1000, 0x6000]), self.rng.pick(&[0x7FF, 0xFFF, u32::MAX]), self.dst(256), 0]),
            5 => sc0!(self, nr::SYS_ACCESS, [p, self.rng.pick(&[0, 1, 2, 4, 7, 8]), 0, 0, 0, 0]),
            6 => sc0!(self, self.rng.pick(&[nr::SYS_FACCESSAT, nr::SYS_FACCESSAT2]), [dirfd, p, self.rng.pick(&[0, 4, 7]), self.rng.pick(&[0, 0x200, 0x100, 0xFFFF]), 0, 0]),
            7 => {
                let buf = self.write_target(len);
                if self.rng.chance(1, 2) {
                    sc!(self, nr::SYS_READLINK, [p, buf, len, 0, 0, 0]);
                } else {
                    sc!(self, nr::SYS_READLINKAT, [dirfd, p, buf, len, 0, 0]);
                }
            }
            8 => {
                let buf = self.write_target(len);
                sc!(self, nr::SYS_GETCWD, [buf, len, 0, 0, 0, 0]);
            }
            9 => sc0!(self, nr::SYS_STATFS64, [p, self.rng.pick(&[84, 88, 0]), self.dst(96), 0, 0, 0]),
            _ => sc0!(self, nr::SYS_CHDIR, [self.rng.pick(&[b"/\0".as_ptr() as u32, b"/proc\0".as_ptr() as u32, p]), 0, 0, 0, 0, 0]),
        }
    }
}
