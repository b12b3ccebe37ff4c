//! `fork`: copying an address space into a new one, sharing frames copy-on-write.

use core::fmt;

use super::flush::SpaceFlush;
use super::pages::{account, user_flags, Kind, NoMemory, DECIDED, SOFTWARE};
use super::share::{area_ptis, unshare_slot, with_ledger};
use super::stats::Account;
use super::phys::PhysOps;
use super::stats::Resident;
use super::rmap::Area;
use super::MSpace;
use crate::addr::{Frame, Page, ENTRIES};
use crate::errno::Errno;
use crate::paging::{Filler, MapError as PteMapError, TableAccess, TableEntries};
use crate::layout::USER_PD_ENTRIES;
use crate::ptshare::{self, plan_table, TablePlan};
use crate::vma::{Backing, VmFlags, Vma};

/// Why [`MSpace::clone_into`] failed.
#[derive(Debug, PartialEq, Eq)]
pub enum CloneError {
    /// The child is not empty; nothing was changed.
    ChildNotEmpty,
    /// Memory ran out (for a page table of the child):
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
    /// * shared object (a file, or the shmem object of shared anonymous memory): the child
    ///   gets the area without entries; its faults find the object's pages, so the memory is
    ///   shared and fork costs nothing per page (nothing is populated either).
    /// * shared device memory: frames are shared with the same permissions.
    /// * physical: the child maps the same device frames (never counted).
    ///
    /// `LOCKED` and `LOCKONFAULT` are not inherited (like Linux). The bounds and the heap state
    /// are copied.
    ///
    /// Generic over the two table accesses so that the per-page entry reads and writes of the
    /// copy are direct calls (the kernel passes its window accessor for both).
    pub fn clone_into<P: TableAccess, C: TableAccess + ?Sized>(
        &mut self,
        parent_tables: &mut P,
        child: &mut MSpace,
        child_tables: &mut C,
        phys: &mut dyn PhysOps,
    ) -> Result<SpaceFlush, CloneError> {
        if !child.is_empty() {
            return Err(CloneError::ChildNotEmpty);
        }
        child.lower = self.lower;
        child.upper = self.upper;
        child.placement = self.placement;
        child.heap = self.heap;
        child.limits = self.limits;
        let mut flush = SpaceFlush::new();
        // The child's file areas join their files' reverse maps as they are copied, also when
        // a failure stops the copy: the caller then sweeps the child, which unlinks them.
        match self.clone_areas(parent_tables, child, child_tables, phys, &mut flush) {
            Ok(()) => Ok(flush),
            Err(NoMemory) => Err(CloneError::OutOfMemory { flush }),
        }
    }

    /// Copies every area, and the resident pages of the tables fork does not share; then
    /// shares the others (nothing can fail after the copy).
    fn clone_areas<P: TableAccess, C: TableAccess + ?Sized>(
        &mut self,
        parent_tables: &mut P,
        child: &mut MSpace,
        child_tables: &mut C,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) -> Result<(), NoMemory> {
        let mut shared = Slots::default();
        for pdi in self.counts.linked_tables() {
            if self.share_plan(pdi) {
                shared.set(pdi);
            }
        }
        let MSpace { tree, .. } = self;
        let mut kid = Kid {
            filler: Filler::new(&mut *child_tables, &mut child.counts),
            resident: &mut child.resident,
            refs: RefBatch::new(),
            shared: &shared,
        };
        let mut copied = Ok(());
        for vma in tree.iter() {
            if vma.flags.contains(VmFlags::DONTCOPY) {
                continue;
            }
            let mut copy = vma.clone();
            copy.flags -= VmFlags::LOCK_MASK;
            // The child's tree grows with the heap: no room is ENOMEM for the fork.
            if child.tree.reserve(1).is_err() {
                copied = Err(NoMemory);
                break;
            }
            // A file area joins its file's reverse map as it enters the child, so that the
            // child is consistent (every file area linked) wherever a failure stops the copy.
            let link = Area::of(child.pd, &copy).map(|(file, area)| (file.clone(), area));
            if let Some((file, _)) = &link {
                if phys.rmap_reserve(file, 1).is_err() {
                    copied = Err(NoMemory);
                    break;
                }
            }
            child.tree.insert(copy).expect("invariant: the child mirrors the parent's areas, room reserved");
            if let Some((file, area)) = &link {
                phys.rmap_link(file, area);
                phys.rmap_settle(file);
            }
            // A shared object area is left empty: the child's faults find the object's pages
            // (Linux's `copy_page_range` skips areas without anonymous pages too), so fork
            // costs nothing per page or table of shared memory.
            let shared_object = vma.flags.is_shared() && matches!(vma.backing, Backing::File { .. });
            if vma.flags.contains(VmFlags::WIPEONFORK) || shared_object {
                continue;
            }
            copied = copy_area(&mut *parent_tables, &mut kid, vma, phys, flush);
            if copied.is_err() {
                break;
            }
        }
        // Every page the child maps holds its reference, failure or not.
        kid.refs.flush(phys);
        drop(kid);
        copied?;
        for pdi in shared.iter() {
            self.share_slot(pdi, parent_tables, child, child_tables, phys, flush);
        }
        Ok(())
    }

