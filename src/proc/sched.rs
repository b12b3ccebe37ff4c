//! The scheduler: round robin over runnable tasks, preempted by the timer when a task has used
//! its quantum in user mode; the idle task (pid 0, the boot context) runs when nothing else can.
//!
//! Tasks live in one table behind an interrupt-safe lock. A context switch happens with
//! interrupts off and with **no lock held**: `schedule` picks the next task under the lock,
//! releases it, then switches (asserted: a lock held across a switch would deadlock the next
//! task that takes it).

use super::task::{Pid, State, Task};
use crate::arch::cpu::IrqGuard;
use crate::arch::gdt;
use crate::mm::aspace;
use crate::sync::IrqMutex;
use alloc::collections::{BTreeMap, VecDeque};
use crate::mm::room::NoRoom;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use vmcore::errno::Errno;

/// Timer ticks a task may run in user mode before it is preempted.
pub const QUANTUM_TICKS: u64 = 2;

/// The task table and run queue.
pub struct Scheduler {
    /// Every task that exists (zombies included), by pid.
    pub tasks: BTreeMap<Pid, Arc<Task>>,
    run_queue: VecDeque<Pid>,
    current: Pid,
    /// Where the search for a free pid starts (Linux's idr cursor).
    next_pid: Pid,
    /// Pids handed out since boot.
    issued: u32,
    /// Whether pids wrapped at `pid_max` (from then on a pid may be in use).
    wrapped: bool,
}

/// An exited non-leader thread whose stack may still be in use: released by the next
/// [`release_dead`] (0: none). An atomic, so that `schedule` tests it with one load.
static DEAD: AtomicU32 = AtomicU32::new(0);

static SCHED: IrqMutex<Scheduler> =
    IrqMutex::new(Scheduler { tasks: BTreeMap::new(), run_queue: VecDeque::new(), current: 0, next_pid: 1, issued: 0, wrapped: false });

/// Tick at which the current task's quantum ends.
static QUANTUM_END: AtomicU64 = AtomicU64::new(0);
/// Context switches so far.
pub static SWITCHES: AtomicU64 = AtomicU64::new(0);

/// Makes the boot context the idle task and hooks the scheduler to the timer.
pub fn init() {
    let mut s = SCHED.lock();
    s.tasks.insert(0, Arc::new(Task::idle()));
    s.current = 0;
    crate::arch::pit::set_tick_hook(on_tick);
}

/// Makes `pid` (whose locked state is `inner`) runnable and queues it if it sleeps; a
/// stopped, waiting or exited task is left alone.
fn wake_if_sleeping(run_queue: &mut VecDeque<Pid>, current: Pid, pid: Pid, inner: &mut super::task::TaskInner) {
    if matches!(inner.state, State::Sleeping { .. }) {
        inner.state = State::Runnable;
        if !inner.queued && pid != current && pid != 0 {
            inner.queued = true;
            run_queue.push_back(pid);
        }
    }
}

/// Runs `op` on the scheduler under its lock.
pub fn with<R>(op: impl FnOnce(&mut Scheduler) -> R) -> R {
    op(&mut SCHED.lock())
}

impl Scheduler {
    /// A free pid below `pid_max` (Linux's `alloc_pid`): the next after the last one, from
    /// `RESERVED_PIDS` again once `pid_max` is reached; `EAGAIN` when none is free.
    pub fn alloc_pid(&mut self) -> Result<Pid, Errno> {
        let max = super::tasklimit::pid_max();
        let low = super::tasklimit::RESERVED_PIDS;
        let mut pid = self.next_pid;
        for _ in 0..max {
            if pid >= max {
                (pid, self.wrapped) = (low, true);
            }
            if !self.wrapped || !self.pid_in_use(pid) {
                (self.next_pid, self.issued) = (pid + 1, self.issued + 1);
                return Ok(pid);
            }
            pid += 1;
        }
        Err(Errno::EAGAIN)
    }

    /// Whether `pid` names a task, a process group or a session (Linux keeps a pid while
    /// any of them uses it).
    fn pid_in_use(&self, pid: Pid) -> bool {
        self.tasks.contains_key(&pid) || self.tasks.values().any(|t| t.group.pgid() == pid || t.group.sid() == pid)
    }

