//! The interrupt descriptor table.
//!
//! Vectors 0–31 (CPU exceptions) and 32–47 (the remapped PIC's IRQs) enter through the stubs of
//! `boot/traps.s`; vector 8 is a task gate to the double-fault TSS; vector 0x80 is the system
//! call gate, callable from ring 3 (as are int3 and into, like Linux).

use super::gdt::{DF_TSS_SEL, KERNEL_CS};
use spin::Once;
use x86::dtables::DescriptorTablePointer;
use x86::segmentation::{
    BuildDescriptor, Descriptor, DescriptorBuilder, GateDescriptorBuilder, SegmentSelector,
    TaskGateDescriptorBuilder,
};
use x86::Ring;

/// Vector of the double fault.
pub const DOUBLE_FAULT: usize = 8;
/// Vector of the system call gate (`int 0x80`).
pub const SYSCALL: usize = 0x80;
/// Number of stubs in `trap_stub_table` (exceptions and IRQs).
const STUBS: usize = 48;

extern "C" {
    static trap_stub_table: [u32; STUBS];
    static trap_stub_syscall: u32;
}

static IDT: Once<[Descriptor; 256]> = Once::new();

fn interrupt_gate(handler: u32, dpl: Ring) -> Descriptor {
    <DescriptorBuilder as GateDescriptorBuilder<u32>>::interrupt_descriptor(
        SegmentSelector::from_raw(KERNEL_CS),
        handler,
    )
    .present()
    .dpl(dpl)
    .finish()
}

/// Builds and loads the IDT.
pub fn init() {
    let idt = IDT.call_once(|| {
        let mut idt = [Descriptor::default(); 256];
        // SAFETY: the stub tables are read-only data emitted by boot/traps.s.
        let (stubs, syscall) = unsafe { (&trap_stub_table, trap_stub_syscall) };
        for (vector, &stub) in stubs.iter().enumerate() {
            // Breakpoint and overflow may be raised on purpose from ring 3.
            let dpl = if vector == 3 || vector == 4 { Ring::Ring3 } else { Ring::Ring0 };
            idt[vector] = interrupt_gate(stub, dpl);
        }
        idt[DOUBLE_FAULT] = <DescriptorBuilder as TaskGateDescriptorBuilder>::task_gate_descriptor(
            SegmentSelector::from_raw(DF_TSS_SEL),
        )
        .present()
        .dpl(Ring::Ring0)
        .finish();
        idt[SYSCALL] = interrupt_gate(syscall, Ring::Ring3);
        idt
    });
    super::doublefault::init();
    let ptr = DescriptorTablePointer::new_from_slice(idt);
    // SAFETY: the IDT is a static that lives forever and every present gate points at a stub.
    unsafe { x86::dtables::lidt(&ptr) };
}
