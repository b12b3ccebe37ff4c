//! The errors of [`plan`](super::plan) and [`build_stack`](super::build_stack), with the errno
//! `execve` returns for each.

use core::fmt;

use crate::errno::Errno;

/// Why [`plan`](super::plan) refused an image; see the `From` impl for the errno of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecError {
    /// Shorter than an ELF header (`ENOEXEC`).
    TooShort,
    /// No ELF magic or an unknown ELF version (`ENOEXEC`).
    NotElf,
    /// Not `ELFCLASS32` (`ENOEXEC`).
    NotElf32,
    /// Not little-endian (`ENOEXEC`).
    NotLittleEndian,
    /// `e_machine` is not `EM_386`/`EM_486` (`ENOEXEC`).
    WrongMachine(u16),
    /// `e_type` is not `ET_EXEC`, e.g. a PIE or a shared object (`ENOEXEC`).
    NotExecutable(u16),
    /// `e_phentsize` is not 32, or the table is empty or over 64 KiB (`ENOEXEC`).
    BadProgramHeaders,
    /// The program-header table lies past the end of the file (`EIO`, Linux's short read).
    ProgramHeadersPastEnd,
    /// The binary names an interpreter (`PT_INTERP`): it is dynamically linked. `ENOENT`,
    /// what Linux returns when the interpreter does not exist, as here.
    NotStatic,
    /// No `PT_LOAD` with a non-zero `p_memsz` (`ENOEXEC`).
    NoLoadSegment,
    /// Segment `index`'s file bytes run past the end of the file (`ENOEXEC`).
    SegmentPastEnd {
        /// Program-header index.
        index: usize,
    },
    /// Segment `index` has `p_filesz > p_memsz` (`EINVAL`, as Linux).
    FileSizeExceedsMemSize {
        /// Program-header index.
        index: usize,
    },
    /// Segment `index` has `p_vaddr % 4096 != p_offset % 4096`: it cannot be mapped
    /// (`EINVAL`, what Linux's `mmap` gives).
    Misaligned {
        /// Program-header index.
        index: usize,
    },
    /// Segment `index` is not inside `[USER_START, USER_END)` (`EINVAL`).
    OutsideUserSpace {
        /// Program-header index.
        index: usize,
    },
    /// Segment `index` shares pages with a lower segment and the merge rule does not apply
    /// (`ENOEXEC`).
    Overlap {
        /// Program-header index.
        index: usize,
    },
    /// `e_entry` is not inside any loaded segment (`EINVAL`).
    EntryOutside,
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::TooShort => f.write_str("file shorter than an ELF header"),
            ExecError::NotElf => f.write_str("not an ELF file"),
            ExecError::NotElf32 => f.write_str("not a 32-bit ELF file"),
            ExecError::NotLittleEndian => f.write_str("not a little-endian ELF file"),
            ExecError::WrongMachine(m) => write!(f, "ELF machine {m} is not i386"),
            ExecError::NotExecutable(t) => write!(f, "ELF type {t} is not ET_EXEC"),
            ExecError::BadProgramHeaders => f.write_str("bad program-header table"),
            ExecError::ProgramHeadersPastEnd => f.write_str("program headers past end of file"),
            ExecError::NotStatic => f.write_str("dynamically linked (PT_INTERP)"),
            ExecError::NoLoadSegment => f.write_str("no PT_LOAD segment"),
            ExecError::SegmentPastEnd { index } => write!(f, "segment {index} past end of file"),
            ExecError::FileSizeExceedsMemSize { index } => {
                write!(f, "segment {index}: p_filesz > p_memsz")
            }
            ExecError::Misaligned { index } => {
                write!(f, "segment {index}: vaddr/offset misaligned")
            }
            ExecError::OutsideUserSpace { index } => {
                write!(f, "segment {index} outside user space")
            }
            ExecError::Overlap { index } => write!(f, "segment {index} overlaps another"),
            ExecError::EntryOutside => f.write_str("entry point outside the loaded segments"),
        }
    }
}

/// The errno `execve` returns: format problems are `ENOEXEC`, a missing interpreter `ENOENT`,
/// a short read `EIO`, unmappable segments `EINVAL`.
impl From<ExecError> for Errno {
    fn from(e: ExecError) -> Errno {
        match e {
            ExecError::ProgramHeadersPastEnd => Errno::EIO,
            ExecError::NotStatic => Errno::ENOENT,
            ExecError::FileSizeExceedsMemSize { .. }
            | ExecError::Misaligned { .. }
            | ExecError::OutsideUserSpace { .. }
            | ExecError::EntryOutside => Errno::EINVAL,
            _ => Errno::ENOEXEC,
        }
    }
}

/// Why [`build_stack`](super::build_stack) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackError {
    /// The image would exceed [`MAX_STACK_IMAGE`](super::MAX_STACK_IMAGE) (`E2BIG`).
    TooBig,
    /// String `index` (argv first, then envp) exceeds [`MAX_ARG_STRLEN`](super::MAX_ARG_STRLEN) (`E2BIG`).
    StringTooLong {
        /// Index over argv followed by envp.
        index: usize,
    },
    /// String `index` contains a NUL byte: the caller passed something that is not a C string
    /// body (`EINVAL`).
    InteriorNul {
        /// Index over argv followed by envp.
        index: usize,
    },
    /// `stack_top` is not 16-byte aligned, lies outside `[USER_START, USER_END]`, or the image
    /// would reach below `USER_START` (`EINVAL`).
    BadStackTop,
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StackError::TooBig => f.write_str("arguments and environment too large"),
            StackError::StringTooLong { index } => write!(f, "string {index} too long"),
            StackError::InteriorNul { index } => write!(f, "string {index} contains NUL"),
            StackError::BadStackTop => f.write_str("bad stack top"),
        }
    }
}

/// Size problems are `E2BIG` (as `execve` reports them); the others are `EINVAL`.
impl From<StackError> for Errno {
    fn from(e: StackError) -> Errno {
        match e {
            StackError::TooBig | StackError::StringTooLong { .. } => Errno::E2BIG,
            StackError::InteriorNul { .. } | StackError::BadStackTop => Errno::EINVAL,
        }
    }
}