    /// Links the parent's table of slot `pdi` into the child read-only (`ptshare::share_table`)
    /// and gives the child its resident counts: the table's data entries (every area over the
    /// span is private anonymous: an entry maps the zero frame or a counted frame).
    fn share_slot<P: TableAccess, C: TableAccess + ?Sized>(
        &mut self,
        pdi: usize,
        parent_tables: &mut P,
        child: &mut MSpace,
        child_tables: &mut C,
        phys: &mut dyn PhysOps,
        flush: &mut SpaceFlush,
    ) {
        let zero = phys.zero_page();
        let counts = &self.counts;
        let span = with_ledger(phys, |ledger| {
            ptshare::share_table(&mut *parent_tables, counts, &mut *child_tables, &mut child.counts, pdi, ledger)
        });
        if let Some(span) = span {
            let (first, end) = span.pages();
            flush.add_page(first);
            flush.add_page(Page::from_number(end.number() - 1));
        }
        child.resident.table_linked();
        // Without zero-frame entries in the parent every present entry is data (the usual
        // case: nothing visited); otherwise the areas' entries are counted.
        let present = u32::from(self.counts.get(pdi));
        let zeros = if self.resident.zeros == 0 {
            0
        } else {
            area_ptis(&self.tree, pdi)
                .filter(|&pti| parent_tables.read_pte(pdi, pti).frame() == Some(zero))
                .count() as u32
        };
        child.resident.add_many(Account::Private, present - zeros);
        child.resident.add_many(Account::None, zeros);
    }
}

/// A set of user directory slots.
#[derive(Default)]
struct Slots([u32; USER_PD_ENTRIES.div_ceil(32)]);

impl Slots {
    fn set(&mut self, pdi: usize) {
        self.0[pdi / 32] |= 1 << (pdi % 32);
    }
    fn contains(&self, pdi: usize) -> bool {
        self.0[pdi / 32] & (1 << (pdi % 32)) != 0
    }
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &word)| {
            let mut bits = word;
            core::iter::from_fn(move || {
                let b = bits.trailing_zeros() as usize;
                (bits != 0).then(|| {
                    bits &= bits - 1;
                    w * 32 + b
                })
            })
        })
    }
}

impl MSpace {
    /// What a sharing fork would do with the page table of user directory slot `pdi`
    /// ([`crate::ptshare::plan_table`] over the areas overlapping its 4 MiB span).
    pub fn fork_plan(&self, pdi: usize) -> TablePlan {
        let per = ENTRIES as u32;
        let first = Page::from_number(pdi as u32 * per);
        let end = Page::from_number((pdi as u32 + 1) * per);
        plan_table(self.tree.range(first, end))
    }
}

/// Frames gaining a reference, handed to [`PhysOps::inc_refs`] in batches.
struct RefBatch {
    frames: [Frame; 64],
    len: usize,
}

impl RefBatch {
    fn new() -> Self {
        RefBatch { frames: [Frame::from_number(0); 64], len: 0 }
    }

    fn push(&mut self, frame: Frame, phys: &mut dyn PhysOps) {
        self.frames[self.len % 64] = frame;
        self.len += 1;
        if self.len == self.frames.len() {
            self.flush(phys);
        }
    }

    fn flush(&mut self, phys: &mut dyn PhysOps) {
        if self.len > 0 {
            phys.inc_refs(&self.frames[..self.len]);
            self.len = 0;
        }
    }
}

/// The child's side of a clone: its tables, filled in increasing page order, its counters, and
/// the references its pages take.
struct Kid<'a, C: TableAccess + ?Sized> {
    filler: Filler<'a, C>,
    resident: &'a mut Resident,
    refs: RefBatch,
    /// The slots shared after the copy: skipped here.
    shared: &'a Slots,
}

