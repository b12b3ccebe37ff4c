//! The kernel's test cases, one file per area.

mod faults;
mod foundation;
mod fpu;
mod frames;
mod heap;
mod mspace;
mod paging;
mod pipes;
mod protect;
mod redzone;
mod string;
mod time;
mod vmalloc;
