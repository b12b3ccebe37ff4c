//! The kernel command line's grammar: space-separated `key=value` words (a bare `key` has an
//! empty value) for the kernel, then optionally ` -- ` and the arguments for init. The kernel
//! keeps the text (`src/cmdline.rs`); the parsing is here, host-tested.

/// Every key some part of the kernel reads, with the reader. A key missing here is reported as
/// unknown at boot: add it when a module starts reading a new one.
pub const KNOWN_KEYS: &[&str] = &[
    "log",             // console::logger: error|warn|info|debug|trace
    "init",            // main: the first program
    "ktest",           // ktest (the ktest build): which cases
    "strace",          // trace: strace or strace=NAME
    "panic",           // panic: panic=poweroff
    "selfcheck",       // mm::selfcheck
    "slub_debug",      // mm::redzone
    "fail_page_alloc", // mm::inject
    "failslab",        // mm::inject
    "fail_filter",     // mm::inject
    "norandmaps",      // proc::aslr: randomize_va_space = 0
];

/// The kernel's part of `line` (before a ` -- `).
pub fn kernel_part(line: &str) -> &str {
    match line.find(" -- ") {
        Some(i) => &line[..i],
        None => line.strip_suffix(" --").unwrap_or(line),
    }
}

/// What follows ` -- `: arguments for init.
pub fn init_args(line: &str) -> &str {
    line.find(" -- ").map_or("", |i| &line[i + 4..])
}

/// The value of `key` in the kernel's part of `line`: `Some("")` for a bare `key`, `None` if
/// absent. The last one wins.
pub fn get<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let mut found = None;
    for word in kernel_part(line).split_ascii_whitespace() {
        match word.split_once('=') {
            Some((k, v)) if k == key => found = Some(v),
            None if word == key => found = Some(""),
            _ => {}
        }
    }
    found
}

/// The words of the kernel's part of `line` whose key is not in `known`, in order.
pub fn unknown_words<'a>(line: &'a str, known: &'a [&'a str]) -> impl Iterator<Item = &'a str> + 'a {
    kernel_part(line).split_ascii_whitespace().filter(move |w| !known.contains(&w.split_once('=').map_or(*w, |(k, _)| k)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn get_last_wins_and_bare_keys() {
        let l = "log=info strace log=debug init=/bin/sh -- log=warn x";
        assert_eq!(get(l, "log"), Some("debug"));
        assert_eq!(get(l, "strace"), Some(""));
        assert_eq!(get(l, "panic"), None);
        assert_eq!(init_args(l), "log=warn x");
        assert_eq!(kernel_part("a=1 --"), "a=1");
    }

    #[test]
    fn unknown_words_skip_known_keys_and_init_args() {
        let l = "log=debug quiet console=ttyS0 strace=sh  -- init-only words";
        let u: Vec<&str> = unknown_words(l, KNOWN_KEYS).collect();
        assert_eq!(u, ["quiet", "console=ttyS0"]);
        assert_eq!(unknown_words("", KNOWN_KEYS).count(), 0);
        assert_eq!(unknown_words("loglevel=7", KNOWN_KEYS).collect::<Vec<_>>(), ["loglevel=7"]);
    }
}