    /// The running task.
    pub fn current(&self) -> Arc<Task> {
        self.tasks.get(&self.current).cloned().expect("invariant: the current task is in the table")
    }

    /// Adds a new runnable task and queues it; `Err(NoRoom)`, nothing changed, when the heap
    /// has no room for its table entry or run-queue slot.
    pub fn add(&mut self, task: Arc<Task>) -> Result<(), NoRoom> {
        let pid = task.pid();
        // Room in the run queue for every task, taken now: waking a task (kill, a timer, a
        // child's exit) must not allocate, since it may happen with memory exhausted — e.g.
        // killing every child of a fork storm that ran the machine out of frames.
        let room = queue_room(self.tasks.len() + 1);
        if self.run_queue.capacity() < room {
            self.run_queue.try_reserve_exact(room - self.run_queue.len()).map_err(|_| NoRoom)?;
        }
        let tasks = &mut self.tasks;
        crate::mm::room::with_room(crate::mm::room::btree_nodes(tasks.len()), || tasks.insert(pid, task))?;
        self.make_runnable(pid);
        Ok(())
    }

    /// Marks `pid` runnable and queues it (no-op if it is already).
    pub fn make_runnable(&mut self, pid: Pid) {
        let Some(task) = self.tasks.get(&pid) else { return };
        let mut inner = task.inner.lock();
        if inner.state == State::Zombie {
            return;
        }
        inner.state = State::Runnable;
        if !inner.queued && pid != self.current && pid != 0 {
            inner.queued = true;
            self.run_queue.push_back(pid);
        }
    }

    /// Wakes `pid` if it sleeps (the timer queue, in the timer interrupt); false if its lock
    /// is held by the code the interrupt interrupted (the caller retries at the next tick).
    pub fn try_wake(&mut self, pid: Pid) -> bool {
        let Some(task) = self.tasks.get(&pid) else { return true };
        let Some(mut inner) = task.inner.try_lock() else { return false };
        wake_if_sleeping(&mut self.run_queue, self.current, pid, &mut inner);
        true
    }

    /// Wakes `pid` if it sleeps (`Sleeping`): what a wait queue's wake-up does. A stopped,
    /// waiting or exited task is left alone.
    pub fn wake_sleeper(&mut self, pid: Pid) {
        let Some(task) = self.tasks.get(&pid) else { return };
        wake_if_sleeping(&mut self.run_queue, self.current, pid, &mut task.inner.lock());
    }

    /// Pids handed out so far: the processes and threads created since boot (`/proc/stat`'s
    /// `processes`).
    pub fn pids_issued(&self) -> u32 {
        self.issued
    }

    /// The pid handed out last (`/proc/loadavg`'s last field).
    pub fn last_pid(&self) -> Pid {
        self.next_pid - 1
    }

    /// Picks the task to run next; updates `current`.
    fn pick_next(&mut self) -> Pid {
        let cur = self.current;
        if cur != 0 {
            if let Some(task) = self.tasks.get(&cur) {
                let mut inner = task.inner.lock();
                if inner.state == State::Runnable && !inner.queued {
                    inner.queued = true;
                    self.run_queue.push_back(cur);
                }
            }
        }
        let next = loop {
            match self.run_queue.pop_front() {
                None => {
                    // Give back what a burst of tasks made the queue grow to: its capacity
                    // depends only on the number of tasks, so the kernel heap returns exactly
                    // to its baseline once they are gone (the leak checks compare it).
                    let room = queue_room(self.tasks.len());
                    if self.run_queue.capacity() > room {
                        self.run_queue.shrink_to(room);
                    }
                    break 0;
                }
                Some(pid) => {
                    let Some(task) = self.tasks.get(&pid) else { continue };
                    let mut inner = task.inner.lock();
                    inner.queued = false;
                    if inner.state == State::Runnable {
                        break pid;
                    }
                }
            }
        };
        self.current = next;
        next
    }

