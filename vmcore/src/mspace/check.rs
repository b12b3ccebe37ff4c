//! A debug walk recomputing everything the space keeps incrementally.

use alloc::collections::BTreeMap;
use core::fmt;

use super::pages::{account, kind, user_flags, Kind};
use super::phys::PhysOps;
use super::stats::{MSpaceStats, Resident};
use super::MSpace;
use crate::addr::{Frame, Page, VirtAddr, ENTRIES};
use crate::layout::KERNEL_PD_FIRST;
use crate::paging::TableAccess;
use crate::pte::{Pte, PteFlags};

/// What [`MSpace::check_consistency`] found wrong (the first problem).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inconsistency {
    /// The recorded number of zero-frame entries differs from the tables.
    ZeroEntries {
        /// What the counters say.
        recorded: u32,
        /// Entries found.
        found: u32,
    },
    /// A user directory entry maps a 4 MiB page.
    HugeEntry {
        /// Directory index.
        pdi: usize,
    },
    /// A table's recorded present-entry count differs from the table.
    TableCount {
        /// Directory index.
        pdi: usize,
        /// What `TableCounts` says.
        recorded: u16,
        /// Present entries found.
        found: u16,
    },
    /// A present entry outside every area.
    OutsideArea {
        /// The page.
        page: Page,
        /// Its entry.
        pte: Pte,
    },
    /// An entry whose flags or frame break the rules of its area.
    BadEntry {
        /// The page.
        page: Page,
        /// Its entry.
        pte: Pte,
        /// The rule broken.
        rule: &'static str,
    },
    /// A data frame mapped more often (in this space alone) than it has references.
    Refcount {
        /// The frame.
        frame: Frame,
        /// Its reference count.
        refcount: u32,
        /// Mappings of it found in this space.
        mappings: u32,
    },
    /// The counters differ from the recomputation.
    Stats {
        /// What the space keeps.
        recorded: MSpaceStats,
        /// What the page tables say.
        found: MSpaceStats,
    },
}

impl MSpace {
    /// Walks the whole user half and checks it against the areas, the counts, the counters
    /// and the frame database: every present entry lies in an area and has the flags of the
    /// [entry table](super#entry-flags) (`COW` only on private data frames, `WRITABLE` never on
    /// a COW page or the zero frame, never `GLOBAL`); a physical area maps its own device
    /// frames; every data frame's reference count covers its mappings here; the table counts
    /// and [`MSpace::stats`] match. Returns the recomputed counters. O(pages mapped + tables
    /// × 1024); meant for self-tests and debug builds.
    pub fn check_consistency(
        &self,
        tables: &dyn TableAccess,
        phys: &dyn PhysOps,
    ) -> Result<MSpaceStats, Inconsistency> {
        let zero = phys.zero_page();
        let mut found = Resident::default();
        let mut mappings: BTreeMap<Frame, u32> = BTreeMap::new();
        for pdi in 0..KERNEL_PD_FIRST {
            let pde = tables.read_pde(pdi);
            if !pde.is_present() {
                check_count(pdi, self.counts.get(pdi), 0)?;
                continue;
            }
            if pde.flags().contains(PteFlags::HUGE) {
                return Err(Inconsistency::HugeEntry { pdi });
            }
            found.tables += 1;
            let mut present = 0;
            for pti in 0..ENTRIES {
                let pte = tables.read_pte(pdi, pti);
                if !pte.is_present() {
                    continue;
                }
                present += 1;
                let page = Page::new(VirtAddr::from_indices(pdi, pti, 0));
                let counted = self.check_entry(page, pte, zero, &mut found)?;
                if let Some(frame) = counted {
                    *mappings.entry(frame).or_default() += 1;
                }
            }
            check_count(pdi, self.counts.get(pdi), present)?;
        }
        for (&frame, &n) in &mappings {
            let refcount = phys.refcount(frame);
            if refcount < n {
                return Err(Inconsistency::Refcount { frame, refcount, mappings: n });
            }
        }
        if found.zeros != self.resident.zeros {
            return Err(Inconsistency::ZeroEntries { recorded: self.resident.zeros, found: found.zeros });
        }
        let found = found.stats(self.tree.total_pages());
        if found != self.stats() {
            return Err(Inconsistency::Stats { recorded: self.stats(), found });
        }
        Ok(found)
    }

    /// Checks one present entry and counts it; returns its frame if it is a counted one.
    fn check_entry(
        &self,
        page: Page,
        pte: Pte,
        zero: Frame,
        found: &mut Resident,
    ) -> Result<Option<Frame>, Inconsistency> {
        let bad = |rule| Inconsistency::BadEntry { page, pte, rule };
        let vma = self.tree.find(page.start()).ok_or(Inconsistency::OutsideArea { page, pte })?;
        let frame = pte.frame().expect("invariant: a present entry");
        let kind = kind(vma, frame, zero);
        let cow = pte.flags().contains(PteFlags::COW);
        if cow && (kind != Kind::Counted || vma.flags.is_shared()) {
            return Err(bad("COW only on private data frames"));
        }
        if kind == Kind::Zero && vma.flags.is_shared() {
            return Err(bad("the zero frame in a shared area"));
        }
        if kind == Kind::Device && vma.physical_frame(page.start()) != Some(frame) {
            return Err(bad("a physical area maps its own device frames"));
        }
        let decided = PteFlags::USER | PteFlags::WRITABLE | PteFlags::COW | PteFlags::GLOBAL;
        let expected = user_flags(vma.flags, cow, kind == Kind::Zero);
        let actual = pte.flags() & (decided | PteFlags::PRESENT);
        if actual & !PteFlags::WRITABLE != expected & !PteFlags::WRITABLE {
            return Err(bad("USER follows accessibility; never GLOBAL"));
        }
        if actual.contains(PteFlags::WRITABLE) && !expected.contains(PteFlags::WRITABLE) {
            return Err(bad("WRITABLE only where the area writes and the page is not COW/zero"));
        }
        found.add(account(vma, kind));
        Ok((kind == Kind::Counted).then_some(frame))
    }
}

/// Compares a table's recorded count with the present entries found.
fn check_count(pdi: usize, recorded: u16, found: u16) -> Result<(), Inconsistency> {
    if recorded == found {
        Ok(())
    } else {
        Err(Inconsistency::TableCount { pdi, recorded, found })
    }
}

impl fmt::Display for Inconsistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Inconsistency::HugeEntry { pdi } => write!(f, "user directory entry {pdi} is HUGE"),
            Inconsistency::TableCount { pdi, recorded, found } => {
                write!(f, "table {pdi}: count {recorded}, {found} present entries")
            }
            Inconsistency::OutsideArea { page, pte } => {
                write!(f, "{page:?} is mapped by {pte:?} outside every area")
            }
            Inconsistency::BadEntry { page, pte, rule } => {
                write!(f, "{page:?} mapped by {pte:?} breaks \"{rule}\"")
            }
            Inconsistency::ZeroEntries { recorded, found } => {
                write!(f, "{recorded} zero-frame entries recorded, {found} in the tables")
            }
            Inconsistency::Refcount { frame, refcount, mappings } => {
                write!(f, "{frame:?} has {refcount} references but {mappings} mappings here")
            }
            Inconsistency::Stats { recorded, found } => {
                write!(f, "counters {recorded:?} but the tables say {found:?}")
            }
        }
    }
}
