//! AF_UNIX sockets made by `socketpair` (Linux's `net/unix/af_unix.c`, connected pairs only):
//! two pipes, one per direction, each end reading one and writing the other. The transfers,
//! the waiting and the frames are the pipes' (`super::pipe_io`); a socket end adds the
//! socket's rules on top:
//!
//! - `shutdown(SHUT_WR)` leaves the writers of the outgoing pipe (the peer reads end of file),
//!   `shutdown(SHUT_RD)` the readers of the incoming one (the peer's writes get `EPIPE`, our
//!   reads end of file once it is empty); closing an end does both.
//! - `SOCK_DGRAM` and `SOCK_SEQPACKET` write packets (the pipes' `O_DIRECT` mode): a read takes
//!   one message, the rest of it discarded. Messages are at most a page here.
//! - `EPIPE` comes with `SIGPIPE` on stream sockets unless `MSG_NOSIGNAL` (Linux's datagram
//!   paths send no signal).

use super::file::{File, FileOps};
use super::pipe::{Pipe, PipeEnd};
use super::pipe_io::Mode;
use super::poll::PollTable;
use super::stat::{Stat, S_IFSOCK};
use crate::syscall::uptr::UserBuf;
use alloc::sync::Arc;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{
    MSG_DONTWAIT, MSG_NOSIGNAL, O_NONBLOCK, O_RDWR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP,
    POLLRDNORM, POLLWRBAND, POLLWRNORM, SHUT_RD, SHUT_RDWR, SHUT_WR, SOCK_STREAM,
};

/// One end of a connected pair (the kind state of a socket's `File`).
pub struct SocketEnd {
    /// `SOCK_STREAM`, `SOCK_DGRAM` or `SOCK_SEQPACKET`.
    ty: u32,
    /// What the peer writes.
    rx: Arc<Pipe>,
    /// What the peer reads.
    tx: Arc<Pipe>,
    /// This end counted among `rx`'s readers until `SHUT_RD`.
    reading: spin::Mutex<Option<PipeEnd>>,
    /// This end counted among `tx`'s writers until `SHUT_WR`.
    writing: spin::Mutex<Option<PipeEnd>>,
}

/// A connected pair of sockets of type `ty` (checked by the caller), `O_NONBLOCK` if
/// `nonblock`.
pub fn socket_pair(ty: u32, nonblock: bool) -> Result<(Arc<File>, Arc<File>), Errno> {
    let (ab, ba) = (Pipe::new()?, Pipe::new()?);
    let end = |rx: &Arc<Pipe>, tx: &Arc<Pipe>| SocketEnd {
        ty,
        rx: rx.clone(),
        tx: tx.clone(),
        reading: spin::Mutex::new(Some(PipeEnd::new(rx, true, false))),
        writing: spin::Mutex::new(Some(PipeEnd::new(tx, false, true))),
    };
    let flags = O_RDWR | if nonblock { O_NONBLOCK } else { 0 };
    let a = File::new(end(&ba, &ab), flags)?;
    let b = File::new(end(&ab, &ba), flags)?;
    Ok((a, b))
}

impl SocketEnd {
    /// `SOCK_STREAM`, `SOCK_DGRAM` or `SOCK_SEQPACKET`.
    pub fn kind(&self) -> u32 {
        self.ty
    }

    fn mode(&self, f: &File, flags: u32) -> Mode {
        Mode {
            nonblock: f.status_flags() & O_NONBLOCK != 0 || flags & MSG_DONTWAIT != 0,
            packet: self.ty != SOCK_STREAM,
            sigpipe: self.ty == SOCK_STREAM && flags & MSG_NOSIGNAL == 0,
        }
    }

    /// `send`: `buf` to the peer. `EPIPE` once this end is shut for writing or the peer for
    /// reading.
    pub fn send(&self, f: &File, buf: UserBuf, flags: u32) -> Result<u32, Errno> {
        let mode = self.mode(f, flags);
        if buf.is_empty() {
            return Ok(0);
        }
        if self.writing.lock().is_none() {
            mode.sigpipe();
            return Err(Errno::EPIPE);
        }
        self.tx.write_from(mode, buf.len(), mode.packet, |at, out| buf.read_at(at, out))
    }

    /// `recv`: what the peer sent; 0 at end of file.
    pub fn recv(&self, f: &File, buf: UserBuf, flags: u32) -> Result<u32, Errno> {
        self.rx.read_into(self.mode(f, flags).nonblock, buf)
    }

    /// `shutdown`: `SHUT_RD`, `SHUT_WR` or `SHUT_RDWR` (anything else `EINVAL`).
    pub fn shutdown(&self, how: u32) -> Result<(), Errno> {
        if how > SHUT_RDWR {
            return Err(Errno::EINVAL);
        }
        if how != SHUT_WR {
            let end = self.reading.lock().take();
            drop(end); // wakes the waiters, outside the lock
        }
        if how != SHUT_RD {
            let end = self.writing.lock().take();
            drop(end);
        }
        Ok(())
    }
}

impl FileOps for SocketEnd {
    fn read(&self, f: &File, buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        self.recv(f, buf, 0)
    }

    fn write(&self, f: &File, buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        self.send(f, buf, 0)
    }

    fn stat(&self, _f: &File) -> Result<Stat, Errno> {
        Ok(self.rx.stat(S_IFSOCK | 0o777))
    }

    /// Linux's `unix_poll`: a direction is shut when either side shut it or closed.
    fn poll(&self, _f: &File, table: Option<&mut PollTable>) -> u32 {
        if let Some(t) = table {
            t.register(&self.rx.rd_wait);
            t.register(&self.tx.wr_wait);
        }
        let (rx_empty, rx_shut) = {
            let r = self.rx.ring.lock();
            (r.is_empty(), r.readers == 0 || r.writers == 0)
        };
        let (tx_full, tx_shut) = {
            let r = self.tx.ring.lock();
            (r.is_full(), r.readers == 0 || r.writers == 0)
        };
        let mut mask = 0;
        if rx_shut && tx_shut {
            mask |= POLLHUP;
        }
        if rx_shut {
            mask |= POLLRDHUP | POLLIN | POLLRDNORM;
        }
        if !rx_empty {
            mask |= POLLIN | POLLRDNORM;
        }
        if !tx_full {
            mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
        }
        mask
    }

    /// `FIONREAD` (`SIOCINQ`): the bytes waiting.
    fn ioctl(&self, _f: &File, cmd: u32, arg: u32) -> Result<u32, Errno> {
        self.rx.ioctl(cmd, arg)
    }

    fn socket(&self) -> Option<&SocketEnd> {
        Some(self)
    }
}
