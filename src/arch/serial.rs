//! COM1 through the `uart_16550` driver: output for the kernel log and the terminal, and the
//! receive interrupt (IRQ 4) that hands input to the terminal through a hook ([`set_rx_hook`]):
//! arch knows the UART, not what its bytes mean.
//!
//! Output goes through an [`IrqMutex`], so logging from an interrupt handler can never deadlock
//! against the code it interrupted. The panic path takes the port even if it is held
//! ([`panic_writer`]): the holder will never run again.

use crate::sync::IrqMutex;
use core::fmt::{self, Write};
use uart_16550::backend::PioBackend;
use spin::Once;
use uart_16550::spec::registers::IER;
use uart_16550::{Config, Uart16550};

const COM1: u16 = 0x3F8;
/// COM1's interrupt line on the PIC.
pub const IRQ: u8 = 4;

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

    /// Writes bytes exactly as given (the terminal did its own output processing).
    fn write_raw(&mut self, bytes: &[u8]) {
        self.uart.send_bytes_exact(bytes);
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

/// Called from the receive interrupt with the bytes just read (interrupt context: it must
/// neither block nor allocate).
static RX_HOOK: Once<fn(&[u8])> = Once::new();

/// Registers what receives input bytes, and turns the receive interrupt on (the caller
/// unmasks [`IRQ`] at the PIC).
pub fn set_rx_hook(hook: fn(&[u8])) {
    RX_HOOK.call_once(|| hook);
    if let Some(port) = PORT.lock().as_mut() {
        port.uart.enable_interrupts(IER::DATA_READY);
    }
}

/// The receive interrupt: drains the UART's FIFO and hands the bytes to the hook.
pub fn interrupt() {
    let mut bytes = [0u8; 64];
    loop {
        let mut n = 0;
        {
            let mut port = PORT.lock();
            let Some(port) = port.as_mut() else { return };
            while n < bytes.len() {
                match port.try_read() {
                    Some(b) => {
                        bytes[n] = b;
                        n += 1;
                    }
                    None => break,
                }
            }
        }
        if n == 0 {
            return;
        }
        if let Some(hook) = RX_HOOK.get() {
            hook(&bytes[..n]);
        }
    }
}

/// Writes formatted text to the console.
pub fn print(args: fmt::Arguments<'_>) {
    if let Some(port) = PORT.lock().as_mut() {
        let _ = port.write_fmt(args);
    }
}

/// Writes bytes exactly as given: no newline translation (the terminal's `OPOST` decides).
pub fn write_raw(bytes: &[u8]) {
    if let Some(port) = PORT.lock().as_mut() {
        port.write_raw(bytes);
    }
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
