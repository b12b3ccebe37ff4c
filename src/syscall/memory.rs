//! Memory system calls: brk, mmap/mmap2 (and the old struct form), munmap, mprotect, mremap,
//! madvise, mlock/munlock/mlockall/munlockall. Argument checks follow Linux's order and errno
//! choices; the work is done by the process's address space (`vmcore::mspace`).

use super::uptr::UserPtr;
use super::SysResult;
use crate::mm::aspace::AddressSpace;
use crate::proc;
use alloc::sync::Arc;
use vmcore::addr::{Page, VirtAddr, PAGE_SIZE};
use vmcore::errno::Errno;
use vmcore::layout::{USER_END, USER_START};
use vmcore::mspace::MapRequest;
use vmcore::syscall_abi::flags::*;
use vmcore::vma::{Backing, VmFlags};

fn current_space() -> Result<Arc<AddressSpace>, Errno> {
    proc::current_aspace().ok_or(Errno::EINVAL)
}

/// Most areas one address space may have, like Linux's `vm.max_map_count` (65,530), scaled
/// down on small machines so that one process cannot fill the kernel heap with area nodes:
/// one area per 4 frames of RAM.
pub fn max_map_count() -> usize {
    let frames = crate::mm::frames::counters().total as usize;
    (frames / 4).clamp(1024, 65_530)
}

