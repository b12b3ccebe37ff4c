//! Pipes and FIFOs (Linux's `pipe_inode_info`, fs/pipe.c): a ring of up to 16 page frames
//! (64 KiB) between writers and readers, with Linux's rules for atomic writes, `O_NONBLOCK`,
//! `EPIPE` + `SIGPIPE`, end of file, packet mode (`O_DIRECT`), `poll` and the open rules of
//! FIFOs ([`open_fifo`]).
//!
//! The ring is a spin lock that is never held across a user copy: data goes user → kernel
//! bounce buffer → frame (and back), one page at a time, so a page fault during the copy never
//! finds the ring locked or a temporary mapping spot taken (docs/files.md, "Copying into
//! frames"). A write of at most `PIPE_BUF` bytes is one such step, hence atomic. Frames go
//! back when they are drained (one is kept as `spare`) and all of them when the last end
//! closes, so the leak checks see every frame return.

use super::file::{File, FileOps};
use super::poll::PollTable;
use super::pipe_ring::{Ring, PAGE};
use super::stat::{Stat, S_IFIFO};
use crate::proc::wait::{Interrupted, WaitQueue};
use crate::syscall::uptr::{UserBuf, UserPtr};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{
    FIONREAD, F_GETPIPE_SZ, O_ACCMODE, O_DIRECT, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, POLLERR,
    POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM,
};

/// Inode numbers of pipes (Linux's pipefs numbers them too).
static NEXT_INO: AtomicU64 = AtomicU64::new(1);

/// One pipe: its ring and the queues its readers and writers sleep on.
pub struct Pipe {
    ring: spin::Mutex<Ring>,
    rd_wait: Arc<WaitQueue>,
    wr_wait: Arc<WaitQueue>,
    ino: u64,
}

impl Pipe {
    /// An empty pipe with no ends open (a FIFO inode holds one; `pipe` opens both ends at once).
    pub fn new() -> Result<Arc<Pipe>, Errno> {
        let pipe = Pipe {
            ring: spin::Mutex::new(Ring::new()),
            rd_wait: WaitQueue::new_shared()?,
            wr_wait: WaitQueue::new_shared()?,
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
        };
        crate::mm::inject::fallible(|| Arc::try_new(pipe)).map_err(|_| Errno::ENOMEM)
    }

    /// Bytes waiting to be read.
    pub fn available(&self) -> u32 {
        self.ring.lock().bytes()
    }

    fn wake_both(&self) {
        self.rd_wait.wake_all();
        self.wr_wait.wake_all();
    }
}

/// Interrupted waits end the call with `ERESTARTSYS` (or the count so far).
fn interrupted(e: Interrupted) -> Errno {
    match e {
        Interrupted::Signal | Interrupted::Timeout => Errno::ERESTARTSYS,
    }
}

/// One open end of a pipe (the kind state of a pipe's `File`): closing it is `release`.
pub struct PipeEnd {
    pipe: Arc<Pipe>,
    reads: bool,
    writes: bool,
    /// The writer count seen at a non-blocking FIFO open for reading: `POLLHUP` stays off
    /// until a writer has come (Linux's `f_version`).
    version: u32,
}

impl PipeEnd {
    /// Opens an end: counts it among the readers and/or writers.
    fn new(pipe: &Arc<Pipe>, reads: bool, writes: bool) -> PipeEnd {
        let wake = {
            let mut r = pipe.ring.lock();
            let mut wake = false;
            if reads {
                r.readers += 1;
                r.r_counter = r.r_counter.wrapping_add(1);
                wake |= r.readers == 1;
            }
            if writes {
                r.writers += 1;
                r.w_counter = r.w_counter.wrapping_add(1);
                wake |= r.writers == 1;
            }
            wake
        };
        if wake {
            pipe.wake_both(); // a FIFO open waiting for its partner
        }
        PipeEnd { pipe: pipe.clone(), reads, writes, version: 0 }
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let drained = {
            let mut r = self.pipe.ring.lock();
            if self.reads {
                r.readers -= 1;
            }
            if self.writes {
                r.writers -= 1;
            }
            // The last end of a FIFO: its data goes, as Linux frees the pipe_inode_info.
            (r.readers == 0 && r.writers == 0).then(|| r.take_all())
        };
        if let Some(frames) = drained {
            frames.free();
        }
        self.pipe.wake_both();
    }
}

