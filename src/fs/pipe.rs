//! Pipes and FIFOs (Linux's `pipe_inode_info`, fs/pipe.c): a ring of up to 16 page frames
//! (64 KiB) between writers and readers, with Linux's rules for atomic writes, `O_NONBLOCK`,
//! `EPIPE` + `SIGPIPE`, end of file, packet mode (`O_DIRECT`), `poll` and the open rules of
//! FIFOs ([`open_fifo`]). The transfers themselves are `super::pipe_io`'s (AF_UNIX sockets
//! use them too). Frames go back when they are drained (one is kept as `spare`) and all of
//! them when the last end closes, so the leak checks see every frame return.

use super::file::{File, FileOps};
use super::poll::PollTable;
use super::pipe_io::{interrupted, Mode};
use super::pipe_ring::{Ring, PAGE};
use super::stat::{Stat, S_IFIFO};
use crate::proc::wait::WaitQueue;
use crate::syscall::uptr::UserBuf;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{
    F_GETPIPE_SZ, O_ACCMODE, O_DIRECT, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, POLLERR,
    POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM,
};

/// Inode numbers of pipes (Linux's pipefs numbers them too).
static NEXT_INO: AtomicU64 = AtomicU64::new(1);

/// One pipe: its ring and the queues its readers and writers sleep on.
pub struct Pipe {
    pub(super) ring: spin::Mutex<Ring>,
    pub(super) rd_wait: Arc<WaitQueue>,
    pub(super) wr_wait: Arc<WaitQueue>,
    pub(super) ino: u64,
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

    /// `fstat` of a file on this pipe with `mode` (a pipe end, a socket end).
    pub fn stat(&self, mode: u32) -> Stat {
        let cred = crate::proc::cred::current();
        Stat { dev: (0, 12), ino: self.ino, mode, nlink: 1, uid: cred.fsuid, gid: cred.fsgid, blksize: PAGE as u32, ..Stat::default() }
    }

    fn wake_both(&self) {
        self.rd_wait.wake_all();
        self.wr_wait.wake_all();
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
    pub(super) fn new(pipe: &Arc<Pipe>, reads: bool, writes: bool) -> PipeEnd {
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

impl FileOps for PipeEnd {
    /// Linux's `pipe_read` (see [`Pipe::read_into`]).
    fn read(&self, f: &File, buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        self.pipe.read_into(f.status_flags() & O_NONBLOCK != 0, buf)
    }

    /// Linux's `pipe_write` (see [`Pipe::write_from`]).
    fn write(&self, f: &File, buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        self.pipe.write_from(Mode::of(f), buf.len(), true, |at, out| buf.read_at(at, out))
    }

    /// `sendfile` into the pipe: as `write`, from kernel memory.
    fn splice_write(&self, f: &File, data: &[u8], _pos: &mut u64) -> Result<u32, Errno> {
        self.pipe.write_from(Mode::of(f), data.len() as u32, false, |at, out| {
            out.copy_from_slice(&data[at as usize..at as usize + out.len()]);
            Ok(())
        })
    }

    fn stat(&self, _f: &File) -> Result<Stat, Errno> {
        Ok(self.pipe.stat(S_IFIFO | 0o600))
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
        self.pipe.ioctl(cmd, arg)
    }

    /// `F_GETPIPE_SZ`: the capacity in bytes.
    fn fcntl(&self, _f: &File, cmd: u32, _arg: u32) -> Result<u32, Errno> {
        match cmd {
            F_GETPIPE_SZ => Ok(super::pipe_ring::SLOTS as u32 * PAGE as u32),
            _ => Err(Errno::EINVAL),
        }
    }
}
