//! mincore (218), as Linux 6.1's `mm/mincore.c`: one byte per page, bit 0 set when the page
//! is resident (`vmcore::mspace::MSpace::mincore` decides), the vector written one area at a
//! time (at most a page of bytes per step); a hole stops the walk with ENOMEM after the part
//! before it was written.

use super::memory::current_space;
use super::uptr::UserBuf;
use super::SysResult;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::addr::{Page, VirtAddr, PAGE_SHIFT, PAGE_SIZE};
use vmcore::errno::Errno;
use vmcore::layout::USER_END;
use vmcore::vma::FileObject;

/// mincore.
pub fn mincore(addr: u32, len: u32, vec: u32) -> SysResult {
    if addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    // access_ok(start, len): the range must lie below the kernel.
    if addr.checked_add(len).is_none_or(|e| e > USER_END) {
        return Err(Errno::ENOMEM);
    }
    let mut pages = len.div_ceil(PAGE_SIZE);
    if vec.checked_add(pages).is_none_or(|e| e > USER_END) {
        return Err(Errno::EFAULT);
    }
    let space = current_space()?;
    let mut buf: Vec<u8> = Vec::new();
    buf.try_reserve_exact(PAGE_SIZE as usize).map_err(|_| Errno::ENOMEM)?;
    buf.resize(PAGE_SIZE as usize, 0);
    let (mut at, mut out) = (addr, vec);
    while pages > 0 {
        let want = pages.min(PAGE_SIZE) as usize;
        // A file page not mapped here is resident when its object holds it (Linux 6.1).
        let cached = |f: &Arc<dyn FileObject>, offset: u64| u32::try_from(offset >> PAGE_SHIFT).is_ok_and(|i| f.is_resident(i));
        let done = space.edit(|s, t, _| (s.mincore(Page::new(VirtAddr::new(at)), &mut buf[..want], &*t, &cached), None));
        let done = done.ok_or(Errno::ENOMEM)?;
        let user = UserBuf::new(out, done as u32);
        user.check(true)?;
        user.write_at(0, &buf[..done])?;
        pages -= done as u32;
        at += done as u32 * PAGE_SIZE;
        out += done as u32;
    }
    Ok(0)
}
