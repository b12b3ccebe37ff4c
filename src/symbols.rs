//! Symbolising code addresses for backtraces and reports.
//!
//! The build passes the kernel's symbol table to GRUB as a boot module named `symbols`: the text
//! `nm -n` prints (`c0101234 T name`, sorted by address, names demangled). Looking an address up
//! is a linear scan, which is fine for the rare panic. Without the module, addresses are printed
//! bare and `make symbolize` turns them into names with the unstripped ELF.

use core::fmt;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

static TABLE_PTR: AtomicPtr<u8> = AtomicPtr::new(core::ptr::null_mut());
static TABLE_LEN: AtomicUsize = AtomicUsize::new(0);

extern "C" {
    static __kernel_start: u8;
    static __text_end: u8;
}

/// Uses the `symbols` module from the boot information, if it lies in the boot mapping.
pub fn init(info: &crate::boot::bootinfo::BootInfo) {
    let Some(m) = info.module("symbols") else {
        log::info!("no symbol module: backtraces show bare addresses (see `make symbolize`)");
        return;
    };
    if m.end.as_u32() > crate::boot::bootinfo::BOOT_MAPPED {
        log::warn!("symbol module beyond the boot mapping; not used until remapped");
        return;
    }
    let virt = (m.start.as_u32() + vmcore::layout::KERNEL_BASE) as *mut u8;
    set_table(virt, (m.end.as_u32() - m.start.as_u32()) as usize);
}

/// Points the symbol lookup at a table mapped at `ptr` (used again after memory is remapped).
pub fn set_table(ptr: *mut u8, len: usize) {
    TABLE_LEN.store(0, Ordering::SeqCst);
    TABLE_PTR.store(ptr, Ordering::SeqCst);
    TABLE_LEN.store(len, Ordering::SeqCst);
}

fn table() -> &'static [u8] {
    let ptr = TABLE_PTR.load(Ordering::SeqCst);
    let len = TABLE_LEN.load(Ordering::SeqCst);
    if ptr.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: `set_table` is only given read-only module memory that stays mapped for the
    // kernel's lifetime.
    unsafe { core::slice::from_raw_parts(ptr, len) }
}

fn text_range() -> (u32, u32) {
    // Linker-script symbols: only their addresses are taken.
    (core::ptr::addr_of!(__kernel_start) as u32, core::ptr::addr_of!(__text_end) as u32)
}

/// The function containing `addr` and the offset into it.
pub fn lookup(addr: u32) -> Option<(&'static str, u32)> {
    let (start, end) = text_range();
    if addr < start || addr >= end {
        return None;
    }
    let mut best: Option<(u32, &'static str)> = None;
    for line in table().split(|&b| b == b'\n') {
        let Ok(line) = core::str::from_utf8(line) else { continue };
        let mut parts = line.splitn(3, ' ');
        let (Some(a), Some(_kind), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Ok(a) = u32::from_str_radix(a, 16) else { continue };
        if a > addr {
            break;
        }
        best = Some((a, name));
    }
    best.map(|(a, name)| (name, addr - a))
}

/// Displays as `<name+0xoff>` when the address can be symbolised, else nothing.
pub struct Symbol(pub u32);

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match lookup(self.0) {
            Some((name, off)) => write!(f, "<{name}+{off:#x}>"),
            None => Ok(()),
        }
    }
}
