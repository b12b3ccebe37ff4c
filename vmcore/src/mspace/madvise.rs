//! The `madvise` family, as Linux 6.1's `mm/madvise.c`: every advice is applied area by area
//! over the mapped parts of the range (a hole is reported as `ENOMEM` after the rest was
//! advised); an area that refuses the advice stops the walk with its error, the areas before it
//! keeping theirs.
//!
//! | advice | effect here |
//! |---|---|
//! | `NORMAL`/`RANDOM`/`SEQUENTIAL` | the hint is recorded as `SEQ_READ`/`RAND_READ` |
//! | `WILLNEED` | nothing: no swap to read back, and every file page is in memory already (the initrd's data; tmpfs holes stay holes, as Linux's shmem) |
//! | `DONTNEED` (`_LOCKED`) | resident entries dropped (a shared page stays in its object) |
//! | `FREE` | private anonymous only; pages stay (no reclaim exists) but their entries are made clean, so that a reclaimer can drop those not written since |
//! | `REMOVE` | shared areas that may be written (`MAYWRITE`) of an object that can punch holes (tmpfs, shmem, memfd; `EOPNOTSUPP` otherwise): checked here, punched by the kernel afterwards through [`MSpace::object_ranges`] |
//! | `DONTFORK`/`DOFORK`, `WIPEONFORK`/`KEEPONFORK`, `DONTDUMP`/`DODUMP`, `MERGEABLE`/`UNMERGEABLE`, `HUGEPAGE`/`NOHUGEPAGE` | the flag is recorded (`clone_into` and core dumps read it) |
//! | `COLD`/`PAGEOUT` | accepted (no swap: nothing to deactivate or page out) |
//! | `POPULATE_READ`/`POPULATE_WRITE` | pages faulted in as a read / write would; `EINVAL` where the access is not allowed, `EFAULT` where it would raise a signal |

use core::fmt;

use super::fault::Step;
use super::flush::SpaceFlush;
use super::pages::{kind, next, Kind, Pages};
use super::phys::PhysOps;
use super::range::Span;
use super::rmap::RmapEdit;
use super::MSpace;
use crate::addr::Page;
use crate::errno::Errno;
use crate::fault::Access;
use crate::paging::TableAccess;
use crate::pte::PteFlags;
use crate::tree;
use crate::vma::{Backing, VmFlags};

/// One `madvise` advice (Linux's `MADV_*` values in [`Advice::from_linux`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Advice {
    Normal,
    Random,
    Sequential,
    WillNeed,
    DontNeed,
    DontNeedLocked,
    Free,
    Remove,
    DontFork,
    DoFork,
    Mergeable,
    Unmergeable,
    HugePage,
    NoHugePage,
    DontDump,
    DoDump,
    WipeOnFork,
    KeepOnFork,
    Cold,
    PageOut,
    PopulateRead,
    PopulateWrite,
}

impl Advice {
    /// The advice of Linux's `MADV_*` value, `None` for a value this kernel refuses with
    /// `EINVAL`: unknown values, `MADV_COLLAPSE` (no huge pages: Linux refuses it for every
    /// area smaller than 4 MiB) and the memory-failure injections (the kernel answers `EPERM`
    /// first for an unprivileged caller, as Linux).
    pub const fn from_linux(v: u32) -> Option<Advice> {
        Some(match v {
            0 => Advice::Normal,
            1 => Advice::Random,
            2 => Advice::Sequential,
            3 => Advice::WillNeed,
            4 => Advice::DontNeed,
            8 => Advice::Free,
            9 => Advice::Remove,
            10 => Advice::DontFork,
            11 => Advice::DoFork,
            12 => Advice::Mergeable,
            13 => Advice::Unmergeable,
            14 => Advice::HugePage,
            15 => Advice::NoHugePage,
            16 => Advice::DontDump,
            17 => Advice::DoDump,
            18 => Advice::WipeOnFork,
            19 => Advice::KeepOnFork,
            20 => Advice::Cold,
            21 => Advice::PageOut,
            22 => Advice::PopulateRead,
            23 => Advice::PopulateWrite,
            24 => Advice::DontNeedLocked,
            _ => return None,
        })
    }

    /// Whether the advice only changes area flags (and so may split areas: the kernel checks
    /// the map count first, `EAGAIN` at the limit).
    pub const fn changes_flags(self) -> bool {
        matches!(
            self,
            Advice::Normal
                | Advice::Random
                | Advice::Sequential
                | Advice::DontFork
                | Advice::DoFork
                | Advice::Mergeable
                | Advice::Unmergeable
                | Advice::HugePage
                | Advice::NoHugePage
                | Advice::DontDump
                | Advice::DoDump
                | Advice::WipeOnFork
                | Advice::KeepOnFork
        )
    }
}

