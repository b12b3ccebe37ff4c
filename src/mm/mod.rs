//! Memory management: frames, paging, the kernel heap, vmalloc.

pub mod vmalloc;
pub mod usage;
pub mod heap;
pub mod kspace;
