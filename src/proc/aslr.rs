//! The kernel's half of address-space layout randomization (the arithmetic is
//! [`vmcore::aslr`]): `/proc/sys/kernel/randomize_va_space` (0 off, 1 stack and mmap, 2 also
//! brk; default 2; `norandmaps` on the command line sets 0, as on Linux), the process's
//! personality word (`personality(2)`: `ADDR_NO_RANDOMIZE` is what `setarch -R` sets,
//! `ADDR_COMPAT_LAYOUT` what `setarch -L` sets; inherited by fork, kept by exec but for a
//! set-id one, `vmcore::setid`), and the
//! random words, drawn from the kernel's CSPRNG at every exec.

use core::sync::atomic::{AtomicI32, Ordering};
use vmcore::aslr::{Draws, LayoutInput};

/// `/proc/sys/kernel/randomize_va_space` (an `int`, as the sysctl stores it).
static RANDOMIZE_VA_SPACE: AtomicI32 = AtomicI32::new(2);

/// Boot: `norandmaps` on the command line turns randomization off (Linux's
/// `disable_randmaps`).
pub fn init() {
    if crate::cmdline::get("norandmaps").is_some() {
        RANDOMIZE_VA_SPACE.store(0, Ordering::Relaxed);
    }
}

/// The sysctl's value.
pub fn randomize_va_space() -> i32 {
    RANDOMIZE_VA_SPACE.load(Ordering::Relaxed)
}

/// Sets the sysctl (any value, as Linux's `proc_dointvec`: above 2 acts as 2, a negative one
/// as 1, since Linux tests it for non-zero and for `> 1`).
pub fn set_randomize_va_space(v: i32) {
    RANDOMIZE_VA_SPACE.store(v, Ordering::Relaxed);
}

/// What the layout of a program exec'd now by a process with `personality` and a stack
/// limit of `stack_limit` (RLIMIT_STACK's soft value, `RLIM_INFINITY` = `u32::MAX`) depends on.
pub fn input(personality: u32, stack_limit: u32) -> LayoutInput {
    let stack_limit = if stack_limit == super::limits::RLIM_INFINITY { vmcore::aslr::RLIM_INFINITY } else { u64::from(stack_limit) };
    let level = match randomize_va_space() {
        v if v < 0 => 1,
        v => v.min(2) as u32,
    };
    LayoutInput { personality, randomize_va_space: level, stack_limit }
}

/// Fresh random words for one exec.
pub fn draws() -> Draws {
    let mut bytes = [0u8; 16];
    crate::random::fill(&mut bytes);
    let word = |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    Draws { stack: word(0), align: word(4), mmap: word(8), brk: word(12) }
}
