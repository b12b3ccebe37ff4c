//! Reader for cpio "newc" archives, the format of a Linux initramfs (`cpio -o -H newc`).
//!
//! An archive is a sequence of entries, each a 110-byte ASCII header, the NUL-terminated name
//! and the file data. The name starts right after the header and the data and the next header
//! start at the next multiple of 4 bytes from the start of the archive:
//!
//! ```text
//! "070701" ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
//!  6 bytes  ------------------------- 13 fields of 8 hex digits each -------------------------
//! name\0 [pad to 4] data [pad to 4] next header ... "TRAILER!!!" entry
//! ```
//!
//! Magic `070701` is "newc"; `070702` is "crc", identical except that `check` holds the sum of
//! the data bytes, which this reader verifies. Iteration stops at the entry named `TRAILER!!!`;
//! anything after it (cpio pads to 512 bytes) is ignored. Everything is bounds-checked: a
//! malformed archive yields a [`CpioError`], never a panic.
//!
//! Names are normalised ([`normalize`]): leading `/` and `./` and trailing `/` are removed, so
//! `/bin/sh`, `./bin/sh` and `bin/sh` are the same entry and `.` is the root, `""`. `..` is not
//! resolved and symlinks are not followed.

use core::fmt;

use crate::errno::Errno;

mod entry;

use entry::parse_entry;
pub use entry::{normalize, Entry, FileType};

/// Length of an entry header.
pub const HEADER_LEN: usize = 110;
/// Name of the entry that ends an archive.
pub const TRAILER: &[u8] = b"TRAILER!!!";
/// Magic of the "newc" format.
pub const MAGIC_NEWC: &[u8; 6] = b"070701";
/// Magic of the "crc" format (newc plus a data checksum).
pub const MAGIC_CRC: &[u8; 6] = b"070702";

/// Why an archive could not be read. `offset` is the archive offset of the entry's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpioError {
    /// The header, name or data runs past the end of the archive.
    Truncated {
        /// Offset of the entry.
        offset: usize,
    },
    /// The header does not start with `070701` or `070702`.
    BadMagic {
        /// Offset of the entry.
        offset: usize,
    },
    /// A header field is not 8 hexadecimal digits.
    BadHex {
        /// Offset of the entry.
        offset: usize,
        /// The field's name, e.g. `"filesize"`.
        field: &'static str,
    },
    /// The name is empty, not NUL-terminated, or holds a NUL before its end.
    BadName {
        /// Offset of the entry.
        offset: usize,
    },
    /// A `070702` entry whose data bytes do not sum to its `check` field.
    ChecksumMismatch {
        /// Offset of the entry.
        offset: usize,
    },
    /// The archive ends without a `TRAILER!!!` entry.
    MissingTrailer {
        /// Offset where the next header should have been.
        offset: usize,
    },
}

impl fmt::Display for CpioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CpioError::Truncated { offset } => write!(f, "cpio entry at {offset:#x} is truncated"),
            CpioError::BadMagic { offset } => write!(f, "cpio entry at {offset:#x}: bad magic"),
            CpioError::BadHex { offset, field } => {
                write!(f, "cpio entry at {offset:#x}: field {field} is not hexadecimal")
            }
            CpioError::BadName { offset } => write!(f, "cpio entry at {offset:#x}: bad name"),
            CpioError::ChecksumMismatch { offset } => {
                write!(f, "cpio entry at {offset:#x}: checksum mismatch")
            }
            CpioError::MissingTrailer { offset } => {
                write!(f, "cpio archive ends at {offset:#x} without TRAILER!!!")
            }
        }
    }
}

/// A corrupt archive is corrupt file-system data: `EIO`, as a block file system reports it.
impl From<CpioError> for Errno {
    fn from(_: CpioError) -> Errno {
        Errno::EIO
    }
}

/// A newc archive in memory.
#[derive(Clone, Copy, Debug)]
pub struct Archive<'a> {
    data: &'a [u8],
}

impl<'a> Archive<'a> {
    /// The archive held in `data` (nothing is checked until iteration).
    pub const fn new(data: &'a [u8]) -> Self {
        Archive { data }
    }

    /// The entries in archive order, up to (excluding) the trailer. After an error the
    /// iterator ends.
    pub fn entries(&self) -> Entries<'a> {
        Entries { data: self.data, pos: 0, done: false }
    }

    /// Checks the whole archive; returns the number of entries.
    pub fn validate(&self) -> Result<usize, CpioError> {
        self.entries().try_fold(0, |n, e| e.map(|_| n + 1))
    }

    /// The entry named `path` (normalised like the names, so `/bin/sh` finds `bin/sh`). When a
    /// name occurs twice the later entry wins, as when Linux unpacks an initramfs. An empty hard
    /// link gets the data of the entry with the same `(dev, ino)` that carries it. Any error in
    /// the archive is reported, even one after the match.
    pub fn lookup(&self, path: &[u8]) -> Result<Option<Entry<'a>>, CpioError> {
        let want = normalize(path);
        let mut found = None;
        for entry in self.entries() {
            let entry = entry?;
            if entry.name == want {
                found = Some(entry);
            }
        }
        let Some(mut entry) = found else { return Ok(None) };
        if entry.file_type() == FileType::Regular && entry.nlink > 1 && entry.data.is_empty() {
            let holder = self.entries().flatten().find(|e| {
                e.file_type() == FileType::Regular
                    && (e.ino, e.dev_major, e.dev_minor)
                        == (entry.ino, entry.dev_major, entry.dev_minor)
                    && !e.data.is_empty()
            });
            if let Some(holder) = holder {
                entry.data = holder.data;
            }
        }
        Ok(Some(entry))
    }
}

/// Iterator over an archive's entries; see [`Archive::entries`].
#[derive(Clone, Debug)]
pub struct Entries<'a> {
    data: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, CpioError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match parse_entry(self.data, self.pos) {
            Ok((entry, _)) if entry.raw_name == TRAILER => {
                self.done = true;
                None
            }
            Ok((entry, next)) => {
                self.pos = next;
                Some(Ok(entry))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests;
