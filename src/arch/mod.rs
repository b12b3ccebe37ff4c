//! Everything that touches the x86 CPU directly. Hardware bits are translated into the kernel's
//! own vocabulary here; the rest of the kernel never sees raw register layouts.

pub mod backtrace;
pub mod clock;
pub mod cpu;
pub mod entropy;
pub mod doublefault;
pub mod exception;
pub mod fpu;
pub mod gdt;
pub mod idt;
pub mod pic;
pub mod pit;
pub mod trap;
pub mod stack_guard;
pub mod paging;
pub mod string;
pub mod usercopy;
pub mod useratomic;
pub mod protect;
pub mod rtc;
pub mod serial;
pub mod segment;
