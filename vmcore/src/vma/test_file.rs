//! A file object for tests, with a page cache of its own.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::cell::RefCell;
use std::sync::Mutex;

use super::{FileObject, PageError};
use crate::addr::{Frame, PAGE_SHIFT, PAGE_SIZE};
use crate::mspace::PhysOps;

/// An in-memory file whose byte at offset `o` is `o as u8`.
pub(crate) struct TestFile {
    pub ino: u64,
    pub dev: (u32, u32),
    pub path: String,
    pub size: u64,
    /// Reads as zeros and has no name (a shmem object), instead of `o as u8` bytes.
    zeroed: bool,
    /// Page index → frame holding one reference of the cache's own.
    cache: Mutex<BTreeMap<u32, Frame>>,
}

std::thread_local! {
    /// The test files of this test (each test runs on its own thread).
    static FILES: RefCell<Vec<Weak<TestFile>>> = const { RefCell::new(Vec::new()) };
    /// Cache frames of dropped test files, whose references the test still has to drop (the
    /// kernel's objects drop theirs themselves; a test file has no `PhysOps` at hand).
    static ORPHANS: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
    /// Pages punched out of test files and not yet zapped: (object id, index, frame), each
    /// frame still holding the cache's reference ([`TestFile::take_punched`]).
    static PUNCHED: RefCell<Vec<(u64, u64, Frame)>> = const { RefCell::new(Vec::new()) };
}

impl Drop for TestFile {
    fn drop(&mut self) {
        let frames = core::mem::take(&mut *self.cache.lock().unwrap());
        ORPHANS.with(|o| o.borrow_mut().extend(frames.into_values()));
    }
}

impl TestFile {
    /// A file on device 08:01.
    pub fn open(ino: u64, path: &str, size: u64) -> Arc<dyn FileObject> {
        Self::open_on((8, 1), ino, path, size)
    }

    /// A file on device `dev`.
    pub fn open_on(dev: (u32, u32), ino: u64, path: &str, size: u64) -> Arc<dyn FileObject> {
        Self::make(dev, ino, path, size, false)
    }

    /// A shmem object of `size` bytes of zeros, as the kernel makes for shared anonymous
    /// memory (`/dev/zero`, unlinked: maps shows it `/dev/zero (deleted)`).
    pub fn shmem(ino: u64, size: u64) -> Arc<dyn FileObject> {
        Self::make((0, 1), ino, "/dev/zero", size, true)
    }

    fn make(dev: (u32, u32), ino: u64, path: &str, size: u64, zeroed: bool) -> Arc<dyn FileObject> {
        let file = Arc::new(TestFile { ino, dev, path: path.into(), size, zeroed, cache: Mutex::new(BTreeMap::new()) });
        FILES.with(|f| f.borrow_mut().push(Arc::downgrade(&file)));
        file
    }

    /// Frames cached by this thread's test files (each holds one reference of the cache's own).
    pub fn cached_frames() -> Vec<Frame> {
        let mut all: Vec<Frame> = ORPHANS.with(|o| o.borrow().clone());
        for file in Self::live() {
            all.extend(file.cache.lock().unwrap().values().copied());
        }
        all
    }

    /// Drops the caches' references (frames still mapped survive).
    pub fn evict_all(phys: &mut dyn PhysOps) {
        for frame in ORPHANS.with(|o| core::mem::take(&mut *o.borrow_mut())) {
            phys.dec_ref(frame);
        }
        for file in Self::live() {
            for frame in core::mem::take(&mut *file.cache.lock().unwrap()).into_values() {
                phys.dec_ref(frame);
            }
        }
    }

    /// The pages punched since the last call, still cached: the world zaps them from every
    /// space, then calls [`TestFile::drop_punched`] (the kernel's `MemObject::punch` takes
    /// them out of the cache first; here the intermediate states stay checkable).
    pub fn punched() -> Vec<(u64, u64, Frame)> {
        PUNCHED.with(|p| p.borrow().clone())
    }

    /// Takes the punched pages out of their caches and drops the caches' references.
    pub fn drop_punched(phys: &mut dyn PhysOps) {
        for (ino, index, frame) in PUNCHED.with(|p| core::mem::take(&mut *p.borrow_mut())) {
            if let Some(file) = Self::live().into_iter().find(|f| f.ino == ino) {
                file.cache.lock().unwrap().remove(&(index as u32));
            }
            phys.dec_ref(frame);
        }
    }

    fn live() -> Vec<Arc<TestFile>> {
        FILES.with(|f| f.borrow().iter().filter_map(Weak::upgrade).collect())
    }
}

impl FileObject for TestFile {
    fn ino(&self) -> u64 {
        self.ino
    }
    fn dev(&self) -> (u32, u32) {
        self.dev
    }
    fn path(&self) -> &str {
        &self.path
    }
    fn size(&self) -> u64 {
        self.size
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        let n = self.size.saturating_sub(offset).min(buf.len() as u64) as usize;
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = if self.zeroed { 0 } else { (offset + i as u64) as u8 };
        }
        n
    }
    fn is_unlinked(&self) -> bool {
        self.zeroed
    }
    fn can_punch(&self) -> bool {
        self.zeroed
    }
    fn punch(&self, first: u64, end: u64) -> Result<(), crate::errno::Errno> {
        let cache = self.cache.lock().unwrap();
        for (&i, &frame) in cache.range(first as u32..end.min(u64::from(u32::MAX)) as u32) {
            PUNCHED.with(|p| p.borrow_mut().push((self.ino, u64::from(i), frame)));
        }
        Ok(())
    }
    fn object_id(&self) -> u64 {
        self.ino
    }
    fn get_page(&self, index: u32, phys: &mut dyn PhysOps) -> Result<Frame, PageError> {
        let offset = u64::from(index) << PAGE_SHIFT;
        if offset >= self.size {
            return Err(PageError::PastEof);
        }
        let mut cache = self.cache.lock().unwrap();
        let frame = match cache.get(&index) {
            Some(&f) => f,
            None => {
                let f = phys.alloc_frame().ok_or(PageError::NoMemory)?; // the cache's reference
                let bytes = (self.size - offset).min(u64::from(PAGE_SIZE)) as u32;
                phys.fill_from_file(f, self, offset, bytes);
                cache.insert(index, f);
                f
            }
        };
        phys.inc_ref(frame);
        Ok(frame)
    }
}
