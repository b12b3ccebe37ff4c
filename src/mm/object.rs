//! Memory objects: the pages of a file (Linux's `address_space` with `shmem_inode_info`,
//! docs/files.md "The page cache"). A tmpfs regular file's data, an initrd file's, a shmem
//! object's: `read`, `write` and `mmap` share its frames.
//!
//! * **Pages** sit in a `vmcore::radix` tree (page index → frame and its `dirty` bit) under a
//!   per-object spin lock; its nodes are preloaded outside the lock, so running out of memory
//!   is an error. The clean data of an initrd file stays in the boot module (`source`) until a
//!   page is written or mapped.
//! * **References**: the cache holds one per frame, each mapping one, each `read`/`write` in
//!   progress one. Every cache frame records its owner in `framemeta`, so `KernelPhys::dec_ref`
//!   finds the object without a search: when only the cache's reference is left and the page
//!   is clean (rebuildable from `source` or zeros) it is dropped, so an unmapped, unwritten
//!   file costs no frames and the leak checks see every frame come back.
//! * **Copies** between user memory and a frame go through a small kernel buffer (bounce): a
//!   frame is mapped at a temporary spot only while no user memory is touched, so a page fault
//!   during the user copy can never find the spot taken (docs/files.md "Copying into frames").

use super::frames;
use super::framemeta;
use super::objects;
use super::rmap::Mappers;
use super::tempmap::TempMap;
use crate::syscall::uptr::UserBuf;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use vmcore::addr::{Frame, PAGE_SIZE};
use vmcore::errno::Errno;
use vmcore::mspace::PhysOps;
use vmcore::radix::{Preload, Radix};
use vmcore::vma::PageError;

const PAGE: u64 = PAGE_SIZE as u64;
/// Bytes moved per trip through the bounce buffer.
const CHUNK: usize = 1024;
/// Largest file size (`MAX_LFS_FILESIZE` on 32-bit: page index must fit in 32 bits).
pub const MAX_SIZE: u64 = (u32::MAX as u64) * PAGE;

/// A cached page.
#[derive(Clone, Copy)]
pub(super) struct Cached {
    pub(super) frame: Frame,
    /// The cache holds the only copy: written by `write`, or through a shared mapping.
    pub(super) dirty: bool,
}

/// What the page lock protects.
pub(super) struct PageMap {
    pub(super) pages: Radix<Cached>,
    /// Clean data behind the first pages (an initrd file), clipped by truncation.
    pub(super) source: &'static [u8],
    /// Cached pages at or past the source's pages (blocks of their own).
    pub(super) extra: u64,
}

impl PageMap {
    /// Pages the source covers.
    pub(super) fn source_pages(&self) -> u64 {
        (self.source.len() as u64).div_ceil(PAGE)
    }

    pub(super) fn count(&mut self, index: u32, delta: i64) {
        if u64::from(index) >= self.source_pages() {
            self.extra = self.extra.wrapping_add_signed(delta);
        }
    }
}

/// The pages of one file.
pub struct MemObject {
    /// Slot in `objects::OBJECTS` (≥ 1), recorded in the frames' owner records; also the object's
    /// identity for the reverse map (`FileObject::object_id`).
    pub(super) slot: u32,
    pub(super) size: AtomicU64,
    pub(super) map: spin::Mutex<PageMap>,
    /// The areas mapping the object (Linux's `i_mmap`). Taken inside an address space's lock,
    /// before `map` when both are needed.
    rmap: spin::Mutex<Mappers>,
}

/// Copies the part of `source` behind page `index` into `frame` and zeroes the rest.
fn fill(frame: Frame, source: &[u8], index: u32) {
    let mut map = TempMap::new(frame);
    let page = map.bytes();
    let start = (u64::from(index) * PAGE).min(source.len() as u64) as usize;
    let end = (start + PAGE_SIZE as usize).min(source.len());
    page[..end - start].copy_from_slice(&source[start..end]);
    page[end - start..].fill(0);
}

