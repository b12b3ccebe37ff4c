//! Console input for `read(0, ...)`: the terminal on COM1 ([`crate::tty`]), with its line
//! discipline.

use crate::syscall::uptr::UserBuf;
use vmcore::errno::Errno;

/// Reads from the terminal (blocking).
pub fn read(buf: UserBuf) -> Result<u32, Errno> {
    crate::tty::read(buf, false, true)
}
