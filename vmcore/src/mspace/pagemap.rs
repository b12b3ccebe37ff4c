//! `/proc/PID/pagemap`: one 64-bit entry per virtual page, Linux 6.1's format
//! (`Documentation/admin-guide/mm/pagemap.rst`): bit 63 present, 62 swapped, 61 file page or
//! shared anonymous, 56 exclusively mapped, bits 0–54 the page frame number (only for a
//! privileged reader; 0 otherwise). Not-present pages and holes read as 0.

use super::pages::{counted_pages, kind, Kind};
use super::phys::PhysOps;
use super::MSpace;
use crate::addr::{Frame, Page, ENTRIES};
use crate::paging::TableAccess;
use crate::pte::PteFlags;
use crate::vma::{Backing, VmFlags};

/// Page present (`PM_PRESENT`).
pub const PM_PRESENT: u64 = 1 << 63;
/// Page swapped (`PM_SWAP`).
pub const PM_SWAP: u64 = 1 << 62;
/// File page or shared anonymous (`PM_FILE`).
pub const PM_FILE: u64 = 1 << 61;
/// Mapped exactly once (`PM_MMAP_EXCLUSIVE`).
pub const PM_MMAP_EXCLUSIVE: u64 = 1 << 56;

impl MSpace {
    /// Fills `out` with the entries of the pages from `start` on (`show_pfn`: include frame
    /// numbers, for a reader with `CAP_SYS_ADMIN`).
    pub fn pagemap(&self, start: Page, out: &mut [u64], tables: &dyn TableAccess, phys: &dyn PhysOps, show_pfn: bool) {
        let zero = phys.zero_page();
        let per_table = ENTRIES as u32;
        for (i, e) in out.iter_mut().enumerate() {
            *e = 0;
            let n = start.number() + i as u32;
            if n >= 1 << 20 {
                continue;
            }
            let page = Page::from_number(n);
            let Some(vma) = self.tree.find(page.start()) else { continue };
            let pde = tables.read_pde((n / per_table) as usize);
            if !pde.is_present() || pde.flags().contains(PteFlags::HUGE) {
                continue;
            }
            let pte = tables.read_pte((n / per_table) as usize, (n % per_table) as usize);
            let Some(frame) = pte.frame() else { continue };
            let mut v = PM_PRESENT;
            if show_pfn {
                v |= u64::from(frame.number());
            }
            if kind(vma, frame, zero) == Kind::Counted {
                let file = matches!(vma.backing, Backing::File { .. });
                let shared = vma.flags.is_shared();
                // A private file page not written since it was read is still the file's.
                let file_page = shared || (file && !pte.flags().contains(PteFlags::DIRTY));
                if file_page {
                    v |= PM_FILE;
                }
                // Under a table shared by fork one reference stands for several spaces.
                if phys.map_count(frame) == 1 && !crate::ptshare::is_shared(pde) {
                    v |= PM_MMAP_EXCLUSIVE;
                }
            }
            *e = v;
        }
    }
}

impl MSpace {
    /// Calls `visit(frame, locked)` for every present entry of the space that maps a counted
    /// data frame (neither the zero frame nor device memory), `locked` when its area is
    /// `LOCKED`: the mappings `/proc/kpagecount` counts (Linux's `page_mapcount`) and
    /// `/proc/kpageflags` marks mapped and mlocked.
    pub fn for_each_mapped_frame(&self, tables: &dyn TableAccess, phys: &dyn PhysOps, visit: &mut dyn FnMut(Frame, bool)) {
        let zero = phys.zero_page();
        for vma in self.tree.iter() {
            let locked = vma.flags.contains(VmFlags::LOCKED);
            for (_, _, frame) in counted_pages(vma, tables, zero) {
                visit(frame, locked);
            }
        }
    }
}
