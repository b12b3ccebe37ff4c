//! The two 8259A interrupt controllers, remapped to vectors 32–47.

use x86::io::{inb, outb};

const MASTER_CMD: u16 = 0x20;
const MASTER_DATA: u16 = 0x21;
const SLAVE_CMD: u16 = 0xA0;
const SLAVE_DATA: u16 = 0xA1;
const ICW1_INIT_ICW4: u8 = 0x11;
const ICW4_8086: u8 = 0x01;
const EOI: u8 = 0x20;
const READ_ISR: u8 = 0x0B;

/// First vector of the master PIC.
pub const MASTER_BASE: u8 = 32;
/// First vector of the slave PIC.
pub const SLAVE_BASE: u8 = 40;

/// Remaps both PICs and masks every line except the timer (IRQ 0) and the cascade (IRQ 2).
pub fn init() {
    // SAFETY: the standard 8259A initialisation sequence on its fixed ports.
    unsafe {
        outb(MASTER_CMD, ICW1_INIT_ICW4);
        outb(SLAVE_CMD, ICW1_INIT_ICW4);
        outb(MASTER_DATA, MASTER_BASE);
        outb(SLAVE_DATA, SLAVE_BASE);
        outb(MASTER_DATA, 4); // slave on IRQ 2
        outb(SLAVE_DATA, 2); // cascade identity
        outb(MASTER_DATA, ICW4_8086);
        outb(SLAVE_DATA, ICW4_8086);
        outb(MASTER_DATA, !0b0000_0101);
        outb(SLAVE_DATA, 0xFF);
    }
}

fn in_service(cmd_port: u16) -> u8 {
    // SAFETY: OCW3 "read ISR" followed by a read of the same port.
    unsafe {
        outb(cmd_port, READ_ISR);
        inb(cmd_port)
    }
}

/// Whether IRQ 7 or 15 is spurious (not really in service). A spurious IRQ 15 still needs an
/// EOI to the master, which this sends.
pub fn is_spurious(irq: u8) -> bool {
    match irq {
        7 => in_service(MASTER_CMD) & 0x80 == 0,
        15 => {
            let spurious = in_service(SLAVE_CMD) & 0x80 == 0;
            if spurious {
                // SAFETY: the master did raise IRQ 2 for the cascade; acknowledge it.
                unsafe { outb(MASTER_CMD, EOI) };
            }
            spurious
        }
        _ => false,
    }
}

/// Lets `irq` through (it is masked since [`init`]).
pub fn unmask(irq: u8) {
    let (port, bit) = if irq < 8 { (MASTER_DATA, irq) } else { (SLAVE_DATA, irq - 8) };
    // SAFETY: read-modify-write of the PIC's mask register.
    unsafe {
        let mask = inb(port);
        outb(port, mask & !(1 << bit));
    }
}

/// Acknowledges an IRQ.
pub fn end_of_interrupt(irq: u8) {
    // SAFETY: writing EOI to the PICs' command ports.
    unsafe {
        if irq >= 8 {
            outb(SLAVE_CMD, EOI);
        }
        outb(MASTER_CMD, EOI);
    }
}
