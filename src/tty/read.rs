//! `read` on the terminal (`n_tty_read`): one line at most in canonical mode (0 bytes for a
//! `VEOF` at the start of a line), POSIX's four `VMIN`/`VTIME` cases otherwise. A read from a
//! background process group gets SIGTTIN first ([`super::job::check_read`]).

use super::{process_input, PENDING, TTY};
use crate::syscall::uptr::UserBuf;
use core::sync::atomic::Ordering;
use vmcore::errno::Errno;
use vmcore::tty::termios::{RawRead, ICANON};

/// Nanoseconds in `VTIME`'s unit, a tenth of a second.
const DECISECOND_NS: u64 = 100_000_000;

/// Reads from the terminal into `buf`; `nonblock`: the file has `O_NONBLOCK`; `console`: it
/// was opened as the console, which skips the job-control check (Linux: "don't stop on
/// /dev/console").
pub fn read(buf: UserBuf, nonblock: bool, console: bool) -> Result<u32, Errno> {
    if !console {
        super::job::check_read()?;
    }
    if buf.is_empty() {
        return Ok(0);
    }
    let termios = *TTY.ldisc.lock().termios();
    let canon = termios.l(ICANON);
    let raw = RawRead::of(&termios);
    let now = crate::proc::timer::now;
    let mut deadline = match raw.first_wait {
        Some(ds) if !canon => now().saturating_add(ds as u64 * DECISECOND_NS),
        _ => u64::MAX,
    };
    let mut copied = 0u32;
    let mut chunk = [0u8; 256];
    loop {
        process_input();
        let got = {
            let mut ld = TTY.ldisc.lock();
            if ld.readable(false) {
                let want = ((buf.len() - copied) as usize).min(chunk.len());
                Some(ld.read_part(&mut chunk[..want]))
            } else {
                None
            }
        };
        if let Some((n, line_done)) = got {
            if let Err(e) = buf.write_at(copied, &chunk[..n]) {
                return if copied > 0 { Ok(copied) } else { Err(e) };
            }
            copied += n as u32;
            // Room was made: input held back in the flip ring can come in now.
            PENDING.store(true, Ordering::Relaxed);
            if copied == buf.len() {
                return Ok(copied);
            }
            if canon {
                if line_done {
                    return Ok(copied);
                }
                continue;
            }
            if copied >= raw.minimum {
                return Ok(copied);
            }
            if let Some(ds) = raw.inter_byte {
                deadline = now().saturating_add(ds as u64 * DECISECOND_NS);
            }
            continue;
        }
        if now() >= deadline {
            return Ok(copied);
        }
        if nonblock {
            return if copied > 0 { Ok(copied) } else { Err(Errno::EAGAIN) };
        }
        if crate::proc::signals::signal_pending() {
            return if copied > 0 { Ok(copied) } else { Err(Errno::ERESTARTSYS) };
        }
        // Woken by process_input (after new input) or by a mode change; input that arrived
        // but is not processed yet ends the sleep too.
        let ready = || (PENDING.load(Ordering::Relaxed) || TTY.ldisc.lock().readable(false)).then_some(());
        let _ = super::read_wait().wait(deadline, ready)?;
    }
}
