//! The test world: spaces, their tables through the recursive windows, and operations run
//! the way the kernel runs them.

use super::*;

/// A simulated machine with address spaces.
pub struct World<'m> {
    pub m: &'m Machine,
    pub phys: SimPhys<'m>,
    pub(super) kernel_pd: Frame,
    pub(super) spaces: Vec<Option<MSpace>>,
    pub(super) baseline: usize,
    /// Page faults handled so far.
    pub faults: u32,
    /// Shmem objects made for shared anonymous requests.
    shmem_inos: u64,
}

impl<'m> World<'m> {
    /// A world on `m` (frames 1.. are memory; frame 0 stays reserved).
    pub fn new(m: &'m Machine) -> Self {
        let memory = 1..m.nframes() - DEVICE_FRAMES;
        let mut phys = SimPhys::new(m, memory.map(Frame::from_number));
        let kernel_pd = phys.alloc_table().expect("a frame for the kernel directory");
        m.install_self_map(kernel_pd);
        m.set_cr3(kernel_pd);
        let baseline = phys.free_count();
        World { m, phys, kernel_pd, spaces: Vec::new(), baseline, faults: 0, shmem_inos: 0 }
    }

    /// A new empty space; returns its index.
    pub fn create(&mut self) -> usize {
        let budget = self.phys_budget_off();
        let pd = self.phys.alloc_table().expect("a frame for a directory");
        self.phys.set_budget(budget);
        self.m.install_self_map(pd);
        self.spaces.push(Some(MSpace::new(pd)));
        self.spaces.len() - 1
    }

    /// Suspends the allocation budget (returns it) — directories are the test's own.
    pub(super) fn phys_budget_off(&mut self) -> Option<u32> {
        let b = self.phys.budget();
        self.phys.set_budget(None);
        b
    }

    /// The space `s`.
    pub fn space(&self, s: usize) -> &MSpace {
        self.spaces[s].as_ref().expect("a live space")
    }

    /// Tables of `s` as the kernel would reach them, and which window that is.
    pub(super) fn tables(&self, s: usize) -> (KernelTables<'m>, Window) {
        let pd = self.space(s).pd();
        let cr3 = self.m.cr3();
        let window = if cr3 == pd {
            Window::Own
        } else {
            if self.m.read_entry(cr3, EXT_SLOT).frame() != Some(pd) {
                self.m.install_external(cr3, pd);
            }
            Window::External
        };
        (KernelTables { inner: RecursiveTables { machine: self.m, window } }, window)
    }

    /// Executes a flush the way the kernel does for an edit through `via`.
    pub(super) fn flush(&self, via: Window, flush: SpaceFlush) {
        if via == Window::External {
            return flush.ignore();
        }
        match flush.plan(MAX_FLUSH) {
            FlushPlan::Nothing => {}
            FlushPlan::Pages { first, count } => {
                for i in 0..count {
                    self.m.invlpg(first.checked_add(i).expect("a page"));
                }
            }
            FlushPlan::All => self.m.flush_tlb(),
        }
    }

