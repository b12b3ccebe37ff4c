//! A process's open files: a table of file descriptors, each with its close-on-exec flag,
//! shared under `CLONE_FILES` (Linux's `files_struct`).

use crate::fs::file::File;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::errno::Errno;

/// One used descriptor.
#[derive(Clone)]
struct Slot {
    file: Arc<File>,
    cloexec: bool,
}

/// File descriptors 0.. of one process.
#[derive(Default)]
pub struct FdTable {
    slots: Vec<Option<Slot>>,
}

/// Descriptor slots every table has room for from the start (Linux's `NR_OPEN_DEFAULT`, the
/// array embedded in `files_struct`: 32 on i386), so opening the first files after a fork
/// needs no allocation for the table.
const NR_OPEN_DEFAULT: usize = 32;

fn no_mem<T>(r: Result<T, alloc::collections::TryReserveError>) -> Result<T, Errno> {
    r.map_err(|_| Errno::ENOMEM)
}

impl FdTable {
    /// An empty table.
    pub const fn new() -> Self {
        Self { slots: Vec::new() }
    }

    /// A table with `console` on 0, 1 and 2.
    pub fn with_console(console: Arc<File>) -> Result<Self, Errno> {
        let mut t = Self::new();
        no_mem(crate::mm::inject::fallible(|| t.slots.try_reserve_exact(NR_OPEN_DEFAULT)))?;
        for _ in 0..3 {
            t.slots.push(Some(Slot { file: console.clone(), cloexec: false }));
        }
        Ok(t)
    }

    /// A copy of the table (the open files shared), its memory allocated fallibly.
    pub fn try_clone(&self) -> Result<FdTable, Errno> {
        let mut slots = Vec::new();
        no_mem(crate::mm::inject::fallible(|| slots.try_reserve_exact(self.slots.len().max(NR_OPEN_DEFAULT))))?;
        slots.extend(self.slots.iter().cloned());
        Ok(FdTable { slots })
    }

    /// Installs `file` at the lowest free descriptor ≥ `min` and below `limit` (the
    /// process's `RLIMIT_NOFILE`); `EMFILE` when there is none, as Linux.
    pub fn install_from(&mut self, min: u32, file: Arc<File>, cloexec: bool, limit: u32) -> Result<u32, Errno> {
        let limit = limit.min(super::limits::NR_OPEN) as usize;
        let min = min as usize;
        if min >= limit {
            return Err(Errno::EMFILE);
        }
        let free = self.slots.iter().enumerate().skip(min).take(limit - min).find(|(_, s)| s.is_none()).map(|(i, _)| i);
        let fd = match free {
            Some(i) => i,
            None => self.slots.len().max(min),
        };
        if fd >= limit {
            return Err(Errno::EMFILE);
        }
        self.place(fd, Slot { file, cloexec })?;
        Ok(fd as u32)
    }

    /// Puts `slot` at `fd`, growing the table; returns what was there.
    fn place(&mut self, fd: usize, slot: Slot) -> Result<Option<Arc<File>>, Errno> {
        if fd >= self.slots.len() {
            let more = fd + 1 - self.slots.len();
            no_mem(crate::mm::inject::fallible(|| self.slots.try_reserve(more)))?;
            self.slots.resize(fd + 1, None);
        }
        Ok(self.slots[fd].replace(slot).map(|s| s.file))
    }

    /// Installs `file` at exactly `fd` (`dup2`, `dup3`), returning the file it replaces (the
    /// caller drops it after unlocking). `EBADF` for `fd` at or above `limit`.
    pub fn install_at(&mut self, fd: u32, file: Arc<File>, cloexec: bool, limit: u32) -> Result<Option<Arc<File>>, Errno> {
        if fd >= limit.min(super::limits::NR_OPEN) {
            return Err(Errno::EBADF);
        }
        self.place(fd as usize, Slot { file, cloexec })
    }

