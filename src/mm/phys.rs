//! Physical memory as address spaces use it: `vmcore::mspace::PhysOps` over the frame
//! allocator, the temporary mappings, the shared zero frame, and the page cache's frames
//! (`object.rs`), which `dec_ref` recognises by their owner records (`framemeta.rs`).

use super::tempmap::{copy_frame, zero_frame, TempMap};
use super::{framemeta, frames, objects};
use spin::Once;
use vmcore::addr::{Frame, PAGE_SIZE};
use vmcore::frames::DecRef;
use vmcore::mspace::{PhysOps, RmapOps};
use vmcore::paging::FrameSource;
use vmcore::ptshare::TableMeta;
use vmcore::vma::FileObject;

static ZERO_PAGE: Once<Frame> = Once::new();

/// Allocates the zero frame (boot, once).
pub fn init() {
    ZERO_PAGE.call_once(|| frames::alloc_zeroed().expect("boot: a frame for the zero page"));
}

/// The shared frame of zeroes.
pub fn zero_page() -> Frame {
    *ZERO_PAGE.get().expect("invariant: zero page allocated at boot")
}

/// How many mappings hold `frame`: its references less the page cache's own one when its
/// owner record says an object caches it.
pub fn map_count(frame: Frame) -> u32 {
    frames::refcount(frame).saturating_sub(u32::from(framemeta::owner(frame).is_some()))
}

/// Frames held by the page cache.
pub fn cached_frames() -> usize {
    objects::cached_count()
}

/// The kernel's `PhysOps`: stateless, every call goes to the global allocators. Its reverse
/// map operations do nothing: edits of an address space use `rmap::SpacePhys`, which knows the
/// space (faults never change areas).
pub struct KernelPhys;

impl RmapOps for KernelPhys {}

impl FrameSource for KernelPhys {
    fn alloc_table(&mut self) -> Option<Frame> {
        let table = frames::alloc_zeroed()?;
        framemeta::set_table_word(table, 0); // the word may hold a former file page's index
        Some(table)
    }
    fn free_table(&mut self, f: Frame) {
        frames::free(f)
    }
}

impl PhysOps for KernelPhys {
    fn alloc_frame(&mut self) -> Option<Frame> {
        frames::alloc_uncontended()
    }
    fn zero_frame(&mut self, frame: Frame) {
        zero_frame(frame)
    }
    fn copy_frame(&mut self, src: Frame, dst: Frame) {
        copy_frame(src, dst)
    }
    fn fill_from_file(&mut self, frame: Frame, file: &dyn FileObject, offset: u64, bytes: u32) {
        // The file is read into a kernel buffer first: a file's `read_at` may itself map its
        // cache frames at the temporary spots.
        let mut buf = [0u8; 1024];
        let want = bytes.min(PAGE_SIZE) as usize;
        let mut done = 0;
        while done < want {
            let n = (want - done).min(buf.len());
            let got = file.read_at(offset + done as u64, &mut buf[..n]);
            TempMap::new(frame).bytes()[done..done + got].copy_from_slice(&buf[..got]);
            done += got;
            if got < n {
                break;
            }
        }
        TempMap::new(frame).bytes()[done..].fill(0);
    }
    fn inc_ref(&mut self, frame: Frame) -> u32 {
        frames::inc_ref(frame)
    }
    fn inc_refs(&mut self, batch: &[Frame]) {
        frames::inc_refs(batch)
    }
    fn dec_ref(&mut self, frame: Frame) -> bool {
        match frames::release(frame) {
            DecRef::Freed => true,
            // One reference left: if the owner record names an object (no search, no second
            // look at the allocator), it is the cache's own: drop the page if clean. An
            // anonymous frame's record is empty, so the page cache is never consulted for it.
            DecRef::StillShared(1) if framemeta::owner(frame).is_some() => objects::release_if_cached(frame),
            DecRef::StillShared(_) => false,
        }
    }
    fn refcount(&self, frame: Frame) -> u32 {
        frames::refcount(frame)
    }
    fn map_count(&self, frame: Frame) -> u32 {
        map_count(frame)
    }
    fn zero_page(&self) -> Frame {
        zero_page()
    }
    fn page_dirtied(&mut self, frame: Frame) {
        objects::mark_dirty(frame)
    }
    fn table_meta(&self, table: Frame) -> TableMeta {
        table_meta(table)
    }
    fn set_table_meta(&mut self, table: Frame, meta: TableMeta) {
        framemeta::set_table_word(table, u32::from(meta.copied) << 31 | meta.sharers);
    }
    fn copy_table(&mut self, src: Frame, dst: Frame) {
        copy_frame(src, dst) // the TempMap pair: the shared original is read-only in windows
    }
}

/// The sharing record of page-table frame `table` (`framemeta::table_word`: sharers in bits
/// 0–30, `copied` in bit 31).
pub fn table_meta(table: Frame) -> TableMeta {
    let word = framemeta::table_word(table);
    TableMeta { sharers: word & !(1 << 31), copied: word >> 31 != 0 }
}