impl MemObject {
    /// An object of `source`'s size holding `source`'s bytes (empty when `None`).
    pub fn new(source: Option<&'static [u8]>) -> Result<Arc<MemObject>, Errno> {
        let src = source.unwrap_or(&[]);
        let slot = objects::take_slot()?;
        let obj = MemObject {
            slot,
            size: AtomicU64::new(src.len() as u64),
            map: spin::Mutex::new(PageMap { pages: Radix::new(), source: src, extra: 0 }),
            rmap: spin::Mutex::new(Mappers::new()),
        };
        let obj = match crate::mm::inject::fallible(|| Arc::try_new(obj)) {
            Ok(o) => o,
            Err(_) => return Err(Errno::ENOMEM), // dropping `obj` released the slot
        };
        objects::publish(slot, &obj);
        Ok(obj)
    }

    /// The object's identity (`FileObject::object_id`; never 0).
    pub fn id(&self) -> u64 {
        u64::from(self.slot)
    }

    /// The areas mapping the object.
    pub fn rmap(&self) -> &spin::Mutex<Mappers> {
        &self.rmap
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size.load(Ordering::Acquire)
    }

    /// Pages charged to the file: those the source covers, and cached pages past them;
    /// `st_blocks` is this × 8.
    pub fn blocks(&self) -> u64 {
        let map = self.map.lock();
        map.source_pages() + map.extra
    }

    /// Whether page `index` is in memory, as `mincore` reports it (Linux 6.1: resident when
    /// the page cache holds it): below the size, and either backed by the boot module (the
    /// initrd's data, which Linux's rootfs keeps in its page cache from boot) or cached. A
    /// hole of a file (never written) is not resident.
    pub fn is_resident(&self, index: u32) -> bool {
        if u64::from(index) >= self.size().div_ceil(PAGE) {
            return false;
        }
        let map = self.map.lock();
        u64::from(index) < map.source_pages() || map.pages.get(index).is_some()
    }

    /// Whether page `index` is in the cache (a write there adds no block).
    pub fn has_page(&self, index: u32) -> bool {
        self.map.lock().pages.get(index).is_some()
    }

    /// Pages in the cache.
    pub fn cached_pages(&self) -> usize {
        self.map.lock().pages.len()
    }

    /// The frames in the cache (each holds one reference of the cache's own).
    pub(super) fn cached_frame_list(&self) -> Vec<Frame> {
        let mut out = Vec::new();
        self.map.lock().pages.for_each(|_, c| out.push(c.frame));
        out
    }

    /// The cached frame of page `index`, with a reference for the caller.
    fn pinned(&self, index: u32) -> Option<Frame> {
        let map = self.map.lock();
        let f = map.pages.get(index)?.frame;
        frames::inc_ref(f);
        Some(f)
    }

    /// The frame of page `index` with a reference for the caller, created if absent (filled
    /// from `source`, zeroed past it). `past_eof` allows an index at or past the size (a write
    /// extending the file); `dirty` marks the page as holding the only copy.
    pub(super) fn page(&self, index: u32, past_eof: bool, dirty: bool, phys: &mut dyn PhysOps) -> Result<Frame, PageError> {
        let mut pre = Preload::new();
        let mut fresh: Option<Frame> = None;
        let give_back = |f: Option<Frame>| {
            if let Some(f) = f {
                frames::dec_ref(f);
            }
        };
        loop {
            let mut map = self.map.lock();
            // The size first: a page past it may still be cached while a truncation runs.
            if !past_eof && u64::from(index) * PAGE >= self.size() {
                drop(map);
                give_back(fresh);
                return Err(PageError::PastEof);
            }
            if let Some(c) = map.pages.get(index).copied() {
                if dirty && !c.dirty {
                    let Ok(_) = map.pages.insert(index, Cached { dirty, ..c }, &mut pre) else {
                        unreachable!("invariant: replacing needs no node");
                    };
                }
                frames::inc_ref(c.frame);
                drop(map);
                give_back(fresh);
                return Ok(c.frame);
            }
            let need = map.pages.nodes_needed(index);
            if let (Some(frame), true) = (fresh, pre.len() >= need) {
                // Filled under the lock: the source cannot be clipped meanwhile.
                fill(frame, map.source, index);
                let Ok(_) = map.pages.insert(index, Cached { frame, dirty }, &mut pre) else {
                    unreachable!("invariant: nodes preloaded");
                };
                map.count(index, 1);
                framemeta::set(frame, self.slot, index);
                frames::inc_ref(frame); // one for the cache, one for the caller
                return Ok(frame);
            }
            drop(map);
            if fresh.is_none() {
                fresh = Some(phys.alloc_frame().ok_or(PageError::NoMemory)?);
            }
            // Fallible either way; `write` (a system call: ENOMEM) lets failslab injection hit
            // it, a fault (`!past_eof`) does not: a fault's own allocations are frames, which
            // fail_page_alloc covers, and failslab aims at system calls.
            let more = need.saturating_sub(pre.len());
            let filled = if past_eof { crate::mm::inject::fallible(|| pre.fill(more)) } else { pre.fill(more) };
            if filled.is_err() {
                give_back(fresh);
                return Err(PageError::NoMemory);
            }
        }
    }

