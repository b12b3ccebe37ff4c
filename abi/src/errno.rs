//! Linux i386 error numbers: what a failed system call returns in EAX, negated.
//!
//! Names, values and the messages (glibc's `strerror` texts, which strace prints) are Linux's
//! generic ones, which i386 uses unchanged.

use core::fmt;

/// The errno table: invokes `$cb!` with one row per error number, in increasing order:
/// `EFAULT = 14, "Bad address";`.
#[macro_export]
macro_rules! errno_table {
    ($cb:ident) => {
        $cb! {
            EPERM = 1, "Operation not permitted";
            ENOENT = 2, "No such file or directory";
            ESRCH = 3, "No such process";
            EINTR = 4, "Interrupted system call";
            EIO = 5, "Input/output error";
            ENXIO = 6, "No such device or address";
            E2BIG = 7, "Argument list too long";
            ENOEXEC = 8, "Exec format error";
            EBADF = 9, "Bad file descriptor";
            ECHILD = 10, "No child processes";
            EAGAIN = 11, "Resource temporarily unavailable";
            ENOMEM = 12, "Cannot allocate memory";
            EACCES = 13, "Permission denied";
            EFAULT = 14, "Bad address";
            ENOTBLK = 15, "Block device required";
            EBUSY = 16, "Device or resource busy";
            EEXIST = 17, "File exists";
            EXDEV = 18, "Invalid cross-device link";
            ENODEV = 19, "No such device";
            ENOTDIR = 20, "Not a directory";
            EISDIR = 21, "Is a directory";
            EINVAL = 22, "Invalid argument";
            ENFILE = 23, "Too many open files in system";
            EMFILE = 24, "Too many open files";
            ENOTTY = 25, "Inappropriate ioctl for device";
            ETXTBSY = 26, "Text file busy";
            EFBIG = 27, "File too large";
            ENOSPC = 28, "No space left on device";
            ESPIPE = 29, "Illegal seek";
            EROFS = 30, "Read-only file system";
            EMLINK = 31, "Too many links";
            EPIPE = 32, "Broken pipe";
            EDOM = 33, "Numerical argument out of domain";
            ERANGE = 34, "Numerical result out of range";
            EDEADLK = 35, "Resource deadlock avoided";
            ENAMETOOLONG = 36, "File name too long";
            ENOLCK = 37, "No locks available";
            ENOSYS = 38, "Function not implemented";
            ENOTEMPTY = 39, "Directory not empty";
            ELOOP = 40, "Too many levels of symbolic links";
            EOVERFLOW = 75, "Value too large for defined data type";
            ELIBBAD = 80, "Accessing a corrupted shared library";
            ENOTSOCK = 88, "Socket operation on non-socket";
            EPROTONOSUPPORT = 93, "Protocol not supported";
            ESOCKTNOSUPPORT = 94, "Socket type not supported";
            EOPNOTSUPP = 95, "Operation not supported";
            EAFNOSUPPORT = 97, "Address family not supported by protocol";
            EISCONN = 106, "Transport endpoint is already connected";
            ETIMEDOUT = 110, "Connection timed out";
            ERESTARTSYS = 512, "Interrupted system call should be restarted (kernel-internal)";
            ERESTARTNOINTR = 513, "Restart the system call (kernel-internal)";
            ERESTARTNOHAND = 514, "Restart if no handler (kernel-internal)";
            ERESTART_RESTARTBLOCK = 516, "Restart through restart_syscall (kernel-internal)";
        }
    };
}

macro_rules! errnos {
    ($($name:ident = $value:literal, $text:literal;)*) => {
        /// A Linux i386 error number.
        ///
        /// The discriminant is the positive value (`Errno::EFAULT as i32 == 14`); a system call
        /// returns its negation ([`Errno::as_neg`]).
        #[repr(i32)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(clippy::upper_case_acronyms, non_camel_case_types)]
        pub enum Errno {
            $(
                #[doc = $text]
                $name = $value,
            )*
        }

        impl Errno {
            /// Every error number, in increasing order.
            pub const ALL: &'static [Errno] = &[$(Errno::$name),*];

            /// The symbolic name, e.g. `"EFAULT"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Errno::$name => stringify!($name),)*
                }
            }

            /// The message glibc's `strerror` gives, e.g. `"Bad address"`.
            pub const fn description(self) -> &'static str {
                match self {
                    $(Errno::$name => $text,)*
                }
            }

            /// The error with positive value `value`, `None` if this enum lacks it.
            pub const fn from_raw(value: i32) -> Option<Errno> {
                match value {
                    $($value => Some(Errno::$name),)*
                    _ => None,
                }
            }
        }
    };
}

errno_table!(errnos);

impl Errno {
    /// Largest value Linux treats as an error return: results in `-MAX_ERRNO..=-1` are errors
    /// (`IS_ERR_VALUE`), anything else is a success value (an `mmap` address may look negative).
    pub const MAX_ERRNO: i32 = 4095;

    /// The value a failing system call leaves in EAX: `-(errno)`.
    pub const fn as_neg(self) -> i32 {
        -(self as i32)
    }

    /// The error encoded by a raw system-call result, `None` for a success value or for an
    /// error number this enum lacks.
    pub const fn from_result(result: i32) -> Option<Errno> {
        if result < 0 && result >= -Self::MAX_ERRNO {
            Errno::from_raw(-result)
        } else {
            None
        }
    }

    /// Whether a raw system-call result is an error (in `-4095..=-1`), known or not.
    pub const fn is_error_result(result: i32) -> bool {
        result < 0 && result >= -Self::MAX_ERRNO
    }
}

/// `EFAULT (Bad address)`, the form strace prints after `-1`.
impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn linux_values() {
        let expected = [
            (Errno::EPERM, 1),
            (Errno::ENOENT, 2),
            (Errno::E2BIG, 7),
            (Errno::ENOEXEC, 8),
            (Errno::EAGAIN, 11),
            (Errno::EFAULT, 14),
            (Errno::EINVAL, 22),
            (Errno::ESPIPE, 29),
            (Errno::ERANGE, 34),
            (Errno::ENAMETOOLONG, 36),
            (Errno::ENOSYS, 38),
            (Errno::ELOOP, 40),
            (Errno::EOVERFLOW, 75),
            (Errno::ELIBBAD, 80),
        ];
        for (e, v) in expected {
            assert_eq!(e as i32, v);
            assert_eq!(e.as_neg(), -v);
            assert_eq!(Errno::from_raw(v), Some(e));
        }
    }

    #[test]
    fn names_and_messages() {
        assert_eq!(Errno::EFAULT.name(), "EFAULT");
        assert_eq!(Errno::EFAULT.to_string(), "EFAULT (Bad address)");
        assert_eq!(Errno::ENOENT.description(), "No such file or directory");
    }

    #[test]
    fn table_is_consistent() {
        for &e in Errno::ALL {
            assert_eq!(Errno::from_raw(e as i32), Some(e));
            assert_eq!(Errno::from_result(e.as_neg()), Some(e));
            assert!(e.name().starts_with('E'));
        }
        assert!(Errno::ALL.windows(2).all(|w| (w[0] as i32) < (w[1] as i32)));
        assert_eq!(Errno::from_raw(0), None);
        assert_eq!(Errno::from_result(0), None);
        assert_eq!(Errno::from_result(-4096), None);
        assert!(Errno::is_error_result(-4095));
        assert!(!Errno::is_error_result(0x4000_0000_u32 as i32));
    }
}
