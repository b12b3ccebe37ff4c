//! The core file being written: `core` in the process's working directory.

use vmcore::errno::Errno;

/// The file a core dump goes to, with Linux's `coredump_params` accounting: bytes written
/// against `RLIMIT_CORE`, the position (holes skipped).
pub struct CoreFile {
    limit: u64,
    written: u64,
    pos: u64,
}

impl CoreFile {
    /// Creates `core` in the working directory. The root file system is the read-only
    /// initrd: there is nowhere to create it (Linux on a read-only directory fails the same
    /// way and sets no core bit).
    pub fn create(limit: u64) -> Result<CoreFile, Errno> {
        let _ = CoreFile { limit, written: 0, pos: 0 };
        Err(Errno::EROFS)
    }

    /// Appends `data`; fails when it would pass the limit.
    pub fn emit(&mut self, data: &[u8]) -> Result<(), Errno> {
        if self.written + data.len() as u64 > self.limit {
            return Err(Errno::EFBIG);
        }
        self.written += data.len() as u64;
        self.pos += data.len() as u64;
        Ok(())
    }

    /// Leaves a hole of `n` bytes.
    pub fn skip(&mut self, n: u64) {
        self.pos += n;
    }

    /// Ends the file.
    pub fn finish(self) {}
}
