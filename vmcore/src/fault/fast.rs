//! The fault fast path: the one case demand paging hits on almost every fault — a page that is
//! not mapped, in a private, writable, anonymous area, read or written from either mode —
//! decided without the general table.
//!
//! [`fast`] answers only for the faults it recognises and `None` for everything else; when it
//! answers, its verdict is [`decide_with`](super::decide_with)'s (rows K3, V2, N6, N7),
//! property-tested below for every input it accepts.

use super::{Access, Action, Fault};
use crate::layout::{USER_END, USER_START};
use crate::vma::{Backing, VmFlags, Vma};

/// The decision for a fault on a page of `vma` (the area containing `fault.addr`) that is not
/// mapped (`present` is whether its entry is present), or `None` when the general table must
/// decide.
#[inline]
pub fn fast(fault: &Fault, vma: &Vma, present: bool) -> Option<Action> {
    let addr = fault.addr.as_u32();
    let common = !present
        && (USER_START..USER_END).contains(&addr)
        && matches!(vma.backing, Backing::Anonymous)
        && !vma.flags.is_shared()
        && vma.flags.contains(VmFlags::WRITE | VmFlags::READ);
    match fault.access {
        // N6: private write of a missing page: a fresh zeroed frame.
        Access::Write if common => Some(Action::MapFreshZeroed { writable: true }),
        // N7: private read of a missing page: the shared zero page.
        Access::Read if common => Some(Action::MapZeroPage),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{Page, PhysAddr, VirtAddr};
    use crate::fault::{decide_with, Mode, PageState};
    use crate::mspace::VmLimits;
    use crate::tree::VmaTree;
    use crate::vma::test_file::TestFile;
    use proptest::prelude::*;

    fn backing(kind: u8) -> Backing {
        match kind {
            0 => Backing::Anonymous,
            1 => Backing::Physical { base: PhysAddr::new(0xB8000) },
            _ => Backing::file(TestFile::open(1, "/f", 0x3000), 0),
        }
    }

    fn access(a: u8) -> Access {
        [Access::Read, Access::Write, Access::Exec][usize::from(a % 3)]
    }

    proptest! {
        /// Wherever the fast path answers, the decision table answers the same; and it
        /// answers for every not-mapped private writable anonymous read or write fault.
        #[test]
        fn fast_agrees_with_the_table(
            start in 0u32..0xC_0000,
            pages in 1u32..64,
            off in 0u32..64,
            bits in 0u32..0x400,
            kind in 0u8..3,
            a in 0u8..3,
            kernel in any::<bool>(),
            present in any::<bool>(),
            writable in any::<bool>(),
            cow in any::<bool>(),
            refcount in 0u32..3,
        ) {
            let flags = VmFlags::from_bits_truncate(bits);
            let Ok(vma) = Vma::new(Page::from_number(start), pages, flags, backing(kind)) else {
                return Ok(());
            };
            let addr = VirtAddr::new((start + off % pages) << 12 | (off * 97 & 0xfff));
            let mut tree = VmaTree::new();
            tree.insert(vma.clone()).unwrap();
            let vma = tree.find(addr).unwrap();
            let mode = if kernel { Mode::Kernel } else { Mode::User };
            let fault = Fault { addr, access: access(a), mode, present };
            let state = if present {
                PageState::Present { writable, cow, zero_page: false, refcount }
            } else {
                PageState::NotMapped
            };
            let verdict = fast(&fault, vma, present);
            if let Some(action) = &verdict {
                prop_assert_eq!(action, &decide_with(&fault, &tree, Some(vma), state, &VmLimits::DEFAULT));
            }
            let common = !present && kind == 0 && !vma.flags.is_shared()
                && vma.flags.contains(VmFlags::WRITE | VmFlags::READ)
                && (USER_START..USER_END).contains(&addr.as_u32())
                && fault.access != Access::Exec;
            prop_assert_eq!(verdict.is_some(), common);
        }
    }
}
