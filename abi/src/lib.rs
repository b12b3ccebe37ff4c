//! The Linux i386 system-call ABI as plain numbers and names, defined once.
//!
//! The kernel (through `vmcore`, which re-exports these modules as `vmcore::syscall_abi`,
//! `vmcore::syscall_abi::flags`, `vmcore::errno` and `vmcore::signal`) and the user programs
//! (through `user/rt`) take every system-call number, flag value, errno value and signal number
//! from here, so the two sides cannot disagree.
//!
//! * [`syscall`]: `SYS_*` numbers and names ([`syscall_table!`] holds the table).
//! * [`errno`]: the [`Errno`] enum with names and messages ([`errno_table!`]).
//! * [`signal`]: `SIG*` numbers 1..=31, the real-time range 32..=64, names ([`signal_table!`]).
//! * [`flags`]: `PROT_*`, `MAP_*`, `O_*`, `SEEK_*`, wait options, `MREMAP_*`, `MCL_*`,
//!   `MADV_*`, `SIG_BLOCK`..., `CLOCK_*`, `reboot` magic numbers, `AT_*`, each family with its
//!   name table ([`flag_table!`]).
//! * [`termios`]: the terminal's `struct termios` bits, `c_cc` indices and tty ioctl numbers.
//!
//! Each table is a macro that hands its rows to a macro of the caller's choosing, so a crate
//! that needs the values in another form (user code wants `i32` signals, or `Errno`
//! constants of its own raw type) generates it from the same rows instead of copying them.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(test)]
extern crate std;

pub mod errno;
pub mod flags;
pub mod signal;
pub mod syscall;
pub mod termios;

pub use errno::Errno;
