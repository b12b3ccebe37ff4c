//! Asking about files: stat64, lstat64, fstatat64, statx, access, faccessat, faccessat2,
//! statfs64, fstatfs64; and how the `*at` calls with `AT_EMPTY_PATH` and
//! `AT_SYMLINK_NOFOLLOW` find their file.

use super::file::{file, start_at, user_path};
use super::uptr::UserPtr;
use super::SysResult;
use crate::fs::file::File;
use crate::fs::inode::{MAY_EXEC, MAY_READ, MAY_WRITE};
use crate::fs::mount::PathRef;
use crate::fs::namei::Walker;
use crate::fs::stat::Stat;
use alloc::sync::Arc;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE, AT_SYMLINK_NOFOLLOW};

/// What a `*at` call names: a place in the tree, or (`AT_EMPTY_PATH` on a descriptor
/// without one, such as the console) an open file.
pub(super) enum Target {
    /// A place in the tree.
    Path(PathRef),
    /// An open file that has no path.
    File(Arc<File>),
}

impl Target {
    /// Its attributes.
    pub(super) fn stat(&self) -> Result<Stat, Errno> {
        match self {
            Target::Path(p) => Ok(p.inode.stat()),
            Target::File(f) => f.stat(),
        }
    }
    /// The place in the tree (`EPERM` for a file without one: nothing to change).
    pub(super) fn path(&self) -> Result<&PathRef, Errno> {
        match self {
            Target::Path(p) => Ok(p),
            Target::File(_) => Err(Errno::EPERM),
        }
    }
}

/// Looks up `path` relative to `dirfd` with `AT_SYMLINK_NOFOLLOW` and `AT_EMPTY_PATH` as
/// `flags` say; `follow` is the default for the final symlink.
pub(super) fn target(dirfd: i32, path: UserPtr<u8>, flags: u32, follow: bool) -> Result<Target, Errno> {
    target_as(dirfd, path, flags, follow, crate::proc::cred::current())
}

/// [`target`] with the permission checks of `cred`.
fn target_as(dirfd: i32, path: UserPtr<u8>, flags: u32, follow: bool, cred: Arc<crate::proc::cred::Cred>) -> Result<Target, Errno> {
    let path = user_path(path)?;
    if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        if dirfd == AT_FDCWD {
            return Ok(Target::Path(crate::fs::fscontext::current()?.get().cwd));
        }
        let f = file(u32::try_from(dirfd).map_err(|_| Errno::EBADF)?)?;
        return Ok(match f.path() {
            Some(p) => Target::Path(p.clone()),
            None => Target::File(f),
        });
    }
    let start = start_at(dirfd, &path)?;
    let mut w = Walker::with(crate::fs::fscontext::current()?.get().root, cred);
    Ok(Target::Path(w.walk(&start, &path, follow && flags & AT_SYMLINK_NOFOLLOW == 0)?))
}

/// stat64 (195).
pub fn stat64(path: UserPtr<u8>, buf: UserPtr<[u32; 24]>) -> SysResult {
    target(AT_FDCWD, path, 0, true)?.stat()?.write_stat64(buf)?;
    Ok(0)
}

/// lstat64 (196).
pub fn lstat64(path: UserPtr<u8>, buf: UserPtr<[u32; 24]>) -> SysResult {
    target(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, true)?.stat()?.write_stat64(buf)?;
    Ok(0)
}

/// fstatat64 (300).
pub fn fstatat64(dirfd: i32, path: UserPtr<u8>, buf: UserPtr<[u32; 24]>, flags: u32) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL);
    }
    target(dirfd, path, flags, true)?.stat()?.write_stat64(buf)?;
    Ok(0)
}

/// `STATX_BASIC_STATS`: type, mode, nlink, uid, gid, atime, mtime, ctime, ino, size, blocks.
const STATX_BASIC_STATS: u32 = 0x7ff;
/// `STATX_MNT_ID`.
const STATX_MNT_ID: u32 = 0x1000;
/// `STATX__RESERVED`.
const STATX_RESERVED: u32 = 0x8000_0000;

/// statx (383): `struct statx` (256 bytes) with the basic fields and the mount id.
pub fn statx(dirfd: i32, path: UserPtr<u8>, flags: u32, mask: u32, buf: UserPtr<[u32; 64]>) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) != 0 || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE {
        return Err(Errno::EINVAL);
    }
    if mask & STATX_RESERVED != 0 {
        return Err(Errno::EINVAL);
    }
    let t = target(dirfd, path, flags, true)?;
    let st = t.stat()?;
    let mnt_id = match &t {
        Target::Path(p) => p.mount.id,
        Target::File(_) => 0,
    };
    let mut w = [0u32; 64];
    w[0] = STATX_BASIC_STATS | STATX_MNT_ID; // stx_mask
    w[1] = st.blksize;
    // w[2..4] stx_attributes
    w[4] = st.nlink;
    w[5] = st.uid;
    w[6] = st.gid;
    w[7] = st.mode & 0xffff; // stx_mode (u16) and padding
    w[8] = st.ino as u32;
    w[9] = (st.ino >> 32) as u32;
    w[10] = st.size as u32;
    w[11] = (st.size >> 32) as u32;
    w[12] = st.blocks as u32;
    w[13] = (st.blocks >> 32) as u32;
    // w[14..16] stx_attributes_mask
    // Timestamps at 64 (atime), 80 (btime), 96 (ctime), 112 (mtime): i64 sec, u32 nsec, pad.
    for (word, ts) in [(16, st.atime), (24, st.ctime), (28, st.mtime)] {
        w[word] = ts.sec as u32;
        w[word + 1] = (ts.sec >> 32) as u32;
        w[word + 2] = ts.nsec;
    }
    w[32] = st.rdev.0;
    w[33] = st.rdev.1;
    w[34] = st.dev.0;
    w[35] = st.dev.1;
    w[36] = mnt_id;
    buf.write(w)?;
    Ok(0)
}

