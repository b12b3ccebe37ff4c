//! The Linux i386 terminal ABI: `struct termios` field bits and `c_cc` indices
//! (`asm-generic/termbits.h`), the tty `ioctl` numbers (`asm-generic/ioctls.h`) and
//! `TCFLSH`'s queue selectors. Plain constants, octal where the header is octal.

/// Number of control characters in the kernel's i386 `struct termios` (`NCCS`).
pub const NCCS: usize = 19;
/// Size of the i386 `struct termios` the `TCGETS`/`TCSETS*` ioctls copy (4 flag words, `c_line`,
/// `c_cc[19]`).
pub const TERMIOS_SIZE: usize = 36;
/// A `c_cc` value that disables its function (`_POSIX_VDISABLE`).
pub const VDISABLE: u8 = 0;

// c_cc indices.
/// Interrupt character index (Ctrl-C → SIGINT).
pub const VINTR: usize = 0;
/// Quit character index (Ctrl-\ → SIGQUIT).
pub const VQUIT: usize = 1;
/// Erase character index.
pub const VERASE: usize = 2;
/// Kill-line character index.
pub const VKILL: usize = 3;
/// End-of-file character index.
pub const VEOF: usize = 4;
/// Non-canonical read timeout index (tenths of a second).
pub const VTIME: usize = 5;
/// Non-canonical read minimum index.
pub const VMIN: usize = 6;
/// Switch character index (unused by Linux).
pub const VSWTC: usize = 7;
/// Start (XON) character index.
pub const VSTART: usize = 8;
/// Stop (XOFF) character index.
pub const VSTOP: usize = 9;
/// Suspend character index (Ctrl-Z → SIGTSTP).
pub const VSUSP: usize = 10;
/// Extra end-of-line character index.
pub const VEOL: usize = 11;
/// Reprint character index.
pub const VREPRINT: usize = 12;
/// Discard character index.
pub const VDISCARD: usize = 13;
/// Word-erase character index.
pub const VWERASE: usize = 14;
/// Literal-next character index.
pub const VLNEXT: usize = 15;
/// Second extra end-of-line character index.
pub const VEOL2: usize = 16;

// c_iflag.
/// Ignore break.
pub const IGNBRK: u32 = 0o1;
/// Break → SIGINT.
pub const BRKINT: u32 = 0o2;
/// Ignore parity errors.
pub const IGNPAR: u32 = 0o4;
/// Mark parity errors.
pub const PARMRK: u32 = 0o10;
/// Input parity check.
pub const INPCK: u32 = 0o20;
/// Strip the eighth bit.
pub const ISTRIP: u32 = 0o40;
/// NL → CR on input.
pub const INLCR: u32 = 0o100;
/// Ignore CR on input.
pub const IGNCR: u32 = 0o200;
/// CR → NL on input.
pub const ICRNL: u32 = 0o400;
/// Upper case → lower case on input.
pub const IUCLC: u32 = 0o1000;
/// XON/XOFF output flow control.
pub const IXON: u32 = 0o2000;
/// Any character restarts output.
pub const IXANY: u32 = 0o4000;
/// XON/XOFF input flow control.
pub const IXOFF: u32 = 0o10000;
/// Ring the bell when the input queue is full.
pub const IMAXBEL: u32 = 0o20000;
/// Input is UTF-8 (erase removes a whole character).
pub const IUTF8: u32 = 0o40000;

// c_oflag.
/// Post-process output.
pub const OPOST: u32 = 0o1;
/// Lower case → upper case on output.
pub const OLCUC: u32 = 0o2;
/// NL → CR NL on output.
pub const ONLCR: u32 = 0o4;
/// CR → NL on output.
pub const OCRNL: u32 = 0o10;
/// No CR output at column 0.
pub const ONOCR: u32 = 0o20;
/// NL performs CR.
pub const ONLRET: u32 = 0o40;
/// Tab delay mask.
pub const TABDLY: u32 = 0o14000;
/// Expand tabs to spaces (`TAB3`).
pub const XTABS: u32 = 0o14000;

