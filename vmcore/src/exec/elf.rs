//! The load plan of a static i386 ELF executable: which pages to map from which file range.
//!
//! [`plan`] reads the ELF header and program headers with the `elf` crate and checks what
//! Linux 6.1's `load_elf_binary` checks, in its order, then describes each `PT_LOAD` segment
//! as a [`SegmentPlan`]: a private file mapping whose bytes past `file_limit` read as zero
//! (the bss, including the tail of the last file page past `p_filesz`).
//!
//! Linux checks the header (magic, `e_type`, `e_machine` — not the class, byte order or
//! version bytes), the program-header table (`e_phentsize`, at most 4096 bytes, readable) and
//! `PT_INTERP` before the point of no return: those failures are errnos. Bad segments (bss
//! larger than the file part the other way round, offsets not congruent to addresses, outside
//! user space or over the stack) and a bad entry point are only found while mapping, after
//! the old image is gone: the process is killed with SIGSEGV
//! ([`ExecError::after_point_of_no_return`]). A segment may run past the end of the file.
//!
//! Segment layout rules (segments are taken in address order, whatever the table order):
//! * A segment with `p_memsz == 0` is skipped.
//! * Two segments may not share a page, with one exception (what `ld -N`-style layouts need):
//!   when segment B starts in the last page of segment A, A has no bss (`p_memsz == p_filesz`),
//!   A's bytes end at or before B's first byte, and B maps the file with the same
//!   address-to-offset delta as A (or B has no file data), the two become one [`SegmentPlan`]
//!   whose flags are the union of both. Anything else is [`ExecError::Overlap`].

use alloc::sync::Arc;
use alloc::vec::Vec;

use ::elf::abi;
use ::elf::endian::AnyEndian;
use ::elf::file::{Class, FileHeader, ELF32_EHDR_TAILSIZE};
use ::elf::segment::{ProgramHeader, SegmentTable};

use super::errors::ExecError;
use crate::addr::{Page, VirtAddr, PAGE_SHIFT, PAGE_SIZE};
use crate::layout::{EXEC_STACK_PAGES, USER_END, USER_START};
use crate::vma::{Backing, FileObject, VmFlags};

/// Size of one i386 program header (`sizeof(Elf32_Phdr)`); `e_phentsize` must equal it.
pub const PHENT_SIZE: u16 = 32;
/// Largest program-header table Linux accepts, in bytes (`load_elf_phdrs`: `ELF_MIN_ALIGN`,
/// so at most 128 headers).
pub const MAX_PHDR_TABLE: usize = 4096;
/// Longest `PT_INTERP` path Linux reads, NUL included (`PATH_MAX`).
pub const MAX_INTERP_PATH: u64 = 4096;
/// `EM_486`, which Linux also accepts for i386.
const EM_486: u16 = 6;

/// One private file mapping to create for a loadable segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentPlan {
    /// First page.
    pub start: Page,
    /// Number of pages (at least 1).
    pub pages: u32,
    /// Page-aligned file offset of `start`.
    pub file_offset: u64,
    /// Bytes of file data from `file_offset`: `p_offset % 4096 + p_filesz`, 0 for a segment
    /// without file data. Every byte past it reads as zero.
    pub file_limit: u64,
    /// `READ`/`WRITE`/`EXEC` from `p_flags`, plus `MAYREAD|MAYWRITE|MAYEXEC`.
    pub flags: VmFlags,
}

impl SegmentPlan {
    /// One past the last address.
    pub fn end(&self) -> VirtAddr {
        VirtAddr::new((self.start.number() + self.pages) << PAGE_SHIFT)
    }

    /// The backing for a private mapping of `file` (the executable).
    pub fn backing(&self, file: Arc<dyn FileObject>) -> Backing {
        Backing::File { file, offset: self.file_offset, limit: self.file_limit }
    }
}

/// What `execve` needs to load a static executable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecPlan {
    /// Entry point (`e_entry`).
    pub entry: VirtAddr,
    /// The mappings, in address order, no two sharing a page.
    pub segments: Vec<SegmentPlan>,
    /// Address of the program headers in memory (`AT_PHDR`): `PT_PHDR`'s `p_vaddr`, else the
    /// address of `e_phoff` inside the `PT_LOAD` whose file bytes hold the whole table; `None`
    /// when neither exists.
    pub phdr: Option<VirtAddr>,
    /// Size of a program header (`AT_PHENT`), always 32.
    pub phent: u16,
    /// Number of program headers (`AT_PHNUM`).
    pub phnum: u16,
    /// Start of the heap: the highest segment's end, page-aligned.
    pub brk_start: VirtAddr,
}

