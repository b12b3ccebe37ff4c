//! `MADV_REMOVE`'s second half: which object pages lie behind a range of the space. Punching
//! them edits every space mapping the object, so the kernel asks here under this space's lock
//! and punches after dropping it (the lock order is a space, then an object's reverse map).

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::errno::Errno;
use super::MSpace;
use crate::addr::{Page, PAGE_SHIFT};
use crate::vma::{Backing, FileObject};

/// Pages `[first, end)` of `file`, as [`MSpace::object_ranges`] reports them.
pub struct ObjectRange {
    /// The object.
    pub file: Arc<dyn FileObject>,
    /// First page index.
    pub first: u64,
    /// Page index after the last.
    pub end: u64,
}

impl MSpace {
    /// The object pages mapped by the file areas in `[start, start + pages)`, in address order
    /// (`ENOMEM` when the list cannot grow).
    pub fn object_ranges(&self, start: Page, pages: u32) -> Result<Vec<ObjectRange>, Errno> {
        let end = Page::from_number(start.number().saturating_add(pages));
        let mut out: Vec<ObjectRange> = Vec::new();
        for vma in self.tree.range(start, end) {
            let Backing::File { file, offset, .. } = &vma.backing else { continue };
            let lo = vma.start().max(start);
            let hi = vma.end_page().min(end);
            let first = (offset >> PAGE_SHIFT) + u64::from(lo.number() - vma.start().number());
            out.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
            out.push(ObjectRange { file: file.clone(), first, end: first + u64::from(hi.number() - lo.number()) });
        }
        Ok(out)
    }
}