    /// Removes a reaped task from the table (the caller drops it outside the lock), shrinking
    /// the run queue's reserved room with the task count.
    pub fn remove(&mut self, pid: Pid) -> Option<Arc<Task>> {
        let task = self.tasks.remove(&pid)?;
        super::usercount::uncharge(task.cred.lock().uid);
        let room = queue_room(self.tasks.len());
        if self.run_queue.capacity() > room && self.run_queue.len() <= room {
            self.run_queue.shrink_to(room);
        }
        Some(task)
    }

    /// Marks the exiting thread `pid` (not a group leader) for release by the next
    /// [`release_dead`], once it no longer runs on its stack.
    pub fn set_dead(&mut self, pid: Pid) {
        debug_assert_eq!(DEAD.load(Ordering::Relaxed), 0, "release_dead runs before an exit marks another");
        DEAD.store(pid, Ordering::Relaxed);
    }

    /// `de_thread`'s tid exchange: the current task `task`, the last live thread of its group,
    /// takes over the leader's tid and exit signal; the old leader (a zombie) leaves the table
    /// and is returned for the caller to drop outside the lock.
    pub fn take_over_leader(&mut self, task: &Arc<Task>) -> Option<Arc<Task>> {
        let tgid = task.tgid();
        let old_tid = task.pid();
        let leader = self.remove(tgid);
        let signal = leader.as_ref().map_or(vmcore::signal::SIGCHLD, |l| l.exit_signal());
        let me = self.tasks.remove(&old_tid).expect("invariant: the current task is in the table");
        me.take_over(tgid, signal);
        // Two entries out, one in: the insert may still split a node. Exec is past its point
        // of no return here, so it is kept out of failslab's reach (a real exhaustion of the
        // heap at this step remains a panic: docs/failslab.md, "Left").
        crate::mm::inject::kernel_work(|| self.tasks.insert(tgid, me));
        if self.current == old_tid {
            self.current = tgid;
        }
        leader
    }

    /// The first pid at or above `at` whose task `keep` accepts: a cursor over the table, so
    /// a walk over every task (`/proc`'s listing, `kill(-1)`) copies nothing and may drop the
    /// lock between steps (O(log n) a step, plus the tasks skipped).
    pub fn next_pid(&self, at: Pid, keep: impl Fn(&Task) -> bool) -> Option<Pid> {
        self.tasks.range(at..).find(|(_, t)| keep(t)).map(|(&p, _)| p)
    }
}

/// The run queue's capacity for `tasks` tasks: room for each (a task is queued at most once),
/// as a function of the count alone.
fn queue_room(tasks: usize) -> usize {
    tasks.next_power_of_two().max(16)
}

/// The running task (outside `proc`: [`crate::proc::current`]).
pub(super) fn current() -> Arc<Task> {
    SCHED.lock().current()
}

/// The running task's pid (outside `proc`: [`crate::proc::current_pid`]).
pub(super) fn current_pid() -> Pid {
    SCHED.lock().current
}

/// Frees the exited thread marked by [`Scheduler::set_dead`], unless it is the running task
/// (called at the start of `schedule`, of a thread's exit and after a reap).
pub fn release_dead() {
    if DEAD.load(Ordering::Relaxed) == 0 {
        return;
    }
    let task = {
        let mut s = SCHED.lock();
        let pid = DEAD.load(Ordering::Relaxed);
        if pid == s.current {
            return;
        }
        DEAD.store(0, Ordering::Relaxed);
        s.remove(pid)
    };
    drop(task); // frees its kernel stack, outside the scheduler's lock
}

