//! A simulated i386 MMU for host tests: RAM, CR3, a TLB and a software page walker.
//!
//! Compiled for this crate's tests and, with the `sim` cargo feature, for other crates' tests.
//!
//! * [`Machine`] holds RAM (a `Vec<u8>` of whole frames), CR3 and a TLB. Its walker
//!   ([`Machine::translate`]) follows i386 rules with CR0.WP = 1 and CR4.PSE = 1: both levels must
//!   be present, user access needs USER in both, any write needs WRITABLE in both; it sets
//!   ACCESSED (and DIRTY on writes) like the hardware. Successful translations are cached per page
//!   until [`Machine::invlpg`] / [`Machine::flush_tlb`] / [`Machine::set_cr3`], so a missing TLB
//!   flush shows up as a wrong result.
//! * [`SimPool`] hands out zeroed frames for page tables (FIFO, so a freed table is not reused
//!   at once) and poisons frames given back.
//! * [`DirectTables`] implements [`TableAccess`] by reading a directory frame directly;
//!   [`RecursiveTables`] only ever goes through the recursive window addresses of
//!   [`Window`], translated by the walker: it proves the window arithmetic.
//!
//! Everything uses interior mutability (`Cell`/`RefCell`) so several views can share a machine.

extern crate alloc;

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};

use crate::addr::{Frame, Page, PhysAddr, VirtAddr, PAGE_SIZE, TABLE_SPAN};
use crate::layout::{Window, EXT_SLOT, SELF_SLOT};
use crate::paging::{FrameSource, TableAccess};
use crate::pte::{Pte, PteFlags};

/// A page fault of the simulated MMU, with the fields of the i386 error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimFault {
    /// The faulting address (CR2).
    pub addr: VirtAddr,
    /// Protection violation (true) or not-present entry (false).
    pub present: bool,
    /// The access was a write.
    pub write: bool,
    /// The access came from user mode.
    pub user: bool,
}

impl SimFault {
    /// The error code the CPU would push (bits P, W/R, U/S).
    pub fn error_code(&self) -> u32 {
        u32::from(self.present) | u32::from(self.write) << 1 | u32::from(self.user) << 2
    }
}

/// A cached translation.
#[derive(Clone, Copy, Debug)]
struct TlbEntry {
    frame: Frame,
    user: bool,
    writable: bool,
}

/// Simulated physical memory, CR3 and TLB.
pub struct Machine {
    ram: RefCell<Vec<u8>>,
    cr3: Cell<Frame>,
    tlb: RefCell<BTreeMap<Page, TlbEntry>>,
}

impl Machine {
    /// A machine with `nframes` frames of zeroed RAM; CR3 points at frame 0.
    pub fn new(nframes: u32) -> Self {
        Machine {
            ram: RefCell::new(vec![0; nframes as usize * PAGE_SIZE as usize]),
            cr3: Cell::new(Frame::from_number(0)),
            tlb: RefCell::new(BTreeMap::new()),
        }
    }

    /// Number of frames of RAM.
    pub fn nframes(&self) -> u32 {
        (self.ram.borrow().len() / PAGE_SIZE as usize) as u32
    }

    /// The active directory.
    pub fn cr3(&self) -> Frame {
        self.cr3.get()
    }

    /// Switches to directory `pd`, flushing the TLB.
    pub fn set_cr3(&self, pd: Frame) {
        self.cr3.set(pd);
        self.flush_tlb();
    }

    /// Drops the cached translation of `page`.
    pub fn invlpg(&self, page: Page) {
        self.tlb.borrow_mut().remove(&page);
    }

    /// Drops every cached translation.
    pub fn flush_tlb(&self) {
        self.tlb.borrow_mut().clear();
    }

    /// Number of cached translations.
    pub fn tlb_len(&self) -> usize {
        self.tlb.borrow().len()
    }

    fn byte_index(&self, pa: PhysAddr) -> usize {
        let i = pa.as_usize();
        assert!(
            i + 4 <= self.ram.borrow().len(),
            "sim: {pa:?} is outside RAM"
        );
        i
    }

    /// Reads the aligned word at `pa`.
    pub fn read_phys(&self, pa: PhysAddr) -> u32 {
        let i = self.byte_index(pa);
        let ram = self.ram.borrow();
        u32::from_le_bytes([ram[i], ram[i + 1], ram[i + 2], ram[i + 3]])
    }

