//! strace-style formatting of a system call: `name(arg, ...) = result`.
//!
//! Conventions follow strace's defaults: pointers print as `NULL` or hex, signed arguments in
//! decimal (`-1`), flags decoded (`PROT_READ|PROT_WRITE`, unknown bits as `|0x...`), modes in
//! octal (`0644`), path strings quoted and C-escaped, errors as `-1 EFAULT (Bad address)`, and
//! calls that do not return (`exit`, `exit_group`) as `= ?`. Pointed-to structures and data
//! buffers are not read: they print as addresses.
//!
//! A path is read through the caller's callback, so the kernel must format the call part
//! ([`format_call`]) at system-call entry — after `execve` the old memory is gone — and the
//! result ([`format_result`]) at exit; [`format_syscall`] does both at once.

use alloc::string::String;
use core::fmt::{self, Write};

use super::flags::*;
use super::signature;
use super::xlat::*;
use crate::errno::Errno;

/// How one argument is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Arg {
    /// Signed decimal (file descriptors, pids, offsets).
    Int,
    /// Unsigned decimal (lengths).
    UInt,
    /// Hexadecimal.
    Hex,
    /// `NULL` or hexadecimal.
    Ptr,
    /// A NUL-terminated string read through the callback.
    Path,
    /// `open` flags; the mode argument that follows is printed only with `O_CREAT`/`O_TMPFILE`.
    OpenFlags,
    /// Octal permission bits.
    Mode,
    /// `SEEK_*`.
    Whence,
    /// `access` mode bits.
    AccessMode,
    /// A signal number.
    Signal,
    /// `wait4` options.
    WaitOptions,
    /// `PROT_*`.
    Prot,
    /// `MAP_*`.
    MapFlags,
    /// An `mmap2` offset in pages, printed in bytes.
    PageOffset,
    /// `MREMAP_*`; the new address that follows is printed only with `MREMAP_FIXED`.
    MremapFlags,
    /// `MCL_*`.
    MclFlags,
    /// `MADV_*`.
    Advice,
    /// `SIG_BLOCK` etc.
    SigHow,
    /// `CLOCK_*`.
    Clock,
    /// `LINUX_REBOOT_MAGIC*`.
    RebootMagic,
    /// `LINUX_REBOOT_CMD_*`; the string argument that follows is printed only for `RESTART2`.
    RebootCmd,
}

/// How the result is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ret {
    /// Signed decimal.
    Int,
    /// Hexadecimal (an address).
    Hex,
    /// The call does not return: `?`.
    NoReturn,
}

/// Writes one complete line body: `name(args) = result` (no newline).
pub fn format_syscall(
    w: &mut dyn Write,
    nr: u32,
    args: &[u32; 6],
    result: i32,
    read_str: &mut dyn FnMut(u32) -> Option<String>,
) -> fmt::Result {
    format_call(w, nr, args, read_str)?;
    format_result(w, nr, result)
}

/// Writes `name(args)`; `read_str` fetches the user string at an address (`None` if
/// unreadable, which prints the address). An unknown call prints as `syscall_NNN` with six
/// hex arguments.
pub fn format_call(
    w: &mut dyn Write,
    nr: u32,
    args: &[u32; 6],
    read_str: &mut dyn FnMut(u32) -> Option<String>,
) -> fmt::Result {
    let Some(sig) = signature(nr) else {
        write!(w, "syscall_{nr}(")?;
        for (i, a) in args.iter().enumerate() {
            write!(w, "{}{a:#x}", if i == 0 { "" } else { ", " })?;
        }
        return w.write_char(')');
    };
    let count = shown_args(sig.args, args);
    write!(w, "{}(", sig.name)?;
    for (i, (&kind, &value)) in sig.args.iter().zip(args).take(count).enumerate() {
        if i > 0 {
            w.write_str(", ")?;
        }
        write_arg(w, kind, value, read_str)?;
    }
    w.write_char(')')
}

/// Writes ` = result`: `-1 ENAME (message)` for an error, `?` for a call that does not return.
pub fn format_result(w: &mut dyn Write, nr: u32, result: i32) -> fmt::Result {
    let ret = signature(nr).map_or(Ret::Int, |s| s.ret);
    w.write_str(" = ")?;
    if ret == Ret::NoReturn {
        return w.write_char('?');
    }
    if Errno::is_error_result(result) {
        return match Errno::from_result(result) {
            Some(e) => write!(w, "-1 {e}"),
            None => write!(w, "-1 (errno {})", -result),
        };
    }
    match ret {
        Ret::Hex if result != 0 => write!(w, "{:#x}", result as u32),
        _ => write!(w, "{result}"),
    }
}