/// Maps every present page of the parent's `vma` into the child (see [`MSpace::clone_into`] for
/// the rules), walking each of the parent's page tables once. On failure the pages copied so
/// far stay copied (with their references once the batch is flushed); nothing changed for the
/// page that failed.
fn copy_area<P: TableAccess + ?Sized, C: TableAccess + ?Sized>(
    parent_tables: &mut P,
    kid: &mut Kid<'_, C>,
    vma: &Vma,
    phys: &mut dyn PhysOps,
    flush: &mut SpaceFlush,
) -> Result<(), NoMemory> {
    // One loop per kind of area, so that the per-page work has no branch on the area.
    let device = matches!(vma.backing, Backing::Physical { .. });
    match (device, vma.flags.is_shared()) {
        (false, false) => copy_pages::<P, C, false, false>(parent_tables, kid, vma, phys, flush),
        (false, true) => copy_pages::<P, C, false, true>(parent_tables, kid, vma, phys, flush),
        (true, false) => copy_pages::<P, C, true, false>(parent_tables, kid, vma, phys, flush),
        (true, true) => copy_pages::<P, C, true, true>(parent_tables, kid, vma, phys, flush),
    }
}

/// [`copy_area`] for an area that is (`DEVICE`) or is not physical, and is (`SHARED`) or is
/// not shared.
fn copy_pages<P, C, const DEVICE: bool, const SHARED: bool>(
    parent_tables: &mut P,
    kid: &mut Kid<'_, C>,
    vma: &Vma,
    phys: &mut dyn PhysOps,
    flush: &mut SpaceFlush,
) -> Result<(), NoMemory>
where
    P: TableAccess + ?Sized,
    C: TableAccess + ?Sized,
{
    let Kid { filler, resident, refs, shared: skip } = kid;
    let zero = phys.zero_page();
    let (device, shared) = (DEVICE, SHARED);
    // The child's entry flags (besides the parent entry's software bits) for a data frame and
    // for an uncounted one (the zero frame, a device frame); the parent's for a page made
    // copy-on-write.
    let counted = user_flags(vma.flags, !shared, false);
    let uncounted = user_flags(vma.flags, false, !device);
    let parent_cow = user_flags(vma.flags, true, false);
    let uncounted_account = account(vma, if device { Kind::Device } else { Kind::Zero });
    let per_table = ENTRIES as u32;
    let (mut n, end) = (vma.start().number(), vma.end_page().number());
    while n < end {
        let pdi = (n / per_table) as usize;
        let table_end = ((n / per_table + 1) * per_table).min(end);
        if skip.contains(pdi) {
            n = table_end;
            continue;
        }
        // The parent's entries become copy-on-write below: a table it shares with an earlier
        // child (whose span now holds an area fork treats specially) is made private first.
        unshare_slot(&mut *parent_tables, pdi, 0..ENTRIES, phys, flush)?;
        if let Some(mut table) = TableEntries::open(&mut *parent_tables, pdi) {
            // Whether the child's run in this table has started; data frames mapped; whether
            // a parent entry was made copy-on-write.
            let mut started = false;
            let mut data = 0;
            let mut stale = false;
            for m in n..table_end {
                let pti = (m % per_table) as usize;
                let pte = table.read(pti);
                let Some(frame) = pte.frame() else { continue };
                let is_data = !device && frame != zero;
                let flags = (pte.flags() & SOFTWARE) | if is_data { counted } else { uncounted };
                if started {
                    filler.extend(pti, frame, flags);
                } else {
                    match filler.start(Page::from_number(m), frame, flags, &mut *phys) {
                        Ok(linked) => {
                            if linked {
                                resident.table_linked();
                            }
                            started = true;
                        }
                        Err(PteMapError::TableAllocFailed) => return Err(NoMemory),
                        Err(e) => panic!("invariant: the child's page is free: {e}"),
                    }
                }
                if !is_data {
                    resident.add(uncounted_account);
                    continue;
                }
                data += 1;
                refs.push(frame, phys);
                if !shared {
                    let cow = (pte.flags() - DECIDED) | parent_cow;
                    if let Some(f) = table.set_flags(pti, pte, cow) {
                        f.ignore(); // covered by the span below
                        stale = true;
                    }
                }
            }
            resident.add_many(account(vma, Kind::Counted), data);
            // The flush is a span: the ends of the run cover every page made copy-on-write.
            if stale {
                flush.add_page(Page::from_number(n));
                flush.add_page(Page::from_number(table_end - 1));
            }
        }
        n = table_end;
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
