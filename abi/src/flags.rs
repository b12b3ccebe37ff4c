//! Flag and constant values of the i386 system-call ABI (`PROT_*`, `MAP_*`, `O_*`, `SEEK_*`,
//! wait options, `MREMAP_*`, `MCL_*`, `MADV_*`, `SIG_BLOCK`..., `CLOCK_*`, the `reboot` magic
//! numbers and commands) and the auxiliary-vector types (`AT_*`), with their names.
//!
//! Each family is one block of [`flag_table!`], which this module turns into a `u32`
//! constant per row and a name table per block (`PROT_NAMES`: `(value, "NAME")` pairs in
//! strace's printing order, multi-bit values before their parts) for the kernel's strace
//! formatter. The user runtime builds its `usize` constants from the same rows.
//!
//! A few values are not names strace prints and stand outside the table: masks ([`MAP_TYPE`])
//! and other spellings of a value ([`WUNTRACED`]).

/// A name table: `(value or mask, name)` pairs in printing order.
pub type Xlat = &'static [(u32, &'static str)];

/// The flag table: invokes `$cb!` with one block per family, each a name (the name table's)
/// after its doc comment, then one row per value in strace's printing order:
///
/// ```text
/// /// `PROT_*` bits (`mmap2`, `mprotect`).
/// PROT_NAMES {
///     PROT_READ = 0x1;
///     PROT_GROWSDOWN = 0x0100_0000, "`mprotect` extends the change down to a growsdown area";
/// }
/// ```
///
/// A row is the constant's name, its value and optionally a description. A zero in a bit
/// family is never printed as a bit (strace prints the family's zero word instead).
///
/// Adding a value is one row here; this module then has its constant and its name, and the
/// user runtime its `usize` constant.
#[macro_export]
macro_rules! flag_table {
    ($cb:ident) => {
        $cb! {
            /// `PROT_*` bits (`mmap2`, `mprotect`).
            PROT_NAMES {
                PROT_NONE = 0;
                PROT_READ = 0x1;
                PROT_WRITE = 0x2;
                PROT_EXEC = 0x4;
                PROT_SEM = 0x8;
                PROT_GROWSDOWN = 0x0100_0000,
                    "`mprotect` extends the change down to the start of a growsdown area";
                PROT_GROWSUP = 0x0200_0000;
            }

            /// `MAP_*` mapping types (`flags & MAP_TYPE`).
            MAP_TYPE_NAMES {
                MAP_SHARED = 0x1;
                MAP_PRIVATE = 0x2;
                MAP_SHARED_VALIDATE = 0x3, "shared, and unknown flags are an error";
            }

            /// `MAP_*` bits other than the type.
            MAP_NAMES {
                MAP_FIXED = 0x10;
                MAP_ANONYMOUS = 0x20;
                MAP_32BIT = 0x40, "x86-64 only";
                MAP_GROWSDOWN = 0x100;
                MAP_DENYWRITE = 0x800, "ignored by Linux";
                MAP_EXECUTABLE = 0x1000, "ignored by Linux";
                MAP_LOCKED = 0x2000;
                MAP_NORESERVE = 0x4000;
                MAP_POPULATE = 0x8000;
                MAP_NONBLOCK = 0x1_0000;
                MAP_STACK = 0x2_0000;
                MAP_HUGETLB = 0x4_0000;
                MAP_SYNC = 0x8_0000;
                MAP_FIXED_NOREPLACE = 0x10_0000;
                MAP_UNINITIALIZED = 0x400_0000;
            }

            /// `open` access modes (`flags & O_ACCMODE`).
            O_ACCMODE_NAMES {
                O_RDONLY = 0;
                O_WRONLY = 1;
                O_RDWR = 2;
                O_ACCMODE = 3, "mask of the access mode";
            }

            /// `O_*` bits other than the access mode; multi-bit values come before their parts.
            O_NAMES {
                O_CREAT = 0x40;
                O_EXCL = 0x80;
                O_NOCTTY = 0x100;
                O_TRUNC = 0x200;
                O_APPEND = 0x400;
                O_NONBLOCK = 0x800;
                O_SYNC = 0x10_1000, "includes `O_DSYNC`";
                O_DSYNC = 0x1000;
                O_ASYNC = 0x2000;
                O_DIRECT = 0x4000;
                O_LARGEFILE = 0x8000, "glibc's `open64` sets it on i386";
                O_TMPFILE = 0x41_0000, "includes `O_DIRECTORY`";
                O_DIRECTORY = 0x1_0000;
                O_NOFOLLOW = 0x2_0000;
                O_NOATIME = 0x4_0000;
                O_CLOEXEC = 0x8_0000;
                O_PATH = 0x20_0000;
            }

            /// `lseek` whence values.
            SEEK_NAMES {
                SEEK_SET = 0;
                SEEK_CUR = 1;
                SEEK_END = 2;
                SEEK_DATA = 3;
                SEEK_HOLE = 4;
            }

            /// `fcntl`/`fcntl64` commands.
            FCNTL_NAMES {
                F_DUPFD = 0;
                F_GETFD = 1;
                F_SETFD = 2;
                F_GETFL = 3;
                F_SETFL = 4;
                F_GETLK = 5;
                F_SETLK = 6;
                F_SETLKW = 7;
                F_SETOWN = 8;
                F_GETOWN = 9;
                F_SETSIG = 10;
                F_GETSIG = 11;
                F_GETLK64 = 12, "`fcntl64` only";
                F_SETLK64 = 13, "`fcntl64` only";
                F_SETLKW64 = 14, "`fcntl64` only";
                F_SETOWN_EX = 15;
                F_GETOWN_EX = 16;
                F_OFD_GETLK = 36;
                F_OFD_SETLK = 37;
                F_OFD_SETLKW = 38;
                F_SETLEASE = 1024;
                F_GETLEASE = 1025;
                F_NOTIFY = 1026;
                F_DUPFD_CLOEXEC = 1030;
                F_SETPIPE_SZ = 1031;
                F_GETPIPE_SZ = 1032;
                F_ADD_SEALS = 1033;
                F_GET_SEALS = 1034;
            }

            /// `poll` event bits (`struct pollfd`'s `events` and `revents`).
            POLL_NAMES {
                POLLIN = 0x1;
                POLLPRI = 0x2;
                POLLOUT = 0x4;
                POLLERR = 0x8;
                POLLHUP = 0x10;
                POLLNVAL = 0x20;
                POLLRDNORM = 0x40;
                POLLRDBAND = 0x80;
                POLLWRNORM = 0x100;
                POLLWRBAND = 0x200;
                POLLMSG = 0x400;
                POLLRDHUP = 0x2000;
            }

            /// `access` mode bits.
            ACCESS_NAMES {
                F_OK = 0, "the file exists";
                R_OK = 4;
                W_OK = 2;
                X_OK = 1;
            }

            /// `wait4` / `waitpid` option bits.
            WAIT_NAMES {
                WNOHANG = 0x1;
                WSTOPPED = 0x2, "also report stopped children (`WUNTRACED`)";
                WEXITED = 0x4;
                WCONTINUED = 0x8;
                WNOWAIT = 0x0100_0000;
                __WNOTHREAD = 0x2000_0000;
                __WALL = 0x4000_0000;
                __WCLONE = 0x8000_0000;
            }

            /// `clone` flag bits (the low byte, `CSIGNAL`, is the exit signal).
            CLONE_NAMES {
                CLONE_VM = 0x100, "share the address space";
                CLONE_FS = 0x200;
                CLONE_FILES = 0x400, "share the file-descriptor table";
                CLONE_SIGHAND = 0x800, "share the signal dispositions";
                CLONE_PIDFD = 0x1000;
                CLONE_PTRACE = 0x2000;
                CLONE_VFORK = 0x4000, "the parent sleeps until the child execs or exits";
                CLONE_PARENT = 0x8000, "the child is the caller's sibling";
                CLONE_THREAD = 0x1_0000, "same thread group";
                CLONE_NEWNS = 0x2_0000;
                CLONE_SYSVSEM = 0x4_0000;
                CLONE_SETTLS = 0x8_0000, "install a TLS descriptor (`struct user_desc`)";
                CLONE_PARENT_SETTID = 0x10_0000;
                CLONE_CHILD_CLEARTID = 0x20_0000;
                CLONE_DETACHED = 0x40_0000;
                CLONE_UNTRACED = 0x80_0000;
                CLONE_CHILD_SETTID = 0x100_0000;
                CLONE_NEWCGROUP = 0x200_0000;
                CLONE_NEWUTS = 0x400_0000;
                CLONE_NEWIPC = 0x800_0000;
                CLONE_NEWUSER = 0x1000_0000;
                CLONE_NEWPID = 0x2000_0000;
                CLONE_NEWNET = 0x4000_0000;
                CLONE_IO = 0x8000_0000;
            }

            /// `MREMAP_*` bits.
            MREMAP_NAMES {
                MREMAP_MAYMOVE = 1;
                MREMAP_FIXED = 2, "the fifth argument is the new address";
                MREMAP_DONTUNMAP = 4;
            }

            /// `mlockall` bits.
            MCL_NAMES {
                MCL_CURRENT = 1;
                MCL_FUTURE = 2;
                MCL_ONFAULT = 4;
            }

            /// `mlock2` bits.
            MLOCK_NAMES {
                MLOCK_ONFAULT = 1;
            }

            /// `madvise` advice values.
            MADV_NAMES {
                MADV_NORMAL = 0;
                MADV_RANDOM = 1;
                MADV_SEQUENTIAL = 2;
                MADV_WILLNEED = 3;
                MADV_DONTNEED = 4, "drop the pages; private anonymous memory reads back as zero";
                MADV_FREE = 8;
                MADV_REMOVE = 9;
                MADV_DONTFORK = 10;
                MADV_DOFORK = 11;
                MADV_MERGEABLE = 12;
                MADV_UNMERGEABLE = 13;
                MADV_HUGEPAGE = 14;
                MADV_NOHUGEPAGE = 15;
                MADV_DONTDUMP = 16;
                MADV_DODUMP = 17;
                MADV_WIPEONFORK = 18;
                MADV_KEEPONFORK = 19;
                MADV_COLD = 20;
                MADV_PAGEOUT = 21;
                MADV_POPULATE_READ = 22;
                MADV_POPULATE_WRITE = 23;
                MADV_DONTNEED_LOCKED = 24;
                MADV_COLLAPSE = 25;
                MADV_HWPOISON = 100;
                MADV_SOFT_OFFLINE = 101;
            }

            /// `rt_sigprocmask` how values.
            SIGHOW_NAMES {
                SIG_BLOCK = 0;
                SIG_UNBLOCK = 1;
                SIG_SETMASK = 2;
            }

            /// Clock ids.
            CLOCK_NAMES {
                CLOCK_REALTIME = 0;
                CLOCK_MONOTONIC = 1;
                CLOCK_PROCESS_CPUTIME_ID = 2;
                CLOCK_THREAD_CPUTIME_ID = 3;
                CLOCK_MONOTONIC_RAW = 4;
                CLOCK_REALTIME_COARSE = 5;
                CLOCK_MONOTONIC_COARSE = 6;
                CLOCK_BOOTTIME = 7;
            }

            /// `reboot` magic values (first and second argument).
            REBOOT_MAGIC_NAMES {
                LINUX_REBOOT_MAGIC1 = 0xfee1_dead, "the first argument `reboot` requires";
                LINUX_REBOOT_MAGIC2 = 672_274_793, "one of the accepted second arguments";
                LINUX_REBOOT_MAGIC2A = 85_072_278, "one of the accepted second arguments";
                LINUX_REBOOT_MAGIC2B = 369_367_448, "one of the accepted second arguments";
                LINUX_REBOOT_MAGIC2C = 537_993_216, "one of the accepted second arguments";
            }

            /// `reboot` commands.
            REBOOT_CMD_NAMES {
                LINUX_REBOOT_CMD_RESTART = 0x0123_4567;
                LINUX_REBOOT_CMD_HALT = 0xcdef_0123;
                LINUX_REBOOT_CMD_CAD_ON = 0x89ab_cdef;
                LINUX_REBOOT_CMD_CAD_OFF = 0;
                LINUX_REBOOT_CMD_POWER_OFF = 0x4321_fedc;
                LINUX_REBOOT_CMD_RESTART2 = 0xa1b2_c3d4, "the fourth argument is a command string";
                LINUX_REBOOT_CMD_SW_SUSPEND = 0xd000_fce2;
                LINUX_REBOOT_CMD_KEXEC = 0x4558_4543;
            }

            /// Auxiliary-vector types (the initial stack's `(type, value)` pairs).
            AT_NAMES {
                AT_NULL = 0, "end of the auxiliary vector";
                AT_PHDR = 3, "address of the program headers";
                AT_PHENT = 4, "size of one program header";
                AT_PHNUM = 5, "number of program headers";
                AT_PAGESZ = 6, "page size";
                AT_BASE = 7, "load address of the interpreter (0 for a static binary)";
                AT_FLAGS = 8, "flags (0)";
                AT_ENTRY = 9, "entry point of the program";
                AT_UID = 11, "real user id";
                AT_EUID = 12, "effective user id";
                AT_GID = 13, "real group id";
                AT_EGID = 14, "effective group id";
                AT_PLATFORM = 15, "address of the platform string";
                AT_HWCAP = 16, "CPU capability bits (CPUID.1:EDX on i386)";
                AT_CLKTCK = 17, "frequency of `times()` (`sysconf(_SC_CLK_TCK)`)";
                AT_SECURE = 23, "whether the program runs set-uid (secure mode)";
                AT_RANDOM = 25, "address of 16 random bytes";
                AT_HWCAP2 = 26, "more CPU capability bits (x86: ring-3 MWAIT, FSGSBASE; 0 here)";
                AT_EXECFN = 31, "address of the executed file name";
                AT_SYSINFO = 32, "the vsyscall entry point (this kernel provides none)";
            }
        }
    };
}

