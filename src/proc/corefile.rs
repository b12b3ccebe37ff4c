//! The core file being written: `core` in the process's working directory, created as
//! Linux 6.1's `do_coredump` does for a plain `core_pattern`.

use crate::fs::inode::Inode;
use alloc::sync::Arc;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{O_CREAT, O_EXCL, O_LARGEFILE, O_NOFOLLOW, O_RDWR};

/// The file a core dump goes to, with Linux's `coredump_params` accounting: bytes written
/// against `RLIMIT_CORE` (holes not counted), the position.
pub struct CoreFile {
    inode: Arc<Inode>,
    limit: u64,
    written: u64,
    pos: u64,
    /// The end of the last bytes written (the file's size so far).
    end: u64,
}

impl CoreFile {
    /// Creates `core` in the working directory: an old one is unlinked first (Linux does,
    /// but for a set-uid dump, which we do not have), then `O_CREAT|O_EXCL|O_NOFOLLOW|O_RDWR|
    /// O_LARGEFILE` with mode 0600 under the umask; refused, as Linux, when the result is not
    /// a regular file of one link owned by the fsuid with mode 0600, then truncated.
    pub fn create(limit: u64) -> Result<CoreFile, Errno> {
        let cwd = crate::fs::fscontext::current()?.get().cwd;
        let cred = super::cred::current();
        let _ = crate::fs::remove::unlink(&cwd, b"core", &cred);
        let file = crate::fs::open::open(&cwd, b"core", O_CREAT | O_EXCL | O_NOFOLLOW | O_RDWR | O_LARGEFILE, 0o600)?;
        let inode = file.path().ok_or(Errno::EINVAL)?.inode.clone();
        let (nlink, uid, mode) = {
            let m = inode.meta.lock();
            (m.nlink, m.uid, m.mode)
        };
        if nlink > 1 || !inode.is_regular() || uid != cred.fsuid || mode & 0o677 != 0o600 || !file.writable() {
            return Err(Errno::EPERM);
        }
        crate::fs::tmpfs::truncate(&inode, 0)?;
        Ok(CoreFile { inode, limit, written: 0, pos: 0, end: 0 })
    }

    /// Writes `data` at the position (Linux's `dump_emit`): fails, writing nothing, when it
    /// would pass the limit.
    pub fn emit(&mut self, data: &[u8]) -> Result<(), Errno> {
        if self.written + data.len() as u64 > self.limit {
            return Err(Errno::EFBIG);
        }
        crate::fs::tmpfs::write_bytes(&self.inode, data, self.pos)?;
        self.written += data.len() as u64;
        self.pos += data.len() as u64;
        self.end = self.pos;
        Ok(())
    }

    /// Leaves a hole of `n` bytes (`dump_skip`).
    pub fn skip(&mut self, n: u64) {
        self.pos += n;
    }

    /// Ends the file: a trailing hole gets its last byte written so the size covers it, as
    /// Linux's `do_coredump` does (`dump_emit(cprm, "", 1)`), if the limit allows.
    pub fn finish(mut self) {
        if self.pos > self.end {
            self.pos -= 1;
            let _ = self.emit(&[0]);
        }
    }
}
