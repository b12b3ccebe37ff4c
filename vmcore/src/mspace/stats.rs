//! The exact memory counters of an address space.

/// Memory counters of one space, exact after every operation (in pages).
///
/// A *resident page* is a present user page-table entry. Resident pages count per mapping, not
/// per distinct frame: a frame shared copy-on-write with another space counts in both spaces,
/// two pages of one space mapping the same frame count twice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MSpaceStats {
    /// Pages covered by the areas (`VmaTree::total_pages`), resident or not.
    pub v_size: u32,
    /// Resident pages in private areas (not `SHARED`/`MAYSHARE`), **excluding** pages mapping
    /// the shared zero frame, **including** copy-on-write pages and device pages of private
    /// [`Backing::Physical`](crate::vma::Backing::Physical) areas.
    pub p_size: u32,
    /// Resident pages in shared areas (`SHARED` or `MAYSHARE`): shared anonymous memory,
    /// page-cache frames of shared file mappings, device pages of shared physical areas.
    pub s_size: u32,
    /// User page tables linked in the directory (including, transiently, empty ones that
    /// [`MSpace::scavenge`](super::MSpace::scavenge) would free).
    pub page_tables: u32,
    /// `p_size + s_size + page_tables + 1`: the last term is the page directory itself. An
    /// empty (or swept) space has `phys_pg_count == 1`.
    pub phys_pg_count: u32,
}

/// The counters an [`MSpace`](super::MSpace) maintains; `v_size` comes from the tree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Resident {
    /// `p_size`.
    pub private: u32,
    /// `s_size`.
    pub shared: u32,
    /// `page_tables`.
    pub tables: u32,
    /// Entries mapping the shared zero frame (not resident pages: what lets `fork` tell a
    /// shared table's data entries from its present ones without visiting them).
    pub zeros: u32,
    /// The highest `private + shared` seen when a page went away (Linux's `hiwater_rss`,
    /// updated lazily as Linux's `update_hiwater_rss` is: the fault path does not pay for it).
    pub peak: u32,
}

/// Which counter a resident page belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Account {
    /// `p_size`.
    Private,
    /// `s_size`.
    Shared,
    /// Not a resident page: the zero frame (counted in `zeros` only).
    None,
}

impl Resident {
    /// The public counters, given the tree's page total.
    pub fn stats(&self, v_size: u32) -> MSpaceStats {
        MSpaceStats {
            v_size,
            p_size: self.private,
            s_size: self.shared,
            page_tables: self.tables,
            phys_pg_count: self.private + self.shared + self.tables + 1,
        }
    }

    /// The counter of `account`.
    fn slot(&mut self, account: Account) -> &mut u32 {
        match account {
            Account::Private => &mut self.private,
            Account::Shared => &mut self.shared,
            Account::None => &mut self.zeros,
        }
    }

    /// One more resident page.
    pub fn add(&mut self, account: Account) {
        *self.slot(account) += 1;
    }

    /// `n` more resident pages.
    pub fn add_many(&mut self, account: Account, n: u32) {
        *self.slot(account) += n;
    }

    /// One more page table.
    pub fn table_linked(&mut self) {
        self.tables += 1;
    }

    /// The most resident pages (`private + shared`) the space has had at once.
    pub fn peak_rss(&self) -> u32 {
        self.peak.max(self.private + self.shared)
    }

    /// Whether every counter is zero (the peak is history, not content).
    pub fn is_zero(&self) -> bool {
        Resident { peak: 0, ..*self } == Resident::default()
    }

    /// One page table less.
    pub fn table_freed(&mut self) {
        self.tables = self.tables.checked_sub(1).expect("invariant: the counter covers every table");
    }

    /// One resident page less.
    pub fn remove(&mut self, account: Account) {
        self.peak = self.peak_rss();
        let c = self.slot(account);
        *c = c.checked_sub(1).expect("invariant: the counter covers every resident page");
    }
}
