//! Physical memory as an address space needs it.

use crate::addr::Frame;
use crate::paging::FrameSource;
use crate::ptshare::TableMeta;
use crate::vma::FileObject;

/// Physical memory operations the kernel implements for [`MSpace`](super::MSpace).
///
/// Three kinds of frames pass through here:
///
/// * **page tables** ([`FrameSource`]): zeroed, owned by one directory, not reference counted;
/// * **data frames** ([`PhysOps::alloc_frame`], and file pages from
///   [`FileObject::get_page`]): reference counted, one reference per mapping (plus whatever the
///   kernel holds itself, e.g. the page cache's own reference); freed when the count drops to 0
///   (the kernel may also drop a clean cache page once only the cache's reference is left);
/// * **uncounted frames**: the zero frame ([`PhysOps::zero_page`]) and device memory of
///   [`Backing::Physical`](crate::vma::Backing::Physical) areas. The address space never
///   changes their counts.
///
/// Frame contents are reached through the kernel's temporary mappings; nothing here assumes
/// a frame is mapped anywhere.
pub trait PhysOps: FrameSource + super::RmapOps {
    /// A data frame with reference count 1; its contents are undefined. `None` when memory is
    /// exhausted.
    fn alloc_frame(&mut self) -> Option<Frame>;

    /// Fills `frame` with zeroes.
    fn zero_frame(&mut self, frame: Frame);

    /// Copies the 4096 bytes of `src` into `dst`.
    fn copy_frame(&mut self, src: Frame, dst: Frame);

    /// Copies `bytes` bytes (at most 4096) of `file` from `offset` into the start of `frame` and
    /// zeroes the rest of the frame. A short read (end of file) is zero-filled too.
    fn fill_from_file(&mut self, frame: Frame, file: &dyn FileObject, offset: u64, bytes: u32);

    /// Adds a reference to an allocated data frame; returns the new count.
    fn inc_ref(&mut self, frame: Frame) -> u32;

    /// Adds a reference to each of `frames` (allocated data frames; a frame may appear more
    /// than once). `fork` hands them over in batches, so that the kernel can take its
    /// allocator lock once per batch instead of once per page.
    fn inc_refs(&mut self, frames: &[Frame]) {
        for &frame in frames {
            self.inc_ref(frame);
        }
    }

    /// Drops a reference; returns whether that freed the frame.
    fn dec_ref(&mut self, frame: Frame) -> bool;

    /// Current reference count of a data frame (0 if free).
    fn refcount(&self, frame: Frame) -> u32;

    /// How many mappings hold `frame` (Linux's `page_mapcount`): its references less those the
    /// kernel holds itself (the page cache's own). The default counts every reference, right
    /// for memories whose caches keep none in the count.
    fn map_count(&self, frame: Frame) -> u32 {
        self.refcount(frame)
    }

    /// The one frame of zeroes every space maps read-only for untouched private pages. Never
    /// freed, never written, never counted.
    fn zero_page(&self) -> Frame;

    /// The sharing record of page-table frame `table` (`TableMeta::default()` for a table
    /// never shared since it was allocated): `ptshare`'s ledger, kept in the frame database.
    fn table_meta(&self, table: Frame) -> TableMeta;

    /// Stores the sharing record of page-table frame `table`.
    fn set_table_meta(&mut self, table: Frame, meta: TableMeta);

    /// Copies the 4 KiB of page-table frame `src` into `dst` through temporary mappings (a
    /// shared table is reachable only read-only through the directory windows).
    fn copy_table(&mut self, src: Frame, dst: Frame);

    /// A shared mapping's entry for `frame` was dirty (written through) when it was removed:
    /// the page cache now holds the only copy of the data (Linux's `set_page_dirty` in
    /// `zap_pte_range`). Anonymous and private frames need nothing.
    fn page_dirtied(&mut self, _frame: Frame) {}
}