/// A checked `PT_LOAD`, before merging.
struct Load {
    index: usize,
    plan: SegmentPlan,
    vaddr: u64,
    data_end: u64,
    mem_end: u64,
}

/// The load plan of a static i386 `ET_EXEC` image (the whole file).
pub fn plan(image: &[u8]) -> Result<ExecPlan, ExecError> {
    plan_head(image)
}

/// The load plan from the first bytes of a file: `image` must hold the ELF
/// header and the program-header table (`ProgramHeadersPastEnd` otherwise, and then the
/// caller may retry with more).
pub fn plan_head(image: &[u8]) -> Result<ExecPlan, ExecError> {
    let ident = image.get(..abi::EI_NIDENT).ok_or(ExecError::TooShort)?;
    if ident[..4] != [0x7f, b'E', b'L', b'F'] {
        return Err(ExecError::NotElf);
    }
    // Read as ELFCLASS32 little-endian whatever EI_CLASS/EI_DATA/EI_VERSION say: Linux's
    // i386 `elf_check_arch` looks at e_machine only.
    let tail = image.get(abi::EI_NIDENT..abi::EI_NIDENT + ELF32_EHDR_TAILSIZE);
    let ehdr = FileHeader::parse_tail((AnyEndian::Little, Class::ELF32, 0, 0), tail.ok_or(ExecError::TooShort)?)
        .map_err(|_| ExecError::TooShort)?;
    if ehdr.e_machine != abi::EM_386 && ehdr.e_machine != EM_486 {
        return Err(ExecError::WrongMachine(ehdr.e_machine));
    }
    if ehdr.e_type != abi::ET_EXEC {
        return Err(ExecError::NotExecutable(ehdr.e_type));
    }
    let table_len = usize::from(ehdr.e_phnum) * usize::from(PHENT_SIZE);
    if ehdr.e_phentsize != PHENT_SIZE || table_len == 0 || table_len > MAX_PHDR_TABLE {
        return Err(ExecError::BadProgramHeaders);
    }
    let table_start =
        usize::try_from(ehdr.e_phoff).map_err(|_| ExecError::ProgramHeadersPastEnd)?;
    let table = table_start
        .checked_add(table_len)
        .and_then(|end| image.get(table_start..end))
        .ok_or(ExecError::ProgramHeadersPastEnd)?;
    let phdrs = SegmentTable::new(ehdr.endianness, Class::ELF32, table);
    // The first PT_INTERP: Linux's size check, then the caller reads and opens the path.
    if let Some(ph) = phdrs.iter().find(|ph| ph.p_type == abi::PT_INTERP) {
        if ph.p_filesz < 2 || ph.p_filesz > MAX_INTERP_PATH {
            return Err(ExecError::InterpreterSize);
        }
        return Err(ExecError::Interpreter { offset: ph.p_offset, len: ph.p_filesz as u32 });
    }

    let mut loads = Vec::new();
    for (index, ph) in phdrs.iter().enumerate() {
        if ph.p_type == abi::PT_LOAD {
            loads.extend(check_load(index, &ph)?);
        }
    }
    // AT_PHDR: PT_PHDR if present, else where the loaded file bytes hold the whole table.
    let table_end = ehdr.e_phoff + table_len as u64;
    let phdr = phdrs
        .iter()
        .find(|ph| ph.p_type == abi::PT_PHDR)
        .map(|ph| ph.p_vaddr)
        .or_else(|| {
            phdrs.iter().find_map(|ph| {
                let inside = ph.p_type == abi::PT_LOAD
                    && ph.p_offset <= ehdr.e_phoff
                    && table_end <= ph.p_offset + ph.p_filesz;
                inside.then(|| ehdr.e_phoff - ph.p_offset + ph.p_vaddr)
            })
        })
        .and_then(|addr| u32::try_from(addr).ok())
        .map(VirtAddr::new);
    let segments = merge(loads)?;
    let last = segments.last().ok_or(ExecError::NoLoadSegment)?;
    let brk_start = last.end();
    // Linux's entry rule: below TASK_SIZE (an unmapped entry faults when it runs).
    let entry = u32::try_from(ehdr.e_entry).ok().filter(|&e| e < USER_END).ok_or(ExecError::EntryOutside)?;
    Ok(ExecPlan {
        entry: VirtAddr::new(entry),
        segments,
        phdr,
        phent: PHENT_SIZE,
        phnum: ehdr.e_phnum,
        brk_start,
    })
}

