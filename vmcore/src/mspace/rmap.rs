//! Keeping the objects' reverse maps ([`crate::rmap`]) in step with the areas: every operation
//! that changes file areas (`map`, `unmap`, `protect`, `lock`, `unlock`, `scavenge`, `fork`,
//! `sweep`, `mremap`, `madvise`, `mlockall`) reports each area that appeared or went through
//! [`RmapOps`], which the kernel implements over its objects' `MapperSet`s.
//!
//! An operation edits a window of the tree (its range, widened by a page on each side so that
//! merged neighbours are seen). [`RmapEdit::begin`] records the file areas there and reserves,
//! fallibly and before anything changes, room for three more links in each file (a split at
//! each end, plus the new mapping); [`RmapEdit::finish`] compares the window afterwards and
//! unlinks what went, then links what came. Invariant (host-tested on the simulated MMU):
//! after every operation, each file area of each space is linked exactly once.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{MSpace, PhysOps};
use crate::addr::{Frame, Page, PAGE_SHIFT};
use crate::rmap::NoMemory;
use crate::tree::VmaTree;
use crate::vma::{Backing, FileObject, Vma};

/// One file area as the reverse map records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Area {
    /// The space's page directory (identifies the space while it lives).
    pub pd: Frame,
    /// First page.
    pub start: Page,
    /// Pages.
    pub pages: u32,
    /// File page at `start`.
    pub pgoff: u64,
    /// A shared mapping.
    pub shared: bool,
}

impl Area {
    /// The area `vma` of the space with directory `pd`, if it maps a file.
    pub fn of(pd: Frame, vma: &Vma) -> Option<(&Arc<dyn FileObject>, Area)> {
        let Backing::File { file, offset, .. } = &vma.backing else { return None };
        let area = Area { pd, start: vma.start(), pages: vma.pages(), pgoff: offset >> PAGE_SHIFT, shared: vma.flags.is_shared() };
        Some((file, area))
    }
}

/// Reverse-map maintenance the kernel implements beside [`PhysOps`](super::PhysOps) (a
/// supertrait of it, so every operation reaches it through the same argument). The defaults
/// do nothing: for files without a reverse map.
pub trait RmapOps {
    /// Room for `more` links in `file`'s set, so that `rmap_link` cannot fail.
    fn rmap_reserve(&mut self, _file: &Arc<dyn FileObject>, _more: usize) -> Result<(), NoMemory> {
        Ok(())
    }
    /// `area` now maps `file`.
    fn rmap_link(&mut self, _file: &Arc<dyn FileObject>, _area: &Area) {}
    /// `area` no longer maps `file`.
    fn rmap_unlink(&mut self, _file: &Arc<dyn FileObject>, _area: &Area) {}
    /// An edit of `file`'s set is over: give back what the reservation did not use.
    fn rmap_settle(&mut self, _file: &Arc<dyn FileObject>) {}
}

/// The same file object.
fn same(a: &Arc<dyn FileObject>, b: &Arc<dyn FileObject>) -> bool {
    core::ptr::eq(Arc::as_ptr(a) as *const (), Arc::as_ptr(b) as *const ())
}

type Entry = (Arc<dyn FileObject>, Area);

/// The file areas of `tree` overlapping `[lo, hi)`.
fn file_areas(tree: &VmaTree, pd: Frame, lo: Page, hi: Page) -> impl Iterator<Item = Entry> + '_ {
    tree.range(lo, hi).filter_map(move |v| Area::of(pd, v).map(|(f, a)| (f.clone(), a)))
}

/// An edit of a window of the tree in progress (see the module documentation).
pub(super) struct RmapEdit {
    before: Vec<Entry>,
    after: Vec<Entry>,
    /// The windows (widened), `count` of them in use.
    windows: [(Page, Page); MAX_WINDOWS],
    count: usize,
}

/// Windows one edit may cover.
const MAX_WINDOWS: usize = 2;

impl RmapEdit {
    /// Records the file areas around `[start, end)` and reserves room for `extra` more links
    /// in each of their files and in `new_file`. `None` when there is nothing to track.
    pub fn begin(
        space: &MSpace,
        start: Page,
        end: Page,
        new_file: Option<&Arc<dyn FileObject>>,
        extra: usize,
        rmap: &mut dyn RmapOps,
    ) -> Result<Option<RmapEdit>, NoMemory> {
        Self::begin_windows(space, &[(start, end)], new_file, extra, rmap)
    }

