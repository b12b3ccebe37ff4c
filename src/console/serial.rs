//! COM1 through the `uart_16550` driver.
//!
//! Output goes through an [`IrqMutex`], so logging from an interrupt handler can never deadlock
//! against the code it interrupted. The panic path takes the port even if it is held
//! ([`panic_writer`]): the holder will never run again.

use crate::sync::IrqMutex;
use core::fmt::{self, Write};
use uart_16550::backend::PioBackend;
use uart_16550::{Config, Uart16550};

const COM1: u16 = 0x3F8;

/// The serial port with newline translation.
pub struct Serial {
    uart: Uart16550<PioBackend>,
}

impl Serial {
    fn write_bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'\n' {
                self.uart.send_bytes_exact(b"\r");
            }
            self.uart.send_bytes_exact(&[b]);
        }
    }

    /// A received byte, if one is waiting.
    pub fn try_read(&mut self) -> Option<u8> {
        self.uart.try_receive_byte().ok()
    }
}

impl Write for Serial {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.write_bytes(s.as_bytes());
        Ok(())
    }
}

static PORT: IrqMutex<Option<Serial>> = IrqMutex::new(None);

/// Initialises COM1 (115200 8N1).
pub fn init() {
    // SAFETY: COM1's eight registers at 0x3F8 belong to this driver for the kernel's lifetime.
    let uart = unsafe { Uart16550::new_port(COM1) };
    let Ok(mut uart) = uart else { return };
    if uart.init(Config::default()).is_err() {
        return; // no serial port: output is dropped
    }
    *PORT.lock() = Some(Serial { uart });
}

/// Writes formatted text to the console.
pub fn print(args: fmt::Arguments<'_>) {
    if let Some(port) = PORT.lock().as_mut() {
        let _ = port.write_fmt(args);
    }
}

/// Writes raw bytes (newlines become CR LF).
pub fn write_bytes(bytes: &[u8]) {
    if let Some(port) = PORT.lock().as_mut() {
        port.write_bytes(bytes);
    }
}

/// A received byte, if one is waiting.
pub fn try_read() -> Option<u8> {
    PORT.lock().as_mut().and_then(Serial::try_read)
}

/// A writer for the panic and oops paths: takes the port even if someone holds it.
pub fn panic_writer() -> PanicWriter {
    if PORT.is_locked() {
        // SAFETY: we are on the way down; whoever held the lock (on this single CPU, the code we
        // interrupted or ourselves) will not use its guard again.
        unsafe { PORT.force_unlock() };
    }
    PanicWriter
}

/// See [`panic_writer`].
pub struct PanicWriter;

impl Write for PanicWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if let Some(port) = PORT.lock().as_mut() {
            port.write_bytes(s.as_bytes());
        }
        Ok(())
    }
}
