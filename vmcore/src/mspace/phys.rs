//! Physical memory as an address space needs it.

use alloc::sync::Arc;

use crate::addr::Frame;
use crate::paging::FrameSource;
use crate::vma::FileObject;

/// Physical memory operations the kernel implements for [`MSpace`](super::MSpace).
///
/// Three kinds of frames pass through here:
///
/// * **page tables** ([`FrameSource`]): zeroed, owned by one directory, not reference counted;
/// * **data frames** ([`PhysOps::alloc_frame`], [`PhysOps::shared_file_frame`]): reference
///   counted, one reference per mapping (plus whatever the kernel holds itself, e.g. the page
///   cache's own reference); freed when the count drops to 0;
/// * **uncounted frames**: the zero frame ([`PhysOps::zero_page`]) and device memory of
///   [`Backing::Physical`](crate::vma::Backing::Physical) areas. The address space never
///   changes their counts.
///
/// Frame contents are reached through the kernel's temporary mappings; nothing here assumes
/// a frame is mapped anywhere.
pub trait PhysOps: FrameSource {
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

    /// The one frame of zeroes every space maps read-only for untouched private pages. Never
    /// freed, never written, never counted.
    fn zero_page(&self) -> Frame;

    /// The frame caching the page of `file` at `offset` (page-aligned), for shared mappings:
    /// every caller gets the same frame for the same `(file, offset)` while it is cached. The
    /// cache fills it on first use with the file's data (whole page; zeroes past the end of the
    /// file) and keeps its own reference; the caller receives a new reference. `None` when
    /// memory is exhausted.
    ///
    /// Writes through shared mappings land in this frame; writing it back to the file is the
    /// page cache's business.
    fn shared_file_frame(&mut self, file: &Arc<dyn FileObject>, offset: u64) -> Option<Frame>;
}
