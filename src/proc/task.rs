//! A task: one thread (a kernel stack and its registers) of a thread group, or the idle task.
//! What threads may share hangs off it: the address space (`CLONE_VM`), the descriptor table
//! (`CLONE_FILES`), the group (`CLONE_THREAD`).

use super::cred::Cred;
use super::files::Files;
use super::group::ThreadGroup;
use crate::arch::fpu::FpuArea;
use super::limits::RLimits;
use super::sigstate::{SigHand, TaskSignals, ThreadSignals};
use crate::mm::aspace::AddressSpace;
use crate::mm::vmalloc::{KernelStack, VmallocError};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, Ordering};

/// A process or thread id (a pid is the tid of a group's leader).
pub type Pid = u32;

/// Kernel stack size of every task.
pub const KSTACK_SIZE: usize = 16 * 1024;

/// What a task is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Running or ready to run.
    Runnable,
    /// Waiting for a timer in the timer queue (`proc::timer`) or a signal.
    Sleeping {
        /// Tick at which the timer fires (`u64::MAX`: no timer, only a signal wakes it).
        until: u64,
    },
    /// Waiting for a child to change state.
    Waiting,
    /// Exited; waiting to be reaped by its parent.
    Zombie,
    /// Stopped by a stop signal, until SIGCONT or SIGKILL.
    Stopped,
}

/// The mutable part of a task.
pub struct TaskInner {
    /// The parent process's tgid (1 after re-parenting to init); the same in every thread of
    /// a group.
    pub parent: Pid,
    /// Name shown by `ps` and in reports: the program's file name.
    pub name: String,
    /// Scheduling state.
    pub state: State,
    /// The user address space (none for the idle task and once exited), shared under
    /// `CLONE_VM`: every task holding it is one of its users, and the last one's drop sweeps.
    pub aspace: Option<Arc<AddressSpace>>,
    /// Open files (none for the idle task and once exited), shared under `CLONE_FILES`.
    pub files: Option<Arc<Files>>,
    /// A `CLONE_VFORK` child's parent thread, sleeping until this task execs or exits.
    pub vfork_parent: Option<Pid>,
    /// Wait status once a zombie (Linux encoding).
    pub wait_status: u32,
    /// Whether the task is in the run queue.
    pub queued: bool,
    // TLS slice (issue 10): TLS slots, clear_child_tid, robust list, rseq.
    /// Thread-local storage and the user addresses the kernel keeps for the task.
    pub thread: super::uaddrs::ThreadState,
    // Signals slice (issue 10, point 5).
    /// Per-thread signal state: blocked mask, thread-directed pending set, alternate stack.
    pub sig: Box<ThreadSignals>,
    /// The dispositions.
    pub sighand: Arc<SigHand>,
    // Files slice (issue 11).
    /// Root, working directory and umask (none for the idle task and once exited), shared
    /// under `CLONE_FS`.
    pub fs: Option<Arc<crate::fs::fscontext::FsContext>>,
    /// The running program's absolute path (`/proc/PID/exe`), shared by the threads.
    pub exe: Option<Arc<alloc::vec::Vec<u8>>>,
}

/// A schedulable task.
pub struct Task {
    /// Its tid: the table's key. It changes only when an `execve` by a non-leader thread
    /// takes over the leader's (`de_thread`).
    pid: AtomicU32,
    /// Its thread group, fixed for life.
    pub group: Arc<ThreadGroup>,
    /// The signal the parent gets when this (leader) task's group ends: SIGCHLD, another
    /// signal or 0 (a "clone child", seen by `wait4` only with `__WCLONE`/`__WALL`); 0 for
    /// `CLONE_THREAD` children (Linux's -1).
    exit_signal: AtomicU32,
    /// Everything that changes, behind a lock that is never held across a switch.
    pub inner: spin::Mutex<TaskInner>,
    /// The kernel stack pointer saved while switched out (touched only by the scheduler with
    /// interrupts off).
    saved_esp: UnsafeCell<u32>,
    /// The kernel stack (none for the idle task, which runs on the boot stack).
    kstack: Option<KernelStack>,
    // Clocks and timers slice:
    /// CPU time, faults, context switches, peak memory, CPU and real-time timers.
    pub usage: super::usage::TaskUsage,
    // Credentials and limits (issue 10, point 7).
    /// Credentials: shared with the parent until changed, then replaced whole.
    pub cred: spin::Mutex<Arc<Cred>>,
    // --- FPU/SSE state (issue 10, point 1) ---
    /// The x87/SSE registers while switched out (none for the idle task): touched only by
    /// the context switch with interrupts off, and by fork before the task is first queued.
    fpu: Option<Box<UnsafeCell<FpuArea>>>,
}

