//! `clone`: the one way a task is made from the running one — `fork` (2), `vfork` (190),
//! `clone` (120) and `clone3` (435) all come here (Linux's `kernel_clone`/`copy_process`).
//!
//! What each flag shares is in docs/process-model.md ("clone: what each flag shares"). The
//! system-call layer turns its arguments into [`CloneArgs`] (and a `CLONE_SETTLS` descriptor
//! into [`CloneArgs::tls`]); [`check_flags`] refuses the combinations Linux refuses, in
//! Linux's order, and [`clone`] builds and queues the child.

use super::group::ThreadGroup;
use super::task::{Pid, State, Task, TaskIds};
use super::{sched, signals, switch, uaddrs};
use crate::arch::trap::TrapFrame;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use crate::syscall::uptr::UserPtr;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::*;

/// What the child is to be.
#[derive(Clone, Copy, Debug, Default)]
pub struct CloneArgs {
    /// `CLONE_*` bits (the exit signal apart).
    pub flags: u64,
    /// The signal the parent gets when the child ends (0: none).
    pub exit_signal: u32,
    /// The child's user stack pointer (0: the parent's).
    pub stack: u32,
    /// `CLONE_PARENT_SETTID`: where the parent gets the child's tid.
    pub parent_tid: u32,
    /// `CLONE_CHILD_SETTID` / `CLONE_CHILD_CLEARTID`: the child's tid word.
    pub child_tid: u32,
    /// `CLONE_SETTLS`: the TLS slot (0..3) and its descriptor, checked by the caller.
    pub tls: Option<(usize, u64)>,
}

/// `flags` has every bit of `bits`.
fn all(flags: u64, bits: u32) -> bool {
    flags & bits as u64 == bits as u64
}

/// `flags` has one of `bits`.
fn any(flags: u64, bits: u32) -> bool {
    flags & bits as u64 != 0
}

