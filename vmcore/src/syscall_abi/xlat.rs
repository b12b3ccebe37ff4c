//! The strace spellings of flag and constant values, and the writers that print them.

use core::fmt;

use super::flags::*;

/// A translation table: `(value or mask, name)` in strace's printing order.
pub(super) type Xlat = &'static [(u32, &'static str)];

/// `PROT_*` bits.
pub(super) const PROT_NAMES: Xlat = &[
    (PROT_READ, "PROT_READ"),
    (PROT_WRITE, "PROT_WRITE"),
    (PROT_EXEC, "PROT_EXEC"),
    (0x8, "PROT_SEM"),
    (PROT_GROWSDOWN, "PROT_GROWSDOWN"),
    (0x0200_0000, "PROT_GROWSUP"),
];

/// `MAP_*` bits other than the type.
pub(super) const MAP_NAMES: Xlat = &[
    (MAP_FIXED, "MAP_FIXED"),
    (MAP_ANONYMOUS, "MAP_ANONYMOUS"),
    (0x40, "MAP_32BIT"),
    (MAP_GROWSDOWN, "MAP_GROWSDOWN"),
    (MAP_DENYWRITE, "MAP_DENYWRITE"),
    (MAP_EXECUTABLE, "MAP_EXECUTABLE"),
    (MAP_LOCKED, "MAP_LOCKED"),
    (MAP_NORESERVE, "MAP_NORESERVE"),
    (MAP_POPULATE, "MAP_POPULATE"),
    (MAP_NONBLOCK, "MAP_NONBLOCK"),
    (MAP_STACK, "MAP_STACK"),
    (MAP_HUGETLB, "MAP_HUGETLB"),
    (0x80000, "MAP_SYNC"),
    (MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"),
    (0x400_0000, "MAP_UNINITIALIZED"),
];

/// `MAP_TYPE` values.
pub(super) const MAP_TYPE_NAMES: Xlat = &[
    (MAP_SHARED, "MAP_SHARED"),
    (MAP_PRIVATE, "MAP_PRIVATE"),
    (MAP_SHARED_VALIDATE, "MAP_SHARED_VALIDATE"),
];

/// Access modes (`flags & O_ACCMODE`).
pub(super) const O_ACCMODE_NAMES: Xlat =
    &[(O_RDONLY, "O_RDONLY"), (O_WRONLY, "O_WRONLY"), (O_RDWR, "O_RDWR"), (O_ACCMODE, "O_ACCMODE")];

/// `O_*` bits other than the access mode; multi-bit values come before their parts.
pub(super) const O_NAMES: Xlat = &[
    (O_CREAT, "O_CREAT"),
    (O_EXCL, "O_EXCL"),
    (O_NOCTTY, "O_NOCTTY"),
    (O_TRUNC, "O_TRUNC"),
    (O_APPEND, "O_APPEND"),
    (O_NONBLOCK, "O_NONBLOCK"),
    (0x10_1000, "O_SYNC"),
    (0x1000, "O_DSYNC"),
    (0x2000, "O_ASYNC"),
    (0x4000, "O_DIRECT"),
    (O_LARGEFILE, "O_LARGEFILE"),
    (O_TMPFILE, "O_TMPFILE"),
    (O_DIRECTORY, "O_DIRECTORY"),
    (O_NOFOLLOW, "O_NOFOLLOW"),
    (0x40000, "O_NOATIME"),
    (O_CLOEXEC, "O_CLOEXEC"),
    (0x20_0000, "O_PATH"),
];

/// `MREMAP_*` bits.
pub(super) const MREMAP_NAMES: Xlat = &[
    (MREMAP_MAYMOVE, "MREMAP_MAYMOVE"),
    (MREMAP_FIXED, "MREMAP_FIXED"),
    (MREMAP_DONTUNMAP, "MREMAP_DONTUNMAP"),
];

/// `MCL_*` bits.
pub(super) const MCL_NAMES: Xlat =
    &[(MCL_CURRENT, "MCL_CURRENT"), (MCL_FUTURE, "MCL_FUTURE"), (MCL_ONFAULT, "MCL_ONFAULT")];

/// `wait4`/`waitpid` option bits.
pub(super) const WAIT_NAMES: Xlat = &[
    (1, "WNOHANG"),
    (2, "WSTOPPED"),
    (4, "WEXITED"),
    (8, "WCONTINUED"),
    (0x0100_0000, "WNOWAIT"),
    (0x2000_0000, "__WNOTHREAD"),
    (0x4000_0000, "__WALL"),
    (0x8000_0000, "__WCLONE"),
];

/// `access` mode bits (0 is `F_OK`).
pub(super) const ACCESS_NAMES: Xlat = &[(4, "R_OK"), (2, "W_OK"), (1, "X_OK")];

/// `madvise` advice values.
pub(super) const MADV_NAMES: Xlat = &[
    (MADV_NORMAL, "MADV_NORMAL"),
    (1, "MADV_RANDOM"),
    (2, "MADV_SEQUENTIAL"),
    (3, "MADV_WILLNEED"),
    (MADV_DONTNEED, "MADV_DONTNEED"),
    (MADV_FREE, "MADV_FREE"),
    (9, "MADV_REMOVE"),
    (MADV_DONTFORK, "MADV_DONTFORK"),
    (MADV_DOFORK, "MADV_DOFORK"),
    (12, "MADV_MERGEABLE"),
    (13, "MADV_UNMERGEABLE"),
    (14, "MADV_HUGEPAGE"),
    (15, "MADV_NOHUGEPAGE"),
    (16, "MADV_DONTDUMP"),
    (17, "MADV_DODUMP"),
    (MADV_WIPEONFORK, "MADV_WIPEONFORK"),
    (MADV_KEEPONFORK, "MADV_KEEPONFORK"),
    (20, "MADV_COLD"),
    (21, "MADV_PAGEOUT"),
    (22, "MADV_POPULATE_READ"),
    (23, "MADV_POPULATE_WRITE"),
    (24, "MADV_DONTNEED_LOCKED"),
    (25, "MADV_COLLAPSE"),
    (100, "MADV_HWPOISON"),
    (101, "MADV_SOFT_OFFLINE"),
];

/// `lseek` whence values.
pub(super) const SEEK_NAMES: Xlat =
    &[(0, "SEEK_SET"), (1, "SEEK_CUR"), (2, "SEEK_END"), (3, "SEEK_DATA"), (4, "SEEK_HOLE")];

/// `rt_sigprocmask` how values.
pub(super) const SIGHOW_NAMES: Xlat = &[(0, "SIG_BLOCK"), (1, "SIG_UNBLOCK"), (2, "SIG_SETMASK")];

/// Clock ids.
pub(super) const CLOCK_NAMES: Xlat = &[
    (0, "CLOCK_REALTIME"),
    (1, "CLOCK_MONOTONIC"),
    (2, "CLOCK_PROCESS_CPUTIME_ID"),
    (3, "CLOCK_THREAD_CPUTIME_ID"),
    (4, "CLOCK_MONOTONIC_RAW"),
    (5, "CLOCK_REALTIME_COARSE"),
    (6, "CLOCK_MONOTONIC_COARSE"),
    (7, "CLOCK_BOOTTIME"),
];

/// `reboot` magic values (first and second argument).
pub(super) const REBOOT_MAGIC_NAMES: Xlat = &[
    (LINUX_REBOOT_MAGIC1, "LINUX_REBOOT_MAGIC1"),
    (LINUX_REBOOT_MAGIC2, "LINUX_REBOOT_MAGIC2"),
    (85_072_278, "LINUX_REBOOT_MAGIC2A"),
    (369_367_448, "LINUX_REBOOT_MAGIC2B"),
    (537_993_216, "LINUX_REBOOT_MAGIC2C"),
];

/// `reboot` commands.
pub(super) const REBOOT_CMD_NAMES: Xlat = &[
    (LINUX_REBOOT_CMD_RESTART, "LINUX_REBOOT_CMD_RESTART"),
    (LINUX_REBOOT_CMD_HALT, "LINUX_REBOOT_CMD_HALT"),
    (0x89ab_cdef, "LINUX_REBOOT_CMD_CAD_ON"),
    (0, "LINUX_REBOOT_CMD_CAD_OFF"),
    (LINUX_REBOOT_CMD_POWER_OFF, "LINUX_REBOOT_CMD_POWER_OFF"),
    (LINUX_REBOOT_CMD_RESTART2, "LINUX_REBOOT_CMD_RESTART2"),
    (0xd000_fce2, "LINUX_REBOOT_CMD_SW_SUSPEND"),
    (0x4558_4543, "LINUX_REBOOT_CMD_KEXEC"),
];

/// The name of `value` in `table`.
pub(super) fn lookup(table: Xlat, value: u32) -> Option<&'static str> {
    table.iter().find(|&&(v, _)| v == value).map(|&(_, name)| name)
}

