//! Kernel memory is out of reach of user mode.

use super::*;

pub(super) static CASES: &[Case] = &[
    case!(kernel_read, SEGV, ALL, "reading 0xC0000000 (kernel memory on our kernel) kills with SIGSEGV"),
    case!(kernel_write, SEGV, ALL, "writing 0xC0000000 kills with SIGSEGV"),
    case!(kernel_read_top, SEGV, ALL, "reading 0xFFFFF000 kills with SIGSEGV"),
];

fn kernel_read(_ctx: &Ctx) {
    // SAFETY: expected to fault.
    unsafe { peek(core::hint::black_box(KERNEL_BASE)) };
}

fn kernel_write(_ctx: &Ctx) {
    // SAFETY: expected to fault.
    unsafe { poke(core::hint::black_box(KERNEL_BASE), 0) };
}

fn kernel_read_top(_ctx: &Ctx) {
    // SAFETY: expected to fault.
    unsafe { peek(core::hint::black_box(0xFFFF_F000)) };
}