/// Linux's `copy_process` refusals, in its order, plus the namespaces and pidfds we lack.
pub fn check_flags(flags: u64) -> Result<(), Errno> {
    if all(flags, CLONE_NEWNS | CLONE_FS) || all(flags, CLONE_NEWUSER | CLONE_FS) {
        return Err(Errno::EINVAL);
    }
    // Thread groups share dispositions, which imply a shared address space.
    if any(flags, CLONE_THREAD) && !any(flags, CLONE_SIGHAND) {
        return Err(Errno::EINVAL);
    }
    if any(flags, CLONE_SIGHAND) && !any(flags, CLONE_VM) {
        return Err(Errno::EINVAL);
    }
    // Init may not make siblings (Linux's SIGNAL_UNKILLABLE check).
    if any(flags, CLONE_PARENT) && super::current().tgid() == super::INIT_PID {
        return Err(Errno::EINVAL);
    }
    // No namespaces, cgroups or pidfds here: Linux built without them refuses the same way.
    let unsupported = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME | CLONE_PIDFD;
    if any(flags, unsupported) || flags & CLONE_INTO_CGROUP != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Makes the child described by `args` from the running task, whose trap frame is `frame`,
/// and queues it; returns its tid. With `CLONE_VFORK` returns only once the child has exec'd
/// or exited (or the caller is killed).
pub fn clone(args: &CloneArgs, frame: &TrapFrame) -> Result<Pid, Errno> {
    let flags = args.flags;
    check_flags(flags)?;
    if !crate::mm::reserve::fork_permits(crate::mm::frames::counters().free) {
        return Err(Errno::EAGAIN);
    }
    let parent = super::current();
    // A thread added to a group that is being killed would escape the SIGKILLs already sent
    // (Linux's copy_process checks for a group exit under the siglock).
    if any(flags, CLONE_THREAD) && (parent.group.exit_status().is_some() || parent.group.exec_task() != 0) {
        return Err(Errno::EINTR);
    }
    super::limits::check_nproc(&parent)?;
    super::tasklimit::check()?;
    let vm = any(flags, CLONE_VM);
    let (aspace, files, name, parent_parent, thread, sigs, fs, exe) = {
        let inner = parent.inner.lock();
        let fs = inner.fs.clone().ok_or(Errno::EINVAL)?;
        let exe = inner.exe.clone();
        let aspace = inner.aspace.clone().ok_or(Errno::EINVAL)?;
        let files = inner.files.clone().ok_or(Errno::EINVAL)?;
        let drop_altstack = vm && !any(flags, CLONE_VFORK);
        let sigs = signals::for_clone(&inner, any(flags, CLONE_SIGHAND), flags & CLONE_CLEAR_SIGHAND != 0, drop_altstack)?;
        (aspace, files, crate::mm::trycopy::string(&inner.name)?, inner.parent, inner.thread, sigs, fs, exe)
    };
    let fs = if any(flags, CLONE_FS) { fs } else { fs.try_copy()? };
    let child_space = if vm { aspace } else { aspace.clone_space()? };
    let files = if any(flags, CLONE_FILES) { files } else { files.try_copy()? };
    let tid = sched::with(|s| s.alloc_pid())?;
    let ids = if any(flags, CLONE_THREAD) {
        TaskIds { tid, group: parent.group.clone(), parent: parent_parent, exit_signal: 0 }
    } else if any(flags, CLONE_PARENT) {
        let leader_signal = sched::with(|s| s.tasks.get(&parent.tgid()).map_or(SIGCHLD_U32, |l| l.exit_signal()));
        TaskIds { tid, group: ThreadGroup::new(tid, &parent.group.limits.lock())?, parent: parent_parent, exit_signal: leader_signal }
    } else {
        TaskIds { tid, group: ThreadGroup::new(tid, &parent.group.limits.lock())?, parent: parent.tgid(), exit_signal: args.exit_signal }
    };
    ids.group.set_personality(parent.group.personality());
    // On failure the child's address space (a copy, or one user less) goes with the error.
    let child = Task::new(ids, name, child_space, files, sigs).map_err(|e| match e {
        super::task::NewTaskError::KernelStack => Errno::EAGAIN,
        super::task::NewTaskError::OutOfMemory => Errno::ENOMEM,
    })?;
    // Credentials are per thread, shared until one changes them (Linux's copy_creds).
    *child.cred.lock() = parent.cred.lock().clone();
    // Charged to its real user until it leaves the table (`Scheduler::remove`).
    super::usercount::charge(child.cred.lock().uid)?;
    if !Arc::ptr_eq(&child.group, &parent.group) {
        child.group.oom_score_adj.store(parent.group.oom_score_adj.load(Ordering::Relaxed), Ordering::Relaxed);
    }
    {
        let mut inner = child.inner.lock();
        inner.thread = thread.for_clone_child(vm);
        inner.fs = Some(fs);
        inner.exe = exe;
        if let Some((slot, desc)) = args.tls {
            inner.thread.tls[slot] = desc;
        }
        if any(flags, CLONE_CHILD_SETTID) {
            inner.thread.addrs.set_child_tid = args.child_tid;
        }
        if any(flags, CLONE_CHILD_CLEARTID) {
            inner.thread.addrs.clear_child_tid = args.child_tid;
        }
        if any(flags, CLONE_VFORK) {
            inner.vfork_parent = Some(parent.pid());
        }
    }
    let mut child_frame = *frame;
    child_frame.eax = 0;
    if args.stack != 0 {
        child_frame.user_esp = args.stack;
    }
    let entry = if any(flags, CLONE_CHILD_SETTID) { switch::Entry::CloneChild } else { switch::Entry::User };
    // SAFETY: the child's kernel stack is fresh and owned by it; it is not queued yet.
    unsafe {
        let esp = switch::prepare_stack_for(child.kstack_top(), &child_frame, entry);
        child.set_saved_esp(esp);
    }
    if any(flags, CLONE_PARENT_SETTID) {
        // Linux ignores a bad pointer here.
        let _ = UserPtr::<u32>::new(args.parent_tid).write(tid);
    }
    // The table's insert first: when the heap has no room for it, nothing else has changed and
    // the child goes with the error (fork's EAGAIN).
    sched::with(|s| {
        s.add(child.clone())?;
        if any(flags, CLONE_THREAD) {
            child.group.add_thread(tid);
            super::jobctl::join_group_stop(&parent, &child);
        } else {
            super::pgrp::inherit(s, &child.group, &parent.group);
        }
        if !any(flags, CLONE_THREAD) {
            link_child(s, &child);
        }
        Ok(())
    })
    .map_err(|crate::mm::room::NoRoom| Errno::EAGAIN)?;
    if any(flags, CLONE_VFORK) {
        wait_for_vfork(&parent, &child);
    }
    Ok(tid)
}

/// Puts the new process `child` on its parent's list of children; a parent that ended since
/// the fork began (a `CLONE_PARENT` child's grandparent) is replaced by init, as its exit
/// would have done.
fn link_child(s: &sched::Scheduler, child: &Task) {
    let parent = child.inner.lock().parent;
    let gone = s.tasks.get(&parent).is_none_or(|p| p.group.live() == 0);
    if parent != 0 && (gone || !super::children::link(s, parent, &child.group)) {
        child.inner.lock().parent = super::INIT_PID;
        super::children::link(s, super::INIT_PID, &child.group);
    }
}

const SIGCHLD_U32: u32 = vmcore::signal::SIGCHLD;

/// The vfork parent's sleep: until the child releases the address space by exec or exit
/// (Linux's `wait_for_vfork_done`, killable).
fn wait_for_vfork(parent: &Task, child: &Task) {
    loop {
        let done = sched::with(|_| {
            let done = child.inner.lock().vfork_parent.is_none();
            if !done {
                parent.inner.lock().state = State::Waiting;
            }
            done
        });
        if done || signals::fatal_pending() {
            return;
        }
        sched::schedule();
    }
}

/// Wakes the thread sleeping in `vfork` for `task`, which just exec'd or is exiting.
pub fn vfork_release(task: &Task) {
    let parent = task.inner.lock().vfork_parent.take();
    if let Some(p) = parent {
        sched::with(|s| {
            if s.tasks.get(&p).is_some_and(|t| t.inner.lock().state == State::Waiting) {
                s.make_runnable(p);
            }
        });
    }
}

/// Runs in a new `CLONE_CHILD_SETTID` child before its first return to user mode (Linux's
/// `schedule_tail`): writes its tid to the word in its own memory (a bad pointer is ignored).
#[no_mangle]
extern "C" fn clone_child_tail() {
    let task = super::current();
    let at = uaddrs::with_current(|t| core::mem::take(&mut t.addrs.set_child_tid));
    if at != 0 {
        let _ = UserPtr::<u32>::new(at).write(task.pid());
    }
}
