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
//! printed on the serial console in strace's format.

mod file;
mod futex;
mod memory;
mod process;
mod random;
mod system;
mod thread;
mod tls;
pub mod uptr;

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
    Syscall { nr: nr::SYS_FORK, call: |_, f| process::fork(f) },
    Syscall { nr: nr::SYS_READ, call: |a, _| file::read(a[0], uptr::UserBuf::new(a[1], a[2])) },
    Syscall { nr: nr::SYS_WRITE, call: |a, _| file::write(a[0], uptr::UserBuf::new(a[1], a[2])) },
    Syscall { nr: nr::SYS_OPEN, call: |a, _| file::open(uptr::UserPtr::new(a[0]), a[1], a[2]) },
    Syscall { nr: nr::SYS_CLOSE, call: |a, _| file::close(a[0]) },
    Syscall { nr: nr::SYS_WAITPID, call: |a, _| process::wait4(a[0] as i32, uptr::UserPtr::new(a[1]), a[2], 0) },
    Syscall { nr: nr::SYS_EXECVE, call: |a, f| process::execve(uptr::UserPtr::new(a[0]), uptr::UserPtr::new(a[1]), uptr::UserPtr::new(a[2]), f) },
    Syscall { nr: nr::SYS_LSEEK, call: |a, _| file::lseek(a[0], a[1] as i32, a[2]) },
    Syscall { nr: nr::SYS_GETPID, call: |_, _| process::getpid() },
    Syscall { nr: nr::SYS_KILL, call: |a, _| process::kill(a[0] as i32, a[1]) },
    Syscall { nr: nr::SYS_BRK, call: |a, _| memory::brk(a[0]) },
    Syscall { nr: nr::SYS_GETPPID, call: |_, _| process::getppid() },
    Syscall { nr: nr::SYS_REBOOT, call: |a, _| system::reboot(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_MMAP, call: |a, _| memory::old_mmap(uptr::UserPtr::new(a[0])) },
    Syscall { nr: nr::SYS_MUNMAP, call: |a, _| memory::munmap(a[0], a[1]) },
    Syscall { nr: nr::SYS_WAIT4, call: |a, _| process::wait4(a[0] as i32, uptr::UserPtr::new(a[1]), a[2], a[3]) },
    Syscall { nr: nr::SYS_UNAME, call: |a, _| system::uname(uptr::UserPtr::new(a[0])) },
    Syscall { nr: nr::SYS_MPROTECT, call: |a, _| memory::mprotect(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_MLOCK, call: |a, _| memory::mlock(a[0], a[1]) },
    Syscall { nr: nr::SYS_MUNLOCK, call: |a, _| memory::munlock(a[0], a[1]) },
    Syscall { nr: nr::SYS_MLOCKALL, call: |a, _| memory::mlockall(a[0]) },
    Syscall { nr: nr::SYS_MUNLOCKALL, call: |_, _| memory::munlockall() },
    Syscall { nr: nr::SYS_SCHED_YIELD, call: |_, _| process::sched_yield() },
    Syscall { nr: nr::SYS_NANOSLEEP, call: |a, _| process::nanosleep(uptr::UserPtr::new(a[0]), uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_MREMAP, call: |a, _| memory::mremap(a[0], a[1], a[2], a[3], a[4]) },
    Syscall { nr: nr::SYS_MMAP2, call: |a, _| memory::mmap(a[0], a[1], a[2], a[3], a[4] as i32, a[5] as u64 * 4096) },
    Syscall { nr: nr::SYS_FSTAT64, call: |a, _| file::fstat64(a[0], uptr::UserPtr::new(a[1])) },
    Syscall { nr: nr::SYS_GETUID32, call: |_, _| Ok(0) },
    Syscall { nr: nr::SYS_GETUID, call: |_, _| Ok(0) },
    Syscall { nr: nr::SYS_MADVISE, call: |a, _| memory::madvise(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_GETDENTS64, call: |a, _| file::getdents64(a[0], uptr::UserBuf::new(a[1], a[2])) },
    Syscall { nr: nr::SYS_EXIT_GROUP, call: |a, _| process::exit(a[0] as i32) },
    // TLS slice (issue 10): thread-local storage, glibc's start-up calls, getrandom.
    Syscall { nr: nr::SYS_GETTID, call: |_, _| thread::gettid() },
    Syscall { nr: nr::SYS_SET_THREAD_AREA, call: |a, f| tls::set_thread_area(uptr::UserPtr::new(a[0]), f) },
    Syscall { nr: nr::SYS_GET_THREAD_AREA, call: |a, _| tls::get_thread_area(uptr::UserPtr::new(a[0])) },
    Syscall { nr: nr::SYS_SET_TID_ADDRESS, call: |a, _| thread::set_tid_address(a[0]) },
    Syscall { nr: nr::SYS_SET_ROBUST_LIST, call: |a, _| thread::set_robust_list(a[0], a[1]) },
    Syscall { nr: nr::SYS_GET_ROBUST_LIST, call: |a, _| thread::get_robust_list(a[0] as i32, uptr::UserPtr::new(a[1]), uptr::UserPtr::new(a[2])) },
    Syscall { nr: nr::SYS_GETRANDOM, call: |a, _| random::getrandom(a[0], a[1], a[2]) },
    Syscall { nr: nr::SYS_RSEQ, call: |a, _| thread::rseq(a[0], a[1], a[2], a[3]) },
    // futex slice (issue 10, point 4):
    Syscall { nr: nr::SYS_FUTEX, call: |a, _| futex::futex(a[0], a[1], a[2], a[3], a[4], a[5], futex::TimeLayout::Old32) },
    Syscall { nr: nr::SYS_FUTEX_TIME64, call: |a, _| futex::futex(a[0], a[1], a[2], a[3], a[4], a[5], futex::TimeLayout::Time64) },
];

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
    let entry = TABLE.iter().find(|s| s.nr == number);
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
    }
}
