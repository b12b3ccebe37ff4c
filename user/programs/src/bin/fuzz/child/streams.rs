//! Pipes (always non-blocking, so no read or write can hang the batch), poll, ppoll, select
//! and pselect6 (zero or 1 ms timeouts: never the NULL that waits forever), sendfile, and the
//! terminal ioctls that only read state (or change nothing the runner relies on) on the
//! console, plus unknown ioctl numbers on any descriptor; AF_UNIX socket pairs (`sockets.rs`).

use super::*;

/// Terminal ioctls safe on the shared console: TCGETS, TIOCGWINSZ, TIOCGPGRP, TIOCGSID,
/// FIONREAD, TIOCOUTQ, TIOCSWINSZ (SIGWINCH is ignored by default), TCSBRK (drains),
/// FIOCLEX, FIONCLEX, TIOCGPTN (not a pty: ENOTTY), unknown ones. Never TCSETS*, TCFLSH,
/// TCXONC, TIOCSCTTY, TIOCNOTTY or TIOCSPGRP there: they would change the runner's console.
const TTY_IOCTLS: [u32; 13] = [0x5401, 0x5413, 0x540F, 0x5429, 0x541B, 0x5411, 0x5414, 0x5409, 0x5451, 0x5450, 0x8004_5430, 0x1234, 0xFFFF_FFFF];

impl Fz<'_> {
    pub(super) fn op_stream(&mut self) {
        let fd = self.fd() as u32;
        match self.rng.below(14) {
            0..=2 => {
                // pipe2 with O_NONBLOCK always; the old pipe() made non-blocking at once.
                let mut two = [u32::MAX; 2];
                let p = if self.rng.chance(1, 10) { self.bad_dst() } else { two.as_mut_ptr() as u32 };
                let r = if self.rng.chance(1, 4) {
                    let r = sc!(self, nr::SYS_PIPE, [p, 0, 0, 0, 0, 0]);
                    if !is_err(r) && p == two.as_ptr() as u32 {
                        for &e in &two {
                            sc0!(self, nr::SYS_FCNTL, [e, F_SETFL, O_NONBLOCK, 0, 0, 0]);
                        }
                    }
                    r
                } else {
                    let fl = O_NONBLOCK | self.rng.pick(&[0, O_CLOEXEC, 0x4000, 0x8000_0000]);
                    sc!(self, nr::SYS_PIPE2, [p, fl, 0, 0, 0, 0])
                };
                let two = core::hint::black_box(two);
                if !is_err(r) && p == two.as_ptr() as u32 {
                    for &e in &two {
                        if (e as usize) < FDS {
                            self.fds[e as usize] = Kind::File;
                        }
                    }
                }
            }
            3..=5 => {
                // poll / ppoll over up to 4 of our descriptors (and junk).
                let mut pf = [0u32; 8];
                let n = self.rng.pick(&[0, 1, 2, 4, 4, 100_000]);
                for i in 0..4 {
                    pf[2 * i] = self.fd() as u32;
                    pf[2 * i + 1] = self.rng.pick(&[1, 4, 5, 0x3F, 0xFFFF]);
                }
                let arr = if self.rng.chance(1, 8) { self.bad_dst() } else { pf.as_mut_ptr() as u32 };
                let ts: [u32; 4] = self.rng.pick(&[[0, 0, 0, 0], [0, 1_000_000, 0, 0], [0, 2_000_000_000, 0, 0]]);
                let zero = [0u32; 4];
                match self.rng.below(3) {
                    0 => sc0!(self, nr::SYS_POLL, [arr, n, self.rng.pick(&[0, 1]), 0, 0, 0]),
                    1 => sc0!(self, nr::SYS_PPOLL, [arr, n, ts.as_ptr() as u32, 0, 8, 0]),
                    _ => sc0!(self, nr::SYS_PPOLL_TIME64, [arr, n, zero.as_ptr() as u32, 0, 8, 0]),
                }
                core::hint::black_box((&pf, &ts, &zero));
            }
            6 | 7 => {
                // select / pselect6 on fd sets of our own.
                let mut sets = [self.rng.u32() & 0xFF, self.rng.u32() & 0xFF, self.rng.u32()];
                let nfds = self.rng.pick(&[0, 1, 8, 32, 1025, u32::MAX]);
                let tv: [u32; 4] = self.rng.pick(&[[0, 0, 0, 0], [0, 1000, 0, 0], [0, 2_000_000, 0, 0]]);
                let set = |i: usize, s: &mut Self, sets: &mut [u32; 3]| if s.rng.chance(1, 4) { 0 } else { sets[i..].as_mut_ptr() as u32 };
                let (r, w, e) = (set(0, self, &mut sets), set(1, self, &mut sets), set(2, self, &mut sets));
                // tv is {sec, usec} for select, {sec, nsec} for pselect6 and {sec: i64,
                // nsec: i64} for pselect6_time64: at most 2 ms (or invalid) in each layout.
                let ts64 = [tv[0], 0, tv[1], 0];
                match self.rng.below(3) {
                    0 => sc0!(self, nr::SYS_NEWSELECT, [nfds, r, w, e, tv.as_ptr() as u32, 0]),
                    1 => sc0!(self, nr::SYS_PSELECT6, [nfds, r, w, e, tv.as_ptr() as u32, 0]),
                    _ => sc0!(self, nr::SYS_PSELECT6_TIME64, [nfds, r, w, e, ts64.as_ptr() as u32, 0]),
                }
                core::hint::black_box(&ts64);
                core::hint::black_box((&sets, &tv));
            }
            8 => {
                // sendfile from our files into whatever descriptor (non-blocking pipes, files).
                let from = self.fd() as u32;
                let off = if self.rng.chance(1, 2) { 0 } else { self.write_target(8) };
                let n = self.rng.pick(&[nr::SYS_SENDFILE, nr::SYS_SENDFILE64]);
                let len = self.rng.pick(&[0, 1, PG, MIB, u32::MAX]);
                // Never print; and on Linux never read a terminal (it blocks first).
                if (0..3).contains(&fd) || self.w.linux && from < 3 {
                    return;
                }
                sc0!(self, n, [fd, from, off, len, 0, 0]);
            }
            12 | 13 => self.op_socket(),
            _ => {
                // ioctls: terminal ones on the console, any number on our descriptors.
                let (f, cmd) = if self.rng.chance(1, 2) { (self.rng.below(3), self.rng.pick(&TTY_IOCTLS)) } else { (fd, self.rng.pick(&TTY_IOCTLS)) };
                // (Never FIONBIO: it could make a pipe of ours blocking.)
                let cmd = if f >= 3 && self.rng.chance(1, 3) { self.rng.pick(&[0x5402, 0x5410, 0x540E, 0x5420, FIONREAD]) } else { cmd };
                // TIOCSWINSZ reads 8 bytes; the rest write at most 60.
                let arg = if cmd == 0x5414 { self.src() } else { self.dst(64) };
                sc0!(self, nr::SYS_IOCTL, [f, cmd, arg, 0, 0, 0]);
            }
        }
    }
}
