//! The context switch and the first entry of a new task.
//!
//! A task that is not running is a kernel stack whose top holds the callee-saved registers and
//! a return address; `switch_context` saves ours there, loads the other stack pointer and
//! returns into the other task. A new task's stack is prepared so that this return lands in
//! `trap_return` with a [`TrapFrame`] above it: the `iret` there enters ring 3.

use crate::arch::gdt::{USER_CS, USER_DS};
use crate::arch::trap::TrapFrame;
use core::arch::global_asm;

global_asm!(
    r#"
    .section .text
    .global switch_context
    // void switch_context(u32 *save_esp, u32 new_esp)
    switch_context:
        mov 4(%esp), %eax
        mov 8(%esp), %edx
        push %ebp
        push %ebx
        push %esi
        push %edi
        mov %esp, (%eax)
        mov %edx, %esp
        pop %edi
        pop %esi
        pop %ebx
        pop %ebp
        ret

    // A new clone child with CLONE_CHILD_SETTID enters here: the tid is written in its own
    // memory, then it leaves through trap_return with the frame above.
    .global clone_child_entry
    clone_child_entry:
        call clone_child_tail
        jmp trap_return
    "#,
    options(att_syntax)
);

extern "C" {
    fn switch_context(save_esp: *mut u32, new_esp: u32);
    fn trap_return();
    fn clone_child_entry();
}

/// Where a new task starts in the kernel on its first switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Straight to `trap_return` and ring 3.
    User,
    /// Through `clone_child_tail` (`CLONE_CHILD_SETTID`), then `trap_return`.
    CloneChild,
}

/// Saves the current context into `*save` and resumes the one saved at `next`.
///
/// # Safety
/// Interrupts must be off; `next` must be a stack pointer saved by this function or prepared
/// by [`prepare_stack`]; `save` must stay valid until this task is resumed; no spinlock may be
/// held (the other task would deadlock on it).
pub unsafe fn switch(save: *mut u32, next: u32) {
    // SAFETY: guaranteed by the caller.
    unsafe { switch_context(save, next) }
}

/// A ring-3 entry frame: user segments, interrupts on, `eip` and `esp` as given.
pub fn user_frame(eip: u32, esp: u32) -> TrapFrame {
    let ds = USER_DS as u32;
    TrapFrame {
        gs: ds,
        fs: ds,
        es: ds,
        ds,
        edi: 0,
        esi: 0,
        ebp: 0,
        esp_pusha: 0,
        ebx: 0,
        edx: 0,
        ecx: 0,
        eax: 0,
        vector: 0,
        error_code: 0,
        eip,
        cs: USER_CS as u32,
        eflags: 0x202,
        user_esp: esp,
        user_ss: ds,
    }
}

/// Lays out a new task's kernel stack (top at `stack_top`) so that switching to it returns
/// through `trap_return` with `frame`; returns the stack pointer to switch to.
///
/// # Safety
/// `[stack_top - 128, stack_top)` must be writable memory owned by the new task.
pub unsafe fn prepare_stack(stack_top: u32, frame: &TrapFrame) -> u32 {
    // SAFETY: the caller's guarantee.
    unsafe { prepare_stack_for(stack_top, frame, Entry::User) }
}

/// [`prepare_stack`] with the kernel entry point of the new task.
///
/// # Safety
/// As [`prepare_stack`].
pub unsafe fn prepare_stack_for(stack_top: u32, frame: &TrapFrame, entry: Entry) -> u32 {
    let ret = match entry {
        Entry::User => trap_return as *const () as u32,
        Entry::CloneChild => clone_child_entry as *const () as u32,
    };
    let frame_size = core::mem::size_of::<TrapFrame>() as u32;
    let frame_at = stack_top - frame_size;
    // Below the frame: the return address for `switch_context`'s `ret`, then its four pops.
    let words: [u32; 5] = [0, 0, 0, 0, ret];
    let sp = frame_at - 4 * words.len() as u32;
    // SAFETY: the caller owns the stack; both writes stay inside its top 128 bytes.
    unsafe {
        (frame_at as *mut TrapFrame).write(*frame);
        (sp as *mut [u32; 5]).write(words);
    }
    sp
}