/// Who a new task is: its tid, its group, its parent, its exit signal.
pub struct TaskIds {
    /// Its tid.
    pub tid: Pid,
    /// Its thread group (a new one for a new process).
    pub group: Arc<ThreadGroup>,
    /// The parent process's tgid.
    pub parent: Pid,
    /// What the parent gets when the group ends (0: nothing).
    pub exit_signal: u32,
}

impl TaskIds {
    /// The leader of a new process `tid` whose parent is `parent` and gets SIGCHLD.
    pub fn process(tid: Pid, parent: Pid) -> Result<TaskIds, vmcore::errno::Errno> {
        Ok(TaskIds { tid, group: ThreadGroup::new(tid, &RLimits::init_defaults())?, parent, exit_signal: vmcore::signal::SIGCHLD })
    }
}

/// Why [`Task::new`] failed.
#[derive(Debug)]
pub enum NewTaskError {
    /// No kernel stack.
    KernelStack,
    /// No kernel heap for the FPU area.
    OutOfMemory,
}

// SAFETY: `saved_esp` is only accessed by the scheduler on our single CPU with interrupts
// off; everything else is behind the mutex.
unsafe impl Sync for Task {}
// SAFETY: as above.
unsafe impl Send for Task {}

impl Task {
    /// The idle task (pid 0), which is the boot context itself.
    pub fn idle() -> Self {
        Task {
            pid: AtomicU32::new(0),
            group: ThreadGroup::new(0, &RLimits::init_defaults()).expect("a heap at boot"),
            exit_signal: AtomicU32::new(0),
            inner: spin::Mutex::new(TaskInner {
                parent: 0,
                name: String::from("idle"),
                state: State::Runnable,
                aspace: None,
                files: None,
                vfork_parent: None,
                wait_status: 0,
                queued: false,
                thread: Default::default(),
                sig: Box::default(),
                sighand: Arc::new(SigHand::new().expect("boot: the idle task's dispositions")),
                fs: None,
                exe: None,
            }),
            saved_esp: UnsafeCell::new(0),
            kstack: None,
            fpu: None,
            cred: spin::Mutex::new(Cred::root()),
            usage: super::usage::TaskUsage::new(),
        }
    }