/// How many arguments strace shows: the last one is left out when it is optional and the
/// flag argument before it does not ask for it.
fn shown_args(kinds: &[Arg], args: &[u32; 6]) -> usize {
    let n = kinds.len();
    if n < 2 {
        return n;
    }
    let flag = args[n - 2];
    let last_wanted = match kinds[n - 2] {
        Arg::OpenFlags => flag & O_CREAT != 0 || flag & O_TMPFILE == O_TMPFILE,
        Arg::MremapFlags => flag & MREMAP_FIXED != 0,
        Arg::RebootCmd => flag == LINUX_REBOOT_CMD_RESTART2,
        _ => true,
    };
    if last_wanted {
        n
    } else {
        n - 1
    }
}

/// Writes one argument.
fn write_arg(
    w: &mut dyn Write,
    kind: Arg,
    v: u32,
    read_str: &mut dyn FnMut(u32) -> Option<String>,
) -> fmt::Result {
    match kind {
        Arg::Int => write!(w, "{}", v as i32),
        Arg::UInt => write!(w, "{v}"),
        Arg::Hex => write!(w, "{v:#x}"),
        Arg::Ptr if v == 0 => w.write_str("NULL"),
        Arg::Ptr => write!(w, "{v:#x}"),
        Arg::Path if v == 0 => w.write_str("NULL"),
        Arg::Path => match read_str(v) {
            Some(s) => write_quoted(w, s.as_bytes()),
            None => write!(w, "{v:#x}"),
        },
        Arg::OpenFlags => {
            write_bits(w, v & !O_ACCMODE, O_NAMES, lookup(O_ACCMODE_NAMES, v & O_ACCMODE), "0")
        }
        Arg::Mode => write_mode(w, v),
        Arg::Whence => write_enum(w, v, SEEK_NAMES, "SEEK_???"),
        Arg::AccessMode => write_bits(w, v, ACCESS_NAMES, None, "F_OK"),
        Arg::Signal => write_signal(w, v),
        Arg::WaitOptions => write_bits(w, v, WAIT_NAMES, None, "0"),
        Arg::Prot => write_bits(w, v, PROT_NAMES, None, "PROT_NONE"),
        Arg::MapFlags => {
            let ty = lookup(MAP_TYPE_NAMES, v & MAP_TYPE);
            write_bits(w, if ty.is_some() { v & !MAP_TYPE } else { v }, MAP_NAMES, ty, "0")
        }
        Arg::PageOffset => match u64::from(v) << 12 {
            0 => w.write_char('0'),
            bytes => write!(w, "{bytes:#x}"),
        },
        Arg::MremapFlags => write_bits(w, v, MREMAP_NAMES, None, "0"),
        Arg::MclFlags => write_bits(w, v, MCL_NAMES, None, "0"),
        Arg::Advice => write_enum(w, v, MADV_NAMES, "MADV_???"),
        Arg::SigHow => write_enum(w, v, SIGHOW_NAMES, "SIG_???"),
        Arg::Clock => write_enum(w, v, CLOCK_NAMES, "CLOCK_???"),
        Arg::RebootMagic => write_enum(w, v, REBOOT_MAGIC_NAMES, "LINUX_REBOOT_MAGIC_???"),
        Arg::RebootCmd => write_enum(w, v, REBOOT_CMD_NAMES, "LINUX_REBOOT_CMD_???"),
    }
}

/// Writes a mode as strace's `%#03o`: `0644`, `007`, `000`.
fn write_mode(w: &mut dyn Write, v: u32) -> fmt::Result {
    if v == 0 {
        return w.write_str("000");
    }
    let digits = (32 - v.leading_zeros()).div_ceil(3);
    for _ in digits + 1..3 {
        w.write_char('0')?;
    }
    write!(w, "0{v:o}")
}

/// Writes `s` in double quotes with C escapes; other non-printable bytes as octal escapes,
/// three digits when an octal digit follows (as strace).
fn write_quoted(w: &mut dyn Write, s: &[u8]) -> fmt::Result {
    w.write_char('"')?;
    for (i, &b) in s.iter().enumerate() {
        match b {
            b'"' => w.write_str("\\\"")?,
            b'\\' => w.write_str("\\\\")?,
            b'\t' => w.write_str("\\t")?,
            b'\n' => w.write_str("\\n")?,
            0x0b => w.write_str("\\v")?,
            0x0c => w.write_str("\\f")?,
            b'\r' => w.write_str("\\r")?,
            0x20..=0x7e => w.write_char(char::from(b))?,
            _ if s.get(i + 1).is_some_and(|n| (b'0'..=b'7').contains(n)) => write!(w, "\\{b:03o}")?,
            _ => write!(w, "\\{b:o}")?,
        }
    }
    w.write_char('"')
}