/// access.
pub fn access(path: UserPtr<u8>, mode: u32) -> SysResult {
    faccessat2(AT_FDCWD, path, mode, 0)
}

/// faccessat (307).
pub fn faccessat(dirfd: i32, path: UserPtr<u8>, mode: u32) -> SysResult {
    faccessat2(dirfd, path, mode, 0)
}

/// faccessat2 (439): checks with the real ids unless `AT_EACCESS`; root may read and write
/// anything, and execute what has an execute bit.
pub fn faccessat2(dirfd: i32, path: UserPtr<u8>, mode: u32, flags: u32) -> SysResult {
    if mode & !7 != 0 || flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let cred = crate::proc::cred::current();
    let cred = if flags & AT_EACCESS != 0 {
        cred
    } else {
        let mut c = cred.prepare()?;
        c.fsuid = c.uid;
        c.fsgid = c.gid;
        crate::mm::inject::fallible(|| Arc::try_new(c)).map_err(|_| Errno::ENOMEM)?
    };
    // The lookup itself searches with the same ids (Linux's access_override_creds).
    let t = target_as(dirfd, path, flags, true, cred.clone())?;
    if mode == 0 {
        return Ok(0);
    }
    let mut mask = 0;
    if mode & 4 != 0 {
        mask |= MAY_READ;
    }
    if mode & 2 != 0 {
        mask |= MAY_WRITE;
    }
    if mode & 1 != 0 {
        mask |= MAY_EXEC;
    }
    match t {
        Target::Path(p) => p.inode.permission(&cred, mask)?,
        Target::File(f) => {
            let st = f.stat()?;
            let bits = if cred.fsuid == st.uid { st.mode >> 6 } else if cred.fsgid == st.gid { st.mode >> 3 } else { st.mode } & 7;
            if bits & mask != mask && cred.fsuid != 0 {
                return Err(Errno::EACCES);
            }
        }
    }
    Ok(0)
}

/// The i386 `struct statfs64` (84 bytes) of the file system holding `t`.
fn statfs_words(t: &Target) -> [u32; 21] {
    let mut w = [0u32; 21];
    let sb = match t {
        Target::Path(p) => p.mount.sb.clone(),
        Target::File(_) => {
            // The console: devpts-like, as Linux reports a character device's file system.
            w[0] = 0x1cd1; // DEVPTS_SUPER_MAGIC
            w[1] = 4096;
            w[14] = 255;
            w[15] = 4096;
            w[16] = 0x20;
            return w;
        }
    };
    use core::sync::atomic::Ordering::Relaxed;
    let (max_p, used_p) = (sb.max_pages.load(Relaxed), sb.used_pages.load(Relaxed));
    let (max_i, used_i) = (sb.max_inodes.load(Relaxed), sb.used_inodes.load(Relaxed));
    let put = |w: &mut [u32; 21], at: usize, v: u64| {
        w[at] = v as u32;
        w[at + 1] = (v >> 32) as u32;
    };
    w[0] = sb.magic;
    w[1] = 4096; // f_bsize
    if sb.magic == crate::fs::inode::TMPFS_MAGIC {
        if max_p != u64::MAX {
            put(&mut w, 2, max_p); // f_blocks
            put(&mut w, 4, max_p.saturating_sub(used_p)); // f_bfree
            put(&mut w, 6, max_p.saturating_sub(used_p)); // f_bavail
        }
        if max_i != u64::MAX {
            put(&mut w, 8, max_i); // f_files
            put(&mut w, 10, max_i.saturating_sub(used_i)); // f_ffree
        }
    }
    // f_fsid (12, 13) stays 0, as tmpfs and procfs report it.
    w[14] = 255; // f_namelen
    w[15] = 4096; // f_frsize
    w[16] = 0x20 | 0x400; // f_flags: ST_VALID | ST_RELATIME
    w
}

/// statfs64 (268): `size` must be 84, the i386 `struct statfs64`.
pub fn statfs64(path: UserPtr<u8>, size: u32, buf: UserPtr<[u32; 21]>) -> SysResult {
    if size != 84 {
        return Err(Errno::EINVAL);
    }
    let t = target(AT_FDCWD, path, 0, true)?;
    buf.write(statfs_words(&t))?;
    Ok(0)
}

/// fstatfs64 (269).
pub fn fstatfs64(fd: u32, size: u32, buf: UserPtr<[u32; 21]>) -> SysResult {
    if size != 84 {
        return Err(Errno::EINVAL);
    }
    let f = file(fd)?;
    let t = match f.path() {
        Some(p) => Target::Path(p.clone()),
        None => Target::File(f),
    };
    buf.write(statfs_words(&t))?;
    Ok(0)
}
