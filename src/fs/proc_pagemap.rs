//! `/proc/PID/pagemap` (Linux's format, `vmcore::mspace::MSpace::pagemap`): read at any
//! multiple-of-8 offset, 8 bytes per virtual page, generated for the pages asked for (the file
//! is 6 MiB for a 3 GiB user half, so it is never built whole).

use super::file::{File, FileOps};
use super::stat::{Stat, S_IFREG};
use crate::mm::aspace::AddressSpace;
use crate::syscall::uptr::UserBuf;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::addr::{Page, PAGE_SIZE};
use vmcore::errno::Errno;
use vmcore::layout::USER_END;

/// An open pagemap: the space it shows (kept alive, as Linux keeps the `mm`), and whether the
/// opener may see frame numbers.
pub struct Pagemap {
    space: Arc<AddressSpace>,
    show_pfn: bool,
}

impl Pagemap {
    /// The pagemap of process `pid`.
    pub fn open(pid: crate::proc::task::Pid) -> Result<Pagemap, Errno> {
        let task = crate::proc::sched::with(|s| s.tasks.get(&pid).cloned()).ok_or(Errno::ENOENT)?;
        let space = task.inner.lock().aspace.clone().ok_or(Errno::ESRCH)?;
        Ok(Pagemap { space, show_pfn: crate::proc::cred::current().capable(crate::proc::cred::CAP_SYS_ADMIN) })
    }
}

/// Entries filled per call of `fill`.
pub const CHUNK: usize = 512;

/// A read of a file of 64-bit little-endian entries of `size` bytes (`pagemap`, `kpagecount`,
/// `kpageflags`) at `*pos`, as Linux's: `EINVAL` unless position and length are multiples of
/// 8, short at the end of the file. `fill(first, entries)` fills `entries` with the entries
/// from index `first` on, at most [`CHUNK`] at a time.
pub fn read_entries(buf: UserBuf, pos: &mut u64, size: u64, fill: &mut dyn FnMut(u64, &mut [u64])) -> Result<u32, Errno> {
    if *pos % 8 != 0 || buf.len() % 8 != 0 {
        return Err(Errno::EINVAL);
    }
    let want = u64::from(buf.len()).min(size.saturating_sub(*pos)) as usize / 8;
    let mut entries: Vec<u64> = Vec::new();
    let mut bytes: Vec<u8> = Vec::new();
    crate::mm::inject::fallible(|| entries.try_reserve_exact(want.min(CHUNK))).map_err(|_| Errno::ENOMEM)?;
    crate::mm::inject::fallible(|| bytes.try_reserve_exact(want.min(CHUNK) * 8)).map_err(|_| Errno::ENOMEM)?;
    let mut done = 0usize;
    while done < want {
        let n = (want - done).min(CHUNK);
        entries.clear();
        entries.resize(n, 0);
        fill(*pos / 8 + done as u64, &mut entries);
        bytes.clear();
        entries.iter().for_each(|e| bytes.extend_from_slice(&e.to_le_bytes()));
        buf.write_at(done as u32 * 8, &bytes)?;
        done += n;
    }
    *pos += done as u64 * 8;
    Ok(done as u32 * 8)
}

/// Bytes of the whole file: one entry per page below the kernel.
const SIZE: u64 = (USER_END / PAGE_SIZE) as u64 * 8;

impl FileOps for Pagemap {
    fn read(&self, _f: &File, buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
        read_entries(buf, pos, SIZE, &mut |first, entries| {
            let first = Page::from_number(first as u32);
            self.space.edit(|s, t, p| (s.pagemap(first, entries, &*t, &*p, self.show_pfn), None));
        })
    }
    fn seekable(&self) -> bool {
        true
    }
    fn size(&self) -> u64 {
        0
    }
    fn stat(&self, _f: &File) -> Result<Stat, Errno> {
        Ok(Stat { dev: (0, 4), ino: 3, mode: S_IFREG | 0o400, nlink: 1, blksize: 1024, ..Stat::default() })
    }
}
