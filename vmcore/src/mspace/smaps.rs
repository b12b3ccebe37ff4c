//! `/proc/PID/smaps`: the maps line of each area followed by Linux 6.1's per-area counters
//! (`fs/proc/task_mmu.c`, `show_smap`) and its `VmFlags` line with Linux's two-letter codes.
//!
//! Counted per present entry of a data frame (the zero frame and device pages are not "normal"
//! pages and count nowhere, as in Linux): `Rss`; `Pss` divides each page by its frame's
//! reference count (the page cache's own reference excepted: a stand-in for Linux's map
//! count); `Shared_*` when that count is above 1; `*_Dirty` from the entry's dirty bit;
//! `Anonymous` for private pages of anonymous areas and copied pages of private file areas;
//! `Locked` is the `Pss` of a `LOCKED` area.

use core::fmt::{self, Write};

use super::pages::counted_pages;
use super::phys::PhysOps;
use super::MSpace;
use crate::addr::PAGE_SIZE;
use crate::paging::TableAccess;
use crate::pte::PteFlags;
use crate::vma::{Backing, VmFlags, Vma};

/// Linux's `show_smap_vma_flags` codes by bit number.
const CODES: [(VmFlags, &str); 24] = [
    (VmFlags::READ, "rd"),
    (VmFlags::WRITE, "wr"),
    (VmFlags::EXEC, "ex"),
    (VmFlags::SHARED, "sh"),
    (VmFlags::MAYREAD, "mr"),
    (VmFlags::MAYWRITE, "mw"),
    (VmFlags::MAYEXEC, "me"),
    (VmFlags::MAYSHARE, "ms"),
    (VmFlags::GROWSDOWN, "gd"),
    (VmFlags::PFNMAP, "pf"),
    (VmFlags::LOCKED, "lo"),
    (VmFlags::IO, "io"),
    (VmFlags::SEQ_READ, "sr"),
    (VmFlags::RAND_READ, "rr"),
    (VmFlags::DONTCOPY, "dc"),
    (VmFlags::DONTEXPAND, "de"),
    (VmFlags::LOCKONFAULT, ""),
    (VmFlags::WIPEONFORK, "wf"),
    (VmFlags::DONTDUMP, "dd"),
    (VmFlags::HUGEPAGE, "hg"),
    (VmFlags::NOHUGEPAGE, "nh"),
    (VmFlags::MERGEABLE, "mg"),
    (VmFlags::empty(), ""),
    (VmFlags::empty(), ""),
];

/// The counters of one area, in bytes (`pss` in bytes << 12 for precision, as Linux's
/// `PSS_SHIFT`).
#[derive(Default)]
struct Usage {
    rss: u64,
    pss: u64,
    pss_dirty: u64,
    shared_clean: u64,
    shared_dirty: u64,
    private_clean: u64,
    private_dirty: u64,
    referenced: u64,
    anonymous: u64,
}

const PSS_SHIFT: u32 = 12;

impl MSpace {
    /// Writes the `/proc/PID/smaps` text of the space.
    pub fn write_smaps<W: Write>(&self, out: &mut W, tables: &dyn TableAccess, phys: &dyn PhysOps) -> fmt::Result {
        for vma in self.tree.iter() {
            crate::maps::write_maps_line(out, vma)?;
            let u = usage(vma, tables, phys);
            let kb = |b: u64| b >> 10;
            let line = |out: &mut W, name: &str, v: u64| writeln!(out, "{:<16}{:>8} kB", alloc::format!("{name}:"), v);
            line(out, "Size", kb(u64::from(vma.len())))?;
            line(out, "KernelPageSize", 4)?;
            line(out, "MMUPageSize", 4)?;
            line(out, "Rss", kb(u.rss))?;
            line(out, "Pss", kb(u.pss >> PSS_SHIFT))?;
            line(out, "Pss_Dirty", kb(u.pss_dirty >> PSS_SHIFT))?;
            line(out, "Shared_Clean", kb(u.shared_clean))?;
            line(out, "Shared_Dirty", kb(u.shared_dirty))?;
            line(out, "Private_Clean", kb(u.private_clean))?;
            line(out, "Private_Dirty", kb(u.private_dirty))?;
            line(out, "Referenced", kb(u.referenced))?;
            line(out, "Anonymous", kb(u.anonymous))?;
            for name in ["LazyFree", "AnonHugePages", "ShmemPmdMapped", "FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb", "Swap", "SwapPss"] {
                line(out, name, 0)?;
            }
            let locked = if vma.flags.contains(VmFlags::LOCKED) { u.pss >> PSS_SHIFT } else { 0 };
            line(out, "Locked", kb(locked))?;
            writeln!(out, "THPeligible:    0")?;
            out.write_str("VmFlags:")?;
            for (flag, code) in CODES {
                if !code.is_empty() && vma.flags.contains(flag) {
                    write!(out, " {code}")?;
                }
            }
            out.write_str("\n")?;
        }
        Ok(())
    }
}

/// The counters of `vma`.
fn usage(vma: &Vma, tables: &dyn TableAccess, phys: &dyn PhysOps) -> Usage {
    let mut u = Usage::default();
    let zero = phys.zero_page();
    let page = u64::from(PAGE_SIZE);
    for (_, pte, frame) in counted_pages(vma, tables, zero) {
        let file = matches!(vma.backing, Backing::File { .. });
        // The page cache holds a reference of its own to the frames of shared file areas.
        let own = u64::from(file && vma.flags.is_shared());
        let maps = u64::from(phys.refcount(frame)).saturating_sub(own).max(1);
        let dirty = pte.flags().contains(PteFlags::DIRTY);
        u.rss += page;
        let pss = (page << PSS_SHIFT) / maps;
        u.pss += pss;
        if dirty {
            u.pss_dirty += pss;
        }
        match (maps > 1, dirty) {
            (true, true) => u.shared_dirty += page,
            (true, false) => u.shared_clean += page,
            (false, true) => u.private_dirty += page,
            (false, false) => u.private_clean += page,
        }
        if pte.flags().contains(PteFlags::ACCESSED) {
            u.referenced += page;
        }
        let anon = !vma.flags.is_shared() && (vma.backing.is_anonymous() || file && pte.flags().contains(PteFlags::DIRTY));
        if anon {
            u.anonymous += page;
        }
    }
    u
}

/// Pages of `/proc/PID/status`'s `VmLck` line, in kB.
pub const fn kib(pages: u32) -> u64 {
    (pages as u64) * (PAGE_SIZE as u64 / 1024)
}
