//! `mincore`: which pages of a range are resident, as Linux 6.1's `mm/mincore.c` reports it.
//!
//! A page is resident when its entry is present in this space (any frame: the zero frame, a
//! copy-on-write frame, a `PROT_NONE` page whose data is kept); a page of a file area that is
//! not mapped here is resident when the page cache holds it, which the kernel answers through
//! the `cached` callback (`FileObject::is_resident`; shared anonymous memory will answer the
//! same way once it is an object).

use alloc::sync::Arc;

use super::MSpace;
use crate::addr::{Page, ENTRIES};
use crate::paging::TableAccess;
use crate::pte::PteFlags;
use crate::vma::{Backing, FileObject};

impl MSpace {
    /// Linux's `do_mincore`: fills `out[i]` (1 resident, 0 not) for the pages from `start` to
    /// the end of the area containing `start`, at most `out.len()` of them, and returns how
    /// many; `None` when no area contains `start` (`ENOMEM`). The kernel calls it again from
    /// where it stopped until the range is done.
    pub fn mincore(
        &self,
        start: Page,
        out: &mut [u8],
        tables: &dyn TableAccess,
        cached: &dyn Fn(&Arc<dyn FileObject>, u64) -> bool,
    ) -> Option<usize> {
        let vma = self.tree.find(start.start())?;
        let n = (vma.end_page().number() - start.number()).min(out.len() as u32) as usize;
        let per_table = ENTRIES as u32;
        let mut i = 0usize;
        while i < n {
            let page = start.number() + i as u32;
            let pdi = (page / per_table) as usize;
            let in_table = ((per_table - page % per_table) as usize).min(n - i);
            let pde = tables.read_pde(pdi);
            let linked = pde.is_present() && !pde.flags().contains(PteFlags::HUGE);
            for k in 0..in_table {
                let present = linked && tables.read_pte(pdi, ((page + k as u32) % per_table) as usize).is_present();
                out[i + k] = u8::from(present);
            }
            i += in_table;
        }
        if let Backing::File { file, .. } = &vma.backing {
            for (k, byte) in out[..n].iter_mut().enumerate() {
                if *byte == 0 {
                    let addr = Page::from_number(start.number() + k as u32).start();
                    if let Some(pos) = vma.file_position(addr) {
                        *byte = u8::from(cached(file, pos.offset));
                    }
                }
            }
        }
        Some(n)
    }
}
