//! Where a new program's stack, `mmap` area and brk heap go: Linux 6.1's i386 layout
//! (`arch/x86/mm/mmap.c`, `fs/binfmt_elf.c`), randomized as Linux does.
//!
//! ```text
//!  0xC0000000  TASK_SIZE = USER_END
//!              stack top: TASK_SIZE - (r & 0x7ff) pages, less arch_align_stack's < 8 KiB
//!              ... the stack grows down (RLIMIT_STACK)
//!              gap: RLIMIT_STACK + 8 MiB (the stack's randomization) + 1 MiB guard,
//!                   clamped to [128 MiB, 5/6 of TASK_SIZE]
//!  mmap_base   TASK_SIZE - gap - (r & 0xff) pages      (0xB8000000 less up to 1 MiB)
//!              ... mmap without an address: the highest free range below mmap_base
//!              brk heap: the program's end + (r % 0x2000) pages (up to 32 MiB)
//!  0x08048000  the program
//!  0x00400000  USER_START (Linux: mmap_min_addr)
//! ```
//!
//! The *legacy* layout (`personality(ADDR_COMPAT_LAYOUT)`, `setarch -L`) allocates bottom-up
//! from `TASK_UNMAPPED_BASE` = TASK_SIZE / 3 = 0x40000000 (plus the same mmap randomization),
//! as Linux's legacy layout does; our user space starting at 0x00400000 does not change that.
//! A space not made by `execve` (the kernel's tests) is bottom-up from its lower bound.
//!
//! Randomization (`PF_RANDOMIZE`) is on when `randomize_va_space` is at least 1 and the
//! process's personality lacks `ADDR_NO_RANDOMIZE` (`setarch -R`): the stack top, its
//! alignment and `mmap_base` move; at level 2 (the default) the brk start moves too. The
//! random words come from the kernel's CSPRNG; this module only does the arithmetic.

use crate::addr::{PAGE_SHIFT, PAGE_SIZE};
use crate::layout::{STACK_GUARD_GAP, USER_END};

/// Linux's `TASK_SIZE` for i386 with the 3G/1G split.
pub const TASK_SIZE: u32 = USER_END;
/// Start of the legacy bottom-up `mmap` area (`__TASK_UNMAPPED_BASE`: a third of TASK_SIZE).
pub const TASK_UNMAPPED_BASE: u32 = TASK_SIZE / 3;
/// Pages the stack top moves by at most, as a mask (`__STACK_RND_MASK` for 32-bit tasks).
pub const STACK_RND_MASK: u32 = 0x7ff;
/// Bits of page-granular `mmap_base` randomization (`CONFIG_ARCH_MMAP_RND_BITS` of Debian's
/// 686 kernel: 8, i.e. up to 1 MiB).
pub const MMAP_RND_BITS: u32 = 8;
/// Range of the brk start's randomization (`arch_randomize_brk`: 32 MiB for 32-bit tasks).
pub const BRK_RND_RANGE: u32 = 0x0200_0000;
/// Bytes `arch_align_stack` moves the start stack down by at most.
pub const STACK_ALIGN_RND: u32 = 8192;
/// Smallest hole between `mmap_base` and the top of the stack (`SIZE_128M`).
pub const MIN_GAP: u32 = 128 * 1024 * 1024;
/// Largest one (five sixths of TASK_SIZE).
pub const MAX_GAP: u32 = TASK_SIZE / 6 * 5;
/// `personality` bit: no randomization for this process and its children (`setarch -R`).
pub const ADDR_NO_RANDOMIZE: u32 = 0x0004_0000;
/// `personality` bit: the legacy bottom-up layout (`setarch -L`).
pub const ADDR_COMPAT_LAYOUT: u32 = 0x0020_0000;
/// `RLIM_INFINITY` as the rlimit value.
pub const RLIM_INFINITY: u64 = u64::MAX;

