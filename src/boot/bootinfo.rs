//! The multiboot2 boot information, read once at boot and copied into a fixed-size
//! [`BootInfo`], so nothing later depends on the bootloader's memory staying mapped.

use multiboot2::{BootInformation, BootInformationHeader, MemoryAreaType};
use spin::Once;
use vmcore::addr::PhysAddr;
use vmcore::layout::KERNEL_BASE;

/// Physical memory the boot page directory maps at `KERNEL_BASE` (see `boot/entry.s`).
pub const BOOT_MAPPED: u32 = 16 * 1024 * 1024;
const MAX_REGIONS: usize = 64;
const MAX_MODULES: usize = 16;
const STR_LEN: usize = 128;

/// A fixed-capacity copy of a string from the boot information.
#[derive(Clone, Copy)]
pub struct BootStr {
    buf: [u8; STR_LEN],
    len: usize,
}

impl BootStr {
    const EMPTY: Self = Self { buf: [0; STR_LEN], len: 0 };

    fn from(s: &str) -> Self {
        let mut out = Self::EMPTY;
        let mut n = s.len().min(STR_LEN);
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        out.buf[..n].copy_from_slice(&s.as_bytes()[..n]);
        out.len = n;
        out
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

/// The kind of a physical memory region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionKind {
    /// Free RAM.
    Available,
    /// ACPI tables, reclaimable after reading them.
    AcpiReclaimable,
    /// Must be preserved across hibernation.
    AcpiNvs,
    /// Defective RAM.
    Defective,
    /// Anything else: firmware, devices.
    Reserved,
}

/// One entry of the memory map.
#[derive(Clone, Copy, Debug)]
pub struct Region {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// What it is.
    pub kind: RegionKind,
}

/// A boot module (initrd, symbol table) loaded by GRUB.
#[derive(Clone, Copy)]
pub struct Module {
    /// First byte (page-aligned: the header asks for it).
    pub start: PhysAddr,
    /// One past the last byte.
    pub end: PhysAddr,
    /// The module's command line (GRUB's `module2 FILE ARGS...`).
    pub cmdline: BootStr,
}

/// What the kernel keeps of the boot information.
pub struct BootInfo {
    bootloader: BootStr,
    cmdline: [u8; 512],
    cmdline_len: usize,
    regions: [Region; MAX_REGIONS],
    region_count: usize,
    modules: [Module; MAX_MODULES],
    module_count: usize,
    /// Physical range of the boot information structure itself.
    pub info_range: (PhysAddr, PhysAddr),
}

impl BootInfo {
    /// The bootloader's name.
    pub fn bootloader(&self) -> &str {
        self.bootloader.as_str()
    }
    /// The kernel command line.
    pub fn cmdline(&self) -> &str {
        core::str::from_utf8(&self.cmdline[..self.cmdline_len]).unwrap_or("")
    }
    /// The memory map.
    pub fn regions(&self) -> &[Region] {
        &self.regions[..self.region_count]
    }
    /// The boot modules.
    pub fn modules(&self) -> &[Module] {
        &self.modules[..self.module_count]
    }
    /// The first module whose command line starts with `name`.
    pub fn module(&self, name: &str) -> Option<&Module> {
        self.modules().iter().find(|m| m.cmdline.as_str().split_ascii_whitespace().next() == Some(name))
    }
    /// Total bytes of available RAM.
    pub fn available_bytes(&self) -> u64 {
        self.regions().iter().filter(|r| r.kind == RegionKind::Available).map(|r| r.end - r.start).sum()
    }

