//! Validating the page ranges operations are given.

use core::fmt;

use super::MSpace;
use crate::addr::Page;
use crate::errno::Errno;
use crate::tree::VmaTree;

/// Why a `(start, pages)` range was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeError {
    /// Zero pages where the operation needs at least one (`EINVAL`).
    Empty,
    /// The range runs past the top of the 32-bit address space (`EINVAL`).
    WrapAround,
    /// The range reaches outside the space's bounds (`ENOMEM` for range operations,
    /// `EINVAL` for `mmap`/`munmap`, like Linux).
    OutOfBounds,
}

/// A validated, non-empty range `[start, end)` inside the space's bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Span {
    /// First page.
    pub start: Page,
    /// One past the last page.
    pub end: Page,
}

impl Span {
    /// Number of pages.
    pub fn pages(&self) -> u32 {
        self.end.number() - self.start.number()
    }

    /// The part of the span that `[start, end)` overlaps (assumed to overlap).
    pub fn clip(&self, start: Page, end: Page) -> Span {
        Span { start: self.start.max(start), end: self.end.min(end) }
    }

    /// The pages of the span in order.
    pub fn iter(&self) -> impl Iterator<Item = Page> {
        (self.start.number()..self.end.number()).map(Page::from_number)
    }
}

impl MSpace {
    /// Checks `[start, start + pages)`; `Ok(None)` for an empty range.
    pub(super) fn span(&self, start: Page, pages: u32) -> Result<Option<Span>, RangeError> {
        let end = start.number().checked_add(pages).ok_or(RangeError::WrapAround)?;
        if end > 1 << 20 {
            return Err(RangeError::WrapAround);
        }
        if pages == 0 {
            return Ok(None);
        }
        if start < self.lower || end > self.upper.number() {
            return Err(RangeError::OutOfBounds);
        }
        Ok(Some(Span { start, end: Page::from_number(end) }))
    }

    /// Like [`MSpace::span`], but an empty range is an error.
    pub(super) fn nonempty_span(&self, start: Page, pages: u32) -> Result<Span, RangeError> {
        self.span(start, pages)?.ok_or(RangeError::Empty)
    }
}

/// The first page of `span` no area covers.
pub(super) fn first_hole(tree: &VmaTree, span: Span) -> Option<Page> {
    let mut expected = span.start;
    for vma in tree.range(span.start, span.end) {
        if vma.start() > expected {
            return Some(expected);
        }
        expected = vma.end_page();
    }
    (expected < span.end).then_some(expected)
}

/// The errno of a range operation (`mprotect`, `mlock`, `madvise`): `ENOMEM` outside the
/// bounds, `EINVAL` otherwise.
impl From<RangeError> for Errno {
    fn from(e: RangeError) -> Self {
        match e {
            RangeError::OutOfBounds => Errno::ENOMEM,
            RangeError::Empty | RangeError::WrapAround => Errno::EINVAL,
        }
    }
}

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RangeError::Empty => "empty range",
            RangeError::WrapAround => "range wraps around the address space",
            RangeError::OutOfBounds => "range outside user space",
        })
    }
}
