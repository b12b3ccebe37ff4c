//! Changing attributes: chmod, fchmod, fchmodat, chown and its 16-bit and `*at` variants,
//! truncate, ftruncate (and their 64-bit forms), utimensat (and utime, utimes), and the
//! flushes (fsync, fdatasync, sync, syncfs), which tmpfs has nothing to write for.

use super::file::file;
use super::stat::{target, Target};
use super::uptr::UserPtr;
use super::SysResult;
use crate::fs::create::S_ISGID;
use crate::fs::inode::{Inode, MAY_WRITE};
use crate::fs::stat::{Timespec, S_IFMT, S_IFREG};
use crate::proc::cred::{self, Cred};
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_LARGEFILE, UTIME_NOW, UTIME_OMIT};

const S_ISUID: u32 = 0o4000;

fn fd_target(fd: u32) -> Result<Target, Errno> {
    let f = file(fd)?;
    Ok(match f.path() {
        Some(p) => Target::Path(p.clone()),
        None => Target::File(f),
    })
}

fn in_group(cred: &Cred, gid: u32) -> bool {
    cred.fsgid == gid || cred.groups.contains(&gid)
}

/// Linux's `chmod_common`: owner or root (`EPERM`); a non-member's set-group-id bit is
/// dropped.
fn chmod_inode(inode: &Inode, mode: u32) -> Result<(), Errno> {
    let cred = cred::current();
    if !inode.owner_or_root(&cred) {
        return Err(Errno::EPERM);
    }
    let mut m = inode.meta.lock();
    let mut mode = mode & 0o7777;
    if cred.fsuid != 0 && !in_group(&cred, m.gid) {
        mode &= !S_ISGID;
    }
    m.mode = (m.mode & S_IFMT) | mode;
    m.ctime = crate::fs::inode::now();
    Ok(())
}

/// chmod.
pub fn chmod(path: UserPtr<u8>, mode: u32) -> SysResult {
    fchmodat(AT_FDCWD, path, mode)
}

/// fchmod (94).
pub fn fchmod(fd: u32, mode: u32) -> SysResult {
    chmod_inode(&fd_target(fd)?.path()?.inode, mode)?;
    Ok(0)
}

/// fchmodat (306).
pub fn fchmodat(dirfd: i32, path: UserPtr<u8>, mode: u32) -> SysResult {
    chmod_inode(&target(dirfd, path, 0, true)?.path()?.inode, mode)?;
    Ok(0)
}

/// Linux's `chown_ok`/`chgrp_ok` and `notify_change`: only root gives a file away or to a
/// group it is not in; the owner may change the group to one of its own. A non-directory
/// loses set-user-id, and set-group-id when group-executable.
fn chown_inode(inode: &Inode, uid: u32, gid: u32) -> Result<(), Errno> {
    let cred = cred::current();
    let mut m = inode.meta.lock();
    let root = cred.fsuid == 0;
    if uid != u32::MAX && uid != m.uid && !root {
        return Err(Errno::EPERM);
    }
    if gid != u32::MAX && gid != m.gid && !root && !(cred.fsuid == m.uid && in_group(&cred, gid)) {
        return Err(Errno::EPERM);
    }
    if uid != u32::MAX || gid != u32::MAX {
        if m.mode & S_IFMT != crate::fs::stat::S_IFDIR {
            m.mode &= !S_ISUID;
            if m.mode & (S_ISGID | 0o010) == S_ISGID | 0o010 {
                m.mode &= !S_ISGID;
            }
        }
        if uid != u32::MAX {
            m.uid = uid;
        }
        if gid != u32::MAX {
            m.gid = gid;
        }
    }
    m.ctime = crate::fs::inode::now();
    Ok(())
}

/// The 16-bit calls' "unchanged" (0xffff) as the 32-bit one.
fn widen(id: u32) -> u32 {
    if id & 0xffff == 0xffff { u32::MAX } else { id & 0xffff }
}