    /// [`RmapEdit::begin`] for an edit of several places at once (`mremap`: the old area and
    /// the destination), each window widened by a page on each side.
    pub fn begin_windows(
        space: &MSpace,
        windows: &[(Page, Page)],
        new_file: Option<&Arc<dyn FileObject>>,
        extra: usize,
        rmap: &mut dyn RmapOps,
    ) -> Result<Option<RmapEdit>, NoMemory> {
        let mut wins = [(Page::from_number(0), Page::from_number(0)); MAX_WINDOWS];
        assert!(windows.len() <= MAX_WINDOWS, "invariant: at most {MAX_WINDOWS} windows");
        for (w, &(start, end)) in wins.iter_mut().zip(windows) {
            *w = (Page::from_number(start.number().saturating_sub(1)), end.checked_add(1).unwrap_or(end));
        }
        // The common case, an edit among anonymous areas only: nothing to record or reserve.
        let is_file = |v: &Vma| matches!(v.backing, Backing::File { .. });
        if new_file.is_none() && !wins[..windows.len()].iter().any(|&(lo, hi)| space.tree.range(lo, hi).any(is_file)) {
            return Ok(None);
        }
        let mut edit = RmapEdit { before: Vec::new(), after: Vec::new(), windows: wins, count: windows.len() };
        let count = edit.areas(space).count();
        if count == 0 && new_file.is_none() {
            return Ok(None);
        }
        edit.after.try_reserve_exact(count + extra * windows.len()).map_err(|_| NoMemory)?;
        let mut before = Vec::new();
        before.try_reserve_exact(count).map_err(|_| NoMemory)?;
        before.extend(edit.areas(space));
        edit.before = before;
        let files = edit.before.iter().map(|(f, _)| f).chain(new_file);
        let mut reserved: Vec<&Arc<dyn FileObject>> = Vec::new();
        reserved.try_reserve_exact(count + 1).map_err(|_| NoMemory)?;
        for file in files {
            if reserved.iter().any(|r| same(r, file)) {
                continue;
            }
            if let Err(e) = rmap.rmap_reserve(file, extra * windows.len()) {
                for r in reserved.iter().chain(core::iter::once(&file)) {
                    rmap.rmap_settle(r);
                }
                return Err(e);
            }
            reserved.push(file);
        }
        Ok(Some(edit))
    }

    /// The file areas of the windows, each once (an area reaching into two windows is
    /// counted in the first).
    fn areas<'a>(&'a self, space: &'a MSpace) -> impl Iterator<Item = Entry> + 'a {
        let wins = &self.windows[..self.count];
        wins.iter().enumerate().flat_map(move |(i, &(lo, hi))| {
            file_areas(&space.tree, space.pd, lo, hi).filter(move |(_, a)| {
                let end = Page::from_number(a.start.number() + a.pages);
                !wins[..i].iter().any(|&(l, h)| a.start < h && l < end)
            })
        })
    }

    /// Unlinks the areas of the window that went, links those that came.
    pub fn finish(mut self, space: &MSpace, rmap: &mut dyn RmapOps) {
        let mut after = core::mem::take(&mut self.after);
        after.extend(self.areas(space));
        self.after = after;
        let has = |list: &[Entry], (f, a): &Entry| list.iter().any(|(g, b)| same(f, g) && a == b);
        for e in &self.before {
            if !has(&self.after, e) {
                rmap.rmap_unlink(&e.0, &e.1);
            }
        }
        for e in &self.after {
            if !has(&self.before, e) {
                rmap.rmap_link(&e.0, &e.1);
            }
        }
        for (i, (f, _)) in self.before.iter().chain(&self.after).enumerate() {
            let seen = self.before.iter().chain(&self.after).take(i).any(|(g, _)| same(f, g));
            if !seen {
                rmap.rmap_settle(f);
            }
        }
    }
}

/// Runs `op` (an edit of `[start, end)`), keeping the reverse maps in step; `Err` (nothing
/// changed) if the reservation failed. Also reserves room in the area tree for the edit's
/// splits and one new area, so that `op` cannot run out of heap halfway.
pub(super) fn tracked<R>(
    space: &mut MSpace,
    start: Page,
    end: Page,
    phys: &mut dyn PhysOps,
    op: impl FnOnce(&mut MSpace, &mut dyn PhysOps) -> R,
) -> Result<R, NoMemory> {
    space.tree.reserve(3).map_err(|_| NoMemory)?;
    let edit = RmapEdit::begin(space, start, end, None, 3, phys)?;
    let r = op(space, phys);
    if let Some(edit) = edit {
        edit.finish(space, phys);
    }
    Ok(r)
}
