//! The terminal's `ioctl`s (Linux's `tty_ioctl` and `n_tty_ioctl`): termios, window size,
//! job control, input queue and flushing.

use super::{job, process_input, TTY};
use crate::syscall::uptr::UserPtr;
use vmcore::errno::Errno;
use vmcore::signal::SIGWINCH;
use vmcore::tty::termios::*;

/// Runs `cmd` with argument `arg` on the terminal; `readable`: the file was opened for
/// reading (TIOCSCTTY's check).
pub fn ioctl(cmd: u32, arg: u32, readable: bool) -> Result<u32, Errno> {
    match cmd {
        TCGETS => {
            let bytes = TTY.ldisc.lock().termios().to_bytes();
            UserPtr::<[u8; TERMIOS_SIZE]>::new(arg).write(bytes)?;
            Ok(0)
        }
        TCSETS | TCSETSW | TCSETSF => {
            job::check_mode_change()?;
            let new = Termios::from_bytes(&UserPtr::<[u8; TERMIOS_SIZE]>::new(arg).read()?);
            // TCSETSW and TCSETSF wait for output to drain: ours is written synchronously.
            process_input();
            {
                let mut ld = TTY.ldisc.lock();
                if cmd == TCSETSF {
                    ld.flush_input();
                    TTY.flip.lock().clear();
                }
                ld.set_termios(new);
            }
            super::wake_readers();
            Ok(0)
        }
        TCFLSH => {
            job::check_mode_change()?;
            match arg {
                TCIFLUSH | TCIOFLUSH => {
                    let mut ld = TTY.ldisc.lock();
                    ld.flush_input();
                    TTY.flip.lock().clear();
                }
                TCOFLUSH => {} // nothing is queued for output
                _ => return Err(Errno::EINVAL),
            }
            Ok(0)
        }
        TIOCGWINSZ => {
            let ws = *TTY.winsize.lock();
            UserPtr::<[u8; 8]>::new(arg).write(ws.to_bytes())?;
            Ok(0)
        }
        TIOCSWINSZ => {
            let new = WinSize::from_bytes(&UserPtr::<[u8; 8]>::new(arg).read()?);
            let changed = {
                let mut ws = TTY.winsize.lock();
                let changed = *ws != new;
                *ws = new;
                changed
            };
            if changed {
                job::signal_foreground(SIGWINCH);
            }
            Ok(0)
        }
        FIONREAD => {
            process_input();
            let n = TTY.ldisc.lock().inq() as u32;
            UserPtr::<u32>::new(arg).write(n)?;
            Ok(0)
        }
        TIOCOUTQ => {
            UserPtr::<u32>::new(arg).write(0)?;
            Ok(0)
        }
        TIOCGPGRP => {
            let pgid = job::get_pgrp()?;
            UserPtr::<u32>::new(arg).write(pgid)?;
            Ok(0)
        }
        TIOCSPGRP => {
            job::set_pgrp(|| UserPtr::<i32>::new(arg).read())?;
            Ok(0)
        }
        TIOCGSID => {
            let sid = job::get_sid()?;
            UserPtr::<u32>::new(arg).write(sid)?;
            Ok(0)
        }
        TIOCSCTTY => {
            job::set_ctty(arg == 1, readable)?;
            Ok(0)
        }
        TIOCNOTTY => {
            job::notty()?;
            Ok(0)
        }
        _ => Err(Errno::ENOTTY),
    }
}
