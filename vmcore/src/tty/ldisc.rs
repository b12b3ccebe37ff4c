//! Linux's `n_tty` line discipline without the hardware: input processing, signal characters,
//! canonical editing, echo, output processing, and the read buffer the readers copy from.
//!
//! [`NTty`] holds Linux's `n_tty_data`: a 4,096-byte ring (`N_TTY_BUF_SIZE`) with free-running
//! `tail` (next byte to read), `canon_head` (end of the last complete line) and `head` (end of
//! input), and one mark bit per slot for the end of each canonical line (`read_flags`). It never
//! allocates. Echo and program output go through [`NTty::output`] to a [`Sink`] (the UART),
//! applying `OPOST` and keeping the column the erase and tab logic needs. Echo is immediate
//! (Linux defers it into an echo buffer drained by the same rules; the bytes are the same).
//! Left out: `ECHOPRT` multibyte sequences, `PARMRK`/`INPCK` (no parity errors come from our
//! UART), `EXTPROC`, and output stopping by `IXON` (`VSTOP`/`VSTART` are consumed as Linux does;
//! output is not held back).

use super::termios::*;

/// Size of the read buffer (Linux's `N_TTY_BUF_SIZE`).
pub const N_TTY_BUF_SIZE: usize = 4096;
const MASK: usize = N_TTY_BUF_SIZE - 1;

/// Where echo and processed output go (the driver's `write`).
pub trait Sink {
    /// Sends bytes to the terminal.
    fn put(&mut self, bytes: &[u8]);
}

/// What receiving one input byte did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// The byte was processed (stored, used for editing, or dropped as Linux drops it).
    Done,
    /// A signal character: send this signal to the foreground process group.
    Signal(u32),
    /// No room: the byte was not taken; offer it again after a read (Linux's throttling).
    Full,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Erase {
    Char,
    Word,
    Line,
}

/// Linux's `n_tty_data` with the terminal's termios.
pub struct NTty {
    termios: Termios,
    buf: [u8; N_TTY_BUF_SIZE],
    marks: [u64; N_TTY_BUF_SIZE / 64],
    tail: usize,
    canon_head: usize,
    head: usize,
    /// Output column (for tab expansion and erasing).
    column: u32,
    /// Column at which the current line's input started.
    canon_column: u32,
    lnext: bool,
    erasing: bool,
    push: bool,
    stopped: bool,
}

impl Default for NTty {
    fn default() -> Self {
        Self::new(Termios::std())
    }
}

fn iscntrl(c: u8) -> bool {
    c < 0x20 || (0x7f..0xa0).contains(&c)
}

impl NTty {
    /// An empty line discipline with `termios`.
    pub const fn new(termios: Termios) -> Self {
        Self {
            termios,
            buf: [0; N_TTY_BUF_SIZE],
            marks: [0; N_TTY_BUF_SIZE / 64],
            tail: 0,
            canon_head: 0,
            head: 0,
            column: 0,
            canon_column: 0,
            lnext: false,
            erasing: false,
            push: false,
            stopped: false,
        }
    }

    /// The current termios.
    pub fn termios(&self) -> &Termios {
        &self.termios
    }

    /// Installs a new termios (`n_tty_set_termios`): switching canonical mode on makes pending
    /// input one line; switching it off makes everything readable.
    pub fn set_termios(&mut self, new: Termios) {
        let was_canon = self.termios.l(ICANON);
        self.termios = new;
        if was_canon != new.l(ICANON) {
            self.marks = [0; N_TTY_BUF_SIZE / 64];
            if !new.l(ICANON) || self.count() == 0 {
                self.canon_head = self.tail;
                self.push = false;
            } else {
                self.set_mark(self.head.wrapping_sub(1));
                self.canon_head = self.head;
                self.push = true;
            }
            self.erasing = false;
            self.lnext = false;
        }
    }

    /// Drops all pending input (`TCFLSH` with `TCIFLUSH`, a signal character without `NOFLSH`).
    pub fn flush_input(&mut self) {
        self.tail = 0;
        self.canon_head = 0;
        self.head = 0;
        self.marks = [0; N_TTY_BUF_SIZE / 64];
        self.lnext = false;
        self.erasing = false;
        self.push = false;
    }

    /// Whether output is stopped by `VSTOP` (`IXON`).
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    fn count(&self) -> usize {
        self.head.wrapping_sub(self.tail)
    }

    fn marked(&self, at: usize) -> bool {
        let i = at & MASK;
        self.marks[i / 64] & (1 << (i % 64)) != 0
    }

    fn set_mark(&mut self, at: usize) {
        let i = at & MASK;
        self.marks[i / 64] |= 1 << (i % 64);
    }

    fn clear_mark(&mut self, at: usize) {
        let i = at & MASK;
        self.marks[i / 64] &= !(1 << (i % 64));
    }

    fn at(&self, i: usize) -> u8 {
        self.buf[i & MASK]
    }

    fn put_queue(&mut self, c: u8) {
        self.buf[self.head & MASK] = c;
        self.head = self.head.wrapping_add(1);
    }

    // ---- output -------------------------------------------------------------------------

    /// One byte of output with `OPOST` processing (`do_output_char`).
    fn output_char(&mut self, c: u8, sink: &mut dyn Sink) {
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
    fn echo_char(&mut self, c: u8, sink: &mut dyn Sink) {
        if self.termios.l(ECHOCTL) && iscntrl(c) && c != b'\t' {
            sink.put(&[b'^', c ^ 0o100]);
            self.column += 2;
        } else {
            self.output_char(c, sink);
        }
    }

    fn echo_raw(&mut self, c: u8, sink: &mut dyn Sink) {
        self.output_char(c, sink);
    }

    fn finish_erasing(&mut self, sink: &mut dyn Sink) {
        if self.erasing {
            self.echo_raw(b'/', sink);
            self.erasing = false;
        }
    }

    // ---- input --------------------------------------------------------------------------

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
    fn receive_plain(&mut self, c: u8, sink: &mut dyn Sink) {
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
    fn receive_canon(&mut self, c: u8, sink: &mut dyn Sink) -> bool {
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

    fn end_line(&mut self, c: u8) {
        self.set_mark(self.head);
        self.put_queue(c);
        self.canon_head = self.head;
    }

    /// `eraser`: VERASE, VWERASE or VKILL on the line being edited.
    fn eraser(&mut self, c: u8, sink: &mut dyn Sink) {
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

    fn rub_out(&mut self, sink: &mut dyn Sink) {
        self.echo_raw(8, sink);
        self.echo_raw(b' ', sink);
        self.echo_raw(8, sink);
    }

    /// Backs up over an erased tab: the columns the line used since its start or its previous
    /// tab decide how wide the tab was (`echo_erase_tab` and its `process_echoes` part).
    fn erase_tab(&mut self, sink: &mut dyn Sink) {
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

    // ---- reading ------------------------------------------------------------------------

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

    fn read_canon(&mut self, out: &mut [u8]) -> (usize, bool) {
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
