//! [`PhysOps`] over the simulated machine, for host tests.
//!
//! Data frames and page tables come from one [`SimPool`]; reference counts live in a map (a
//! frame is in it exactly while it is allocated as a data frame); page-cache frames belong to
//! the file objects (`FileObject::get_page`). Fresh data frames are
//! filled with 0xCC, so a missing `zero_frame` shows. An optional budget makes every
//! allocation (tables included) fail after N successes.

use alloc::collections::BTreeMap;
use alloc::vec;

use super::{Area, PhysOps, RmapOps};
use alloc::sync::Arc;
use crate::addr::{Frame, PhysAddr, PAGE_SIZE};
use crate::paging::FrameSource;
use crate::sim::{Machine, SimPool};
use crate::vma::FileObject;

/// Simulated physical memory for [`MSpace`](super::MSpace) tests.
pub struct SimPhys<'m> {
    machine: &'m Machine,
    pool: SimPool<'m>,
    refs: BTreeMap<Frame, u32>,
    zero: Frame,
    budget: Option<u32>,
    /// The reverse-map links reported (file object address, area), checked against the trees.
    rmap: alloc::vec::Vec<(usize, Area)>,
    /// Every reverse-map reservation fails (no memory for a mapper set).
    rmap_full: bool,
    /// Sharing records of page tables (absent: never shared).
    metas: BTreeMap<Frame, crate::ptshare::TableMeta>,
}

impl<'m> SimPhys<'m> {
    /// Memory made of `frames` of `machine`; the first one becomes the zero frame.
    pub fn new(machine: &'m Machine, frames: impl IntoIterator<Item = Frame>) -> Self {
        let mut pool = SimPool::new(machine, frames);
        let zero = pool.alloc_table().expect("sim: at least one frame for the zero page");
        SimPhys { machine, pool, refs: BTreeMap::new(), zero, budget: None, rmap: alloc::vec::Vec::new(), rmap_full: false, metas: BTreeMap::new() }
    }

    /// The machine.
    pub fn machine(&self) -> &'m Machine {
        self.machine
    }

    /// Lets only `allocations` more allocations (frames and tables) succeed; `None` lifts the
    /// limit.
    pub fn set_budget(&mut self, allocations: Option<u32>) {
        self.budget = allocations;
    }

    /// The remaining allocation budget.
    pub fn budget(&self) -> Option<u32> {
        self.budget
    }

    /// Frames left in the pool.
    pub fn free_count(&self) -> usize {
        self.pool.free_count()
    }

    /// Allocated data frames and their reference counts.
    pub fn refcounts(&self) -> &BTreeMap<Frame, u32> {
        &self.refs
    }

    /// Makes every reverse-map reservation fail (`true`) or succeed again.
    pub fn set_rmap_full(&mut self, full: bool) {
        self.rmap_full = full;
    }

    /// The live sharing records of page tables.
    pub fn table_metas(&self) -> &BTreeMap<Frame, crate::ptshare::TableMeta> {
        &self.metas
    }

    /// The reverse-map links reported so far and not unlinked: (file object address, area).
    pub fn rmap_links(&self) -> &[(usize, Area)] {
        &self.rmap
    }

    /// Whether the zero frame still holds only zeroes.
    pub fn zero_page_is_clean(&self) -> bool {
        (0..PAGE_SIZE / 4).all(|i| self.machine.read_phys(word(self.zero, i)) == 0)
    }

    /// Takes one allocation from the budget; false when exhausted.
    fn spend(&mut self) -> bool {
        match &mut self.budget {
            None => true,
            Some(0) => false,
            Some(n) => {
                *n -= 1;
                true
            }
        }
    }
}

/// Address of word `i` of `frame`.
fn word(frame: Frame, i: u32) -> PhysAddr {
    PhysAddr::new(frame.start().as_u32() + 4 * i)
}

impl FrameSource for SimPhys<'_> {
    fn alloc_table(&mut self) -> Option<Frame> {
        if !self.spend() {
            return None;
        }
        self.pool.alloc_table()
    }

    fn free_table(&mut self, f: Frame) {
        assert!(!self.refs.contains_key(&f), "sim: {f:?} freed as a table but is a data frame");
        assert!(!self.metas.contains_key(&f), "sim: {f:?} freed while its sharing record is live");
        self.pool.free_table(f);
    }
}

