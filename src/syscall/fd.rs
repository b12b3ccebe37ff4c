//! Descriptor calls: dup (41), dup2 (63), dup3 (330), fcntl (55) / fcntl64 (221), ioctl (54), and the
//! positioned and vectored transfers pread64 (180), pwrite64 (181), readv (145), writev (146).

use super::file::file;
use super::uptr::{UserBuf, UserPtr};
use super::SysResult;
use crate::proc;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{
    FD_CLOEXEC, FIOASYNC, FIOCLEX, FIONBIO, FIONCLEX, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL,
    F_SETFD, F_SETFL, O_ASYNC, O_CLOEXEC, O_NONBLOCK,
};

fn nofile() -> u32 {
    proc::limits::current_cur(proc::limits::RLIMIT_NOFILE)
}

/// dup: the lowest free descriptor, sharing `fd`'s open file; close-on-exec clear.
pub fn dup(fd: u32) -> SysResult {
    let files = proc::current().files()?;
    let limit = nofile();
    files.with(|t| {
        let f = t.get(fd)?;
        t.install_from(0, f, false, limit)
    })
}

/// dup2: `newfd` becomes a copy of `oldfd` (closing what was there); `newfd == oldfd` only
/// checks that it is open.
pub fn dup2(oldfd: u32, newfd: u32) -> SysResult {
    if oldfd == newfd {
        proc::current().files()?.get(oldfd)?;
        return Ok(newfd);
    }
    replace(oldfd, newfd, false)
}

/// dup3: dup2 with `O_CLOEXEC` as its only flag; `EINVAL` for equal descriptors.
pub fn dup3(oldfd: u32, newfd: u32, flags: u32) -> SysResult {
    if flags & !O_CLOEXEC != 0 || oldfd == newfd {
        return Err(Errno::EINVAL);
    }
    replace(oldfd, newfd, flags & O_CLOEXEC != 0)
}

fn replace(oldfd: u32, newfd: u32, cloexec: bool) -> SysResult {
    let files = proc::current().files()?;
    let limit = nofile();
    let old = files.with(|t| {
        let f = t.get(oldfd)?;
        t.install_at(newfd, f, cloexec, limit)
    })?;
    drop(old); // the replaced file is released outside the table's lock
    Ok(newfd)
}

/// fcntl / fcntl64: `F_DUPFD`, `F_DUPFD_CLOEXEC`, `F_GETFD`, `F_SETFD`, `F_GETFL`, `F_SETFL`.
/// The file's own commands (`F_GETPIPE_SZ`) next; record locks and the rest are `EINVAL`, as
/// Linux answers a command it does not know.
pub fn fcntl(fd: u32, cmd: u32, arg: u32) -> SysResult {
    let files = proc::current().files()?;
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let limit = nofile();
            if arg >= limit.min(proc::limits::NR_OPEN) {
                return Err(Errno::EINVAL);
            }
            files.with(|t| {
                let f = t.get(fd)?;
                t.install_from(arg, f, cmd == F_DUPFD_CLOEXEC, limit)
            })
        }
        F_GETFD => files.with(|t| t.cloexec(fd)).map(|c| if c { FD_CLOEXEC } else { 0 }),
        F_SETFD => files.with(|t| t.set_cloexec(fd, arg & FD_CLOEXEC != 0)).map(|()| 0),
        F_GETFL => Ok(files.get(fd)?.status_flags()),
        F_SETFL => {
            files.get(fd)?.set_status_flags(arg);
            Ok(0)
        }
        _ => {
            let f = files.get(fd)?;
            f.ops().fcntl(&f, cmd, arg)
        }
    }
}

/// ioctl: the requests every file answers (`FIOCLEX`, `FIONCLEX`, `FIONBIO`, `FIOASYNC`),
/// then the file's own (`ENOTTY` for a file that has none, as Linux).
pub fn ioctl(fd: u32, cmd: u32, arg: u32) -> SysResult {
    let files = proc::current().files()?;
    let f = files.get(fd)?;
    match cmd {
        FIOCLEX | FIONCLEX => files.with(|t| t.set_cloexec(fd, cmd == FIOCLEX)).map(|()| 0),
        FIONBIO | FIOASYNC => {
            let on = UserPtr::<u32>::new(arg).read()? != 0;
            let bit = if cmd == FIONBIO { O_NONBLOCK } else { O_ASYNC };
            let flags = f.status_flags();
            f.set_status_flags(if on { flags | bit } else { flags & !bit });
            Ok(0)
        }
        _ => f.ops().ioctl(&f, cmd, arg),
    }
}

/// The 64-bit offset of pread64/pwrite64 from its two halves; `EINVAL` if negative.
fn offset(lo: u32, hi: u32) -> Result<u64, Errno> {
    let off = ((hi as u64) << 32) | lo as u64;
    if off > i64::MAX as u64 {
        return Err(Errno::EINVAL);
    }
    Ok(off)
}

/// pread64: reads at `offset` without moving the file's offset.
pub fn pread64(fd: u32, buf: UserBuf, lo: u32, hi: u32) -> SysResult {
    file(fd)?.pread(buf, offset(lo, hi)?)
}

/// pwrite64: writes at `offset` without moving the file's offset.
pub fn pwrite64(fd: u32, buf: UserBuf, lo: u32, hi: u32) -> SysResult {
    file(fd)?.pwrite(buf, offset(lo, hi)?)
}

/// Most `iovec`s one call takes (`UIO_MAXIOV`).
const UIO_MAXIOV: u32 = 1024;

/// readv / writev: each `struct iovec { base, len }` in turn, stopping at the first short
/// transfer; what was transferred before an error is returned instead of the error.
pub fn readv(fd: u32, iov: UserPtr<[u32; 2]>, count: u32) -> SysResult {
    vectored(fd, iov, count, false)
}

/// writev: see [`readv`].
pub fn writev(fd: u32, iov: UserPtr<[u32; 2]>, count: u32) -> SysResult {
    vectored(fd, iov, count, true)
}

fn vectored(fd: u32, iov: UserPtr<[u32; 2]>, count: u32, write: bool) -> SysResult {
    if count > UIO_MAXIOV {
        return Err(Errno::EINVAL);
    }
    let f = file(fd)?;
    if (write && !f.writable()) || (!write && !f.readable()) {
        return Err(Errno::EBADF);
    }
    // Linux checks every vector's length before transferring anything.
    let mut total: u32 = 0;
    for i in 0..count {
        let [_, len] = iov.add(i)?.read()?;
        total = total.checked_add(len).filter(|&t| t <= i32::MAX as u32).ok_or(Errno::EINVAL)?;
    }
    let mut done: u32 = 0;
    for i in 0..count {
        let [base, len] = iov.add(i)?.read()?;
        if len == 0 {
            continue;
        }
        let buf = UserBuf::new(base, len);
        let r = if write { f.write(buf) } else { f.read(buf) };
        match r {
            Ok(n) => {
                done += n;
                if n < len {
                    break;
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}