macro_rules! constants {
    ($(
        $(#[$meta:meta])*
        $table:ident { $($name:ident = $value:literal $(, $doc:literal)?;)* }
    )*) => {
        $(
            $(
                #[doc = concat!("`", stringify!($name), "`" $(, ": ", $doc)?, ".")]
                pub const $name: u32 = $value;
            )*

            $(#[$meta])*
            pub const $table: Xlat = &[$(($name, stringify!($name)),)*];
        )*
    };
}

flag_table!(constants);

/// Mask of the mapping type in `mmap` flags (`MAP_TYPE`).
pub const MAP_TYPE: u32 = 0xf;

/// `WUNTRACED`: the traditional name of [`WSTOPPED`].
pub const WUNTRACED: u32 = WSTOPPED;

/// The exit-signal byte of `clone`'s flags (`CSIGNAL`).
pub const CSIGNAL: u32 = 0xff;
/// `CLONE_NEWTIME`: a new time namespace, a bit inside `CSIGNAL` (so `clone3` only).
pub const CLONE_NEWTIME: u32 = 0x80;
/// `clone3` only (bit 32 of its 64-bit flags): reset the child's handlers to the default.
pub const CLONE_CLEAR_SIGHAND: u64 = 1 << 32;
/// `clone3` only (bit 33): start the child in the cgroup `clone_args.cgroup` names.
pub const CLONE_INTO_CGROUP: u64 = 1 << 33;
/// `sizeof(struct clone_args)` of its first version (`CLONE_ARGS_SIZE_VER0`): `clone3` refuses
/// anything shorter.
pub const CLONE_ARGS_SIZE_VER0: u32 = 64;
/// `sizeof(struct clone_args)` in Linux 6.1 (`CLONE_ARGS_SIZE_VER2`, with `cgroup`).
pub const CLONE_ARGS_SIZE_VER2: u32 = 88;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name table: the values and the names are the constants', and no name repeats.
    const TABLES: &[Xlat] = &[
        PROT_NAMES,
        MAP_TYPE_NAMES,
        MAP_NAMES,
        O_ACCMODE_NAMES,
        O_NAMES,
        SEEK_NAMES,
        FCNTL_NAMES,
        POLL_NAMES,
        ACCESS_NAMES,
        WAIT_NAMES,
        CLONE_NAMES,
        MREMAP_NAMES,
        MCL_NAMES,
        MLOCK_NAMES,
        MADV_NAMES,
        SIGHOW_NAMES,
        CLOCK_NAMES,
        REBOOT_MAGIC_NAMES,
        REBOOT_CMD_NAMES,
        AT_NAMES,
    ];

    #[test]
    fn names_are_unique_within_and_across_tables() {
        let mut all: std::vec::Vec<&str> =
            TABLES.iter().flat_map(|t| t.iter().map(|&(_, n)| n)).collect();
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count);
    }

    #[test]
    fn values_are_linux_i386() {
        assert_eq!((PROT_READ | PROT_WRITE | PROT_EXEC, PROT_GROWSDOWN), (7, 0x0100_0000));
        assert_eq!((MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS), (1, 2, 0x10, 0x20));
        assert_eq!(MAP_NAMES.iter().fold(0, |m, &(v, _)| m | v) & MAP_TYPE, 0);
        assert_eq!(
            (O_CREAT, O_TRUNC, O_DIRECTORY, O_CLOEXEC),
            (0o100, 0o1000, 0o200000, 0o2000000)
        );
        assert_eq!(O_TMPFILE & O_DIRECTORY, O_DIRECTORY);
        assert_eq!(O_SYNC & O_DSYNC, O_DSYNC);
        assert_eq!((WNOHANG, WUNTRACED, WCONTINUED, __WALL), (1, 2, 8, 0x4000_0000));
        assert_eq!((SEEK_SET, SEEK_CUR, SEEK_END), (0, 1, 2));
        assert_eq!((MADV_DONTNEED, MADV_HWPOISON), (4, 100));
        assert_eq!(LINUX_REBOOT_MAGIC2, 0x2812_1969);
        assert_eq!((AT_NULL, AT_PAGESZ, AT_RANDOM, AT_EXECFN), (0, 6, 25, 31));
    }

    #[test]
    fn multi_bit_values_come_before_their_parts() {
        // A bit table prints the first entry whose bits are all set and clears them, so an
        // entry must not be a superset of an earlier one.
        let bits =
            [PROT_NAMES, MAP_NAMES, O_NAMES, ACCESS_NAMES, WAIT_NAMES, MREMAP_NAMES, MCL_NAMES];
        for table in bits {
            for (i, &(later, name)) in table.iter().enumerate() {
                for &(earlier, _) in &table[..i] {
                    assert!(earlier == 0 || later & earlier != earlier, "{name}");
                }
            }
        }
    }
}