/// A pipe's two ends as open files (`pipe`, `pipe2`): read end first. `flags` may carry
/// `O_NONBLOCK` and `O_DIRECT` (packet mode).
pub fn pipe_pair(flags: u32) -> Result<(Arc<File>, Arc<File>), Errno> {
    let pipe = Pipe::new()?;
    let status = flags & (O_NONBLOCK | O_DIRECT);
    let rd = File::new(PipeEnd::new(&pipe, true, false), O_RDONLY | status)?;
    let wr = File::new(PipeEnd::new(&pipe, false, true), O_WRONLY | status)?;
    Ok((rd, wr))
}

/// Opens a FIFO's pipe with `open`'s `flags`, with Linux's rules: a blocking open for reading
/// or writing waits for the other end (a signal ends the wait: `ERESTARTSYS`); `O_RDONLY |
/// O_NONBLOCK` succeeds at once; `O_WRONLY | O_NONBLOCK` without a reader is `ENXIO`;
/// `O_RDWR` never waits.
#[cfg_attr(not(feature = "ktest"), expect(dead_code, reason = "the VFS slice's FIFO inodes open through it"))]
pub fn open_fifo(pipe: &Arc<Pipe>, flags: u32) -> Result<Arc<File>, Errno> {
    let nonblock = flags & O_NONBLOCK != 0;
    let end = match flags & O_ACCMODE {
        O_RDONLY => {
            let mut end = PipeEnd::new(pipe, true, false);
            let (writers, w_counter) = {
                let r = pipe.ring.lock();
                (r.writers, r.w_counter)
            };
            if writers == 0 {
                if nonblock {
                    end.version = w_counter;
                } else {
                    wait_partner(pipe, |r| r.w_counter != w_counter)?;
                }
            }
            end
        }
        O_WRONLY => {
            if nonblock && pipe.ring.lock().readers == 0 {
                return Err(Errno::ENXIO);
            }
            let end = PipeEnd::new(pipe, false, true);
            let (readers, r_counter) = {
                let r = pipe.ring.lock();
                (r.readers, r.r_counter)
            };
            if readers == 0 {
                wait_partner(pipe, |r| r.r_counter != r_counter)?;
            }
            end
        }
        O_RDWR => PipeEnd::new(pipe, true, true),
        _ => return Err(Errno::EINVAL),
    };
    File::new(end, flags)
}

/// Sleeps until `came` says the other end was opened (Linux's `wait_for_partner`).
#[cfg_attr(not(feature = "ktest"), expect(dead_code, reason = "see open_fifo"))]
fn wait_partner(pipe: &Pipe, came: impl Fn(&Ring) -> bool) -> Result<(), Errno> {
    pipe.rd_wait
        .wait(u64::MAX, || came(&pipe.ring.lock()).then_some(()))?
        .map_err(interrupted)
}

impl PipeEnd {
    /// Sends `SIGPIPE` to the writing thread (Linux's `send_sig(SIGPIPE, current, 0)`).
    fn sigpipe() {
        use crate::proc::sigstate::SigInfo;
        let pid = crate::proc::current_pid();
        let info = SigInfo::from_pid(vmcore::signal::SIGPIPE, vmcore::signal::SI_USER, crate::proc::current().tgid());
        let _ = crate::proc::signals::send_to(pid, info, true, true);
    }

