//! `struct termios` as Linux i386 lays it out for `TCGETS`/`TCSETS`, with the values a new
//! terminal starts with.

pub use abi::termios::*;

/// Linux's i386 kernel `struct termios` (36 bytes; no separate speed fields: the speed is in
/// `c_cflag & CBAUD`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Termios {
    /// Input modes.
    pub iflag: u32,
    /// Output modes.
    pub oflag: u32,
    /// Control modes (speed, character size, CREAD, HUPCL, CLOCAL).
    pub cflag: u32,
    /// Local modes (ISIG, ICANON, ECHO...).
    pub lflag: u32,
    /// Line discipline number (0: N_TTY).
    pub line: u8,
    /// Control characters, indexed by `V*`.
    pub cc: [u8; NCCS],
}

/// Linux's `INIT_C_CC`: ^C ^\ DEL ^U ^D, TIME 0, MIN 1, SWTC off, ^Q ^S ^Z, EOL off, ^R ^O ^W
/// ^V, EOL2 off.
pub const INIT_C_CC: [u8; NCCS] =
    [0o3, 0o34, 0o177, 0o25, 0o4, 0, 1, 0, 0o21, 0o23, 0o32, 0, 0o22, 0o17, 0o27, 0o26, 0, 0, 0];

impl Termios {
    /// Linux's `tty_std_termios`.
    pub const fn std() -> Self {
        Self {
            iflag: ICRNL | IXON,
            oflag: OPOST | ONLCR,
            cflag: B38400 | CS8 | CREAD | HUPCL,
            lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
            line: 0,
            cc: INIT_C_CC,
        }
    }

    /// What Linux's 8250 driver gives its console port (`console=ttyS0`, default options
    /// "9600n8"): `tty_std_termios` with the console's `c_cflag` (`uart_set_options`: 9600
    /// baud, 8 bits, CREAD | HUPCL | CLOCAL).
    pub const fn serial_console() -> Self {
        let mut t = Self::std();
        t.cflag = B9600 | CS8 | CREAD | HUPCL | CLOCAL;
        t
    }

    /// The 36 bytes `TCGETS` copies out.
    pub fn to_bytes(&self) -> [u8; TERMIOS_SIZE] {
        let mut b = [0u8; TERMIOS_SIZE];
        b[0..4].copy_from_slice(&self.iflag.to_le_bytes());
        b[4..8].copy_from_slice(&self.oflag.to_le_bytes());
        b[8..12].copy_from_slice(&self.cflag.to_le_bytes());
        b[12..16].copy_from_slice(&self.lflag.to_le_bytes());
        b[16] = self.line;
        b[17..].copy_from_slice(&self.cc);
        b
    }

    /// The termios `TCSETS*` copies in. Like Linux, the values are taken as given (the speed
    /// bits included: a serial line would reprogram its divisor).
    pub fn from_bytes(b: &[u8; TERMIOS_SIZE]) -> Self {
        let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut cc = [0u8; NCCS];
        cc.copy_from_slice(&b[17..]);
        Self { iflag: word(0), oflag: word(4), cflag: word(8), lflag: word(12), line: b[16], cc }
    }

    /// Whether `c` is the enabled control character at `index`.
    pub fn is(&self, index: usize, c: u8) -> bool {
        self.cc[index] != VDISABLE && self.cc[index] == c
    }

    /// A local-mode bit.
    pub fn l(&self, bit: u32) -> bool {
        self.lflag & bit != 0
    }

    /// An input-mode bit.
    pub fn i(&self, bit: u32) -> bool {
        self.iflag & bit != 0
    }

    /// An output-mode bit.
    pub fn o(&self, bit: u32) -> bool {
        self.oflag & bit != 0
    }
}

/// The window size (`struct winsize`, `TIOCGWINSZ`/`TIOCSWINSZ`): rows, columns, pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WinSize {
    /// Rows.
    pub rows: u16,
    /// Columns.
    pub cols: u16,
    /// Width in pixels.
    pub xpixel: u16,
    /// Height in pixels.
    pub ypixel: u16,
}

impl WinSize {
    /// The 8 bytes of `struct winsize`.
    pub fn to_bytes(&self) -> [u8; 8] {
        let mut b = [0u8; 8];
        for (i, v) in [self.rows, self.cols, self.xpixel, self.ypixel].into_iter().enumerate() {
            b[2 * i..2 * i + 2].copy_from_slice(&v.to_le_bytes());
        }
        b
    }

    /// From the 8 bytes of `struct winsize`.
    pub fn from_bytes(b: &[u8; 8]) -> Self {
        let h = |i: usize| u16::from_le_bytes([b[2 * i], b[2 * i + 1]]);
        Self { rows: h(0), cols: h(1), xpixel: h(2), ypixel: h(3) }
    }
}

/// How a non-canonical read waits (`n_tty_read`'s `minimum`, `timeout` and inter-byte
/// `time`), from `VMIN` and `VTIME`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawRead {
    /// Return once this many bytes were copied (capped by the caller's count).
    pub minimum: u32,
    /// The first wait, in tenths of a second (`None`: no limit; `Some(0)`: no wait at all).
    pub first_wait: Option<u32>,
    /// The wait after each byte once one arrived (`VTIME` as an inter-byte timer), if any.
    pub inter_byte: Option<u32>,
}

impl RawRead {
    /// POSIX's four cases: MIN>0 TIME=0 (block for MIN), MIN>0 TIME>0 (inter-byte timer
    /// started by the first byte), MIN=0 TIME>0 (one timed wait for any byte), MIN=0 TIME=0
    /// (poll).
    pub fn of(t: &Termios) -> Self {
        let (min, time) = (t.cc[VMIN] as u32, t.cc[VTIME] as u32);
        if min > 0 {
            Self { minimum: min, first_wait: None, inter_byte: (time > 0).then_some(time) }
        } else {
            Self { minimum: 1, first_wait: Some(time), inter_byte: None }
        }
    }
}
