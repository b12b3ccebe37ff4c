//! Process system calls: exit, fork, execve, wait4/waitpid, getpid/getppid, kill, sched_yield.

use super::uptr::UserPtr;
use super::SysResult;
use crate::arch::trap::TrapFrame;
use crate::mm::aspace::AddressSpace;
use crate::proc::{self, exec, sched, signals, Reaped, WaitStatus};
use alloc::string::String;
use alloc::vec::Vec;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{WCONTINUED, WNOHANG, WUNTRACED, __WALL, __WCLONE, __WNOTHREAD};

pub use crate::proc::current_name;

/// exit: ends the calling thread with `code & 0xff` (the process, if it was the last).
pub fn exit(code: i32) -> SysResult {
    proc::exit_thread(WaitStatus::Exited(code as u8))
}

/// exit_group: ends every thread of the process with `code & 0xff`.
pub fn exit_group(code: i32) -> SysResult {
    proc::exit_current(WaitStatus::Exited(code as u8))
}

/// argv as `log=debug` shows it: each argument lossily decoded, quoted.
struct ArgList<'a>(&'a [Vec<u8>]);

impl core::fmt::Debug for ArgList<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.0.iter().map(|a| alloc::string::String::from_utf8_lossy(a))).finish()
    }
}

/// execve: replaces the program; on failure the old one carries on.
pub fn execve(path: UserPtr<u8>, argv: UserPtr<u32>, envp: UserPtr<u32>, frame: &mut TrapFrame) -> SysResult {
    let path = path.read_cstr(crate::fs::namei::PATH_MAX)?;
    let mut budget = exec::MAX_ARG_BYTES;
    let args = exec::read_string_array(argv, &mut budget)?;
    let env = exec::read_string_array(envp, &mut budget)?;
    let arg_refs: Vec<&[u8]> = crate::mm::trycopy::collect(args.iter().map(Vec::as_slice))?;
    let env_refs: Vec<&[u8]> = crate::mm::trycopy::collect(env.iter().map(Vec::as_slice))?;
    let fresh = AddressSpace::new()?;
    // The new image grows within the process's limits (kept across exec).
    let vm_limits = proc::limits::of(&proc::current()).vm();
    fresh.edit(|s, _, _| (s.set_limits(vm_limits), None));
    let mut walker = crate::fs::namei::Walker::new()?;
    let cwd = crate::fs::fscontext::current()?.get().cwd;
    let from = exec::LayoutFrom { personality: proc::current().group.personality(), stack_limit: vm_limits.stack };
    let loaded = match exec::load(&fresh, &mut walker, &cwd, &path, &arg_refs, &env_refs, from) {
        Ok(loaded) => loaded,
        Err(exec::LoadError::Refused(e)) => return Err(e),
        // Linux finds these while mapping the new image, past the point of no return.
        Err(exec::LoadError::Fatal(e)) => signals::fatal_exception(
            frame,
            format_args!("exec of {} failed past the point of no return: {e}", String::from_utf8_lossy(&path)),
            vmcore::signal::SIGSEGV,
        ),
    };
    let image = loaded.image;
    let cred = loaded.creds.cred;
    let secure = loaded.creds.outcome.secure;
    // The dumpable flag of the new image (Linux's begin_new_exec and commit_creds).
    fresh.set_dumpable(loaded.creds.outcome.dumpable);
    if secure {
        let mut limits = vm_limits;
        limits.stack = vmcore::setid::exec_stack_limit(limits.stack, true);
        fresh.edit(|s, _, _| (s.set_limits(limits), None));
    }
    // The other threads end first; a non-leader caller becomes the leader (Linux's de_thread).
    proc::de_thread()?;
    let task = proc::current();
    // Dispositions shared with another process (CLONE_SIGHAND without CLONE_THREAD) are
    // unshared before exec resets them (Linux's unshare_sighand).
    let own_hand = {
        let shared = task.inner.lock().sighand.clone();
        if alloc::sync::Arc::strong_count(&shared) > 2 {
            let copy = shared.copy();
            Some(crate::mm::inject::fallible(|| alloc::sync::Arc::try_new(copy)).map_err(|_| Errno::ENOMEM)?)
        } else {
            None
        }
    };
    // A descriptor table shared with another process (CLONE_FILES) is unshared before the
    // close-on-exec descriptors go (Linux's unshare_files).
    let own_files = {
        let shared = task.files()?;
        if alloc::sync::Arc::strong_count(&shared) > 2 { Some(shared.try_copy()?) } else { None }
    };
    let dispositions = signals::exec_dispositions(&task.inner.lock())?;
    let name = exec::basename(&crate::mm::trycopy::lossy_string(&path)?)?;
    // Past the point of no return: the old image's robust list, clear_child_tid, TLS and rseq
    // go (Linux's exec_mm_release, flush_thread, rseq_execve).
    proc::uaddrs::release(&task, proc::uaddrs::Release::Exec);
    proc::clone::vfork_release(&task);
    let old = {
        let mut inner = task.inner.lock();
        inner.name = name;
        inner.exe = Some(loaded.exe);
        if let Some(hand) = own_hand {
            inner.sighand = hand;
        }
        if let Some(files) = own_files {
            inner.files = Some(files);
        }
        signals::on_exec(&mut inner, dispositions);
        inner.aspace.replace(fresh.clone())
    };
    if let Some(cred) = cred {
        proc::cred::install(cred);
    }
    task.group.set_personality(loaded.personality);
    if secure {
        task.limits().lock().for_secure_exec();
    }
    task.group.exec_done(); // a parent's setpgid of this child now fails with EACCES
    task.files()?.with(|t| t.close_on_exec());
    if let Some(old) = &old {
        task.usage.keep_peak(old); // ru_maxrss covers every image the process ran
    }
    // The old space stays alive until the new one is loaded.
    fresh.activate();
    crate::mm::inject::switched_to(task.pid(), &task.inner.lock().name);
    drop(old);
    drop(fresh);
    crate::arch::fpu::load_initial(); // Linux's fpu_flush_thread: FCW 0x037F, MXCSR 0x1F80
    *frame = proc::switch::user_frame(image.entry, image.sp);
    log::debug!("[{} {}] exec {} {:?}", task.pid(), task.inner.lock().name, String::from_utf8_lossy(&path), ArgList(&args));
    Ok(0)
}