/// `F_GETFD`/`F_SETFD`: the descriptor's close-on-exec flag.
pub const FD_CLOEXEC: u32 = 1;

/// `ioctl` requests every open file answers (Linux's `do_vfs_ioctl`): close-on-exec off and
/// on, non-blocking and asynchronous mode from an `int` flag.
pub const FIONCLEX: u32 = 0x5450;
/// See [`FIONCLEX`].
pub const FIOCLEX: u32 = 0x5451;
/// See [`FIONCLEX`].
pub const FIONBIO: u32 = 0x5421;
/// See [`FIONCLEX`].
pub const FIOASYNC: u32 = 0x5452;

/// `openat` and the other `*at` calls: the directory argument that means "the working
/// directory".
pub const AT_FDCWD: i32 = -100;

/// `ioctl`: the bytes waiting to be read (an `int`), for pipes and terminals.
pub const FIONREAD: u32 = 0x541B;
/// `*at` flags: do not follow a final symlink (`fstatat`, `fchownat`, `utimensat`...).
pub const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
/// `unlinkat`: remove a directory.
pub const AT_REMOVEDIR: u32 = 0x200;
/// `faccessat2`: check with the effective ids.
pub const AT_EACCESS: u32 = 0x200;
/// `linkat`: follow a final symlink.
pub const AT_SYMLINK_FOLLOW: u32 = 0x400;
/// `fstatat`, `statx`: do not trigger an automount.
pub const AT_NO_AUTOMOUNT: u32 = 0x800;
/// An empty path names the `dirfd` itself.
pub const AT_EMPTY_PATH: u32 = 0x1000;
/// `statx`: the synchronisation bits (`AT_STATX_SYNC_TYPE`).
pub const AT_STATX_SYNC_TYPE: u32 = 0x6000;
/// `utimensat`: set to now.
pub const UTIME_NOW: u32 = (1 << 30) - 1;
/// `utimensat`: leave unchanged.
pub const UTIME_OMIT: u32 = (1 << 30) - 2;

