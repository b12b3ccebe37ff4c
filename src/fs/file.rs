//! Open file descriptions (Linux's `struct file`): what a descriptor refers to, with its access
//! mode, status flags and offset, and the operations of its kind (`FileOps`).
//!
//! A `File` is shared by `dup` and fork: one offset and one set of status flags for all its
//! descriptors. Its kind-specific state (an inode, a pipe end, a `/proc` snapshot, the terminal)
//! lives in the `FileOps` object it owns; dropping the last `Arc<File>` drops that object, which
//! is Linux's `release` (a pipe end closes, a tty hangs up). A release may wake sleepers but
//! never sleeps, so a descriptor table may drop files under its lock.

use super::mount::PathRef;
use super::poll::PollTable;
use super::stat::Stat;
use crate::syscall::uptr::UserBuf;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{
    O_ACCMODE, O_APPEND, O_ASYNC, O_DIRECT, O_LARGEFILE, O_NOATIME, O_NONBLOCK, O_RDONLY, O_RDWR,
    O_WRONLY, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, SEEK_CUR, SEEK_END, SEEK_SET,
};
use vmcore::vma::FileObject;

/// The operations of one kind of open file. Every method has Linux's answer for a kind that
/// does not support it.
pub trait FileOps: Send + Sync {
    /// Reads at `*pos` (advancing it) into `buf`. Only seekable kinds see the real offset.
    fn read(&self, _f: &File, _buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        Err(Errno::EINVAL)
    }
    /// Writes `buf` at `*pos` (advancing it).
    fn write(&self, _f: &File, _buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        Err(Errno::EINVAL)
    }
    /// Whether the file has an offset (`lseek`, `pread`): regular files and directories. A
    /// seekable file's reads and writes hold the offset's lock, so they must not sleep.
    fn seekable(&self) -> bool {
        false
    }
    /// The size `SEEK_END` counts from.
    fn size(&self) -> u64 {
        0
    }
    /// `fstat`.
    fn stat(&self, f: &File) -> Result<Stat, Errno>;
    /// `getdents64` at the directory cursor `*pos`.
    fn getdents(&self, _f: &File, _buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        Err(Errno::ENOTDIR)
    }
    /// The `POLL*` events ready now; registers on the file's wait queues when `table` is given.
    /// Kinds that never wait are always ready (Linux's `DEFAULT_POLLMASK`).
    fn poll(&self, _f: &File, _table: Option<&mut PollTable>) -> u32 {
        POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM
    }
    /// `ioctl`.
    fn ioctl(&self, _f: &File, _cmd: u32, _arg: u32) -> Result<u32, Errno> {
        Err(Errno::ENOTTY)
    }
    /// `fcntl` commands of the kind (`F_GETPIPE_SZ`); `EINVAL` for the others, as Linux.
    fn fcntl(&self, _f: &File, _cmd: u32, _arg: u32) -> Result<u32, Errno> {
        Err(Errno::EINVAL)
    }
    /// `sendfile`'s source side (Linux's `splice_read`): reads at `*pos` into kernel memory,
    /// advancing it; `EINVAL` for kinds that cannot be a source.
    fn splice_read(&self, _f: &File, _out: &mut [u8], _pos: &mut u64) -> Result<u32, Errno> {
        Err(Errno::EINVAL)
    }
    /// `sendfile`'s destination side (Linux's `splice_write`): `write` from kernel memory.
    fn splice_write(&self, _f: &File, _data: &[u8], _pos: &mut u64) -> Result<u32, Errno> {
        Err(Errno::EINVAL)
    }
    /// Whether `mmap` of the file is anonymous memory (`/dev/zero`: private or shared
    /// anonymous, as Linux).
    fn maps_anonymous(&self) -> bool {
        false
    }
    /// What `mmap` maps (`ENODEV` for kinds that cannot be mapped).
    fn mmap_object(&self, _f: &File) -> Result<Arc<dyn FileObject>, Errno> {
        Err(Errno::ENODEV)
    }
    /// `getdents` (the old 32-bit records) at the directory cursor `*pos`.
    fn getdents_old(&self, _f: &File, _buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        Err(Errno::ENOTDIR)
    }
    /// What `/proc/PID/fd/N` shows for a file that is no directory (`/dev/console`, a
    /// regular file's path at open); directories show their path.
    fn name(&self) -> Option<&str> {
        None
    }
    /// Where the file is in the tree (files opened by path): what `openat` and `fchdir`
    /// resolve against, what `fchmod` and `ftruncate` change.
    fn path(&self) -> Option<&PathRef> {
        None
    }
    /// The socket behind the file (`send`, `shutdown`...; `ENOTSOCK` for every other kind).
    fn socket(&self) -> Option<&super::socket::SocketEnd> {
        None
    }
}

/// Status flags `F_SETFL` may change (Linux's `SETFL_MASK`).
pub const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

/// An open file description: the description's state, then its kind's `FileOps` object,
/// in one allocation (`Arc<File<Concrete>>` coerced to `Arc<File>`).
pub struct File<T: ?Sized + FileOps = dyn FileOps> {
    readable: bool,
    writable: bool,
    /// Status flags: `O_APPEND`, `O_NONBLOCK`, ... (`F_GETFL`/`F_SETFL`).
    flags: AtomicU32,
    pos: spin::Mutex<u64>,
    ops: T,
}