/// chown (182, 16-bit ids) and chown32 (212): follows symlinks.
pub fn chown(path: UserPtr<u8>, uid: u32, gid: u32, wide: bool) -> SysResult {
    let (uid, gid) = if wide { (uid, gid) } else { (widen(uid), widen(gid)) };
    chown_inode(&target(AT_FDCWD, path, 0, true)?.path()?.inode, uid, gid)?;
    Ok(0)
}

/// lchown (16, 16-bit ids) and lchown32 (198): the symlink itself.
pub fn lchown(path: UserPtr<u8>, uid: u32, gid: u32, wide: bool) -> SysResult {
    let (uid, gid) = if wide { (uid, gid) } else { (widen(uid), widen(gid)) };
    chown_inode(&target(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, true)?.path()?.inode, uid, gid)?;
    Ok(0)
}

/// fchown (95, 16-bit ids) and fchown32 (207).
pub fn fchown(fd: u32, uid: u32, gid: u32, wide: bool) -> SysResult {
    let (uid, gid) = if wide { (uid, gid) } else { (widen(uid), widen(gid)) };
    chown_inode(&fd_target(fd)?.path()?.inode, uid, gid)?;
    Ok(0)
}

/// fchownat (298).
pub fn fchownat(dirfd: i32, path: UserPtr<u8>, uid: u32, gid: u32, flags: u32) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    chown_inode(&target(dirfd, path, flags, true)?.path()?.inode, uid, gid)?;
    Ok(0)
}

/// Sets a regular file's size: `EISDIR` for a directory, `EINVAL` for other types.
fn truncate_inode(inode: &Inode, len: u64) -> Result<(), Errno> {
    if inode.is_dir() {
        return Err(Errno::EISDIR);
    }
    if inode.file_type() != S_IFREG || inode.object().is_none() {
        return Err(Errno::EINVAL);
    }
    crate::fs::tmpfs::truncate(inode, len)
}

/// truncate (92) and truncate64 (193): needs write permission.
pub fn truncate(path: UserPtr<u8>, len: i64) -> SysResult {
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let t = target(AT_FDCWD, path, 0, true)?;
    let inode = &t.path()?.inode;
    if inode.is_dir() {
        return Err(Errno::EISDIR);
    }
    inode.permission(&cred::current(), MAY_WRITE)?;
    truncate_inode(inode, len as u64)?;
    Ok(0)
}

/// ftruncate (93) and ftruncate64 (194): `EINVAL` unless open for writing; the 32-bit call
/// refuses sizes past 2 GiB - 1 on a file not opened `O_LARGEFILE`.
pub fn ftruncate(fd: u32, len: i64, wide: bool) -> SysResult {
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let f = file(fd)?;
    let Some(p) = f.path() else { return Err(Errno::EINVAL) };
    if !f.writable() || p.inode.file_type() != S_IFREG {
        return Err(Errno::EINVAL);
    }
    if !wide && f.status_flags() & O_LARGEFILE == 0 && len > i32::MAX as i64 {
        return Err(Errno::EINVAL);
    }
    truncate_inode(&p.inode, len as u64)?;
    Ok(0)
}

/// One of `utimensat`'s times.
#[derive(Clone, Copy)]
enum TimeSpec {
    Now,
    Omit,
    At(Timespec),
}

fn decode(sec: i64, nsec: u32) -> Result<TimeSpec, Errno> {
    match nsec {
        UTIME_NOW => Ok(TimeSpec::Now),
        UTIME_OMIT => Ok(TimeSpec::Omit),
        n if n < 1_000_000_000 => Ok(TimeSpec::At(Timespec { sec, nsec: n })),
        _ => Err(Errno::EINVAL),
    }
}

