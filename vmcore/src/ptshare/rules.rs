//! The rules of table sharing: which tables fork may share, and what unsharing does to each
//! kind of entry. Pure functions; the mechanism in `table.rs` applies them.

use crate::pte::{Pte, PteFlags};
use crate::vma::{Backing, VmFlags, Vma};

/// What `fork` does with one of the parent's page tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TablePlan {
    /// No area overlaps the table's span: nothing to give the child.
    Skip,
    /// Link the same table into the child, both directory entries read-only.
    Share,
    /// Copy entry by entry, as fork does without sharing.
    Copy,
}

/// The area flags that make fork treat an area specially (left out, wiped, or its pages kept
/// writable in the parent).
const SPECIAL: VmFlags = VmFlags::SHARED
    .union(VmFlags::DONTCOPY)
    .union(VmFlags::WIPEONFORK)
    .union(VmFlags::LOCK_MASK)
    .union(VmFlags::PFNMAP)
    .union(VmFlags::IO);

/// Whether fork may share a table holding pages of `vma`: plain private memory (anonymous or
/// a private file mapping), neither shared, device, `DONTFORK`, `WIPEONFORK` nor locked.
pub fn shareable(vma: &Vma) -> bool {
    !vma.flags.intersects(SPECIAL) && !matches!(vma.backing, Backing::Physical { .. })
}

/// The plan for a table given the areas overlapping its 4 MiB span (rule 1 of the module
/// documentation): shared when there is at least one area and all of them are
/// [`shareable`], copied otherwise.
pub fn plan_table<'a>(areas: impl IntoIterator<Item = &'a Vma>) -> TablePlan {
    let mut plan = TablePlan::Skip;
    for vma in areas {
        if !shareable(vma) {
            return TablePlan::Copy;
        }
        plan = TablePlan::Share;
    }
    plan
}

/// What an entry of a shared table maps, as far as unsharing goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A data frame holding one reference per table that maps it.
    Counted,
    /// The zero frame (or any frame that is never reference counted).
    Uncounted,
}

/// The entry a private copy of a shared table gets for present entry `pte` of `kind`, and
/// whether the copy takes a reference on the frame (rule 3):
///
/// | kind | copy's entry | reference |
/// |---|---|---|
/// | counted | COW set, WRITABLE clear, other bits kept | +1 |
/// | uncounted (zero frame) | unchanged (never writable) | none |
pub fn unshared_entry(pte: Pte, kind: EntryKind) -> (Pte, bool) {
    match kind {
        EntryKind::Counted => {
            let flags = (pte.flags() - PteFlags::WRITABLE) | PteFlags::COW;
            (pte.with_flags(flags), true)
        }
        EntryKind::Uncounted => (pte, false),
    }
}

/// The entry the last sharer keeps for present entry `pte` of `kind` whose frame has `refs`
/// references, when it takes back a table that was copied from: a data entry whose frame is
/// mapped elsewhere becomes copy-on-write (what fork used to do at once) — a read-only one
/// too, or a later `mprotect` adding `WRITE` would make it writable (found by the mspace model
/// test: a `PROT_READ` page written before the fork).
pub(super) fn retaken_entry(pte: Pte, kind: EntryKind, refs: u32) -> Option<Pte> {
    let cow = pte.flags().contains(PteFlags::COW);
    (kind == EntryKind::Counted && !cow && refs > 1)
        .then(|| pte.with_flags((pte.flags() - PteFlags::WRITABLE) | PteFlags::COW))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{Frame, Page, VirtAddr};

    fn area(flags: VmFlags) -> Vma {
        let start = Page::new(VirtAddr::new(0x0800_0000));
        Vma::anonymous(start, 4, flags | VmFlags::READ | VmFlags::WRITE).expect("a valid area")
    }

    #[test]
    fn plans() {
        let plain = area(VmFlags::empty());
        assert_eq!(plan_table([]), TablePlan::Skip);
        assert_eq!(plan_table([&plain]), TablePlan::Share);
        for special in [VmFlags::SHARED, VmFlags::DONTCOPY, VmFlags::WIPEONFORK, VmFlags::LOCKED, VmFlags::LOCKONFAULT] {
            let odd = area(special);
            assert_eq!(plan_table([&plain, &odd]), TablePlan::Copy, "{special:?}");
            assert!(!shareable(&odd));
        }
    }

    #[test]
    fn entries() {
        let f = Frame::from_number(77);
        let rw = Pte::new(f, PteFlags::PRESENT | PteFlags::USER | PteFlags::WRITABLE | PteFlags::DIRTY);
        let (copy, take) = unshared_entry(rw, EntryKind::Counted);
        assert!(take);
        assert_eq!(copy.flags(), PteFlags::PRESENT | PteFlags::USER | PteFlags::DIRTY | PteFlags::COW);
        assert_eq!(unshared_entry(rw, EntryKind::Uncounted), (rw, false));
        assert_eq!(retaken_entry(rw, EntryKind::Counted, 1), None);
        assert_eq!(retaken_entry(rw, EntryKind::Counted, 2), Some(copy));
        assert_eq!(retaken_entry(copy, EntryKind::Counted, 2), None);
        let ro = Pte::new(f, PteFlags::PRESENT | PteFlags::USER);
        assert_eq!(retaken_entry(ro, EntryKind::Counted, 2), Some(ro.with_flags(ro.flags() | PteFlags::COW)));
    }
}
