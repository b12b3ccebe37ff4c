//! The i386 (non-PAE) page-table and page-directory entry.
//!
//! Both levels share one 32-bit format: bits 31..12 hold a frame number, bits 11..0 hold flags.
//! [`Pte`] is that raw word; the kernel's architecture edge reads and writes it with
//! [`Pte::to_raw`] / [`Pte::from_raw`], everything else works with the typed accessors.
//!
//! Bits 9..11 are ignored by the MMU and free for software. We use bit 9 for [`PteFlags::COW`];
//! bits 10 and 11 are left unused for later (their values survive every operation here).

use core::fmt;

use bitflags::bitflags;

use crate::addr::{Frame, PhysAddr, PAGE_SIZE};

bitflags! {
    /// Flag bits of a page-table or page-directory entry (bits 0..11).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    pub struct PteFlags: u32 {
        /// The entry is valid; without it the MMU ignores every other bit.
        const PRESENT = 1 << 0;
        /// Writes are allowed (needed by supervisor writes too: CR0.WP is set).
        const WRITABLE = 1 << 1;
        /// User mode (CPL 3) may access the page.
        const USER = 1 << 2;
        /// Write-through caching (PWT).
        const WRITE_THROUGH = 1 << 3;
        /// Caching disabled (PCD).
        const NO_CACHE = 1 << 4;
        /// Set by the MMU when the entry is used for a translation.
        const ACCESSED = 1 << 5;
        /// Set by the MMU on a write through a page-table entry.
        const DIRTY = 1 << 6;
        /// In a page-directory entry: maps a 4 MiB page (PS). In a page-table entry this bit is
        /// PAT; we never set it there.
        const HUGE = 1 << 7;
        /// The translation survives CR3 reloads (needs CR4.PGE).
        const GLOBAL = 1 << 8;
        /// Software bit 9, copy-on-write: the page is read-only until the write fault copies it
        /// (or takes it over when it is no longer shared).
        const COW = 1 << 9;
    }
}

/// Mask of the frame-number bits of an entry.
const FRAME_MASK: u32 = !(PAGE_SIZE - 1);
/// Mask of the flag bits of an entry (including the unnamed software bits 10 and 11).
const FLAGS_MASK: u32 = PAGE_SIZE - 1;

/// A page-table or page-directory entry: a frame number plus [`PteFlags`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(transparent)]
pub struct Pte(u32);

impl Pte {
    /// The all-zero entry: not present, no frame, no flags.
    pub const EMPTY: Pte = Pte(0);

    /// An entry pointing at `frame` with `flags` (PRESENT is not implied; bits of `flags` above
    /// bit 11 are dropped).
    pub const fn new(frame: Frame, flags: PteFlags) -> Self {
        Pte(frame.start().as_u32() | (flags.bits() & FLAGS_MASK))
    }

    /// Wraps a raw entry read from memory. Every bit pattern is valid.
    pub const fn from_raw(raw: u32) -> Self {
        Pte(raw)
    }

    /// The raw 32-bit entry, as the MMU sees it.
    pub const fn to_raw(self) -> u32 {
        self.0
    }

    /// The frame the entry points at, `None` if the entry is not present.
    ///
    /// For a 4 MiB (HUGE) directory entry this is the first frame of the large page.
    pub const fn frame(self) -> Option<Frame> {
        if self.is_present() {
            Some(Frame::containing(PhysAddr::new(self.0 & FRAME_MASK)))
        } else {
            None
        }
    }

    /// The flag bits, including unnamed software bits.
    pub const fn flags(self) -> PteFlags {
        PteFlags::from_bits_retain(self.0 & FLAGS_MASK)
    }

    /// Whether the PRESENT bit is set.
    pub const fn is_present(self) -> bool {
        self.0 & PteFlags::PRESENT.bits() != 0
    }

    /// Whether the entry is all zeroes.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The same frame bits with `flags` in place of the old flags.
    pub const fn with_flags(self, flags: PteFlags) -> Self {
        Pte((self.0 & FRAME_MASK) | (flags.bits() & FLAGS_MASK))
    }

