//! Cutting pages out of a memory object: `truncate` (the size shrinks; every mapping of the
//! pages past it loses them, private copies included, so later accesses raise SIGBUS) and
//! `punch` (`MADV_REMOVE`, `fallocate(PUNCH_HOLE)`: pages in the middle read as zeros again;
//! only the entries mapping the dropped frames go, private copies stay — Linux's
//! `unmap_mapping_range` with and without `even_cows`).

use super::framemeta;
use super::frames;
use super::object::{Cached, MemObject, PageMap, MAX_SIZE};
use super::rmap;
use super::tempmap::TempMap;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use vmcore::addr::{Frame, PAGE_SIZE};
use vmcore::errno::Errno;
use vmcore::radix::Radix;

const PAGE: u64 = PAGE_SIZE as u64;
/// What a punched page of an initrd file's data is overwritten with.
static ZEROS: [u8; PAGE_SIZE as usize] = [0; PAGE_SIZE as usize];

impl MemObject {
    /// Sets the size: shrinking frees the pages past the end and zeroes the tail of the last
    /// one (so growing again reads zeros), growing exposes zeros. `EFBIG` past the largest size.
    pub fn truncate(&self, new: u64) -> Result<(), Errno> {
        if new > MAX_SIZE {
            return Err(Errno::EFBIG);
        }
        let first_gone = new.div_ceil(PAGE);
        let mut gone: Vec<Frame> = Vec::new();
        // 1. The spaces mapping pages that go, under `rmap` so that no area links meanwhile.
        let rmap = self.rmap().lock();
        let spaces = rmap::spaces_mapping(&rmap, first_gone)?;
        {
            // 2. The new size: from now on a fault past it is `PastEof`.
            let map = self.map.lock();
            drop(rmap);
            let old = self.size.swap(new, Ordering::AcqRel);
            if new >= old {
                return Ok(());
            }
            // 3. Unmapped from every space (each under its own lock; `map` is not held).
            drop(map);
            rmap::unmap_from_all(&spaces, self.id(), first_gone);
            // 4. The pages leave the cache.
            let mut map = self.map.lock();
            if (new as usize) < map.source.len() {
                clip_source(&mut map, new as usize);
            }
            let first_gone = first_gone as u32;
            let count = map.pages.len() - count_below(&map.pages, first_gone);
            if gone.try_reserve_exact(count).is_err() {
                // Dropping pages one at a time needs no memory.
                return self.drop_pages_from(map, first_gone, new);
            }
            let PageMap { pages, extra, source, .. } = &mut *map;
            let src_pages = (source.len() as u64).div_ceil(PAGE);
            pages.drain_from(first_gone, |i, c| {
                if u64::from(i) >= src_pages {
                    *extra -= 1;
                }
                framemeta::clear(c.frame);
                gone.push(c.frame);
            });
            zero_tail(&map.pages, new);
        }
        for f in gone {
            frames::dec_ref(f); // the cache's reference; mapped copies live on
        }
        Ok(())
    }

    /// `truncate`'s slow path without memory: drops the pages from `first` one by one.
    fn drop_pages_from(&self, mut map: spin::MutexGuard<'_, PageMap>, first: u32, new: u64) -> Result<(), Errno> {
        while let Some((i, _)) = map.pages.next_from(first) {
            let c = map.pages.remove(i).expect("invariant: just found");
            map.count(i, -1);
            framemeta::clear(c.frame);
            frames::dec_ref(c.frame);
        }
        zero_tail(&map.pages, new);
        Ok(())
    }


    /// Frees pages `[first, end)` (clipped to the size), which then read as zeros; the size
    /// stays. Cached pages leave the cache and every entry mapping them goes; pages still
    /// backed by the boot module's data are overwritten with zeros instead (the module cannot
    /// forget them). `ENOMEM` when the list of dropped frames cannot be built (nothing
    /// dropped yet).
    pub fn punch(&self, first: u64, end: u64) -> Result<(), Errno> {
        let end = end.min(self.size().div_ceil(PAGE));
        if first >= end {
            return Ok(());
        }
        let (first, end) = (first as u32, end as u32);
        // 1. Pages of the module's data: clip the data when the hole reaches past it,
        //    otherwise write zeros over them.
        let src_pages = self.map.lock().source_pages().min(u64::from(u32::MAX)) as u32;
        if first < src_pages {
            if end >= src_pages {
                clip_source(&mut self.map.lock(), (u64::from(first) * PAGE) as usize);
            } else {
                for index in first..end {
                    self.write_bytes(u64::from(index) * PAGE, &ZEROS)?;
                }
                return Ok(());
            }
        }
        // 2. The cached pages leave the cache.
        let mut gone: Vec<(u32, Frame)> = Vec::new();
        {
            let mut map = self.map.lock();
            let count = count_below(&map.pages, end) - count_below(&map.pages, first);
            crate::mm::inject::fallible(|| gone.try_reserve_exact(count)).map_err(|_| Errno::ENOMEM)?;
            let mut at = first;
            while let Some((i, _)) = map.pages.next_from(at) {
                if i >= end {
                    break;
                }
                let c = map.pages.remove(i).expect("invariant: just found");
                map.count(i, -1);
                framemeta::clear(c.frame);
                gone.push((i, c.frame));
                at = i + 1;
            }
        }
        // 3. Every entry mapping a dropped frame goes; a fault meanwhile found a new page.
        let spaces = rmap::spaces_mapping(&self.rmap().lock(), u64::from(first));
        if let Ok(spaces) = &spaces {
            let is_gone = |index: u64, frame: Frame| gone.binary_search(&(index as u32, frame)).is_ok();
            rmap::zap_frames_from_all(spaces, self.id(), u64::from(first), u64::from(end), &is_gone);
        }
        // 4. The cache's references (a mapping that could not be listed keeps its copy alive).
        for (_, f) in gone {
            frames::dec_ref(f);
        }
        spaces.map(|_| ())
    }

}

/// Keeps the first `len` bytes of the module's data (`len` below its length): the blocks it
/// covered but no page holds are given back, and the cached pages past it count as blocks of
/// their own.
fn clip_source(map: &mut PageMap, len: usize) {
    let before = map.source_pages();
    map.source = &map.source[..len];
    let after = map.source_pages();
    let moved = count_below(&map.pages, before as u32) - count_below(&map.pages, after as u32);
    map.extra += moved as u64;
}

/// Cached pages below `first`.
fn count_below(pages: &Radix<Cached>, first: u32) -> usize {
    let mut n = 0;
    pages.for_each(|i, _| {
        if i < first {
            n += 1;
        }
    });
    n
}

/// Zeroes the bytes of the last page past `size`, if that page is cached.
fn zero_tail(pages: &Radix<Cached>, size: u64) {
    if !size.is_multiple_of(PAGE) {
        if let Some(c) = pages.get((size / PAGE) as u32) {
            TempMap::new(c.frame).bytes()[(size % PAGE) as usize..].fill(0);
        }
    }
}

