//! Boot modules (the symbol table, the initrd), mapped into vmalloc space for good.

use super::vmalloc;
use crate::boot::bootinfo::BootInfo;
use alloc::string::String;
use alloc::vec::Vec;
use spin::Once;

/// A boot module's name (the first word of its command line) and contents.
pub struct BootModule {
    /// Name, e.g. `symbols` or `initrd`.
    pub name: String,
    /// The bytes GRUB loaded.
    pub data: &'static [u8],
}

static MODULES: Once<Vec<BootModule>> = Once::new();

/// Maps every module read-only into vmalloc space and points the symboliser at `symbols`.
pub fn init(info: &BootInfo) {
    let mut list = Vec::new();
    for m in info.modules() {
        let len = (m.end.as_u32() - m.start.as_u32()) as usize;
        let name = m.cmdline.as_str().split_ascii_whitespace().next().unwrap_or("");
        if len == 0 {
            continue;
        }
        match vmalloc::vmap_phys(m.start, len, false, "boot module") {
            Ok(area) => {
                let data = &area.leak()[..len];
                list.push(BootModule { name: String::from(name), data });
            }
            Err(e) => log::error!("boot module '{name}' not mapped: {e}"),
        }
    }
    if let Some(sym) = list.iter().find(|m| m.name == "symbols") {
        crate::symbols::set_table(sym.data.as_ptr() as *mut u8, sym.data.len());
    }
    MODULES.call_once(|| list);
}

/// The module named `name`.
pub fn get(name: &str) -> Option<&'static [u8]> {
    MODULES.get()?.iter().find(|m| m.name == name).map(|m| m.data)
}
