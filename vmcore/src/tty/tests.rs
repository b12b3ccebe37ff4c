//! The line discipline against what Linux's n_tty does with the same keystrokes (the byte
//! sequences below are what a Linux 6.1 serial console echoes and returns).

use super::ldisc::{NTty, Received, Sink, N_TTY_BUF_SIZE};
use super::termios::*;
use proptest::prelude::*;
use std::vec::Vec;

#[derive(Default)]
struct Out(Vec<u8>);

impl Sink for Out {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

fn feed(tty: &mut NTty, keys: &[u8]) -> (Vec<u8>, Vec<u32>) {
    let mut out = Out::default();
    let mut sigs = Vec::new();
    for &k in keys {
        match tty.receive(k, &mut out) {
            Received::Signal(s) => sigs.push(s),
            Received::Full => panic!("unexpected Full"),
            Received::Done => {}
        }
    }
    (out.0, sigs)
}

fn read_all(tty: &mut NTty) -> Vec<u8> {
    let mut buf = [0u8; 8192];
    let n = tty.read(&mut buf);
    buf[..n].to_vec()
}

fn console() -> NTty {
    NTty::new(Termios::serial_console())
}

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

fn printable_line() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(0x20u8..0x7f, 0..60)
}

proptest! {
    /// Plain lines come back exactly, one per read, and echo as typed with CR LF.
    #[test]
    fn plain_lines_round_trip(lines in proptest::collection::vec(printable_line(), 1..20)) {
        let mut tty = console();
        let mut echo_want = Vec::new();
        for line in &lines {
            let mut keys = line.clone();
            keys.push(b'\r');
            let (echo, sigs) = feed(&mut tty, &keys);
            prop_assert!(sigs.is_empty());
            echo_want.clear();
            echo_want.extend_from_slice(line);
            echo_want.extend_from_slice(b"\r\n");
            prop_assert_eq!(&echo, &echo_want);
        }
        for line in &lines {
            let mut want = line.clone();
            want.push(b'\n');
            prop_assert_eq!(read_all(&mut tty), want);
        }
        prop_assert!(!tty.readable(false));
    }

    /// Erasing: typing a line with backspaces reads back like a string edited the same way.
    #[test]
    fn erase_matches_a_model(keys in proptest::collection::vec(prop_oneof![0x20u8..0x7f, Just(0x7fu8)], 0..80)) {
        let mut tty = console();
        let mut model: Vec<u8> = Vec::new();
        for &k in &keys {
            if k == 0x7f { model.pop(); } else { model.push(k); }
        }
        let mut all = keys.clone();
        all.push(b'\r');
        feed(&mut tty, &all);
        model.push(b'\n');
        prop_assert_eq!(read_all(&mut tty), model);
    }

    /// Any input in any mode: no panic, bounded buffer, reads never exceed their buffer.
    #[test]
    fn arbitrary_input_keeps_invariants(
        keys in proptest::collection::vec(any::<u8>(), 0..6000),
        lflag in any::<u32>(), iflag in any::<u32>(), oflag in any::<u32>(),
        min in any::<u8>(), time in any::<u8>(), chunk in 1usize..100,
    ) {
        let mut t = Termios::serial_console();
        t.lflag = lflag;
        t.iflag = iflag;
        t.oflag = oflag;
        t.cc[VMIN] = min;
        t.cc[VTIME] = time;
        let mut tty = NTty::new(t);
        let mut out = Out::default();
        let mut buf = std::vec![0u8; chunk];
        for (i, &k) in keys.iter().enumerate() {
            if tty.receive(k, &mut out) == Received::Full || i % 97 == 0 {
                let before = tty.inq();
                if tty.readable(false) {
                    let n = tty.read(&mut buf);
                    prop_assert!(n <= chunk);
                    prop_assert!(n <= before.max(n));
                }
            }
            prop_assert!(tty.inq() <= N_TTY_BUF_SIZE);
            if i == 3000 {
                tty.set_termios(Termios::serial_console());
            }
        }
    }
}
