//! The system-call boundary: `int 0x80` with the Linux i386 ABI.
//!
//! EAX holds the Linux system-call number and EBX, ECX, EDX, ESI, EDI, EBP the arguments; the
//! result goes back in EAX, `-errno` on failure. [`TABLE`] is the one place that maps numbers
//! to handlers: each entry adapts the six raw words into the handler's typed arguments
//! ([`UserPtr`](uptr::UserPtr), [`UserBuf`](uptr::UserBuf), plain integers), and each handler
//! returns `Result<u32, Errno>`. This dispatcher is the only place where an `Errno` becomes a
//! negative number. Unknown numbers return `-ENOSYS`, logged once per number.
//!
//! With `strace` on the kernel command line (or `strace=NAME` for one program) every call is
//! printed on the serial console in strace's format; with `log=debug` every call that fails.

mod attr;
mod caps;
mod clone;
mod cred;
mod fd;
mod file;
mod futex;
mod limits;
mod madvise;
mod memfd;
mod memory;
mod mincore;
mod mount;
mod mremap;
mod msync;
mod path;
mod pgrp;
mod pipe;
mod poll;
mod personality;
mod prctl;
mod process;
mod process_vm;
mod random;
mod signal;
mod socket;
mod stat;
mod system;
mod thread;
mod tls;
mod time;
pub mod uptr;

pub use memory::max_map_count;
pub use system::{hostname, SYSNAME};

use crate::arch::trap::TrapFrame;
use crate::proc;
use core::sync::atomic::{AtomicU32, Ordering};
use vmcore::errno::Errno;

/// What a handler returns.
pub type SysResult = Result<u32, Errno>;

/// The six argument words, EBX..EBP.
pub type Args = [u32; 6];

/// One system call: its Linux number and adapter (its name and strace signature are
/// `vmcore::syscall_abi`'s).
pub struct Syscall {
    /// Linux i386 number.
    pub nr: u32,
    /// Adapter from raw words to the typed handler. Gets the trap frame for the few calls that
    /// need the caller's registers (fork, execve).
    pub call: fn(&Args, &mut TrapFrame) -> SysResult,
}

use vmcore::syscall_abi as nr;