    /// Writes the aligned word at `pa`.
    pub fn write_phys(&self, pa: PhysAddr, v: u32) {
        let i = self.byte_index(pa);
        self.ram.borrow_mut()[i..i + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// Fills frame `f` with byte `b`.
    pub fn fill_frame(&self, f: Frame, b: u8) {
        let i = self.byte_index(f.start());
        self.ram.borrow_mut()[i..i + PAGE_SIZE as usize].fill(b);
    }

    fn entry_addr(table: Frame, index: usize) -> PhysAddr {
        PhysAddr::new(table.start().as_u32() + 4 * index as u32)
    }

    /// Entry `index` of the table (or directory) in frame `table`.
    pub fn read_entry(&self, table: Frame, index: usize) -> Pte {
        Pte::from_raw(self.read_phys(Self::entry_addr(table, index)))
    }

    /// Overwrites entry `index` of the table (or directory) in frame `table`.
    pub fn write_entry(&self, table: Frame, index: usize, e: Pte) {
        self.write_phys(Self::entry_addr(table, index), e.to_raw());
    }

    /// Makes `pd` map itself in slot 1023 (supervisor, writable).
    pub fn install_self_map(&self, pd: Frame) {
        self.write_entry(
            pd,
            SELF_SLOT,
            Pte::new(pd, PteFlags::PRESENT | PteFlags::WRITABLE),
        );
    }

    /// Installs `ext` in slot 1022 of `own` and flushes the TLB (the old external window's
    /// entries are stale). `ext` must map itself in its own slot 1023.
    pub fn install_external(&self, own: Frame, ext: Frame) {
        self.write_entry(
            own,
            EXT_SLOT,
            Pte::new(ext, PteFlags::PRESENT | PteFlags::WRITABLE),
        );
        self.flush_tlb();
    }

    /// Walks directory `pd` without the TLB, setting ACCESSED / DIRTY like the hardware.
    pub fn walk(
        &self,
        pd: Frame,
        va: VirtAddr,
        write: bool,
        user: bool,
    ) -> Result<PhysAddr, SimFault> {
        let fault = |present| SimFault {
            addr: va,
            present,
            write,
            user,
        };
        let pde = self.read_entry(pd, va.pd_index());
        if !pde.is_present() {
            return Err(fault(false));
        }
        let (leaf, leaf_table, leaf_index, base, mask) = if pde.flags().contains(PteFlags::HUGE) {
            let base = pde.to_raw() & !(TABLE_SPAN - 1);
            (pde, pd, va.pd_index(), base, TABLE_SPAN - 1)
        } else {
            let table = pde.frame().expect("invariant: present entry");
            let pte = self.read_entry(table, va.pt_index());
            if !pte.is_present() {
                return Err(fault(false));
            }
            (
                pte,
                table,
                va.pt_index(),
                pte.to_raw() & !(PAGE_SIZE - 1),
                PAGE_SIZE - 1,
            )
        };
        let both = pde.flags() & leaf.flags();
        if (user && !both.contains(PteFlags::USER)) || (write && !both.contains(PteFlags::WRITABLE))
        {
            return Err(fault(true));
        }
        self.write_entry(
            pd,
            va.pd_index(),
            pde.with_flags(pde.flags() | PteFlags::ACCESSED),
        );
        let leaf = self.read_entry(leaf_table, leaf_index); // may be the entry just updated
        let mut set = PteFlags::ACCESSED;
        if write {
            set |= PteFlags::DIRTY;
        }
        self.write_entry(leaf_table, leaf_index, leaf.with_flags(leaf.flags() | set));
        Ok(PhysAddr::new(base | (va.as_u32() & mask)))
    }

    /// Translates `va` in the active directory through the TLB, like the CPU would.
    pub fn translate(&self, va: VirtAddr, write: bool, user: bool) -> Result<PhysAddr, SimFault> {
        let page = Page::containing(va);
        if let Some(t) = self.tlb.borrow().get(&page).copied() {
            if (user && !t.user) || (write && !t.writable) {
                return Err(SimFault {
                    addr: va,
                    present: true,
                    write,
                    user,
                });
            }
            return Ok(PhysAddr::new(t.frame.start().as_u32() | va.page_offset()));
        }
        let pa = self.walk(self.cr3(), va, write, user)?;
        // Cache what the walk allowed (combined over both levels).
        let pde = self.read_entry(self.cr3(), va.pd_index());
        let both = if pde.flags().contains(PteFlags::HUGE) {
            pde.flags()
        } else {
            let table = pde.frame().expect("invariant: the walk succeeded");
            pde.flags() & self.read_entry(table, va.pt_index()).flags()
        };
        let entry = TlbEntry {
            frame: Frame::containing(pa),
            user: both.contains(PteFlags::USER),
            writable: both.contains(PteFlags::WRITABLE),
        };
        self.tlb.borrow_mut().insert(page, entry);
        Ok(pa)
    }

    /// Reads the word at `va` (aligned) in the active directory.
    pub fn read_virt(&self, va: VirtAddr, user: bool) -> Result<u32, SimFault> {
        self.translate(va, false, user).map(|pa| self.read_phys(pa))
    }

    /// Writes the word at `va` (aligned) in the active directory.
    pub fn write_virt(&self, va: VirtAddr, v: u32, user: bool) -> Result<(), SimFault> {
        self.translate(va, true, user)
            .map(|pa| self.write_phys(pa, v))
    }
}

/// A FIFO pool of frames for page tables: zeroes on allocation, poisons (0xA5) on return.
pub struct SimPool<'m> {
    machine: &'m Machine,
    free: VecDeque<Frame>,
    out: BTreeSet<Frame>,
}

impl<'m> SimPool<'m> {
    /// A pool owning `frames` of `machine`.
    pub fn new(machine: &'m Machine, frames: impl IntoIterator<Item = Frame>) -> Self {
        SimPool {
            machine,
            free: frames.into_iter().collect(),
            out: BTreeSet::new(),
        }
    }

