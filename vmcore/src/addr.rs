//! Address and unit types: virtual and physical addresses, pages and frames.
//!
//! Every address that crosses a module boundary is one of these newtypes, never a bare `u32`.
//! Constructors that can fail come in two forms: `new` (asserts) and `try_new` (returns
//! `Option`). Debug output is hexadecimal.

use core::fmt;

/// Size of a page and of a frame in bytes.
pub const PAGE_SIZE: u32 = 4096;
/// log2 of [`PAGE_SIZE`].
pub const PAGE_SHIFT: u32 = 12;
/// Entries in a page directory or a page table.
pub const ENTRIES: usize = 1024;
/// Bytes covered by one page table (one page-directory entry).
pub const TABLE_SPAN: u32 = PAGE_SIZE * ENTRIES as u32;

const _: () = assert!(1 << PAGE_SHIFT == PAGE_SIZE);
const _: () = assert!(TABLE_SPAN == 4 * 1024 * 1024);

/// A 32-bit virtual address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(transparent)]
pub struct VirtAddr(u32);

/// A 32-bit physical address (non-PAE i386).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(transparent)]
pub struct PhysAddr(u32);

macro_rules! addr_common {
    ($t:ident) => {
        impl $t {
            /// Wraps a raw address.
            pub const fn new(raw: u32) -> Self {
                Self(raw)
            }
            /// The raw value.
            pub const fn as_u32(self) -> u32 {
                self.0
            }
            /// The raw value as a `usize`.
            pub const fn as_usize(self) -> usize {
                self.0 as usize
            }
            /// Rounds down to a multiple of `align` (a power of two).
            pub const fn align_down(self, align: u32) -> Self {
                assert!(align.is_power_of_two());
                Self(self.0 & !(align - 1))
            }
            /// Rounds up to a multiple of `align` (a power of two); `None` on overflow.
            pub const fn align_up(self, align: u32) -> Option<Self> {
                assert!(align.is_power_of_two());
                match self.0.checked_add(align - 1) {
                    Some(v) => Some(Self(v & !(align - 1))),
                    None => None,
                }
            }
            /// Whether the address is a multiple of `align` (a power of two).
            pub const fn is_aligned(self, align: u32) -> bool {
                self.0 & (align - 1) == 0
            }
            /// Offset within its page.
            pub const fn page_offset(self) -> u32 {
                self.0 & (PAGE_SIZE - 1)
            }
            /// `self + off`, `None` on overflow past 2^32.
            pub const fn checked_add(self, off: u32) -> Option<Self> {
                match self.0.checked_add(off) {
                    Some(v) => Some(Self(v)),
                    None => None,
                }
            }
            /// `self - off`, `None` below zero.
            pub const fn checked_sub(self, off: u32) -> Option<Self> {
                match self.0.checked_sub(off) {
                    Some(v) => Some(Self(v)),
                    None => None,
                }
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($t), "({:#010x})"), self.0)
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:#010x}", self.0)
            }
        }
        impl fmt::LowerHex for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::LowerHex::fmt(&self.0, f)
            }
        }
    };
}
addr_common!(VirtAddr);
addr_common!(PhysAddr);

impl VirtAddr {
    /// Index of the page-directory entry that maps this address (bits 31..22).
    pub const fn pd_index(self) -> usize {
        (self.0 >> 22) as usize
    }
    /// Index of the page-table entry that maps this address (bits 21..12).
    pub const fn pt_index(self) -> usize {
        ((self.0 >> PAGE_SHIFT) & 0x3ff) as usize
    }
    /// The address made of a directory index, a table index and an offset.
    pub const fn from_indices(pdi: usize, pti: usize, offset: u32) -> Self {
        assert!(pdi < ENTRIES && pti < ENTRIES && offset < PAGE_SIZE);
        Self(((pdi as u32) << 22) | ((pti as u32) << PAGE_SHIFT) | offset)
    }
}

/// A 4 KiB virtual page, identified by its page number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct Page(u32);

impl Page {
    /// The page containing `addr`.
    pub const fn containing(addr: VirtAddr) -> Self {
        Self(addr.0 >> PAGE_SHIFT)
    }
    /// The page starting at `addr`; panics if `addr` is not page-aligned.
    pub const fn new(addr: VirtAddr) -> Self {
        assert!(addr.is_aligned(PAGE_SIZE), "Page::new: unaligned address");
        Self(addr.0 >> PAGE_SHIFT)
    }
    /// The page starting at `addr`, `None` if unaligned.
    pub const fn try_new(addr: VirtAddr) -> Option<Self> {
        if addr.is_aligned(PAGE_SIZE) {
            Some(Self(addr.0 >> PAGE_SHIFT))
        } else {
            None
        }
    }
    /// The page with page number `n` (< 2^20).
    pub const fn from_number(n: u32) -> Self {
        assert!(n < (1 << 20), "page number out of range");
        Self(n)
    }
    /// The page number.
    pub const fn number(self) -> u32 {
        self.0
    }
    /// The first address of the page.
    pub const fn start(self) -> VirtAddr {
        VirtAddr(self.0 << PAGE_SHIFT)
    }
    /// Page-directory index of this page.
    pub const fn pd_index(self) -> usize {
        (self.0 >> 10) as usize
    }
    /// Page-table index of this page.
    pub const fn pt_index(self) -> usize {
        (self.0 & 0x3ff) as usize
    }
    /// The page `n` pages further on, `None` past the top of the address space.
    pub const fn checked_add(self, n: u32) -> Option<Self> {
        match self.0.checked_add(n) {
            Some(v) if v < (1 << 20) => Some(Self(v)),
            _ => None,
        }
    }
}

