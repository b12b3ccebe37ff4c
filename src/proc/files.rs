//! A process's open files: a table of file descriptors.

use crate::fs::file::OpenFile;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::errno::Errno;

/// File descriptors 0.. of one process.
#[derive(Clone, Default)]
pub struct FdTable {
    slots: Vec<Option<Arc<OpenFile>>>,
}

impl FdTable {
    /// An empty table.
    pub const fn new() -> Self {
        Self { slots: Vec::new() }
    }

    /// A table with the console on 0, 1 and 2.
    pub fn with_console() -> Self {
        let console = Arc::new(OpenFile::console());
        let mut t = Self::new();
        for _ in 0..3 {
            t.slots.push(Some(console.clone()));
        }
        t
    }

    /// Installs `file` at the lowest free descriptor below `limit` (the process's
    /// `RLIMIT_NOFILE`); EMFILE when there is none, as Linux.
    pub fn install(&mut self, file: Arc<OpenFile>, limit: u32) -> Result<u32, Errno> {
        let limit = limit.min(super::limits::NR_OPEN) as usize;
        if let Some(i) = self.slots.iter().take(limit).position(Option::is_none) {
            self.slots[i] = Some(file);
            return Ok(i as u32);
        }
        if self.slots.len() >= limit {
            return Err(Errno::EMFILE);
        }
        crate::mm::inject::fallible(|| self.slots.try_reserve(1)).map_err(|_| Errno::ENOMEM)?;
        self.slots.push(Some(file));
        Ok(self.slots.len() as u32 - 1)
    }

    /// The file at `fd`.
    pub fn get(&self, fd: u32) -> Result<Arc<OpenFile>, Errno> {
        self.slots.get(fd as usize).and_then(Clone::clone).ok_or(Errno::EBADF)
    }

    /// Closes `fd`.
    pub fn close(&mut self, fd: u32) -> Result<(), Errno> {
        match self.slots.get_mut(fd as usize) {
            Some(slot @ Some(_)) => {
                *slot = None;
                Ok(())
            }
            _ => Err(Errno::EBADF),
        }
    }
}