/// Why [`MSpace::madvise`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MadviseError {
    /// Part of the range is not mapped (`ENOMEM`); the mapped parts were advised.
    Unmapped,
    /// An area does not take this advice (`EINVAL`), e.g. `DONTNEED` on a locked area,
    /// `WIPEONFORK` on a shared one.
    Invalid {
        /// First page of the offending part.
        at: Page,
    },
    /// `REMOVE` on an area that is not shared or may not be written (`EACCES`).
    NotWritable {
        /// First page of the offending part.
        at: Page,
    },
    /// `REMOVE` on a file area: punching holes in files is the page cache's (`EOPNOTSUPP`).
    NotSupported {
        /// First page of the offending part.
        at: Page,
    },
    /// `POPULATE_*`: the access would raise a signal (`EFAULT`), e.g. past the end of a file.
    Fault {
        /// The page.
        at: Page,
    },
    /// `POPULATE_*`, or splitting an area for a flag advice: memory ran out (`ENOMEM`).
    OutOfMemory,
}

impl MSpace {
    /// `madvise(advice)` over `[start, start + pages)` (clipped to the space's bounds; what lies
    /// outside counts as a hole). Returns the TLB work done, whatever the outcome.
    pub fn madvise(
        &mut self,
        start: Page,
        pages: u32,
        advice: Advice,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> (SpaceFlush, Result<(), MadviseError>) {
        let mut flush = SpaceFlush::new();
        let want_end = u64::from(start.number()) + u64::from(pages);
        let end = Page::from_number(want_end.min(u64::from(self.upper.number())) as u32);
        let mut hole = want_end > u64::from(self.upper.number()) || start < self.lower;
        let first = start.max(self.lower);
        // No advice edits a table shared by fork in place (whether it edits entries or not:
        // the unshare is what can fail, so it comes first; ENOMEM, nothing changed).
        if first < end && self.unshare_span(first, end, tables, phys, &mut flush).is_err() {
            return (flush, Err(MadviseError::OutOfMemory));
        }
        // Flag advice splits and merges areas: the reverse maps follow (room reserved first;
        // Linux's split failing is ENOMEM too, with nothing changed).
        let rmap = if advice.changes_flags() && first < end {
            match RmapEdit::begin(self, first, end, None, 3, phys) {
                Ok(edit) => edit,
                Err(_) => return (flush, Err(MadviseError::OutOfMemory)),
            }
        } else {
            None
        };
        let mut r = Ok(());
        let mut at = first;
        while at < end {
            let Some(v) = self.tree.range(at, end).next() else {
                hole = true;
                break;
            };
            if v.start() > at {
                hole = true;
                at = v.start();
            }
            let part = Span { start: at, end: v.end_page().min(end) };
            if let Err(e) = self.advise_part(part, advice, tables, phys, &mut flush) {
                r = Err(e);
                break;
            }
            at = part.end;
        }
        if let Some(rmap) = rmap {
            rmap.finish(self, phys);
        }
        if r.is_ok() && hole {
            r = Err(MadviseError::Unmapped);
        }
        (flush, r)
    }

    /// Applies `advice` to `part`, which lies inside one area.
    fn advise_part(
        &mut self,
        part: Span,
        advice: Advice,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Result<(), MadviseError> {
        let vma = self.tree.find(part.start.start()).expect("invariant: part of an area");
        let f = vma.flags;
        let file = matches!(vma.backing, Backing::File { .. });
        let invalid = Err(MadviseError::Invalid { at: part.start });
        let new = match advice {
            Advice::Normal => f - VmFlags::SEQ_READ - VmFlags::RAND_READ,
            Advice::Sequential => (f - VmFlags::RAND_READ) | VmFlags::SEQ_READ,
            Advice::Random => (f - VmFlags::SEQ_READ) | VmFlags::RAND_READ,
            Advice::DontFork => f | VmFlags::DONTCOPY,
            Advice::DoFork if f.contains(VmFlags::IO) => return invalid,
            Advice::DoFork => f - VmFlags::DONTCOPY,
            Advice::WipeOnFork if file || f.is_shared() => return invalid,
            Advice::WipeOnFork => f | VmFlags::WIPEONFORK,
            Advice::KeepOnFork => f - VmFlags::WIPEONFORK,
            Advice::DontDump => f | VmFlags::DONTDUMP,
            Advice::DoDump if f.intersects(VmFlags::SPECIAL) => return invalid,
            Advice::DoDump => f - VmFlags::DONTDUMP,
            // Linux's ksm_madvise leaves shared and special areas as they are.
            Advice::Mergeable if f.is_shared() || f.intersects(VmFlags::SPECIAL) => f,
            Advice::Mergeable => f | VmFlags::MERGEABLE,
            Advice::Unmergeable => f - VmFlags::MERGEABLE,
            Advice::HugePage => (f - VmFlags::NOHUGEPAGE) | VmFlags::HUGEPAGE,
            Advice::NoHugePage => (f - VmFlags::HUGEPAGE) | VmFlags::NOHUGEPAGE,
            _ => return self.act_on_pages(part, advice, tables, phys, flush),
        };
        if new != f {
            self.tree.protect_range(part.start, part.end, |_| new).map_err(|e| match e {
                tree::ProtectError::NoMemory => MadviseError::OutOfMemory,
                e => unreachable!("invariant: one area, permissions unchanged: {e:?}"),
            })?;
        }
        Ok(())
    }

    /// The advice that works on pages rather than flags.
    fn act_on_pages(
        &mut self,
        part: Span,
        advice: Advice,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Result<(), MadviseError> {
        let vma = self.tree.find(part.start.start()).expect("invariant: part of an area");
        let f = vma.flags;
        let at = part.start;
        let locked = f.contains(VmFlags::LOCKED);
        let pfnmap = f.contains(VmFlags::PFNMAP) || matches!(vma.backing, Backing::Physical { .. });
        let anon_private = vma.backing.is_anonymous() && !f.is_shared();
        match advice {
            // Nothing to read ahead: file data is in memory (the initrd's; a tmpfs hole stays
            // a hole, as Linux's shmem), and anonymous memory has no swap to read back from.
            Advice::WillNeed => Ok(()),
            Advice::DontNeed | Advice::DontNeedLocked | Advice::Free | Advice::Cold | Advice::PageOut
                if pfnmap || (locked && advice != Advice::DontNeedLocked) =>
            {
                Err(MadviseError::Invalid { at })
            }
            Advice::Cold | Advice::PageOut => Ok(()),
            Advice::DontNeed | Advice::DontNeedLocked => {
                let mut pages = Pages::new(tables, &mut self.counts, &mut self.resident);
                pages.clear(vma, part.start, part.end, phys, flush);
                Ok(())
            }
            Advice::Free if !anon_private => Err(MadviseError::Invalid { at }),
            Advice::Free => {
                // Lazy free: exclusive pages become clean; one written again is dirty again.
                let zero = phys.zero_page();
                let mut pages = Pages::new(tables, &mut self.counts, &mut self.resident);
                let mut from = part.start;
                while let Some((page, pte)) = pages.next_present(from, part.end) {
                    let exclusive = !pte.flags().contains(PteFlags::COW)
                        && pte.frame().is_some_and(|fr| kind(vma, fr, zero) == Kind::Counted && phys.refcount(fr) == 1);
                    if exclusive && pte.flags().contains(PteFlags::DIRTY) {
                        pages.set_flags(page, pte.flags() - PteFlags::DIRTY, flush);
                    }
                    from = next(page);
                }
                Ok(())
            }
            Advice::Remove => {
                if locked {
                    return Err(MadviseError::Invalid { at });
                }
                if anon_private {
                    return Err(MadviseError::Invalid { at });
                }
                // Linux 6.1 asks for a shared area that may be written (a read-only shared
                // anonymous mapping is punched; measured on 6.1).
                if !(f.is_shared() && f.contains(VmFlags::MAYWRITE)) {
                    return Err(MadviseError::NotWritable { at });
                }
                // The punch itself is the object's (`MSpace::punch_ranges`, after this space's
                // lock is dropped): it removes the pages from every space mapping them.
                match &vma.backing {
                    Backing::File { file, .. } if file.can_punch() => Ok(()),
                    _ => Err(MadviseError::NotSupported { at }),
                }
            }
            Advice::PopulateRead | Advice::PopulateWrite => {
                let write = advice == Advice::PopulateWrite;
                let allowed = if write { f.contains(VmFlags::WRITE) } else { f.contains(VmFlags::READ) };
                if !allowed || f.intersects(VmFlags::IO | VmFlags::PFNMAP) {
                    return Err(MadviseError::Invalid { at });
                }
                let access = if write { Access::Write } else { Access::Read };
                for page in part.iter() {
                    self.populate_strict(page, access, tables, phys, flush)?;
                }
                Ok(())
            }
            _ => unreachable!("invariant: flag advice is handled by advise_part"),
        }
    }

    /// Makes `page` permit `access` through the fault path, reporting refusals.
    pub(super) fn populate_strict(
        &mut self,
        page: Page,
        access: Access,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Result<(), MadviseError> {
        match self.fault_in(page, access, tables, phys, flush) {
            Step::Done => Ok(()),
            Step::NoMemory => Err(MadviseError::OutOfMemory),
            Step::Refused(_) => Err(MadviseError::Fault { at: page }),
        }
    }
}

/// The errno `madvise` returns.
impl From<MadviseError> for Errno {
    fn from(e: MadviseError) -> Self {
        match e {
            MadviseError::Unmapped | MadviseError::OutOfMemory => Errno::ENOMEM,
            MadviseError::Invalid { .. } => Errno::EINVAL,
            MadviseError::NotWritable { .. } => Errno::EACCES,
            MadviseError::NotSupported { .. } => Errno::EOPNOTSUPP,
            MadviseError::Fault { .. } => Errno::EFAULT,
        }
    }
}

impl fmt::Display for MadviseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MadviseError::Unmapped => f.write_str("madvise: part of the range is not mapped"),
            MadviseError::Invalid { at } => write!(f, "madvise: the area at {at:?} refuses the advice"),
            MadviseError::NotWritable { at } => write!(f, "madvise: the area at {at:?} is not shared and writable"),
            MadviseError::NotSupported { at } => write!(f, "madvise: cannot punch the file at {at:?}"),
            MadviseError::Fault { at } => write!(f, "madvise: populating {at:?} would raise a signal"),
            MadviseError::OutOfMemory => f.write_str("madvise: out of memory"),
        }
    }
}
