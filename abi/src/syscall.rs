//! System-call numbers (`arch/x86/entry/syscalls/syscall_32.tbl`) and names.
//!
//! A system call is `int 0x80` with the number in EAX and up to six arguments in EBX, ECX,
//! EDX, ESI, EDI, EBP; the result comes back in EAX, `-errno` on failure.
//!
//! The table lists the calls the kernel implements, the ones static i386 programs (glibc,
//! musl, busybox) make at start-up, and the ones the user programs make; which ones are
//! implemented is the kernel dispatcher's business.

/// The system-call table: invokes `$cb!` with one row per call, in increasing number order:
///
/// ```text
/// SYS_MMAP2 = 192, "mmap2", [Ptr, UInt, Prot, MapFlags, Int, PageOffset], Hex;
/// ```
///
/// constant name, number, name, then how strace prints each argument and the result. The
/// bracketed words are the variants of `vmcore::syscall_abi`'s `Arg` and `Ret` (that crate
/// builds its formatter from this same table); everyone else ignores them.
///
/// Adding a call is one row here; this module then has its `SYS_*` constant and name.
#[macro_export]
macro_rules! syscall_table {
    ($cb:ident) => {
        $cb! {
            SYS_RESTART_SYSCALL = 0, "restart_syscall", [], Int;
            SYS_EXIT = 1, "exit", [Int], NoReturn;
            SYS_FORK = 2, "fork", [], Int;
            SYS_READ = 3, "read", [Int, Ptr, UInt], Int;
            SYS_WRITE = 4, "write", [Int, Ptr, UInt], Int;
            SYS_OPEN = 5, "open", [Path, OpenFlags, Mode], Int;
            SYS_CLOSE = 6, "close", [Int], Int;
            SYS_WAITPID = 7, "waitpid", [Int, Ptr, WaitOptions], Int;
            SYS_CREAT = 8, "creat", [Path, Mode], Int;
            SYS_LINK = 9, "link", [Path, Path], Int;
            SYS_UNLINK = 10, "unlink", [Path], Int;
            SYS_EXECVE = 11, "execve", [Path, Ptr, Ptr], Int;
            SYS_CHDIR = 12, "chdir", [Path], Int;
            SYS_TIME = 13, "time", [Ptr], Int;
            SYS_MKNOD = 14, "mknod", [Path, Mode, Hex], Int;
            SYS_CHMOD = 15, "chmod", [Path, Mode], Int;
            SYS_LCHOWN = 16, "lchown", [Path, Int, Int], Int;
            SYS_LSEEK = 19, "lseek", [Int, Int, Whence], Int;
            SYS_GETPID = 20, "getpid", [], Int;
            SYS_MOUNT = 21, "mount", [Path, Path, Path, Hex, Ptr], Int;
            SYS_UMOUNT = 22, "umount", [Path], Int;
            SYS_SETUID = 23, "setuid", [Int], Int;
            SYS_GETUID = 24, "getuid", [], Int;
            SYS_ALARM = 27, "alarm", [UInt], Int;
            SYS_PAUSE = 29, "pause", [], Int;
            SYS_UTIME = 30, "utime", [Path, Ptr], Int;
            SYS_ACCESS = 33, "access", [Path, AccessMode], Int;
            SYS_SYNC = 36, "sync", [], Int;
            SYS_KILL = 37, "kill", [Int, Signal], Int;
            SYS_RENAME = 38, "rename", [Path, Path], Int;
            SYS_MKDIR = 39, "mkdir", [Path, Mode], Int;
            SYS_RMDIR = 40, "rmdir", [Path], Int;
            SYS_DUP = 41, "dup", [Int], Int;
            SYS_PIPE = 42, "pipe", [Ptr], Int;
            SYS_TIMES = 43, "times", [Ptr], Int;
            SYS_BRK = 45, "brk", [Ptr], Hex;
            SYS_SETGID = 46, "setgid", [Int], Int;
            SYS_GETGID = 47, "getgid", [], Int;
            SYS_SIGNAL = 48, "signal", [Signal, Ptr], Hex;
            SYS_GETEUID = 49, "geteuid", [], Int;
            SYS_GETEGID = 50, "getegid", [], Int;
            SYS_UMOUNT2 = 52, "umount2", [Path, Hex], Int;
            SYS_IOCTL = 54, "ioctl", [Int, Hex, Hex], Int;
            SYS_FCNTL = 55, "fcntl", [Int, Int, Hex], Int;
            SYS_SETPGID = 57, "setpgid", [Int, Int], Int;
            SYS_UMASK = 60, "umask", [Mode], Int;
            SYS_DUP2 = 63, "dup2", [Int, Int], Int;
            SYS_GETPPID = 64, "getppid", [], Int;
            SYS_GETPGRP = 65, "getpgrp", [], Int;
            SYS_SETSID = 66, "setsid", [], Int;
            SYS_SIGACTION = 67, "sigaction", [Signal, Ptr, Ptr], Int;
            SYS_SETREUID = 70, "setreuid", [Int, Int], Int;
            SYS_SETREGID = 71, "setregid", [Int, Int], Int;
            SYS_SIGSUSPEND = 72, "sigsuspend", [Int, Int, Hex], Int;
            SYS_SETHOSTNAME = 74, "sethostname", [Ptr, UInt], Int;
            SYS_SETRLIMIT = 75, "setrlimit", [Int, Ptr], Int;
            SYS_GETRLIMIT = 76, "getrlimit", [Int, Ptr], Int;
            SYS_GETRUSAGE = 77, "getrusage", [Int, Ptr], Int;
            SYS_GETTIMEOFDAY = 78, "gettimeofday", [Ptr, Ptr], Int;
            SYS_SETTIMEOFDAY = 79, "settimeofday", [Ptr, Ptr], Int;
            SYS_GETGROUPS = 80, "getgroups", [Int, Ptr], Int;
            SYS_SETGROUPS = 81, "setgroups", [Int, Ptr], Int;
            SYS_SYMLINK = 83, "symlink", [Path, Path], Int;
            SYS_READLINK = 85, "readlink", [Path, Ptr, UInt], Int;
            SYS_REBOOT = 88, "reboot", [RebootMagic, RebootMagic, RebootCmd, Path], Int;
            SYS_MMAP = 90, "mmap", [Ptr], Hex;
            SYS_MUNMAP = 91, "munmap", [Ptr, UInt], Int;
            SYS_TRUNCATE = 92, "truncate", [Path, Int], Int;
            SYS_FTRUNCATE = 93, "ftruncate", [Int, Int], Int;
            SYS_FCHMOD = 94, "fchmod", [Int, Mode], Int;
            SYS_FCHOWN = 95, "fchown", [Int, Int, Int], Int;
            SYS_SOCKETCALL = 102, "socketcall", [Int, Ptr], Int;
            SYS_SETITIMER = 104, "setitimer", [Int, Ptr, Ptr], Int;
            SYS_GETITIMER = 105, "getitimer", [Int, Ptr], Int;
            SYS_WAIT4 = 114, "wait4", [Int, Ptr, WaitOptions, Ptr], Int;
            SYS_SYSINFO = 116, "sysinfo", [Ptr], Int;
            SYS_FSYNC = 118, "fsync", [Int], Int;
            SYS_SIGRETURN = 119, "sigreturn", [], Int;
            SYS_CLONE = 120, "clone", [Hex, Ptr, Ptr, Ptr, Ptr], Int;
            SYS_SETDOMAINNAME = 121, "setdomainname", [Ptr, UInt], Int;
            SYS_UNAME = 122, "uname", [Ptr], Int;
            SYS_MPROTECT = 125, "mprotect", [Ptr, UInt, Prot], Int;
            SYS_SIGPROCMASK = 126, "sigprocmask", [SigHow, Ptr, Ptr], Int;
            SYS_GETPGID = 132, "getpgid", [Int], Int;
            SYS_FCHDIR = 133, "fchdir", [Int], Int;
            SYS_PERSONALITY = 136, "personality", [Hex], Hex;
            SYS_SETFSUID = 138, "setfsuid", [Int], Int;
            SYS_SETFSGID = 139, "setfsgid", [Int], Int;
            SYS_LLSEEK = 140, "_llseek", [Int, UInt, UInt, Ptr, Whence], Int;
            SYS_GETDENTS = 141, "getdents", [Int, Ptr, UInt], Int;
            SYS_NEWSELECT = 142, "_newselect", [Int, Ptr, Ptr, Ptr, Ptr], Int;
            SYS_MSYNC = 144, "msync", [Ptr, UInt, Hex], Int;
            SYS_READV = 145, "readv", [Int, Ptr, UInt], Int;
            SYS_WRITEV = 146, "writev", [Int, Ptr, UInt], Int;
            SYS_GETSID = 147, "getsid", [Int], Int;
            SYS_FDATASYNC = 148, "fdatasync", [Int], Int;
            SYS_MLOCK = 150, "mlock", [Ptr, UInt], Int;
            SYS_MUNLOCK = 151, "munlock", [Ptr, UInt], Int;
            SYS_MLOCKALL = 152, "mlockall", [MclFlags], Int;
            SYS_MUNLOCKALL = 153, "munlockall", [], Int;
            SYS_SCHED_YIELD = 158, "sched_yield", [], Int;
            SYS_NANOSLEEP = 162, "nanosleep", [Ptr, Ptr], Int;
            SYS_MREMAP = 163, "mremap", [Ptr, UInt, UInt, MremapFlags, Ptr], Hex;
            SYS_SETRESUID = 164, "setresuid", [Int, Int, Int], Int;
            SYS_GETRESUID = 165, "getresuid", [Ptr, Ptr, Ptr], Int;
            SYS_POLL = 168, "poll", [Ptr, UInt, Int], Int;
            SYS_SETRESGID = 170, "setresgid", [Int, Int, Int], Int;
            SYS_GETRESGID = 171, "getresgid", [Ptr, Ptr, Ptr], Int;
            SYS_PRCTL = 172, "prctl", [Int, Hex, Hex, Hex, Hex], Int;
            SYS_RT_SIGRETURN = 173, "rt_sigreturn", [], Int;
            SYS_RT_SIGACTION = 174, "rt_sigaction", [Signal, Ptr, Ptr, UInt], Int;
            SYS_RT_SIGPROCMASK = 175, "rt_sigprocmask", [SigHow, Ptr, Ptr, UInt], Int;
            SYS_RT_SIGPENDING = 176, "rt_sigpending", [Ptr, UInt], Int;
            SYS_RT_SIGTIMEDWAIT = 177, "rt_sigtimedwait", [Ptr, Ptr, Ptr, UInt], Int;
            SYS_RT_SIGQUEUEINFO = 178, "rt_sigqueueinfo", [Int, Signal, Ptr], Int;
            SYS_RT_SIGSUSPEND = 179, "rt_sigsuspend", [Ptr, UInt], Int;
            SYS_PREAD64 = 180, "pread64", [Int, Ptr, UInt, UInt, UInt], Int;
            SYS_PWRITE64 = 181, "pwrite64", [Int, Ptr, UInt, UInt, UInt], Int;
            SYS_CHOWN = 182, "chown", [Path, Int, Int], Int;
            SYS_GETCWD = 183, "getcwd", [Ptr, UInt], Int;
            SYS_CAPGET = 184, "capget", [Ptr, Ptr], Int;
            SYS_CAPSET = 185, "capset", [Ptr, Ptr], Int;
            SYS_SIGALTSTACK = 186, "sigaltstack", [Ptr, Ptr], Int;
            SYS_SENDFILE = 187, "sendfile", [Int, Int, Ptr, UInt], Int;
            SYS_VFORK = 190, "vfork", [], Int;
            SYS_UGETRLIMIT = 191, "ugetrlimit", [Int, Ptr], Int;
            SYS_MMAP2 = 192, "mmap2", [Ptr, UInt, Prot, MapFlags, Int, PageOffset], Hex;
            SYS_TRUNCATE64 = 193, "truncate64", [Path, UInt, UInt], Int;
            SYS_FTRUNCATE64 = 194, "ftruncate64", [Int, UInt, UInt], Int;
            SYS_STAT64 = 195, "stat64", [Path, Ptr], Int;
            SYS_LSTAT64 = 196, "lstat64", [Path, Ptr], Int;
            SYS_FSTAT64 = 197, "fstat64", [Int, Ptr], Int;
            SYS_LCHOWN32 = 198, "lchown32", [Path, Int, Int], Int;
            SYS_GETUID32 = 199, "getuid32", [], Int;
            SYS_GETGID32 = 200, "getgid32", [], Int;
            SYS_GETEUID32 = 201, "geteuid32", [], Int;
            SYS_GETEGID32 = 202, "getegid32", [], Int;
            SYS_SETREUID32 = 203, "setreuid32", [Int, Int], Int;
            SYS_SETREGID32 = 204, "setregid32", [Int, Int], Int;
            SYS_GETGROUPS32 = 205, "getgroups32", [Int, Ptr], Int;
            SYS_SETGROUPS32 = 206, "setgroups32", [Int, Ptr], Int;
            SYS_FCHOWN32 = 207, "fchown32", [Int, Int, Int], Int;
            SYS_SETRESUID32 = 208, "setresuid32", [Int, Int, Int], Int;
            SYS_GETRESUID32 = 209, "getresuid32", [Ptr, Ptr, Ptr], Int;
            SYS_SETRESGID32 = 210, "setresgid32", [Int, Int, Int], Int;
            SYS_GETRESGID32 = 211, "getresgid32", [Ptr, Ptr, Ptr], Int;
            SYS_CHOWN32 = 212, "chown32", [Path, Int, Int], Int;
            SYS_SETUID32 = 213, "setuid32", [Int], Int;
            SYS_SETGID32 = 214, "setgid32", [Int], Int;
            SYS_SETFSUID32 = 215, "setfsuid32", [Int], Int;
            SYS_SETFSGID32 = 216, "setfsgid32", [Int], Int;
            SYS_MINCORE = 218, "mincore", [Ptr, UInt, Ptr], Int;
            SYS_MADVISE = 219, "madvise", [Ptr, UInt, Advice], Int;
            SYS_GETDENTS64 = 220, "getdents64", [Int, Ptr, UInt], Int;
            SYS_FCNTL64 = 221, "fcntl64", [Int, Int, Hex], Int;
            SYS_GETTID = 224, "gettid", [], Int;
            SYS_TKILL = 238, "tkill", [Int, Signal], Int;
            SYS_SENDFILE64 = 239, "sendfile64", [Int, Int, Ptr, UInt], Int;
            SYS_FUTEX = 240, "futex", [Ptr, Hex, UInt, Ptr, Ptr, Hex], Int;
            SYS_SET_THREAD_AREA = 243, "set_thread_area", [Ptr], Int;
            SYS_GET_THREAD_AREA = 244, "get_thread_area", [Ptr], Int;
            SYS_EXIT_GROUP = 252, "exit_group", [Int], NoReturn;
            SYS_SET_TID_ADDRESS = 258, "set_tid_address", [Ptr], Int;
            SYS_CLOCK_SETTIME = 264, "clock_settime", [Clock, Ptr], Int;
            SYS_CLOCK_GETTIME = 265, "clock_gettime", [Clock, Ptr], Int;
            SYS_CLOCK_GETRES = 266, "clock_getres", [Clock, Ptr], Int;
            SYS_CLOCK_NANOSLEEP = 267, "clock_nanosleep", [Clock, Hex, Ptr, Ptr], Int;
            SYS_STATFS64 = 268, "statfs64", [Path, UInt, Ptr], Int;
            SYS_FSTATFS64 = 269, "fstatfs64", [Int, UInt, Ptr], Int;
            SYS_TGKILL = 270, "tgkill", [Int, Int, Signal], Int;
            SYS_UTIMES = 271, "utimes", [Path, Ptr], Int;
            SYS_OPENAT = 295, "openat", [Int, Path, OpenFlags, Mode], Int;
            SYS_MKDIRAT = 296, "mkdirat", [Int, Path, Mode], Int;
            SYS_MKNODAT = 297, "mknodat", [Int, Path, Mode, Hex], Int;
            SYS_FCHOWNAT = 298, "fchownat", [Int, Path, Int, Int, Hex], Int;
            SYS_FSTATAT64 = 300, "fstatat64", [Int, Path, Ptr, Hex], Int;
            SYS_UNLINKAT = 301, "unlinkat", [Int, Path, Hex], Int;
            SYS_RENAMEAT = 302, "renameat", [Int, Path, Int, Path], Int;
            SYS_LINKAT = 303, "linkat", [Int, Path, Int, Path, Hex], Int;
            SYS_SYMLINKAT = 304, "symlinkat", [Path, Int, Path], Int;
            SYS_READLINKAT = 305, "readlinkat", [Int, Path, Ptr, UInt], Int;
            SYS_FCHMODAT = 306, "fchmodat", [Int, Path, Mode], Int;
            SYS_FACCESSAT = 307, "faccessat", [Int, Path, AccessMode], Int;
            SYS_PSELECT6 = 308, "pselect6", [Int, Ptr, Ptr, Ptr, Ptr, Ptr], Int;
            SYS_PPOLL = 309, "ppoll", [Ptr, UInt, Ptr, Ptr, UInt], Int;
            SYS_SET_ROBUST_LIST = 311, "set_robust_list", [Ptr, UInt], Int;
            SYS_GET_ROBUST_LIST = 312, "get_robust_list", [Int, Ptr, Ptr], Int;
            SYS_UTIMENSAT = 320, "utimensat", [Int, Path, Ptr, Hex], Int;
            SYS_DUP3 = 330, "dup3", [Int, Int, Hex], Int;
            SYS_PIPE2 = 331, "pipe2", [Ptr, Hex], Int;
            SYS_PRLIMIT64 = 340, "prlimit64", [Int, Int, Ptr, Ptr], Int;
            SYS_SYNCFS = 344, "syncfs", [Int], Int;
            SYS_PROCESS_VM_READV = 347, "process_vm_readv", [Int, Ptr, UInt, Ptr, UInt, Hex], Int;
            SYS_PROCESS_VM_WRITEV = 348, "process_vm_writev", [Int, Ptr, UInt, Ptr, UInt, Hex], Int;
            SYS_RENAMEAT2 = 353, "renameat2", [Int, Path, Int, Path, Hex], Int;
            SYS_GETRANDOM = 355, "getrandom", [Ptr, UInt, Hex], Int;
            SYS_MEMFD_CREATE = 356, "memfd_create", [Path, Hex], Int;
            SYS_SOCKET = 359, "socket", [Int, Hex, Int], Int;
            SYS_SOCKETPAIR = 360, "socketpair", [Int, Hex, Int, Ptr], Int;
            SYS_BIND = 361, "bind", [Int, Ptr, UInt], Int;
            SYS_CONNECT = 362, "connect", [Int, Ptr, UInt], Int;
            SYS_LISTEN = 363, "listen", [Int, Int], Int;
            SYS_ACCEPT4 = 364, "accept4", [Int, Ptr, Ptr, Hex], Int;
            SYS_SENDTO = 369, "sendto", [Int, Ptr, UInt, Hex, Ptr, UInt], Int;
            SYS_RECVFROM = 371, "recvfrom", [Int, Ptr, UInt, Hex, Ptr, Ptr], Int;
            SYS_SHUTDOWN = 373, "shutdown", [Int, Int], Int;
            SYS_MLOCK2 = 376, "mlock2", [Ptr, UInt, Hex], Int;
            SYS_STATX = 383, "statx", [Int, Path, Hex, Hex, Ptr], Int;
            SYS_RSEQ = 386, "rseq", [Ptr, UInt, Hex, Hex], Int;
            SYS_CLOCK_GETTIME64 = 403, "clock_gettime64", [Clock, Ptr], Int;
            SYS_CLOCK_SETTIME64 = 404, "clock_settime64", [Clock, Ptr], Int;
            SYS_CLOCK_GETRES_TIME64 = 406, "clock_getres_time64", [Clock, Ptr], Int;
            SYS_CLOCK_NANOSLEEP_TIME64 = 407, "clock_nanosleep_time64", [Clock, Hex, Ptr, Ptr], Int;
            SYS_UTIMENSAT_TIME64 = 412, "utimensat_time64", [Int, Path, Ptr, Hex], Int;
            SYS_PSELECT6_TIME64 = 413, "pselect6_time64", [Int, Ptr, Ptr, Ptr, Ptr, Ptr], Int;
            SYS_PPOLL_TIME64 = 414, "ppoll_time64", [Ptr, UInt, Ptr, Ptr, UInt], Int;
            SYS_RT_SIGTIMEDWAIT_TIME64 = 421, "rt_sigtimedwait_time64", [Ptr, Ptr, Ptr, UInt], Int;
            SYS_FUTEX_TIME64 = 422, "futex_time64", [Ptr, Hex, UInt, Ptr, Ptr, Hex], Int;
            SYS_CLONE3 = 435, "clone3", [Ptr, UInt], Int;
            SYS_FACCESSAT2 = 439, "faccessat2", [Int, Path, AccessMode, Hex], Int;
        }
    };
}

