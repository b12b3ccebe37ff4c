//! Receiving input (`n_tty_receive_buf_standard` one byte at a time): input flags, flow-control
//! and signal characters, the canonical special characters, ordinary bytes.

use super::{NTty, Received, Sink, N_TTY_BUF_SIZE};
use crate::tty::termios::*;

impl NTty {
    /// Processes one byte from the UART (`n_tty_receive_buf_standard` for one byte).
    pub fn receive(&mut self, c: u8, sink: &mut dyn Sink) -> Received {
        // Room, as n_tty_receive_buf_common computes it: one slot stays free, except that an
        // unfinished canonical line that fills the buffer keeps overwriting its last byte so a
        // newline still fits.
        let room = N_TTY_BUF_SIZE as isize - self.count() as isize - 1;
        if room <= 0 {
            let overflow = self.termios.l(ICANON) && self.canon_head == self.tail;
            if !overflow {
                return Received::Full;
            }
            if room < 0 {
                self.head = self.head.wrapping_sub(1);
            }
        }
        let t = self.termios;
        let mut c = c;
        if t.i(ISTRIP) {
            c &= 0x7f;
        }
        if t.i(IUCLC) && t.l(IEXTEN) {
            c = c.to_ascii_lowercase();
        }
        if self.lnext {
            self.lnext = false;
            self.receive_plain(c, sink);
            return Received::Done;
        }
        if t.i(IXON) {
            if t.is(VSTART, c) {
                self.stopped = false;
                return Received::Done;
            }
            if t.is(VSTOP, c) {
                self.stopped = true;
                return Received::Done;
            }
        }
        if t.l(ISIG) {
            let sig = if t.is(VINTR, c) {
                Some(abi::signal::SIGINT)
            } else if t.is(VQUIT, c) {
                Some(abi::signal::SIGQUIT)
            } else if t.is(VSUSP, c) {
                Some(abi::signal::SIGTSTP)
            } else {
                None
            };
            if let Some(sig) = sig {
                if !t.l(NOFLSH) {
                    self.flush_input();
                }
                if t.i(IXON) {
                    self.stopped = false;
                }
                if t.l(ECHO) {
                    self.echo_char(c, sink);
                }
                return Received::Signal(sig);
            }
        }
        if self.stopped && t.i(IXON) && t.i(IXANY) {
            self.stopped = false;
        }
        if c == b'\r' {
            if t.i(IGNCR) {
                return Received::Done;
            }
            if t.i(ICRNL) {
                c = b'\n';
            }
        } else if c == b'\n' && t.i(INLCR) {
            c = b'\r';
        }
        if t.l(ICANON) && self.receive_canon(c, sink) {
            return Received::Done;
        }
        if c == b'\n' && (t.l(ICANON) || t.iflag & (ICRNL | INLCR | IGNCR) != 0) {
            // '\n' is in Linux's char_map here: echoed raw, never as ^J.
            if t.l(ECHO) {
                self.finish_erasing(sink);
                self.echo_raw(b'\n', sink);
            }
            self.put_queue(c);
            return Received::Done;
        }
        self.receive_plain(c, sink);
        Received::Done
    }

    /// `n_tty_receive_char`: an ordinary byte, echoed and queued.
    pub(super) fn receive_plain(&mut self, c: u8, sink: &mut dyn Sink) {
        if self.termios.l(ECHO) {
            self.finish_erasing(sink);
            if self.canon_head == self.head {
                self.canon_column = self.column;
            }
            self.echo_char(c, sink);
        }
        self.put_queue(c);
    }

    /// The canonical special characters; false if `c` is not one.
    pub(super) fn receive_canon(&mut self, c: u8, sink: &mut dyn Sink) -> bool {
        let t = self.termios;
        if t.is(VERASE, c) || t.is(VKILL, c) || (t.is(VWERASE, c) && t.l(IEXTEN)) {
            self.eraser(c, sink);
            return true;
        }
        if t.is(VLNEXT, c) && t.l(IEXTEN) {
            self.lnext = true;
            if t.l(ECHO) {
                self.finish_erasing(sink);
                if t.l(ECHOCTL) {
                    self.echo_raw(b'^', sink);
                    self.echo_raw(8, sink);
                }
            }
            return true;
        }
        if t.is(VREPRINT, c) && t.l(ECHO) && t.l(IEXTEN) {
            self.finish_erasing(sink);
            self.echo_char(c, sink);
            self.echo_raw(b'\n', sink);
            let mut i = self.canon_head;
            while i != self.head {
                let b = self.at(i);
                self.echo_char(b, sink);
                i = i.wrapping_add(1);
            }
            return true;
        }
        if c == b'\n' {
            if t.l(ECHO) || t.l(ECHONL) {
                self.echo_raw(b'\n', sink);
            }
            self.end_line(c);
            return true;
        }
        if t.is(VEOF, c) {
            self.end_line(VDISABLE);
            return true;
        }
        if t.is(VEOL, c) || (t.is(VEOL2, c) && t.l(IEXTEN)) {
            if t.l(ECHO) {
                if self.canon_head == self.head {
                    self.canon_column = self.column;
                }
                self.echo_char(c, sink);
            }
            self.end_line(c);
            return true;
        }
        false
    }

    pub(super) fn end_line(&mut self, c: u8) {
        self.set_mark(self.head);
        self.put_queue(c);
        self.canon_head = self.head;
    }
}