    /// The page-cache frame of page `index` for a mapping (`FileObject::get_page`).
    pub fn get_page(&self, index: u32, phys: &mut dyn PhysOps) -> Result<Frame, PageError> {
        self.page(index, false, false, phys)
    }

    /// Fills `out` with the bytes at `pos` (all within one page and below the size).
    fn read_page_part(&self, pos: u64, out: &mut [u8]) {
        let index = (pos / PAGE) as u32;
        let off = (pos % PAGE) as usize;
        match self.pinned(index) {
            Some(f) => {
                out.copy_from_slice(&TempMap::new(f).bytes()[off..off + out.len()]);
                super::phys::KernelPhys.dec_ref(f);
            }
            None => {
                // An absent page is read straight from the source (or as zeros), without
                // creating a cache page.
                let src = self.map.lock().source;
                for (i, b) in out.iter_mut().enumerate() {
                    *b = src.get(pos as usize + i).copied().unwrap_or(0);
                }
            }
        }
    }

    /// Reads up to `buf.len()` bytes at `pos` into a kernel buffer; returns how many (0 at or
    /// past the end).
    pub fn read_at(&self, pos: u64, buf: &mut [u8]) -> usize {
        let size = self.size();
        if pos >= size {
            return 0;
        }
        let n = (buf.len() as u64).min(size - pos) as usize;
        let mut done = 0;
        while done < n {
            let at = pos + done as u64;
            let step = ((PAGE - at % PAGE) as usize).min(n - done);
            self.read_page_part(at, &mut buf[done..done + step]);
            done += step;
        }
        n
    }

