//! Linux errno values (i386 uses the generic numbering) and their names, from the kernel's
//! table (the `abi` crate). Unlike the kernel's `abi::Errno` enum, [`Errno`] holds any raw
//! value, so an error number the table lacks (Linux has more) still round-trips.

use core::fmt;

/// A Linux error number, as returned (negated) by a failing system call.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

/// `Errno::EFAULT` etc.: the kernel's table (the `abi` crate), as constants of this raw type.
macro_rules! errnos {
    ($($name:ident = $value:literal, $text:literal;)*) => {
        impl Errno {
            $(
                #[doc = $text]
                pub const $name: Errno = Errno($value);
            )*
        }
    };
}
abi::errno_table!(errnos);

impl Errno {
    /// The symbolic name (`"EFAULT"`), or `None` for a number not in the table.
    pub fn name(self) -> Option<&'static str> {
        abi::Errno::from_raw(self.0).map(abi::Errno::name)
    }

    /// Decodes a raw system-call return value: `-4095..=-1` is an error, anything else a result.
    #[inline]
    pub fn from_ret(ret: usize) -> Result<usize, Errno> {
        if ret > (-4096isize) as usize {
            Err(Errno(-(ret as isize) as i32))
        } else {
            Ok(ret)
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "errno {}", self.0),
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
