//! Housekeeping: merging areas and releasing empty page tables.

use super::flush::SpaceFlush;
use super::phys::PhysOps;
use super::rmap::RmapEdit;
use super::MSpace;
use crate::paging::TableAccess;
use crate::pte::Pte;

impl MSpace {
    /// Merges every pair of adjacent compatible areas (operations already merge around the
    /// ranges they touch; this catches the rest, e.g. after a stack grew into a neighbour's
    /// flags) and frees the user page tables that are linked but hold no entry. Operations
    /// free a table with its last entry, so the second part is a safety net: it finds work only
    /// if a table was linked and never used. Returns the number of merges and the TLB work
    /// (none: a freed table's window page is invalidated by `TableAccess::write_pde`, and an
    /// empty table maps no user page).
    pub fn scavenge(
        &mut self,
        tables: &mut dyn TableAccess,
        phys: &mut dyn PhysOps,
    ) -> (usize, SpaceFlush) {
        // Merges only remove areas, so the reverse maps need no room (links follow unlinks);
        // without memory to compare the tree, nothing is merged (merging is an optimisation).
        let (lower, upper) = (self.lower, self.upper);
        let merges = match RmapEdit::begin(self, lower, upper, None, 0, phys) {
            Ok(rmap) => {
                let merges = self.tree.scavenge();
                if let Some(rmap) = rmap {
                    rmap.finish(self, phys);
                }
                merges
            }
            Err(_) => 0,
        };
        for pdi in self.counts.linked_tables() {
            if self.counts.get(pdi) == 0 {
                if self.drop_shared(pdi, tables, phys) {
                    continue;
                }
                let pde = tables.read_pde(pdi);
                self.counts.reset(pdi);
                tables.write_pde(pdi, Pte::EMPTY);
                phys.free_table(pde.frame().expect("invariant: a present entry"));
                self.resident.table_freed();
            }
        }
        (merges, SpaceFlush::new())
    }
}
