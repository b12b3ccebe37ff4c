//! The out-of-memory killer (Linux's `mm/oom_kill.c`, the parts a single-CPU kernel without
//! cgroups needs): called when a page fault cannot get a frame (or the heap cannot serve the
//! fault's kernel needs), it scores every process ([`vmcore::oom`]: resident pages, page
//! tables and the kernel memory charged to it, `oom_score_adj`), sends the highest SIGKILL and
//! prints Linux's report line on the console:
//!
//! ```text
//! Out of memory: Killed process 42 (hog) total-vm:8192kB, anon-rss:7800kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:12kB oom_score_adj:0
//! ```
//!
//! The faulting process retries its fault once the victim has let go of its memory (Linux's
//! `pagefault_out_of_memory` returns and the fault is taken again); while the victim still
//! holds its space nobody else is chosen. Init is never chosen; when nobody may be, the
//! faulting process itself dies of SIGKILL (where Linux would panic).
//!
//! Nothing here allocates: the scan walks the task table with a cursor.

use super::sigstate::{SigInfo, SI_KERNEL};
use super::task::{Pid, Task};
use super::{cred, kmem, sched, signals, INIT_PID};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};
use vmcore::oom::{Candidate, Choice};

/// What the faulting process does after [`out_of_memory`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Another process was killed (or is dying already): take the fault again.
    Retry,
    /// The faulting process itself is the victim: it dies of SIGKILL.
    KillCurrent,
}

/// The last victim (its tgid; 0: none). While it still holds its address space the killer
/// waits for it instead of choosing another.
static VICTIM: AtomicU32 = AtomicU32::new(0);

/// Processes killed so far (`oom_kill` in `/proc/vmstat`).
pub static KILLS: AtomicU32 = AtomicU32::new(0);

/// Pages the killer scales `oom_score_adj` by: all of RAM (no swap), as `MemTotal`.
pub fn total_pages() -> u64 {
    let c = crate::mm::frames::counters();
    u64::from(c.total - c.reserved)
}

/// The next thread-group leader at or above pid `at`.
fn next_leader(at: Pid) -> Option<Arc<Task>> {
    sched::with(|s| s.next_pid(at, |t| t.pid() != 0 && t.pid() == t.tgid()).and_then(|p| s.tasks.get(&p).cloned()))
}

/// What the killer knows of `task`; `None` for a process without an address space (exited).
pub fn candidate(task: &Task) -> Option<Candidate> {
    let space = task.inner.lock().aspace.clone()?;
    let st = space.stats();
    let charge = kmem::charge(task, Some(&space));
    let pid = task.pid();
    Some(Candidate {
        pid,
        rss: st.p_size + st.s_size,
        pgtables: st.page_tables,
        kernel: charge.pages().saturating_sub(st.page_tables),
        adj: task.group.oom_score_adj.load(Ordering::Relaxed),
        unkillable: pid == INIT_PID,
        victim: pid == VICTIM.load(Ordering::Relaxed),
    })
}

/// Chooses and kills a victim for a fault of the current process that could not be served.
pub fn out_of_memory() -> Verdict {
    let me = super::current().tgid();
    let total = total_pages();
    let every = core::iter::successors(next_leader(1), |t| next_leader(t.pid() + 1));
    match vmcore::oom::choose(every.filter_map(|t| candidate(&t)), total) {
        Choice::Wait => Verdict::Retry,
        Choice::Nobody => Verdict::KillCurrent,
        Choice::Kill(pid) => {
            let Some(victim) = sched::with(|s| s.tasks.get(&pid).cloned()) else { return Verdict::Retry };
            VICTIM.store(pid, Ordering::Relaxed);
            KILLS.fetch_add(1, Ordering::Relaxed);
            report(&victim);
            if pid == me {
                return Verdict::KillCurrent;
            }
            // A zombie or released process has let go of its memory already: retry either way.
            let _ = signals::send_to(pid, SigInfo::from_pid(signals::SIGKILL, SI_KERNEL, 0), false, true);
            Verdict::Retry
        }
    }
}

/// Linux's `__oom_kill_process` report line.
fn report(victim: &Task) {
    // The name copied to the stack (Linux's 16-byte `comm`): the report allocates nothing.
    let mut comm = [0u8; 15];
    let (len, space) = {
        let inner = victim.inner.lock();
        let n = inner.name.len().min(comm.len());
        comm[..n].copy_from_slice(&inner.name.as_bytes()[..n]);
        (n, inner.aspace.clone())
    };
    let name = match core::str::from_utf8(&comm[..len]) {
        Ok(s) => s,
        Err(e) => core::str::from_utf8(&comm[..e.valid_up_to()]).unwrap_or_default(),
    };
    let Some(space) = space else { return };
    let st = space.stats();
    let total_vm = space.read(|s| s.area_totals().total);
    let kib = |pages: u32| u64::from(pages) * 4;
    crate::kprintln!(
        "Out of memory: Killed process {} ({}) total-vm:{}kB, anon-rss:{}kB, file-rss:0kB, shmem-rss:{}kB, UID:{} pgtables:{}kB oom_score_adj:{}",
        victim.pid(),
        name,
        kib(total_vm),
        kib(st.p_size),
        kib(st.s_size),
        cred::of(victim).uid,
        kib(st.page_tables),
        victim.group.oom_score_adj.load(Ordering::Relaxed)
    );
}
