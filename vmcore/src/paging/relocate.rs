//! Moving user entries between places of one directory (`mremap`): entry by entry, or a whole
//! page table at once when both places are table-aligned (Linux's `move_normal_pmd`).

use super::{TableAccess, TableCounts};
use crate::addr::{Page, ENTRIES};
use crate::pte::{Pte, PteFlags};

/// Moves every present entry of `[src, src + n)` to the same offset from `dst`, keeping each
/// entry as it is (frame and flags); the destination slots must be empty and their tables
/// linked. Source tables left empty stay linked (the caller frees them). Returns the number of
/// entries moved. One directory read per table, two entry accesses per page.
pub fn move_entries<A: TableAccess + ?Sized>(access: &mut A, counts: &mut TableCounts, src: Page, dst: Page, n: u32) -> u32 {
    let per = ENTRIES as u32;
    let (mut s, end) = (src.number(), src.number() + n);
    let delta = dst.number().wrapping_sub(src.number());
    let mut moved = 0;
    while s < end {
        // A run of source pages inside one source table whose destinations lie in one table.
        let d = s.wrapping_add(delta);
        let run_end = ((s / per + 1) * per).min(end).min(s + (per - d % per));
        let pdi = (s / per) as usize;
        let pde = access.read_pde(pdi);
        if pde.is_present() && !pde.flags().contains(PteFlags::HUGE) {
            let dpdi = (d / per) as usize;
            let (mut pti, mut dpti) = ((s % per) as usize, (d % per) as usize);
            let mut count: u16 = 0;
            for _ in s..run_end {
                let pte = access.read_pte(pdi, pti);
                if pte.is_present() {
                    access.write_pte(dpdi, dpti, pte);
                    access.write_pte(pdi, pti, Pte::EMPTY);
                    count += 1;
                }
                pti += 1;
                dpti += 1;
            }
            if count > 0 {
                // Take first: within one table the sum could pass 1024 for a moment.
                counts.sub(pdi, count);
                counts.add(dpdi, count);
                moved += u32::from(count);
            }
        }
        s = run_end;
    }
    moved
}

/// Moves the whole user page table of `src_pdi` to the empty directory slot `dst_pdi`, with its
/// count. Returns whether it moved (false when the source has no table or the destination
/// has one).
pub fn move_table<A: TableAccess + ?Sized>(access: &mut A, counts: &mut TableCounts, src_pdi: usize, dst_pdi: usize) -> bool {
    let pde = access.read_pde(src_pdi);
    if !pde.is_present() || pde.flags().contains(PteFlags::HUGE) || access.read_pde(dst_pdi).is_present() {
        return false;
    }
    let count = counts.get(src_pdi);
    access.write_pde(dst_pdi, pde);
    access.write_pde(src_pdi, Pte::EMPTY);
    counts.reset(src_pdi);
    counts.link(dst_pdi);
    counts.add(dst_pdi, count);
    true
}