const _: () = assert!(TASK_UNMAPPED_BASE == 0x4000_0000 && MAX_GAP == 0xA000_0000);

/// What decides a new program's layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayoutInput {
    /// The process's personality word.
    pub personality: u32,
    /// `/proc/sys/kernel/randomize_va_space` (0, 1 or 2) at exec.
    pub randomize_va_space: u32,
    /// `RLIMIT_STACK`'s soft limit ([`RLIM_INFINITY`] for unlimited).
    pub stack_limit: u64,
}

/// Random words drawn for one exec (any values; only some bits are used).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Draws {
    /// For the stack top.
    pub stack: u32,
    /// For `arch_align_stack`.
    pub align: u32,
    /// For `mmap_base`.
    pub mmap: u32,
    /// For the brk start.
    pub brk: u32,
}

/// A new program's layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessLayout {
    /// End of the stack area (page-aligned; the stack area ends here).
    pub stack_end: u32,
    /// Where the start-up data begins, going down (16-byte aligned, at most `stack_end`).
    pub stack_top: u32,
    /// `mmap_base`: the top of the top-down area, or the bottom of the bottom-up one.
    pub mmap_base: u32,
    /// Whether `mmap` allocates top-down (false: the legacy layout).
    pub top_down: bool,
    /// The brk heap's first page (page-aligned).
    pub brk_start: u32,
}

impl LayoutInput {
    /// Linux's `PF_RANDOMIZE`: randomization on for this exec.
    pub const fn randomizes(&self) -> bool {
        self.randomize_va_space > 0 && self.personality & ADDR_NO_RANDOMIZE == 0
    }

    /// Linux's `mmap_is_legacy` on x86: the personality asks for the legacy layout.
    pub const fn legacy(&self) -> bool {
        self.personality & ADDR_COMPAT_LAYOUT != 0
    }
}

/// The layout of a program whose last segment ends at `program_end` (its unaligned brk).
pub fn plan(input: LayoutInput, draws: Draws, program_end: u32) -> ProcessLayout {
    let random = input.randomizes();
    let stack_rnd = if random { (draws.stack & STACK_RND_MASK) << PAGE_SHIFT } else { 0 };
    let stack_end = TASK_SIZE - stack_rnd;
    let stack_top = if random { (stack_end - draws.align % STACK_ALIGN_RND) & !15 } else { stack_end };
    let mmap_rnd = if random { (draws.mmap & ((1 << MMAP_RND_BITS) - 1)) << PAGE_SHIFT } else { 0 };
    let (mmap_base, top_down) = if input.legacy() {
        (TASK_UNMAPPED_BASE + mmap_rnd, false)
    } else {
        (mmap_base(input.stack_limit, random, mmap_rnd), true)
    };
    let brk = page_align(program_end);
    let brk_start = if random && input.randomize_va_space > 1 {
        brk + ((draws.brk % (BRK_RND_RANGE >> PAGE_SHIFT)) << PAGE_SHIFT)
    } else {
        brk
    };
    ProcessLayout { stack_end, stack_top, mmap_base, top_down, brk_start }
}

/// Linux's `mmap_base`: below the stack by its limit plus the stack's randomization range and
/// guard gap, clamped to `[MIN_GAP, MAX_GAP]`, less the mmap randomization.
fn mmap_base(stack_limit: u64, random: bool, rnd: u32) -> u32 {
    let max_random = if random { u64::from(STACK_RND_MASK) << PAGE_SHIFT } else { 0 };
    let pad = max_random + u64::from(STACK_GUARD_GAP);
    let gap = stack_limit.checked_add(pad).unwrap_or(stack_limit);
    let gap = gap.clamp(u64::from(MIN_GAP), u64::from(MAX_GAP)) as u32;
    page_align(TASK_SIZE - gap - rnd)
}

const fn page_align(a: u32) -> u32 {
    (a + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}

#[cfg(test)]
mod tests;