    /// Linux's `pipe_write`, the `total` bytes coming from `fill(offset, out)`: `EPIPE` and
    /// `SIGPIPE` without readers; the tail of the write (`total % 4096`) merges into the last
    /// page when it fits, the rest goes a page per slot; blocks while the ring is full
    /// (`O_NONBLOCK`: the count so far, or `EAGAIN`). A write of at most `PIPE_BUF` bytes is
    /// placed in one step, so it is atomic (`PIPE_BUF`).
    fn write_from(&self, f: &File, total: u32, merge: bool, fill: impl Fn(u32, &mut [u8]) -> Result<(), Errno>) -> Result<u32, Errno> {
        if total == 0 {
            return Ok(0);
        }
        let pipe = &*self.pipe;
        let packet = f.status_flags() & O_DIRECT != 0;
        let mut bounce = [0u8; PAGE];
        let mut done = 0u32;
        // The merge into the last page.
        let chars = (total % PAGE as u32) as usize;
        {
            let r = pipe.ring.lock();
            if r.readers == 0 {
                drop(r);
                Self::sigpipe();
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
                    Self::sigpipe();
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
            if f.status_flags() & O_NONBLOCK != 0 {
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

impl FileOps for PipeEnd {
    /// Linux's `pipe_read`: what is there (at least a byte), blocking on an empty pipe while a
    /// writer exists; 0 at end of file; `EAGAIN` with `O_NONBLOCK`. A packet (`O_DIRECT`
    /// writer) is read whole or its rest discarded.
    fn read(&self, f: &File, buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        let total = buf.len();
        if total == 0 {
            return Ok(0);
        }
        let pipe = &*self.pipe;
        let mut bounce = [0u8; PAGE];
        let mut done = 0u32;
        loop {
            let (got, packet_end, writers) = {
                let mut r = pipe.ring.lock();
                let want = ((total - done) as usize).min(PAGE);
                let (got, packet_end) = r.take(&mut bounce[..want]);
                (got, packet_end, r.writers)
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
            if writers == 0 || done > 0 {
                return Ok(done);
            }
            if f.status_flags() & O_NONBLOCK != 0 {
                return Err(Errno::EAGAIN);
            }
            pipe.rd_wait
                .wait(u64::MAX, || {
                    let r = pipe.ring.lock();
                    (!r.is_empty() || r.writers == 0).then_some(())
                })?
                .map_err(interrupted)?;
        }
    }

    /// Linux's `pipe_write` (see [`PipeEnd::write_from`]).
    fn write(&self, f: &File, buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        self.write_from(f, buf.len(), true, |at, out| buf.read_at(at, out))
    }

    /// `sendfile` into the pipe: as `write`, from kernel memory.
    fn splice_write(&self, f: &File, data: &[u8], _pos: &mut u64) -> Result<u32, Errno> {
        self.write_from(f, data.len() as u32, false, |at, out| {
            out.copy_from_slice(&data[at as usize..at as usize + out.len()]);
            Ok(())
        })
    }

    fn stat(&self, _f: &File) -> Result<Stat, Errno> {
        let cred = crate::proc::cred::current();
        let (uid, gid) = (cred.fsuid, cred.fsgid);
        Ok(Stat {
            dev: (0, 12),
            ino: self.pipe.ino,
            mode: S_IFIFO | 0o600,
            nlink: 1,
            uid,
            gid,
            blksize: PAGE as u32,
            ..Stat::default()
        })
    }

    /// Linux's `pipe_poll`.
    fn poll(&self, _f: &File, table: Option<&mut PollTable>) -> u32 {
        if let Some(t) = table {
            if self.reads {
                t.register(&self.pipe.rd_wait);
            }
            if self.writes {
                t.register(&self.pipe.wr_wait);
            }
        }
        let r = self.pipe.ring.lock();
        let mut mask = 0;
        if self.reads {
            if !r.is_empty() {
                mask |= POLLIN | POLLRDNORM;
            }
            if r.writers == 0 && self.version != r.w_counter {
                mask |= POLLHUP;
            }
        }
        if self.writes {
            if !r.is_full() {
                mask |= POLLOUT | POLLWRNORM;
            }
            if r.readers == 0 {
                mask |= POLLERR;
            }
        }
        mask
    }

    /// `FIONREAD`: the bytes waiting.
    fn ioctl(&self, _f: &File, cmd: u32, arg: u32) -> Result<u32, Errno> {
        match cmd {
            FIONREAD => {
                UserPtr::<u32>::new(arg).write(self.pipe.available())?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }

    /// `F_GETPIPE_SZ`: the capacity in bytes.
    fn fcntl(&self, _f: &File, cmd: u32, _arg: u32) -> Result<u32, Errno> {
        match cmd {
            F_GETPIPE_SZ => Ok(super::pipe_ring::SLOTS as u32 * PAGE as u32),
            _ => Err(Errno::EINVAL),
        }
    }
}
