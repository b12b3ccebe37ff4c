//! What `execve` needs that does not touch hardware: the load plan of a static i386 ELF
//! executable ([`plan`]) and the initial stack ([`build_stack`]).
//!
//! How the kernel uses them:
//!
//! 1. Read the whole file and call [`plan`]. On error, return `-Errno::from(err)` before
//!    touching the old address space.
//! 2. Tear down the old user mappings. For each [`SegmentPlan`] create a private file mapping
//!    at exactly `seg.start`: with the memory-space API,
//!    `MapRequest::anonymous(seg.pages, seg.flags).backed_by(seg.backing(file)).fixed(seg.start)`
//!    (or directly `Vma::new(seg.start, seg.pages, seg.flags, seg.backing(file))`). The `MAY*`
//!    bits let `mprotect` make any segment writable (copy-on-write, as Linux allows for a
//!    private mapping of a file opened read-only). Bytes past `file_limit` — the bss, including
//!    the rest of the last file page after `p_filesz` — read as zero; this is what
//!    [`Vma::file_position`](crate::vma::Vma::file_position) reports, so there is no separate
//!    bss-clearing step. Segments never share a page, so the mappings never overlap.
//! 3. Start the heap at [`ExecPlan::brk_start`] (page-aligned: `init_heap(Page::new(brk_start))`).
//! 4. Map the stack below a chosen `stack_top`, call [`build_stack`] with
//!    [`AuxInput::from_plan`] (fill `random`, and `execfn` with the path), copy
//!    [`StackImage::bytes`] to [`StackImage::sp`], and enter user mode with EIP = `entry`,
//!    ESP = `sp`, the other general registers 0 (EDX = 0 means "no exit handler" to libc).
//!
//! Errno mapping (also on the `From` impls): [`ExecError`] → `ENOEXEC` for a bad or
//! unsupported format, `ENOENT` for a dynamically linked binary (its interpreter does not
//! exist here, what Linux reports then), `EIO` for a program-header table past the end of the
//! file, `EINVAL` for segments that cannot be mapped (`p_filesz > p_memsz`, misaligned,
//! outside user space, entry outside every segment). [`StackError`] → `E2BIG` for too much
//! argument data, `EINVAL` otherwise.

mod elf;
mod errors;
mod stack;

pub use self::elf::{plan, plan_head, ExecPlan, SegmentPlan, MAX_PHDR_TABLE, PHENT_SIZE};
pub use self::errors::{ExecError, StackError};
pub use self::stack::{
    build_stack, AuxInput, StackImage, AT_BASE, AT_CLKTCK, AT_EGID, AT_ENTRY, AT_EUID, AT_EXECFN,
    AT_FLAGS, AT_GID, AT_HWCAP, AT_NULL, AT_PAGESZ, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PLATFORM,
    AT_RANDOM, AT_SECURE, AT_UID, MAX_ARG_STRLEN, MAX_STACK_IMAGE,
};
