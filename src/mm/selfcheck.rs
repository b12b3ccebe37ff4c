//! Kernel self-checks, on with `selfcheck` on the command line (and always in debug builds):
//!
//! - freed frames and freed heap blocks are poisoned (0x6B), so a use after free reads garbage
//!   that tests notice instead of stale data that happens to work;
//! - a consistency walk over every address space — each space's own invariants
//!   (`MSpace::check_consistency`: entry flags, table counts, counters) and, across all spaces,
//!   that every data frame's reference count equals the number of mappings of it plus the page
//!   cache's own reference; the page cache against the frames' owner records
//!   (`cachecheck`); under `slub_debug`, every live kmalloc block's header and red zones
//!   (`heap::verify_live`). It runs whenever `/proc/meminfo` is read, which the ring-3 suite does
//!   after every case; an inconsistency is a kernel bug and panics with the details;
//! - no interrupt-safe lock may be held across a context switch (asserted in the scheduler).

use super::aspace::AddressSpace;
use super::frames;
use alloc::collections::{BTreeMap, TryReserveError};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use vmcore::addr::Frame;
use vmcore::frames::FrameState;
use vmcore::layout::KERNEL_PD_FIRST;
use vmcore::paging::TableAccess;

static ON: AtomicBool = AtomicBool::new(cfg!(debug_assertions));

/// Poison byte for freed memory.
pub const POISON: u8 = 0x6B;

/// Reads `selfcheck` from the command line.
pub fn init() {
    if crate::cmdline::get("selfcheck").is_some() {
        ON.store(true, Ordering::Relaxed);
    }
    if enabled() {
        log::info!("self-checks on: poisoning freed memory, consistency walks on /proc/meminfo");
    }
}

/// Whether self-checks are on.
#[inline(always)]
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Counts, per data frame, the mappings in one space's user half. A page table shared by
/// fork holds one reference per entry for all its sharers: its entries are counted once, and
/// `shared` counts the directories linking it.
fn count_mappings(tables: &dyn TableAccess, zero: Frame, counts: &mut BTreeMap<Frame, u32>, shared: &mut BTreeMap<Frame, u32>) {
    for pdi in 0..KERNEL_PD_FIRST {
        let pde = tables.read_pde(pdi);
        let Some(table) = pde.frame() else { continue };
        if vmcore::ptshare::is_shared(pde) {
            let linkers = shared.entry(table).or_insert(0);
            *linkers += 1;
            if *linkers > 1 {
                continue;
            }
        }
        for pti in 0..1024 {
            if let Some(frame) = tables.read_pte(pdi, pti).frame() {
                if frame != zero {
                    *counts.entry(frame).or_insert(0) += 1;
                }
            }
        }
    }
}

/// Walks `spaces` — every address space there is, each with the pid of a task using it — and
/// panics on the first inconsistency. `Err` when its bookkeeping does not fit the heap (the
/// walk is then not made).
pub fn verify_all(spaces: &[(u32, Arc<AddressSpace>)]) -> Result<(), TryReserveError> {
    let zero = super::phys::zero_page();
    let mut counts: BTreeMap<Frame, u32> = BTreeMap::new();
    let mut shared: BTreeMap<Frame, u32> = BTreeMap::new();
    // The page directories walked so far, sorted: threads share a space, counted once.
    let mut seen: Vec<Frame> = Vec::new();
    super::inject::fallible(|| seen.try_reserve_exact(spaces.len()))?;
    for (pid, space) in spaces {
        match seen.binary_search(&space.pd()) {
            Ok(_) => continue,
            Err(at) => seen.insert(at, space.pd()),
        }
        let result = space.edit(|s, t, p| {
            let r = s.check_consistency(&*t, &*p);
            count_mappings(&*t, zero, &mut counts, &mut shared);
            (r, None)
        });
        if let Err(e) = result {
            panic!("self-check: address space of pid {pid} is inconsistent: {e}");
        }
    }
    // A table linked read-only by n directories records n sharers (n = 1: its last sharer
    // has not retaken it yet).
    for (&table, &n) in &shared {
        let sharers = super::phys::table_meta(table).sharers;
        if sharers != n {
            panic!("self-check: page table {table:?} is linked read-only {n} time(s) but records {sharers} sharer(s)");
        }
    }
    super::rmap::verify_all();
    let cache = super::cachecheck::cached_pages().unwrap_or_else(|e| panic!("self-check: page cache: {e}"));
    for (&frame, &maps) in &counts {
        let cached = cache.contains_key(&frame);
        let expected = maps + u32::from(cached);
        match frames::state(frame) {
            Some(FrameState::Used(refs)) if refs == expected => {}
            // Device memory of physical areas is reserved and never counted.
            Some(FrameState::Reserved) => {}
            other => panic!(
                "self-check: {frame:?} is mapped {maps} time(s){} but its state is {other:?}",
                if cached { " and cached" } else { "" }
            ),
        }
    }
    if let Err(e) = super::cachecheck::verify(&cache, &counts) {
        panic!("self-check: page cache: {e}");
    }
    if let Err(v) = super::heap::verify_live() {
        panic!("self-check: {v}");
    }
    Ok(())
}
