//! The double-fault task.
//!
//! Vector 8 is a task gate: on a double fault the CPU saves the faulting context into the main
//! TSS and switches to the double-fault TSS, whose stack is separate from every kernel stack. So a
//! kernel stack overflow — a page fault on the guard page below a stack, which cannot even push
//! its own exception frame — ends here with a readable report instead of a triple fault.

use super::gdt::{DF_TSS, KERNEL_CS, KERNEL_DS, TSS};
use super::{backtrace, cpu};
use super::serial;
use core::fmt::Write;

const STACK_SIZE: usize = 16 * 1024;

#[repr(C, align(16))]
struct Stack([u8; STACK_SIZE]);

/// The double-fault task's stack until `set_stack` moves it to a guarded vmalloc stack.
static mut BOOT_DF_STACK: Stack = Stack([0; STACK_SIZE]);

/// Fills in the double-fault TSS (called from `idt::init`).
pub fn init() {
    let top = core::ptr::addr_of_mut!(BOOT_DF_STACK) as u32 + STACK_SIZE as u32;
    // SAFETY: boot is single-threaded with interrupts off, and the double-fault TSS is only read
    // by the CPU on a double fault.
    unsafe {
        let tss = &mut *DF_TSS.as_ptr();
        tss.eip = double_fault_task as *const () as u32;
        tss.esp = top;
        tss.ebp = 0;
        tss.eflags = 0x2; // interrupts off
        tss.cs = KERNEL_CS;
        tss.ss = KERNEL_DS;
        tss.ds = KERNEL_DS;
        tss.es = KERNEL_DS;
        tss.fs = KERNEL_DS;
        tss.gs = KERNEL_DS;
        tss.ss0 = KERNEL_DS;
        tss.esp0 = top;
        tss.cr3 = cpu::cr3();
    }
}

/// Moves the double-fault task to another stack (a guarded one from vmalloc).
pub fn set_stack(top: u32) {
    // SAFETY: a plain store into the double-fault TSS, read by the CPU only on a double fault.
    unsafe { core::ptr::addr_of_mut!((*DF_TSS.as_ptr()).esp).write_volatile(top) };
}

/// Sets the page directory the double-fault task runs on (the kernel's).
pub fn set_cr3(cr3: u32) {
    // SAFETY: as in `set_stack`.
    unsafe { core::ptr::addr_of_mut!((*DF_TSS.as_ptr()).cr3).write_volatile(cr3) };
}

/// Entered by a hardware task switch on a double fault; never returns.
extern "C" fn double_fault_task() -> ! {
    // SAFETY: the CPU stored the faulting context into the main TSS during the task switch;
    // nothing else runs now.
    let ctx = unsafe { *TSS.as_ptr() };
    let cr2 = cpu::cr2();
    let (eip, esp, ebp, eflags, cs) = (ctx.eip, ctx.esp, ctx.ebp, ctx.eflags, ctx.cs);
    let (eax, ebx, ecx, edx, esi, edi) = (ctx.eax, ctx.ebx, ctx.ecx, ctx.edx, ctx.esi, ctx.edi);
    let overflow = crate::arch::stack_guard::guard_hit(cr2, esp);
    {
        let mut out = serial::panic_writer();
        let _ = writeln!(out, "!!! #DF Double Fault (vector 8) in kernel mode");
        if let Some(what) = overflow {
            let _ = writeln!(out, "    kernel stack overflow: {what}");
        }
        let _ = writeln!(out, "    CR2 {cr2:#010x} (the fault that could not be delivered)");
        let _ = writeln!(out, "    EIP {:#010x} {}", eip, crate::symbols::Symbol(eip));
        let _ = writeln!(out, "    CS  {:#06x}  EFLAGS {}", cs, super::exception::Eflags(eflags));
        let _ = writeln!(
            out,
            "    EAX {:#010x} EBX {:#010x} ECX {:#010x} EDX {:#010x}",
            eax, ebx, ecx, edx
        );
        let _ = writeln!(
            out,
            "    ESI {:#010x} EDI {:#010x} EBP {:#010x} ESP {:#010x}",
            esi, edi, ebp, esp
        );
        let _ = backtrace::write(&mut out, eip, ebp);
    }
    let what = if overflow.is_some() { "kernel stack overflow" } else { "double fault" };
    crate::panic::die(format_args!("{what} at {eip:#010x}"), false)
}
