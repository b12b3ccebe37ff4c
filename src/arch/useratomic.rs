//! Atomic operations on user words, and running a user access with page faults disabled
//! (Linux's `pagefault_disable()` with `futex_atomic_cmpxchg_inatomic`).
//!
//! The futex code reads and updates a user word while it holds a futex bucket lock. A fault
//! there must not be resolved (resolving takes the address space's lock, which comes *before*
//! a bucket lock in the lock order): inside [`without_faults`] a kernel-mode page fault on a
//! user address goes straight to the instruction's fixup, so the access fails and the caller
//! drops its lock, faults the page in normally and retries.
//!
//! [`cmpxchg_u32`] is one `lock cmpxchg` listed in the exception table like the copy routines
//! of `usercopy`. x86 writes the destination even when the comparison fails, so a compare and
//! exchange of 0 with 0 is a write access that changes nothing: [`fault_in_writeable`] uses it
//! to make a page present and writable (breaking copy-on-write) with faults enabled.

use core::arch::global_asm;
use core::sync::atomic::{AtomicU32, Ordering};

global_asm!(
    r#"
    .section .text
    .global cmpxchg_user_raw
    // u32 cmpxchg_user_raw(u32 *uaddr, u32 old, u32 new, u32 *found): 0 on success (the word's
    // previous value stored in *found), 1 if the access faulted.
    cmpxchg_user_raw:
        mov 4(%esp), %edx
        mov 8(%esp), %eax
        mov 12(%esp), %ecx
    cmpxchg_user_insn:
        lock cmpxchg %ecx, (%edx)
        mov 16(%esp), %ecx
        mov %eax, (%ecx)
        xor %eax, %eax
        ret
    cmpxchg_user_fixup:
        mov $1, %eax
        ret

    .section .extable, "a"
    .balign 4
    .long cmpxchg_user_insn, cmpxchg_user_fixup
    "#,
    options(att_syntax)
);

extern "C" {
    fn cmpxchg_user_raw(uaddr: *mut u32, old: u32, new: u32, found: *mut u32) -> u32;
}

/// The user word could not be accessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault;

/// Sections of code running with page faults disabled (Linux's `pagefault_disabled()`).
/// Per CPU once there are several; kernel code is not preempted, so one count is exact today.
static DISABLED: AtomicU32 = AtomicU32::new(0);

/// Whether page faults are disabled: the fault handler then fixes a kernel-mode fault on user
/// memory up at once instead of resolving it.
pub fn faults_disabled() -> bool {
    DISABLED.load(Ordering::Relaxed) != 0
}

/// Runs `op` with page faults disabled: a user access in it that faults fails instead of
/// being resolved.
pub fn without_faults<R>(op: impl FnOnce() -> R) -> R {
    struct Enable;
    impl Drop for Enable {
        fn drop(&mut self) {
            DISABLED.fetch_sub(1, Ordering::Relaxed);
        }
    }
    DISABLED.fetch_add(1, Ordering::Relaxed);
    let _enable = Enable;
    op()
}

/// Atomically replaces the user word at `addr` with `new` if it holds `old`; returns the value
/// it held (equal to `old` exactly when the exchange happened). `addr` must be 4-byte aligned.
pub fn cmpxchg_u32(addr: u32, old: u32, new: u32) -> Result<u32, Fault> {
    if !addr.is_multiple_of(4) || !super::usercopy::range_ok(addr, 4) {
        return Err(Fault);
    }
    let mut found = 0u32;
    let _open = super::protect::UserAccess::open();
    // SAFETY: the word lies below USER_END (checked), so the instruction touches user memory
    // only; a fault on it is resolved or fixed up through the exception table; `found` is a
    // valid kernel word.
    let failed = unsafe { cmpxchg_user_raw(addr as *mut u32, old, new, &mut found) };
    if failed == 0 { Ok(found) } else { Err(Fault) }
}

/// Makes the user word at `addr` present and writable, as a write would (demand paging,
/// copy-on-write), without changing it (Linux's `fault_in_user_writeable`). Call with faults
/// enabled and no spin lock held.
pub fn fault_in_writeable(addr: u32) -> Result<(), Fault> {
    cmpxchg_u32(addr & !3, 0, 0).map(|_| ())
}
