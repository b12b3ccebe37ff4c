//! Error types of the [`super::Mapper`] operations, one per operation.

use core::fmt;

use crate::addr::Page;
use crate::pte::{Pte, PteFlags};

/// Error of [`super::Mapper::ensure_table`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableError {
    /// The frame source had no frame for the table.
    AllocFailed,
    /// The index is a recursive-window slot (1022, 1023).
    WindowSlot(usize),
    /// The directory entry maps a 4 MiB page.
    HugePage(usize),
}

/// Error of [`super::Mapper::map`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// The page is already mapped, by this entry.
    AlreadyMapped(Page, Pte),
    /// A page table was needed and the frame source had no frame.
    TableAllocFailed,
    /// The page lies in a recursive window (0xFF800000 and up).
    WindowSlot(Page),
    /// The page lies inside a 4 MiB mapping.
    HugePage(Page),
}

/// Error of [`super::Mapper::unmap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnmapError {
    /// The page is not mapped.
    NotMapped(Page),
    /// The page lies in a recursive window.
    WindowSlot(Page),
    /// The page lies inside a 4 MiB mapping.
    HugePage(Page),
}

/// Error of [`super::Mapper::update_flags`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateError {
    /// The page is not mapped.
    NotMapped(Page),
    /// The new flags lack PRESENT (use `unmap` to remove a mapping).
    NotPresent(PteFlags),
    /// The page lies in a recursive window.
    WindowSlot(Page),
    /// The page lies inside a 4 MiB mapping.
    HugePage(Page),
}

/// Error of [`super::Mapper::replace`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplaceError {
    /// The page is not mapped.
    NotMapped(Page),
    /// The new entry is not present (use `unmap` to remove a mapping).
    NotPresent(Pte),
    /// The page lies in a recursive window.
    WindowSlot(Page),
    /// The page lies inside a 4 MiB mapping.
    HugePage(Page),
}

/// Why a page cannot be edited at all; converted into each operation's error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Recursive-window slot.
    WindowSlot,
    /// Inside a 4 MiB page.
    HugePage,
}

macro_rules! refusal_into {
    ($t:ident) => {
        impl $t {
            /// The error for a refused `page`.
            pub(super) fn refused(r: Refusal, page: Page) -> Self {
                match r {
                    Refusal::WindowSlot => $t::WindowSlot(page),
                    Refusal::HugePage => $t::HugePage(page),
                }
            }
        }
    };
}
refusal_into!(MapError);
refusal_into!(UnmapError);
refusal_into!(UpdateError);
refusal_into!(ReplaceError);

const WINDOW: &str = "lies in a recursive page-table window";
const HUGE: &str = "lies inside a 4 MiB page";

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::AllocFailed => f.write_str("no frame for a page table"),
            TableError::WindowSlot(pdi) => write!(f, "directory slot {pdi} is a window slot"),
            TableError::HugePage(pdi) => write!(f, "directory slot {pdi} maps a 4 MiB page"),
        }
    }
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapError::AlreadyMapped(p, e) => write!(f, "{p:?} is already mapped by {e:?}"),
            MapError::TableAllocFailed => f.write_str("no frame for a page table"),
            MapError::WindowSlot(p) => write!(f, "{p:?} {WINDOW}"),
            MapError::HugePage(p) => write!(f, "{p:?} {HUGE}"),
        }
    }
}

impl fmt::Display for UnmapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnmapError::NotMapped(p) => write!(f, "{p:?} is not mapped"),
            UnmapError::WindowSlot(p) => write!(f, "{p:?} {WINDOW}"),
            UnmapError::HugePage(p) => write!(f, "{p:?} {HUGE}"),
        }
    }
}

impl fmt::Display for UpdateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpdateError::NotMapped(p) => write!(f, "{p:?} is not mapped"),
            UpdateError::NotPresent(fl) => write!(f, "new flags {fl:?} lack PRESENT"),
            UpdateError::WindowSlot(p) => write!(f, "{p:?} {WINDOW}"),
            UpdateError::HugePage(p) => write!(f, "{p:?} {HUGE}"),
        }
    }
}

impl fmt::Display for ReplaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplaceError::NotMapped(p) => write!(f, "{p:?} is not mapped"),
            ReplaceError::NotPresent(e) => write!(f, "new entry {e:?} is not present"),
            ReplaceError::WindowSlot(p) => write!(f, "{p:?} {WINDOW}"),
            ReplaceError::HugePage(p) => write!(f, "{p:?} {HUGE}"),
        }
    }
}
