//! The kernel command line: space-separated `key=value` words (a bare `key` has an empty value).

use spin::Once;

const MAX_LEN: usize = 512;

struct Cmdline {
    buf: [u8; MAX_LEN],
    len: usize,
}

static CMDLINE: Once<Cmdline> = Once::new();

/// Stores a copy of the command line (truncated to 512 bytes).
pub fn init(line: &str) {
    CMDLINE.call_once(|| {
        let mut c = Cmdline { buf: [0; MAX_LEN], len: 0 };
        let mut n = line.len().min(MAX_LEN);
        while !line.is_char_boundary(n) {
            n -= 1;
        }
        c.buf[..n].copy_from_slice(&line.as_bytes()[..n]);
        c.len = n;
        c
    });
}

/// The whole command line.
pub fn line() -> &'static str {
    match CMDLINE.get() {
        Some(c) => core::str::from_utf8(&c.buf[..c.len]).unwrap_or(""),
        None => "",
    }
}

/// What follows ` -- `: arguments for init.
pub fn init_args() -> &'static str {
    vmcore::cmdline::init_args(line())
}

/// The value of `key`: `Some("")` for a bare `key`, `None` if absent. The last one wins.
pub fn get(key: &str) -> Option<&'static str> {
    vmcore::cmdline::get(line(), key)
}

/// The value of `key` parsed as a number (decimal or 0x-hex).
pub fn get_u32(key: &str) -> Option<u32> {
    let v = get(key)?;
    match v.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// Reports, in one warning at boot, the kernel words no part of the kernel reads
/// (`vmcore::cmdline::KNOWN_KEYS`): a typo such as `strce` would otherwise be silently ignored.
/// Allocates nothing (it runs before the heap exists).
pub fn report_unknown() {
    use vmcore::cmdline::{unknown_words, KNOWN_KEYS};
    if unknown_words(line(), KNOWN_KEYS).next().is_none() {
        return;
    }
    /// Words separated by spaces, formatted without a buffer.
    struct Spaced<F>(F);
    impl<'a, I: Iterator<Item = &'a str>, F: Fn() -> I> core::fmt::Display for Spaced<F> {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            for (i, w) in (self.0)().enumerate() {
                write!(f, "{}{w}", if i == 0 { "" } else { " " })?;
            }
            Ok(())
        }
    }
    log::warn!(
        "ignoring unknown word(s) '{}' (known: {}; init's arguments go after ` -- `)",
        Spaced(|| unknown_words(line(), KNOWN_KEYS)),
        Spaced(|| KNOWN_KEYS.iter().copied())
    );
}
