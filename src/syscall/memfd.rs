//! memfd_create (356), as Linux 6.1's `mm/memfd.c`: an anonymous tmpfs file with a descriptor
//! (`src/fs/shmem.rs`), sealable with `MFD_ALLOW_SEALING` (`src/fs/seals.rs`).

use super::uptr::UserPtr;
use super::SysResult;
use crate::proc;
use vmcore::errno::Errno;

/// Close the descriptor on exec.
const MFD_CLOEXEC: u32 = 0x0001;
/// Start without `F_SEAL_SEAL`.
const MFD_ALLOW_SEALING: u32 = 0x0002;
/// Huge pages from hugetlbfs (not here: `EINVAL`, see below).
const MFD_HUGETLB: u32 = 0x0004;
/// Longest name: `NAME_MAX` less the `memfd:` prefix.
const MFD_NAME_MAX_LEN: usize = 255 - 6;

/// memfd_create(name, flags): a new descriptor. `EINVAL` for unknown flags, for
/// `MFD_HUGETLB` (this kernel has no huge pages to give: Linux without hugetlbfs refuses the
/// same way) and for a name over 249 bytes; `EFAULT` for a bad name.
pub fn memfd_create(name: UserPtr<u8>, flags: u32) -> SysResult {
    if flags & !(MFD_CLOEXEC | MFD_ALLOW_SEALING) != 0 || flags & MFD_HUGETLB != 0 {
        return Err(Errno::EINVAL);
    }
    let name = name.read_cstr(MFD_NAME_MAX_LEN).map_err(|e| if e == Errno::ENAMETOOLONG { Errno::EINVAL } else { e })?;
    let name = core::str::from_utf8(&name).unwrap_or("?");
    let file = crate::fs::shmem::memfd(name, flags & MFD_ALLOW_SEALING != 0)?;
    let limit = proc::limits::current_cur(proc::limits::RLIMIT_NOFILE);
    proc::current().files()?.install(file, flags & MFD_CLOEXEC != 0, limit)
}