    /// The file at `fd`.
    pub fn get(&self, fd: u32) -> Result<Arc<File>, Errno> {
        self.slot(fd).map(|s| s.file.clone())
    }

    fn slot(&self, fd: u32) -> Result<&Slot, Errno> {
        self.slots.get(fd as usize).and_then(Option::as_ref).ok_or(Errno::EBADF)
    }

    /// The close-on-exec flag of `fd`.
    pub fn cloexec(&self, fd: u32) -> Result<bool, Errno> {
        self.slot(fd).map(|s| s.cloexec)
    }

    /// Sets the close-on-exec flag of `fd`.
    pub fn set_cloexec(&mut self, fd: u32, on: bool) -> Result<(), Errno> {
        match self.slots.get_mut(fd as usize).and_then(Option::as_mut) {
            Some(s) => {
                s.cloexec = on;
                Ok(())
            }
            None => Err(Errno::EBADF),
        }
    }

    /// Empties `fd`, returning its file (dropped by the caller after unlocking).
    pub fn take(&mut self, fd: u32) -> Result<Arc<File>, Errno> {
        let slot = self.slots.get_mut(fd as usize).and_then(Option::take).ok_or(Errno::EBADF)?;
        self.trim();
        Ok(slot.file)
    }

    /// The open descriptors, in order (`/proc/PID/fd`).
    pub fn open_fds(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots.iter().enumerate().filter(|(_, s)| s.is_some()).map(|(i, _)| i as u32)
    }

    /// Closes every close-on-exec descriptor (exec). Releasing a file never sleeps, so the
    /// files may go under the table's lock.
    pub fn close_on_exec(&mut self) {
        for slot in self.slots.iter_mut() {
            if slot.as_ref().is_some_and(|s| s.cloexec) {
                *slot = None;
            }
        }
        self.trim();
    }

    /// Slots in the table (the highest open descriptor + 1): `/proc/PID/status`'s `FDSize`.
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Gives back the tail of empty slots.
    fn trim(&mut self) {
        while matches!(self.slots.last(), Some(None)) {
            self.slots.pop();
        }
        if self.slots.is_empty() {
            self.slots = Vec::new();
        }
    }
}

/// A descriptor table as tasks hold it: shared by the tasks of a `clone(CLONE_FILES)` family
/// (Linux's `files_struct`), copied by `fork` and by `clone` without `CLONE_FILES`.
#[derive(Default)]
pub struct Files {
    table: spin::Mutex<FdTable>,
}

impl Files {
    /// `table` as a shareable table.
    pub fn new(table: FdTable) -> Result<Arc<Files>, Errno> {
        crate::mm::inject::fallible(|| Arc::try_new(Files { table: spin::Mutex::new(table) })).map_err(|_| Errno::ENOMEM)
    }

    /// A copy whose slots share the open files (descriptions), as after fork.
    pub fn try_copy(&self) -> Result<Arc<Files>, Errno> {
        let table = self.table.lock().try_clone()?;
        Files::new(table)
    }

    /// The file at `fd`.
    pub fn get(&self, fd: u32) -> Result<Arc<File>, Errno> {
        self.table.lock().get(fd)
    }

    /// Installs `file` at the lowest free descriptor below `limit` (`RLIMIT_NOFILE`).
    pub fn install(&self, file: Arc<File>, cloexec: bool, limit: u32) -> Result<u32, Errno> {
        self.table.lock().install_from(0, file, cloexec, limit)
    }

    /// Closes `fd`; the file is released after the table's lock (its release may sleep).
    pub fn close(&self, fd: u32) -> Result<(), Errno> {
        let file = self.table.lock().take(fd)?;
        drop(file);
        Ok(())
    }

    /// Runs `op` on the table under its lock. Files taken out of it must be dropped after.
    pub fn with<R>(&self, op: impl FnOnce(&mut FdTable) -> R) -> R {
        op(&mut self.table.lock())
    }
}