macro_rules! numbers {
    ($($konst:ident = $nr:literal, $name:literal, [$($arg:ident),*], $ret:ident;)*) => {
        $(
            #[doc = concat!("`", $name, "`.")]
            pub const $konst: u32 = $nr;
        )*

        /// Every known call as `(number, name)`, in increasing number order.
        pub const SYSCALLS: &[(u32, &str)] = &[$(($nr, $name)),*];

        /// The name of call `nr` (`"mmap2"` for 192), `None` if unknown.
        pub const fn name(nr: u32) -> Option<&'static str> {
            match nr {
                $($nr => Some($name),)*
                _ => None,
            }
        }
    };
}

syscall_table!(numbers);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_table() {
        assert_eq!(name(192), Some("mmap2"));
        assert_eq!(name(SYS_EXIT_GROUP), Some("exit_group"));
        assert_eq!(name(SYS_GETUID32), Some("getuid32"));
        assert_eq!(name(0), Some("restart_syscall"));
        assert_eq!(name(9999), None);
        assert!(SYSCALLS.windows(2).all(|w| w[0].0 < w[1].0));
        for &(nr, n) in SYSCALLS {
            assert_eq!(name(nr), Some(n));
        }
        let expected = [
            (1, "exit"),
            (2, "fork"),
            (11, "execve"),
            (45, "brk"),
            (90, "mmap"),
            (91, "munmap"),
            (114, "wait4"),
            (125, "mprotect"),
            (163, "mremap"),
            (197, "fstat64"),
            (218, "mincore"),
            (219, "madvise"),
            (252, "exit_group"),
            (88, "reboot"),
        ];
        for (nr, n) in expected {
            assert_eq!(name(nr), Some(n));
        }
    }
}
