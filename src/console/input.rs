//! Console input for `read(0, ...)`: raw bytes from the serial port, no line discipline (the
//! shell echoes and edits). A reader with nothing to read sleeps one timer tick at a time.

use crate::syscall::uptr::UserBuf;
use vmcore::errno::Errno;

/// Reads at least one byte (blocking) and at most what is waiting.
pub fn read(buf: UserBuf) -> Result<u32, Errno> {
    if buf.is_empty() {
        return Ok(0);
    }
    let mut bytes = [0u8; 64];
    loop {
        let mut n = 0;
        while n < bytes.len() && n < buf.len() as usize {
            match super::serial::try_read() {
                Some(b) => {
                    bytes[n] = b;
                    n += 1;
                }
                None => break,
            }
        }
        if n > 0 {
            buf.write_at(0, &bytes[..n])?;
            return Ok(n as u32);
        }
        if crate::proc::signals::signal_pending() {
            return Err(Errno::ERESTARTSYS);
        }
        crate::proc::timer::sleep_until(crate::proc::timer::now() + crate::arch::clock::TICK_NS)?;
    }
}
