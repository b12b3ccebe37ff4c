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
        Ok(Pagemap { space, show_pfn: crate::proc::cred::current().capable() })
    }
}

/// Bytes of the whole file: one entry per page below the kernel.
const SIZE: u64 = (USER_END / PAGE_SIZE) as u64 * 8;

impl FileOps for Pagemap {
    fn read(&self, _f: &File, buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
        if *pos % 8 != 0 || buf.len() % 8 != 0 {
            return Err(Errno::EINVAL);
        }
        let want = u64::from(buf.len()).min(SIZE.saturating_sub(*pos)) as usize / 8;
        let mut done = 0usize;
        let mut entries: Vec<u64> = Vec::new();
        entries.try_reserve_exact(want.min(512)).map_err(|_| Errno::ENOMEM)?;
        while done < want {
            let n = (want - done).min(512);
            entries.clear();
            entries.resize(n, 0);
            let first = Page::from_number((*pos / 8) as u32 + done as u32);
            self.space.edit(|s, t, p| (s.pagemap(first, &mut entries, &*t, &*p, self.show_pfn), None));
            let bytes: Vec<u8> = entries.iter().flat_map(|e| e.to_le_bytes()).collect();
            buf.write_at(done as u32 * 8, &bytes)?;
            done += n;
        }
        *pos += done as u64 * 8;
        Ok(done as u32 * 8)
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
