//! Writable `/proc/sys` files (Linux's `proc_dointvec` ones): the value is read as text with
//! a newline and set by writing a decimal integer (surrounding white space allowed, anything
//! else `EINVAL`). Mode 0644, owned by root, so only root may open them for writing.
//! Now: `/proc/sys/kernel/randomize_va_space` ([`crate::proc::aslr`]).

use super::file::{File, FileOps};
use super::inode::Inode;
use super::stat::Stat;
use crate::syscall::uptr::UserBuf;
use vmcore::errno::Errno;

/// Which writable sysctl.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tunable {
    /// `kernel/randomize_va_space`.
    RandomizeVaSpace,
}

impl Tunable {
    /// The tunable at `path` under `/proc/sys`, if it is one.
    pub fn at(path: &[&str]) -> Option<Tunable> {
        match path {
            ["kernel", "randomize_va_space"] => Some(Tunable::RandomizeVaSpace),
            _ => None,
        }
    }

    fn get(self) -> i32 {
        match self {
            Tunable::RandomizeVaSpace => crate::proc::aslr::randomize_va_space(),
        }
    }

    fn set(self, v: i32) {
        match self {
            Tunable::RandomizeVaSpace => crate::proc::aslr::set_randomize_va_space(v),
        }
    }
}

/// An open writable sysctl.
pub struct TunableFile(Tunable, Stat);

impl TunableFile {
    /// The open file of `tunable`, whose inode is `inode`.
    pub fn new(tunable: Tunable, inode: &Inode) -> TunableFile {
        TunableFile(tunable, inode.stat())
    }
}

/// Longest text accepted (Linux's `TMPBUFLEN` for one integer, with white space).
const MAX_TEXT: usize = 32;

/// A decimal `int` with optional sign and surrounding white space.
fn parse(text: &[u8]) -> Option<i32> {
    let s = core::str::from_utf8(text).ok()?.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\0');
    s.parse::<i32>().ok()
}

impl FileOps for TunableFile {
    fn read(&self, _f: &File, buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
        let text = alloc::format!("{}\n", self.0.get());
        super::kinds::read_bytes(text.as_bytes(), buf, pos)
    }
    fn write(&self, _f: &File, buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
        let len = buf.len() as usize;
        if len > MAX_TEXT {
            return Err(Errno::EINVAL);
        }
        let mut text = [0u8; MAX_TEXT];
        buf.read_at(0, &mut text[..len])?;
        self.0.set(parse(&text[..len]).ok_or(Errno::EINVAL)?);
        *pos += len as u64;
        Ok(len as u32)
    }
    fn seekable(&self) -> bool {
        true
    }
    fn stat(&self, _f: &File) -> Result<Stat, Errno> {
        Ok(self.1)
    }
}
