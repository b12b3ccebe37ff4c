//! One entry of a newc archive: its header fields, and the parser of a single entry.

use super::{CpioError, HEADER_LEN, MAGIC_CRC, MAGIC_NEWC, TRAILER};

/// Names of the thirteen hex fields, in header order (used in [`CpioError::BadHex`]).
const FIELDS: [&str; 13] = [
    "ino",
    "mode",
    "uid",
    "gid",
    "nlink",
    "mtime",
    "filesize",
    "devmajor",
    "devminor",
    "rdevmajor",
    "rdevminor",
    "namesize",
    "check",
];

/// The kind of file an entry describes (the `S_IFMT` bits of its mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    /// `S_IFREG`.
    Regular,
    /// `S_IFDIR`.
    Directory,
    /// `S_IFLNK`; the data is the link target.
    Symlink,
    /// `S_IFCHR`; the device number is in `rdev_major`/`rdev_minor`.
    CharDevice,
    /// `S_IFBLK`.
    BlockDevice,
    /// `S_IFIFO`.
    Fifo,
    /// `S_IFSOCK`.
    Socket,
    /// Any other `S_IFMT` value.
    Other,
}

impl FileType {
    /// The type encoded in `mode`.
    pub const fn from_mode(mode: u32) -> FileType {
        match mode & 0o170_000 {
            0o100_000 => FileType::Regular,
            0o040_000 => FileType::Directory,
            0o120_000 => FileType::Symlink,
            0o020_000 => FileType::CharDevice,
            0o060_000 => FileType::BlockDevice,
            0o010_000 => FileType::Fifo,
            0o140_000 => FileType::Socket,
            _ => FileType::Other,
        }
    }
}

/// One archive entry; `name` and `data` borrow from the archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The normalised name (see [`normalize`]); `""` is the root directory.
    pub name: &'a [u8],
    /// The name as stored, without its NUL.
    pub raw_name: &'a [u8],
    /// Inode number.
    pub ino: u32,
    /// File type and permission bits (`st_mode`).
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Link count; hard links carry their data only on the last entry of the group.
    pub nlink: u32,
    /// Modification time, seconds since the epoch.
    pub mtime: u32,
    /// Major number of the device the file lived on.
    pub dev_major: u32,
    /// Minor number of the device the file lived on.
    pub dev_minor: u32,
    /// Major number of a device special file.
    pub rdev_major: u32,
    /// Minor number of a device special file.
    pub rdev_minor: u32,
    /// The file contents (a symlink's target).
    pub data: &'a [u8],
    /// Archive offset of the entry's header.
    pub offset: usize,
}

impl<'a> Entry<'a> {
    /// The kind of file.
    pub const fn file_type(&self) -> FileType {
        FileType::from_mode(self.mode)
    }

    /// The permission bits (`mode & 0o7777`).
    pub const fn permissions(&self) -> u32 {
        self.mode & 0o7777
    }

    /// The normalised name as UTF-8, `None` if it is not.
    pub fn name_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.name).ok()
    }

    /// A symlink's target, `None` for other types.
    pub fn symlink_target(&self) -> Option<&'a [u8]> {
        (self.file_type() == FileType::Symlink).then_some(self.data)
    }
}

/// Strips leading `/` and `./` and trailing `/`; `.` becomes `""` (the root).
pub fn normalize(path: &[u8]) -> &[u8] {
    let mut p = path;
    loop {
        if let Some(rest) = p.strip_prefix(b"./") {
            p = rest;
        } else if let Some(rest) = p.strip_prefix(b"/") {
            p = rest;
        } else {
            break;
        }
    }
    while let Some(rest) = p.strip_suffix(b"/") {
        p = rest;
    }
    if p == b"." {
        b""
    } else {
        p
    }
}

/// `n` rounded up to a multiple of 4, `None` on overflow.
fn align4(n: usize) -> Option<usize> {
    Some(n.checked_add(3)? & !3)
}

/// Parses 8 ASCII hex digits.
fn hex8(digits: &[u8]) -> Option<u32> {
    if digits.len() != 8 {
        return None;
    }
    digits.iter().try_fold(0u32, |acc, &d| Some((acc << 4) | char::from(d).to_digit(16)?))
}

/// Parses the entry at `offset`; returns it and the offset of the next header.
pub(super) fn parse_entry(data: &[u8], offset: usize) -> Result<(Entry<'_>, usize), CpioError> {
    let truncated = CpioError::Truncated { offset };
    if offset >= data.len() {
        return Err(CpioError::MissingTrailer { offset });
    }
    let header_end = offset.checked_add(HEADER_LEN).ok_or(truncated)?;
    let header = data.get(offset..header_end).ok_or(truncated)?;
    let (magic, fields) = header.split_at(6);
    if magic != MAGIC_NEWC && magic != MAGIC_CRC {
        return Err(CpioError::BadMagic { offset });
    }
    let mut v = [0u32; 13];
    for (i, (slot, digits)) in v.iter_mut().zip(fields.chunks_exact(8)).enumerate() {
        *slot = hex8(digits).ok_or(CpioError::BadHex { offset, field: FIELDS[i] })?;
    }
    let [ino, mode, uid, gid, nlink, mtime, filesize, dev_major, dev_minor, rdev_major, rdev_minor, namesize, check] =
        v;
    let namesize = usize::try_from(namesize).map_err(|_| truncated)?;
    let filesize = usize::try_from(filesize).map_err(|_| truncated)?;
    let name_end = header_end.checked_add(namesize).ok_or(truncated)?;
    let name = data.get(header_end..name_end).ok_or(truncated)?;
    let raw_name = match name.split_last() {
        Some((0, raw)) if !raw.is_empty() && !raw.contains(&0) => raw,
        _ => return Err(CpioError::BadName { offset }),
    };
    let data_start = align4(name_end).ok_or(truncated)?;
    let (contents, next) = if raw_name == TRAILER {
        // Nothing follows the trailer; its padding may have been cut off.
        (&[][..], data.len())
    } else {
        let data_end = data_start.checked_add(filesize).ok_or(truncated)?;
        let contents = data.get(data_start..data_end).ok_or(truncated)?;
        (contents, align4(data_end).ok_or(truncated)?)
    };
    if magic == MAGIC_CRC
        && contents.iter().fold(0u32, |sum, &b| sum.wrapping_add(u32::from(b))) != check
    {
        return Err(CpioError::ChecksumMismatch { offset });
    }
    let name = normalize(raw_name);
    let entry = Entry {
        name,
        raw_name,
        ino,
        mode,
        uid,
        gid,
        nlink,
        mtime,
        dev_major,
        dev_minor,
        rdev_major,
        rdev_minor,
        data: contents,
        offset,
    };
    Ok((entry, next))
}
