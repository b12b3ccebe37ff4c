//! Changing the flags of a range of areas (`mprotect`).

use super::{NoMemory, VmaTree};
use crate::addr::Page;
use crate::vma::VmFlags;

/// Why [`VmaTree::protect_range`] refused; nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtectError {
    /// `start > end`.
    InvalidRange,
    /// The range contains a hole starting at `at` (Linux: `ENOMEM`).
    Unmapped {
        /// First unmapped page.
        at: Page,
    },
    /// The new flags of the area at `at` set permissions beyond its `MAY*` bits
    /// (Linux: `EACCES`).
    NotPermitted {
        /// First page of the offending part of the range.
        at: Page,
        /// The permission bits lacking their `MAY*` bit.
        missing: VmFlags,
    },
    /// No heap for the areas split off at the range's ends (Linux: `ENOMEM`).
    NoMemory,
}

impl From<NoMemory> for ProtectError {
    fn from(_: NoMemory) -> Self {
        ProtectError::NoMemory
    }
}

impl VmaTree {
    /// Replaces the flags of every area in `[start, end)` by `f(old flags)`, splitting the areas
    /// that straddle either end, then merges what became compatible around the range.
    ///
    /// Refused without any change when the range has a hole, or when for some area the new
    /// `READ`/`WRITE`/`EXEC`/`SHARED` bits are not all covered by `MAY*` bits present both
    /// before and after (so `f` can neither exceed nor raise the ceiling). `f` is called more
    /// than once per area and must be a pure function. An empty range succeeds.
    pub fn protect_range(
        &mut self,
        start: Page,
        end: Page,
        f: impl Fn(VmFlags) -> VmFlags,
    ) -> Result<(), ProtectError> {
        if start > end {
            return Err(ProtectError::InvalidRange);
        }
        if start == end {
            return Ok(());
        }
        self.check_protect(start, end, &f)?;
        self.reserve(2)?;
        self.split_at(start).expect("invariant: reserved");
        self.split_at(end).expect("invariant: reserved");
        for vma in self.map.starting_at_mut(start).take_while(|v| v.start() < end) {
            vma.flags = f(vma.flags);
        }
        self.scavenge_range(start, end);
        Ok(())
    }

    /// `mprotect(prot)`: sets the `READ`/`WRITE`/`EXEC` bits of `[start, end)` to those of
    /// `prot`, keeping every other flag (see [`VmaTree::protect_range`]).
    pub fn set_protection(
        &mut self,
        start: Page,
        end: Page,
        prot: VmFlags,
    ) -> Result<(), ProtectError> {
        self.protect_range(start, end, |old| old.with_protection(prot))
    }

    /// Validates a non-empty protect range without changing anything.
    fn check_protect(
        &self,
        start: Page,
        end: Page,
        f: &impl Fn(VmFlags) -> VmFlags,
    ) -> Result<(), ProtectError> {
        let mut expected = start;
        for vma in self.range(start, end) {
            if vma.start() > expected {
                return Err(ProtectError::Unmapped { at: expected });
            }
            let new = f(vma.flags);
            let missing = new.exceeding(new & vma.flags);
            if !missing.is_empty() {
                return Err(ProtectError::NotPermitted { at: vma.start().max(start), missing });
            }
            expected = vma.end_page();
        }
        if expected < end {
            return Err(ProtectError::Unmapped { at: expected });
        }
        Ok(())
    }
}
