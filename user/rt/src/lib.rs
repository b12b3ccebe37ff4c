//! `rt`: a small runtime for static i386 programs that speak the Linux `int 0x80` system-call
//! ABI, so the same ELF runs on Linux and on our kernel.
//!
//! * [`start`]: `_start`, the initial-stack parser and [`entry!`].
//! * [`sys`]: raw `syscall0..6`, typed wrappers returning `Result<_, Errno>`, constants.
//! * [`io`]: `print!`/`println!`/`eprint!`/`eprintln!` through a stack buffer.
//! * [`heap`]: the global allocator (anonymous mmap), so `alloc::vec::Vec` works.
//! * [`fs`]: whole-file reads, stack C strings, the /proc/meminfo parser.
//!
//! A panic prints its message to fd 2 and exits with status 101.
#![no_std]

extern crate alloc;

pub mod errno;
pub mod fs;
pub mod heap;
pub mod io;
pub mod signal;
pub mod start;
pub mod sys;
pub mod thread;
pub mod time;
pub mod tty;

pub use errno::Errno;
/// The ABI's numbers and names as the kernel defines them (`rt::abi::signal::SIGRTMAX` ...).
pub use abi;
pub use start::Args;
pub use sys::rdtsc;

pub mod prelude {
    pub use crate::errno::Errno;
    pub use crate::io::Bytes;
    pub use crate::start::Args;
    pub use crate::sys::{self, Fork};
    pub use crate::{eprint, eprintln, print, println};
    pub use alloc::vec::Vec;
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    crate::io::_print(2, format_args!("panic: {}\n", info));
    sys::exit_group(101)
}

/// Description of a wait status: "exited with status N" or "killed by SIGSEGV".
pub struct WaitStatus(pub i32);

impl core::fmt::Display for WaitStatus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let s = self.0;
        if sys::wifexited(s) {
            write!(f, "exited with status {}", sys::wexitstatus(s))
        } else if sys::wifsignaled(s) {
            let sig = sys::wtermsig(s);
            match sys::signal_name(sig) {
                Some(n) => write!(f, "killed by {}", n)?,
                None => write!(f, "killed by signal {}", sig)?,
            }
            if sys::wcoredump(s) {
                f.write_str(" (core dumped)")?;
            }
            Ok(())
        } else {
            write!(f, "stopped/unknown status {:#x}", s)
        }
    }
}
