//! The wait queues one `poll`/`select` call sleeps on (Linux's `poll_table`).
//!
//! A file's `FileOps::poll` is first called with a table: it registers the queues whose
//! wake-ups may change its readiness, and the caller sleeps on all of them at once. Later
//! passes call it without a table. The table leaves every queue when dropped.

use crate::proc::task::Pid;
use crate::proc::wait::WaitQueue;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::errno::Errno;

/// The queues a poller sleeps on.
pub struct PollTable {
    pid: Pid,
    queues: Vec<Arc<WaitQueue>>,
    /// The first registration that failed for lack of memory (the call returns it).
    pub error: Option<Errno>,
}

impl PollTable {
    /// An empty table for the current task.
    pub fn new() -> Self {
        Self { pid: crate::proc::current_pid(), queues: Vec::new(), error: None }
    }

    /// Joins `queue` (once per queue); a failure is kept in `error`.
    pub fn register(&mut self, queue: &Arc<WaitQueue>) {
        if self.queues.iter().any(|q| Arc::ptr_eq(q, queue)) {
            return;
        }
        let joined = crate::mm::inject::fallible(|| self.queues.try_reserve(1))
            .map_err(|_| Errno::ENOMEM)
            .and_then(|()| queue.join(self.pid));
        match joined {
            Ok(()) => self.queues.push(queue.clone()),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
    }
}

impl Default for PollTable {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for PollTable {
    fn drop(&mut self) {
        for q in &self.queues {
            q.leave(self.pid);
        }
    }
}
