//! Signal characters, input flags, raw reads, mode changes, output processing, a full buffer.

use super::{console, feed, read_all, Out};
use crate::tty::ldisc::{NTty, Received, N_TTY_BUF_SIZE};
use crate::tty::termios::*;

#[test]
fn ctrl_c_signals_echoes_and_flushes() {
    let mut tty = console();
    let (echo, sigs) = feed(&mut tty, b"abc\x03");
    assert_eq!(echo, b"abc^C");
    assert_eq!(sigs, [abi::signal::SIGINT]);
    feed(&mut tty, b"\r");
    assert_eq!(read_all(&mut tty), b"\n");
}

#[test]
fn quit_and_suspend_characters() {
    let mut tty = console();
    let (echo, sigs) = feed(&mut tty, b"\x1c\x1a");
    assert_eq!(echo, b"^\\^Z");
    assert_eq!(sigs, [abi::signal::SIGQUIT, abi::signal::SIGTSTP]);
}

#[test]
fn noflsh_keeps_the_input() {
    let mut t = Termios::serial_console();
    t.lflag |= NOFLSH;
    let mut tty = NTty::new(t);
    feed(&mut tty, b"ab\x03\r");
    assert_eq!(read_all(&mut tty), b"ab\n");
}

#[test]
fn without_isig_ctrl_c_is_data() {
    let mut t = Termios::serial_console();
    t.lflag &= !ISIG;
    let mut tty = NTty::new(t);
    let (echo, sigs) = feed(&mut tty, b"\x03\r");
    assert!(sigs.is_empty());
    assert_eq!(echo, b"^C\r\n");
    assert_eq!(read_all(&mut tty), b"\x03\n");
}

#[test]
fn lnext_quotes_the_next_character() {
    let mut tty = console();
    let (echo, sigs) = feed(&mut tty, b"\x16\x03\x16\x7f\r");
    assert!(sigs.is_empty());
    assert_eq!(echo, b"^\x08^C^\x08^?\r\n");
    assert_eq!(read_all(&mut tty), b"\x03\x7f\n");
}

#[test]
fn reprint_retypes_the_line() {
    let mut tty = console();
    let (echo, _) = feed(&mut tty, b"abc\x12");
    assert_eq!(echo, b"abc^R\r\nabc");
}

#[test]
fn erasing_a_tab_backs_up_to_where_it_started() {
    let mut tty = console();
    let (echo, _) = feed(&mut tty, b"ab\t\x7f");
    // "ab" then a tab to column 8; erasing the tab backs up 6 columns.
    assert_eq!(echo, b"ab\t\x08\x08\x08\x08\x08\x08");
}

#[test]
fn erasing_a_tab_on_a_prompt_line_counts_the_prompt() {
    let mut tty = console();
    let mut out = Out::default();
    tty.output(b"$ ", &mut out);
    let (echo, _) = feed(&mut tty, b"\t\x7f");
    assert_eq!(echo, b"\t\x08\x08\x08\x08\x08\x08");
}

#[test]
fn echoe_off_echoes_the_erase_character() {
    let mut t = Termios::serial_console();
    t.lflag &= !ECHOE;
    let mut tty = NTty::new(t);
    let (echo, _) = feed(&mut tty, b"a\x7f");
    assert_eq!(echo, b"a^?");
}

#[test]
fn echoprt_shows_erased_characters_between_slashes() {
    let mut t = Termios::serial_console();
    t.lflag |= ECHOPRT;
    let mut tty = NTty::new(t);
    let (echo, _) = feed(&mut tty, b"abc\x7f\x7fd");
    assert_eq!(echo, b"abc\\cb/d");
}

#[test]
fn echo_off_echonl_on() {
    let mut t = Termios::serial_console();
    t.lflag &= !ECHO;
    t.lflag |= ECHONL;
    let mut tty = NTty::new(t);
    let (echo, _) = feed(&mut tty, b"secret\r");
    assert_eq!(echo, b"\r\n");
    assert_eq!(read_all(&mut tty), b"secret\n");
}

#[test]
fn igncr_and_inlcr() {
    let mut t = Termios::serial_console();
    t.iflag |= IGNCR;
    let mut tty = NTty::new(t);
    feed(&mut tty, b"a\r\n");
    assert_eq!(read_all(&mut tty), b"a\n");
    let mut t = Termios::serial_console();
    t.iflag = INLCR;
    t.lflag &= !ICANON;
    let mut tty = NTty::new(t);
    feed(&mut tty, b"\n");
    assert_eq!(read_all(&mut tty), b"\r");
}

#[test]
fn istrip_clears_the_eighth_bit() {
    let mut t = Termios::serial_console();
    t.iflag |= ISTRIP;
    t.lflag &= !ICANON;
    let mut tty = NTty::new(t);
    feed(&mut tty, b"\xe1");
    assert_eq!(read_all(&mut tty), b"a");
}

#[test]
fn eol_character_ends_a_line() {
    let mut t = Termios::serial_console();
    t.cc[VEOL] = b';';
    let mut tty = NTty::new(t);
    let (echo, _) = feed(&mut tty, b"a;b");
    assert_eq!(echo, b"a;b");
    assert_eq!(read_all(&mut tty), b"a;");
}

