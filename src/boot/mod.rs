//! What the bootloader hands over.

pub mod bootinfo;
