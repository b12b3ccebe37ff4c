//! Memory system calls: brk, mmap/mmap2 (and the old struct form), munmap, mprotect,
//! mlock/mlock2/munlock/mlockall/munlockall (mremap, madvise, mincore and process_vm_* have
//! their own files). Argument checks follow Linux's order and errno choices; the work is done
//! by the process's address space (`vmcore::mspace`).

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

pub(super) fn current_space() -> Result<Arc<AddressSpace>, Errno> {
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
pub(super) fn check_map_count(space: &AddressSpace) -> Result<(), Errno> {
    if space.read(|s| s.tree().len()) + 2 > max_map_count() {
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

/// Page count of a byte length, rounded up; ENOMEM when it cannot be a user range.
pub(super) fn pages_of(len: u32) -> Result<u32, Errno> {
    let pages = len.div_ceil(PAGE_SIZE);
    if pages > (USER_END - USER_START) / PAGE_SIZE {
        return Err(Errno::ENOMEM);
    }
    Ok(pages)
}

/// An aligned user range `[addr, addr + len)` (len rounded up to pages): EINVAL if unaligned
/// or outside user space.
pub(super) fn user_range(addr: u32, len: u32) -> Result<(Page, u32), Errno> {
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
        anonymous_backing(shared, pages)?
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
        if shared {
            if let Some(at) = file.ops().path() {
                check_seals(&at.inode, prot, &mut vm)?;
            }
        }
        match object {
            Some(object) => Backing::file(object, offset),
            None => anonymous_backing(shared, pages)?,
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
    if flags & MAP_LOCKED != 0 {
        vm |= VmFlags::LOCKED;
    }
    // mlockall(MCL_FUTURE [| MCL_ONFAULT]): Linux's mm->def_flags.
    vm |= space.lock_future();
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

/// Anonymous memory: private areas are plain anonymous memory, shared ones a new shmem object
/// of the mapping's length (Linux's `shmem_zero_setup`), so that every process inheriting the
/// mapping finds the same pages.
fn anonymous_backing(shared: bool, pages: u32) -> Result<Backing, Errno> {
    if !shared {
        return Ok(Backing::Anonymous);
    }
    let object = crate::fs::shmem::anonymous_object(u64::from(pages) * u64::from(PAGE_SIZE))?;
    Ok(Backing::file(object, 0))
}

/// A shared mapping of a sealed file: `F_SEAL_WRITE` and `F_SEAL_FUTURE_WRITE` refuse a
/// writable one (`EPERM`); a read-only one is allowed (measured on Linux 6.1) and can never
/// become writable (Linux's `seal_check_future_write` clears `VM_MAYWRITE`).
fn check_seals(inode: &crate::fs::inode::Inode, prot: u32, vm: &mut VmFlags) -> Result<(), Errno> {
    use crate::fs::seals::{F_SEAL_FUTURE_WRITE, F_SEAL_WRITE};
    if inode.meta.lock().seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) != 0 {
        if prot & PROT_WRITE != 0 {
            return Err(Errno::EPERM);
        }
        vm.remove(VmFlags::MAYWRITE);
    }
    Ok(())
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

/// mprotect, as Linux's `do_mprotect_pkey`: `PROT_GROWSDOWN` extends the change down to the
/// start of the area containing the range's first byte, which must grow down (EINVAL
/// otherwise); `PROT_GROWSUP` is always EINVAL on x86 (no area grows up); `PROT_SEM` is
/// accepted and means nothing.
pub fn mprotect(addr: u32, len: u32, prot: u32) -> SysResult {
    let grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
    let prot = prot & !grows;
    if grows == PROT_GROWSDOWN | PROT_GROWSUP {
        return Err(Errno::EINVAL);
    }
    if addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    let aligned = len.checked_add(PAGE_SIZE - 1).map(|l| l & !(PAGE_SIZE - 1)).ok_or(Errno::ENOMEM)?;
    let end = addr.checked_add(aligned).ok_or(Errno::ENOMEM)?;
    if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM) != 0 {
        return Err(Errno::EINVAL);
    }
    let vm = prot_flags(prot & !PROT_SEM)?;
    let space = current_space()?;
    let mut start = addr;
    if grows != 0 {
        // find_vma: the first area ending above `addr`.
        let vma = space.read(|s| s.tree().range(Page::containing(VirtAddr::new(addr.min(USER_END - 1))), Page::containing(VirtAddr::new(USER_END - 1))).next().cloned());
        let vma = vma.filter(|_| addr < USER_END).ok_or(Errno::ENOMEM)?;
        if grows == PROT_GROWSDOWN {
            if vma.start_addr().as_u32() >= end {
                return Err(Errno::ENOMEM);
            }
            start = vma.start_addr().as_u32();
            if !vma.flags.contains(VmFlags::GROWSDOWN) {
                return Err(Errno::EINVAL);
            }
        } else {
            if vma.start_addr().as_u32() > start {
                return Err(Errno::ENOMEM);
            }
            return Err(Errno::EINVAL); // no area has VM_GROWSUP on x86
        }
    }
    let (first, pages) = user_range(start, end - start).map_err(|_| Errno::ENOMEM)?;
    check_map_count(&space)?;
    space.protect(first, pages, vm)?;
    Ok(0)
}

/// mlock (RLIMIT_MEMLOCK checked first: EPERM at a zero limit even for an empty range).
pub fn mlock(addr: u32, len: u32) -> SysResult {
    do_mlock(addr, len, false)
}

/// mlock2 (376): `MLOCK_ONFAULT` locks the pages as they fault in instead of populating.
pub fn mlock2(addr: u32, len: u32, flags: u32) -> SysResult {
    if flags & !MLOCK_ONFAULT != 0 {
        return Err(Errno::EINVAL);
    }
    do_mlock(addr, len, flags & MLOCK_ONFAULT != 0)
}

/// Linux's `do_mlock`.
fn do_mlock(addr: u32, len: u32, on_fault: bool) -> SysResult {
    super::limits::check_can_mlock()?;
    if len == 0 {
        return Ok(0);
    }
    let first = addr & !(PAGE_SIZE - 1);
    let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
    let (start, pages) = user_range(first, end - first).map_err(|_| Errno::ENOMEM)?;
    let space = current_space()?;
    super::limits::check_mlock(&space, start, pages)?;
    space.edit(|s, t, p| match s.lock_with(start, pages, on_fault, t, p) {
        Ok(flush) => (Ok(0), Some(flush)),
        Err(e) => {
            let errno = Errno::from(&e);
            match e {
                vmcore::mspace::LockError::OutOfMemory { flush } => (Err(errno), Some(flush)),
                _ => (Err(errno), None),
            }
        }
    })
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

/// mlockall: MCL_CURRENT locks every area now (populating unless MCL_ONFAULT), MCL_FUTURE
/// every later mapping (lazily with MCL_ONFAULT).
pub fn mlockall(flags: u32) -> SysResult {
    if flags == 0 || flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || flags == MCL_ONFAULT {
        return Err(Errno::EINVAL);
    }
    let space = current_space()?;
    super::limits::check_mlockall(&space, flags & MCL_CURRENT != 0)?;
    let bits = if flags & MCL_ONFAULT != 0 { VmFlags::LOCK_MASK } else { VmFlags::LOCKED };
    space.set_lock_future(if flags & MCL_FUTURE != 0 { bits } else { VmFlags::empty() });
    if flags & MCL_CURRENT != 0 {
        space.edit(|s, t, p| ((), Some(s.lock_all(bits, t, p))));
    }
    Ok(0)
}

/// munlockall.
pub fn munlockall() -> SysResult {
    let space = current_space()?;
    space.set_lock_future(VmFlags::empty());
    space.edit(|s, t, p| ((), Some(s.lock_all(VmFlags::empty(), t, p))));
    Ok(0)
}
