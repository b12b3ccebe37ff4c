//! Hardware-free virtual-memory logic of the kernel.
//!
//! Everything here is plain data and arithmetic: it runs unchanged on the host under
//! `cargo test` and inside the i386 kernel. The kernel crate supplies the machine (page-table
//! access through the recursive windows, physical frames, the CPU's fault information); this crate
//! decides what to do with it.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod addr;
pub mod layout;
pub mod aslr;
pub mod vma;
pub mod tree;
pub mod maps;
pub mod fault;
pub mod bitmap;
pub mod frames;
pub mod pte;
pub mod paging;
pub mod ptshare;
pub mod mspace;
pub mod radix;
pub mod range_alloc;
pub mod flatset;
pub mod btree_room;
pub mod rmap;
pub mod errno;
pub mod cpio;
pub mod exec;
pub mod fpu;
pub mod syscall_abi;
pub mod tls;
pub mod tty;
pub mod time;
pub mod loadavg;
pub mod cmdline;
pub mod coredump;
pub mod redzone;
pub mod oom;
pub mod setid;
pub use abi::signal;
#[cfg(any(test, feature = "sim"))]
pub mod sim;
