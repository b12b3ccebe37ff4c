//! The initial user stack of a new process, laid out as Linux's `create_elf_tables` does on
//! i386.
//!
//! From `stack_top` downwards:
//!
//! ```text
//! stack_top ->  4 zero bytes (end marker)
//!               execfn string, NUL-terminated (optional; AT_EXECFN points here)
//!               envp strings, then (below) argv strings; argv[0] lowest, all NUL-terminated
//!               padding down to a multiple of 16
//!               platform string (optional; AT_PLATFORM)
//!               16 random bytes (AT_RANDOM)
//!               padding so that sp is a multiple of 16
//!               auxv: (type, value) u32 pairs, ending with (AT_NULL, 0)
//!               NULL, envp[envc-1] .. envp[0]
//!               NULL, argv[argc-1] .. argv[0]
//! sp ->         argc                        (16-byte aligned, as Linux's STACK_ROUND)
//! ```
//!
//! The auxiliary vector holds, in Linux's order: `AT_HWCAP`, `AT_PAGESZ`, `AT_CLKTCK`,
//! `AT_PHDR` (0 when unknown), `AT_PHENT`, `AT_PHNUM`, `AT_BASE` (0: no interpreter),
//! `AT_FLAGS` (0), `AT_ENTRY`, `AT_UID`, `AT_EUID`, `AT_GID`, `AT_EGID`, `AT_SECURE`,
//! `AT_RANDOM`, `AT_HWCAP2`, then `AT_EXECFN` and `AT_PLATFORM` when given, then `AT_NULL`
//! (Linux's `create_elf_tables`; `AT_SYSINFO`/`AT_SYSINFO_EHDR`, which Linux puts first when
//! it maps a vDSO, and `AT_MINSIGSTKSZ` are not given).

use alloc::vec::Vec;

use super::elf::ExecPlan;
use super::errors::StackError;
use crate::addr::VirtAddr;
use crate::layout::{USER_END, USER_START};

/// Longest argument or environment string, NUL included (Linux's `MAX_ARG_STRLEN`, 32 pages).
pub const MAX_ARG_STRLEN: usize = 32 * 4096;
/// Largest stack image [`build_stack`] produces (the traditional `ARG_MAX`, 128 KiB). Linux
/// allows a quarter of the stack limit; this kernel keeps the initial stack small.
pub const MAX_STACK_IMAGE: usize = 128 * 1024;

/// The auxiliary-vector types, from the `abi` crate.
pub use abi::flags::{
    AT_BASE, AT_CLKTCK, AT_EGID, AT_ENTRY, AT_EUID, AT_EXECFN, AT_FLAGS, AT_GID, AT_HWCAP, AT_NULL,
    AT_PAGESZ, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PLATFORM, AT_RANDOM, AT_SECURE, AT_UID, AT_HWCAP2,
};

/// The auxiliary-vector values [`build_stack`] needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuxInput<'a> {
    /// `AT_PHDR`; `None` is written as 0.
    pub phdr: Option<VirtAddr>,
    /// `AT_PHENT`.
    pub phent: u32,
    /// `AT_PHNUM`.
    pub phnum: u32,
    /// `AT_ENTRY`.
    pub entry: VirtAddr,
    /// `AT_PAGESZ`.
    pub pagesz: u32,
    /// `AT_HWCAP`.
    pub hwcap: u32,
    /// `AT_HWCAP2`.
    pub hwcap2: u32,
    /// `AT_CLKTCK`.
    pub clktck: u32,
    /// `AT_UID`, `AT_EUID`, `AT_GID`, `AT_EGID`.
    pub ids: [u32; 4],
    /// `AT_SECURE`.
    pub secure: bool,
    /// The 16 bytes `AT_RANDOM` points to (glibc and musl seed the stack protector from them).
    pub random: [u8; 16],
    /// The executed path, for `AT_EXECFN` (no NUL; omitted when `None`).
    pub execfn: Option<&'a [u8]>,
    /// The platform string, e.g. `b"i686"`, for `AT_PLATFORM` (omitted when `None`).
    pub platform: Option<&'a [u8]>,
}