    /// A new task with a fresh kernel stack; not yet runnable. Its FPU/SSE registers are a
    /// copy of the running task's (fork's rule; the first process resets them with
    /// [`Task::set_initial_fpu`]).
    /// Built straight into its `Arc` (a `Task` is a few hundred bytes: each move is a copy).
    pub fn new(ids: TaskIds, name: String, aspace: Arc<AddressSpace>, files: Arc<Files>, signals: TaskSignals) -> Result<Arc<Self>, NewTaskError> {
        let mut fpu = crate::mm::inject::fallible(Box::<UnsafeCell<FpuArea>>::try_new_uninit)
            .map_err(|_| NewTaskError::OutOfMemory)?;
        // SAFETY: UnsafeCell<FpuArea> has FpuArea's layout; `save_new` initialises the area.
        let fpu = unsafe {
            crate::arch::fpu::save_new(&mut *(fpu.as_mut_ptr() as *mut core::mem::MaybeUninit<FpuArea>));
            fpu.assume_init()
        };
        let kstack = KernelStack::new(KSTACK_SIZE, "process kernel stack").map_err(|_: VmallocError| NewTaskError::KernelStack)?;
        let mut arc = crate::mm::inject::fallible(Arc::<Task>::try_new_uninit).map_err(|_| NewTaskError::OutOfMemory)?;
        let slot = Arc::get_mut(&mut arc).expect("invariant: a fresh Arc is unique");
        slot.write(Task {
            pid: AtomicU32::new(ids.tid),
            group: ids.group,
            exit_signal: AtomicU32::new(ids.exit_signal),
            inner: spin::Mutex::new(TaskInner {
                parent: ids.parent,
                name,
                state: State::Runnable,
                aspace: Some(aspace),
                files: Some(files),
                vfork_parent: None,
                wait_status: 0,
                queued: false,
                thread: Default::default(),
                sig: signals.sig,
                sighand: signals.hand,
                fs: None,
                exe: None,
            }),
            saved_esp: UnsafeCell::new(0),
            kstack: Some(kstack),
            fpu: Some(fpu),
            cred: spin::Mutex::new(Cred::root()),
            usage: super::usage::TaskUsage::new(),
        });
        // SAFETY: written just above.
        Ok(unsafe { arc.assume_init() })
    }

    /// Its process's resource limits (shared by the thread group).
    pub fn limits(&self) -> &spin::Mutex<RLimits> {
        &self.group.limits
    }

    /// Its tid.
    pub fn pid(&self) -> Pid {
        self.pid.load(Ordering::Relaxed)
    }

    /// Its process id: the group's tgid.
    pub fn tgid(&self) -> Pid {
        self.group.tgid
    }

    /// Whether it leads its thread group.
    pub fn is_leader(&self) -> bool {
        self.pid() == self.group.tgid
    }

    /// The signal its parent gets when its group ends (0: none).
    pub fn exit_signal(&self) -> u32 {
        self.exit_signal.load(Ordering::Relaxed)
    }

    /// Takes over the group leader's tid and exit signal (`de_thread`; the scheduler re-keys
    /// its table under its lock).
    pub(super) fn take_over(&self, tid: Pid, exit_signal: u32) {
        self.pid.store(tid, Ordering::Relaxed);
        self.exit_signal.store(exit_signal, Ordering::Relaxed);
    }

    /// Top of the kernel stack (what the TSS's esp0 must be while this task runs).
    pub fn kstack_top(&self) -> u32 {
        self.kstack.as_ref().map_or(0, KernelStack::top)
    }

    /// Where the scheduler saves this task's stack pointer.
    pub fn saved_esp_ptr(&self) -> *mut u32 {
        self.saved_esp.get()
    }

    /// Sets the stack pointer to resume at (a freshly prepared stack).
    ///
    /// # Safety
    /// The task must not be running or queued yet.
    pub unsafe fn set_saved_esp(&self, esp: u32) {
        // SAFETY: nobody else reads it before the task is queued.
        unsafe { *self.saved_esp.get() = esp };
    }

    /// The saved FPU/SSE registers (null for the idle task), for the context switch.
    pub fn fpu_area_ptr(&self) -> *mut FpuArea {
        self.fpu.as_ref().map_or(core::ptr::null_mut(), |a| a.get())
    }

    /// Its open files (EBADF once it exited).
    pub fn files(&self) -> Result<Arc<Files>, vmcore::errno::Errno> {
        self.inner.lock().files.clone().ok_or(vmcore::errno::Errno::EBADF)
    }

    /// Gives this task the initial FPU/SSE state (the first process).
    ///
    /// # Safety
    /// This task must not be running or queued yet.
    pub unsafe fn set_initial_fpu(&self) {
        if let Some(a) = &self.fpu {
            // SAFETY: nobody else touches the area of a task that was never queued.
            unsafe { *a.get() = FpuArea::initial() };
        }
    }
}
