//! The line discipline against what Linux's n_tty does with the same keystrokes (the byte
//! sequences are what a Linux 6.1 serial console echoes and returns): canonical editing and
//! echo ([`editing`]), signal characters and the other modes ([`modes`]), properties
//! ([`props`]).

mod editing;
mod modes;
mod props;

use super::ldisc::{NTty, Received, Sink};
use super::termios::*;
use std::vec::Vec;

#[derive(Default)]
pub(super) struct Out(pub(super) Vec<u8>);

impl Sink for Out {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

pub(super) fn feed(tty: &mut NTty, keys: &[u8]) -> (Vec<u8>, Vec<u32>) {
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

pub(super) fn read_all(tty: &mut NTty) -> Vec<u8> {
    let mut buf = [0u8; 8192];
    let n = tty.read(&mut buf);
    buf[..n].to_vec()
}

pub(super) fn console() -> NTty {
    NTty::new(Termios::serial_console())
}
