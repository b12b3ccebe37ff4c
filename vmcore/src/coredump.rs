//! The ELF32 core file of an i386 process, as Linux 6.1's `elf_core_dump`
//! (`fs/binfmt_elf.c`) lays it out: the ELF header (`ET_CORE`, `EM_386`), the program
//! headers — `PT_NOTE` first, then one `PT_LOAD` per area —, the notes, zeros up to the next
//! page boundary, then each area's dumped bytes at page-aligned offsets.
//!
//! Notes, in Linux's order for the dumping thread (`write_note_info`): `NT_PRSTATUS`, then the
//! process's `NT_PRPSINFO`, `NT_SIGINFO`, `NT_AUXV`, then the thread's FPU register sets
//! (`NT_PRFPREG`, `NT_PRXFPREG`). Every note is named "CORE" except `NT_PRXFPREG` ("LINUX"),
//! its name and descriptor padded to 4 bytes. Not written (gaps): `NT_FILE` (the mapped
//! files' table), `NT_386_TLS`, `NT_X86_XSTATE`, and the notes of other threads (they are
//! gone by the time we dump: the group exit ends them first).
//!
//! [`layout`] builds everything before the first area's data and says where each area goes;
//! the kernel streams the memory into the file itself.

use alloc::vec::Vec;

use crate::addr::PAGE_SIZE;
use crate::mspace::CoreArea;
use crate::vma::VmFlags;

/// `NT_PRSTATUS`.
pub const NT_PRSTATUS: u32 = 1;
/// `NT_PRFPREG` (the FSAVE-format `user_i387_struct`).
pub const NT_PRFPREG: u32 = 2;
/// `NT_PRPSINFO`.
pub const NT_PRPSINFO: u32 = 3;
/// `NT_AUXV`.
pub const NT_AUXV: u32 = 6;
/// `NT_SIGINFO`.
pub const NT_SIGINFO: u32 = 0x5349_4749;
/// `NT_PRXFPREG` (the FXSAVE image), named "LINUX".
pub const NT_PRXFPREG: u32 = 0x46e6_2b7f;

/// `ET_CORE`.
pub const ET_CORE: u16 = 4;
/// `EM_386`.
pub const EM_386: u16 = 3;
/// `PT_LOAD`.
pub const PT_LOAD: u32 = 1;
/// `PT_NOTE`.
pub const PT_NOTE: u32 = 4;

/// Size of the ELF header.
pub const EHDR_SIZE: usize = 52;
/// Size of a program header.
pub const PHDR_SIZE: usize = 32;
/// Size of i386's `struct elf_prstatus`.
pub const PRSTATUS_SIZE: usize = 144;
/// Size of i386's `struct elf_prpsinfo` (16-bit uid and gid).
pub const PRPSINFO_SIZE: usize = 124;
/// Size of a `siginfo_t`.
pub const SIGINFO_SIZE: usize = 128;
/// Size of `user_i387_struct` (FSAVE format).
pub const FPREGS_SIZE: usize = 108;
/// Size of `user_fxsr_struct` (FXSAVE format).
pub const XFPREGS_SIZE: usize = 512;

/// A `struct timeval` of 32-bit seconds and microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeVal {
    /// Seconds.
    pub sec: u32,
    /// Microseconds.
    pub usec: u32,
}

/// What `NT_PRSTATUS` says of the dumping thread (Linux's `fill_prstatus` and the
/// registers).
#[derive(Clone, Debug, Default)]
pub struct PrStatus {
    /// The fatal signal (`pr_info.si_signo` and `pr_cursig`).
    pub signo: u32,
    /// The thread's pending signals, first word.
    pub sigpend: u32,
    /// The thread's blocked signals, first word.
    pub sighold: u32,
    /// Thread id (`pr_pid`), parent's tgid, process group, session.
    pub pid: u32,
    /// The parent's tgid.
    pub ppid: u32,
    /// Process group.
    pub pgrp: u32,
    /// Session.
    pub sid: u32,
    /// User and system time (the group's for the leader, as Linux).
    pub utime: TimeVal,
    /// System time.
    pub stime: TimeVal,
    /// Reaped children's user time.
    pub cutime: TimeVal,
    /// Reaped children's system time.
    pub cstime: TimeVal,
    /// `user_regs_struct`: ebx ecx edx esi edi ebp eax xds xes xfs xgs orig_eax eip xcs
    /// eflags esp xss.
    pub regs: [u32; 17],
    /// Whether FPU notes follow (`pr_fpvalid`).
    pub fpvalid: bool,
}

