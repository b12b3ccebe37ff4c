//! TLB-invalidation tokens returned by page-table edits.
//!
//! The logic here cannot execute `invlpg`; it hands the kernel a token naming what went stale.
//! The tokens are `#[must_use]`: dropping one silently is a compile warning, so every caller
//! either flushes or says why not ([`Flush::ignore`]: e.g. the edited directory is not the
//! active one).

use crate::addr::Page;
use crate::layout::Window;

/// One page whose cached translation is stale. The kernel executes `invlpg page.start()`.
#[must_use = "the TLB may still hold the old translation: invalidate the page or call .ignore()"]
#[derive(Debug, PartialEq, Eq)]
pub struct Flush(Page);

impl Flush {
    /// A token for `page`.
    pub const fn new(page: Page) -> Self {
        Flush(page)
    }

    /// The page to invalidate.
    pub const fn page(self) -> Page {
        self.0
    }

    /// Drops the token on purpose (no flush needed, or a wider flush follows).
    pub fn ignore(self) {}
}

/// Every non-global translation of the edited directory may be stale: the kernel reloads CR3
/// (which also drops the recursive-window entries, which are never global).
#[must_use = "the TLB may hold stale translations: reload CR3 or call .ignore()"]
#[derive(Debug, PartialEq, Eq)]
pub struct FlushAll(());

impl FlushAll {
    /// A token for the whole TLB.
    pub const fn new() -> Self {
        FlushAll(())
    }

    /// Drops the token on purpose.
    pub fn ignore(self) {}
}

impl Default for FlushAll {
    fn default() -> Self {
        Self::new()
    }
}

/// A page table that `unmap` unlinked and returned to the [`super::FrameSource`].
///
/// Besides the unmapped page itself, the window page through which the table was reached is
/// now stale: invalidate [`FreedTable::window_page`] for the window used before the frame is
/// touched again through that window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FreedTable {
    /// Directory index whose table was freed.
    pub pdi: usize,
    /// The table's frame (already given back).
    pub frame: crate::addr::Frame,
}

impl FreedTable {
    /// The page at which `window` showed the freed table.
    pub const fn window_page(self, window: Window) -> Page {
        Page::new(window.table_addr(self.pdi))
    }
}

/// What a [`FlushBatch`] asks the kernel to do.
#[must_use = "the TLB may hold stale translations"]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlushPlan {
    /// Nothing was changed.
    Nothing,
    /// `invlpg` each of the `count` pages from `first` on (may include untouched pages).
    Pages {
        /// First page.
        first: Page,
        /// Number of consecutive pages.
        count: u32,
    },
    /// Reload CR3.
    All,
}

/// Collects [`Flush`] tokens of a multi-page operation and turns them into one plan.
///
/// It tracks the span from the lowest to the highest page added; if that span is short the
/// plan invalidates it page by page, otherwise it flushes everything.
#[must_use = "the collected pages still need to be flushed: call .plan()"]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FlushBatch {
    /// Lowest and highest page added, `None` if empty.
    span: Option<(Page, Page)>,
}

impl FlushBatch {
    /// An empty batch.
    pub const fn new() -> Self {
        FlushBatch { span: None }
    }

    /// Adds a token.
    pub fn add(&mut self, flush: Flush) {
        self.add_page(flush.page());
    }

    /// Adds a page (e.g. a [`FreedTable::window_page`]).
    pub fn add_page(&mut self, page: Page) {
        self.span = Some(match self.span {
            None => (page, page),
            Some((lo, hi)) => (lo.min(page), hi.max(page)),
        });
    }

    /// Lowest and highest page added, `None` if empty.
    pub fn span(&self) -> Option<(Page, Page)> {
        self.span
    }

    /// The plan: page by page if the span covers at most `max_pages` pages, else everything.
    pub fn plan(self, max_pages: u32) -> FlushPlan {
        match self.span {
            None => FlushPlan::Nothing,
            Some((lo, hi)) => {
                let count = hi.number() - lo.number() + 1;
                if count <= max_pages {
                    FlushPlan::Pages { first: lo, count }
                } else {
                    FlushPlan::All
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::VirtAddr;

    fn page(n: u32) -> Page {
        Page::from_number(n)
    }

    #[test]
    fn batch_plans() {
        assert_eq!(FlushBatch::new().plan(8), FlushPlan::Nothing);
        let mut b = FlushBatch::new();
        b.add(Flush::new(page(10)));
        b.add(Flush::new(page(7)));
        b.add_page(page(9));
        assert_eq!(
            b.plan(4),
            FlushPlan::Pages {
                first: page(7),
                count: 4
            }
        );
        let mut b = FlushBatch::new();
        b.add(Flush::new(page(1)));
        b.add(Flush::new(page(100)));
        assert_eq!(b.plan(4), FlushPlan::All);
    }

    #[test]
    fn freed_table_window_pages() {
        let t = FreedTable {
            pdi: 5,
            frame: crate::addr::Frame::from_number(9),
        };
        assert_eq!(
            t.window_page(Window::Own).start(),
            VirtAddr::new(0xFFC0_5000)
        );
        assert_eq!(
            t.window_page(Window::External).start(),
            VirtAddr::new(0xFF80_5000)
        );
        assert_eq!(Flush::new(page(3)).page(), page(3));
    }
}
