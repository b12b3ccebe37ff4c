//! The errors of [`plan`](super::plan) and [`build_stack`](super::build_stack), with the errno
//! `execve` returns for each.

use core::fmt;

use crate::errno::Errno;

/// Why [`plan`](super::plan) refused an image; see the `From` impl for the errno of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecError {
    /// Shorter than an ELF header (`ENOEXEC`).
    TooShort,
    /// No ELF magic (`ENOEXEC`).
    NotElf,
    /// `e_machine` is not `EM_386`/`EM_486` (`ENOEXEC`).
    WrongMachine(u16),
    /// `e_type` is not `ET_EXEC`, e.g. a PIE or a shared object (`ENOEXEC`).
    NotExecutable(u16),
    /// `e_phentsize` is not 32, or the table is empty or over 4 KiB (`ENOEXEC`).
    BadProgramHeaders,
    /// The program-header table lies (partly) past the end of the data given (`ENOEXEC`:
    /// Linux's `load_elf_phdrs` fails on the short read).
    ProgramHeadersPastEnd,
    /// The `PT_INTERP` path is shorter than 2 or longer than `PATH_MAX` bytes (`ENOEXEC`).
    InterpreterSize,
    /// The binary names an interpreter (`PT_INTERP`, `len` bytes at file `offset`): the
    /// caller reads and looks up the path with Linux's errors; this kernel loads no
    /// interpreter. Its errno here is `ENOEXEC`.
    Interpreter {
        /// File offset of the path.
        offset: u64,
        /// Its length, NUL included.
        len: u32,
    },
    /// No `PT_LOAD` with a non-zero `p_memsz` (SIGSEGV: nothing to run).
    NoLoadSegment,
    /// Segment `index` has `p_filesz > p_memsz` (SIGSEGV; Linux's `EINVAL` after the point of
    /// no return).
    FileSizeExceedsMemSize {
        /// Program-header index.
        index: usize,
    },
    /// Segment `index` has `p_vaddr % 4096 != p_offset % 4096`: it cannot be mapped
    /// (SIGSEGV; Linux's `mmap` `EINVAL` after the point of no return).
    Misaligned {
        /// Program-header index.
        index: usize,
    },
    /// Segment `index` is not inside `[USER_START, USER_END)` (SIGSEGV).
    OutsideUserSpace {
        /// Program-header index.
        index: usize,
    },
    /// Segment `index` reaches into the pages `execve` maps for the stack (SIGSEGV; Linux's
    /// `MAP_FIXED_NOREPLACE` `EEXIST` after the point of no return).
    StackOverlap {
        /// Program-header index.
        index: usize,
    },
    /// Segment `index` shares pages with a lower segment and the merge rule does not apply
    /// (`ENOEXEC`; Linux maps a later segment over an earlier one).
    Overlap {
        /// Program-header index.
        index: usize,
    },
    /// `e_entry` is not below `USER_END` (SIGSEGV; Linux's `BAD_ADDR`).
    EntryOutside,
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::TooShort => f.write_str("file shorter than an ELF header"),
            ExecError::NotElf => f.write_str("not an ELF file"),
            ExecError::WrongMachine(m) => write!(f, "ELF machine {m} is not i386"),
            ExecError::NotExecutable(t) => write!(f, "ELF type {t} is not ET_EXEC"),
            ExecError::BadProgramHeaders => f.write_str("bad program-header table"),
            ExecError::ProgramHeadersPastEnd => f.write_str("program headers past end of file"),
            ExecError::InterpreterSize => f.write_str("bad PT_INTERP size"),
            ExecError::Interpreter { .. } => f.write_str("dynamically linked (PT_INTERP)"),
            ExecError::NoLoadSegment => f.write_str("no PT_LOAD segment"),
            ExecError::FileSizeExceedsMemSize { index } => {
                write!(f, "segment {index}: p_filesz > p_memsz")
            }
            ExecError::Misaligned { index } => {
                write!(f, "segment {index}: vaddr/offset misaligned")
            }
            ExecError::OutsideUserSpace { index } => {
                write!(f, "segment {index} outside user space")
            }
            ExecError::StackOverlap { index } => write!(f, "segment {index} overlaps the stack"),
            ExecError::Overlap { index } => write!(f, "segment {index} overlaps another"),
            ExecError::EntryOutside => f.write_str("entry point outside user space"),
        }
    }
}

impl ExecError {
    /// Whether Linux finds this only while mapping the new image, after the old one is gone
    /// (`begin_new_exec`): `execve` then kills the process with SIGSEGV instead of returning.
    pub fn after_point_of_no_return(&self) -> bool {
        matches!(
            self,
            ExecError::NoLoadSegment
                | ExecError::FileSizeExceedsMemSize { .. }
                | ExecError::Misaligned { .. }
                | ExecError::OutsideUserSpace { .. }
                | ExecError::StackOverlap { .. }
                | ExecError::EntryOutside
        )
    }
}

/// The errno of a refused exec: format problems are `ENOEXEC`; the failures found after the
/// point of no return (which kill instead) say `EINVAL`.
impl From<ExecError> for Errno {
    fn from(e: ExecError) -> Errno {
        if e.after_point_of_no_return() { Errno::EINVAL } else { Errno::ENOEXEC }
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
    /// No room on the kernel heap for the image (`ENOMEM`).
    NoMemory,
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StackError::TooBig => f.write_str("arguments and environment too large"),
            StackError::StringTooLong { index } => write!(f, "string {index} too long"),
            StackError::InteriorNul { index } => write!(f, "string {index} contains NUL"),
            StackError::BadStackTop => f.write_str("bad stack top"),
            StackError::NoMemory => f.write_str("no memory for the stack image"),
        }
    }
}

/// Size problems are `E2BIG` (as `execve` reports them); the others are `EINVAL`.
impl From<StackError> for Errno {
    fn from(e: StackError) -> Errno {
        match e {
            StackError::TooBig | StackError::StringTooLong { .. } => Errno::E2BIG,
            StackError::InteriorNul { .. } | StackError::BadStackTop => Errno::EINVAL,
            StackError::NoMemory => Errno::ENOMEM,
        }
    }
}
