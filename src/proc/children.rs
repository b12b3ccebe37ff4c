//! Each process's children, as a list threaded through the children themselves (Linux's
//! `task->children` / `task->sibling`): `wait4(-1)` and `wait4(-pgid)` walk the caller's
//! children instead of every task, and an exiting process hands its children to init by
//! walking its own list. Nothing is allocated: the links are tgids kept in each process's
//! [`ThreadGroup`] ([`Family`]), followed through the task table (the leader's task holds
//! the group while the process exists, zombie included) — so fork and reparenting cannot run
//! out of memory, and exit with the heap exhausted still works.
//!
//! Every link is read and written under the scheduler's lock (our `tasklist_lock`). A process
//! is linked to its parent's list from fork until it is reaped (or released when autoreaped);
//! order is Linux's: new children and reparented ones go to the tail, so `wait4(-1)` reports
//! the oldest zombie first. Init, having no parent, is on no list.

use super::group::ThreadGroup;
use super::sched::Scheduler;
use super::task::{Pid, Task};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

/// A process's places in the family lists: as a child (`parent`, `prev`, `next`; 0: none)
/// and as a parent (its first and last child; 0: none).
#[derive(Default)]
pub struct Family {
    parent: AtomicU32,
    prev: AtomicU32,
    next: AtomicU32,
    first_child: AtomicU32,
    last_child: AtomicU32,
}

fn get(a: &AtomicU32) -> Pid {
    a.load(Ordering::Relaxed)
}

fn set(a: &AtomicU32, v: Pid) {
    a.store(v, Ordering::Relaxed)
}

/// The family links of process `tgid` (it must be in the table).
fn of(s: &Scheduler, tgid: Pid) -> &Family {
    &s.tasks.get(&tgid).expect("invariant: a process on a family list is in the task table").group.family
}

/// Appends process `child` to the children of process `parent`; false (nothing linked) if
/// `parent` is not in the table.
pub(super) fn link(s: &Scheduler, parent: Pid, child: &ThreadGroup) -> bool {
    if parent == 0 || !s.tasks.contains_key(&parent) {
        return false;
    }
    let (p, c) = (of(s, parent), &child.family);
    debug_assert_eq!(get(&c.parent), 0, "a process is on one list at a time");
    let last = get(&p.last_child);
    set(&c.parent, parent);
    set(&c.prev, last);
    set(&c.next, 0);
    if last == 0 {
        set(&p.first_child, child.tgid);
    } else {
        set(&of(s, last).next, child.tgid);
    }
    set(&p.last_child, child.tgid);
    true
}

/// Takes process `child` off its parent's list (no-op if it is on none).
pub(super) fn unlink(s: &Scheduler, child: &ThreadGroup) {
    let c = &child.family;
    let parent = c.parent.swap(0, Ordering::Relaxed);
    if parent == 0 {
        return;
    }
    let (prev, next) = (get(&c.prev), get(&c.next));
    let p = of(s, parent);
    if prev == 0 { set(&p.first_child, next) } else { set(&of(s, prev).next, next) }
    if next == 0 { set(&p.last_child, prev) } else { set(&of(s, next).prev, prev) }
    set(&c.prev, 0);
    set(&c.next, 0);
}

/// The first child of process `parent` (its leader's task), if any.
pub(super) fn first(s: &Scheduler, parent: Pid) -> Option<&Arc<Task>> {
    let tgid = s.tasks.get(&parent).map_or(0, |t| get(&t.group.family.first_child));
    (tgid != 0).then(|| &s.tasks[&tgid])
}

/// The sibling after `child` on its parent's list.
pub(super) fn next<'a>(s: &'a Scheduler, child: &Task) -> Option<&'a Arc<Task>> {
    let tgid = get(&child.group.family.next);
    (tgid != 0).then(|| &s.tasks[&tgid])
}

/// The children of process `parent`, oldest first (their leaders' tasks).
pub(super) fn iter(s: &Scheduler, parent: Pid) -> impl Iterator<Item = &Arc<Task>> + '_ {
    core::iter::successors(first(s, parent), move |t| next(s, t))
}

