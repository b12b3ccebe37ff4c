//! Text built on the kernel heap with a way to fail: [`TryText`] is a `fmt::Write` whose every
//! write reserves its room first (`try_reserve`) and fails with `fmt::Error` when the heap has
//! none, so a `/proc` file or a report formatted with `write!` ends in `ENOMEM` instead of the
//! allocation-error panic `String`'s own `fmt::Write` (and `format!`) would give.

use alloc::string::String;
use core::fmt;
use vmcore::errno::Errno;

/// A string under construction whose growth is fallible; see the module doc. A failed write
/// is remembered: later writes do nothing and [`finish`](Self::finish) says `ENOMEM`, so a
/// generator may ignore each `write!`'s result and check once at the end.
#[derive(Debug, Default)]
pub struct TryText {
    text: String,
    failed: bool,
}

impl TryText {
    /// An empty text (no allocation yet).
    pub fn new() -> Self {
        TryText { text: String::new(), failed: false }
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The text built, or `ENOMEM` if a write found no room.
    pub fn finish(self) -> Result<String, Errno> {
        if self.failed {
            return Err(Errno::ENOMEM);
        }
        Ok(self.text)
    }
}

impl fmt::Write for TryText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.failed || self.text.try_reserve(s.len()).is_err() {
            self.failed = true;
            return Err(fmt::Error);
        }
        self.text.push_str(s);
        Ok(())
    }
}

/// `format!` with a way to fail: `ENOMEM` when the heap has no room for the text.
pub fn format(args: fmt::Arguments<'_>) -> Result<String, Errno> {
    let mut t = TryText::new();
    let _ = fmt::Write::write_fmt(&mut t, args);
    t.finish()
}

/// `try_format!(...)`: [`format`] with `format!`'s syntax.
#[macro_export]
macro_rules! try_format {
    ($($arg:tt)*) => { $crate::mm::trytext::format(format_args!($($arg)*)) };
}
