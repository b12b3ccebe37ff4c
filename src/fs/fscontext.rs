//! A process's place in the tree (Linux's `fs_struct`): its root, its working directory and
//! its umask, shared under `CLONE_FS`.

use super::mount::PathRef;
use alloc::sync::Arc;
use vmcore::errno::Errno;

/// Root, working directory and umask.
pub struct FsContext {
    inner: spin::RwLock<FsState>,
}

/// What an [`FsContext`] holds.
#[derive(Clone)]
pub struct FsState {
    /// Where absolute paths start.
    pub root: PathRef,
    /// Where relative paths start.
    pub cwd: PathRef,
    /// The file-mode creation mask.
    pub umask: u32,
}

impl FsContext {
    /// A context at `root` (also the working directory) with umask 022 (Linux's init).
    pub fn new(root: PathRef) -> Result<Arc<FsContext>, Errno> {
        let state = FsState { cwd: root.clone(), root, umask: 0o022 };
        crate::mm::inject::fallible(|| Arc::try_new(FsContext { inner: spin::RwLock::new(state) })).map_err(|_| Errno::ENOMEM)
    }

    /// An unshared copy (fork without `CLONE_FS`).
    pub fn try_copy(&self) -> Result<Arc<FsContext>, Errno> {
        let state = self.inner.read().clone();
        crate::mm::inject::fallible(|| Arc::try_new(FsContext { inner: spin::RwLock::new(state) })).map_err(|_| Errno::ENOMEM)
    }

    /// A snapshot of the state.
    pub fn get(&self) -> FsState {
        self.inner.read().clone()
    }

    /// Sets the working directory; the old one is dropped after unlocking.
    pub fn set_cwd(&self, cwd: PathRef) {
        let old = core::mem::replace(&mut self.inner.write().cwd, cwd);
        drop(old);
    }

    /// Sets the umask, returning the old one.
    pub fn swap_umask(&self, mask: u32) -> u32 {
        core::mem::replace(&mut self.inner.write().umask, mask & 0o777)
    }

    /// The umask.
    pub fn umask(&self) -> u32 {
        self.inner.read().umask
    }
}

/// The running task's context.
pub fn current() -> Result<Arc<FsContext>, Errno> {
    crate::proc::current().inner.lock().fs.clone().ok_or(Errno::ENOENT)
}
