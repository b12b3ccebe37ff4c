//! What readers see: readiness, `FIONREAD`, and copying out at most one canonical line or what
//! raw input there is.

use super::NTty;
use crate::tty::termios::*;

impl NTty {
    /// Whether a read would find something (`input_available_p`): a complete line in
    /// canonical mode, any byte otherwise. `poll` applies the non-canonical `VMIN` when
    /// `VTIME` is 0, as Linux's poll does.
    pub fn readable(&self, poll: bool) -> bool {
        if self.termios.l(ICANON) {
            return self.canon_head != self.tail;
        }
        let (min, time) = (self.termios.cc[VMIN] as usize, self.termios.cc[VTIME]);
        let want = if poll && time == 0 && min > 0 { min } else { 1 };
        self.count() >= want
    }

    /// Bytes a read could return now (`FIONREAD`): the complete lines without their
    /// end-of-file markers in canonical mode, everything otherwise.
    pub fn inq(&self) -> usize {
        if !self.termios.l(ICANON) {
            return self.count();
        }
        let mut n = self.canon_head.wrapping_sub(self.tail);
        let mut i = self.tail;
        while i != self.canon_head {
            if self.marked(i) && self.at(i) == VDISABLE {
                n -= 1;
            }
            i = i.wrapping_add(1);
        }
        n
    }

    /// Copies input into `out`: at most one line in canonical mode (its end-of-file marker
    /// dropped: a `VEOF` at the start of a line reads as 0 bytes), what is there otherwise.
    /// Call only when [`Self::readable`] (with `poll` false) said so.
    pub fn read(&mut self, out: &mut [u8]) -> usize {
        self.read_part(out).0
    }

    /// [`Self::read`] for a reader that copies a line in pieces: also says whether the line
    /// ended in this piece (always true outside canonical mode).
    pub fn read_part(&mut self, out: &mut [u8]) -> (usize, bool) {
        if self.termios.l(ICANON) {
            return self.read_canon(out);
        }
        let n = self.count().min(out.len());
        for (k, slot) in out[..n].iter_mut().enumerate() {
            *slot = self.at(self.tail.wrapping_add(k));
        }
        self.tail = self.tail.wrapping_add(n);
        (n, true)
    }

    pub(super) fn read_canon(&mut self, out: &mut [u8]) -> (usize, bool) {
        let n = out.len().min(self.canon_head.wrapping_sub(self.tail));
        let eol = (0..n).find(|&k| self.marked(self.tail.wrapping_add(k)));
        let (copy, consumed) = match eol {
            Some(k) => {
                let at = self.tail.wrapping_add(k);
                let eof = self.at(at) == VDISABLE;
                self.clear_mark(at);
                (if eof { k } else { k + 1 }, k + 1)
            }
            None => (n, n),
        };
        for (k, slot) in out[..copy].iter_mut().enumerate() {
            *slot = self.at(self.tail.wrapping_add(k));
        }
        self.tail = self.tail.wrapping_add(consumed);
        if eol.is_some() {
            self.push = false;
        }
        (copy, eol.is_some())
    }
}
