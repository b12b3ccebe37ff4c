//! A task's user-space addresses the kernel keeps for it and its thread-local-storage
//! descriptors: `clear_child_tid` (`set_tid_address`), the robust-futex list
//! (`set_robust_list`), the rseq area (`rseq`), and the three TLS slots (`set_thread_area`).
//!
//! Linux keeps these in `task_struct` (`clear_child_tid`, `robust_list`, `rseq`,
//! `thread.tls_array`). Their life cycle is Linux's: fork copies the TLS slots and the rseq
//! registration (no `CLONE_VM`), not the robust list or `clear_child_tid`; exit and exec walk
//! the robust list and release `clear_child_tid` (`mm_release`); exec clears everything.

use super::rseq::{self, Rseq};
use super::task::Task;
use crate::arch::gdt;
use crate::syscall::uptr::UserPtr;
use vmcore::tls::TLS_ENTRIES;

/// The user addresses of one task.
#[derive(Clone, Copy, Debug, Default)]
pub struct UserAddrs {
    /// `set_tid_address`'s pointer (0: none): zeroed, and its waiter woken, when the task
    /// releases an address space others still use.
    pub clear_child_tid: u32,
    /// `set_robust_list`'s head (0: none).
    pub robust_list: u32,
    /// The registered rseq area.
    pub rseq: Option<Rseq>,
}

/// The per-task state of this module, a field of [`TaskInner`](super::task::TaskInner).
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadState {
    /// GDT descriptors of TLS slots 6..=8 (0: free).
    pub tls: [u64; TLS_ENTRIES],
    /// The user addresses.
    pub addrs: UserAddrs,
}

impl ThreadState {
    /// What a child made by fork starts with (Linux's `copy_thread` and `rseq_fork` without
    /// `CLONE_VM`; `futex_init_task` and no `CLONE_CHILD_CLEARTID`).
    pub fn for_fork_child(&self) -> ThreadState {
        ThreadState { tls: self.tls, addrs: UserAddrs { rseq: self.addrs.rseq, ..UserAddrs::default() } }
    }
}

/// Called by the scheduler with the next task's state just before switching to it: loads its
/// TLS slots into the GDT (Linux's `load_TLS`) and notes that a registered rseq area needs
/// its check on the way back to user mode (the task was switched out: Linux's `rseq_preempt`).
pub fn switched_in(state: &ThreadState) {
    gdt::load_tls(&state.tls);
    rseq::note_switch_in(state.addrs.rseq.is_some());
}

/// Why a task lets go of its user addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// The task exits.
    Exit,
    /// The task execs a new program.
    Exec,
}

/// Linux's `futex_exit_release`/`futex_exec_release` and `mm_release` for the current task
/// `task`, whose address space is still the active one: walks the robust list, then zeroes
/// `clear_child_tid` if another user of the space could read it. Exec also clears the TLS
/// slots (`flush_thread`) and the rseq registration (`rseq_execve`).
pub fn release(task: &Task, why: Release) {
    let addrs = {
        let mut inner = task.inner.lock();
        let addrs = inner.thread.addrs;
        inner.thread.addrs = UserAddrs::default();
        if why == Release::Exit {
            inner.thread.addrs.rseq = addrs.rseq;
        } else {
            inner.thread.tls = [0; TLS_ENTRIES];
        }
        addrs
    };
    if why == Release::Exec {
        gdt::load_tls(&[0; TLS_ENTRIES]);
        rseq::note_switch_in(false);
    }
    if addrs.robust_list != 0 {
        super::robust::exit_robust_list(addrs.robust_list, task.pid);
    }
    if addrs.clear_child_tid != 0 && shared_space(task) {
        // Linux ignores a bad pointer here ("tough luck").
        let _ = UserPtr::<u32>::new(addrs.clear_child_tid).write(0);
        super::robust::futex_wake_after_release(addrs.clear_child_tid);
    }
}

/// Whether another task uses the current task's address space (Linux's `mm_users > 1`).
/// Without `CLONE_VM` nobody shares one; the threads work replaces this with the space's
/// users count.
fn shared_space(task: &Task) -> bool {
    task.inner.lock().aspace.as_ref().is_some_and(|a| alloc::sync::Arc::strong_count(a) > 1)
}

/// The state of the current task's field, read under its lock.
pub fn with_current<R>(op: impl FnOnce(&mut ThreadState) -> R) -> R {
    let task = super::current();
    let mut inner = task.inner.lock();
    op(&mut inner.thread)
}
