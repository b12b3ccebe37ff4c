//! Copying between kernel and user memory, with faults that cannot be resolved turned into
//! EFAULT through the exception-fixup table.
//!
//! The copy is one `rep movsb` whose address is listed in the `.extable` section together with a
//! fixup address. A page fault there first goes through the normal fault resolution (demand
//! paging, copy-on-write, stack growth), and the instruction restarts; if the fault cannot be
//! resolved, the handler moves EIP to the fixup, which returns the number of bytes left
//! uncopied. The caller checks the range (no wrap, below `USER_END`) before copying, so a user
//! pointer can never make the kernel touch its own memory. Under SMAP these routines are the
//! only kernel code that opens access to user pages (`stac` … `clac`).

use core::arch::global_asm;
use vmcore::layout::USER_END;

global_asm!(
    r#"
    .section .text
    .global copy_user_raw
    // u32 copy_user_raw(u8 *dst, const u8 *src, u32 len): bytes NOT copied.
    copy_user_raw:
        push %esi
        push %edi
        mov 12(%esp), %edi
        mov 16(%esp), %esi
        mov 20(%esp), %ecx
    copy_user_insn:
        rep movsb
    copy_user_done:
        mov %ecx, %eax
        pop %edi
        pop %esi
        ret

    .section .extable, "a"
    .balign 4
    .long copy_user_insn, copy_user_done
    "#,
    options(att_syntax)
);

extern "C" {
    fn copy_user_raw(dst: *mut u8, src: *const u8, len: u32) -> u32;
    static __extable_start: u8;
    static __extable_end: u8;
}

/// A user address range could not be copied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault;

/// Whether `[addr, addr + len)` lies in user space without wrapping.
pub fn range_ok(addr: u32, len: u32) -> bool {
    match addr.checked_add(len) {
        Some(end) => end <= USER_END,
        None => false,
    }
}

/// Runs one raw user-memory operation on `[user, user + len)`: checks the range, opens user
/// access (SMAP) around it, and turns bytes left undone into a fault.
fn guarded(user: u32, len: u32, op: impl FnOnce() -> u32) -> Result<(), Fault> {
    if !range_ok(user, len) {
        return Err(Fault);
    }
    let _open = super::protect::UserAccess::open();
    if op() == 0 { Ok(()) } else { Err(Fault) }
}

/// Copies `dst.len()` bytes from user address `src`.
pub fn copy_from_user(dst: &mut [u8], src: u32) -> Result<(), Fault> {
    let len = dst.len() as u32;
    // SAFETY: `dst` is a valid kernel buffer; the user range is checked to lie below
    // USER_END first, and faults on it are resolved or fixed up (see the module doc).
    guarded(src, len, || unsafe { copy_user_raw(dst.as_mut_ptr(), src as *const u8, len) })
}

/// Copies `src` to user address `dst`.
pub fn copy_to_user(dst: u32, src: &[u8]) -> Result<(), Fault> {
    let len = src.len() as u32;
    // SAFETY: as in `copy_from_user`, with the roles swapped.
    guarded(dst, len, || unsafe { copy_user_raw(dst as *mut u8, src.as_ptr(), len) })
}

/// The fixup address for a faulting kernel instruction, if it is one of the user-copy
/// instructions.
pub fn fixup_for(eip: u32) -> Option<u32> {
    let start = (&raw const __extable_start) as *const [u32; 2];
    let end = (&raw const __extable_end) as *const [u32; 2];
    let count = (end as usize - start as usize) / 8;
    // SAFETY: the linker collects `.extable` between the two symbols: pairs of u32 emitted by
    // the assembly above, read-only.
    let table = unsafe { core::slice::from_raw_parts(start, count) };
    table.iter().find(|e| e[0] == eip).map(|e| e[1])
}
