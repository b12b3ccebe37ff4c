//! Per-kind totals of an address space's areas, as Linux's `mm_struct` keeps them for
//! `/proc/PID/status` and `statm`: `exec_vm`, `stack_vm`, `data_vm`, `locked_vm`, `total_vm`.

use super::MSpace;
use crate::vma::VmFlags;

/// Pages of the areas by kind (Linux's rules of `vm_stat_account`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AreaTotals {
    /// Every area (`VmSize`).
    pub total: u32,
    /// Executable, not writable, not stack (`VmExe`).
    pub exec: u32,
    /// Growing-down stacks (`VmStk`).
    pub stack: u32,
    /// Writable, private, not stack (`VmData`).
    pub data: u32,
    /// Locked (`VmLck`).
    pub locked: u32,
    /// Shared mappings (`MAP_SHARED`, part of `statm`'s "shared" only when resident; here
    /// their size).
    pub shared: u32,
}

impl MSpace {
    /// The areas' sizes by kind (O(areas)).
    pub fn area_totals(&self) -> AreaTotals {
        let mut t = AreaTotals::default();
        for v in self.tree.iter() {
            let n = v.pages();
            let f = v.flags;
            t.total += n;
            let stack = f.contains(VmFlags::GROWSDOWN);
            if stack {
                t.stack += n;
            } else if f.contains(VmFlags::EXEC) && !f.contains(VmFlags::WRITE) {
                t.exec += n;
            } else if f.contains(VmFlags::WRITE) && !f.intersects(VmFlags::SHARED | VmFlags::MAYSHARE) {
                t.data += n;
            }
            if f.contains(VmFlags::LOCKED) {
                t.locked += n;
            }
            if f.intersects(VmFlags::SHARED | VmFlags::MAYSHARE) {
                t.shared += n;
            }
        }
        t
    }
}