    /// Logs the boot information.
    pub fn log_summary(&self) {
        log::info!("bootloader: {}", self.bootloader());
        log::info!("command line: '{}'", self.cmdline());
        for r in self.regions() {
            log::info!("  memory {:#011x}-{:#011x} {:?}", r.start, r.end, r.kind);
        }
        log::info!("available RAM: {} KiB", self.available_bytes() / 1024);
        for m in self.modules() {
            log::info!("  module {}-{} '{}'", m.start, m.end, m.cmdline.as_str());
        }
    }
}

static INFO: Once<BootInfo> = Once::new();

#[cfg(feature = "ktest")]
/// The boot information (after [`parse`]).
pub fn get() -> &'static BootInfo {
    INFO.get().expect("invariant: boot information parsed in kmain")
}

/// Checks the multiboot2 magic and copies what we need out of the boot information.
pub fn parse(magic: u32, mbi_phys: u32) -> &'static BootInfo {
    if magic != multiboot2::MAGIC {
        crate::kprintln!(
            "fatal: not started by a multiboot2 bootloader (EAX = {magic:#010x}, expected {:#010x}); boot this kernel with GRUB's `multiboot2` command",
            multiboot2::MAGIC
        );
        crate::arch::cpu::halt_forever();
    }
    if mbi_phys == 0 || mbi_phys >= BOOT_MAPPED - 64 * 1024 {
        crate::kprintln!("fatal: boot information at {mbi_phys:#x} is outside the boot mapping");
        crate::arch::cpu::halt_forever();
    }
    let ptr = (mbi_phys + KERNEL_BASE) as *const BootInformationHeader;
    // SAFETY: the bootloader placed a multiboot2 information structure at `mbi_phys`, inside the
    // first 16 MiB that the boot directory maps at KERNEL_BASE; nothing writes to it.
    let mbi = match unsafe { BootInformation::load(ptr) } {
        Ok(mbi) => mbi,
        Err(e) => {
            crate::kprintln!("fatal: malformed multiboot2 boot information: {e:?}");
            crate::arch::cpu::halt_forever();
        }
    };
    INFO.call_once(|| copy(&mbi, mbi_phys))
}

fn copy(mbi: &BootInformation<'_>, mbi_phys: u32) -> BootInfo {
    let mut info = BootInfo {
        bootloader: BootStr::EMPTY,
        cmdline: [0; 512],
        cmdline_len: 0,
        regions: [Region { start: 0, end: 0, kind: RegionKind::Reserved }; MAX_REGIONS],
        region_count: 0,
        modules: [Module { start: PhysAddr::new(0), end: PhysAddr::new(0), cmdline: BootStr::EMPTY }; MAX_MODULES],
        module_count: 0,
        info_range: (PhysAddr::new(mbi_phys), PhysAddr::new(mbi_phys + mbi.total_size() as u32)),
    };
    if let Some(name) = mbi.boot_loader_name_tag().and_then(|t| t.name().ok()) {
        info.bootloader = BootStr::from(name);
    }
    if let Some(line) = mbi.command_line_tag().and_then(|t| t.cmdline().ok()) {
        let n = line.len().min(info.cmdline.len());
        info.cmdline[..n].copy_from_slice(&line.as_bytes()[..n]);
        info.cmdline_len = n;
    }
    if let Some(mmap) = mbi.memory_map_tag() {
        for area in mmap.memory_areas().iter().take(MAX_REGIONS) {
            let kind = match area.typ() {
                MemoryAreaType::Available => RegionKind::Available,
                MemoryAreaType::AcpiAvailable => RegionKind::AcpiReclaimable,
                MemoryAreaType::ReservedHibernate => RegionKind::AcpiNvs,
                MemoryAreaType::Defective => RegionKind::Defective,
                _ => RegionKind::Reserved,
            };
            info.regions[info.region_count] =
                Region { start: area.start_address(), end: area.end_address(), kind };
            info.region_count += 1;
        }
    }
    for m in mbi.module_tags().take(MAX_MODULES) {
        info.modules[info.module_count] = Module {
            start: PhysAddr::new(m.start_address()),
            end: PhysAddr::new(m.end_address()),
            cmdline: BootStr::from(m.cmdline().unwrap_or("")),
        };
        info.module_count += 1;
    }
    info
}
