//! Physical memory as address spaces use it: `vmcore::mspace::PhysOps` over the frame
//! allocator, the temporary mappings, the shared zero frame and the page cache of shared file
//! mappings.

use super::frames;
use super::tempmap::{copy_frame, zero_frame, TempMap};
use crate::sync::IrqMutex;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use spin::Once;
use vmcore::addr::{Frame, PAGE_SIZE};
use vmcore::mspace::PhysOps;
use vmcore::paging::FrameSource;
use vmcore::vma::FileObject;

static ZERO_PAGE: Once<Frame> = Once::new();

/// Page-cache key: (device, inode, page-aligned offset).
type Key = ((u32, u32), u64, u64);

/// The page cache for shared file mappings. Each cached frame holds one reference of its own;
/// when every mapping of it is gone (only the cache's reference is left) it is dropped, so an
/// unmapped file costs no memory and the leak checks see every frame come back.
struct PageCache {
    by_key: BTreeMap<Key, Frame>,
    by_frame: BTreeMap<Frame, Key>,
}

static CACHE: IrqMutex<PageCache> = IrqMutex::new(PageCache { by_key: BTreeMap::new(), by_frame: BTreeMap::new() });

/// Allocates the zero frame (boot, once).
pub fn init() {
    ZERO_PAGE.call_once(|| frames::alloc_zeroed().expect("boot: a frame for the zero page"));
}

/// The shared frame of zeroes.
pub fn zero_page() -> Frame {
    *ZERO_PAGE.get().expect("invariant: zero page allocated at boot")
}

/// Frames held by the page cache.
pub fn cached_frames() -> usize {
    CACHE.lock().by_key.len()
}

/// The frames the page cache holds a reference to (for the self-check).
pub fn cached_frame_list() -> alloc::vec::Vec<Frame> {
    CACHE.lock().by_frame.keys().copied().collect()
}

/// The kernel's `PhysOps`: stateless, every call goes to the global allocators.
pub struct KernelPhys;

impl FrameSource for KernelPhys {
    fn alloc_table(&mut self) -> Option<Frame> {
        frames::alloc_zeroed()
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
        let mut map = TempMap::new(frame);
        let page = map.bytes();
        let want = (bytes.min(PAGE_SIZE)) as usize;
        let got = file.read_at(offset, &mut page[..want]);
        page[got..].fill(0);
    }
    fn inc_ref(&mut self, frame: Frame) -> u32 {
        frames::inc_ref(frame)
    }
    fn inc_refs(&mut self, batch: &[Frame]) {
        frames::inc_refs(batch)
    }
    fn dec_ref(&mut self, frame: Frame) -> bool {
        if frames::dec_ref(frame) {
            return true;
        }
        // Only the page cache's own reference left: drop the cached page.
        let mut cache = CACHE.lock();
        if frames::refcount(frame) == 1 {
            if let Some(key) = cache.by_frame.remove(&frame) {
                cache.by_key.remove(&key);
                if cache.by_key.is_empty() {
                    // An empty BTreeMap keeps its root node; give it back too.
                    cache.by_key = BTreeMap::new();
                    cache.by_frame = BTreeMap::new();
                }
                drop(cache);
                frames::free(frame);
                return true;
            }
        }
        false
    }
    fn refcount(&self, frame: Frame) -> u32 {
        frames::refcount(frame)
    }
    fn zero_page(&self) -> Frame {
        zero_page()
    }
    fn shared_file_frame(&mut self, file: &Arc<dyn FileObject>, offset: u64) -> Option<Frame> {
        let key = (file.dev(), file.ino(), offset);
        let mut cache = CACHE.lock();
        if let Some(&frame) = cache.by_key.get(&key) {
            frames::inc_ref(frame);
            return Some(frame);
        }
        let frame = frames::alloc()?;
        self.fill_from_file(frame, file.as_ref(), offset, PAGE_SIZE);
        frames::inc_ref(frame); // one for the cache, one for the caller
        cache.by_key.insert(key, frame);
        cache.by_frame.insert(frame, key);
        Some(frame)
    }
}
