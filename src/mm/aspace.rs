//! A process's address space in the kernel: a `vmcore::mspace::MSpace` with its page directory,
//! behind a read/write lock, shared through `Arc` (the last user sweeps it).
//!
//! Every operation picks the right way to reach the page tables: the recursive window of the
//! active directory when this space is loaded in CR3 (and then executes the TLB flush the
//! operation returns), or the external slot 1022 when editing a space that is not active (the
//! flush is then unnecessary: loading CR3 later drops every non-global entry).

use super::directory::{self, External};
use super::phys::KernelPhys;
use super::rmap::SpacePhys;
use crate::arch::paging::{self, WindowTables};
use crate::arch::cpu::IrqGuard;
use alloc::sync::{Arc, Weak};
use core::fmt;
use core::sync::atomic::{AtomicPtr, Ordering};
use vmcore::addr::{Frame, Page, VirtAddr};
use vmcore::errno::Errno;
use vmcore::fault::Fault;
use vmcore::mspace::{
    CloneError, FaultOutcome, MSpace, MapRequest, PopulateError, SpaceFlush,
};
use vmcore::paging::TableAccess;
use vmcore::vma::{VmFlags, Vma};

/// Pages up to which a flush is done page by page; beyond, CR3 is reloaded.
const FLUSH_PAGES_MAX: u32 = 32;

/// The addresses Linux's `mm_struct` keeps of an exec'd image (`start_code` ... `env_end`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExecLayout {
    /// First and end (exclusive) address of the program's text.
    pub code: (u32, u32),
    /// First and end address of its initialised data.
    pub data: (u32, u32),
    /// Where brk started.
    pub brk_start: u32,
    /// The initial stack pointer's page end: `start_stack` (argc's address).
    pub stack_start: u32,
    /// The argument strings `[start, end)`.
    pub args: (u32, u32),
    /// The environment strings `[start, end)`.
    pub env: (u32, u32),
}

/// One address space.
pub struct AddressSpace {
    pd: Frame,
    space: spin::RwLock<MSpace>,
    /// mlockall(MCL_FUTURE [| MCL_ONFAULT]): the lock bits later mappings get (Linux's
    /// `mm->def_flags`): empty, `LOCKED` or `LOCKED | LOCKONFAULT`.
    lock_future: core::sync::atomic::AtomicU32,
    /// `prctl(PR_SET_DUMPABLE)`: Linux keeps it with the memory (`mm->flags`), so exec's new
    /// space starts dumpable again.
    dumpable: core::sync::atomic::AtomicBool,
    /// Where exec put the program, its arguments and environment (`/proc/PID/stat`,
    /// `cmdline`, `environ`).
    layout: spin::Mutex<ExecLayout>,
    // futex slice:
    /// Identity for futex keys: from a counter, never reused (directory frames are).
    id: SpaceId,
    /// This space, weakly: what the reverse maps of the files it maps record.
    me: Weak<AddressSpace>,
}

/// An address space's identity, never reused (docs/process-model.md, "Futexes").
pub type SpaceId = u64;

/// The next [`SpaceId`].
static NEXT_SPACE_ID: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1);

impl fmt::Debug for AddressSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AddressSpace(pd {:?})", self.pd)
    }
}

/// The address space loaded in CR3, published by [`AddressSpace::activate`] for the page-fault
/// handler: null (the kernel's directory is loaded), or a space that has not been dropped.
///
/// Invariant: every load of CR3 goes through [`AddressSpace::activate`] or [`activate_kernel`],
/// which keep this pointer equal to the space loaded (null for the kernel's directory), and
/// `Drop for AddressSpace` asserts its space is not the active one. The pointer is only
/// dereferenced with interrupts off, so a non-null pointer designates a live space.
///
/// Per CPU once there are several: this becomes a field of the per-CPU area, next to the
/// current task, and nothing else changes (`activate` is always called on the CPU it affects).
static ACTIVE: AtomicPtr<AddressSpace> = AtomicPtr::new(core::ptr::null_mut());

/// Executes the TLB flush an operation on the active space returned.
pub fn flush_tlb(flush: SpaceFlush) {
    paging::flush_plan(flush.plan(FLUSH_PAGES_MAX));
}

/// Loads the kernel's own directory (no user address space active), as the idle task and an
/// exiting task run.
pub fn activate_kernel() {
    let _irq = IrqGuard::new();
    ACTIVE.store(core::ptr::null_mut(), Ordering::Relaxed);
    let pd = directory::kernel();
    if paging::active_pd() != pd {
        // SAFETY: the kernel's directory maps everything the kernel needs.
        unsafe { paging::load_cr3(pd) };
    }
}

