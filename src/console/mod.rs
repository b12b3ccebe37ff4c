//! The serial console: output for logs, reports and tests (input belongs to the terminal,
//! `crate::tty`).

pub mod logger;
pub use crate::arch::serial;

/// Prints to the serial console.
#[macro_export]
macro_rules! kprint {
    ($($arg:tt)*) => { $crate::console::serial::print(format_args!($($arg)*)) };
}

/// Prints a line to the serial console.
#[macro_export]
macro_rules! kprintln {
    () => { $crate::kprint!("\n") };
    ($($arg:tt)*) => { $crate::console::serial::print(format_args!("{}\n", format_args!($($arg)*))) };
}
