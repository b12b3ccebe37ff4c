//! ioctl (54): the terminal's requests on the console; `ENOTTY` for every other file, as Linux
//! answers a terminal request on a file that is not a terminal.

use super::SysResult;
use crate::fs::file::Kind;
use crate::proc;

/// ioctl(fd, cmd, arg).
pub fn ioctl(fd: u32, cmd: u32, arg: u32) -> SysResult {
    let file = proc::current().files()?.get(fd)?;
    match file.kind {
        Kind::Console => crate::tty::ioctl::ioctl(cmd, arg, file.readable),
        _ => Err(vmcore::errno::Errno::ENOTTY),
    }
}