// c_cflag.
/// Baud rate mask.
pub const CBAUD: u32 = 0o10017;
/// 9600 baud.
pub const B9600: u32 = 0o15;
/// 38400 baud.
pub const B38400: u32 = 0o17;
/// 115200 baud.
pub const B115200: u32 = 0o10002;
/// Character size mask.
pub const CSIZE: u32 = 0o60;
/// Eight data bits.
pub const CS8: u32 = 0o60;
/// Two stop bits.
pub const CSTOPB: u32 = 0o100;
/// Enable the receiver.
pub const CREAD: u32 = 0o200;
/// Parity enable.
pub const PARENB: u32 = 0o400;
/// Odd parity.
pub const PARODD: u32 = 0o1000;
/// Hang up on last close.
pub const HUPCL: u32 = 0o2000;
/// Ignore modem control lines.
pub const CLOCAL: u32 = 0o4000;

// c_lflag.
/// Generate signals for INTR, QUIT and SUSP.
pub const ISIG: u32 = 0o1;
/// Canonical input (line editing).
pub const ICANON: u32 = 0o2;
/// Echo input.
pub const ECHO: u32 = 0o10;
/// ERASE erases the previous character visually.
pub const ECHOE: u32 = 0o20;
/// KILL is followed by a newline.
pub const ECHOK: u32 = 0o40;
/// Echo NL even without ECHO.
pub const ECHONL: u32 = 0o100;
/// No input flush after a signal character.
pub const NOFLSH: u32 = 0o200;
/// SIGTTOU for background output.
pub const TOSTOP: u32 = 0o400;
/// Echo control characters as `^X`.
pub const ECHOCTL: u32 = 0o1000;
/// Hardcopy erase echo.
pub const ECHOPRT: u32 = 0o2000;
/// KILL erases the line visually.
pub const ECHOKE: u32 = 0o4000;
/// Output being flushed.
pub const FLUSHO: u32 = 0o10000;
/// Retype pending input at the next read.
pub const PENDIN: u32 = 0o40000;
/// Implementation-defined input processing (WERASE, LNEXT, REPRINT, EOL2).
pub const IEXTEN: u32 = 0o100000;
/// External processing.
pub const EXTPROC: u32 = 0o200000;

// ioctl numbers.
/// Get the termios.
pub const TCGETS: u32 = 0x5401;
/// Set the termios now.
pub const TCSETS: u32 = 0x5402;
/// Set the termios after output drains.
pub const TCSETSW: u32 = 0x5403;
/// Set the termios after output drains, flushing pending input.
pub const TCSETSF: u32 = 0x5404;
/// Flush queues (argument: `TCIFLUSH`, `TCOFLUSH`, `TCIOFLUSH`).
pub const TCFLSH: u32 = 0x540B;
/// Make this the controlling terminal.
pub const TIOCSCTTY: u32 = 0x540E;
/// Get the foreground process group.
pub const TIOCGPGRP: u32 = 0x540F;
/// Set the foreground process group.
pub const TIOCSPGRP: u32 = 0x5410;
/// Bytes in the output queue.
pub const TIOCOUTQ: u32 = 0x5411;
/// Get the window size.
pub const TIOCGWINSZ: u32 = 0x5413;
/// Set the window size.
pub const TIOCSWINSZ: u32 = 0x5414;
/// Bytes readable (`TIOCINQ`).
pub const FIONREAD: u32 = 0x541B;
/// Set or clear `O_NONBLOCK`.
pub const FIONBIO: u32 = 0x5421;
/// Give up the controlling terminal.
pub const TIOCNOTTY: u32 = 0x5422;
/// Get the terminal's session id.
pub const TIOCGSID: u32 = 0x5429;

// TCFLSH selectors.
/// Flush input.
pub const TCIFLUSH: u32 = 0;
/// Flush output.
pub const TCOFLUSH: u32 = 1;
/// Flush both.
pub const TCIOFLUSH: u32 = 2;
