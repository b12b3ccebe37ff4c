//! Character devices (Linux's drivers/char/mem.c and random.c): `/dev/null` (1:3), `/dev/zero`
//! (1:5), `/dev/full` (1:7), `/dev/random` and `/dev/urandom` (1:8, 1:9), and the console
//! nodes `/dev/tty` (5:0), `/dev/console` (5:1), `/dev/ttyS0` (4:64). [`open_chrdev`] is what
//! a character-device inode opens (`ENXIO` for a number without a driver).

use super::file::{File, FileOps};
use super::stat::{Stat, S_IFCHR};
use crate::syscall::uptr::UserBuf;
use alloc::sync::Arc;
use vmcore::errno::Errno;

/// A device number (major, minor).
pub type DevNum = (u32, u32);

/// Bytes per trip through a kernel buffer.
const CHUNK: usize = 256;

/// Fills `buf` from `gen` a chunk at a time; a fault after some bytes returns the count.
fn fill_user(buf: UserBuf, mut gen: impl FnMut(&mut [u8])) -> Result<u32, Errno> {
    let mut chunk = [0u8; CHUNK];
    let mut done = 0u32;
    while done < buf.len() {
        let n = ((buf.len() - done) as usize).min(CHUNK);
        gen(&mut chunk[..n]);
        if let Err(e) = buf.write_at(done, &chunk[..n]) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        done += n as u32;
    }
    Ok(done)
}

/// Reads `buf` from user memory and discards it (a write that is accepted whole); `EFAULT`
/// for a bad buffer, as Linux's copies would give.
fn swallow(buf: UserBuf) -> Result<u32, Errno> {
    buf.check(false)?;
    Ok(buf.len())
}

fn device_stat(rdev: DevNum, mode: u32) -> Stat {
    // Linux's devtmpfs numbers its nodes; ours take the device number as inode number.
    Stat {
        dev: (0, 5),
        ino: u64::from(rdev.0) << 20 | u64::from(rdev.1),
        mode: S_IFCHR | mode,
        nlink: 1,
        rdev,
        blksize: 4096,
        ..Stat::default()
    }
}

/// The memory devices, told apart by their minor number.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mem {
    Null = 3,
    Zero = 5,
    Full = 7,
    Random = 8,
    Urandom = 9,
}

impl FileOps for Mem {
    /// null: end of file; zero and full: zeros; random and urandom: the kernel's CSPRNG
    /// (seeded at boot, so never blocking, as Linux ≥ 5.18 once its pool is ready).
    fn read(&self, _f: &File, buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        match self {
            Mem::Null => Ok(0),
            Mem::Zero | Mem::Full => fill_user(buf, |c| c.fill(0)),
            Mem::Random | Mem::Urandom => fill_user(buf, crate::random::fill),
        }
    }
    /// full: `ENOSPC`; the others take everything (random data written is accepted and not
    /// mixed in: our generator has no input path).
    fn write(&self, _f: &File, buf: UserBuf, _pos: &mut u64) -> Result<u32, Errno> {
        match self {
            Mem::Full => Err(Errno::ENOSPC),
            Mem::Null | Mem::Zero => Ok(buf.len()),
            Mem::Random | Mem::Urandom => swallow(buf),
        }
    }
    /// Positioned reads and writes work (Linux opens these with `FMODE_PREAD`).
    fn seekable(&self) -> bool {
        true
    }
    fn stat(&self, _f: &File) -> Result<Stat, Errno> {
        Ok(device_stat((1, *self as u32), 0o666))
    }
    /// `sendfile` from `/dev/random` and `/dev/urandom` (Linux 6.1 wires them up; the others
    /// cannot be a source: `EINVAL`).
    fn splice_read(&self, _f: &File, out: &mut [u8], _pos: &mut u64) -> Result<u32, Errno> {
        match self {
            Mem::Random | Mem::Urandom => {
                crate::random::fill(out);
                Ok(out.len() as u32)
            }
            _ => Err(Errno::EINVAL),
        }
    }
    /// `sendfile` into `/dev/null`, `/dev/random`, `/dev/urandom`: taken whole; Linux 6.1's
    /// `/dev/zero` and `/dev/full` have no `splice_write` (`EINVAL`).
    fn splice_write(&self, _f: &File, data: &[u8], _pos: &mut u64) -> Result<u32, Errno> {
        match self {
            Mem::Null | Mem::Random | Mem::Urandom => Ok(data.len() as u32),
            Mem::Zero | Mem::Full => Err(Errno::EINVAL),
        }
    }
    fn maps_anonymous(&self) -> bool {
        *self == Mem::Zero
    }
}

/// Opens character device `rdev` with `open`'s `flags`; `ENXIO` when no driver has it.
pub fn open_chrdev(rdev: DevNum, flags: u32) -> Result<Arc<File>, Errno> {
    let mem = match rdev {
        (1, 3) => Mem::Null,
        (1, 5) => Mem::Zero,
        (1, 7) => Mem::Full,
        (1, 8) => Mem::Random,
        (1, 9) => Mem::Urandom,
        // The terminal: the console, /dev/ttyS0, and /dev/tty (the caller's controlling one).
        (5, 0) | (5, 1) | (4, 64) => return crate::tty::open(rdev, flags),
        _ => return Err(Errno::ENXIO),
    };
    File::new(mem, flags)
}
