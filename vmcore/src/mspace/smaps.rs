//! `/proc/PID/smaps`: the maps line of each area followed by Linux 6.1's per-area counters
//! (`fs/proc/task_mmu.c`, `show_smap`) and its `VmFlags` line with Linux's two-letter codes.
//!
//! `/proc/PID/smaps_rollup` sums the same per-area counters over the space.
//!
//! Counted per present entry of a data frame (the zero frame and device pages are not "normal"
//! pages and count nowhere, as in Linux): `Rss`; `Pss` divides each page by its frame's
//! map count ([`PhysOps::map_count`]: references less the page cache's own); `Shared_*` when that count is above 1; `*_Dirty` from the entry's dirty bit;
//! `Anonymous` for private pages of anonymous areas and copied pages of private file areas;
//! `Locked` is the `Pss` of a `LOCKED` area. The rollup's `Pss_Anon` holds the anonymous
//! pages, `Pss_Shmem` the others of swap-backed (memory-only) files, `Pss_File` the rest.

use core::fmt::{self, Write};

use super::pages::counted_pages;
use super::phys::PhysOps;
use super::MSpace;
use crate::addr::{Page, PAGE_SIZE};
use crate::paging::TableAccess;
use crate::pte::PteFlags;
use crate::vma::{VmFlags, Vma};

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

/// The counters of one area or of the whole space, in bytes (the `pss*` ones in bytes << 12
/// for precision, as Linux's `PSS_SHIFT`).
#[derive(Default)]
struct Usage {
    rss: u64,
    pss: u64,
    pss_dirty: u64,
    pss_anon: u64,
    pss_file: u64,
    pss_shmem: u64,
    pss_locked: u64,
    shared_clean: u64,
    shared_dirty: u64,
    private_clean: u64,
    private_dirty: u64,
    referenced: u64,
    anonymous: u64,
}

const PSS_SHIFT: u32 = 12;

impl Usage {
    /// Adds `o`'s counters (the rollup's sum over the areas).
    fn add(&mut self, o: &Usage) {
        let pairs = [
            (&mut self.rss, o.rss),
            (&mut self.pss, o.pss),
            (&mut self.pss_dirty, o.pss_dirty),
            (&mut self.pss_anon, o.pss_anon),
            (&mut self.pss_file, o.pss_file),
            (&mut self.pss_shmem, o.pss_shmem),
            (&mut self.pss_locked, o.pss_locked),
            (&mut self.shared_clean, o.shared_clean),
            (&mut self.shared_dirty, o.shared_dirty),
            (&mut self.private_clean, o.private_clean),
            (&mut self.private_dirty, o.private_dirty),
            (&mut self.referenced, o.referenced),
            (&mut self.anonymous, o.anonymous),
        ];
        for (sum, v) in pairs {
            *sum += v;
        }
    }

    /// Writes the counter lines of Linux's `__show_smap`, from `Rss` to `Locked`; the three
    /// `Pss_Anon/File/Shmem` lines only in `rollup` mode, as Linux.
    fn write<W: Write>(&self, out: &mut W, rollup: bool) -> fmt::Result {
        let line = |out: &mut W, name: &str, bytes: u64| writeln!(out, "{name}:{:pad$}{:>8} kB", "", bytes >> 10, pad = 15usize.saturating_sub(name.len()));
        line(out, "Rss", self.rss)?;
        line(out, "Pss", self.pss >> PSS_SHIFT)?;
        line(out, "Pss_Dirty", self.pss_dirty >> PSS_SHIFT)?;
        if rollup {
            line(out, "Pss_Anon", self.pss_anon >> PSS_SHIFT)?;
            line(out, "Pss_File", self.pss_file >> PSS_SHIFT)?;
            line(out, "Pss_Shmem", self.pss_shmem >> PSS_SHIFT)?;
        }
        line(out, "Shared_Clean", self.shared_clean)?;
        line(out, "Shared_Dirty", self.shared_dirty)?;
        line(out, "Private_Clean", self.private_clean)?;
        line(out, "Private_Dirty", self.private_dirty)?;
        line(out, "Referenced", self.referenced)?;
        line(out, "Anonymous", self.anonymous)?;
        for name in ["LazyFree", "AnonHugePages", "ShmemPmdMapped", "FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb", "Swap", "SwapPss"] {
            line(out, name, 0)?;
        }
        line(out, "Locked", self.pss_locked >> PSS_SHIFT)
    }
}