impl<'a> AuxInput<'a> {
    /// The values for `plan`: page size 4096, `AT_CLKTCK` 100, root ids, no hwcap bits, no
    /// execfn or platform.
    pub fn from_plan(plan: &ExecPlan, random: [u8; 16]) -> Self {
        AuxInput {
            phdr: plan.phdr,
            phent: u32::from(plan.phent),
            phnum: u32::from(plan.phnum),
            entry: plan.entry,
            pagesz: 4096,
            hwcap: 0,
            hwcap2: 0,
            clktck: 100,
            ids: [0; 4],
            secure: false,
            random,
            execfn: None,
            platform: None,
        }
    }

    /// The auxiliary vector with the addresses of the random bytes, execfn and platform (an
    /// array, not the heap: exec must not need more heap than it can fail without).
    fn vector(&self, random: u32, execfn: Option<u32>, platform: Option<u32>) -> ([[u32; 2]; 19], usize) {
        let [uid, euid, gid, egid] = self.ids;
        let mut v = [[0u32; 2]; 19];
        let fixed = [
            [AT_HWCAP, self.hwcap],
            [AT_PAGESZ, self.pagesz],
            [AT_CLKTCK, self.clktck],
            [AT_PHDR, self.phdr.map_or(0, VirtAddr::as_u32)],
            [AT_PHENT, self.phent],
            [AT_PHNUM, self.phnum],
            [AT_BASE, 0],
            [AT_FLAGS, 0],
            [AT_ENTRY, self.entry.as_u32()],
            [AT_UID, uid],
            [AT_EUID, euid],
            [AT_GID, gid],
            [AT_EGID, egid],
            [AT_SECURE, u32::from(self.secure)],
            [AT_RANDOM, random],
            [AT_HWCAP2, self.hwcap2],
        ];
        let tail = [execfn.map(|a| [AT_EXECFN, a]), platform.map(|a| [AT_PLATFORM, a]), Some([AT_NULL, 0])];
        let mut n = 0;
        for pair in fixed.into_iter().chain(tail.into_iter().flatten()) {
            v[n] = pair;
            n += 1;
        }
        (v, n)
    }
}

/// The stack image: `bytes` belong at `[sp, stack_top)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackImage {
    /// The contents, from `sp` up to `stack_top`.
    pub bytes: Vec<u8>,
    /// The initial ESP; points at argc, 16-byte aligned.
    pub sp: VirtAddr,
    /// Address of `argv[0]`'s pointer (`sp + 4`).
    pub argv: VirtAddr,
    /// Address of `envp[0]`'s pointer.
    pub envp: VirtAddr,
    /// Address of the first auxv pair.
    pub auxv: VirtAddr,
    /// The argument strings, NULs included: `[start, end)` (Linux's `arg_start`/`arg_end`).
    pub arg_strings: (VirtAddr, VirtAddr),
    /// The environment strings that follow them (`env_start`/`env_end`).
    pub env_strings: (VirtAddr, VirtAddr),
}

