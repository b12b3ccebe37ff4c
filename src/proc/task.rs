//! A task: one process (a user address space plus a kernel stack), or the idle task.

use super::cred::Cred;
use super::files::FdTable;
use crate::arch::fpu::FpuArea;
use super::limits::RLimits;
use super::sigstate::{ProcSignals, SigHand, TaskSignals, ThreadSignals};
use crate::mm::aspace::AddressSpace;
use crate::mm::vmalloc::{KernelStack, VmallocError};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use core::cell::UnsafeCell;

/// A process id.
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
    /// Parent's pid (1 after re-parenting to init).
    pub parent: Pid,
    /// Name shown by `ps` and in reports: the program's file name.
    pub name: String,
    /// Scheduling state.
    pub state: State,
    /// The user address space (none for the idle task).
    pub aspace: Option<Arc<AddressSpace>>,
    /// Open files.
    pub files: FdTable,
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
    /// Per-process signal state (the thread group's, once there are threads).
    pub psig: Box<ProcSignals>,
    /// The dispositions.
    pub sighand: Arc<SigHand>,
}

/// A schedulable task.
pub struct Task {
    /// Its process id.
    pub pid: Pid,
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
    /// Resource limits, process-wide (one task is one process today).
    pub limits: spin::Mutex<RLimits>,
    // --- FPU/SSE state (issue 10, point 1) ---
    /// The x87/SSE registers while switched out (none for the idle task): touched only by
    /// the context switch with interrupts off, and by fork before the task is first queued.
    fpu: Option<Box<UnsafeCell<FpuArea>>>,
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
            pid: 0,
            inner: spin::Mutex::new(TaskInner {
                parent: 0,
                name: String::from("idle"),
                state: State::Runnable,
                aspace: None,
                files: FdTable::new(),
                wait_status: 0,
                queued: false,
                thread: Default::default(),
                sig: Box::default(),
                psig: Box::default(),
                sighand: Arc::new(SigHand::new()),
            }),
            saved_esp: UnsafeCell::new(0),
            kstack: None,
            fpu: None,
            cred: spin::Mutex::new(Cred::root()),
            limits: spin::Mutex::new(RLimits::init_defaults()),
            usage: super::usage::TaskUsage::new(),
        }
    }

    /// A new task with a fresh kernel stack; not yet runnable. Its FPU/SSE registers are a
    /// copy of the running task's (fork's rule; the first process resets them with
    /// [`Task::set_initial_fpu`]).
    pub fn new(
        pid: Pid,
        parent: Pid,
        name: String,
        aspace: Arc<AddressSpace>,
        files: FdTable,
        signals: TaskSignals,
    ) -> Result<Self, NewTaskError> {
        let mut fpu = crate::mm::inject::fallible(Box::<UnsafeCell<FpuArea>>::try_new_uninit)
            .map_err(|_| NewTaskError::OutOfMemory)?;
        // SAFETY: UnsafeCell<FpuArea> has FpuArea's layout; `save_new` initialises the area.
        let fpu = unsafe {
            crate::arch::fpu::save_new(&mut *(fpu.as_mut_ptr() as *mut core::mem::MaybeUninit<FpuArea>));
            fpu.assume_init()
        };
        let kstack = KernelStack::new(KSTACK_SIZE, "process kernel stack").map_err(|_: VmallocError| NewTaskError::KernelStack)?;
        Ok(Task {
            pid,
            inner: spin::Mutex::new(TaskInner {
                parent,
                name,
                state: State::Runnable,
                aspace: Some(aspace),
                files,
                wait_status: 0,
                queued: false,
                thread: Default::default(),
                sig: signals.sig,
                psig: signals.psig,
                sighand: signals.hand,
            }),
            saved_esp: UnsafeCell::new(0),
            kstack: Some(kstack),
            fpu: Some(fpu),
            cred: spin::Mutex::new(Cred::root()),
            limits: spin::Mutex::new(RLimits::init_defaults()),
            usage: super::usage::TaskUsage::new(),
        })
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