impl MSpace {
    /// Writes the `/proc/PID/smaps` text of the space.
    pub fn write_smaps<W: Write>(&self, out: &mut W, tables: &dyn TableAccess, phys: &dyn PhysOps) -> fmt::Result {
        for vma in self.tree.iter() {
            crate::maps::write_maps_line(out, vma)?;
            writeln!(out, "{:<16}{:>8} kB", "Size:", vma.len() >> 10)?;
            writeln!(out, "KernelPageSize:         4 kB\nMMUPageSize:            4 kB")?;
            usage(vma, tables, phys).write(out, false)?;
            writeln!(out, "THPeligible:    0")?;
            // Linux's `show_smap_vma_flags`: every code followed by a space.
            out.write_str("VmFlags: ")?;
            for (flag, code) in CODES {
                if !code.is_empty() && vma.flags.contains(flag) {
                    write!(out, "{code} ")?;
                }
            }
            out.write_str("\n")?;
        }
        Ok(())
    }

    /// Writes the `/proc/PID/smaps_rollup` text of the space (Linux's `show_smaps_rollup`): a
    /// header spanning the first area's start to the last area's end, then the sums of the
    /// counters `smaps` shows per area (the same per-area computation), with `Pss_Anon`,
    /// `Pss_File` and `Pss_Shmem`. An empty space spans `00000000-00000000`.
    pub fn write_smaps_rollup<W: Write>(&self, out: &mut W, tables: &dyn TableAccess, phys: &dyn PhysOps) -> fmt::Result {
        let mut sum = Usage::default();
        let (mut start, mut end) = (None, 0);
        for vma in self.tree.iter() {
            start.get_or_insert(vma.start_addr().as_u32());
            end = vma.end().as_u32();
            sum.add(&usage(vma, tables, phys));
        }
        crate::maps::write_rollup_header(out, start.unwrap_or(0), end)?;
        sum.write(out, true)
    }
}

/// The counters of `vma`.
fn usage(vma: &Vma, tables: &dyn TableAccess, phys: &dyn PhysOps) -> Usage {
    let mut u = Usage::default();
    let zero = phys.zero_page();
    let page = u64::from(PAGE_SIZE);
    let file = vma.backing.file_object();
    let locked = vma.flags.contains(VmFlags::LOCKED);
    for (at, pte, frame) in counted_pages(vma, tables, zero) {
        let maps = u64::from(phys.map_count(frame) + shared_table_mappers(tables, at, phys)).max(1);
        let dirty = pte.flags().contains(PteFlags::DIRTY);
        u.rss += page;
        let pss = (page << PSS_SHIFT) / maps;
        u.pss += pss;
        if dirty {
            u.pss_dirty += pss;
        }
        if locked {
            u.pss_locked += pss;
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
        // A private area's anonymous page, or the written (copied) page of a private file area.
        let anon = !vma.flags.is_shared() && (file.is_none() || dirty);
        if anon {
            u.anonymous += page;
            u.pss_anon += pss;
        } else if file.is_none_or(|f| f.swap_backed()) {
            u.pss_shmem += pss;
        } else {
            u.pss_file += pss;
        }
    }
    u
}

/// Pages of `/proc/PID/status`'s `VmLck` line, in kB.
pub const fn kib(pages: u32) -> u64 {
    (pages as u64) * (PAGE_SIZE as u64 / 1024)
}

/// The spaces besides this one that map `page`'s frame through its page table when fork
/// shares that table: one reference stands for every sharer.
fn shared_table_mappers(tables: &dyn TableAccess, page: Page, phys: &dyn PhysOps) -> u32 {
    let pde = tables.read_pde(page.start().pd_index());
    match pde.frame() {
        Some(table) if crate::ptshare::is_shared(pde) => phys.table_meta(table).sharers.max(1) - 1,
        _ => 0,
    }
}
