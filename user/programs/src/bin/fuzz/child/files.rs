//! File operations: read, write, open (and the paths it opens), close, lseek, fstat64,
//! getdents64.

use super::*;

impl Fz<'_> {
    pub(super) fn op_read(&mut self) {
        let fd = self.fd();
        let (buf, len) = if self.kind(fd) == Kind::Console && fd < 3 {
            // The console would block: only buffers that fail first, or nothing to read
            // (on Linux a terminal read blocks before it checks the buffer: nothing).
            if self.rng.chance(1, 4) || self.w.linux {
                let a = self.addr();
                (a, 0)
            } else {
                let b = self.bad_dst();
                (b, 1 + self.rng.below(2 * PG))
            }
        } else {
            self.write_range()
        };
        self.expect_fail(len != 0 && self.past_top(buf, len as u64), "read into a buffer past user space");
        self.call(nr::SYS_READ, [fd as u32, buf, len, 0, 0, 0]);
    }

    pub(super) fn op_write(&mut self) {
        let fd = self.fd();
        let (buf, len) = if (0..3).contains(&fd) && self.kind(fd) == Kind::Console || fd < 0 || fd >= FDS as i32 {
            // Never print: buffers that fail first, or an empty write.
            if self.rng.chance(1, 4) {
                (self.addr(), 0)
            } else {
                let b = self.bad_src();
                (b, 1 + self.rng.below(2 * PG))
            }
        } else {
            // Files are read-only (EBADF before the buffer is looked at).
            let a = self.addr();
            (a, self.len(a))
        };
        self.expect_fail(len != 0 && self.past_top(buf, len as u64), "write from a buffer past user space");
        self.call(nr::SYS_WRITE, [fd as u32, buf, len, 0, 0, 0]);
    }

    pub(super) fn path(&mut self) -> u32 {
        match self.rng.below(20) {
            0..=12 => {
                let p = self.rng.pick(PATHS);
                p.as_ptr() as u32
            }
            13 => self.w.self_ptr(),
            14 => LONG_PATH.as_ptr() as u32,
            15 => self.own_addr(),
            16 => self.rng.pick(&[0, FIX_HOLE, FIX_NONE, FIX_RO + RO_UNTERMINATED, FIX_RO + RO_PATH]),
            17 => self.w.kbad()[self.rng.below(2) as usize],
            _ => self.addr(),
        }
    }

    /// `/proc/PID/maps` (or `/proc/PID`) of one of our children (maybe exiting or gone) or
    /// of our parent, built in `buf`.
    fn proc_path(&mut self, buf: &mut [u8; 32]) -> u32 {
        let pid = match self.kid_pid(false) {
            Some(p) if self.rng.chance(3, 4) => p,
            _ => self.call(nr::SYS_GETPPID, [0; 6]),
        };
        let mut digits = [0u8; 10];
        let (mut n, mut v) = (0, pid);
        loop {
            digits[n] = b'0' + (v % 10) as u8;
            n += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        let mut len = 0;
        for &b in b"/proc/" {
            buf[len] = b;
            len += 1;
        }
        for i in (0..n).rev() {
            buf[len] = digits[i];
            len += 1;
        }
        let tail: &[u8] = if self.rng.chance(3, 4) { b"/maps" } else { b"" };
        for &b in tail {
            buf[len] = b;
            len += 1;
        }
        buf[len] = 0;
        buf.as_ptr() as u32
    }

    pub(super) fn op_open(&mut self) {
        let mut pbuf = [0u8; 32];
        let path = if self.rng.chance(1, 8) { self.proc_path(&mut pbuf) } else { self.path() };
        let mut flags = match self.rng.below(8) {
            0..=3 => 0,
            4 => self.rng.pick(&[1, 2, 3]),
            5 => self.rng.pick(&[0o100, 0o1000, 0o200000, 0o100 | 0o200, 0o2000000, 0o4000]),
            _ => self.rng.u32(),
        };
        // Never create, truncate or write anything: the root file system is writable (ours a
        // tmpfs holding the fuzzer itself, Linux's the host's), and a file left behind would
        // read as a leak.
        flags &= !(3 | 0o100 | 0o1000 | 0o2000 | 0o20000000);
        let mode = self.rng.u32();
        let r = self.call(nr::SYS_OPEN, [path, flags, mode, 0, 0, 0]);
        core::hint::black_box(&pbuf);
        if !is_err(r) && (r as usize) < FDS {
            self.fds[r as usize] = Kind::File;
        }
    }

    pub(super) fn op_close(&mut self) {
        let fd = self.fd();
        if self.w.linux && fd == self.probe_fd && self.rng.chance(1, 2) {
            return;
        }
        let r = self.call(nr::SYS_CLOSE, [fd as u32, 0, 0, 0, 0, 0]);
        if !is_err(r) && (0..FDS as i32).contains(&fd) {
            self.fds[fd as usize] = Kind::Closed;
            if fd == self.probe_fd {
                self.probe_fd = -1;
            }
        }
    }

    pub(super) fn op_lseek(&mut self) {
        let mut fd = self.fd();
        if self.w.linux && (0..3).contains(&fd) {
            // The host's stdio may be files shared with the runner: do not move them.
            fd = -1;
        }
        let off = self.rng.pick(&[0, 1, 0xFFFF_FFFF, 4096, 0x7FFF_FFFF, 0x8000_0000, 100]);
        let off = if self.rng.chance(1, 4) { self.rng.u32() } else { off };
        let whence = if self.rng.chance(3, 4) { self.rng.below(3) } else { self.rng.pick(&[SEEK_DATA, SEEK_HOLE, 5, 0xFFFF_FFFF]) };
        self.call(nr::SYS_LSEEK, [fd as u32, off, whence, 0, 0, 0]);
    }

    pub(super) fn op_fstat64(&mut self) {
        let fd = self.fd();
        let buf = self.write_target(96);
        self.expect_fail(self.past_top(buf, 96), "fstat64 into a buffer past user space");
        self.call(nr::SYS_FSTAT64, [fd as u32, buf, 0, 0, 0, 0]);
    }

    pub(super) fn op_getdents64(&mut self) {
        let fd = self.fd();
        let (buf, len) = self.write_range();
        self.expect_fail(len != 0 && self.past_top(buf, len as u64), "getdents64 into a buffer past user space");
        self.call(nr::SYS_GETDENTS64, [fd as u32, buf, len, 0, 0, 0]);
    }
}
