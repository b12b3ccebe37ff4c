//! A file object for tests.

use alloc::string::String;
use alloc::sync::Arc;

use super::FileObject;

/// An in-memory file whose byte at offset `o` is `o as u8`.
pub(crate) struct TestFile {
    pub ino: u64,
    pub dev: (u32, u32),
    pub path: String,
    pub size: u64,
}

impl TestFile {
    /// A file on device 08:01.
    pub fn open(ino: u64, path: &str, size: u64) -> Arc<dyn FileObject> {
        Arc::new(TestFile { ino, dev: (8, 1), path: path.into(), size })
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
            *b = (offset + i as u64) as u8;
        }
        n
    }
}
