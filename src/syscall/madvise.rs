//! madvise (219), as Linux 6.1's `do_madvise`: the advice is checked first, then the range;
//! the work is `vmcore::mspace::MSpace::madvise` (which applies the advice to the mapped parts
//! and reports a hole as ENOMEM afterwards).

use super::memory::{check_map_count, current_space};
use super::SysResult;
use vmcore::addr::{Page, VirtAddr, PAGE_SIZE};
use vmcore::errno::Errno;
use vmcore::layout::USER_END;
use vmcore::mspace::Advice;
use vmcore::syscall_abi::flags::{MADV_HWPOISON, MADV_SOFT_OFFLINE};

/// madvise.
pub fn madvise(addr: u32, len: u32, advice: u32) -> SysResult {
    let Some(advice) = Advice::from_linux(advice) else {
        if matches!(advice, MADV_HWPOISON | MADV_SOFT_OFFLINE) && !crate::proc::cred::current().capable(crate::proc::cred::CAP_SYS_ADMIN) {
            return Err(Errno::EPERM);
        }
        return Err(Errno::EINVAL);
    };
    if addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    let aligned = len.wrapping_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
    if len != 0 && aligned == 0 {
        return Err(Errno::EINVAL);
    }
    let end = addr.checked_add(aligned).ok_or(Errno::EINVAL)?;
    if end == addr {
        return Ok(0);
    }
    let space = current_space()?;
    if advice.changes_flags() {
        // Splitting areas past the limit: Linux's ENOMEM, which madvise reports as EAGAIN.
        check_map_count(&space).map_err(|_| Errno::EAGAIN)?;
    }
    // Beyond user space nothing is mapped: the walk reports it as a hole.
    let start = Page::new(VirtAddr::new(addr.min(USER_END)));
    let pages = (end.min(USER_END) - addr.min(USER_END)) / PAGE_SIZE;
    let beyond = end > USER_END;
    let r = space.edit(|s, t, p| {
        let (flush, r) = s.madvise(start, pages, advice, t, p);
        (r, Some(flush))
    });
    r?;
    if advice == Advice::Remove {
        // The areas agreed (shared, writable, of an object that punches); the object removes
        // the pages from every space mapping them, so this space's lock is not held.
        let ranges = space.read(|s| s.object_ranges(start, pages))?;
        for r in ranges {
            r.file.punch(r.first, r.end)?;
        }
    }
    if beyond {
        return Err(Errno::ENOMEM);
    }
    if matches!(advice, Advice::DontNeed | Advice::DontNeedLocked | Advice::Remove) {
        space.scavenge();
    }
    Ok(0)
}
