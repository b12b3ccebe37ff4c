//! The terminal as an open file (`FileOps`): init's descriptors 0/1/2 and `/dev/console`
//! (5:1), `/dev/ttyS0` (4:64) and `/dev/tty` (5:0, the caller's controlling terminal).

use super::job;
use crate::fs::file::{File, FileOps};
use crate::fs::poll::PollTable;
use crate::fs::stat::{Stat, S_IFCHR};
use crate::syscall::uptr::UserBuf;
use alloc::sync::Arc;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{O_NOCTTY, O_NONBLOCK, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};

/// The device numbers of the terminal's nodes.
pub const CONSOLE: (u32, u32) = (5, 1);
/// `/dev/ttyS0`.
pub const TTYS0: (u32, u32) = (4, 64);
/// `/dev/tty`.
pub const TTY_DEV: (u32, u32) = (5, 0);

/// An open terminal. `console`: opened as the console, whose reads and writes skip the
/// job-control checks (Linux's `redirected_tty_write` files).
pub struct TtyFile {
    console: bool,
    rdev: (u32, u32),
}

impl TtyFile {
    /// The console (init's descriptors, `/dev/console`).
    pub fn console() -> Self {
        Self { console: true, rdev: CONSOLE }
    }
}

/// Opens the terminal node `rdev` (`tty_open`): `/dev/tty` is `ENXIO` without a controlling
/// terminal; `/dev/ttyS0` and `/dev/tty` make the terminal the controlling terminal of a
/// session leader that has none, unless `O_NOCTTY`; `/dev/console` never does.
pub fn open(rdev: (u32, u32), flags: u32) -> Result<Arc<File>, Errno> {
    let console = rdev == CONSOLE;
    if rdev == TTY_DEV && !job::is_ctty() {
        return Err(Errno::ENXIO);
    }
    let file = File::new(TtyFile { console, rdev }, flags)?;
    if !console && flags & O_NOCTTY == 0 {
        job::open_acquire();
    }
    Ok(file)
}

impl FileOps for TtyFile {
    fn read(&self, f: &File, buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        super::read(buf, f.status_flags() & O_NONBLOCK != 0, self.console)
    }

    fn write(&self, _f: &File, buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        super::write(buf, self.console)
    }

    fn splice_write(&self, _f: &File, data: &[u8], _pos: &mut u64) -> Result<u32, Errno> {
        super::write_kernel(data, self.console)
    }

    fn stat(&self, _f: &File) -> Result<Stat, Errno> {
        let mode = if self.rdev == TTY_DEV { 0o666 } else { 0o620 };
        Ok(Stat { dev: (0, 6), ino: 1, mode: S_IFCHR | mode, nlink: 1, rdev: self.rdev, blksize: 1024, ..Stat::default() })
    }

    fn poll(&self, _f: &File, table: Option<&mut PollTable>) -> u32 {
        if let Some(table) = table {
            table.register(super::read_wait());
        }
        let readable = super::poll_readable();
        (if readable { POLLIN | POLLRDNORM } else { 0 }) | POLLOUT | POLLWRNORM
    }

    fn ioctl(&self, f: &File, cmd: u32, arg: u32) -> Result<u32, Errno> {
        super::ioctl::ioctl(cmd, arg, f.readable())
    }
}
