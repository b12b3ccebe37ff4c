//! CPU-like accesses to user memory, and the checks run after every step.

use super::*;
use crate::vma::test_file::TestFile;

impl<'m> World<'m> {
    /// A user-mode (or kernel-mode) access to `addr` in space `s`, retried after each
    /// resolved fault like the CPU does. Writes `write` if given; returns the byte read (or
    /// the old byte).
    pub fn access(&mut self, s: usize, addr: u32, write: Option<u8>, mode: Mode) -> Result<u8, Sig> {
        self.activate(s);
        let va = VirtAddr::new(addr);
        for _ in 0..4 {
            match self.m.translate(va, write.is_some(), mode == Mode::User) {
                Ok(pa) => return Ok(self.byte(pa, write)),
                Err(f) => {
                    self.faults += 1;
                    let access = if write.is_some() { Access::Write } else { Access::Read };
                    let fault = Fault { addr: va, access, mode, present: f.present };
                    let outcome = self.with(s, |sp, t, p| match sp.handle_fault(&fault, t, p) {
                        FaultOutcome::Resolved(flush) => (None, flush),
                        other => (Some(other), SpaceFlush::new()),
                    });
                    match outcome {
                        None => continue,
                        Some(FaultOutcome::Refused(crate::fault::Refusal::Segv(r))) => return Err(Sig::Segv(r)),
                        Some(FaultOutcome::Refused(crate::fault::Refusal::Bus(r))) => return Err(Sig::Bus(r)),
                        Some(FaultOutcome::OutOfMemory) => return Err(Sig::Oom),
                        Some(other) => panic!("unexpected fault outcome {other:?}"),
                    }
                }
            }
        }
        panic!("fault loop at {addr:#x}");
    }

    /// A user-mode read.
    pub fn read(&mut self, s: usize, addr: u32) -> Result<u8, Sig> {
        self.access(s, addr, None, Mode::User)
    }

    /// A user-mode write.
    pub fn write(&mut self, s: usize, addr: u32, b: u8) -> Result<(), Sig> {
        self.access(s, addr, Some(b), Mode::User).map(drop)
    }

    /// Reads (and maybe writes) the byte at physical `pa`.
    pub(super) fn byte(&self, pa: PhysAddr, write: Option<u8>) -> u8 {
        let word = PhysAddr::new(pa.as_u32() & !3);
        let shift = 8 * (pa.as_u32() & 3);
        let v = self.m.read_phys(word);
        if let Some(b) = write {
            self.m.write_phys(word, (v & !(0xFF << shift)) | (u32::from(b) << shift));
        }
        (v >> shift) as u8
    }

    /// The entry mapping `addr` in `s` (read straight from RAM, no TLB effect).
    pub fn pte(&self, s: usize, addr: u32) -> Pte {
        paging::read(&self.direct(s), pg(addr & !(PAGE_SIZE - 1)))
    }

    /// The frame mapped at `addr` in `s`.
    pub fn frame(&self, s: usize, addr: u32) -> Option<Frame> {
        self.pte(s, addr).frame()
    }

    pub(super) fn direct(&self, s: usize) -> DirectTables<'m> {
        DirectTables { machine: self.m, pd: self.space(s).pd() }
    }

    /// The counters of `s`.
    pub fn stats(&self, s: usize) -> MSpaceStats {
        self.space(s).stats()
    }

    /// Checks every space and recomputes every data frame's reference count exactly: one per
    /// mapping in any space plus one per page-cache entry.
    pub fn check_all(&self) {
        let zero = self.phys.zero_page();
        let mut expected: BTreeMap<Frame, u32> = BTreeMap::new();
        // Frames mapped by private areas: (mappings, all of them copy-on-write).
        let mut private: BTreeMap<Frame, (u32, bool)> = BTreeMap::new();
        // Page tables: (directories linking them, every link read-only).
        let mut sharers: BTreeMap<Frame, (u32, bool)> = BTreeMap::new();
        for (s, space) in self.spaces.iter().enumerate() {
            let Some(space) = space else { continue };
            let tables = self.direct(s);
            if let Err(e) = space.check_consistency(&tables, &self.phys) {
                panic!("space {s}: {e}");
            }
            for pdi in 0..KERNEL_PD_FIRST {
                let pde = tables.read_pde(pdi);
                let Some(table) = pde.frame() else { continue };
                // A table shared by fork holds one reference per entry for all its sharers.
                let linkers = sharers.entry(table).or_insert((0, true));
                linkers.0 += 1;
                linkers.1 &= crate::ptshare::is_shared(pde);
                if linkers.0 > 1 {
                    continue;
                }
                for pti in 0..crate::addr::ENTRIES {
                    let pte = tables.read_pte(pdi, pti);
                    let Some(frame) = pte.frame() else { continue };
                    let addr = VirtAddr::from_indices(pdi, pti, 0);
                    let vma = space.search(addr).expect("checked: inside an area");
                    if frame != zero && !matches!(vma.backing, Backing::Physical { .. }) {
                        *expected.entry(frame).or_default() += 1;
                        if !vma.flags.is_shared() {
                            let e = private.entry(frame).or_insert((0, true));
                            e.0 += 1;
                            // Under a read-only directory entry nothing is writable.
                            e.1 &= pte.flags().contains(crate::pte::PteFlags::COW) || crate::ptshare::is_shared(pde);
                        }
                    }
                }
            }
        }
        // Every file area of every live space is linked exactly once, and nothing else is.
        let mut linked: alloc::vec::Vec<(usize, crate::mspace::Area)> = self.phys.rmap_links().to_vec();
        let mut areas = alloc::vec::Vec::new();
        for space in self.spaces.iter().flatten() {
            for vma in space.tree().iter() {
                if let Some((file, area)) = crate::mspace::Area::of(space.pd(), vma) {
                    areas.push((crate::mspace::file_key(file), area));
                }
            }
        }
        linked.sort();
        areas.sort();
        assert_eq!(linked, areas, "reverse map");
        for frame in TestFile::cached_frames() {
            *expected.entry(frame).or_default() += 1;
        }
        assert_eq!(&expected, self.phys.refcounts(), "reference counts");
        for (&table, &(n, all_ro)) in &sharers {
            let meta = self.phys.table_metas().get(&table).copied().unwrap_or_default();
            if n > 1 {
                assert!(all_ro, "{table:?} is linked {n} times, not all read-only");
                assert_eq!(meta.sharers, n, "sharers of {table:?}");
            } else {
                assert!(meta.sharers <= 1, "{table:?} linked once, record {meta:?}");
            }
        }
        for table in self.phys.table_metas().keys() {
            assert!(sharers.contains_key(table), "a sharing record for {table:?}, linked nowhere");
        }
        for (frame, (mappings, all_cow)) in private {
            assert!(mappings == 1 || all_cow, "{frame:?} is shared privately without COW");
        }
    }

    /// Destroys every space, empties the page cache and checks that every frame came back.
    pub fn finish(mut self) {
        for s in 0..self.spaces.len() {
            if self.spaces[s].is_some() {
                self.destroy(s);
            }
        }
        assert!(self.phys.rmap_links().is_empty(), "links left: {:?}", self.phys.rmap_links());
        TestFile::evict_all(&mut self.phys);
        assert!(self.phys.refcounts().is_empty(), "leaked frames: {:?}", self.phys.refcounts());
        assert_eq!(self.phys.free_count(), self.baseline, "pool frames leaked");
        assert!(self.phys.zero_page_is_clean(), "the zero frame was written");
    }
}

