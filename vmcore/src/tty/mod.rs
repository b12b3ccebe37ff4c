//! The terminal's hardware-free half: `struct termios` ([`termios`]) and Linux's `n_tty`
//! line discipline ([`ldisc`]) — input processing, signal characters, canonical editing, echo,
//! output processing and the read rules — as plain state the kernel's `Tty` drives from the
//! UART's input and the readers' `read` calls.

pub mod flip;
pub mod ldisc;
pub mod termios;

#[cfg(test)]
mod tests;
