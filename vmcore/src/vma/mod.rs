//! Virtual memory areas: a run of pages with one set of flags and one backing.
//!
//! A [`Vma`] covers `pages` pages from `start`. Its end is always representable as a
//! [`VirtAddr`] (at most 0xFFFFF000), so a VMA never touches the last page of the address
//! space — which is the kernel's page directory anyway.

mod backing;
mod flags;
mod split_merge;

pub use backing::{same_file, Backing, FileObject, PageError, VmaName};
pub use flags::{Access, VmFlags};
pub use split_merge::MergeError;

use crate::addr::{Frame, Page, VirtAddr, PAGE_SHIFT, PAGE_SIZE};

/// One virtual memory area.
///
/// `start` and `pages` are private so that a [`VmaTree`](crate::tree::VmaTree), which keys
/// areas by their start, stays consistent; the other fields may be edited in place.
#[derive(Clone, Debug)]
pub struct Vma {
    start: Page,
    pages: u32,
    /// Permissions and behaviour.
    pub flags: VmFlags,
    /// Where the pages come from.
    pub backing: Backing,
    /// Name shown in `/proc/PID/maps` when the area is not a file mapping.
    pub name: VmaName,
}

/// Why [`Vma::new`] refused an area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmaError {
    /// Zero pages.
    Empty,
    /// The end would lie past 0xFFFFF000.
    PastTop,
    /// A file offset that is not page-aligned.
    UnalignedOffset,
    /// A physical base that is not page-aligned.
    UnalignedBase,
    /// The physical range would run past 4 GiB.
    PhysicalPastTop,
}

/// Where a page of a file mapping comes from in the file (see [`Vma::file_position`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilePosition {
    /// File offset of the first byte of the page.
    pub offset: u64,
    /// Bytes to copy from the file into the start of the page; the rest of the page is zero.
    /// 0 means the whole page is zero (past `limit`, or past the end of the file).
    pub bytes: u32,
    /// The page lies inside the mapping's file data (`limit`) but wholly past the end of the
    /// file: Linux raises SIGBUS for such an access.
    pub past_eof: bool,
    /// The backing's `limit` covers the whole page (no zero tail of its own): a private
    /// mapping may map the page-cache page copy-on-write instead of copying it.
    pub whole: bool,
}

impl Vma {
    /// An area of `pages` pages from `start`, unnamed. A file backing's `limit` is clamped to
    /// the area's length.
    pub fn new(
        start: Page,
        pages: u32,
        flags: VmFlags,
        mut backing: Backing,
    ) -> Result<Self, VmaError> {
        if pages == 0 {
            return Err(VmaError::Empty);
        }
        let end = u64::from(start.number()) + u64::from(pages);
        if end > u64::from(u32::MAX >> PAGE_SHIFT) {
            return Err(VmaError::PastTop);
        }
        let len = u64::from(pages) << PAGE_SHIFT;
        match &mut backing {
            Backing::Anonymous => {}
            Backing::File { offset, limit, .. } => {
                if *offset % u64::from(PAGE_SIZE) != 0 {
                    return Err(VmaError::UnalignedOffset);
                }
                *limit = (*limit).min(len);
            }
            Backing::Physical { base } => {
                if !base.is_aligned(PAGE_SIZE) {
                    return Err(VmaError::UnalignedBase);
                }
                if u64::from(base.as_u32()) + len > 1 << 32 {
                    return Err(VmaError::PhysicalPastTop);
                }
            }
        }
        Ok(Vma { start, pages, flags, backing, name: VmaName::None })
    }

    /// An anonymous area.
    pub fn anonymous(start: Page, pages: u32, flags: VmFlags) -> Result<Self, VmaError> {
        Self::new(start, pages, flags, Backing::Anonymous)
    }

    /// The same area with `name`.
    pub fn with_name(mut self, name: VmaName) -> Self {
        self.name = name;
        self
    }

    /// First page.
    pub const fn start(&self) -> Page {
        self.start
    }

    /// First address.
    pub const fn start_addr(&self) -> VirtAddr {
        self.start.start()
    }

    /// Number of pages (at least 1).
    pub const fn pages(&self) -> u32 {
        self.pages
    }

    /// One past the last address.
    pub const fn end(&self) -> VirtAddr {
        VirtAddr::new((self.start.number() + self.pages) << PAGE_SHIFT)
    }

    /// The page just past the area.
    pub const fn end_page(&self) -> Page {
        Page::from_number(self.start.number() + self.pages)
    }

    /// Length in bytes.
    #[allow(clippy::len_without_is_empty)] // a VMA is never empty
    pub const fn len(&self) -> u32 {
        self.pages << PAGE_SHIFT
    }

    /// Whether `addr` lies inside the area.
    pub const fn contains(&self, addr: VirtAddr) -> bool {
        self.contains_page(Page::containing(addr))
    }

    /// Whether `page` lies inside the area.
    pub const fn contains_page(&self, page: Page) -> bool {
        page.number() >= self.start.number() && page.number() - self.start.number() < self.pages
    }

    /// Index of the page holding `addr` within the area, `None` outside.
    pub const fn page_index(&self, addr: VirtAddr) -> Option<u32> {
        if self.contains(addr) {
            Some(Page::containing(addr).number() - self.start.number())
        } else {
            None
        }
    }

    /// Whether the flags permit `access` (see [`Access`] for the rules).
    pub const fn allows(&self, access: Access) -> bool {
        self.flags.allows(access)
    }

    /// The file data for the page holding `addr`: `None` outside the area or when the area is
    /// not a file mapping.
    pub fn file_position(&self, addr: VirtAddr) -> Option<FilePosition> {
        let Backing::File { file, offset, limit } = &self.backing else {
            return None;
        };
        let rel = u64::from(self.page_index(addr)?) << PAGE_SHIFT;
        let file_offset = offset.saturating_add(rel);
        let data = (*limit).min(u64::from(self.len())).saturating_sub(rel);
        let whole = data >= u64::from(PAGE_SIZE);
        if data == 0 {
            return Some(FilePosition { offset: file_offset, bytes: 0, past_eof: false, whole });
        }
        let size = file.size();
        if file_offset >= size {
            return Some(FilePosition { offset: file_offset, bytes: 0, past_eof: true, whole });
        }
        let bytes = data.min(size - file_offset).min(u64::from(PAGE_SIZE));
        let bytes = u32::try_from(bytes).expect("invariant: bounded by PAGE_SIZE");
        Some(FilePosition { offset: file_offset, bytes, past_eof: false, whole })
    }

    /// The physical frame of the page holding `addr` in a [`Backing::Physical`] area.
    pub fn physical_frame(&self, addr: VirtAddr) -> Option<Frame> {
        let Backing::Physical { base } = self.backing else {
            return None;
        };
        let index = self.page_index(addr)?;
        Some(
            Frame::new(base)
                .checked_add(index)
                .expect("invariant: Vma::new checked the physical range"),
        )
    }
}

#[cfg(test)]
pub(crate) mod test_file;
#[cfg(test)]
mod tests;
