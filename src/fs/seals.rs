//! File seals (Linux's `mm/memfd.c`): `fcntl(F_ADD_SEALS / F_GET_SEALS)` on a tmpfs file, and
//! the checks the sealed operations make. Every tmpfs file carries `F_SEAL_SEAL` (nothing can
//! be added) except a memfd created with `MFD_ALLOW_SEALING`.
//!
//! | seal | refuses (`EPERM`) |
//! |---|---|
//! | `F_SEAL_SHRINK` | truncating to a smaller size |
//! | `F_SEAL_GROW` | truncating to a larger size, writing past the end (a write crossing it is short) |
//! | `F_SEAL_WRITE` | `write`, a new shared writable mapping (a read-only one may never become writable); adding it while a shared mapping exists is `EBUSY` |
//! | `F_SEAL_FUTURE_WRITE` | `write`, a new shared writable mapping (existing ones keep writing) |
//! | `F_SEAL_SEAL` | adding seals |

use super::file::File;
use super::inode::Inode;
use vmcore::errno::Errno;

/// `fcntl` commands.
pub const F_ADD_SEALS: u32 = 1033;
/// `fcntl` commands.
pub const F_GET_SEALS: u32 = 1034;
/// No more seals may be added.
pub const F_SEAL_SEAL: u32 = 0x0001;
/// The size may not shrink.
pub const F_SEAL_SHRINK: u32 = 0x0002;
/// The size may not grow.
pub const F_SEAL_GROW: u32 = 0x0004;
/// The contents may not change.
pub const F_SEAL_WRITE: u32 = 0x0008;
/// The contents may not change through new writers.
pub const F_SEAL_FUTURE_WRITE: u32 = 0x0010;
const ALL: u32 = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;

/// `F_GET_SEALS` / `F_ADD_SEALS` on the open tmpfs file `f` of `inode`.
pub fn fcntl(f: &File, inode: &Inode, cmd: u32, arg: u32) -> Result<u32, Errno> {
    match cmd {
        F_GET_SEALS => Ok(inode.meta.lock().seals),
        F_ADD_SEALS => {
            if arg & !ALL != 0 {
                return Err(Errno::EINVAL);
            }
            if !f.writable() {
                return Err(Errno::EPERM);
            }
            let _w = inode.rw.lock();
            let mut meta = inode.meta.lock();
            if meta.seals & F_SEAL_SEAL != 0 {
                return Err(Errno::EPERM);
            }
            if arg & F_SEAL_WRITE != 0 && meta.seals & F_SEAL_WRITE == 0 {
                let obj = inode.object().ok_or(Errno::EINVAL)?;
                if obj.rmap().lock().iter().any(|m| m.shared) {
                    return Err(Errno::EBUSY);
                }
            }
            meta.seals |= arg;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// How many of `len` bytes at `pos` a write may store (the size is `size`): all of them, or
/// under `F_SEAL_GROW` the page-sized chunks that end within the size (Linux checks each page
/// it writes, so a write crossing the end is short); `EPERM` when nothing may be written.
pub fn check_write(inode: &Inode, pos: u64, len: u64, size: u64) -> Result<u64, Errno> {
    let seals = inode.meta.lock().seals;
    if seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) != 0 {
        return Err(Errno::EPERM);
    }
    if seals & F_SEAL_GROW == 0 || pos.saturating_add(len) <= size {
        return Ok(len);
    }
    let mut allowed = 0;
    while allowed < len {
        let at = pos + allowed;
        let chunk = (len - allowed).min(4096 - at % 4096);
        if at + chunk > size {
            break;
        }
        allowed += chunk;
    }
    if allowed == 0 {
        return Err(Errno::EPERM);
    }
    Ok(allowed)
}

/// Whether the size may change from `old` to `new`.
pub fn check_resize(inode: &Inode, old: u64, new: u64) -> Result<(), Errno> {
    let seals = inode.meta.lock().seals;
    if (new < old && seals & F_SEAL_SHRINK != 0) || (new > old && seals & F_SEAL_GROW != 0) {
        return Err(Errno::EPERM);
    }
    Ok(())
}