/// What `NT_PRPSINFO` says of the process (Linux's `fill_psinfo`).
#[derive(Clone, Debug, Default)]
pub struct PsInfo {
    /// `pr_state`: 0 for a running task; `pr_sname` is `"RSDTZW"[state]`.
    pub state: u8,
    /// `task_nice`.
    pub nice: i8,
    /// The task's `PF_*` flags.
    pub flag: u32,
    /// Real uid and gid (written as 16-bit, 65534 when above 65535, as Linux's `SET_UID`).
    pub uid: u32,
    /// Real gid.
    pub gid: u32,
    /// Process id (tgid), parent's tgid, process group, session.
    pub pid: u32,
    /// The parent's tgid.
    pub ppid: u32,
    /// Process group.
    pub pgrp: u32,
    /// Session.
    pub sid: u32,
    /// The command name (`comm`), at most 16 bytes kept.
    pub fname: Vec<u8>,
    /// The argument strings as they are in memory (NUL-separated); at most 79 bytes kept,
    /// NULs turned into spaces.
    pub args: Vec<u8>,
}

/// Everything a core file holds besides the memory.
#[derive(Clone, Debug, Default)]
pub struct CoreInput {
    /// The dumping thread's status.
    pub prstatus: PrStatus,
    /// The process.
    pub psinfo: PsInfo,
    /// The fatal signal's `siginfo_t` as user space sees it.
    pub siginfo: Vec<u8>,
    /// The auxiliary vector's words, through its `AT_NULL` pair (empty: no note).
    pub auxv: Vec<u32>,
    /// The FSAVE-format registers, if any.
    pub fpregs: Option<Vec<u8>>,
    /// The FXSAVE image, if the CPU has one.
    pub xfpregs: Option<Vec<u8>>,
}

/// Where one area's bytes go in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadPlace {
    /// File offset (page-aligned).
    pub offset: u64,
    /// First address.
    pub vaddr: u32,
    /// Bytes to copy from `vaddr`.
    pub len: u32,
}

/// The head of a core file and the places of its areas.
#[derive(Debug)]
pub struct CoreLayout {
    /// ELF header, program headers, notes and the zeros up to the first area's offset.
    pub head: Vec<u8>,
    /// Bytes of `head` before the zeros (Linux writes these and skips the rest).
    pub used: usize,
    /// One per area, in order (areas with nothing dumped included, `len` 0).
    pub loads: Vec<LoadPlace>,
    /// The file's size once every area is written.
    pub size: u64,
}

/// The allocation for the layout failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoMemory;

fn put16(b: &mut Vec<u8>, v: u16) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

/// Bytes one note takes.
fn note_size(name: &[u8], desc: usize) -> usize {
    12 + pad4(name.len() + 1) + pad4(desc)
}

fn put_note(b: &mut Vec<u8>, name: &[u8], kind: u32, desc: &[u8]) {
    put32(b, name.len() as u32 + 1);
    put32(b, desc.len() as u32);
    put32(b, kind);
    b.extend_from_slice(name);
    b.resize(b.len() + pad4(name.len() + 1) - name.len(), 0);
    b.extend_from_slice(desc);
    b.resize(b.len() + pad4(desc.len()) - desc.len(), 0);
}

/// An empty buffer with room for `n` bytes.
fn buffer(n: usize) -> Result<Vec<u8>, NoMemory> {
    let mut b = Vec::new();
    b.try_reserve_exact(n).map_err(|_| NoMemory)?;
    Ok(b)
}

fn prstatus_bytes(p: &PrStatus) -> Result<Vec<u8>, NoMemory> {
    let mut b = buffer(PRSTATUS_SIZE)?;
    put32(&mut b, p.signo); // pr_info.si_signo
    put32(&mut b, 0); // si_code
    put32(&mut b, 0); // si_errno
    put16(&mut b, p.signo as u16); // pr_cursig
    put16(&mut b, 0);
    put32(&mut b, p.sigpend);
    put32(&mut b, p.sighold);
    for v in [p.pid, p.ppid, p.pgrp, p.sid] {
        put32(&mut b, v);
    }
    for t in [p.utime, p.stime, p.cutime, p.cstime] {
        put32(&mut b, t.sec);
        put32(&mut b, t.usec);
    }
    for r in p.regs {
        put32(&mut b, r);
    }
    put32(&mut b, u32::from(p.fpvalid));
    debug_assert_eq!(b.len(), PRSTATUS_SIZE);
    Ok(b)
}

/// Linux's `SET_UID` for a 16-bit field: ids above 65535 become the overflow id.
fn id16(id: u32) -> u16 {
    u16::try_from(id).unwrap_or(65534)
}