impl AddressSpace {
    /// A new, empty address space sharing the kernel half.
    pub fn new() -> Result<Arc<Self>, Errno> {
        let pd = directory::create().ok_or(Errno::ENOMEM)?;
        // `Arc::new_cyclic` has no fallible form: room for it (the space and the two counts)
        // first. Without it the directory goes back and the caller gets ENOMEM.
        let bytes = core::mem::size_of::<AddressSpace>() + 2 * core::mem::size_of::<usize>();
        let Ok(space) = super::room::with_blocks(1, bytes, || Arc::new_cyclic(|me| AddressSpace {
            pd,
            space: spin::RwLock::new(MSpace::new(pd)),
            lock_future: core::sync::atomic::AtomicU32::new(0),
            dumpable: core::sync::atomic::AtomicBool::new(true),
            layout: spin::Mutex::new(ExecLayout::default()),
            id: NEXT_SPACE_ID.fetch_add(1, Ordering::Relaxed),
            me: me.clone(),
        })) else {
            directory::destroy(pd);
            return Err(Errno::ENOMEM);
        };
        Ok(space)
    }

    /// A weak reference to this space (for reverse maps).
    pub fn weak(&self) -> Weak<AddressSpace> {
        self.me.clone()
    }

    /// This space's identity (futex keys).
    pub fn id(&self) -> SpaceId {
        self.id
    }

    /// The lock bits mlockall(MCL_FUTURE) gives later mappings (empty when not in force).
    pub fn lock_future(&self) -> VmFlags {
        VmFlags::from_bits_truncate(self.lock_future.load(core::sync::atomic::Ordering::Relaxed))
    }

    /// Where exec put the program and its strings.
    pub fn exec_layout(&self) -> ExecLayout {
        *self.layout.lock()
    }

    /// Records where exec put the program and its strings.
    pub fn set_exec_layout(&self, layout: ExecLayout) {
        *self.layout.lock() = layout;
    }

    /// Whether a core dump may be written (`PR_GET_DUMPABLE`).
    pub fn dumpable(&self) -> bool {
        self.dumpable.load(core::sync::atomic::Ordering::Relaxed)
    }

    /// `PR_SET_DUMPABLE`.
    pub fn set_dumpable(&self, on: bool) {
        self.dumpable.store(on, core::sync::atomic::Ordering::Relaxed);
    }

    /// Sets the lock bits of mlockall(MCL_FUTURE) (empty: munlockall).
    pub fn set_lock_future(&self, bits: VmFlags) {
        let bits = bits & VmFlags::LOCK_MASK;
        self.lock_future.store(bits.bits(), core::sync::atomic::Ordering::Relaxed);
    }

    /// The page directory.
    pub fn pd(&self) -> Frame {
        self.pd
    }

    /// Whether this space is loaded in CR3.
    pub fn is_active(&self) -> bool {
        paging::active_pd() == self.pd
    }

    /// Loads this space in CR3 (unless it already is) and publishes it for the page-fault
    /// handler ([`AddressSpace::with_active`]): the one way a user address space becomes the
    /// CPU's (Asterinas's `VmSpace::activate`). The caller keeps a reference to the space for as
    /// long as it stays active (the running task's `aspace`).
    pub fn activate(self: &Arc<Self>) {
        let _irq = IrqGuard::new();
        ACTIVE.store(Arc::as_ptr(self).cast_mut(), Ordering::Relaxed);
        if !self.is_active() {
            // SAFETY: every space's directory shares the kernel half; the caller keeps the
            // space (and so its directory) alive while it is loaded.
            unsafe { paging::load_cr3(self.pd) };
        }
    }

    /// Runs `op` on the active space (`None` when the kernel's directory is loaded), with
    /// interrupts off: the page-fault handler's way to the current space, a pointer instead of
    /// the scheduler lock, the task lock and two reference-count updates.
    pub fn with_active<R>(op: impl FnOnce(&AddressSpace) -> R) -> Option<R> {
        let _irq = IrqGuard::new();
        let ptr = ACTIVE.load(Ordering::Relaxed);
        // SAFETY: by the invariant of `ACTIVE`, a non-null pointer designates the space loaded
        // in CR3, which its activator keeps alive; with interrupts off nothing else runs on
        // this CPU until `op` returns, and `op` gets a borrow it cannot keep.
        let space = unsafe { ptr.as_ref() }?;
        debug_assert!(space.is_active(), "the published space is not the one in CR3");
        Some(op(space))
    }