impl fmt::Debug for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Page({:#010x})", self.start().0)
    }
}

/// A 4 KiB physical frame, identified by its frame number.
///
/// Frame 0 is never handed out by the allocator, but a `Frame` can still name it (the boot code
/// reserves it), so this is a plain number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct Frame(u32);

impl Frame {
    /// The frame containing `addr`.
    pub const fn containing(addr: PhysAddr) -> Self {
        Self(addr.0 >> PAGE_SHIFT)
    }
    /// The frame starting at `addr`; panics if `addr` is not page-aligned.
    pub const fn new(addr: PhysAddr) -> Self {
        assert!(addr.is_aligned(PAGE_SIZE), "Frame::new: unaligned address");
        Self(addr.0 >> PAGE_SHIFT)
    }
    /// The frame starting at `addr`, `None` if unaligned.
    pub const fn try_new(addr: PhysAddr) -> Option<Self> {
        if addr.is_aligned(PAGE_SIZE) {
            Some(Self(addr.0 >> PAGE_SHIFT))
        } else {
            None
        }
    }
    /// The frame with frame number `n` (< 2^20).
    pub const fn from_number(n: u32) -> Self {
        assert!(n < (1 << 20), "frame number out of range");
        Self(n)
    }
    /// The frame number.
    pub const fn number(self) -> u32 {
        self.0
    }
    /// The frame number as an index.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
    /// The first physical address of the frame.
    pub const fn start(self) -> PhysAddr {
        PhysAddr(self.0 << PAGE_SHIFT)
    }
    /// The frame `n` frames further on, `None` past 4 GiB.
    pub const fn checked_add(self, n: u32) -> Option<Self> {
        match self.0.checked_add(n) {
            Some(v) if v < (1 << 20) => Some(Self(v)),
            _ => None,
        }
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Frame({:#010x})", self.start().0)
    }
}

/// Number of pages needed to hold `bytes` bytes (rounded up).
pub const fn pages_for(bytes: u64) -> u64 {
    bytes.div_ceil(PAGE_SIZE as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::format;

    #[test]
    fn indices_split_an_address() {
        let a = VirtAddr::new(0xC012_3456);
        assert_eq!(a.pd_index(), 0x300);
        assert_eq!(a.pt_index(), 0x123);
        assert_eq!(a.page_offset(), 0x456);
        assert_eq!(VirtAddr::from_indices(0x300, 0x123, 0x456), a);
    }

    #[test]
    fn alignment() {
        let a = VirtAddr::new(0x1234);
        assert_eq!(a.align_down(PAGE_SIZE).as_u32(), 0x1000);
        assert_eq!(a.align_up(PAGE_SIZE).unwrap().as_u32(), 0x2000);
        assert_eq!(VirtAddr::new(0xFFFF_F001).align_up(PAGE_SIZE), None);
        assert!(VirtAddr::new(0x2000).is_aligned(PAGE_SIZE));
    }

    #[test]
    fn page_and_frame_round_trip() {
        let p = Page::containing(VirtAddr::new(0xFFFF_FFFF));
        assert_eq!(p.number(), 0xFFFFF);
        assert_eq!(p.checked_add(1), None);
        assert_eq!(p.start().as_u32(), 0xFFFF_F000);
        let f = Frame::containing(PhysAddr::new(0x0010_0fff));
        assert_eq!(f.number(), 0x100);
        assert_eq!(f.start(), PhysAddr::new(0x0010_0000));
        assert_eq!(Frame::try_new(PhysAddr::new(0x10)), None);
    }

    #[test]
    fn debug_is_hex() {
        assert_eq!(format!("{:?}", VirtAddr::new(0xC000_0000)), "VirtAddr(0xc0000000)");
        assert_eq!(format!("{:?}", Frame::from_number(1)), "Frame(0x00001000)");
    }

    proptest! {
        #[test]
        fn indices_round_trip(raw in any::<u32>()) {
            let a = VirtAddr::new(raw);
            prop_assert_eq!(VirtAddr::from_indices(a.pd_index(), a.pt_index(), a.page_offset()), a);
            let p = Page::containing(a);
            prop_assert_eq!(p.pd_index(), a.pd_index());
            prop_assert_eq!(p.pt_index(), a.pt_index());
            prop_assert!(p.start() <= a && a.as_u32() - p.start().as_u32() < PAGE_SIZE);
        }
    }
}