    /// `read`: copies from `pos` into the user buffer; the size is not changed. Each page is
    /// looked up (and pinned) once; its bytes cross a 1 KiB kernel buffer, so no user memory
    /// is touched while the frame is mapped.
    pub fn read(&self, pos: u64, buf: UserBuf) -> Result<u32, Errno> {
        let size = self.size();
        if pos >= size {
            return Ok(0);
        }
        let n = (buf.len() as u64).min(size - pos) as u32;
        let mut chunk = [0u8; CHUNK];
        let mut done = 0u32;
        while done < n {
            let at = pos + done as u64;
            let off = (at % PAGE) as usize;
            let in_page = ((PAGE as usize - off) as u32).min(n - done);
            let frame = self.pinned((at / PAGE) as u32);
            let src = if frame.is_none() { self.map.lock().source } else { &[] };
            let mut k = 0u32;
            let mut failed = None;
            while k < in_page {
                let step = (in_page - k).min(CHUNK as u32) as usize;
                let from = off + k as usize;
                match frame {
                    Some(f) => chunk[..step].copy_from_slice(&TempMap::new(f).bytes()[from..from + step]),
                    None => {
                        let base = (at - off as u64) as usize + from;
                        for (i, b) in chunk[..step].iter_mut().enumerate() {
                            *b = src.get(base + i).copied().unwrap_or(0);
                        }
                    }
                }
                if let Err(e) = buf.write_at(done + k, &chunk[..step]) {
                    failed = Some(e);
                    break;
                }
                k += step as u32;
            }
            if let Some(f) = frame {
                super::phys::KernelPhys.dec_ref(f);
            }
            done += k;
            if let Some(e) = failed {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
        }
        Ok(done)
    }

    /// `write`: copies the user buffer to `pos`, extending the size. `EFBIG` past the largest
    /// size; a short count when memory runs out (or the user buffer faults) after some bytes
    /// were written. Each page is looked up once and marked dirty.
    pub fn write(&self, pos: u64, buf: UserBuf) -> Result<u32, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        if pos >= MAX_SIZE {
            return Err(Errno::EFBIG);
        }
        let n = (buf.len() as u64).min(MAX_SIZE - pos) as u32;
        let mut chunk = [0u8; CHUNK];
        let mut done = 0u32;
        while done < n {
            let at = pos + done as u64;
            let off = (at % PAGE) as usize;
            let in_page = ((PAGE as usize - off) as u32).min(n - done);
            let page = self.page((at / PAGE) as u32, true, true, &mut super::phys::KernelPhys).map_err(|e| match e {
                PageError::NoSpace => Errno::ENOSPC,
                _ => Errno::ENOMEM,
            });
            let f = match page {
                Ok(f) => f,
                Err(e) => return if done > 0 { Ok(done) } else { Err(e) },
            };
            let mut k = 0u32;
            let mut failed = None;
            while k < in_page {
                let step = (in_page - k).min(CHUNK as u32) as usize;
                if let Err(e) = buf.read_at(done + k, &mut chunk[..step]) {
                    failed = Some(e);
                    break;
                }
                let to = off + k as usize;
                TempMap::new(f).bytes()[to..to + step].copy_from_slice(&chunk[..step]);
                k += step as u32;
                self.size.fetch_max(at + u64::from(k), Ordering::AcqRel);
            }
            frames::dec_ref(f); // the cache keeps its own
            done += k;
            if let Some(e) = failed {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
        }
        Ok(done)
    }

    /// Writes the kernel bytes `data` at `pos`, extending the size (a core dump's writer).
    /// `EFBIG` past the largest size; `ENOMEM`/`ENOSPC` without a page (what came before
    /// stays).
    pub fn write_bytes(&self, pos: u64, data: &[u8]) -> Result<(), Errno> {
        if pos.checked_add(data.len() as u64).is_none_or(|end| end > MAX_SIZE) {
            return Err(Errno::EFBIG);
        }
        let mut done = 0usize;
        while done < data.len() {
            let at = pos + done as u64;
            let off = (at % PAGE) as usize;
            let step = (PAGE as usize - off).min(data.len() - done);
            let f = self.page((at / PAGE) as u32, true, true, &mut super::phys::KernelPhys).map_err(|e| match e {
                PageError::NoSpace => Errno::ENOSPC,
                _ => Errno::ENOMEM,
            })?;
            TempMap::new(f).bytes()[off..off + step].copy_from_slice(&data[done..done + step]);
            frames::dec_ref(f); // the cache keeps its own
            done += step;
            self.size.fetch_max(at + step as u64, Ordering::AcqRel);
        }
        Ok(())
    }

    /// Drops page `index` if it is `frame`, clean, and only the cache holds it. Returns
    /// whether the frame was freed.
    pub(super) fn drop_if_clean(&self, index: u32, frame: Frame) -> bool {
        let mut map = self.map.lock();
        match map.pages.get(index) {
            Some(c) if c.frame == frame && !c.dirty && frames::refcount(frame) == 1 => {}
            _ => return false,
        }
        map.pages.remove(index);
        map.count(index, -1);
        framemeta::clear(frame);
        drop(map);
        frames::dec_ref(frame)
    }

    /// Marks page `index` dirty if it is `frame`.
    pub(super) fn set_dirty(&self, index: u32, frame: Frame) {
        let mut map = self.map.lock();
        if let Some(c) = map.pages.get(index).copied() {
            if c.frame == frame && !c.dirty {
                let mut pre = Preload::new();
                let Ok(_) = map.pages.insert(index, Cached { dirty: true, ..c }, &mut pre) else {
                    unreachable!("invariant: replacing needs no node");
                };
            }
        }
    }
}

impl Drop for MemObject {
    fn drop(&mut self) {
        let map = self.map.get_mut();
        map.pages.drain_from(0, |_, c| {
            framemeta::clear(c.frame);
            frames::dec_ref(c.frame);
        });
        objects::release_slot(self.slot);
    }
}
