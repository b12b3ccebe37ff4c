//! `fork`: copying an address space into a new one, sharing frames copy-on-write.

use core::fmt;

use super::flush::SpaceFlush;
use super::pages::{account, kind, next, refreshed, user_flags, Kind, NoMemory, Pages, SOFTWARE};
use super::phys::PhysOps;
use super::stats::Account;
use super::MSpace;
use crate::addr::Page;
use crate::errno::Errno;
use crate::paging::TableAccess;
use crate::pte::{Pte, PteFlags};
use crate::vma::{VmFlags, Vma};

/// Why [`MSpace::clone_into`] failed.
#[derive(Debug, PartialEq, Eq)]
pub enum CloneError {
    /// The child is not empty; nothing was changed.
    ChildNotEmpty,
    /// Memory ran out (for a page table of the child, or a frame of a shared anonymous area):
    /// the child holds part of the parent and is consistent — sweep it and free its
    /// directory. Execute `flush` on the parent (pages already made copy-on-write) before
    /// reporting the error (`ENOMEM`).
    OutOfMemory {
        /// The parent's TLB work.
        flush: SpaceFlush,
    },
}

impl MSpace {
    /// `fork`: fills the empty `child` with a copy of this space. `parent_tables` reaches this
    /// (active) space, `child_tables` the child's directory (the external window). Returns
    /// the parent's pages to flush: every page made read-only.
    ///
    /// Per area:
    /// * `DONTCOPY`: left out of the child.
    /// * `WIPEONFORK`: the child gets the area with no pages (it reads zeroes).
    /// * private: every resident page becomes copy-on-write and read-only in **both** spaces
    ///   and its frame gains a reference, whatever the area's current permissions (so a later
    ///   `mprotect` adding `WRITE` cannot expose a shared frame); the zero frame is simply
    ///   mapped read-only in the child.
    /// * shared: frames are shared with the same permissions. Shared *anonymous* areas are
    ///   first populated in the parent (fresh zeroed frames for untouched pages): a page
    ///   faulted later in either space would otherwise be private to it. This is the only
    ///   time shared anonymous memory is allocated ahead of use.
    /// * physical: the child maps the same device frames (never counted).
    ///
    /// `LOCKED` is not inherited (like Linux). The bounds and the heap state are copied.
    pub fn clone_into(
        &mut self,
        parent_tables: &mut dyn TableAccess,
        child: &mut MSpace,
        child_tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> Result<SpaceFlush, CloneError> {
        if !child.is_empty() {
            return Err(CloneError::ChildNotEmpty);
        }
        child.lower = self.lower;
        child.upper = self.upper;
        child.heap = self.heap;
        let mut flush = SpaceFlush::new();
        match self.clone_areas(parent_tables, child, child_tables, phys, &mut flush) {
            Ok(()) => Ok(flush),
            Err(NoMemory) => Err(CloneError::OutOfMemory { flush }),
        }
    }

    /// Copies every area and its resident pages.
    fn clone_areas(
        &mut self,
        parent_tables: &mut dyn TableAccess,
        child: &mut MSpace,
        child_tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Result<(), NoMemory> {
        let mut parent = Pages::new(parent_tables, &mut self.counts, &mut self.resident);
        let mut kid = Pages::new(child_tables, &mut child.counts, &mut child.resident);
        for vma in self.tree.iter() {
            if vma.flags.contains(VmFlags::DONTCOPY) {
                continue;
            }
            let mut copy = vma.clone();
            copy.flags -= VmFlags::LOCKED;
            child.tree.insert(copy).expect("invariant: the child mirrors the parent's areas");
            if vma.flags.contains(VmFlags::WIPEONFORK) {
                continue;
            }
            if vma.flags.is_shared() && vma.backing.is_anonymous() {
                fill_shared(&mut parent, vma, phys)?;
            }
            let mut from = vma.start();
            while let Some((page, pte)) = parent.next_present(from, vma.end_page()) {
                share_page(&mut parent, &mut kid, vma, page, pte, phys, flush)?;
                from = next(page);
            }
        }
        Ok(())
    }
}

/// Gives every untouched page of the shared anonymous `vma` a zeroed frame.
fn fill_shared(parent: &mut Pages<'_>, vma: &Vma, phys: &mut dyn PhysOps) -> Result<(), NoMemory> {
    let flags = user_flags(vma.flags, false, false);
    let mut page = vma.start();
    while page < vma.end_page() {
        if !parent.read(page).is_present() {
            let frame = phys.alloc_frame().ok_or(NoMemory)?;
            phys.zero_frame(frame);
            parent.install(page, frame, flags, Account::Shared, phys).inspect_err(|_| {
                phys.dec_ref(frame);
            })?;
        }
        page = next(page);
    }
    Ok(())
}

/// Maps the parent's present `page` into the child (see [`MSpace::clone_into`] for the rules).
/// On failure nothing changed for this page.
fn share_page(
    parent: &mut Pages<'_>,
    kid: &mut Pages<'_>,
    vma: &Vma,
    page: Page,
    pte: Pte,
    phys: &mut dyn PhysOps,
    flush: &mut SpaceFlush,
) -> Result<(), NoMemory> {
    let zero = phys.zero_page();
    let frame = pte.frame().expect("invariant: a present entry");
    let kind = kind(vma, frame, zero);
    let cow = kind == Kind::Counted && !vma.flags.is_shared();
    let flags = (pte.flags() & SOFTWARE) | user_flags(vma.flags, cow, kind == Kind::Zero);
    kid.install(page, frame, flags, account(vma, kind), phys)?;
    if kind == Kind::Counted {
        phys.inc_ref(frame);
    }
    if cow {
        let marked = pte.with_flags(pte.flags() | PteFlags::COW);
        parent.set_flags(page, refreshed(marked, vma, zero), flush);
    }
    Ok(())
}

/// The errno `fork` returns (`ENOMEM`; a non-empty child is a kernel bug, `EINVAL`). By
/// reference: take the pending flush out of the error first.
impl From<&CloneError> for Errno {
    fn from(e: &CloneError) -> Self {
        match e {
            CloneError::ChildNotEmpty => Errno::EINVAL,
            CloneError::OutOfMemory { .. } => Errno::ENOMEM,
        }
    }
}

impl fmt::Display for CloneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloneError::ChildNotEmpty => f.write_str("fork: the child space is not empty"),
            CloneError::OutOfMemory { .. } => f.write_str("fork: out of memory"),
        }
    }
}