    /// Frames available.
    pub fn free_count(&self) -> usize {
        self.free.len()
    }

    /// Frames handed out and not yet returned.
    pub fn outstanding(&self) -> usize {
        self.out.len()
    }
}

impl FrameSource for SimPool<'_> {
    fn alloc_table(&mut self) -> Option<Frame> {
        let f = self.free.pop_front()?;
        self.machine.fill_frame(f, 0);
        self.out.insert(f);
        Some(f)
    }

    fn free_table(&mut self, f: Frame) {
        assert!(
            self.out.remove(&f),
            "sim: {f:?} returned to the pool but not from it"
        );
        self.machine.fill_frame(f, 0xA5);
        self.free.push_back(f);
    }
}

/// [`TableAccess`] reading directory `pd` and its tables straight from RAM.
pub struct DirectTables<'m> {
    /// The machine.
    pub machine: &'m Machine,
    /// The directory's frame.
    pub pd: Frame,
}

impl DirectTables<'_> {
    fn table(&self, pdi: usize) -> Frame {
        self.read_pde(pdi)
            .frame()
            .expect("sim: read_pte/write_pte with a missing table")
    }
}

impl TableAccess for DirectTables<'_> {
    fn read_pde(&self, pdi: usize) -> Pte {
        self.machine.read_entry(self.pd, pdi)
    }
    fn write_pde(&mut self, pdi: usize, e: Pte) {
        self.machine.write_entry(self.pd, pdi, e);
    }
    fn read_pte(&self, pdi: usize, pti: usize) -> Pte {
        self.machine.read_entry(self.table(pdi), pti)
    }
    fn write_pte(&mut self, pdi: usize, pti: usize, e: Pte) {
        self.machine.write_entry(self.table(pdi), pti, e);
    }
}

/// [`TableAccess`] through a recursive window of the active directory, as the kernel does it:
/// every entry is read and written at a virtual address translated by the walker (supervisor
/// accesses, through the TLB).
pub struct RecursiveTables<'m> {
    /// The machine; its CR3 must map itself in slot 1023 (and hold the external directory in
    /// slot 1022 for [`Window::External`]).
    pub machine: &'m Machine,
    /// Which directory to edit.
    pub window: Window,
}

impl RecursiveTables<'_> {
    fn load(&self, va: VirtAddr) -> Pte {
        Pte::from_raw(
            self.machine
                .read_virt(va, false)
                .expect("sim: window read faulted"),
        )
    }
    fn store(&self, va: VirtAddr, e: Pte) {
        self.machine
            .write_virt(va, e.to_raw(), false)
            .expect("sim: window write faulted");
    }
}

impl TableAccess for RecursiveTables<'_> {
    fn read_pde(&self, pdi: usize) -> Pte {
        self.load(self.window.pde_addr(pdi))
    }
    fn write_pde(&mut self, pdi: usize, e: Pte) {
        self.store(self.window.pde_addr(pdi), e);
    }
    fn read_pte(&self, pdi: usize, pti: usize) -> Pte {
        self.load(self.window.pte_addr(pdi, pti))
    }
    fn write_pte(&mut self, pdi: usize, pti: usize, e: Pte) {
        self.store(self.window.pte_addr(pdi, pti), e);
    }
}
