//! The resource limits an address space enforces where the VM decides (Linux's
//! `may_expand_vm`, `acct_stack_growth`, and the counts `mlock` is checked against).
//!
//! The limits are a property of the space, set by the kernel from the process's rlimits at
//! exec and whenever `setrlimit`/`prlimit64` changes one of them, and copied by `fork`: the
//! operations that grow the space ([`MSpace::map`], [`MSpace::set_brk`], stack growth in a
//! fault) read them without calling up into the process layer. Linux reads `current`'s
//! rlimits at the same points; for a space with one owning process the two agree.

use super::MSpace;
use crate::addr::{Page, PAGE_SHIFT};
use crate::layout::STACK_LIMIT;
use crate::vma::VmFlags;

/// An i386 rlimit value (Linux's `unsigned long`) meaning "no limit".
pub const RLIM_INFINITY: u32 = u32::MAX;

/// The limits a space enforces, in bytes as `getrlimit` reports them ([`RLIM_INFINITY`] for
/// none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VmLimits {
    /// `RLIMIT_STACK` (soft): most bytes a growable stack may span after growing.
    pub stack: u32,
    /// `RLIMIT_AS` (soft): most bytes all areas together may span.
    pub as_: u32,
    /// `RLIMIT_DATA` (soft): most bytes of data areas (private, writable, not a stack).
    pub data: u32,
    /// `RLIMIT_DATA` (hard), for Linux's "soft limit 0" exception (Valgrind's workaround).
    pub data_max: u32,
}

impl VmLimits {
    /// What a process gets by default (Linux's init): an 8 MiB stack, nothing else limited.
    pub const DEFAULT: VmLimits =
        VmLimits { stack: STACK_LIMIT, as_: RLIM_INFINITY, data: RLIM_INFINITY, data_max: RLIM_INFINITY };

    /// Whether a space spanning `total` pages, `data` of them data pages, may grow by `pages`
    /// pages of an area with `flags` (Linux's `may_expand_vm`).
    pub fn may_expand(&self, total: u32, data: u32, flags: VmFlags, pages: u32) -> bool {
        if u64::from(total) + u64::from(pages) > u64::from(self.as_ >> PAGE_SHIFT) {
            return false;
        }
        if is_data(flags) && u64::from(data) + u64::from(pages) > u64::from(self.data >> PAGE_SHIFT) {
            // Linux: a soft limit of 0 lets data grow up to the hard limit (for Valgrind).
            return self.data == 0 && u64::from(data) + u64::from(pages) <= u64::from(self.data_max >> PAGE_SHIFT);
        }
        true
    }

    /// Whether the data accounting needs counting at all (a finite data limit).
    pub const fn limits_data(&self) -> bool {
        self.data != RLIM_INFINITY
    }
}

impl Default for VmLimits {
    fn default() -> Self {
        VmLimits::DEFAULT
    }
}

/// Linux's `is_data_mapping`: writable, private, not a stack.
pub const fn is_data(flags: VmFlags) -> bool {
    flags.contains(VmFlags::WRITE) && !flags.intersects(VmFlags::SHARED.union(VmFlags::GROWSDOWN))
}

impl MSpace {
    /// The limits this space enforces.
    pub const fn limits(&self) -> VmLimits {
        self.limits
    }

    /// Sets the limits (exec, `setrlimit`). Areas already beyond a lowered limit stay; only
    /// growth is refused, as in Linux.
    pub fn set_limits(&mut self, limits: VmLimits) {
        self.limits = limits;
    }

    /// Pages of data areas (Linux's `mm->data_vm`).
    pub fn data_pages(&self) -> u32 {
        self.tree.iter().filter(|v| is_data(v.flags)).map(|v| v.pages()).sum()
    }

    /// Pages of `LOCKED` areas (Linux's `mm->locked_vm`).
    pub fn locked_pages(&self) -> u32 {
        self.tree.iter().filter(|v| v.flags.contains(VmFlags::LOCKED)).map(|v| v.pages()).sum()
    }

    /// Pages of `[start, start + pages)` covered by `LOCKED` areas (Linux's
    /// `count_mm_mlocked_page_nr`, used so that locking locked memory again costs nothing).
    pub fn locked_pages_in(&self, start: Page, pages: u32) -> u32 {
        self.pages_in(start, pages, |f| f.contains(VmFlags::LOCKED))
    }

    /// Pages of `[start, start + pages)` covered by areas whose flags satisfy `pick`.
    pub(super) fn pages_in(&self, start: Page, pages: u32, pick: impl Fn(VmFlags) -> bool) -> u32 {
        let first = start.number();
        let end = first.saturating_add(pages).min(1 << 20);
        if end <= first {
            return 0;
        }
        self.tree
            .range(start, Page::from_number(end))
            .filter(|v| pick(v.flags))
            .map(|v| v.end_page().number().min(end) - v.start().number().max(first))
            .sum()
    }

    /// Whether the space may grow by `pages` pages of an area with `flags`, given that `freed`
    /// pages of the range it goes to are mapped already and would be replaced.
    pub(super) fn may_expand(&self, flags: VmFlags, pages: u32, freed: u32) -> bool {
        let grow = pages.saturating_sub(freed);
        let data = if is_data(flags) && self.limits.limits_data() { self.data_pages() } else { 0 };
        self.limits.may_expand(self.tree.total_pages(), data, flags, grow)
    }
}
