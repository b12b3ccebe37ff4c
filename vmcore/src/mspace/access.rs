//! Reaching another space's pages from the kernel (`process_vm_readv`/`process_vm_writev`,
//! Linux's `get_user_pages_remote`): the page is faulted in *in its own space* as the access
//! would (a write breaks copy-on-write there), then its frame is pinned with a reference so
//! that the copy can happen after the space's lock is dropped.

use super::flush::SpaceFlush;
use super::madvise::MadviseError;
use super::pages::{kind, Kind};
use super::phys::PhysOps;
use super::MSpace;
use crate::addr::{Frame, Page, VirtAddr};
use crate::fault::Access;
use crate::paging::{self, TableAccess};
use crate::vma::{Backing, VmFlags};

/// A frame pinned by [`MSpace::pin_page`]: release it with [`Pinned::release`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pinned {
    /// The frame holding the page.
    pub frame: Frame,
    /// Whether a reference was taken (not for the zero frame).
    counted: bool,
}

impl Pinned {
    /// Drops the pin's reference.
    pub fn release(self, phys: &mut dyn PhysOps) {
        if self.counted {
            phys.dec_ref(self.frame);
        }
    }
}

/// Why [`MSpace::pin_page`] refused (`EFAULT`, or `ENOMEM` when memory ran out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinError {
    /// Not mapped, not permitted, device memory, or the access would raise a signal.
    Fault,
    /// Memory ran out while faulting the page in.
    OutOfMemory,
}

impl MSpace {
    /// Faults in the page holding `addr` for a read or a `write` (refused as Linux's
    /// `check_vma_flags` refuses a non-forced access: reading needs `READ`, writing `WRITE`,
    /// device areas never) and pins its frame. Returns the flush of this space's edits.
    pub fn pin_page(
        &mut self,
        addr: VirtAddr,
        write: bool,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> (SpaceFlush, Result<Pinned, PinError>) {
        let mut flush = SpaceFlush::new();
        let Some(vma) = self.tree.find(addr) else {
            return (flush, Err(PinError::Fault));
        };
        let f = vma.flags;
        let allowed = if write { f.contains(VmFlags::WRITE) } else { f.contains(VmFlags::READ) };
        if !allowed || f.intersects(VmFlags::IO | VmFlags::PFNMAP) || matches!(vma.backing, Backing::Physical { .. }) {
            return (flush, Err(PinError::Fault));
        }
        let page = Page::containing(addr);
        let access = if write { Access::Write } else { Access::Read };
        match self.populate_strict(page, access, tables, phys, &mut flush) {
            Ok(()) => {}
            Err(MadviseError::OutOfMemory) => return (flush, Err(PinError::OutOfMemory)),
            Err(_) => return (flush, Err(PinError::Fault)),
        }
        let vma = self.tree.find(addr).expect("invariant: the area is still there");
        let frame = paging::read(&*tables, page).frame().expect("invariant: populated");
        let counted = kind(vma, frame, phys.zero_page()) == Kind::Counted;
        if counted {
            phys.inc_ref(frame);
        }
        (flush, Ok(Pinned { frame, counted }))
    }
}
