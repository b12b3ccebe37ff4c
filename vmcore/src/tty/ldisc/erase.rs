//! Canonical erasing (`eraser`): VERASE, VWERASE and VKILL, echoed as Linux does (rub-outs,
//! tab widths by column, `ECHOPRT`, `ECHOK`).

use super::{iscntrl, Erase, NTty, Sink};
use crate::tty::termios::*;

impl NTty {
    /// `eraser`: VERASE, VWERASE or VKILL on the line being edited.
    pub(super) fn eraser(&mut self, c: u8, sink: &mut dyn Sink) {
        let t = self.termios;
        if self.head == self.canon_head {
            return;
        }
        let kind = if t.is(VERASE, c) {
            Erase::Char
        } else if t.is(VWERASE, c) {
            Erase::Word
        } else {
            if !t.l(ECHO) {
                self.head = self.canon_head;
                return;
            }
            if !t.l(ECHOK) || !t.l(ECHOKE) || !t.l(ECHOE) {
                self.head = self.canon_head;
                self.finish_erasing(sink);
                self.echo_char(t.cc[VKILL], sink);
                if t.l(ECHOK) {
                    self.echo_raw(b'\n', sink);
                }
                return;
            }
            Erase::Line
        };
        let mut seen_alnums = 0;
        while self.head != self.canon_head {
            // A UTF-8 character goes as a whole under IUTF8.
            let mut pos = self.head;
            let mut c;
            loop {
                pos = pos.wrapping_sub(1);
                c = self.at(pos);
                if !(t.i(IUTF8) && c & 0xc0 == 0x80) || pos == self.canon_head {
                    break;
                }
            }
            if kind == Erase::Word {
                if c.is_ascii_alphanumeric() || c == b'_' {
                    seen_alnums += 1;
                } else if seen_alnums > 0 {
                    break;
                }
            }
            let cnt = self.head.wrapping_sub(pos);
            self.head = pos;
            if t.l(ECHO) {
                if t.l(ECHOPRT) {
                    if !self.erasing {
                        self.echo_raw(b'\\', sink);
                        self.erasing = true;
                    }
                    self.echo_char(c, sink);
                    for k in 1..cnt {
                        let b = self.at(pos.wrapping_add(k));
                        self.echo_raw(b, sink);
                    }
                } else if kind == Erase::Char && !t.l(ECHOE) {
                    self.echo_char(t.cc[VERASE], sink);
                } else if c == b'\t' {
                    self.erase_tab(sink);
                } else {
                    if iscntrl(c) && t.l(ECHOCTL) {
                        self.rub_out(sink);
                    }
                    if !iscntrl(c) || t.l(ECHOCTL) {
                        self.rub_out(sink);
                    }
                }
            }
            if kind == Erase::Char {
                break;
            }
        }
        if self.head == self.canon_head && t.l(ECHO) {
            self.finish_erasing(sink);
        }
    }

    pub(super) fn rub_out(&mut self, sink: &mut dyn Sink) {
        self.echo_raw(8, sink);
        self.echo_raw(b' ', sink);
        self.echo_raw(8, sink);
    }

    /// Backs up over an erased tab: the columns the line used since its start or its previous
    /// tab decide how wide the tab was (`echo_erase_tab` and its `process_echoes` part).
    pub(super) fn erase_tab(&mut self, sink: &mut dyn Sink) {
        let t = self.termios;
        let mut chars = 0u32;
        let mut after_tab = false;
        let mut i = self.head;
        while i != self.canon_head {
            i = i.wrapping_sub(1);
            let c = self.at(i);
            if c == b'\t' {
                after_tab = true;
                break;
            } else if iscntrl(c) {
                if t.l(ECHOCTL) {
                    chars += 2;
                }
            } else if !(t.i(IUTF8) && c & 0xc0 == 0x80) {
                chars += 1;
            }
        }
        if !after_tab {
            chars += self.canon_column;
        }
        let back = (8 - (chars & 7)).min(self.column);
        for _ in 0..back {
            sink.put(&[8]);
            self.column -= 1;
        }
    }
}
