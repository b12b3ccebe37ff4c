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

/// The kernel's part of the command line (before a ` -- `).
fn kernel_part() -> &'static str {
    let l = line();
    match l.find(" -- ") {
        Some(i) => &l[..i],
        None => l.strip_suffix(" --").unwrap_or(l),
    }
}

/// What follows ` -- `: arguments for init.
pub fn init_args() -> &'static str {
    let l = line();
    l.find(" -- ").map_or("", |i| &l[i + 4..])
}

/// The value of `key`: `Some("")` for a bare `key`, `None` if absent. The last one wins.
pub fn get(key: &str) -> Option<&'static str> {
    let mut found = None;
    for word in kernel_part().split_ascii_whitespace() {
        match word.split_once('=') {
            Some((k, v)) if k == key => found = Some(v),
            None if word == key => found = Some(""),
            _ => {}
        }
    }
    found
}

/// The value of `key` parsed as a number (decimal or 0x-hex).
pub fn get_u32(key: &str) -> Option<u32> {
    let v = get(key)?;
    match v.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}
