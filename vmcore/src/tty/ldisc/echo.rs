//! Output processing (`OPOST`, Linux's `do_output_char`) and echo, both keeping the output
//! column the erase logic uses.

use super::{iscntrl, NTty, Sink};
use crate::tty::termios::*;

impl NTty {
    /// One byte of output with `OPOST` processing (`do_output_char`).
    pub(super) fn output_char(&mut self, c: u8, sink: &mut dyn Sink) {
        let t = self.termios;
        if !t.o(OPOST) {
            sink.put(&[c]);
            return;
        }
        let mut c = c;
        match c {
            b'\n' => {
                if t.o(ONLRET) {
                    self.column = 0;
                }
                if t.o(ONLCR) {
                    self.column = 0;
                    self.canon_column = 0;
                    sink.put(b"\r\n");
                    return;
                }
                self.canon_column = self.column;
            }
            b'\r' => {
                if t.o(ONOCR) && self.column == 0 {
                    return;
                }
                if t.o(OCRNL) {
                    c = b'\n';
                    if t.o(ONLRET) {
                        self.column = 0;
                        self.canon_column = 0;
                    }
                } else {
                    self.column = 0;
                    self.canon_column = 0;
                }
            }
            b'\t' => {
                let spaces = 8 - (self.column & 7);
                self.column += spaces;
                if t.oflag & TABDLY == XTABS {
                    sink.put(&b"        "[..spaces as usize]);
                    return;
                }
            }
            8 => self.column = self.column.saturating_sub(1),
            _ => {
                if !iscntrl(c) {
                    if t.o(OLCUC) {
                        c = c.to_ascii_uppercase();
                    }
                    if !(t.i(IUTF8) && c & 0xc0 == 0x80) {
                        self.column += 1;
                    }
                }
            }
        }
        sink.put(&[c]);
    }

    /// Program output (`write` on the tty), processed as `OPOST` says.
    pub fn output(&mut self, bytes: &[u8], sink: &mut dyn Sink) {
        if !self.termios.o(OPOST) {
            sink.put(bytes);
            return;
        }
        // Runs of plain printable bytes go out in one piece.
        let mut start = 0;
        for (i, &c) in bytes.iter().enumerate() {
            let plain = !iscntrl(c) && !self.termios.o(OLCUC) && c < 0x80;
            if plain {
                continue;
            }
            if start < i {
                sink.put(&bytes[start..i]);
                self.column += (i - start) as u32;
            }
            self.output_char(c, sink);
            start = i + 1;
        }
        if start < bytes.len() {
            sink.put(&bytes[start..]);
            self.column += (bytes.len() - start) as u32;
        }
    }

    // ---- echo ---------------------------------------------------------------------------

    /// `echo_char`: control characters as `^X` under `ECHOCTL` (tab excepted).
    pub(super) fn echo_char(&mut self, c: u8, sink: &mut dyn Sink) {
        if self.termios.l(ECHOCTL) && iscntrl(c) && c != b'\t' {
            sink.put(&[b'^', c ^ 0o100]);
            self.column += 2;
        } else {
            self.output_char(c, sink);
        }
    }

    pub(super) fn echo_raw(&mut self, c: u8, sink: &mut dyn Sink) {
        self.output_char(c, sink);
    }

    pub(super) fn finish_erasing(&mut self, sink: &mut dyn Sink) {
        if self.erasing {
            self.echo_raw(b'/', sink);
            self.erasing = false;
        }
    }
}