fn psinfo_bytes(p: &PsInfo) -> Result<Vec<u8>, NoMemory> {
    let mut b = buffer(PRPSINFO_SIZE)?;
    let sname = *b"RSDTZW".get(p.state as usize).unwrap_or(&b'.');
    b.extend_from_slice(&[p.state, sname, u8::from(sname == b'Z'), p.nice as u8]);
    put32(&mut b, p.flag);
    put16(&mut b, id16(p.uid));
    put16(&mut b, id16(p.gid));
    for v in [p.pid, p.ppid, p.pgrp, p.sid] {
        put32(&mut b, v);
    }
    let mut fname = [0u8; 16];
    let n = p.fname.len().min(16);
    fname[..n].copy_from_slice(&p.fname[..n]);
    b.extend_from_slice(&fname);
    let mut args = [0u8; 80];
    let n = p.args.len().min(79);
    for (d, &s) in args.iter_mut().zip(&p.args[..n]) {
        *d = if s == 0 { b' ' } else { s };
    }
    b.extend_from_slice(&args);
    debug_assert_eq!(b.len(), PRPSINFO_SIZE);
    Ok(b)
}

/// `p_flags` of an area.
fn segment_flags(f: VmFlags) -> u32 {
    let mut p = 0;
    if f.contains(VmFlags::READ) {
        p |= 4;
    }
    if f.contains(VmFlags::WRITE) {
        p |= 2;
    }
    if f.contains(VmFlags::EXEC) {
        p |= 1;
    }
    p
}

/// The head of the core file of `input` with `areas`, and where each area's bytes go.
pub fn layout(input: &CoreInput, areas: &[CoreArea]) -> Result<CoreLayout, NoMemory> {
    let prstatus = prstatus_bytes(&input.prstatus)?;
    let psinfo = psinfo_bytes(&input.psinfo)?;
    let mut siginfo = [0u8; SIGINFO_SIZE];
    let n = input.siginfo.len().min(SIGINFO_SIZE);
    siginfo[..n].copy_from_slice(&input.siginfo[..n]);
    let mut auxv = buffer(input.auxv.len() * 4)?;
    for &w in &input.auxv {
        put32(&mut auxv, w);
    }
    let mut notes: Vec<(&[u8], u32, &[u8])> = Vec::new();
    notes.try_reserve(6).map_err(|_| NoMemory)?;
    notes.push((b"CORE", NT_PRSTATUS, &prstatus));
    notes.push((b"CORE", NT_PRPSINFO, &psinfo));
    notes.push((b"CORE", NT_SIGINFO, &siginfo));
    if !auxv.is_empty() {
        notes.push((b"CORE", NT_AUXV, &auxv));
    }
    if let Some(fp) = &input.fpregs {
        notes.push((b"CORE", NT_PRFPREG, fp));
    }
    if let Some(fx) = &input.xfpregs {
        notes.push((b"LINUX", NT_PRXFPREG, fx));
    }
    let notes_len: usize = notes.iter().map(|(name, _, desc)| note_size(name, desc.len())).sum();
    let phnum = areas.len() + 1;
    let notes_at = EHDR_SIZE + PHDR_SIZE * phnum;
    let page = PAGE_SIZE as usize;
    let data_at = (notes_at + notes_len).div_ceil(page) * page;

    let mut head = Vec::new();
    head.try_reserve_exact(data_at).map_err(|_| NoMemory)?;
    let mut loads = Vec::new();
    loads.try_reserve_exact(areas.len()).map_err(|_| NoMemory)?;

    // The ELF header (Linux's fill_elf_header).
    head.extend_from_slice(&[0x7f, b'E', b'L', b'F', 1, 1, 1, 0]);
    head.resize(16, 0);
    put16(&mut head, ET_CORE);
    put16(&mut head, EM_386);
    put32(&mut head, 1); // e_version
    put32(&mut head, 0); // e_entry
    put32(&mut head, EHDR_SIZE as u32); // e_phoff
    put32(&mut head, 0); // e_shoff
    put32(&mut head, 0); // e_flags
    put16(&mut head, EHDR_SIZE as u16);
    put16(&mut head, PHDR_SIZE as u16);
    put16(&mut head, phnum.min(0xffff) as u16);
    put16(&mut head, 0); // e_shentsize
    put16(&mut head, 0); // e_shnum
    put16(&mut head, 0); // e_shstrndx

    // PT_NOTE (fill_elf_note_phdr).
    for v in [PT_NOTE, notes_at as u32, 0, 0, notes_len as u32, 0, 0, 4] {
        put32(&mut head, v);
    }
    let mut offset = data_at as u64;
    for a in areas {
        let dump = a.dump.min(a.len);
        for v in [PT_LOAD, offset as u32, a.start, 0, dump, a.len, segment_flags(a.flags), PAGE_SIZE] {
            put32(&mut head, v);
        }
        loads.push(LoadPlace { offset, vaddr: a.start, len: dump });
        offset += u64::from(dump);
    }
    for (name, kind, desc) in &notes {
        put_note(&mut head, name, *kind, desc);
    }
    let used = head.len();
    head.resize(data_at, 0);
    Ok(CoreLayout { head, used, loads, size: offset })
}

#[cfg(test)]
mod tests;