impl File {
    /// A description of `ops` opened with `open`'s `flags` (access mode and status flags);
    /// `EINVAL` for access mode 3. Allocated fallibly.
    pub fn new<T: FileOps + 'static>(ops: T, flags: u32) -> Result<Arc<File>, Errno> {
        let (readable, writable) = access(flags)?;
        let file = File {
            readable,
            writable,
            flags: AtomicU32::new(flags & (SETFL_MASK | O_LARGEFILE | O_ACCMODE)),
            pos: spin::Mutex::new(0),
            ops,
        };
        let file: Arc<File<T>> = crate::mm::inject::fallible(|| Arc::try_new(file)).map_err(|_| Errno::ENOMEM)?;
        Ok(file)
    }

    /// Its operations (and kind-specific state).
    pub fn ops(&self) -> &dyn FileOps {
        &self.ops
    }
    /// Opened for reading.
    pub fn readable(&self) -> bool {
        self.readable
    }
    /// Opened for writing.
    pub fn writable(&self) -> bool {
        self.writable
    }
    /// Access mode and status flags, as `F_GETFL` reports them.
    pub fn status_flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }
    /// `F_SETFL`: changes the bits of `SETFL_MASK`, keeps the rest.
    pub fn set_status_flags(&self, value: u32) {
        let _ = self.flags.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
            Some((old & !SETFL_MASK) | (value & SETFL_MASK))
        });
    }
    /// `read`: at the offset, advancing it.
    pub fn read(&self, buf: UserBuf) -> Result<u32, Errno> {
        if !self.readable {
            return Err(Errno::EBADF);
        }
        buf.check(true)?;
        if self.ops.seekable() {
            let mut pos = self.pos.lock();
            self.ops.read(self, buf, &mut pos)
        } else {
            self.ops.read(self, buf, &mut 0)
        }
    }

    /// `write`: at the offset, advancing it.
    pub fn write(&self, buf: UserBuf) -> Result<u32, Errno> {
        if !self.writable {
            return Err(Errno::EBADF);
        }
        buf.check(false)?;
        if self.ops.seekable() {
            let mut pos = self.pos.lock();
            self.ops.write(self, buf, &mut pos)
        } else {
            self.ops.write(self, buf, &mut 0)
        }
    }

    /// `pread64`: at `pos`, the offset untouched; `ESPIPE` on files without one.
    pub fn pread(&self, buf: UserBuf, pos: u64) -> Result<u32, Errno> {
        if !self.readable {
            return Err(Errno::EBADF);
        }
        if !self.ops.seekable() {
            return Err(Errno::ESPIPE);
        }
        buf.check(true)?;
        self.ops.read(self, buf, &mut { pos })
    }

    /// `pwrite64`: at `pos`, the offset untouched.
    pub fn pwrite(&self, buf: UserBuf, pos: u64) -> Result<u32, Errno> {
        if !self.writable {
            return Err(Errno::EBADF);
        }
        if !self.ops.seekable() {
            return Err(Errno::ESPIPE);
        }
        buf.check(false)?;
        self.ops.write(self, buf, &mut { pos })
    }

    /// `lseek`: moves the offset (`SEEK_SET`, `SEEK_CUR`, `SEEK_END`); `ESPIPE` on pipes and
    /// terminals, `EINVAL` for a negative result or an unknown `whence`.
    pub fn lseek(&self, offset: i64, whence: u32) -> Result<u64, Errno> {
        if !self.ops.seekable() {
            return Err(Errno::ESPIPE);
        }
        let mut pos = self.pos.lock();
        let base = match whence {
            SEEK_SET => 0i64,
            SEEK_CUR => *pos as i64,
            SEEK_END => self.ops.size() as i64,
            _ => return Err(Errno::EINVAL),
        };
        let new = base.checked_add(offset).filter(|&n| n >= 0).ok_or(Errno::EINVAL)?;
        *pos = new as u64;
        Ok(new as u64)
    }

    /// The offset (`sendfile` without an offset pointer reads it, transfers, then stores it
    /// back, as Linux does with `f_pos`; nothing is locked across the transfer).
    pub fn pos(&self) -> u64 {
        *self.pos.lock()
    }

    /// Sets the offset (see [`File::pos`]).
    pub fn set_pos(&self, pos: u64) {
        *self.pos.lock() = pos;
    }

    /// `getdents64` at the directory cursor.
    pub fn getdents(&self, buf: UserBuf) -> Result<u32, Errno> {
        buf.check(true)?;
        let mut pos = self.pos.lock();
        self.ops.getdents(self, buf, &mut pos)
    }

    /// `getdents` (old records) at the directory cursor.
    pub fn getdents_old(&self, buf: UserBuf) -> Result<u32, Errno> {
        buf.check(true)?;
        let mut pos = self.pos.lock();
        self.ops.getdents_old(self, buf, &mut pos)
    }

    /// Where the file is in the tree, for files opened by path.
    pub fn path(&self) -> Option<&PathRef> {
        self.ops.path()
    }

    /// `fstat`.
    pub fn stat(&self) -> Result<Stat, Errno> {
        self.ops.stat(self)
    }
}

/// `open`'s access mode as (readable, writable).
fn access(flags: u32) -> Result<(bool, bool), Errno> {
    match flags & O_ACCMODE {
        O_RDONLY => Ok((true, false)),
        O_WRONLY => Ok((false, true)),
        O_RDWR => Ok((true, true)),
        _ => Err(Errno::EINVAL),
    }
}