    /// The same flags with `frame` in place of the old frame.
    pub const fn with_frame(self, frame: Frame) -> Self {
        Pte(frame.start().as_u32() | (self.0 & FLAGS_MASK))
    }
}

impl fmt::Debug for Pte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("Pte(EMPTY)");
        }
        write!(f, "Pte({:#010x}, ", self.0 & FRAME_MASK)?;
        if self.flags().is_empty() {
            f.write_str("-")?;
        } else {
            bitflags::parser::to_writer(&self.flags(), &mut *f)?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::format;

    #[test]
    fn bit_positions_match_the_manual() {
        assert_eq!(PteFlags::PRESENT.bits(), 0x001);
        assert_eq!(PteFlags::WRITABLE.bits(), 0x002);
        assert_eq!(PteFlags::USER.bits(), 0x004);
        assert_eq!(PteFlags::WRITE_THROUGH.bits(), 0x008);
        assert_eq!(PteFlags::NO_CACHE.bits(), 0x010);
        assert_eq!(PteFlags::ACCESSED.bits(), 0x020);
        assert_eq!(PteFlags::DIRTY.bits(), 0x040);
        assert_eq!(PteFlags::HUGE.bits(), 0x080);
        assert_eq!(PteFlags::GLOBAL.bits(), 0x100);
        assert_eq!(PteFlags::COW.bits(), 0x200);
    }

    #[test]
    fn empty_has_no_frame() {
        assert!(!Pte::EMPTY.is_present());
        assert_eq!(Pte::EMPTY.frame(), None);
        assert_eq!(Pte::EMPTY.to_raw(), 0);
        assert_eq!(Pte::default(), Pte::EMPTY);
    }

    #[test]
    fn not_present_entry_hides_its_frame() {
        let e = Pte::new(Frame::from_number(5), PteFlags::WRITABLE);
        assert_eq!(e.frame(), None);
        assert_eq!(
            e.with_flags(PteFlags::PRESENT).frame(),
            Some(Frame::from_number(5))
        );
    }

    #[test]
    fn software_bits_survive() {
        let e = Pte::new(Frame::from_number(7), PteFlags::PRESENT | PteFlags::COW);
        assert_eq!(e.to_raw(), 0x7201);
        assert!(e.flags().contains(PteFlags::COW));
        let raw = Pte::from_raw(0x0000_7C01); // bits 10 and 11 too
        assert_eq!(raw.flags().bits(), 0xC01);
        assert_eq!(raw.with_frame(Frame::from_number(1)).to_raw(), 0x1C01);
    }

    #[test]
    fn debug_names_frame_and_flags() {
        let e = Pte::new(
            Frame::from_number(0x123),
            PteFlags::PRESENT | PteFlags::WRITABLE,
        );
        assert_eq!(format!("{e:?}"), "Pte(0x00123000, PRESENT | WRITABLE)");
        assert_eq!(format!("{:?}", Pte::EMPTY), "Pte(EMPTY)");
        assert_eq!(format!("{:?}", Pte::from_raw(0x5000)), "Pte(0x00005000, -)");
        assert_eq!(
            format!("{:?}", Pte::from_raw(0x401)),
            "Pte(0x00000000, PRESENT | 0x400)"
        );
    }

    proptest! {
        #[test]
        fn encoding_round_trips(n in 0u32..(1 << 20), bits in 0u32..0x1000) {
            let frame = Frame::from_number(n);
            let flags = PteFlags::from_bits_retain(bits);
            let e = Pte::new(frame, flags);
            prop_assert_eq!(Pte::from_raw(e.to_raw()), e);
            prop_assert_eq!(e.flags(), flags);
            prop_assert_eq!(e.is_present(), flags.contains(PteFlags::PRESENT));
            prop_assert_eq!(e.with_flags(flags | PteFlags::PRESENT).frame(), Some(frame));
            prop_assert_eq!(e.with_flags(PteFlags::empty()).to_raw(), frame.start().as_u32());
            prop_assert_eq!(e.with_frame(frame), e);
        }
    }
}