/// Every system call we implement.
pub static TABLE: &[Syscall] = &[
    Syscall { nr: nr::SYS_EXIT, call: |a, _| process::exit(a[0] as i32) },
    Syscall { nr: nr::SYS_FORK, call: |_, f| clone::fork(f) },
    Syscall { nr: nr::SYS_READ, call: |a, _| file::read(a[0], uptr::UserBuf::new(a[1], a[2])) },
    Syscall { nr: nr::SYS_WRITE, call: |a, _| file::write(a[0], uptr::UserBuf::new(a[1], a[2])) },
    Syscall { nr: nr::SYS_OPEN, call: |a, _| file::open(uptr::UserPtr::new(a[0]), a[1], a[2]) },
    Syscall { nr: nr::SYS_OPENAT, call: |a, _| file::openat(a[0] as i32, uptr::UserPtr::new(a[1]), a[2], a[3]) },
    Syscall { nr: nr::SYS_CLOSE, call: |a, _| file::close(a[0]) },
    Syscall { nr: nr::SYS_WAITPID, call: |a, _| process::wait4(a[0] as i32, uptr::UserPtr::new(a[1]), a[2], uptr::UserPtr::new(0)) },
    Syscall { nr: nr::SYS_EXECVE, call: |a, f| process::execve(uptr::UserPtr::new(a[0]), uptr::UserPtr::new(a[1]), uptr::UserPtr::new(a[2]), f) },
    Syscall { nr: nr::SYS_LSEEK, call: |a, _| file::lseek(a[0], a[1] as i32, a[2]) },
    Syscall { nr: nr::SYS_GETPID, call: |_, _| process::getpid() },
    Syscall { nr: nr::SYS_KILL, call: |a, _| process::kill(a[0] as i32, a[1]) },
    Syscall { nr: nr::SYS_BRK, call: |a, _| memory::brk(a[0]) },
    Syscall { nr: nr::SYS_GETPPID, call: |_, _| process::getppid() },
    Syscall { nr: nr::SYS_SETPGID, call: |a, _| pgrp::setpgid(a[0] as i32, a[1] as i32) },
    Syscall { nr: nr::SYS_GETPGRP, call: |_, _| pgrp::getpgrp() },
    Syscall { nr: nr::SYS_SETSID, call: |_, _| pgrp::setsid() },
    Syscall { nr: nr::SYS_GETPGID, call: |a, _| pgrp::getpgid(a[0] as i32) },
    Syscall { nr: nr::SYS_GETSID, call: |a, _| pgrp::getsid(a[0] as i32) },
    Syscall { nr: nr::SYS_REBOOT, call: |a, _| system::reboot(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_MMAP, call: |a, _| memory::old_mmap(uptr::UserPtr::new(a[0])) },
    Syscall { nr: nr::SYS_MUNMAP, call: |a, _| memory::munmap(a[0], a[1]) },
    Syscall { nr: nr::SYS_WAIT4, call: |a, _| process::wait4(a[0] as i32, uptr::UserPtr::new(a[1]), a[2], uptr::UserPtr::new(a[3])) },
    Syscall { nr: nr::SYS_UNAME, call: |a, _| system::uname(uptr::UserPtr::new(a[0])) },
    Syscall { nr: nr::SYS_MPROTECT, call: |a, _| memory::mprotect(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_MSYNC, call: |a, _| msync::msync(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_MLOCK, call: |a, _| memory::mlock(a[0], a[1]) },
    Syscall { nr: nr::SYS_MUNLOCK, call: |a, _| memory::munlock(a[0], a[1]) },
    Syscall { nr: nr::SYS_MLOCKALL, call: |a, _| memory::mlockall(a[0]) },
    Syscall { nr: nr::SYS_MUNLOCKALL, call: |_, _| memory::munlockall() },
    Syscall { nr: nr::SYS_SCHED_YIELD, call: |_, _| process::sched_yield() },
    Syscall { nr: nr::SYS_MREMAP, call: |a, _| mremap::mremap(a[0], a[1], a[2], a[3], a[4]) },
    Syscall { nr: nr::SYS_MMAP2, call: |a, _| memory::mmap(a[0], a[1], a[2], a[3], a[4] as i32, a[5] as u64 * 4096) },
    Syscall { nr: nr::SYS_FSTAT64, call: |a, _| file::fstat64(a[0], uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_MINCORE, call: |a, _| mincore::mincore(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_MADVISE, call: |a, _| madvise::madvise(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_GETDENTS64, call: |a, _| file::getdents64(a[0], uptr::UserBuf::new(a[1], a[2])) },
    Syscall { nr: nr::SYS_EXIT_GROUP, call: |a, _| process::exit_group(a[0] as i32) },
    // Threads slice (issue 10): clone and its relatives.
    Syscall { nr: nr::SYS_CLONE, call: |a, f| clone::clone(a[0], a[1], a[2], a[3], a[4], f) },
    Syscall { nr: nr::SYS_VFORK, call: |_, f| clone::vfork(f) },
    Syscall { nr: nr::SYS_CLONE3, call: |a, f| clone::clone3(a[0], a[1], f) },
    // TLS slice (issue 10): thread-local storage, glibc's start-up calls, getrandom.
    Syscall { nr: nr::SYS_GETTID, call: |_, _| thread::gettid() },
    Syscall { nr: nr::SYS_SET_THREAD_AREA, call: |a, f| tls::set_thread_area(uptr::UserPtr::new(a[0]), f) },
    Syscall { nr: nr::SYS_GET_THREAD_AREA, call: |a, _| tls::get_thread_area(uptr::UserPtr::new(a[0])) },
    Syscall { nr: nr::SYS_SET_TID_ADDRESS, call: |a, _| thread::set_tid_address(a[0]) },
    Syscall { nr: nr::SYS_SET_ROBUST_LIST, call: |a, _| thread::set_robust_list(a[0], a[1]) },
    Syscall { nr: nr::SYS_GET_ROBUST_LIST, call: |a, _| thread::get_robust_list(a[0] as i32, uptr::UserPtr::new(a[1]), uptr::UserPtr::new(a[2])) },
    // VM slice (issue 12): process_vm_*, mlock2.
    Syscall { nr: nr::SYS_CAPGET, call: |a, _| caps::capget(uptr::UserPtr::new(a[0]), a[1]) },
    Syscall { nr: nr::SYS_CAPSET, call: |a, _| caps::capset(uptr::UserPtr::new(a[0]), a[1]) },
    Syscall { nr: nr::SYS_MEMFD_CREATE, call: |a, _| memfd::memfd_create(uptr::UserPtr::new(a[0]), a[1]) },
    Syscall { nr: nr::SYS_PROCESS_VM_READV, call: |a, _| process_vm::process_vm_readv(a[0] as i32, a[1], a[2], a[3], a[4], a[5]) },
    Syscall { nr: nr::SYS_PROCESS_VM_WRITEV, call: |a, _| process_vm::process_vm_writev(a[0] as i32, a[1], a[2], a[3], a[4], a[5]) },
    Syscall { nr: nr::SYS_GETRANDOM, call: |a, _| random::getrandom(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_MLOCK2, call: |a, _| memory::mlock2(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_RSEQ, call: |a, _| thread::rseq(a[0], a[1], a[2], a[3]) },
    // Credentials and resource limits (issue 10, point 7).
    Syscall { nr: nr::SYS_SETUID, call: |a, _| cred::setuid(Old16, a[0]) },
    Syscall { nr: nr::SYS_GETUID, call: |_, _| cred::get_id(Old16, Which::Uid) },
    Syscall { nr: nr::SYS_SETGID, call: |a, _| cred::setgid(Old16, a[0]) },
    Syscall { nr: nr::SYS_GETGID, call: |_, _| cred::get_id(Old16, Which::Gid) },
    Syscall { nr: nr::SYS_GETEUID, call: |_, _| cred::get_id(Old16, Which::Euid) },
    Syscall { nr: nr::SYS_GETEGID, call: |_, _| cred::get_id(Old16, Which::Egid) },
    Syscall { nr: nr::SYS_SETREUID, call: |a, _| cred::setreuid(Old16, a[0], a[1]) },
    Syscall { nr: nr::SYS_SETREGID, call: |a, _| cred::setregid(Old16, a[0], a[1]) },
    Syscall { nr: nr::SYS_SETRLIMIT, call: |a, _| limits::setrlimit(a[0], uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_GETRLIMIT, call: |a, _| limits::old_getrlimit(a[0], uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_GETGROUPS, call: |a, _| cred::getgroups(Old16, a[0] as i32, a[1]) },
    Syscall { nr: nr::SYS_SETGROUPS, call: |a, _| cred::setgroups(Old16, a[0] as i32, a[1]) },
    Syscall { nr: nr::SYS_SETFSUID, call: |a, _| cred::setfsuid(Old16, a[0]) },
    Syscall { nr: nr::SYS_SETFSGID, call: |a, _| cred::setfsgid(Old16, a[0]) },
    Syscall { nr: nr::SYS_SETRESUID, call: |a, _| cred::setresuid(Old16, a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_GETRESUID, call: |a, _| cred::getresuid(Old16, a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_SETRESGID, call: |a, _| cred::setresgid(Old16, a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_GETRESGID, call: |a, _| cred::getresgid(Old16, a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_UGETRLIMIT, call: |a, _| limits::ugetrlimit(a[0], uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_GETUID32, call: |_, _| cred::get_id(Full, Which::Uid) },
    Syscall { nr: nr::SYS_GETGID32, call: |_, _| cred::get_id(Full, Which::Gid) },
    Syscall { nr: nr::SYS_GETEUID32, call: |_, _| cred::get_id(Full, Which::Euid) },
    Syscall { nr: nr::SYS_GETEGID32, call: |_, _| cred::get_id(Full, Which::Egid) },
    Syscall { nr: nr::SYS_SETREUID32, call: |a, _| cred::setreuid(Full, a[0], a[1]) },
    Syscall { nr: nr::SYS_SETREGID32, call: |a, _| cred::setregid(Full, a[0], a[1]) },
    Syscall { nr: nr::SYS_GETGROUPS32, call: |a, _| cred::getgroups(Full, a[0] as i32, a[1]) },
    Syscall { nr: nr::SYS_SETGROUPS32, call: |a, _| cred::setgroups(Full, a[0] as i32, a[1]) },
    Syscall { nr: nr::SYS_SETRESUID32, call: |a, _| cred::setresuid(Full, a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_GETRESUID32, call: |a, _| cred::getresuid(Full, a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_SETRESGID32, call: |a, _| cred::setresgid(Full, a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_GETRESGID32, call: |a, _| cred::getresgid(Full, a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_SETUID32, call: |a, _| cred::setuid(Full, a[0]) },
    Syscall { nr: nr::SYS_SETGID32, call: |a, _| cred::setgid(Full, a[0]) },
    Syscall { nr: nr::SYS_SETFSUID32, call: |a, _| cred::setfsuid(Full, a[0]) },
    Syscall { nr: nr::SYS_SETFSGID32, call: |a, _| cred::setfsgid(Full, a[0]) },
    Syscall { nr: nr::SYS_PRLIMIT64, call: |a, _| limits::prlimit64(a[0] as i32, a[1], uptr::UserPtr::new(a[2]), uptr::UserPtr::new(a[3])) },
    // Clocks, timers and resource usage (issue 10, point 6):
    Syscall { nr: nr::SYS_TIME, call: |a, _| time::time(uptr::UserPtr::new(a[0])) },
    Syscall { nr: nr::SYS_ALARM, call: |a, _| time::alarm(a[0]) },
    Syscall { nr: nr::SYS_TIMES, call: |a, _| time::times(uptr::UserPtr::new(a[0])) },
    Syscall { nr: nr::SYS_GETRUSAGE, call: |a, _| time::getrusage(a[0] as i32, uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_GETTIMEOFDAY, call: |a, _| time::gettimeofday(uptr::UserPtr::new(a[0]), uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_SETITIMER, call: |a, _| time::setitimer(a[0], uptr::UserPtr::new(a[1]), uptr::UserPtr::new(a[2])) },
    Syscall { nr: nr::SYS_GETITIMER, call: |a, _| time::getitimer(a[0], uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_NANOSLEEP, call: |a, _| time::nanosleep(a[0], a[1]) },
    Syscall { nr: nr::SYS_CLOCK_GETTIME, call: |a, _| time::clock_gettime(a[0] as i32, a[1], time::Layout::Old32) },
    Syscall { nr: nr::SYS_CLOCK_GETRES, call: |a, _| time::clock_getres(a[0] as i32, a[1], time::Layout::Old32) },
    Syscall { nr: nr::SYS_CLOCK_NANOSLEEP, call: |a, _| time::clock_nanosleep(a[0] as i32, a[1], a[2], a[3], time::Layout::Old32) },
    Syscall { nr: nr::SYS_CLOCK_GETTIME64, call: |a, _| time::clock_gettime(a[0] as i32, a[1], time::Layout::Time64) },
    Syscall { nr: nr::SYS_CLOCK_GETRES_TIME64, call: |a, _| time::clock_getres(a[0] as i32, a[1], time::Layout::Time64) },
    Syscall { nr: nr::SYS_CLOCK_NANOSLEEP_TIME64, call: |a, _| time::clock_nanosleep(a[0] as i32, a[1], a[2], a[3], time::Layout::Time64) },
    Syscall { nr: nr::SYS_SETTIMEOFDAY, call: |a, _| time::settimeofday(uptr::UserPtr::new(a[0]), uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_CLOCK_SETTIME, call: |a, _| time::clock_settime(a[0] as i32, a[1], time::Layout::Old32) },
    Syscall { nr: nr::SYS_CLOCK_SETTIME64, call: |a, _| time::clock_settime(a[0] as i32, a[1], time::Layout::Time64) },
    // Signals slice (issue 10, point 5).
    Syscall { nr: nr::SYS_RESTART_SYSCALL, call: |_, _| signal::restart_syscall() },
    Syscall { nr: nr::SYS_PAUSE, call: |_, _| signal::pause() },
    Syscall { nr: nr::SYS_SIGNAL, call: |a, _| signal::signal(a[0], a[1]) },
    Syscall { nr: nr::SYS_SIGACTION, call: |a, _| signal::sigaction(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_SIGSUSPEND, call: |a, _| signal::sigsuspend(a[2]) },
    Syscall { nr: nr::SYS_SIGRETURN, call: |_, f| signal::sigreturn(f, false) },
    Syscall { nr: nr::SYS_SIGPROCMASK, call: |a, _| signal::sigprocmask(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_RT_SIGRETURN, call: |_, f| signal::sigreturn(f, true) },
    Syscall { nr: nr::SYS_RT_SIGACTION, call: |a, _| signal::rt_sigaction(a[0], a[1], a[2], a[3]) },
    Syscall { nr: nr::SYS_RT_SIGPROCMASK, call: |a, _| signal::rt_sigprocmask(a[0], a[1], a[2], a[3]) },
    Syscall { nr: nr::SYS_RT_SIGPENDING, call: |a, _| signal::rt_sigpending(a[0], a[1]) },
    Syscall { nr: nr::SYS_RT_SIGTIMEDWAIT, call: |a, _| signal::rt_sigtimedwait(a[0], a[1], a[2], a[3], false) },
    Syscall { nr: nr::SYS_RT_SIGQUEUEINFO, call: |a, _| signal::rt_sigqueueinfo(a[0] as i32, a[1], a[2]) },
    Syscall { nr: nr::SYS_RT_SIGSUSPEND, call: |a, _| signal::rt_sigsuspend(a[0], a[1]) },
    Syscall { nr: nr::SYS_SIGALTSTACK, call: |a, f| signal::sigaltstack(a[0], a[1], f) },
    Syscall { nr: nr::SYS_TKILL, call: |a, _| signal::tkill(a[0] as i32, a[1]) },
    Syscall { nr: nr::SYS_TGKILL, call: |a, _| signal::tgkill(a[0] as i32, a[1] as i32, a[2]) },
    Syscall { nr: nr::SYS_RT_SIGTIMEDWAIT_TIME64, call: |a, _| signal::rt_sigtimedwait(a[0], a[1], a[2], a[3], true) },
    // futex slice (issue 10, point 4):
    Syscall { nr: nr::SYS_FUTEX, call: |a, _| futex::futex(a[0], a[1], a[2], a[3], a[4], a[5], futex::TimeLayout::Old32) },
    Syscall { nr: nr::SYS_FUTEX_TIME64, call: |a, _| futex::futex(a[0], a[1], a[2], a[3], a[4], a[5], futex::TimeLayout::Time64) },
    // Descriptors (issue 11, point 4): dup, fcntl; positioned and vectored transfers.
    Syscall { nr: nr::SYS_DUP, call: |a, _| fd::dup(a[0]) },
    Syscall { nr: nr::SYS_IOCTL, call: |a, _| fd::ioctl(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_FCNTL, call: |a, _| fd::fcntl(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_DUP2, call: |a, _| fd::dup2(a[0], a[1]) },
    Syscall { nr: nr::SYS_READV, call: |a, _| fd::readv(a[0], uptr::UserPtr::new(a[1]), a[2]) },
    Syscall { nr: nr::SYS_WRITEV, call: |a, _| fd::writev(a[0], uptr::UserPtr::new(a[1]), a[2]) },
    Syscall { nr: nr::SYS_PREAD64, call: |a, _| fd::pread64(a[0], uptr::UserBuf::new(a[1], a[2]), a[3], a[4]) },
    Syscall { nr: nr::SYS_PWRITE64, call: |a, _| fd::pwrite64(a[0], uptr::UserBuf::new(a[1], a[2]), a[3], a[4]) },
    Syscall { nr: nr::SYS_FCNTL64, call: |a, _| fd::fcntl(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_DUP3, call: |a, _| fd::dup3(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_LLSEEK, call: |a, _| file::llseek(a[0], a[1], a[2], uptr::UserPtr::new(a[3]), a[4]) },
    // System information (issue 11: BusyBox's free, ps and prctl users).
    Syscall { nr: nr::SYS_SYSINFO, call: |a, _| system::sysinfo(uptr::UserPtr::new(a[0])) },
    Syscall { nr: nr::SYS_PERSONALITY, call: |a, _| personality::personality(a[0]) },
    Syscall { nr: nr::SYS_PRCTL, call: |a, _| prctl::prctl(a[0], a[1], a[2], a[3], a[4]) },
    // Pipes, poll and select (issue 11, point 4); sendfile.
    Syscall { nr: nr::SYS_PIPE, call: |a, _| pipe::pipe(uptr::UserPtr::new(a[0])) },
    Syscall { nr: nr::SYS_NEWSELECT, call: |a, _| poll::select(a[0] as i32, a[1], a[2], a[3], a[4]) },
    Syscall { nr: nr::SYS_POLL, call: |a, _| poll::poll(a[0], a[1], a[2] as i32) },
    Syscall { nr: nr::SYS_SENDFILE, call: |a, _| pipe::sendfile(a[0], a[1], a[2], a[3]) },
    Syscall { nr: nr::SYS_SENDFILE64, call: |a, _| pipe::sendfile64(a[0], a[1], a[2], a[3]) },
    Syscall { nr: nr::SYS_PSELECT6, call: |a, _| poll::pselect6(a[0] as i32, a[1], a[2], a[3], a[4], a[5], false) },
    Syscall { nr: nr::SYS_PPOLL, call: |a, _| poll::ppoll(a[0], a[1], a[2], a[3], a[4], false) },
    Syscall { nr: nr::SYS_PIPE2, call: |a, _| pipe::pipe2(uptr::UserPtr::new(a[0]), a[1]) },
    Syscall { nr: nr::SYS_PSELECT6_TIME64, call: |a, _| poll::pselect6(a[0] as i32, a[1], a[2], a[3], a[4], a[5], true) },
    Syscall { nr: nr::SYS_PPOLL_TIME64, call: |a, _| poll::ppoll(a[0], a[1], a[2], a[3], a[4], true) },
    // AF_UNIX socket pairs (socketcall is glibc's way in on i386).
    Syscall { nr: nr::SYS_SOCKETCALL, call: |a, _| socket::socketcall(a[0], uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_SOCKET, call: |a, _| socket::socket(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_SOCKETPAIR, call: |a, _| socket::socketpair(a[0], a[1], a[2], uptr::UserPtr::new(a[3])) },
    Syscall { nr: nr::SYS_LISTEN, call: |a, _| socket::listen(a[0], a[1]) },
    Syscall { nr: nr::SYS_ACCEPT4, call: |a, _| socket::accept4(a[0], a[1], a[2], a[3]) },
    Syscall { nr: nr::SYS_SENDTO, call: |a, _| socket::sendto(a[0], uptr::UserBuf::new(a[1], a[2]), a[3], a[4], a[5]) },
    Syscall { nr: nr::SYS_RECVFROM, call: |a, _| socket::recvfrom(a[0], uptr::UserBuf::new(a[1], a[2]), a[3], a[4], uptr::UserPtr::new(a[5])) },
    Syscall { nr: nr::SYS_SHUTDOWN, call: |a, _| socket::shutdown(a[0], a[1]) },
    // Files, paths and file systems (issue 11, points 1-4): tmpfs, namei, mounts.
    Syscall { nr: nr::SYS_CREAT, call: |a, _| file::creat(uptr::UserPtr::new(a[0]), a[1]) },
    Syscall { nr: nr::SYS_LINK, call: |a, _| path::link(uptr::UserPtr::new(a[0]), uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_UNLINK, call: |a, _| path::unlink(uptr::UserPtr::new(a[0])) },
    Syscall { nr: nr::SYS_CHDIR, call: |a, _| path::chdir(uptr::UserPtr::new(a[0])) },
    Syscall { nr: nr::SYS_MKNOD, call: |a, _| path::mknod(uptr::UserPtr::new(a[0]), a[1], a[2]) },
    Syscall { nr: nr::SYS_CHMOD, call: |a, _| attr::chmod(uptr::UserPtr::new(a[0]), a[1]) },
    Syscall { nr: nr::SYS_LCHOWN, call: |a, _| attr::lchown(uptr::UserPtr::new(a[0]), a[1], a[2], false) },
    Syscall { nr: nr::SYS_MOUNT, call: |a, _| mount::mount(uptr::UserPtr::new(a[0]), uptr::UserPtr::new(a[1]), uptr::UserPtr::new(a[2]), a[3], uptr::UserPtr::new(a[4])) },
    Syscall { nr: nr::SYS_UMOUNT, call: |a, _| mount::umount2(uptr::UserPtr::new(a[0]), 0) },
    Syscall { nr: nr::SYS_UTIME, call: |a, _| attr::utime(uptr::UserPtr::new(a[0]), a[1]) },
    Syscall { nr: nr::SYS_ACCESS, call: |a, _| stat::access(uptr::UserPtr::new(a[0]), a[1]) },
    Syscall { nr: nr::SYS_SYNC, call: |_, _| attr::sync() },
    Syscall { nr: nr::SYS_RENAME, call: |a, _| path::rename(uptr::UserPtr::new(a[0]), uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_MKDIR, call: |a, _| path::mkdir(uptr::UserPtr::new(a[0]), a[1]) },
    Syscall { nr: nr::SYS_RMDIR, call: |a, _| path::rmdir(uptr::UserPtr::new(a[0])) },
    Syscall { nr: nr::SYS_UMOUNT2, call: |a, _| mount::umount2(uptr::UserPtr::new(a[0]), a[1]) },
    Syscall { nr: nr::SYS_UMASK, call: |a, _| path::umask(a[0]) },
    Syscall { nr: nr::SYS_SYMLINK, call: |a, _| path::symlink(uptr::UserPtr::new(a[0]), uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_READLINK, call: |a, _| path::readlink(uptr::UserPtr::new(a[0]), uptr::UserBuf::new(a[1], a[2])) },
    Syscall { nr: nr::SYS_TRUNCATE, call: |a, _| attr::truncate(uptr::UserPtr::new(a[0]), a[1] as i32 as i64) },
    Syscall { nr: nr::SYS_FTRUNCATE, call: |a, _| attr::ftruncate(a[0], a[1] as i32 as i64, false) },
    Syscall { nr: nr::SYS_FCHMOD, call: |a, _| attr::fchmod(a[0], a[1]) },
    Syscall { nr: nr::SYS_FCHOWN, call: |a, _| attr::fchown(a[0], a[1], a[2], false) },
    Syscall { nr: nr::SYS_FSYNC, call: |a, _| attr::fsync(a[0]) },
    Syscall { nr: nr::SYS_FCHDIR, call: |a, _| path::fchdir(a[0]) },
    Syscall { nr: nr::SYS_GETDENTS, call: |a, _| file::getdents(a[0], uptr::UserBuf::new(a[1], a[2])) },
    Syscall { nr: nr::SYS_FDATASYNC, call: |a, _| attr::fsync(a[0]) },
    Syscall { nr: nr::SYS_CHOWN, call: |a, _| attr::chown(uptr::UserPtr::new(a[0]), a[1], a[2], false) },
    Syscall { nr: nr::SYS_GETCWD, call: |a, _| path::getcwd(uptr::UserBuf::new(a[0], a[1])) },
    Syscall { nr: nr::SYS_TRUNCATE64, call: |a, _| attr::truncate(uptr::UserPtr::new(a[0]), ((a[2] as u64) << 32 | a[1] as u64) as i64) },
    Syscall { nr: nr::SYS_FTRUNCATE64, call: |a, _| attr::ftruncate(a[0], ((a[2] as u64) << 32 | a[1] as u64) as i64, true) },
    Syscall { nr: nr::SYS_STAT64, call: |a, _| stat::stat64(uptr::UserPtr::new(a[0]), uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_LSTAT64, call: |a, _| stat::lstat64(uptr::UserPtr::new(a[0]), uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_LCHOWN32, call: |a, _| attr::lchown(uptr::UserPtr::new(a[0]), a[1], a[2], true) },
    Syscall { nr: nr::SYS_FCHOWN32, call: |a, _| attr::fchown(a[0], a[1], a[2], true) },
    Syscall { nr: nr::SYS_CHOWN32, call: |a, _| attr::chown(uptr::UserPtr::new(a[0]), a[1], a[2], true) },
    Syscall { nr: nr::SYS_STATFS64, call: |a, _| stat::statfs64(uptr::UserPtr::new(a[0]), a[1], uptr::UserPtr::new(a[2])) },
    Syscall { nr: nr::SYS_FSTATFS64, call: |a, _| stat::fstatfs64(a[0], a[1], uptr::UserPtr::new(a[2])) },
    Syscall { nr: nr::SYS_UTIMES, call: |a, _| attr::utimes(uptr::UserPtr::new(a[0]), a[1]) },
    Syscall { nr: nr::SYS_MKDIRAT, call: |a, _| path::mkdirat(a[0] as i32, uptr::UserPtr::new(a[1]), a[2]) },
    Syscall { nr: nr::SYS_MKNODAT, call: |a, _| path::mknodat(a[0] as i32, uptr::UserPtr::new(a[1]), a[2], a[3]) },
    Syscall { nr: nr::SYS_FCHOWNAT, call: |a, _| attr::fchownat(a[0] as i32, uptr::UserPtr::new(a[1]), a[2], a[3], a[4]) },
    Syscall { nr: nr::SYS_FSTATAT64, call: |a, _| stat::fstatat64(a[0] as i32, uptr::UserPtr::new(a[1]), uptr::UserPtr::new(a[2]), a[3]) },
    Syscall { nr: nr::SYS_UNLINKAT, call: |a, _| path::unlinkat(a[0] as i32, uptr::UserPtr::new(a[1]), a[2]) },
    Syscall { nr: nr::SYS_RENAMEAT, call: |a, _| path::renameat(a[0] as i32, uptr::UserPtr::new(a[1]), a[2] as i32, uptr::UserPtr::new(a[3])) },
    Syscall { nr: nr::SYS_LINKAT, call: |a, _| path::linkat(a[0] as i32, uptr::UserPtr::new(a[1]), a[2] as i32, uptr::UserPtr::new(a[3]), a[4]) },
    Syscall { nr: nr::SYS_SYMLINKAT, call: |a, _| path::symlinkat(uptr::UserPtr::new(a[0]), a[1] as i32, uptr::UserPtr::new(a[2])) },
    Syscall { nr: nr::SYS_READLINKAT, call: |a, _| path::readlinkat(a[0] as i32, uptr::UserPtr::new(a[1]), uptr::UserBuf::new(a[2], a[3])) },
    Syscall { nr: nr::SYS_FCHMODAT, call: |a, _| attr::fchmodat(a[0] as i32, uptr::UserPtr::new(a[1]), a[2]) },
    Syscall { nr: nr::SYS_FACCESSAT, call: |a, _| stat::faccessat(a[0] as i32, uptr::UserPtr::new(a[1]), a[2]) },
    Syscall { nr: nr::SYS_UTIMENSAT, call: |a, _| attr::utimensat(a[0] as i32, uptr::UserPtr::new(a[1]), a[2], a[3], false) },
    Syscall { nr: nr::SYS_SYNCFS, call: |a, _| attr::syncfs(a[0]) },
    Syscall { nr: nr::SYS_RENAMEAT2, call: |a, _| path::renameat2(a[0] as i32, uptr::UserPtr::new(a[1]), a[2] as i32, uptr::UserPtr::new(a[3]), a[4]) },
    Syscall { nr: nr::SYS_STATX, call: |a, _| stat::statx(a[0] as i32, uptr::UserPtr::new(a[1]), a[2], a[3], uptr::UserPtr::new(a[4])) },
    Syscall { nr: nr::SYS_UTIMENSAT_TIME64, call: |a, _| attr::utimensat(a[0] as i32, uptr::UserPtr::new(a[1]), a[2], a[3], true) },
    Syscall { nr: nr::SYS_FACCESSAT2, call: |a, _| stat::faccessat2(a[0] as i32, uptr::UserPtr::new(a[1]), a[2], a[3]) },
    Syscall { nr: nr::SYS_SETHOSTNAME, call: |a, _| system::sethostname(uptr::UserPtr::new(a[0]), a[1]) },
    Syscall { nr: nr::SYS_SETDOMAINNAME, call: |a, _| system::setdomainname(uptr::UserPtr::new(a[0]), a[1]) },
];

use cred::{Which, Width::{Full, Old16}};

/// Numbers the dispatcher indexes directly (every Linux i386 call is below this).
const MAX_NR: usize = 512;

/// `TABLE`'s position of each number (`u16::MAX`: not implemented), built at compile time,
/// so finding a handler is one load however long the table grows (a linear search over 47
/// entries cost about 150 instructions per call).
static BY_NUMBER: [u16; MAX_NR] = {
    let mut index = [u16::MAX; MAX_NR];
    let mut i = 0;
    while i < TABLE.len() {
        let nr = TABLE[i].nr as usize;
        assert!(nr < MAX_NR, "a system-call number beyond the dispatch index");
        assert!(index[nr] == u16::MAX, "a system-call number in TABLE twice");
        index[nr] = i as u16;
        i += 1;
    }
    index
};

/// Bit per syscall number below 512 already reported as unknown.
static UNKNOWN_SEEN: [AtomicU32; 16] = [const { AtomicU32::new(0) }; 16];

fn report_unknown(number: u32) {
    let (word, bit) = ((number as usize / 32) % 16, 1u32 << (number % 32));
    if number >= 512 || UNKNOWN_SEEN[word].fetch_or(bit, Ordering::Relaxed) & bit == 0 {
        let name = vmcore::syscall_abi::name(number).unwrap_or("?");
        log::warn!("[{} {}] unimplemented system call {number} ({name}): -ENOSYS", proc::current_pid(), process::current_name());
    }
}

/// Handles `int 0x80`.
pub fn dispatch(frame: &mut TrapFrame) {
    let number = frame.eax;
    let args: Args = [frame.ebx, frame.ecx, frame.edx, frame.esi, frame.edi, frame.ebp];
    // The call number, kept for a restart decision after a signal (Linux's orig_ax).
    frame.error_code = number;
    let entry = match BY_NUMBER.get(number as usize) {
        Some(&i) if i != u16::MAX => Some(&TABLE[i as usize]),
        _ => None,
    };
    let traced = if crate::trace::enabled() { crate::trace::before(number, &args) } else { None };
    let result = match entry {
        Some(s) => (s.call)(&args, frame),
        None => {
            report_unknown(number);
            Err(Errno::ENOSYS)
        }
    };
    let eax = match result {
        Ok(v) => v,
        Err(e) => e.as_neg() as u32,
    };
    // execve replaced the frame: its result is the new program's EAX (0).
    if !(number == nr::SYS_EXECVE && result.is_ok()) {
        frame.eax = eax;
    }
    if let Some(line) = traced {
        crate::trace::after(line, number, eax);
    } else if entry.is_some() && result.is_err() && log::log_enabled!(log::Level::Debug) {
        crate::trace::failed(number, &args, eax);
    }
}
