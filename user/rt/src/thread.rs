//! Raw threads: `clone` (120) with a child that starts on a new stack, and a minimal thread
//! handle on top.
//!
//! [`clone_raw`] is the system call itself through a small assembly trampoline: the new task
//! (EAX 0) starts on `stack_top` with the function and its argument on that stack, calls
//! `f(arg)` and ends with `exit(f's return value)` — a thread's exit, not the process's.
//!
//! [`Thread`] maps a stack, puts the thread's tid word at the stack mapping's low end and
//! starts the thread with glibc's `pthread_create` flags (minus TLS). [`Thread::join`] waits
//! until `CLONE_CHILD_CLEARTID` has zeroed the word — with `futex` once the kernel has it; here
//! by yielding — then unmaps the stack.
//!
//! The runtime's heap is not thread-safe: threads must not allocate.

use crate::errno::Errno;
use crate::sys::{self, nr, CLONE_CHILD_CLEARTID, CLONE_FILES, CLONE_FS, CLONE_PARENT_SETTID, CLONE_SIGHAND, CLONE_SYSVSEM, CLONE_THREAD, CLONE_VM};
use core::arch::global_asm;

global_asm!(
    r#"
    .section .text
    .global rt_clone
    // int rt_clone(flags, stack, parent_tid, tls, child_tid, fn, arg): the stack was prepared
    // by clone_raw with fn at stack[0] and arg at stack[1].
    rt_clone:
        push %ebp
        push %ebx
        push %esi
        push %edi
        mov $120, %eax
        mov 20(%esp), %ebx
        mov 24(%esp), %ecx
        mov 28(%esp), %edx
        mov 32(%esp), %esi
        mov 36(%esp), %edi
        int $0x80
        test %eax, %eax
        jz 1f
        pop %edi
        pop %esi
        pop %ebx
        pop %ebp
        ret
    1:
        // The child, on the new stack: fn, then arg above it.
        xor %ebp, %ebp
        pop %eax
        call *%eax
        mov %eax, %ebx
        mov $1, %eax
        int $0x80
        ud2
    "#,
    options(att_syntax)
);

extern "C" {
    fn rt_clone(flags: usize, stack: usize, parent_tid: usize, tls: usize, child_tid: usize) -> isize;
}

/// A thread's body: gets the argument, returns the thread's exit status.
pub type ThreadFn = extern "C" fn(usize) -> i32;

/// `clone(flags, stack_top, parent_tid, tls, child_tid)` whose child calls `f(arg)` on the
/// stack below `stack_top` and exits with its result. `stack_top` 0 is refused here: the
/// child needs a stack of its own to find `f` on. Returns the child's tid.
///
/// # Safety
/// `[stack_top - 32, stack_top)` must be writable memory that nothing else uses while the
/// child runs; with `CLONE_VM`, `f` must not touch what the parent may free meanwhile.
pub unsafe fn clone_raw(flags: usize, stack_top: usize, parent_tid: usize, tls: usize, child_tid: usize, f: ThreadFn, arg: usize) -> Result<u32, Errno> {
    if stack_top == 0 {
        return Err(Errno::EINVAL);
    }
    // 16-byte aligned at the call of `f`: fn at sp, arg at sp + 4 (aligned).
    let sp = (stack_top & !15) - 20;
    // SAFETY: the caller's contract: this stays in the top 32 bytes.
    unsafe {
        (sp as *mut usize).write(f as usize);
        ((sp + 4) as *mut usize).write(arg);
    }
    // SAFETY: the trampoline makes the system call; the child never returns into Rust code
    // on the parent's stack.
    let ret = unsafe { rt_clone(flags, sp, parent_tid, tls, child_tid) };
    Errno::from_ret(ret as usize).map(|t| t as u32)
}

/// glibc's `pthread_create` flags, minus `CLONE_SETTLS`.
pub const THREAD_FLAGS: usize = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;

/// Stack of a [`Thread`].
pub const STACK_SIZE: usize = 64 * 1024;

/// A running thread: its tid and its stack mapping, whose first word is the tid word.
pub struct Thread {
    /// The thread's id.
    pub tid: u32,
    base: usize,
}

impl Thread {
    /// Starts `f(arg)` on a new thread of this process.
    pub fn spawn(f: ThreadFn, arg: usize) -> Result<Thread, Errno> {
        Thread::spawn_with(THREAD_FLAGS, f, arg)
    }

