//! Segment selectors a ring-3 program may hold: what `sigreturn` checks before it puts a
//! selector from user memory into a data segment register (the return path's `pop %ds`
//! would fault in the kernel on a bad one).

/// Whether a ring-3 load of data segment register with `sel` would succeed: `verr` with RPL 3
/// checks that the descriptor exists, is a readable segment and has DPL 3.
pub fn user_readable(sel: u16) -> bool {
    let ok: u8;
    // SAFETY: `verr` only reads the descriptor table and sets ZF; it cannot fault.
    unsafe {
        core::arch::asm!("verr {sel:x}", "setz {ok}", sel = in(reg) sel | 3, ok = out(reg_byte) ok, options(nostack, nomem));
    }
    ok != 0
}