    /// Runs `op` on space `s`, executes the flush it returns and checks the whole world.
    pub fn with<R>(
        &mut self,
        s: usize,
        op: impl FnOnce(&mut MSpace, &mut dyn TableAccess, &mut SimPhys<'m>) -> (R, SpaceFlush),
    ) -> R {
        let (mut tables, via) = self.tables(s);
        let space = self.spaces[s].as_mut().expect("a live space");
        let (result, flush) = op(space, &mut tables, &mut self.phys);
        self.flush(via, flush);
        self.check_all();
        result
    }

    /// `mmap`. A shared anonymous request gets a shmem object of its own, as the kernel's
    /// `mmap` gives it (`src/fs/shmem.rs`).
    pub fn map(&mut self, s: usize, mut req: MapRequest) -> Result<Page, MapError> {
        if req.flags.is_shared() && req.backing.is_anonymous() {
            self.shmem_inos += 1;
            let size = u64::from(req.pages) * u64::from(crate::addr::PAGE_SIZE);
            req.backing = Backing::file(crate::vma::test_file::TestFile::shmem(0x1_0000 + self.shmem_inos, size), 0);
        }
        self.with(s, |sp, t, p| match sp.map(req, t, p) {
            Ok((page, f)) => (Ok(page), f),
            Err(e) => (Err(e), SpaceFlush::new()),
        })
    }

    /// `madvise(MADV_REMOVE)` as the kernel runs it: the advice, then each object's punch, whose
    /// dropped frames leave every space (`zap_object_frames`) before the cache lets go.
    pub fn remove(&mut self, s: usize, addr: u32, pages: u32) -> Result<(), MadviseError> {
        self.with(s, |sp, t, p| {
            let (f, r) = sp.madvise(pg(addr), pages, Advice::Remove, t, p);
            (r, f)
        })?;
        for r in self.space(s).object_ranges(pg(addr), pages).expect("memory") {
            r.file.punch(r.first, r.end).expect("punch");
        }
        let punched = crate::vma::test_file::TestFile::punched();
        for i in 0..self.spaces.len() {
            if self.spaces[i].is_none() {
                continue;
            }
            for &(id, index, frame) in &punched {
                let gone = |x: u64, f: Frame| x == index && f == frame;
                self.with(i, |sp, t, p| ((), sp.zap_object_frames(id, index, index + 1, &gone, t, p)));
            }
        }
        crate::vma::test_file::TestFile::drop_punched(&mut self.phys);
        Ok(())
    }

    /// `mmap` of `pages` anonymous pages at exactly `addr`.
    pub fn map_at(&mut self, s: usize, addr: u32, pages: u32, flags: VmFlags) -> Page {
        self.map(s, MapRequest::anonymous(pages, flags).fixed(pg(addr))).expect("map")
    }

    /// `munmap`.
    pub fn unmap(&mut self, s: usize, addr: u32, pages: u32) -> Result<(), UnmapError> {
        self.with(s, |sp, t, p| lift(sp.unmap(pg(addr), pages, t, p)))
    }

    /// `mprotect`.
    pub fn protect(&mut self, s: usize, addr: u32, pages: u32, prot: VmFlags) -> Result<(), ProtectError> {
        self.with(s, |sp, t, p| lift(sp.protect(pg(addr), pages, prot, t, p)))
    }

    /// `madvise(MADV_DONTNEED)`.
    pub fn dontneed(&mut self, s: usize, addr: u32, pages: u32) -> Result<(), AdviseError> {
        self.with(s, |sp, t, p| lift(sp.madvise_dontneed(pg(addr), pages, t, p)))
    }

    /// `mlock`; an out-of-memory error's flush is executed.
    pub fn lock(&mut self, s: usize, addr: u32, pages: u32) -> Result<(), LockError> {
        self.with(s, |sp, t, p| match sp.lock(pg(addr), pages, t, p) {
            Ok(f) => (Ok(()), f),
            Err(LockError::OutOfMemory { flush }) => {
                (Err(LockError::OutOfMemory { flush: SpaceFlush::new() }), flush)
            }
            Err(e) => (Err(e), SpaceFlush::new()),
        })
    }

    /// `munlock`.
    pub fn unlock(&mut self, s: usize, addr: u32, pages: u32) -> Result<(), UnlockError> {
        self.with(s, |sp, _, p| (sp.unlock(pg(addr), pages, p), SpaceFlush::new()))
    }

    /// `populate`; an out-of-memory error's flush is executed.
    pub fn populate(&mut self, s: usize, addr: u32, pages: u32, write: bool) -> Result<(), PopulateError> {
        self.with(s, |sp, t, p| match sp.populate(pg(addr), pages, write, t, p) {
            Ok(f) => (Ok(()), f),
            Err(PopulateError::OutOfMemory { flush }) => {
                (Err(PopulateError::OutOfMemory { flush: SpaceFlush::new() }), flush)
            }
            Err(e) => (Err(e), SpaceFlush::new()),
        })
    }

    /// `fork` of `parent` into a new space, made active first (the kernel forks the running
    /// process). On failure the child is swept and freed, and the error returned.
    pub fn fork(&mut self, parent: usize) -> Result<usize, CloneError> {
        self.activate(parent);
        let child = self.create();
        let (mut parent_tables, via) = self.tables(parent);
        assert_eq!(via, Window::Own);
        let (mut child_tables, _) = self.tables(child);
        let [p, c] = self.spaces.get_disjoint_mut([parent, child]).expect("two spaces");
        let (p, c) = (p.as_mut().expect("parent"), c.as_mut().expect("child"));
        let result = p.clone_into(&mut parent_tables, c, &mut child_tables, &mut self.phys);
        let result = match result {
            Ok(flush) => {
                self.flush(Window::Own, flush);
                Ok(child)
            }
            Err(CloneError::OutOfMemory { flush }) => {
                self.flush(Window::Own, flush);
                self.check_all();
                self.destroy(child);
                Err(CloneError::OutOfMemory { flush: SpaceFlush::new() })
            }
            Err(e) => Err(e),
        };
        self.check_all();
        result
    }

    /// Sweeps `s` and frees its directory.
    pub fn destroy(&mut self, s: usize) {
        self.with(s, |sp, t, p| {
            let f = sp.sweep(t, p);
            assert_eq!(sp.stats(), MSpaceStats { phys_pg_count: 1, ..Default::default() });
            assert!(sp.is_empty());
            ((), f)
        });
        let pd = self.space(s).pd();
        if self.m.cr3() == pd {
            self.m.set_cr3(self.kernel_pd);
        }
        let cr3 = self.m.cr3();
        self.m.write_entry(cr3, EXT_SLOT, Pte::EMPTY);
        self.m.flush_tlb();
        self.spaces[s] = None;
        let budget = self.phys_budget_off();
        self.phys.free_table(pd);
        self.phys.set_budget(budget);
    }

    /// Makes `s` the active space.
    pub fn activate(&mut self, s: usize) {
        let pd = self.space(s).pd();
        if self.m.cr3() != pd {
            self.m.set_cr3(pd);
        }
    }
}