/// The address identifying a file object.
pub fn file_key(file: &Arc<dyn FileObject>) -> usize {
    Arc::as_ptr(file) as *const () as usize
}

impl RmapOps for SimPhys<'_> {
    fn rmap_reserve(&mut self, _file: &Arc<dyn FileObject>, _more: usize) -> Result<(), crate::rmap::NoMemory> {
        if self.rmap_full {
            Err(crate::rmap::NoMemory)
        } else {
            Ok(())
        }
    }
    fn rmap_link(&mut self, file: &Arc<dyn FileObject>, area: &Area) {
        self.rmap.push((file_key(file), *area));
    }
    fn rmap_unlink(&mut self, file: &Arc<dyn FileObject>, area: &Area) {
        let key = (file_key(file), *area);
        let i = self.rmap.iter().position(|e| *e == key).unwrap_or_else(|| panic!("sim: unlink of an area never linked: {area:?}"));
        self.rmap.swap_remove(i);
    }
}

impl PhysOps for SimPhys<'_> {
    fn alloc_frame(&mut self) -> Option<Frame> {
        if !self.spend() {
            return None;
        }
        let f = self.pool.alloc_table()?;
        self.machine.fill_frame(f, 0xCC);
        self.refs.insert(f, 1);
        Some(f)
    }

    fn zero_frame(&mut self, frame: Frame) {
        assert!(frame != self.zero, "sim: zeroing the zero frame");
        self.machine.fill_frame(frame, 0);
    }

    fn copy_frame(&mut self, src: Frame, dst: Frame) {
        assert!(dst != self.zero, "sim: copying into the zero frame");
        for i in 0..PAGE_SIZE / 4 {
            self.machine.write_phys(word(dst, i), self.machine.read_phys(word(src, i)));
        }
    }

    fn fill_from_file(&mut self, frame: Frame, file: &dyn FileObject, offset: u64, bytes: u32) {
        assert!(frame != self.zero && bytes <= PAGE_SIZE, "sim: bad fill_from_file");
        let mut buf = vec![0u8; PAGE_SIZE as usize];
        file.read_at(offset, &mut buf[..bytes as usize]);
        for (i, w) in buf.chunks_exact(4).enumerate() {
            let v = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
            self.machine.write_phys(word(frame, i as u32), v);
        }
    }

    fn inc_ref(&mut self, frame: Frame) -> u32 {
        let r = self.refs.get_mut(&frame).expect("sim: inc_ref of a frame that is not allocated");
        *r += 1;
        *r
    }

    fn dec_ref(&mut self, frame: Frame) -> bool {
        assert!(frame != self.zero, "sim: dec_ref of the zero frame");
        let r = self.refs.get_mut(&frame).expect("sim: dec_ref of a frame that is not allocated");
        *r -= 1;
        if *r > 0 {
            return false;
        }
        self.refs.remove(&frame);
        self.pool.free_table(frame);
        true
    }

    fn refcount(&self, frame: Frame) -> u32 {
        self.refs.get(&frame).copied().unwrap_or(0)
    }

    /// The references less the test files' caches' own (as the kernel's page cache reports).
    #[cfg(test)]
    fn map_count(&self, frame: Frame) -> u32 {
        let cached = crate::vma::test_file::TestFile::cached_frames().iter().filter(|&&f| f == frame).count();
        self.refcount(frame).saturating_sub(cached as u32)
    }

    fn zero_page(&self) -> Frame {
        self.zero
    }

    fn table_meta(&self, table: Frame) -> crate::ptshare::TableMeta {
        self.metas.get(&table).copied().unwrap_or_default()
    }

    fn set_table_meta(&mut self, table: Frame, meta: crate::ptshare::TableMeta) {
        if meta == crate::ptshare::TableMeta::default() {
            self.metas.remove(&table);
        } else {
            self.metas.insert(table, meta);
        }
    }

    fn copy_table(&mut self, src: Frame, dst: Frame) {
        for i in 0..1024 {
            self.machine.write_entry(dst, i, self.machine.read_entry(src, i));
        }
    }
}
