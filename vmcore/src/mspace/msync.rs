//! `msync`: Linux's checks and its walk over the areas (mm/msync.c). Writing back is the page
//! cache's business; for memory file systems (tmpfs, shmem) it is nothing (Linux's
//! `noop_fsync`), so what remains is which errors a call gets.

use super::MSpace;
use crate::addr::{VirtAddr, PAGE_SIZE};
use crate::errno::Errno;
use crate::tree::VmaTree;
use crate::vma::{Vma, VmFlags};

/// Schedule the write-back and return.
pub const MS_ASYNC: u32 = 1;
/// Invalidate other mappings of the file (nothing to do with one page cache).
pub const MS_INVALIDATE: u32 = 2;
/// Write back and wait.
pub const MS_SYNC: u32 = 4;

/// Why `msync` failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsyncError {
    /// Unknown flags, an unaligned address, or both `MS_SYNC` and `MS_ASYNC` (`EINVAL`).
    Invalid,
    /// Part of the range is not mapped (`ENOMEM`).
    Unmapped,
    /// `MS_INVALIDATE` on a locked area (`EBUSY`).
    Locked,
}

impl From<MsyncError> for Errno {
    fn from(e: MsyncError) -> Self {
        match e {
            MsyncError::Invalid => Errno::EINVAL,
            MsyncError::Unmapped => Errno::ENOMEM,
            MsyncError::Locked => Errno::EBUSY,
        }
    }
}

/// The first area ending above `addr` (Linux's `find_vma`).
fn find_vma(tree: &VmaTree, addr: u64) -> Option<&Vma> {
    let addr = VirtAddr::new(u32::try_from(addr).ok()?);
    tree.find(addr).or_else(|| tree.vma_above(addr))
}

/// `msync(start, len, flags)` over `tree`, in Linux's order: the flag and alignment checks,
/// then the areas from `start`. A hole makes the result `ENOMEM`: at once for plain `MS_SYNC`,
/// after the walk otherwise (a later locked area under `MS_INVALIDATE` still says `EBUSY`).
pub fn msync(tree: &VmaTree, start: u32, len: u32, flags: u32) -> Result<(), MsyncError> {
    if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0 || !start.is_multiple_of(PAGE_SIZE) {
        return Err(MsyncError::Invalid);
    }
    if flags & MS_ASYNC != 0 && flags & MS_SYNC != 0 {
        return Err(MsyncError::Invalid);
    }
    let end = u64::from(start) + u64::from(len).next_multiple_of(u64::from(PAGE_SIZE));
    if end > 1 << 32 {
        return Err(MsyncError::Unmapped);
    }
    let mut at = u64::from(start);
    if end == at {
        return Ok(());
    }
    let mut unmapped = false;
    loop {
        let vma = find_vma(tree, at).ok_or(MsyncError::Unmapped)?;
        let vma_start = u64::from(vma.start().start().as_u32());
        if at < vma_start {
            if flags == MS_SYNC {
                return Err(MsyncError::Unmapped);
            }
            at = vma_start;
            if at >= end {
                return Err(MsyncError::Unmapped);
            }
            unmapped = true;
        }
        if flags & MS_INVALIDATE != 0 && vma.flags.contains(VmFlags::LOCKED) {
            return Err(MsyncError::Locked);
        }
        at = vma_start + u64::from(vma.len());
        if at >= end {
            return if unmapped { Err(MsyncError::Unmapped) } else { Ok(()) };
        }
    }
}

impl MSpace {
    /// `msync` on this space (see [`msync`]).
    pub fn msync(&self, start: u32, len: u32, flags: u32) -> Result<(), MsyncError> {
        msync(&self.tree, start, len, flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::Page;
    use crate::vma::Backing;

    const RW: VmFlags = VmFlags::READ.union(VmFlags::WRITE).union(VmFlags::MAYREAD).union(VmFlags::MAYWRITE);
    const P: u32 = PAGE_SIZE;
    const A: u32 = 0x1000_0000;

    /// Areas at pages 0–1, 3 (locked) and 4 from `A`: a hole at page 2.
    fn tree() -> VmaTree {
        let mut t = VmaTree::new();
        let mut add = |page: u32, pages: u32, flags: VmFlags| {
            let start = Page::containing(VirtAddr::new(A + page * P));
            t.insert(Vma::new(start, pages, flags, Backing::Anonymous).unwrap()).unwrap();
        };
        add(0, 2, RW);
        add(3, 1, RW | VmFlags::LOCKED);
        add(4, 1, RW | VmFlags::SHARED);
        t
    }

    #[test]
    fn flags_and_alignment() {
        let t = tree();
        assert_eq!(msync(&t, A, 2 * P, MS_SYNC), Ok(()));
        assert_eq!(msync(&t, A, 1, MS_ASYNC | MS_INVALIDATE), Ok(()));
        assert_eq!(msync(&t, A, 0, 0), Ok(()));
        assert_eq!(msync(&t, A + 1, P, MS_SYNC), Err(MsyncError::Invalid));
        assert_eq!(msync(&t, A, P, 8), Err(MsyncError::Invalid));
        assert_eq!(msync(&t, A, P, MS_SYNC | MS_ASYNC), Err(MsyncError::Invalid));
        assert_eq!(msync(&t, 0xFFFF_F000, 0x2000, MS_SYNC), Err(MsyncError::Unmapped));
    }

    #[test]
    fn holes_and_locked_areas() {
        let t = tree();
        assert_eq!(msync(&t, A, 3 * P, MS_SYNC), Err(MsyncError::Unmapped));
        assert_eq!(msync(&t, A, 4 * P, MS_ASYNC), Err(MsyncError::Unmapped));
        assert_eq!(msync(&t, A + 2 * P, P, MS_ASYNC), Err(MsyncError::Unmapped), "only a hole");
        assert_eq!(msync(&t, A + 3 * P, 2 * P, MS_SYNC), Ok(()));
        assert_eq!(msync(&t, A + 3 * P, P, MS_INVALIDATE), Err(MsyncError::Locked));
        // A hole before a locked area: EBUSY wins over the pending ENOMEM, except plain MS_SYNC.
        assert_eq!(msync(&t, A, 5 * P, MS_ASYNC | MS_INVALIDATE), Err(MsyncError::Locked));
        assert_eq!(msync(&t, A, 5 * P, MS_SYNC | MS_INVALIDATE), Err(MsyncError::Locked));
        assert_eq!(msync(&t, A + 4 * P, 2 * P, MS_ASYNC), Err(MsyncError::Unmapped), "past the last area");
    }
}
