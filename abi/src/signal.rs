//! Linux i386 signal numbers and names.
//!
//! Signals 1..=31 have names of their own; 32..=64 are the real-time range, named as strace
//! names them (`SIGRTMIN` for 32, `SIGRT_n` for 32 + n).

/// The signal table: invokes `$cb!` with one row per classic signal, in increasing order from
/// 1 to 31 without gaps: `SIGSEGV = 11, "Segmentation fault";` (glibc's `strsignal` text).
#[macro_export]
macro_rules! signal_table {
    ($cb:ident) => {
        $cb! {
            SIGHUP = 1, "Hangup";
            SIGINT = 2, "Interrupt";
            SIGQUIT = 3, "Quit";
            SIGILL = 4, "Illegal instruction";
            SIGTRAP = 5, "Trace/breakpoint trap";
            SIGABRT = 6, "Aborted";
            SIGBUS = 7, "Bus error";
            SIGFPE = 8, "Floating point exception";
            SIGKILL = 9, "Killed";
            SIGUSR1 = 10, "User defined signal 1";
            SIGSEGV = 11, "Segmentation fault";
            SIGUSR2 = 12, "User defined signal 2";
            SIGPIPE = 13, "Broken pipe";
            SIGALRM = 14, "Alarm clock";
            SIGTERM = 15, "Terminated";
            SIGSTKFLT = 16, "Stack fault";
            SIGCHLD = 17, "Child exited";
            SIGCONT = 18, "Continued";
            SIGSTOP = 19, "Stopped (signal)";
            SIGTSTP = 20, "Stopped";
            SIGTTIN = 21, "Stopped (tty input)";
            SIGTTOU = 22, "Stopped (tty output)";
            SIGURG = 23, "Urgent I/O condition";
            SIGXCPU = 24, "CPU time limit exceeded";
            SIGXFSZ = 25, "File size limit exceeded";
            SIGVTALRM = 26, "Virtual timer expired";
            SIGPROF = 27, "Profiling timer expired";
            SIGWINCH = 28, "Window changed";
            SIGIO = 29, "I/O possible";
            SIGPWR = 30, "Power failure";
            SIGSYS = 31, "Bad system call";
        }
    };
}

/// The first real-time signal (the kernel's; glibc reserves 32 and 33 for itself).
pub const SIGRTMIN: u32 = 32;
/// The last real-time signal: the highest signal number there is (`_NSIG`).
pub const SIGRTMAX: u32 = 64;

/// Names of signals 33..=64.
const RT_NAMES: [&str; (SIGRTMAX - SIGRTMIN) as usize] = [
    "SIGRT_1", "SIGRT_2", "SIGRT_3", "SIGRT_4", "SIGRT_5", "SIGRT_6", "SIGRT_7", "SIGRT_8",
    "SIGRT_9", "SIGRT_10", "SIGRT_11", "SIGRT_12", "SIGRT_13", "SIGRT_14", "SIGRT_15",
    "SIGRT_16", "SIGRT_17", "SIGRT_18", "SIGRT_19", "SIGRT_20", "SIGRT_21", "SIGRT_22",
    "SIGRT_23", "SIGRT_24", "SIGRT_25", "SIGRT_26", "SIGRT_27", "SIGRT_28", "SIGRT_29",
    "SIGRT_30", "SIGRT_31", "SIGRT_32",
];

macro_rules! numbers {
    ($($name:ident = $nr:literal, $text:literal;)*) => {
        $(
            #[doc = concat!($text, ".")]
            pub const $name: u32 = $nr;
        )*

        /// The name of signal `sig` (`"SIGSEGV"` for 11, `"SIGRT_2"` for 34), `None` outside
        /// 1..=64.
        pub const fn name(sig: u32) -> Option<&'static str> {
            match sig {
                $($nr => Some(stringify!($name)),)*
                SIGRTMIN => Some("SIGRTMIN"),
                33..=SIGRTMAX => Some(RT_NAMES[(sig - SIGRTMIN - 1) as usize]),
                _ => None,
            }
        }
    };
}

signal_table!(numbers);

// --- si_code values of SIGFPE (asm-generic/siginfo.h), added with the FPU state. ---

/// SIGFPE: integer divide by zero (#DE).
pub const FPE_INTDIV: i32 = 1;
/// SIGFPE: integer overflow.
pub const FPE_INTOVF: i32 = 2;
/// SIGFPE: floating-point divide by zero.
pub const FPE_FLTDIV: i32 = 3;
/// SIGFPE: floating-point overflow.
pub const FPE_FLTOVF: i32 = 4;
/// SIGFPE: floating-point underflow (or a denormal operand).
pub const FPE_FLTUND: i32 = 5;
/// SIGFPE: floating-point inexact result.
pub const FPE_FLTRES: i32 = 6;
/// SIGFPE: invalid floating-point operation (includes x87 stack faults).
pub const FPE_FLTINV: i32 = 7;
/// SIGFPE: subscript out of range.
pub const FPE_FLTSUB: i32 = 8;

