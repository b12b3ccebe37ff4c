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

mod echo;
mod erase;
mod input;
mod read;

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
}

