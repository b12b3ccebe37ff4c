//! Present-entry counts of the user page tables of one directory.

use core::fmt;

use super::TableAccess;
use crate::addr::{Frame, ENTRIES};
use crate::layout::USER_PD_ENTRIES;
use crate::pte::PteFlags;

/// For each user directory index (`pdi < KERNEL_PD_FIRST`), how many entries of its page table
/// are present, and whether a table is linked there at all (a table may be linked and empty
/// for a moment, or for good when the mapping it was made for failed). Lets `unmap` free a
/// table in O(1) when its last entry goes, and teardown visit only the linked tables.
///
/// Kernel-half tables are preallocated and shared by every directory, so they are not counted
/// and never freed; [`TableCounts::get`] returns 0 for them. One `TableCounts` belongs to one
/// directory (one address space) and must only be used with that directory's [`TableAccess`].
///
/// It also keeps at most one *spare* table: the last user table freed when its last entry
/// went (an unlinked frame whose entries are all empty, i.e. zero), which the next table
/// this directory needs reuses instead of allocating and zeroing a frame — a mapping made and
/// unmapped again and again in a 4 MiB of its own (W4's mmap+write+munmap) costs no table
/// allocation. Not a page table of the space (`VmPTE` counts linked tables only, as Linux,
/// which frees the table there); freed with the others by [`Mapper::clear_user`](super::Mapper::clear_user).
#[derive(Clone, PartialEq, Eq)]
pub struct TableCounts {
    counts: [u16; USER_PD_ENTRIES],
    linked: [u32; LINKED_WORDS],
    spare: Option<Frame>,
}

/// Words of the linked-table bitmap.
const LINKED_WORDS: usize = USER_PD_ENTRIES.div_ceil(32);

impl TableCounts {
    /// All zero: a directory without user page tables.
    pub const fn new() -> Self {
        TableCounts {
            counts: [0; USER_PD_ENTRIES],
            linked: [0; LINKED_WORDS],
            spare: None,
        }
    }

    /// Builds the counts by scanning an existing directory's user tables (4 MiB entries count
    /// as no table).
    pub fn recount<A: TableAccess + ?Sized>(access: &A) -> Self {
        let mut c = Self::new();
        for pdi in 0..USER_PD_ENTRIES {
            let slot = &mut c.counts[pdi];
            let pde = access.read_pde(pdi);
            if pde.is_present() && !pde.flags().contains(PteFlags::HUGE) {
                c.linked[pdi / 32] |= 1 << (pdi % 32);
                let present = (0..ENTRIES).filter(|&pti| access.read_pte(pdi, pti).is_present());
                *slot = u16::try_from(present.count()).expect("invariant: at most 1024 entries");
            }
        }
        c
    }

    /// Present entries in the table of `pdi` (0 for kernel-half indices).
    pub fn get(&self, pdi: usize) -> u16 {
        self.counts.get(pdi).copied().unwrap_or(0)
    }

    /// Number of user page tables with at least one present entry (O(768)).
    pub fn tables_in_use(&self) -> usize {
        self.counts.iter().filter(|&&c| c != 0).count()
    }

    /// Counts one more present entry in user table `pdi`.
    pub(super) fn increment(&mut self, pdi: usize) {
        let c = &mut self.counts[pdi];
        assert!(
            usize::from(*c) < ENTRIES,
            "invariant: table {pdi} has at most 1024 entries"
        );
        *c += 1;
    }

    /// Counts `n` more present entries in user table `pdi`.
    pub(crate) fn add(&mut self, pdi: usize, n: u16) {
        let c = &mut self.counts[pdi];
        *c = c
            .checked_add(n)
            .filter(|&c| usize::from(c) <= ENTRIES)
            .unwrap_or_else(|| panic!("invariant: table {pdi} has at most 1024 entries"));
    }

    /// Counts `n` present entries less in user table `pdi`.
    pub(super) fn sub(&mut self, pdi: usize, n: u16) {
        let c = &mut self.counts[pdi];
        *c = c.checked_sub(n).expect("invariant: the count covers every present entry");
    }

    /// Counts one present entry less in user table `pdi`; returns how many remain.
    pub(super) fn decrement(&mut self, pdi: usize) -> u16 {
        let c = &mut self.counts[pdi];
        *c = c
            .checked_sub(1)
            .expect("invariant: the count covers every present entry");
        *c
    }

    /// Forgets table `pdi` (it was torn down): no entries, not linked.
    pub(crate) fn reset(&mut self, pdi: usize) {
        self.counts[pdi] = 0;
        self.linked[pdi / 32] &= !(1 << (pdi % 32));
    }

    /// Takes the spare table, if any (its entries are all empty).
    pub(super) fn take_spare(&mut self) -> Option<Frame> {
        self.spare.take()
    }

    /// Keeps the emptied, unlinked table `frame` as the spare; returns it back when there
    /// already is one (the caller frees it).
    pub(super) fn keep_spare(&mut self, frame: Frame) -> Option<Frame> {
        match self.spare {
            Some(_) => Some(frame),
            None => {
                self.spare = Some(frame);
                None
            }
        }
    }

    /// Records that a table is linked at user index `pdi`.
    pub(crate) fn link(&mut self, pdi: usize) {
        self.linked[pdi / 32] |= 1 << (pdi % 32);
    }

    /// Whether a table is linked at user index `pdi`.
    pub fn is_linked(&self, pdi: usize) -> bool {
        pdi < USER_PD_ENTRIES && self.linked[pdi / 32] & (1 << (pdi % 32)) != 0
    }

    /// The user indices with a linked table, lowest first (a snapshot: the caller may unlink
    /// while iterating).
    pub fn linked_tables(&self) -> impl Iterator<Item = usize> {
        let words = self.linked;
        (0..LINKED_WORDS).flat_map(move |w| {
            let mut bits = words[w];
            core::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Some(w * 32 + b)
            })
        })
    }
}

impl Default for TableCounts {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for TableCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let used = self.counts.iter().enumerate().filter(|(_, &c)| c != 0);
        f.debug_map().entries(used).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    #[test]
    fn counting() {
        let mut c = TableCounts::new();
        c.increment(3);
        c.increment(3);
        c.increment(700);
        assert_eq!((c.get(3), c.get(700), c.get(800)), (2, 1, 0));
        assert_eq!(c.tables_in_use(), 2);
        assert_eq!(format!("{c:?}"), "{3: 2, 700: 1}");
        assert_eq!(c.decrement(3), 1);
        assert_eq!(c.decrement(3), 0);
        c.reset(700);
        assert_eq!(c, TableCounts::default());
        c.link(5);
        c.link(767);
        c.link(40);
        assert!(c.is_linked(40) && !c.is_linked(41) && !c.is_linked(900));
        assert_eq!(c.linked_tables().collect::<std::vec::Vec<_>>(), [5, 40, 767]);
        c.reset(40);
        assert_eq!(c.linked_tables().collect::<std::vec::Vec<_>>(), [5, 767]);
    }

    #[test]
    fn adding_runs() {
        let mut c = TableCounts::new();
        c.add(5, 0);
        assert_eq!(c.tables_in_use(), 0);
        c.add(5, 1000);
        c.increment(5);
        c.add(5, 23);
        assert_eq!(c.get(5), 1024);
    }

    #[test]
    #[should_panic(expected = "at most 1024")]
    fn adding_past_a_full_table_is_a_bug() {
        let mut c = TableCounts::new();
        c.add(5, 1024);
        c.add(5, 1);
    }

    #[test]
    #[should_panic(expected = "invariant")]
    fn underflow_is_a_bug() {
        TableCounts::new().decrement(1);
    }
}