/// ENOMEM when an operation that may add up to two areas (a split at each end) would pass the
/// limit, as Linux refuses mmap/mprotect/munmap at `max_map_count`.
fn check_map_count(space: &AddressSpace) -> Result<(), Errno> {
    if space.read(|s| s.tree().len()) + 2 > max_map_count() {
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

/// Page count of a byte length, rounded up; ENOMEM when it cannot be a user range.
fn pages_of(len: u32) -> Result<u32, Errno> {
    let pages = len.div_ceil(PAGE_SIZE);
    if pages > (USER_END - USER_START) / PAGE_SIZE {
        return Err(Errno::ENOMEM);
    }
    Ok(pages)
}

/// An aligned user range `[addr, addr + len)` (len rounded up to pages): EINVAL if unaligned
/// or outside user space.
fn user_range(addr: u32, len: u32) -> Result<(Page, u32), Errno> {
    let start = Page::try_new(VirtAddr::new(addr)).ok_or(Errno::EINVAL)?;
    let pages = len.div_ceil(PAGE_SIZE);
    let end = addr.checked_add(pages.checked_mul(PAGE_SIZE).ok_or(Errno::EINVAL)?).ok_or(Errno::EINVAL)?;
    if end > USER_END {
        return Err(Errno::EINVAL);
    }
    Ok((start, pages))
}

fn prot_flags(prot: u32) -> Result<VmFlags, Errno> {
    if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN) != 0 {
        return Err(Errno::EINVAL);
    }
    let mut f = VmFlags::empty();
    if prot & PROT_READ != 0 {
        f |= VmFlags::READ;
    }
    if prot & PROT_WRITE != 0 {
        f |= VmFlags::WRITE;
    }
    if prot & PROT_EXEC != 0 {
        f |= VmFlags::EXEC;
    }
    Ok(f)
}

/// brk: `brk(0)` returns the break; otherwise moves it and returns the break in effect
/// (unchanged when the move is impossible, as Linux does).
pub fn brk(addr: u32) -> SysResult {
    let space = current_space()?;
    if addr == 0 {
        return Ok(space.read(|s| s.heap().map_or(0, |h| h.brk.as_u32())));
    }
    Ok(space.set_brk(VirtAddr::new(addr)).as_u32())
}

/// mmap2 / mmap: returns the mapping's address.
pub fn mmap(addr: u32, len: u32, prot: u32, flags: u32, fd: i32, offset: u64) -> SysResult {
    if len == 0 {
        return Err(Errno::EINVAL);
    }
    if offset % PAGE_SIZE as u64 != 0 {
        return Err(Errno::EINVAL);
    }
    let pages = pages_of(len)?;
    let mut vm = prot_flags(prot)?;
    let shared = match flags & MAP_TYPE {
        MAP_SHARED | MAP_SHARED_VALIDATE => true,
        MAP_PRIVATE => false,
        _ => return Err(Errno::EINVAL),
    };
    let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
    if fixed && addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    vm |= VmFlags::MAYREAD | VmFlags::MAYWRITE | VmFlags::MAYEXEC;
    let backing = if flags & MAP_ANONYMOUS != 0 {
        Backing::Anonymous
    } else {
        let file = proc::current().files()?.get(fd as u32)?;
        if !file.readable() {
            return Err(Errno::EACCES);
        }
        // /dev/zero: anonymous memory, shared when the mapping is (Linux's mmap_zero).
        let object = if file.ops().maps_anonymous() { None } else { Some(file.ops().mmap_object(&file)?) };
        if shared && !file.writable() {
            // A shared mapping of a read-only file can never become writable.
            vm.remove(VmFlags::MAYWRITE);
            if prot & PROT_WRITE != 0 {
                return Err(Errno::EACCES);
            }
        }
        match object {
            Some(object) => Backing::file(object, offset),
            None => Backing::Anonymous,
        }
    };
    if shared {
        vm |= VmFlags::SHARED | VmFlags::MAYSHARE;
    }
    if flags & MAP_GROWSDOWN != 0 {
        vm |= VmFlags::GROWSDOWN;
    }
    let space = current_space()?;
    check_map_count(&space)?;
    if flags & MAP_LOCKED != 0 || space_locks_future(&space) {
        vm |= VmFlags::LOCKED;
    }
    // RLIMIT_MEMLOCK: EPERM for MAP_LOCKED at a zero limit, EAGAIN beyond it.
    if flags & MAP_LOCKED != 0 {
        super::limits::check_can_mlock()?;
    }
    if vm.contains(VmFlags::LOCKED) {
        super::limits::check_lock_future(&space, pages)?;
    }
    let mut req = MapRequest::anonymous(pages, vm).backed_by(backing);
    if fixed {
        let start = Page::new(VirtAddr::new(addr));
        let end = addr.checked_add(pages * PAGE_SIZE).ok_or(Errno::ENOMEM)?;
        if addr < USER_START || end > USER_END {
            return Err(Errno::ENOMEM);
        }
        if flags & MAP_FIXED == 0 && space.read(|s| s.tree().range(start, Page::containing(VirtAddr::new(end))).next().is_some()) {
            return Err(Errno::EEXIST);
        }
        req = req.fixed(start);
    } else if addr != 0 {
        req = req.hint(Page::containing(VirtAddr::new(addr)));
    }
    let start = space.map(req)?;
    if flags & MAP_POPULATE != 0 && flags & MAP_LOCKED == 0 {
        // Best effort, like Linux: failing to populate does not fail the mapping.
        let _ = space.populate(start, pages, prot & PROT_WRITE != 0 && !shared);
    }
    Ok(start.start().as_u32())
}

/// The old `mmap` (nr 90): one pointer to six words.
pub fn old_mmap(args: UserPtr<[u32; 6]>) -> SysResult {
    let a = args.read()?;
    mmap(a[0], a[1], a[2], a[3], a[4] as i32, a[5] as u64)
}

/// munmap.
pub fn munmap(addr: u32, len: u32) -> SysResult {
    if len == 0 {
        return Err(Errno::EINVAL);
    }
    let (start, pages) = user_range(addr, len)?;
    let space = current_space()?;
    // Only a hole punched inside one area adds one; at the limit that alone is refused, so a
    // process can always give memory back.
    let end = start.start().as_u32() + pages * PAGE_SIZE;
    let inside = |a: u32| space.vma_at(VirtAddr::new(a)).is_some_and(|v| v.start_addr().as_u32() < a);
    if inside(start.start().as_u32()) && end < USER_END && inside(end) {
        check_map_count(&space)?;
    }
    space.unmap(start, pages)?;
    Ok(0)
}

/// mprotect.
pub fn mprotect(addr: u32, len: u32, prot: u32) -> SysResult {
    if addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    let vm = prot_flags(prot)?;
    if len == 0 {
        return Ok(0);
    }
    let (start, pages) = user_range(addr, len).map_err(|_| Errno::ENOMEM)?;
    let space = current_space()?;
    check_map_count(&space)?;
    space.protect(start, pages, vm)?;
    Ok(0)
}

/// mlock (RLIMIT_MEMLOCK checked first: EPERM at a zero limit even for an empty range).
pub fn mlock(addr: u32, len: u32) -> SysResult {
    super::limits::check_can_mlock()?;
    if len == 0 {
        return Ok(0);
    }
    let first = addr & !(PAGE_SIZE - 1);
    let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
    let (start, pages) = user_range(first, end - first).map_err(|_| Errno::ENOMEM)?;
    let space = current_space()?;
    super::limits::check_mlock(&space, start, pages)?;
    space.lock(start, pages)?;
    Ok(0)
}

/// munlock.
pub fn munlock(addr: u32, len: u32) -> SysResult {
    if len == 0 {
        return Ok(0);
    }
    let first = addr & !(PAGE_SIZE - 1);
    let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
    let (start, pages) = user_range(first, end - first).map_err(|_| Errno::ENOMEM)?;
    current_space()?.unlock(start, pages)?;
    Ok(0)
}

fn space_locks_future(space: &AddressSpace) -> bool {
    space.lock_future()
}

fn all_areas(space: &AddressSpace) -> alloc::vec::Vec<(Page, u32, VmFlags)> {
    space.read(|s| s.tree().iter().map(|v| (v.start(), v.pages(), v.flags)).collect())
}

/// mlockall: MCL_CURRENT locks every accessible area now, MCL_FUTURE every later mapping.
pub fn mlockall(flags: u32) -> SysResult {
    if flags == 0 || flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || flags == MCL_ONFAULT {
        return Err(Errno::EINVAL);
    }
    let space = current_space()?;
    super::limits::check_mlockall(&space, flags & MCL_CURRENT != 0)?;
    if flags & MCL_CURRENT != 0 {
        for (start, pages, vm) in all_areas(&space) {
            if vm.intersects(VmFlags::READ | VmFlags::WRITE | VmFlags::EXEC) {
                space.lock(start, pages)?;
            }
        }
    }
    space.set_lock_future(flags & MCL_FUTURE != 0);
    Ok(0)
}

/// munlockall.
pub fn munlockall() -> SysResult {
    let space = current_space()?;
    for (start, pages, _) in all_areas(&space) {
        space.unlock(start, pages)?;
    }
    space.set_lock_future(false);
    Ok(0)
}

/// madvise: MADV_DONTNEED drops pages (private anonymous ones read back as zero); the
/// hints NORMAL, RANDOM, SEQUENTIAL, WILLNEED are accepted and ignored.
pub fn madvise(addr: u32, len: u32, advice: u32) -> SysResult {
    if addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    let (start, pages) = user_range(addr, len).map_err(|_| Errno::ENOMEM)?;
    let space = current_space()?;
    match advice {
        MADV_DONTNEED => space.dontneed(start, pages)?,
        MADV_NORMAL..=MADV_WILLNEED => {
            // The range must be mapped (ENOMEM for a hole, as Linux).
            let mut at = start.start().as_u32();
            let end = at + pages * PAGE_SIZE;
            while at < end {
                let v = space.vma_at(VirtAddr::new(at)).ok_or(Errno::ENOMEM)?;
                at = v.end().as_u32();
            }
        }
        _ => return Err(Errno::EINVAL),
    }
    Ok(0)
}

/// mremap: shrink in place, grow in place when the pages after are free, otherwise (with
/// MREMAP_MAYMOVE) move: a new private area gets a copy of the contents and the old one is
/// unmapped. MREMAP_FIXED moves to `new_addr`, replacing what is there.
pub fn mremap(old: u32, old_len: u32, new_len: u32, flags: u32, new_addr: u32) -> SysResult {
    if old % PAGE_SIZE != 0 || new_len == 0 || flags & !(MREMAP_MAYMOVE | MREMAP_FIXED) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & MREMAP_FIXED != 0 && (flags & MREMAP_MAYMOVE == 0 || new_addr % PAGE_SIZE != 0) {
        return Err(Errno::EINVAL);
    }
    let (old_start, old_pages) = user_range(old, old_len.max(1)).map_err(|_| Errno::EFAULT)?;
    let new_pages = pages_of(new_len)?;
    let space = current_space()?;
    check_map_count(&space)?;
    let vma = space.vma_at(old_start.start()).ok_or(Errno::EFAULT)?;
    if old_start.number() + old_pages > vma.end_page().number() {
        return Err(Errno::EFAULT);
    }
    if new_pages > old_pages && vma.flags.contains(VmFlags::LOCKED) {
        super::limits::check_lock_future(&space, new_pages - old_pages)?; // EAGAIN, as Linux
    }
    if flags & MREMAP_FIXED == 0 {
        if new_pages <= old_pages {
            if new_pages < old_pages {
                space.unmap(Page::from_number(old_start.number() + new_pages), old_pages - new_pages)?;
            }
            return Ok(old);
        }
        // Grow in place if the pages after the area are free and the area ends there.
        let tail = Page::from_number(old_start.number() + old_pages);
        let extra = new_pages - old_pages;
        let tail_end = tail.number().checked_add(extra).filter(|&e| e <= USER_END / PAGE_SIZE);
        if let Some(tail_end) = tail_end {
            let free = vma.end_page() == tail
                && space.read(|s| s.tree().range(tail, Page::from_number(tail_end)).next().is_none());
            if free {
                let backing = match &vma.backing {
                    Backing::Anonymous => Some(Backing::Anonymous),
                    Backing::File { file, offset, limit } => Some(Backing::File {
                        file: file.clone(),
                        offset: offset + (tail.number() - vma.start().number()) as u64 * PAGE_SIZE as u64,
                        limit: limit.saturating_sub((tail.number() - vma.start().number()) as u64 * PAGE_SIZE as u64),
                    }),
                    Backing::Physical { .. } => None,
                };
                if let Some(backing) = backing {
                    let req = MapRequest::anonymous(extra, vma.flags).backed_by(backing).fixed(tail).named(vma.name.clone());
                    space.map(req)?;
                    space.scavenge();
                    return Ok(old);
                }
            }
        }
        if flags & MREMAP_MAYMOVE == 0 {
            return Err(Errno::ENOMEM);
        }
    }
    if vma.flags.contains(VmFlags::SHARED) || !matches!(vma.backing, Backing::Anonymous | Backing::File { .. }) {
        return Err(Errno::EINVAL);
    }
    // Move: map the new area (same flags and backing), copy, unmap the old.
    let backing = match &vma.backing {
        Backing::File { file, offset, limit } => {
            let delta = (old_start.number() - vma.start().number()) as u64 * PAGE_SIZE as u64;
            Backing::File { file: file.clone(), offset: offset + delta, limit: limit.saturating_sub(delta) }
        }
        _ => Backing::Anonymous,
    };
    let mut req = MapRequest::anonymous(new_pages, vma.flags - VmFlags::LOCKED).backed_by(backing).replacing(old_pages);
    if flags & MREMAP_FIXED != 0 {
        let target = Page::new(VirtAddr::new(new_addr));
        // The target must lie in user space (EINVAL, as Linux); its end is computed checked:
        // new_addr + new_len may pass 2^32.
        let new_end = new_addr.checked_add(new_pages * PAGE_SIZE).filter(|&e| e <= USER_END).ok_or(Errno::EINVAL)?;
        let overlap = new_addr < old + old_pages * PAGE_SIZE && old < new_end;
        if overlap {
            return Err(Errno::EINVAL);
        }
        req = req.fixed(target);
    }
    let new_start = space.map(req)?;
    let copy_pages = old_pages.min(new_pages);
    let mut buf = alloc::vec![0u8; PAGE_SIZE as usize];
    let prot = vma.flags & (VmFlags::READ | VmFlags::WRITE | VmFlags::EXEC);
    let opened = !prot.contains(VmFlags::READ | VmFlags::WRITE);
    // A move that does not happen leaves the old range as it was: no new area, and the old
    // range's own protection back (it was opened for reading to copy it).
    let undo = |space: &AddressSpace| {
        let _ = space.unmap(new_start, new_pages);
        if opened {
            let _ = space.protect(old_start, copy_pages, prot);
        }
    };
    if opened {
        // Contents are moved through the kernel's copy routines, which honour permissions:
        // open both areas for the copy, restore afterwards.
        let open = space.protect(old_start, copy_pages, VmFlags::READ).and_then(|()| space.protect(new_start, copy_pages, VmFlags::READ | VmFlags::WRITE));
        if let Err(e) = open {
            undo(&space);
            return Err(e);
        }
    }
    for i in 0..copy_pages {
        let from = old_start.start().as_u32() + i * PAGE_SIZE;
        let to = new_start.start().as_u32() + i * PAGE_SIZE;
        if crate::arch::usercopy::copy_from_user(&mut buf, from).is_err() || crate::arch::usercopy::copy_to_user(to, &buf).is_err() {
            // E.g. a page of a file mapping beyond the end of the file (Linux, which moves page
            // tables instead of copying, would succeed).
            undo(&space);
            return Err(Errno::ENOMEM);
        }
    }
    if opened {
        space.protect(new_start, new_pages, prot)?;
    }
    space.unmap(old_start, old_pages)?;
    Ok(new_start.start().as_u32())
}