/// Linux's `utimes_common`: setting to now needs ownership or write permission, explicit
/// times need ownership (`EPERM`); ctime becomes now unless both are omitted.
fn set_times(inode: &Inode, times: Option<[TimeSpec; 2]>) -> Result<(), Errno> {
    let cred = cred::current();
    let times = times.unwrap_or([TimeSpec::Now, TimeSpec::Now]);
    if matches!(times, [TimeSpec::Omit, TimeSpec::Omit]) {
        return Ok(());
    }
    let explicit = times.iter().any(|t| matches!(t, TimeSpec::At(_)));
    if !inode.owner_or_root(&cred) {
        if explicit {
            return Err(Errno::EPERM);
        }
        inode.permission(&cred, MAY_WRITE)?;
    }
    let now = crate::fs::inode::now();
    let mut m = inode.meta.lock();
    for (i, t) in times.iter().enumerate() {
        let v = match t {
            TimeSpec::Now => now,
            TimeSpec::Omit => continue,
            TimeSpec::At(ts) => *ts,
        };
        if i == 0 { m.atime = v } else { m.mtime = v }
    }
    m.ctime = now;
    Ok(())
}

/// utimensat (320, 32-bit `timespec`s) and utimensat_time64 (412). A NULL path names
/// `dirfd` itself (Linux's quirk); `AT_SYMLINK_NOFOLLOW` changes a symlink.
pub fn utimensat(dirfd: i32, path: UserPtr<u8>, times: u32, flags: u32, time64: bool) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let spec = if times == 0 {
        None
    } else if time64 {
        let w = UserPtr::<[u32; 8]>::new(times).read()?;
        let sec = |lo: u32, hi: u32| (hi as u64) << 32 | lo as u64;
        Some([decode(sec(w[0], w[1]) as i64, w[2])?, decode(sec(w[4], w[5]) as i64, w[6])?])
    } else {
        let w = UserPtr::<[u32; 4]>::new(times).read()?;
        Some([decode(w[0] as i32 as i64, w[1])?, decode(w[2] as i32 as i64, w[3])?])
    };
    let t = if path.is_null() {
        if flags & AT_SYMLINK_NOFOLLOW != 0 {
            return Err(Errno::EINVAL);
        }
        if dirfd == AT_FDCWD {
            return Err(Errno::EFAULT);
        }
        fd_target(u32::try_from(dirfd).map_err(|_| Errno::EBADF)?)?
    } else {
        target(dirfd, path, flags, true)?
    };
    set_times(&t.path()?.inode, spec)?;
    Ok(0)
}

/// utime (30): `struct utimbuf` (access, modification seconds) or NULL for now.
pub fn utime(path: UserPtr<u8>, times: u32) -> SysResult {
    let spec = if times == 0 {
        None
    } else {
        let w = UserPtr::<[u32; 2]>::new(times).read()?;
        Some([TimeSpec::At(Timespec { sec: w[0] as i32 as i64, nsec: 0 }), TimeSpec::At(Timespec { sec: w[1] as i32 as i64, nsec: 0 })])
    };
    set_times(&target(AT_FDCWD, path, 0, true)?.path()?.inode, spec)?;
    Ok(0)
}

/// utimes (271): two `struct timeval`s or NULL for now.
pub fn utimes(path: UserPtr<u8>, times: u32) -> SysResult {
    let spec = if times == 0 {
        None
    } else {
        let w = UserPtr::<[u32; 4]>::new(times).read()?;
        let one = |s: u32, us: u32| -> Result<TimeSpec, Errno> {
            if us >= 1_000_000 {
                return Err(Errno::EINVAL);
            }
            Ok(TimeSpec::At(Timespec { sec: s as i32 as i64, nsec: us * 1000 }))
        };
        Some([one(w[0], w[1])?, one(w[2], w[3])?])
    };
    set_times(&target(AT_FDCWD, path, 0, true)?.path()?.inode, spec)?;
    Ok(0)
}

/// fsync (118) and fdatasync (148): nothing to write back on tmpfs (Linux's `noop_fsync`);
/// `EINVAL` for files without a file system behind them (the console).
pub fn fsync(fd: u32) -> SysResult {
    let f = file(fd)?;
    f.path().map(|_| 0).ok_or(Errno::EINVAL)
}

/// sync (36).
pub fn sync() -> SysResult {
    Ok(0)
}

/// syncfs (344).
pub fn syncfs(fd: u32) -> SysResult {
    file(fd)?;
    Ok(0)
}