// --- Dispositions, sigaction flags, si_code values, sigaltstack flags (asm-generic/signal.h,
// signal-defs.h, siginfo.h; the i386 values), added with signal handlers. ---

/// `sa_handler`: the default action.
pub const SIG_DFL: u32 = 0;
/// `sa_handler`: ignore the signal.
pub const SIG_IGN: u32 = 1;

/// `sa_flags`: no SIGCHLD when a child stops or continues.
pub const SA_NOCLDSTOP: u32 = 0x0000_0001;
/// `sa_flags`: children do not become zombies.
pub const SA_NOCLDWAIT: u32 = 0x0000_0002;
/// `sa_flags`: three-argument handler with siginfo and ucontext.
pub const SA_SIGINFO: u32 = 0x0000_0004;
/// `sa_flags`: `sa_restorer` is valid.
pub const SA_RESTORER: u32 = 0x0400_0000;
/// `sa_flags`: run on the alternate stack.
pub const SA_ONSTACK: u32 = 0x0800_0000;
/// `sa_flags`: restart interrupted system calls.
pub const SA_RESTART: u32 = 0x1000_0000;
/// `sa_flags`: do not block the signal in its own handler.
pub const SA_NODEFER: u32 = 0x4000_0000;
/// `sa_flags`: reset to SIG_DFL on delivery.
pub const SA_RESETHAND: u32 = 0x8000_0000;

/// `si_code`: sent by `kill`.
pub const SI_USER: i32 = 0;
/// `si_code`: sent by the kernel.
pub const SI_KERNEL: i32 = 0x80;
/// `si_code`: sent by `sigqueue`/`rt_sigqueueinfo`.
pub const SI_QUEUE: i32 = -1;
/// `si_code`: sent by `tkill`/`tgkill`.
pub const SI_TKILL: i32 = -6;
/// SIGSEGV: no mapping at the address.
pub const SEGV_MAPERR: i32 = 1;
/// SIGSEGV: the mapping forbids the access.
pub const SEGV_ACCERR: i32 = 2;
/// SIGBUS: misaligned access.
pub const BUS_ADRALN: i32 = 1;
/// SIGBUS: nonexistent physical address (past the end of a file).
pub const BUS_ADRERR: i32 = 2;
/// SIGILL: illegal opcode.
pub const ILL_ILLOPN: i32 = 2;
/// SIGTRAP: process breakpoint.
pub const TRAP_BRKPT: i32 = 1;
/// SIGTRAP: process trace trap (#DB).
pub const TRAP_TRACE: i32 = 2;
/// SIGCHLD: the child exited.
pub const CLD_EXITED: i32 = 1;
/// SIGCHLD: the child was killed.
pub const CLD_KILLED: i32 = 2;
/// SIGCHLD: the child was killed and dumped core.
pub const CLD_DUMPED: i32 = 3;
/// SIGCHLD: the child stopped.
pub const CLD_STOPPED: i32 = 5;
/// SIGCHLD: the child continued.
pub const CLD_CONTINUED: i32 = 6;

/// `ss_flags`: the alternate stack is in use.
pub const SS_ONSTACK: u32 = 1;
/// `ss_flags`: the alternate stack is disabled.
pub const SS_DISABLE: u32 = 2;
/// `ss_flags`: disarm the alternate stack while a handler runs on it.
pub const SS_AUTODISARM: u32 = 1 << 31;
/// Smallest alternate stack (i386 `MINSIGSTKSZ`).
pub const MINSIGSTKSZ: u32 = 2048;

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    #[test]
    fn every_signal_has_a_name() {
        assert_eq!(name(0), None);
        assert_eq!(name(SIGSEGV), Some("SIGSEGV"));
        assert_eq!(name(SIGSYS), Some("SIGSYS"));
        assert_eq!(name(32), Some("SIGRTMIN"));
        assert_eq!(name(34), Some("SIGRT_2"));
        assert_eq!(name(64), Some("SIGRT_32"));
        assert_eq!(name(65), None);
        for sig in 1..SIGRTMIN {
            assert!(name(sig).is_some_and(|n| n.starts_with("SIG") && !n.starts_with("SIGRT")), "{sig}");
        }
        for sig in SIGRTMIN + 1..=SIGRTMAX {
            assert_eq!(name(sig), Some(format!("SIGRT_{}", sig - SIGRTMIN).as_str()));
        }
    }
}
