//! Page directories: creating one that shares the kernel half, editing one that is not active
//! through the external slot 1022, and the kernel's own directory.

use super::frames;
use super::tempmap::TempMap;
use crate::arch::paging::{self, WindowTables};
use crate::sync::IrqMutex;
use core::sync::atomic::{AtomicU32, Ordering};
use vmcore::addr::Frame;
use vmcore::layout::{EXT_SLOT, KERNEL_PD_FIRST, KERNEL_PD_LAST_SHARED, SELF_SLOT};
use vmcore::paging::TableAccess;
use vmcore::pte::{Pte, PteFlags};

/// Creates a page directory with an empty user half, the shared kernel tables and its own
/// recursive slot. `None` when out of frames.
pub fn create() -> Option<Frame> {
    let pd = frames::alloc()?;
    // SAFETY: reading our own directory's kernel entries through slot 1023; they never change
    // after boot.
    let own = unsafe { WindowTables::own() };
    let mut m = TempMap::new(pd);
    let words = m.words();
    words.fill(0);
    for (pdi, word) in words.iter_mut().enumerate().take(KERNEL_PD_LAST_SHARED + 1).skip(KERNEL_PD_FIRST) {
        *word = own.read_pde(pdi).to_raw();
    }
    words[SELF_SLOT] = Pte::new(pd, PteFlags::PRESENT | PteFlags::WRITABLE).to_raw();
    Some(pd)
}

/// Frees a directory whose user half is already empty. It must not be active.
pub fn destroy(pd: Frame) {
    assert_ne!(pd, paging::active_pd(), "destroying the active page directory");
    frames::free(pd);
}

static EXTERNAL: IrqMutex<()> = IrqMutex::new(());

/// A directory installed in slot 1022 of the active one, for editing while it is not active.
/// Removed (and the window flushed) on drop. One at a time, with interrupts off meanwhile.
pub struct External {
    _lock: crate::sync::IrqMutexGuard<'static, ()>,
}

impl External {
    /// Installs `pd` in the external slot.
    pub fn install(pd: Frame) -> Self {
        let lock = EXTERNAL.lock();
        assert_ne!(pd, paging::active_pd(), "the active directory is edited through slot 1023");
        // SAFETY: the external-slot lock is held; slot 1022 is ours until the guard drops.
        let mut own = unsafe { WindowTables::own() };
        own.write_pde(EXT_SLOT, Pte::new(pd, PteFlags::PRESENT | PteFlags::WRITABLE));
        // Every page of the 0xFF800000 window may hold a translation of a previous directory.
        paging::flush_all();
        External { _lock: lock }
    }

    /// Access to the installed directory's tables.
    pub fn tables(&mut self) -> WindowTables {
        // SAFETY: the directory is installed in slot 1022 and the external lock is held for as
        // long as `self` lives (the returned accessor must not outlive it; callers use it
        // locally).
        unsafe { WindowTables::external() }
    }
}

impl Drop for External {
    fn drop(&mut self) {
        // SAFETY: still holding the external-slot lock.
        let mut own = unsafe { WindowTables::own() };
        own.write_pde(EXT_SLOT, Pte::EMPTY);
        paging::flush_all();
    }
}

/// The kernel's own directory, built at boot: what the CPU runs on when no user address space
/// is active (the idle task, a task that is exiting).
static KERNEL_PD: AtomicU32 = AtomicU32::new(0);

/// Records the kernel's directory (once, at boot).
pub fn set_kernel(pd: Frame) {
    KERNEL_PD.store(pd.number(), Ordering::Relaxed);
}

/// The kernel's directory.
pub fn kernel() -> Frame {
    Frame::from_number(KERNEL_PD.load(Ordering::Relaxed))
}
