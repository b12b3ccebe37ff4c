//! Moving bytes through a [`Pipe`]: Linux's `pipe_read` and `pipe_write`, shared by pipe ends
//! and AF_UNIX socket ends (`super::socket`), which differ only in the [`Mode`] of a transfer.
//!
//! The ring is a spin lock that is never held across a user copy: data goes user → kernel
//! bounce buffer → frame (and back), one page at a time, so a page fault during the copy never
//! finds the ring locked or a temporary mapping spot taken (docs/files.md, "Copying into
//! frames"). A write of at most `PIPE_BUF` bytes is one such step, hence atomic.

use super::file::File;
use super::pipe::Pipe;
use super::pipe_ring::PAGE;
use crate::proc::wait::Interrupted;
use crate::syscall::uptr::{UserBuf, UserPtr};
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{FIONREAD, O_DIRECT, O_NONBLOCK};

/// How one write (or read) behaves.
#[derive(Clone, Copy)]
pub struct Mode {
    /// `O_NONBLOCK` or `MSG_DONTWAIT`: `EAGAIN` instead of sleeping.
    pub nonblock: bool,
    /// Each page written is a packet, read whole (`O_DIRECT`, datagram sockets).
    pub packet: bool,
    /// `EPIPE` comes with `SIGPIPE` (not with `MSG_NOSIGNAL`).
    pub sigpipe: bool,
}

impl Mode {
    /// A pipe end's mode: from the file's status flags.
    pub fn of(f: &File) -> Mode {
        let flags = f.status_flags();
        Mode { nonblock: flags & O_NONBLOCK != 0, packet: flags & O_DIRECT != 0, sigpipe: true }
    }

    /// Sends `SIGPIPE` to the writing thread (Linux's `send_sig(SIGPIPE, current, 0)`) unless
    /// the mode says not to.
    pub fn sigpipe(self) {
        use crate::proc::sigstate::SigInfo;
        if !self.sigpipe {
            return;
        }
        let pid = crate::proc::current_pid();
        let info = SigInfo::from_pid(vmcore::signal::SIGPIPE, vmcore::signal::SI_USER, crate::proc::current().tgid());
        let _ = crate::proc::signals::send_to(pid, info, true, true);
    }
}

/// Interrupted waits end the call with `ERESTARTSYS` (or the count so far).
pub fn interrupted(e: Interrupted) -> Errno {
    match e {
        Interrupted::Signal | Interrupted::Timeout => Errno::ERESTARTSYS,
    }
}

impl Pipe {
    /// The ioctls of a pipe or socket end: `FIONREAD` (`SIOCINQ`), the bytes waiting.
    pub fn ioctl(&self, cmd: u32, arg: u32) -> Result<u32, Errno> {
        match cmd {
            FIONREAD => {
                UserPtr::<u32>::new(arg).write(self.available())?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }

    /// Linux's `pipe_read`: what is there (at least a byte), blocking on an empty pipe while a
    /// writer exists; 0 at end of file (no writer, or no reader: a socket end shut for
    /// reading); `EAGAIN` with `nonblock`. A packet (`O_DIRECT`
    /// writer) is read whole or its rest discarded.
    pub fn read_into(&self, nonblock: bool, buf: UserBuf) -> Result<u32, Errno> {
        let total = buf.len();
        if total == 0 {
            return Ok(0);
        }
        let pipe = self;
        let mut bounce = [0u8; PAGE];
        let mut done = 0u32;
        loop {
            let (got, packet_end, eof) = {
                let mut r = pipe.ring.lock();
                let want = ((total - done) as usize).min(PAGE);
                let (got, packet_end) = r.take(&mut bounce[..want]);
                (got, packet_end, r.writers == 0 || r.readers == 0)
            };
            if got > 0 {
                pipe.wr_wait.wake_all();
                if let Err(e) = buf.write_at(done, &bounce[..got]) {
                    // Deviation: the bytes taken are lost (Linux leaves them in the pipe).
                    return if done > 0 { Ok(done) } else { Err(e) };
                }
                done += got as u32;
                if done == total || packet_end {
                    return Ok(done);
                }
                continue;
            }
            if eof || done > 0 {
                return Ok(done);
            }
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            pipe.rd_wait
                .wait(u64::MAX, || {
                    let r = pipe.ring.lock();
                    (!r.is_empty() || r.writers == 0 || r.readers == 0).then_some(())
                })?
                .map_err(interrupted)?;
        }
    }

    /// Linux's `pipe_write`, the `total` bytes coming from `fill(offset, out)`: `EPIPE` and
    /// `SIGPIPE` without readers; the tail of the write (`total % 4096`) merges into the last
    /// page when it fits, the rest goes a page per slot; blocks while the ring is full
    /// (`O_NONBLOCK`: the count so far, or `EAGAIN`). A write of at most `PIPE_BUF` bytes is
    /// placed in one step, so it is atomic (`PIPE_BUF`).
    pub fn write_from(&self, mode: Mode, total: u32, merge: bool, fill: impl Fn(u32, &mut [u8]) -> Result<(), Errno>) -> Result<u32, Errno> {
        if total == 0 {
            return Ok(0);
        }
        let pipe = self;
        let packet = mode.packet;
        let mut bounce = [0u8; PAGE];
        let mut done = 0u32;
        // The merge into the last page.
        let chars = (total % PAGE as u32) as usize;
        {
            let r = pipe.ring.lock();
            if r.readers == 0 {
                drop(r);
                mode.sigpipe();
                return Err(Errno::EPIPE);
            }
            if chars != 0 && merge && !packet && r.can_merge(chars) {
                drop(r);
                fill(0, &mut bounce[..chars])?;
                let merged = {
                    let mut r = pipe.ring.lock();
                    let ok = r.can_merge(chars);
                    if ok {
                        r.merge(&bounce[..chars]);
                    }
                    ok
                };
                if merged {
                    pipe.rd_wait.wake_all();
                    done = chars as u32;
                    if done == total {
                        return Ok(done);
                    }
                }
            }
        }
        // Whole pages, each placed at once; `staged` bytes of the source at `done` are in
        // `bounce` already.
        let mut staged = 0usize;
        loop {
            if staged == 0 {
                staged = ((total - done) as usize).min(PAGE);
                if let Err(e) = fill(done, &mut bounce[..staged]) {
                    return if done > 0 { Ok(done) } else { Err(e) };
                }
            }
            let placed = {
                let mut r = pipe.ring.lock();
                if r.readers == 0 {
                    drop(r);
                    mode.sigpipe();
                    return if done > 0 { Ok(done) } else { Err(Errno::EPIPE) };
                }
                if r.is_full() { None } else { Some(r.push(&bounce[..staged], !packet)) }
            };
            match placed {
                Some(Ok(())) => {
                    pipe.rd_wait.wake_all();
                    done += staged as u32;
                    staged = 0;
                    if done == total {
                        return Ok(done);
                    }
                    continue;
                }
                Some(Err(e)) => return if done > 0 { Ok(done) } else { Err(e) },
                None => {}
            }
            if mode.nonblock {
                return if done > 0 { Ok(done) } else { Err(Errno::EAGAIN) };
            }
            let waited = pipe.wr_wait.wait(u64::MAX, || {
                let r = pipe.ring.lock();
                (!r.is_full() || r.readers == 0).then_some(())
            })?;
            if let Err(e) = waited {
                return if done > 0 { Ok(done) } else { Err(interrupted(e)) };
            }
        }
    }
}