    /// Starts `f(arg)` with `flags` (which should include `CLONE_VM`, and
    /// `CLONE_CHILD_CLEARTID` for [`Thread::join`]); the tid word is both the parent and
    /// the child tid.
    pub fn spawn_with(flags: usize, f: ThreadFn, arg: usize) -> Result<Thread, Errno> {
        let base = sys::mmap_anon(STACK_SIZE, sys::PROT_READ | sys::PROT_WRITE, 0)?;
        let word = base;
        // SAFETY: a fresh mapping that only the new thread uses (and the kernel's tid writes).
        match unsafe { clone_raw(flags, base + STACK_SIZE, word, 0, word, f, arg) } {
            Ok(tid) => Ok(Thread { tid, base }),
            Err(e) => {
                // SAFETY: nobody runs on it.
                let _ = unsafe { sys::munmap(base, STACK_SIZE) };
                Err(e)
            }
        }
    }

    /// The tid word (`CLONE_PARENT_SETTID` / `CLONE_CHILD_CLEARTID`).
    pub fn tid_word(&self) -> *mut u32 {
        self.base as *mut u32
    }

    /// Whether the kernel has cleared the tid word (the thread is gone).
    pub fn finished(&self) -> bool {
        // SAFETY: our mapping; the kernel writes it.
        unsafe { self.tid_word().read_volatile() == 0 }
    }

    /// Waits until the thread has exited (its tid word cleared), then frees its stack.
    pub fn join(self) {
        while !self.finished() {
            sys::sched_yield();
        }
        // SAFETY: the thread has left user mode for good (the word is cleared at its exit).
        let _ = unsafe { sys::munmap(self.base, STACK_SIZE) };
    }
}

/// `gettid()`.
pub fn gettid() -> u32 {
    // SAFETY: no memory effects.
    unsafe { sys::syscall0(nr::SYS_GETTID) as u32 }
}

global_asm!(
    r#"
    .section .text
    .global rt_vfork_exec
    // int rt_vfork_exec(path, argv, envp, block): vfork; the child, touching no stack, sets
    // block[0] = 1, sleeps for the timespec at block[1..3], sets block[0] = 2, execs path
    // and, if that fails, calls exit_group(127).
    rt_vfork_exec:
        push %ebp
        push %ebx
        push %esi
        push %edi
        mov 20(%esp), %esi
        mov 24(%esp), %edi
        mov 28(%esp), %ebp
        mov 32(%esp), %ebx
        mov $190, %eax
        int $0x80
        test %eax, %eax
        jz 1f
        pop %edi
        pop %esi
        pop %ebx
        pop %ebp
        ret
    1:
        movl $1, (%ebx)
        lea 4(%ebx), %ebx
        xor %ecx, %ecx
        mov $162, %eax
        int $0x80
        movl $2, -4(%ebx)
        mov %esi, %ebx
        mov %edi, %ecx
        mov %ebp, %edx
        mov $11, %eax
        int $0x80
        mov $127, %ebx
        mov $252, %eax
        int $0x80
        ud2
    "#,
    options(att_syntax)
);

extern "C" {
    fn rt_vfork_exec(path: usize, argv: usize, envp: usize, block: usize) -> isize;
}

/// What [`vfork_exec`]'s child writes and reads: a progress word, then a timespec.
#[repr(C)]
pub struct VforkBlock {
    /// 1 once the child runs, 2 once it slept and is about to exec.
    pub progress: u32,
    /// How long the child sleeps before exec: seconds, nanoseconds.
    pub sleep: [u32; 2],
}

/// `vfork` (190), whose child sleeps for `block.sleep`, then execs `path` (exit_group(127)
/// if that fails), writing its progress into `block` on the way — all in assembly, since a
/// vfork child runs on the parent's stack and must not touch it. Returns the child's pid,
/// once the child has exec'd or exited.
///
/// # Safety
/// `path`, `argv` and `envp` must be valid for execve; `block` must stay alive until then.
pub unsafe fn vfork_exec(path: *const u8, argv: *const *const u8, envp: *const *const u8, block: *mut VforkBlock) -> Result<u32, Errno> {
    // SAFETY: the caller's contract; the child touches only `block` and registers.
    let ret = unsafe { rt_vfork_exec(path as usize, argv as usize, envp as usize, block as usize) };
    Errno::from_ret(ret as usize).map(|p| p as u32)
}
