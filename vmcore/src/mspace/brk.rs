//! The brk heap: one growable anonymous area after the program's data.

use core::fmt;

use super::flush::SpaceFlush;
use super::phys::PhysOps;
use super::range::Span;
use super::rmap::tracked;
use super::MSpace;
use crate::addr::{Page, VirtAddr, PAGE_SHIFT, PAGE_SIZE};
use crate::errno::Errno;
use crate::layout::STACK_GUARD_GAP;
use crate::paging::TableAccess;
use crate::vma::{VmFlags, Vma, VmaName};

/// Flags of the heap area (Linux's `VM_DATA_DEFAULT_FLAGS` without `EXEC`): `rw-p`.
pub const HEAP_FLAGS: VmFlags = VmFlags::READ
    .union(VmFlags::WRITE)
    .union(VmFlags::MAYREAD)
    .union(VmFlags::MAYWRITE)
    .union(VmFlags::MAYEXEC);

/// The brk heap of a space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heap {
    /// First address of the heap (page-aligned, after the program's data).
    pub start: VirtAddr,
    /// The current break: the heap area covers `[start, brk)` rounded up to whole pages.
    pub brk: VirtAddr,
}

/// Why [`MSpace::set_brk`] or [`MSpace::init_heap`] refused; nothing was changed (`brk`
/// then returns the old break, like Linux).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrkError {
    /// No heap was set up.
    NoHeap,
    /// The new break lies below the heap's start.
    BelowStart,
    /// The heap would leave the space's bounds.
    OutOfBounds,
    /// Another mapping, or the guard gap below a stack, is in the way.
    Occupied,
    /// The heap would pass `RLIMIT_DATA`, or the space `RLIMIT_AS`.
    LimitExceeded,
    /// No memory for the reverse map of a file mapped in the range given up.
    OutOfMemory,
}

impl MSpace {
    /// Sets the heap up at `start` with an empty break (`exec`, after loading the program).
    pub fn init_heap(&mut self, start: Page) -> Result<(), BrkError> {
        if start < self.lower || start >= self.upper {
            return Err(BrkError::OutOfBounds);
        }
        self.heap = Some(Heap { start: start.start(), brk: start.start() });
        Ok(())
    }

    /// The heap, if set up.
    pub const fn heap(&self) -> Option<Heap> {
        self.heap
    }

    /// `brk(new)`: moves the break. Growing maps the new whole pages as a private anonymous
    /// `[heap]` area (merged with the heap below); shrinking unmaps the whole pages past the
    /// new break like [`MSpace::unmap`]. Returns the pages to flush.
    pub fn set_brk(
        &mut self,
        new: VirtAddr,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> Result<SpaceFlush, BrkError> {
        let heap = self.heap.ok_or(BrkError::NoHeap)?;
        if new < heap.start {
            return Err(BrkError::BelowStart);
        }
        let old_top = top(heap.brk).expect("invariant: the old break lies in bounds");
        let new_top = top(new).filter(|&t| t <= self.upper).ok_or(BrkError::OutOfBounds)?;
        // Linux's check_data_rlimit, before growing or shrinking (without the data segment's
        // size, which the space does not know).
        if self.limits.limits_data() && new.as_u32() - heap.start.as_u32() > self.limits.data {
            return Err(BrkError::LimitExceeded);
        }
        let mut flush = SpaceFlush::new();
        if new_top > old_top {
            self.grow_heap(Span { start: old_top, end: new_top })?;
        } else if new_top < old_top {
            // Whatever lies there goes, file areas mapped into the heap's range included.
            let span = Span { start: new_top, end: old_top };
            self.unshare_span(span.start, span.end, tables, phys, &mut flush).map_err(|_| BrkError::OutOfMemory)?;
            tracked(self, span.start, span.end, phys, |s, phys| s.unmap_span(span, tables, phys, &mut flush))
                .map_err(|_| BrkError::OutOfMemory)?;
        }
        self.heap = Some(Heap { brk: new, ..heap });
        Ok(flush)
    }

    /// Maps `span` as heap, if it is free and clear of a stack's guard gap.
    fn grow_heap(&mut self, span: Span) -> Result<(), BrkError> {
        if self.tree.range(span.start, span.end).next().is_some() {
            return Err(BrkError::Occupied);
        }
        if !self.may_expand(HEAP_FLAGS, span.pages(), 0) {
            return Err(BrkError::LimitExceeded);
        }
        if let Some(next) = self.tree.range(span.end, self.upper).next() {
            let gap = next.start().number() - span.end.number();
            if next.flags.contains(VmFlags::GROWSDOWN) && gap < STACK_GUARD_GAP >> PAGE_SHIFT {
                return Err(BrkError::Occupied);
            }
        }
        let vma = Vma::anonymous(span.start, span.pages(), HEAP_FLAGS)
            .expect("invariant: a non-empty span in bounds")
            .with_name(VmaName::Heap);
        self.tree.reserve(1).map_err(|_| BrkError::OutOfMemory)?;
        self.tree.insert(vma).expect("invariant: the range is free and reserved");
        self.tree.scavenge_range(span.start, span.end);
        Ok(())
    }
}

/// The page just past the heap ending at `brk`, `None` past the address space.
fn top(brk: VirtAddr) -> Option<Page> {
    brk.align_up(PAGE_SIZE).map(Page::new)
}

/// `ENOMEM` (the `brk` system call itself reports failure by returning the old break).
impl From<BrkError> for Errno {
    fn from(_: BrkError) -> Self {
        Errno::ENOMEM
    }
}

impl fmt::Display for BrkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BrkError::NoHeap => "brk: no heap",
            BrkError::BelowStart => "brk: below the heap's start",
            BrkError::OutOfBounds => "brk: outside user space",
            BrkError::Occupied => "brk: another mapping is in the way",
            BrkError::LimitExceeded => "brk: beyond RLIMIT_DATA or RLIMIT_AS",
            BrkError::OutOfMemory => "brk: no memory for a file's reverse map",
        })
    }
}
