//! The TLB work an address-space operation leaves behind.

use crate::addr::Page;
use crate::paging::{Flush, FlushBatch, FlushPlan};

/// User pages whose cached translations are stale after an operation.
///
/// A [`FlushBatch`] (the span from the lowest to the highest stale page), or "everything" after
/// a sweep. The kernel turns it into a [`FlushPlan`] with [`SpaceFlush::plan`] when the space is
/// active on this CPU, or calls [`SpaceFlush::ignore`] when the space was edited through the
/// external window (see the [module documentation](super)).
#[must_use = "the TLB may hold stale user translations: execute .plan() or call .ignore()"]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SpaceFlush {
    /// The stale pages.
    batch: FlushBatch,
    /// Every user translation is stale.
    all: bool,
}

impl SpaceFlush {
    /// Nothing to flush.
    pub const fn new() -> Self {
        SpaceFlush { batch: FlushBatch::new(), all: false }
    }

    /// Every user translation is stale (after a sweep).
    pub const fn everything() -> Self {
        SpaceFlush { batch: FlushBatch::new(), all: true }
    }

    /// Adds a mapper token.
    pub fn add(&mut self, flush: Flush) {
        self.batch.add(flush);
    }

    /// Adds one stale page.
    pub fn add_page(&mut self, page: Page) {
        self.batch.add_page(page);
    }

    /// Adds everything `other` names.
    pub fn merge(&mut self, other: SpaceFlush) {
        self.all |= other.all;
        if let Some((lo, hi)) = other.batch.span() {
            self.add_page(lo);
            self.add_page(hi);
        }
    }

    /// Whether nothing is stale.
    pub fn is_empty(&self) -> bool {
        !self.all && self.batch.span().is_none()
    }

    /// Whether every user translation is stale.
    pub fn is_everything(&self) -> bool {
        self.all
    }

    /// Lowest and highest stale page, `None` when empty or everything.
    pub fn span(&self) -> Option<(Page, Page)> {
        if self.all {
            None
        } else {
            self.batch.span()
        }
    }

    /// Whether `page` is covered.
    pub fn covers(&self, page: Page) -> bool {
        self.all || self.batch.span().is_some_and(|(lo, hi)| lo <= page && page <= hi)
    }

    /// The plan for the active space: page by page if the span covers at most `max_pages`
    /// pages (it may include pages that did not change), else a CR3 reload.
    pub fn plan(self, max_pages: u32) -> FlushPlan {
        if self.all {
            return FlushPlan::All;
        }
        self.batch.plan(max_pages)
    }

    /// Drops the flush on purpose: the space was edited through the external window, so this
    /// CPU holds none of its translations.
    pub fn ignore(self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: u32) -> Page {
        Page::from_number(n)
    }

    #[test]
    fn plans() {
        assert_eq!(SpaceFlush::new().plan(4), FlushPlan::Nothing);
        assert_eq!(SpaceFlush::everything().plan(4), FlushPlan::All);
        let mut f = SpaceFlush::new();
        f.add_page(page(9));
        f.add(Flush::new(page(7)));
        assert!(f.covers(page(8)) && !f.covers(page(10)));
        assert_eq!(f.span(), Some((page(7), page(9))));
        let mut g = SpaceFlush::new();
        g.add_page(page(12));
        f.merge(g);
        assert_eq!(f.plan(6), FlushPlan::Pages { first: page(7), count: 6 });
        let mut h = SpaceFlush::new();
        h.add_page(page(1));
        h.add_page(page(100));
        assert_eq!(h.plan(6), FlushPlan::All);
        let mut e = SpaceFlush::new();
        e.merge(SpaceFlush::everything());
        assert!(e.is_everything() && !e.is_empty() && e.span().is_none());
    }
}