/// Lays out the start stack of a process below `stack_top` (16-byte aligned, at most
/// `USER_END`). `args` and `env` are the strings without their NULs.
pub fn build_stack(
    stack_top: VirtAddr,
    args: &[&[u8]],
    env: &[&[u8]],
    aux: &AuxInput<'_>,
) -> Result<StackImage, StackError> {
    if !stack_top.is_aligned(16) || !(USER_START..=USER_END).contains(&stack_top.as_u32()) {
        return Err(StackError::BadStackTop);
    }
    let strings =
        || args.iter().chain(env.iter()).chain(aux.execfn.iter()).chain(aux.platform.iter());
    let mut string_bytes = 0usize;
    for (index, s) in strings().enumerate() {
        if s.contains(&0) {
            return Err(StackError::InteriorNul { index });
        }
        if s.len() >= MAX_ARG_STRLEN {
            return Err(StackError::StringTooLong { index });
        }
        string_bytes = string_bytes.checked_add(s.len() + 1).ok_or(StackError::TooBig)?;
    }
    let words = args.len().checked_add(env.len()).ok_or(StackError::TooBig)?;
    // An early bound, so that the address arithmetic below stays far above zero (stack_top is
    // at least USER_START); the exact size is checked once the layout is known.
    if string_bytes > MAX_STACK_IMAGE || words > MAX_STACK_IMAGE / 4 {
        return Err(StackError::TooBig);
    }
    let top = u64::from(stack_top.as_u32());
    let len = |s: &[u8]| s.len() as u64 + 1;
    let mut p = top - 4;
    let execfn = aux.execfn.map(|s| {
        p -= len(s);
        p
    });
    let strings_start = p - args.iter().chain(env).map(|s| len(s)).sum::<u64>();
    p = strings_start & !15;
    let platform = aux.platform.map(|s| {
        p -= len(s);
        p
    });
    p -= 16;
    let random = p;
    let to_u32 = |a: u64| u32::try_from(a).map_err(|_| StackError::BadStackTop);
    let (vector, vector_len) = aux.vector(
        to_u32(random)?,
        execfn.map(to_u32).transpose()?,
        platform.map(to_u32).transpose()?,
    );
    let vector = &vector[..vector_len];
    let items = 1 + (args.len() as u64 + 1) + (env.len() as u64 + 1) + 2 * vector.len() as u64;
    let sp = p.checked_sub(4 * items).ok_or(StackError::BadStackTop)? & !15;
    if top - sp > MAX_STACK_IMAGE as u64 {
        return Err(StackError::TooBig);
    }
    if sp < u64::from(USER_START) {
        return Err(StackError::BadStackTop);
    }

    let mut bytes = Vec::new();
    bytes.try_reserve_exact((top - sp) as usize).map_err(|_| StackError::NoMemory)?;
    bytes.resize((top - sp) as usize, 0);
    let mut image = Image { bytes, base: sp };
    image.put(random, &aux.random);
    for (at, s) in [(execfn, aux.execfn), (platform, aux.platform)] {
        if let (Some(at), Some(s)) = (at, s) {
            image.put(at, s);
        }
    }
    let mut at = sp;
    image.word(&mut at, args.len() as u64);
    let mut string_at = strings_start;
    let argv = at;
    let args_end = strings_start + args.iter().map(|s| len(s)).sum::<u64>();
    for group in [args, env] {
        for s in group {
            image.put(string_at, s);
            image.word(&mut at, string_at);
            string_at += len(s);
        }
        image.word(&mut at, 0);
    }
    let envp = argv + 4 * (args.len() as u64 + 1);
    let auxv = at;
    for &[kind, value] in vector {
        image.word(&mut at, u64::from(kind));
        image.word(&mut at, u64::from(value));
    }
    let addr = |a: u64| VirtAddr::new(u32::try_from(a).expect("invariant: below stack_top"));
    Ok(StackImage {
        bytes: image.bytes,
        sp: addr(sp),
        argv: addr(argv),
        envp: addr(envp),
        auxv: addr(auxv),
        arg_strings: (addr(strings_start), addr(args_end)),
        env_strings: (addr(args_end), addr(string_at)),
    })
}

/// The image under construction; addresses are absolute.
struct Image {
    bytes: Vec<u8>,
    base: u64,
}

impl Image {
    /// Copies `s` to address `at`.
    fn put(&mut self, at: u64, s: &[u8]) {
        let i = usize::try_from(at - self.base).expect("invariant: inside the image");
        self.bytes[i..i + s.len()].copy_from_slice(s);
    }

    /// Stores the u32 `value` at `*at` and advances it.
    fn word(&mut self, at: &mut u64, value: u64) {
        let value = u32::try_from(value).expect("invariant: a 32-bit value");
        self.put(*at, &value.to_le_bytes());
        *at += 4;
    }
}

#[cfg(test)]
mod tests;
