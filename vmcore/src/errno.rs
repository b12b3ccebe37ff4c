//! Linux i386 error numbers: what a failed system call returns in EAX, negated.
//!
//! Every operation in this crate has its own typed error; the system-call layer turns it into an
//! [`Errno`] with `From` and returns [`Errno::as_neg`]. The conversions for this crate's errors
//! live next to the errors' own modules ([`crate::cpio`], [`crate::exec`]); other modules add
//! theirs the same way (`impl From<TheirError> for Errno`).
//!
//! [`Errno`] itself (names, values, glibc's messages) is defined in the `abi` crate, which the
//! user programs share; this module re-exports it.

pub use abi::errno::*;