#[test]
fn a_disabled_character_is_data() {
    let mut tty = console();
    feed(&mut tty, b"\0\r");
    assert_eq!(read_all(&mut tty), b"\0\n");
}

#[test]
fn raw_mode_reads_bytes_at_once() {
    let mut t = Termios::serial_console();
    t.lflag &= !(ICANON | ECHO);
    let mut tty = NTty::new(t);
    let (echo, _) = feed(&mut tty, b"q\x7f");
    assert_eq!(echo, b"");
    assert!(tty.readable(false));
    assert_eq!(tty.inq(), 2);
    assert_eq!(read_all(&mut tty), b"q\x7f");
}

#[test]
fn poll_in_raw_mode_waits_for_vmin_when_vtime_is_zero() {
    let mut t = Termios::serial_console();
    t.lflag &= !ICANON;
    t.cc[VMIN] = 3;
    let mut tty = NTty::new(t);
    feed(&mut tty, b"ab");
    assert!(tty.readable(false));
    assert!(!tty.readable(true));
    feed(&mut tty, b"c");
    assert!(tty.readable(true));
}

#[test]
fn vmin_vtime_cases() {
    let mut raw = Termios::serial_console();
    raw.lflag &= !ICANON;
    let case = |min: u8, time: u8| {
        let mut t = raw;
        t.cc[VMIN] = min;
        t.cc[VTIME] = time;
        RawRead::of(&t)
    };
    assert_eq!(case(1, 0), RawRead { minimum: 1, first_wait: None, inter_byte: None });
    assert_eq!(case(4, 5), RawRead { minimum: 4, first_wait: None, inter_byte: Some(5) });
    assert_eq!(case(0, 5), RawRead { minimum: 1, first_wait: Some(5), inter_byte: None });
    assert_eq!(case(0, 0), RawRead { minimum: 1, first_wait: Some(0), inter_byte: None });
}

#[test]
fn leaving_canonical_mode_makes_the_partial_line_readable() {
    let mut tty = console();
    feed(&mut tty, b"abc");
    let mut t = *tty.termios();
    t.lflag &= !ICANON;
    tty.set_termios(t);
    assert_eq!(read_all(&mut tty), b"abc");
}

#[test]
fn entering_canonical_mode_makes_pending_input_a_line() {
    let mut t = Termios::serial_console();
    t.lflag &= !ICANON;
    let mut tty = NTty::new(t);
    feed(&mut tty, b"xy");
    tty.set_termios(Termios::serial_console());
    assert!(tty.readable(false));
    assert_eq!(read_all(&mut tty), b"xy");
    // Erase cannot reach into it any more.
    let (echo, _) = feed(&mut tty, b"\x7f");
    assert_eq!(echo, b"");
}

#[test]
fn output_processing() {
    let mut tty = console();
    let mut out = Out::default();
    tty.output(b"a\nb\tc", &mut out);
    assert_eq!(out.0, b"a\r\nb\tc");
    let mut t = Termios::serial_console();
    t.oflag |= XTABS;
    let mut tty = NTty::new(t);
    let mut out = Out::default();
    tty.output(b"ab\tc", &mut out);
    assert_eq!(out.0, b"ab      c");
    let mut t = Termios::serial_console();
    t.oflag &= !OPOST;
    let mut tty = NTty::new(t);
    let mut out = Out::default();
    tty.output(b"a\nb", &mut out);
    assert_eq!(out.0, b"a\nb");
}

#[test]
fn a_full_raw_buffer_refuses_input_until_read() {
    let mut t = Termios::serial_console();
    t.lflag &= !(ICANON | ECHO);
    let mut tty = NTty::new(t);
    let mut out = Out::default();
    for _ in 0..N_TTY_BUF_SIZE - 1 {
        assert_eq!(tty.receive(b'x', &mut out), Received::Done);
    }
    assert_eq!(tty.receive(b'y', &mut out), Received::Full);
    let mut buf = [0u8; 10];
    assert_eq!(tty.read(&mut buf), 10);
    assert_eq!(tty.receive(b'y', &mut out), Received::Done);
}

#[test]
fn an_overlong_canonical_line_keeps_room_for_its_newline() {
    let mut t = Termios::serial_console();
    t.lflag &= !ECHO;
    let mut tty = NTty::new(t);
    feed(&mut tty, &[b'a'; 5000]);
    feed(&mut tty, b"\r");
    let line = read_all(&mut tty);
    assert_eq!(line.len(), N_TTY_BUF_SIZE);
    assert_eq!(line.last(), Some(&b'\n'));
}

#[test]
fn flush_input_drops_everything() {
    let mut tty = console();
    feed(&mut tty, b"a\rb");
    tty.flush_input();
    assert!(!tty.readable(false));
    feed(&mut tty, b"c\r");
    assert_eq!(read_all(&mut tty), b"c\n");
}

#[test]
fn winsize_round_trip() {
    let w = WinSize { rows: 24, cols: 80, xpixel: 1, ypixel: 2 };
    assert_eq!(WinSize::from_bytes(&w.to_bytes()), w);
    assert_eq!(w.to_bytes(), [24, 0, 80, 0, 1, 0, 2, 0]);
}
