//! mremap (163), as Linux 6.1's `mm/mremap.c`: the argument checks here, in Linux's order; the
//! work (shrink, grow in place, move the page-table entries) is `vmcore::mspace::MSpace::mremap`.

use super::memory::{check_map_count, current_space, pages_of};
use super::SysResult;
use vmcore::addr::{Page, VirtAddr, PAGE_SIZE};
use vmcore::errno::Errno;
use vmcore::layout::USER_END;
use vmcore::mspace::Remap;
use vmcore::syscall_abi::flags::{MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE};

/// mremap.
pub fn mremap(old: u32, old_len: u32, new_len: u32, flags: u32, new_addr: u32) -> SysResult {
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 {
        return Err(Errno::EINVAL);
    }
    let may_move = flags & MREMAP_MAYMOVE != 0;
    if flags & MREMAP_FIXED != 0 && !may_move {
        return Err(Errno::EINVAL);
    }
    let dont_unmap = flags & MREMAP_DONTUNMAP != 0;
    if dont_unmap && (!may_move || old_len != new_len) {
        return Err(Errno::EINVAL);
    }
    if old % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    // PAGE_ALIGN of lengths near 4 GiB wraps to 0 (new) or to a length no area has (old).
    let old_pages = old_len.div_ceil(PAGE_SIZE);
    if new_len == 0 || new_len > u32::MAX - (PAGE_SIZE - 1) {
        return Err(Errno::EINVAL);
    }
    let new_pages = pages_of(new_len)?;
    // A shrinking tail is unmapped first, as Linux's do_munmap, which refuses one that runs
    // past the end of user space (found by the fuzzer: the tail's page number overflowed).
    if old_pages > new_pages && u64::from(old) + u64::from(old_pages) * u64::from(PAGE_SIZE) > u64::from(USER_END) {
        return Err(Errno::EINVAL);
    }
    let space = current_space()?;
    if old >= USER_END || space.vma_at(VirtAddr::new(old)).is_none() {
        return Err(Errno::EFAULT);
    }
    let mut how = Remap { may_move, dont_unmap, ..Remap::default() };
    if flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 {
        // mremap_to's checks.
        if new_addr % PAGE_SIZE != 0 {
            return Err(Errno::EINVAL);
        }
        let bytes = new_pages * PAGE_SIZE;
        if bytes > USER_END || new_addr > USER_END - bytes {
            return Err(Errno::EINVAL);
        }
        let target = Page::new(VirtAddr::new(new_addr));
        if flags & MREMAP_FIXED != 0 {
            how.fixed = Some(target);
        } else if new_addr != 0 {
            how.hint = Some(target);
        }
        // A move may split the old area and the target's neighbours.
        check_map_count(&space)?;
    } else if new_pages > old_pages {
        check_map_count(&space)?;
    }
    // Linux's mlock_future_check for a locked area that grows (EAGAIN beyond the limit).
    let limit = (!crate::proc::cred::current().capable(crate::proc::cred::CAP_IPC_LOCK))
        .then(|| crate::proc::limits::current_cur(crate::proc::limits::RLIMIT_MEMLOCK) >> vmcore::addr::PAGE_SHIFT);
    let r = space.edit(|s, t, p| {
        let locked = s.locked_pages();
        let lock_ok = |pages: u32| limit.is_none_or(|l| u64::from(locked) + u64::from(pages) <= u64::from(l));
        let (flush, r) = s.mremap(Page::new(VirtAddr::new(old)), old_pages, new_pages, how, &lock_ok, t, p);
        (r, Some(flush))
    });
    let at = r.map_err(|e| Errno::from(&e))?;
    Ok(at.start().as_u32())
}
