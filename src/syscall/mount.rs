//! mount (21) and umount2 (52), umount (22): `proc`, `tmpfs` and `devtmpfs` on a directory,
//! root only.

use super::file::user_path;
use super::uptr::UserPtr;
use super::SysResult;
use crate::fs::mount;
use crate::fs::namei::Walker;
use vmcore::errno::Errno;

/// Mount flags accepted and ignored (no per-mount options are modelled but these).
const MS_IGNORED: u32 = 0x1 | 0x2 | 0x4 | 0x8 | 0x400 | 0x800 | 0x8000 | 0x20_0000 | 0x100_0000 | 0xC0ED_0000;
/// `MS_MGC_MSK`: the old magic in the high half.
const MS_MGC_MSK: u32 = 0xffff_0000;

fn capable() -> Result<(), Errno> {
    if !crate::proc::cred::current().capable(crate::proc::cred::CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// mount: a new instance of `fstype` with the options `data` on the directory `target`.
/// `ENODEV` for unknown types, `EINVAL` for remounts, bind and move mounts.
pub fn mount(source: UserPtr<u8>, target: UserPtr<u8>, fstype: UserPtr<u8>, flags: u32, data: UserPtr<u8>) -> SysResult {
    capable()?;
    let flags = if flags & MS_MGC_MSK == 0xC0ED_0000 { flags & !MS_MGC_MSK } else { flags };
    if flags & !MS_IGNORED != 0 {
        return Err(Errno::EINVAL);
    }
    let path = user_path(target)?;
    let fstype = user_path(fstype)?;
    let options = if data.is_null() { alloc::vec::Vec::new() } else { data.read_cstr(4095)? };
    let cwd = crate::fs::fscontext::current()?.get().cwd;
    let mut w = Walker::new()?;
    let at = w.walk(&cwd, &path, true)?;
    if !at.inode.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let source = if source.is_null() { alloc::vec::Vec::new() } else { source.read_cstr(4095)? };
    let label = mount::MountLabel::new(if source.is_empty() { b"none" } else { &source }, &fstype)?;
    let (sb, root) = crate::fs::fstypes::instance(&fstype, &options)?;
    mount::add(sb, root, Some(at), label)?;
    Ok(0)
}

/// umount2: `MNT_DETACH` unmounts a busy mount; `EINVAL` for a non-mount-root, `EBUSY` in
/// use.
pub fn umount2(target: UserPtr<u8>, flags: u32) -> SysResult {
    const MNT_FORCE: u32 = 1;
    const MNT_DETACH: u32 = 2;
    const MNT_EXPIRE: u32 = 4;
    const UMOUNT_NOFOLLOW: u32 = 8;
    if flags & !(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    capable()?;
    let path = user_path(target)?;
    let cwd = crate::fs::fscontext::current()?.get().cwd;
    let mut w = Walker::new()?;
    let at = w.walk(&cwd, &path, flags & UMOUNT_NOFOLLOW == 0)?;
    drop(w);
    drop(cwd);
    mount::remove(at, flags & MNT_DETACH != 0)?;
    Ok(0)
}