/// Checks the `PT_LOAD` at program-header `index`; `None` when it maps nothing (`p_memsz` 0).
fn check_load(index: usize, ph: &ProgramHeader) -> Result<Option<Load>, ExecError> {
    if ph.p_filesz > ph.p_memsz {
        return Err(ExecError::FileSizeExceedsMemSize { index });
    }
    if ph.p_memsz == 0 {
        return Ok(None);
    }
    let page_mask = u64::from(PAGE_SIZE - 1);
    if ph.p_vaddr & page_mask != ph.p_offset & page_mask {
        return Err(ExecError::Misaligned { index });
    }
    let mem_end = ph.p_vaddr + ph.p_memsz;
    if ph.p_vaddr < u64::from(USER_START) || mem_end > u64::from(USER_END) {
        return Err(ExecError::OutsideUserSpace { index });
    }
    // Linux maps the first segment with MAP_FIXED_NOREPLACE after the stack exists: EEXIST.
    if mem_end > u64::from(USER_END - EXEC_STACK_PAGES * PAGE_SIZE) {
        return Err(ExecError::StackOverlap { index });
    }
    let first = ph.p_vaddr >> PAGE_SHIFT;
    let last = (mem_end - 1) >> PAGE_SHIFT;
    let plan = SegmentPlan {
        start: Page::from_number(u32::try_from(first).expect("invariant: below USER_END")),
        pages: u32::try_from(last - first + 1).expect("invariant: below USER_END"),
        file_offset: ph.p_offset & !page_mask,
        file_limit: if ph.p_filesz == 0 { 0 } else { (ph.p_offset & page_mask) + ph.p_filesz },
        flags: flags_of(ph.p_flags),
    };
    let data_end = ph.p_vaddr + ph.p_filesz;
    Ok(Some(Load { index, plan, vaddr: ph.p_vaddr, data_end, mem_end }))
}

/// `VmFlags` of a segment with ELF flags `p_flags` (`PF_X` 1, `PF_W` 2, `PF_R` 4).
fn flags_of(p_flags: u32) -> VmFlags {
    let mut flags = VmFlags::MAYREAD | VmFlags::MAYWRITE | VmFlags::MAYEXEC;
    flags.set(VmFlags::READ, p_flags & abi::PF_R != 0);
    flags.set(VmFlags::WRITE, p_flags & abi::PF_W != 0);
    flags.set(VmFlags::EXEC, p_flags & abi::PF_X != 0);
    flags
}

/// Sorts the segments by address and applies the sharing rule of the module documentation.
fn merge(mut loads: Vec<Load>) -> Result<Vec<SegmentPlan>, ExecError> {
    loads.sort_by_key(|l| l.vaddr);
    let mut out: Vec<Load> = Vec::with_capacity(loads.len());
    for b in loads {
        let Some(a) = out.last_mut() else {
            out.push(b);
            continue;
        };
        let a_end = a.plan.start.number() + a.plan.pages;
        if b.plan.start.number() >= a_end {
            out.push(b);
            continue;
        }
        let delta = u64::from(b.plan.start.number() - a.plan.start.number()) << PAGE_SHIFT;
        let mergeable = b.plan.start.number() + 1 == a_end
            && a.data_end == a.mem_end
            && a.mem_end <= b.vaddr
            && (b.plan.file_limit == 0 || b.plan.file_offset == a.plan.file_offset + delta);
        if !mergeable {
            return Err(ExecError::Overlap { index: b.index });
        }
        let b_end = b.plan.start.number() + b.plan.pages;
        a.plan.pages = a_end.max(b_end) - a.plan.start.number();
        if b.plan.file_limit != 0 {
            a.plan.file_limit = delta + b.plan.file_limit;
        }
        a.plan.flags |= b.plan.flags;
        (a.data_end, a.mem_end, a.index) = (b.data_end, b.mem_end, b.index);
    }
    Ok(out.into_iter().map(|l| l.plan).collect())
}

#[cfg(test)]
mod tests;
