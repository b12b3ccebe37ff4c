//! The Linux i386 system-call ABI as this kernel speaks it: call numbers, names, flag values,
//! and a strace-style formatter for tracing.
//!
//! A system call is `int 0x80` with the number in EAX and up to six arguments in EBX, ECX,
//! EDX, ESI, EDI, EBP; the result comes back in EAX, `-errno` on failure
//! ([`Errno::as_neg`](crate::errno::Errno::as_neg)).
//!
//! The numbers, names and strace signatures live in one table in the `abi` crate
//! (`abi::syscall_table!`), shared with the user programs; this module re-exports the `SYS_*`
//! constants, [`SYSCALLS`] and [`name`], and builds its formatter from the same rows. Which
//! calls are implemented is the dispatcher's business. The flag values and the names the
//! formatter prints them with come the same way, from `abi::flag_table!` ([`flags`]).
//!
//! [`format_syscall`] prints a call like strace: `mmap2(NULL, 4096, PROT_READ|PROT_WRITE,
//! MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x40000000`.

pub mod flags;
mod strace;
mod xlat;

pub use abi::syscall::*;
pub use strace::{format_call, format_result, format_syscall};

use strace::{Arg, Ret};

/// How to print one call: its name, its arguments and its result.
#[derive(Clone, Copy, Debug)]
struct Signature {
    name: &'static str,
    args: &'static [Arg],
    ret: Ret,
}

/// `signature(nr)`: how to print call `nr`, built from the one system-call table.
macro_rules! signatures {
    ($($konst:ident = $nr:literal, $name:literal, [$($arg:ident),*], $ret:ident;)*) => {
        /// How to print call `nr`, `None` if unknown.
        fn signature(nr: u32) -> Option<Signature> {
            match nr {
                $($nr => Some(Signature { name: $name, args: &[$(Arg::$arg),*], ret: Ret::$ret }),)*
                _ => None,
            }
        }
    };
}

abi::syscall_table!(signatures);

#[cfg(test)]
mod tests;