/// wait4 / waitpid.
pub fn wait4(pid: i32, status: UserPtr<u32>, options: u32, rusage: UserPtr<[u32; 18]>) -> SysResult {
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | __WALL | __WCLONE | __WNOTHREAD) != 0 {
        return Err(Errno::EINVAL);
    }
    match proc::wait(proc::WaitFor::from_arg(pid)?, options)? {
        Reaped::NotYet => Ok(0),
        Reaped::Child(cpid, st, used) => {
            // Linux reaps first, then reports a bad status pointer, then a bad rusage one.
            if !status.is_null() {
                status.write(st)?;
            }
            super::time::put_child_rusage(rusage, &used)?;
            Ok(cpid)
        }
    }
}

/// getpid: the thread group's id.
pub fn getpid() -> SysResult {
    Ok(proc::current().tgid())
}

/// getppid.
pub fn getppid() -> SysResult {
    Ok(proc::current().inner.lock().parent)
}

/// kill: to process `pid`; 0: every process of the caller's group; < -1: of group `-pid`; -1:
/// every process except init and the caller, as Linux does.
pub fn kill(pid: i32, sig: u32) -> SysResult {
    match pid {
        -1 => {
            let me = proc::current().tgid();
            // A cursor over the table, not a copy of it: no allocation however many there are.
            let next = |at: u32| sched::with(|s| s.next_pid(at, |t| t.is_leader() && t.pid() > proc::INIT_PID && t.tgid() != me));
            let targets = core::iter::successors(next(0), |&p| next(p + 1));
            // Linux: targets the caller may not signal count but do not fail the call.
            let (mut found, mut ret) = (false, Ok(0));
            for p in targets {
                match proc::kill(p, sig) {
                    Err(Errno::ESRCH) => {}
                    Err(Errno::EPERM) => found = true,
                    r => (found, ret) = (true, r.map(|()| 0)),
                }
            }
            if found { ret } else { Err(Errno::ESRCH) }
        }
        0 => proc::pgrp::kill_pgrp_from_user(proc::pgrp::current_pgrp(), sig).map(|()| 0),
        i32::MIN => Err(Errno::ESRCH),
        p if p < 0 => proc::pgrp::kill_pgrp_from_user(p.unsigned_abs(), sig).map(|()| 0),
        p => {
            proc::kill(p as u32, sig)?;
            Ok(0)
        }
    }
}

/// sched_yield.
pub fn sched_yield() -> SysResult {
    sched::schedule();
    Ok(0)
}
