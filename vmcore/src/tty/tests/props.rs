//! Properties over generated input.

use super::{console, feed, read_all, Out};
use crate::tty::ldisc::{NTty, Received, N_TTY_BUF_SIZE};
use crate::tty::termios::*;
use proptest::prelude::*;
use std::vec::Vec;

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