/// Writes the names of the bits of `value` found in `table`, joined by `|`, then any leftover
/// bits in hex. `prefix` is an already-decoded part (e.g. the access mode) printed first.
pub(super) fn write_bits(
    w: &mut dyn fmt::Write,
    value: u32,
    table: Xlat,
    prefix: Option<&str>,
    zero: &str,
) -> fmt::Result {
    let mut rest = value;
    let mut first = true;
    let mut sep = |w: &mut dyn fmt::Write| -> fmt::Result {
        if !core::mem::take(&mut first) {
            w.write_char('|')?;
        }
        Ok(())
    };
    if let Some(p) = prefix {
        sep(w)?;
        w.write_str(p)?;
    }
    for &(mask, name) in table {
        if mask != 0 && rest & mask == mask {
            sep(w)?;
            w.write_str(name)?;
            rest &= !mask;
        }
    }
    if rest != 0 {
        sep(w)?;
        write!(w, "{rest:#x}")?;
    } else if value == 0 && prefix.is_none() {
        w.write_str(zero)?;
    }
    Ok(())
}

/// Writes the name of `value` in `table`, or `value /* PREFIX_??? */` as strace does.
pub(super) fn write_enum(
    w: &mut dyn fmt::Write,
    value: u32,
    table: Xlat,
    unknown: &str,
) -> fmt::Result {
    match lookup(table, value) {
        Some(name) => w.write_str(name),
        None => write!(w, "{value:#x} /* {unknown} */"),
    }
}

/// Writes a signal number: `SIGTERM`, `SIGRTMIN`, `SIGRT_3`, or the number.
pub(super) fn write_signal(w: &mut dyn fmt::Write, sig: u32) -> fmt::Result {
    match crate::signal::name(sig) {
        Some(name) => w.write_str(name),
        None => write!(w, "{}", sig as i32),
    }
}
