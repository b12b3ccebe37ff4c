//! Canonical editing, echo and canonical reads.

use super::{console, feed, read_all};
use crate::tty::ldisc::NTty;
use crate::tty::termios::*;

#[test]
fn std_termios_bytes_are_linux_tty_std_termios() {
    let t = Termios::std();
    assert_eq!(t.iflag, 0o2400);
    assert_eq!(t.oflag, 0o5);
    assert_eq!(t.cflag, 0o2277);
    assert_eq!(t.lflag, 0o105073);
    assert_eq!(Termios::serial_console().cflag, 0o6275);
    let b = t.to_bytes();
    assert_eq!(Termios::from_bytes(&b), t);
    assert_eq!(&b[17..34], b"\x03\x1c\x7f\x15\x04\x00\x01\x00\x11\x13\x1a\x00\x12\x0f\x17\x16\x00");
}

#[test]
fn enter_echoes_a_newline_and_ends_the_line() {
    let mut tty = console();
    let (echo, _) = feed(&mut tty, b"ls\r");
    assert_eq!(echo, b"ls\r\n");
    assert!(tty.readable(false));
    assert_eq!(read_all(&mut tty), b"ls\n");
    assert!(!tty.readable(false));
}

#[test]
fn nothing_is_readable_before_the_line_ends() {
    let mut tty = console();
    feed(&mut tty, b"abc");
    assert!(!tty.readable(false));
    assert_eq!(tty.inq(), 0);
}

#[test]
fn backspace_erases_one_character_visually() {
    let mut tty = console();
    let (echo, _) = feed(&mut tty, b"abc\x7f\r");
    assert_eq!(echo, b"abc\x08 \x08\r\n");
    assert_eq!(read_all(&mut tty), b"ab\n");
}

#[test]
fn erase_at_line_start_does_nothing() {
    let mut tty = console();
    let (echo, _) = feed(&mut tty, b"\x7f\x15x\r");
    assert_eq!(echo, b"x\r\n");
    assert_eq!(read_all(&mut tty), b"x\n");
}

#[test]
fn erasing_a_control_character_rubs_out_its_caret() {
    let mut tty = console();
    let (echo, _) = feed(&mut tty, b"a\x01\x7f");
    assert_eq!(echo, b"a^A\x08 \x08\x08 \x08");
}

#[test]
fn ctrl_u_erases_the_line() {
    let mut tty = console();
    let (echo, _) = feed(&mut tty, b"hello\x15hi\r");
    let mut want = b"hello".to_vec();
    for _ in 0..5 {
        want.extend_from_slice(b"\x08 \x08");
    }
    want.extend_from_slice(b"hi\r\n");
    assert_eq!(echo, want);
    assert_eq!(read_all(&mut tty), b"hi\n");
}

#[test]
fn kill_without_echoke_echoes_the_kill_character_and_a_newline() {
    let mut t = Termios::serial_console();
    t.lflag &= !ECHOKE;
    let mut tty = NTty::new(t);
    let (echo, _) = feed(&mut tty, b"ab\x15");
    assert_eq!(echo, b"ab^U\r\n");
}

#[test]
fn ctrl_w_erases_a_word_and_the_blanks_after_it() {
    let mut tty = console();
    let (echo, _) = feed(&mut tty, b"foo bar  \x17\r");
    let mut want = b"foo bar  ".to_vec();
    for _ in 0..5 {
        want.extend_from_slice(b"\x08 \x08");
    }
    want.extend_from_slice(b"\r\n");
    assert_eq!(echo, want);
    assert_eq!(read_all(&mut tty), b"foo \n");
}

#[test]
fn ctrl_d_at_line_start_reads_as_end_of_file() {
    let mut tty = console();
    let (echo, _) = feed(&mut tty, b"\x04");
    assert_eq!(echo, b"");
    assert!(tty.readable(false));
    assert_eq!(tty.inq(), 0);
    assert_eq!(read_all(&mut tty), b"");
    assert!(!tty.readable(false));
}

#[test]
fn ctrl_d_after_text_returns_the_text_without_a_newline() {
    let mut tty = console();
    feed(&mut tty, b"ab\x04cd\r");
    assert_eq!(tty.inq(), 5);
    assert_eq!(read_all(&mut tty), b"ab");
    assert_eq!(read_all(&mut tty), b"cd\n");
}

#[test]
fn a_read_returns_at_most_one_line() {
    let mut tty = console();
    feed(&mut tty, b"one\rtwo\r");
    assert_eq!(read_all(&mut tty), b"one\n");
    assert_eq!(read_all(&mut tty), b"two\n");
}

#[test]
fn a_short_buffer_reads_a_line_in_pieces() {
    let mut tty = console();
    feed(&mut tty, b"abcdef\r");
    let mut buf = [0u8; 4];
    assert_eq!(tty.read(&mut buf), 4);
    assert_eq!(&buf, b"abcd");
    assert_eq!(tty.read(&mut buf), 3);
    assert_eq!(&buf[..3], b"ef\n");
}