    /// Runs `op` on the space with its page tables; executes or drops the returned flush as
    /// the window requires.
    pub fn edit<R>(&self, op: impl FnOnce(&mut MSpace, &mut dyn TableAccess, &mut SpacePhys<'_>) -> (R, Option<SpaceFlush>)) -> R {
        let mut space = self.space.write();
        let mut phys = SpacePhys::new(self);
        if self.is_active() {
            // SAFETY: the space's write lock serialises edits of its user tables; the kernel
            // half is not touched by MSpace operations.
            let mut tables = unsafe { WindowTables::own() };
            let (r, flush) = op(&mut space, &mut tables, &mut phys);
            if let Some(f) = flush {
                flush_tlb(f);
            }
            r
        } else {
            let mut ext = External::install(self.pd);
            let mut tables = ext.tables();
            let (r, flush) = op(&mut space, &mut tables, &mut phys);
            if let Some(f) = flush {
                f.ignore();
            }
            r
        }
    }

    /// Reads the space (VMAs, stats, maps text).
    pub fn read<R>(&self, op: impl FnOnce(&MSpace) -> R) -> R {
        op(&self.space.read())
    }

    /// The counters.
    pub fn stats(&self) -> vmcore::mspace::MSpaceStats {
        self.read(MSpace::stats)
    }

    /// Maps an area; returns its first page.
    pub fn map(&self, req: MapRequest) -> Result<Page, Errno> {
        self.edit(|s, t, p| match s.map(req, t, p) {
            Ok((page, flush)) => (Ok(page), Some(flush)),
            Err(e) => (Err(Errno::from(e)), None),
        })
    }

    /// Unmaps a range (holes are fine).
    pub fn unmap(&self, start: Page, pages: u32) -> Result<(), Errno> {
        self.edit(|s, t, p| match s.unmap(start, pages, t, p) {
            Ok(flush) => (Ok(()), Some(flush)),
            Err(e) => (Err(Errno::from(e)), None),
        })
    }

    /// Changes the protection of a range.
    pub fn protect(&self, start: Page, pages: u32, prot: VmFlags) -> Result<(), Errno> {
        self.edit(|s, t, p| match s.protect(start, pages, prot, t, p) {
            Ok(flush) => (Ok(()), Some(flush)),
            Err(e) => (Err(Errno::from(e)), None),
        })
    }

    /// Faults in every page of a range (MAP_POPULATE).
    pub fn populate(&self, start: Page, pages: u32, write: bool) -> Result<(), Errno> {
        self.edit(|s, t, p| match s.populate(start, pages, write, t, p) {
            Ok(flush) => (Ok(()), Some(flush)),
            Err(e) => {
                let errno = Errno::from(&e);
                match e {
                    PopulateError::OutOfMemory { flush, .. } => (Err(errno), Some(flush)),
                    _ => (Err(errno), None),
                }
            }
        })
    }

    /// munlock.
    pub fn unlock(&self, start: Page, pages: u32) -> Result<(), Errno> {
        self.edit(|s, _, p| (s.unlock(start, pages, p).map_err(Errno::from), None))
    }

    /// Sets up the brk heap at `start`.
    pub fn init_heap(&self, start: Page) -> Result<(), Errno> {
        self.space.write().init_heap(start).map_err(Errno::from)
    }

    /// brk: moves the break; returns the break in effect afterwards (unchanged on failure,
    /// like Linux).
    pub fn set_brk(&self, new: VirtAddr) -> VirtAddr {
        self.edit(|s, t, p| {
            let flush = s.set_brk(new, t, p).ok();
            let brk = s.heap().map_or(VirtAddr::new(0), |h| h.brk);
            (brk, flush)
        })
    }

    /// Merges adjacent areas and drops empty page tables.
    pub fn scavenge(&self) -> usize {
        self.edit(|s, t, p| {
            let (merged, flush) = s.scavenge(t, p);
            (merged, Some(flush))
        })
    }

    /// Resolves a page fault on this (active) space.
    pub fn fault(&self, fault: &Fault) -> FaultOutcome {
        debug_assert!(self.is_active(), "fault on an inactive address space");
        // try_write first: the uncontended case without the spin loop.
        let mut space = self.space.try_write().unwrap_or_else(|| self.space.write());
        // SAFETY: the space is active and its write lock is held.
        let mut tables = unsafe { WindowTables::own() };
        space.handle_fault(fault, &mut tables, &mut KernelPhys)
    }

    /// fork: a copy-on-write clone of this (active) space.
    pub fn clone_space(&self) -> Result<Arc<AddressSpace>, Errno> {
        assert!(self.is_active(), "fork clones the active address space");
        let child = AddressSpace::new()?;
        child.set_dumpable(self.dumpable());
        child.set_exec_layout(self.exec_layout());
        let mut parent = self.space.write();
        let mut child_space = child.space.write();
        // SAFETY: the parent is active and write-locked.
        let mut parent_tables = unsafe { WindowTables::own() };
        let mut ext = External::install(child.pd);
        let mut child_tables = ext.tables();
        let result = parent.clone_into(&mut parent_tables, &mut child_space, &mut child_tables, &mut SpacePhys::new(&child));
        drop(ext);
        drop(child_space);
        match result {
            Ok(flush) => {
                flush_tlb(flush);
                Ok(child)
            }
            Err(e) => {
                let errno = Errno::from(&e);
                if let CloneError::OutOfMemory { flush } = e {
                    flush_tlb(flush);
                }
                // Dropping the half-built child sweeps it and frees its directory.
                drop(child);
                Err(errno)
            }
        }
    }

    /// The VMA containing `addr`, copied out.
    pub fn vma_at(&self, addr: VirtAddr) -> Option<Vma> {
        self.read(|s| s.search(addr).cloned())
    }

    /// Checks that the whole user range may be accessed (`write` or read) according to the
    /// VMAs, before kernel code copies: ring 0 would otherwise read PROT_NONE pages that are
    /// still resident.
    pub fn check_access(&self, addr: u32, len: u32, write: bool) -> Result<(), Errno> {
        if len == 0 {
            return Ok(());
        }
        let end = addr.checked_add(len).ok_or(Errno::EFAULT)?;
        let access = if write { vmcore::vma::Access::Write } else { vmcore::vma::Access::Read };
        self.read(|s| {
            let mut at = addr;
            while at < end {
                match s.search(VirtAddr::new(at)) {
                    Some(v) if v.allows(access) => at = v.end().as_u32().max(at + 1),
                    Some(_) => return Err(Errno::EFAULT),
                    // A hole: a growable stack above may still cover it; let the fault decide.
                    None => return Ok(()),
                }
            }
            Ok(())
        })
    }

    /// Writes `data` at user address `addr` of this space (active or not), faulting the pages
    /// in as a write would: used to place the start-up stack of a new program.
    pub fn poke(&self, addr: VirtAddr, data: &[u8]) -> Result<(), Errno> {
        if data.is_empty() {
            return Ok(());
        }
        let first = Page::containing(addr);
        let last = Page::containing(VirtAddr::new(addr.as_u32() + data.len() as u32 - 1));
        let pages = last.number() - first.number() + 1;
        self.populate(first, pages, true)?;
        self.edit(|_, t, _| {
            let mut done = 0usize;
            while done < data.len() {
                let at = addr.as_u32() + done as u32;
                let (phys, _) = vmcore::paging::translate(&*t, VirtAddr::new(at)).expect("invariant: populated");
                let off = (at % vmcore::addr::PAGE_SIZE) as usize;
                let n = (vmcore::addr::PAGE_SIZE as usize - off).min(data.len() - done);
                let mut map = super::tempmap::TempMap::new(Frame::containing(phys));
                map.bytes()[off..off + n].copy_from_slice(&data[done..done + n]);
                done += n;
            }
            ((), None)
        });
        Ok(())
    }

    /// Reads `out.len()` bytes at user address `addr` of this space (active or not), faulting
    /// pages in as a read would (Linux's `access_remote_vm`); stops at the first page that
    /// cannot be read and returns how many bytes were copied.
    pub fn peek(&self, addr: VirtAddr, out: &mut [u8]) -> usize {
        let mut done = 0usize;
        while done < out.len() {
            let at = addr.as_u32().wrapping_add(done as u32);
            if at < addr.as_u32() {
                break;
            }
            let off = (at % vmcore::addr::PAGE_SIZE) as usize;
            let n = (vmcore::addr::PAGE_SIZE as usize - off).min(out.len() - done);
            if self.populate(Page::containing(VirtAddr::new(at)), 1, false).is_err() {
                break;
            }
            let copied = self.edit(|_, t, _| {
                let Some((phys, _)) = vmcore::paging::translate(&*t, VirtAddr::new(at)) else { return (false, None) };
                let mut map = super::tempmap::TempMap::new(Frame::containing(phys));
                out[done..done + n].copy_from_slice(&map.bytes()[off..off + n]);
                (true, None)
            });
            if !copied {
                break;
            }
            done += n;
        }
        done
    }

    /// Writes the `/proc/PID/maps` text.
    pub fn write_maps(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let space = self.space.read();
        let mut adapter = Adapter(out);
        space.display(&mut adapter)
    }
}

struct Adapter<'a>(&'a mut dyn fmt::Write);

impl fmt::Write for Adapter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write_str(s)
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        let me: *mut AddressSpace = self;
        assert!(
            !self.is_active() && ACTIVE.load(Ordering::Relaxed) != me,
            "the last reference to the active address space dropped"
        );
        {
            let mut space = self.space.write();
            let mut ext = External::install(self.pd);
            let mut tables = ext.tables();
            space.sweep(&mut tables, &mut SpacePhys::new(self)).ignore();
        }
        directory::destroy(self.pd);
    }
}