/// Socket address families: the only one with sockets here (`socketpair`), also `AF_LOCAL`.
pub const AF_UNIX: u32 = 1;
/// Families `socket` knows the numbers of (Linux's `NPROTO`, `AF_MAX` in 6.1).
pub const NPROTO: u32 = 46;
/// Socket types (the low bits of `socket`'s `type`, `SOCK_TYPE_MASK`).
pub const SOCK_STREAM: u32 = 1;
/// See [`SOCK_STREAM`].
pub const SOCK_DGRAM: u32 = 2;
/// See [`SOCK_STREAM`]: AF_UNIX makes it a `SOCK_DGRAM`.
pub const SOCK_RAW: u32 = 3;
/// See [`SOCK_STREAM`].
pub const SOCK_SEQPACKET: u32 = 5;
/// Types at or past this are `EINVAL` (`SOCK_MAX`).
pub const SOCK_MAX: u32 = 11;
/// The type bits of `type`.
pub const SOCK_TYPE_MASK: u32 = 0xf;
/// `type` flags: `O_NONBLOCK` and `O_CLOEXEC` on i386.
pub const SOCK_NONBLOCK: u32 = 0o4000;
/// See [`SOCK_NONBLOCK`].
pub const SOCK_CLOEXEC: u32 = 0o2000000;
/// `send`/`recv` flags: out-of-band data (none on AF_UNIX).
pub const MSG_OOB: u32 = 1;
/// See [`MSG_OOB`]: look without taking (not supported here).
pub const MSG_PEEK: u32 = 2;
/// See [`MSG_OOB`]: this call does not block.
pub const MSG_DONTWAIT: u32 = 0x40;
/// See [`MSG_OOB`]: no `SIGPIPE` with `EPIPE`.
pub const MSG_NOSIGNAL: u32 = 0x4000;
/// `shutdown`'s `how`.
pub const SHUT_RD: u32 = 0;
/// See [`SHUT_RD`].
pub const SHUT_WR: u32 = 1;
/// See [`SHUT_RD`].
pub const SHUT_RDWR: u32 = 2;