/// Gives the CPU to the next runnable task (or keeps it if there is none). Returns when this
/// task is scheduled again.
pub fn schedule() {
    // Exited tasks are freed by the next task to schedule (none can free its own stack).
    release_dead();
    super::signals::release_autoreaped();
    let _irq = IrqGuard::new();
    let (save, next_esp, next_top) = {
        let mut s = SCHED.lock();
        let prev = s.current;
        let next = s.pick_next();
        if next == prev {
            // Keep running, with a fresh time slice (otherwise every return to user mode of a
            // lone task would come back here).
            QUANTUM_END.store(crate::arch::pit::ticks() + QUANTUM_TICKS, Ordering::Relaxed);
            return;
        }
        let prev_task = s.tasks.get(&prev).cloned().expect("invariant: previous task exists");
        let next_task = s.tasks.get(&next).cloned().expect("invariant: next task exists");
        {
            let inner = next_task.inner.lock();
            // Every task keeps its space alive while it runs, so the switch can load it now.
            match inner.aspace.as_ref() {
                Some(space) => space.activate(),
                None => aspace::activate_kernel(),
            }
            crate::mm::inject::switched_to(next, &inner.name);
            crate::mm::reserve::set_running(next == 0 || next_task.group.dying());
            super::uaddrs::switched_in(&inner.thread);
        }
        let blocked = prev_task.inner.lock().state != State::Runnable;
        super::usage::on_switch(&prev_task, blocked);
        // SAFETY: `saved_esp` is only read here, with interrupts off.
        let next_esp = unsafe { *next_task.saved_esp_ptr() };
        // Eager FPU switching: the outgoing task's x87/SSE registers into its area, the
        // incoming task's out of its own (the kernel is soft-float: nothing touches them
        // before the switch).
        // SAFETY: interrupts are off; both areas belong to tasks held here and by the table.
        unsafe { crate::arch::fpu::switch(prev_task.fpu_area_ptr(), next_task.fpu_area_ptr()) };
        (prev_task.saved_esp_ptr(), next_esp, next_task.kstack_top())
        // Both Arcs drop here: a zombie's stack must hold no references when it never resumes.
        // The tasks stay alive in the table until reaped, so the raw pointer stays valid.
    };
    assert_eq!(
        crate::sync::HELD.load(Ordering::Relaxed),
        0,
        "an interrupt-safe lock is held across a context switch"
    );
    if next_top != 0 {
        gdt::set_kernel_stack(next_top);
    }
    QUANTUM_END.store(crate::arch::pit::ticks() + QUANTUM_TICKS, Ordering::Relaxed);
    SWITCHES.fetch_add(1, Ordering::Relaxed);
    // SAFETY: interrupts are off, no lock is held, `save` points into a task kept alive by the
    // table, `next_esp` was saved by a previous switch or prepared for a new task.
    unsafe { super::switch::switch(save, next_esp) };
}

/// Runs on every timer tick (the timer's hook): charges the tick to the running task and
/// fires the timers that are due (the timer queue: no scan of the tasks, no allocation).
fn on_tick(now: u64, from_user: bool) {
    // Never busy here: the lock keeps interrupts off while held.
    let Some(mut s) = SCHED.try_lock() else { return };
    let cur = s.current;
    let active = s.run_queue.len() as u64 + u64::from(cur != 0);
    super::cpustat::tick(now, cur == 0, from_user, active);
    if let Some(task) = s.tasks.get(&cur).filter(|_| cur != 0).cloned() {
        super::usage::on_tick(&task, from_user, &mut |sig| super::signals::send_from_interrupt(&mut s, cur, sig));
    }
    super::timer::expire(crate::arch::clock::tick_ns(), |t, next| super::timer::fire(&mut s, t, next));
}

/// Whether the running task has used up its quantum.
pub fn quantum_expired() -> bool {
    crate::arch::pit::ticks() >= QUANTUM_END.load(Ordering::Relaxed)
}

/// Sets the current task's state without switching (a sleeper marks itself before its last
/// test of the condition; see `proc::wait`).
pub fn set_current_state(state: State) {
    let s = SCHED.lock();
    s.current().inner.lock().state = state;
}

/// Puts the current task to sleep in `state` and switches away; returns when woken.
pub fn block(state: State) {
    {
        let s = SCHED.lock();
        let cur = s.current();
        cur.inner.lock().state = state;
    }
    schedule();
}

/// The idle loop: run whatever is runnable, halt otherwise.
pub fn idle_loop() -> ! {
    loop {
        // Deferred work that must not run in an interrupt (the terminal's input): every task
        // is blocked, so no lock is held.
        crate::tty::run_deferred();
        schedule();
        // Interrupts on and halt atomically (sti's one-instruction shadow covers hlt).
        // SAFETY: enabling interrupts and halting until the next one.
        unsafe { core::arch::asm!("sti", "hlt", options(nomem, nostack)) };
    }
}
