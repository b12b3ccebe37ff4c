//! Flag and constant values of the i386 system-call ABI that the system-call layer decodes,
//! with their strace names (`PROT_NAMES` etc.): the `abi` crate's, defined once there
//! (`abi::flag_table!`) for the kernel and the user programs.

pub use abi::flags::*;
