//! Boot-time construction of the kernel's own address space.
//!
//! `boot/entry.s` left us on a boot directory that maps the first 16 MiB twice (identity and at
//! 0xC0000000) with 4 MiB pages and itself in slot 1023. From it we build the real kernel
//! directory, through the external slot 1022:
//!
//! 1. the table for 0xFF400000–0xFF7FFFFF (home of the temporary mapping spots) is linked into
//!    the boot directory, zeroed through the boot mapping, so temporary mappings work;
//! 2. a fresh directory (zeroed, self-mapped in its slot 1023) is installed in slot 1022;
//! 3. every kernel page table for 0xC0000000–0xFF7FFFFF is allocated, zeroed and linked, so every
//!    later directory shares the kernel half by copying those entries once;
//! 4. the kernel image is mapped page by page with its sections' permissions (text and rodata
//!    read-only, data and bss writable; global if the CPU has PGE), leaving out the boot
//!    directory's page, which becomes the guard page below the boot stack;
//! 5. the frame database (bitmaps, reference counts and the page cache's owner records, sized
//!    from the memory map) is mapped after the image, not zeroed: the counts and records are
//!    initialised a chunk at a time as allocations reach them (`vmcore::frames`);
//! 6. CR3 switches to the new directory: the identity map is gone, a null dereference faults;
//! 7. the frame allocator is built over the database, with everything in use reserved.

use super::bump::Bump;
use super::tempmap::{zero_frame, TempMap};
use crate::arch::paging::{enable_global_pages, flush_all, load_cr3, WindowTables};
use crate::boot::bootinfo::{BootInfo, RegionKind, BOOT_MAPPED};
use vmcore::addr::{Frame, Page, PhysAddr, VirtAddr, PAGE_SIZE};
use vmcore::frames::{storage_words, FrameAllocator, MAX_FRAMES};
use vmcore::layout::{EXT_SLOT, KERNEL_BASE, KERNEL_PD_FIRST, KERNEL_PD_LAST_SHARED, SELF_SLOT, TEMP_SPOTS};
use vmcore::paging::{table_flags, Mapper, TableAccess, TableCounts};
use vmcore::pte::{Pte, PteFlags};

extern "C" {
    static __kernel_start: u8;
    static __rodata_end: u8;
    static __kernel_end: u8;
    static boot_page_directory: u8;
}

/// What the boot memory setup produced.
#[derive(Clone, Copy, Debug)]
pub struct KernelLayout {
    /// The kernel's page directory.
    pub pd: Frame,
    /// First byte of the frame database.
    pub frame_db: VirtAddr,
    /// The owner records' storage in the frame database (`framemeta`), uninitialised.
    pub frame_meta: (VirtAddr, usize),
    /// First byte of the kernel heap (after the frame database).
    pub heap_start: VirtAddr,
    /// Frames used for kernel page tables and the frame database.
    pub boot_frames: u32,
    /// Whether kernel pages are global.
    pub global: bool,
}

fn sym(s: *const u8) -> u32 {
    s as u32
}

fn phys_of(virt: u32) -> Frame {
    Frame::containing(PhysAddr::new(virt - KERNEL_BASE))
}

/// Builds the kernel address space, switches to it and installs the frame allocator.
pub fn init(info: &BootInfo) -> KernelLayout {
    // Linker symbols: only their addresses are used.
    let (kstart, rodata_end, kend, boot_pd) = (
        sym(&raw const __kernel_start),
        sym(&raw const __rodata_end),
        sym(&raw const __kernel_end),
        sym(&raw const boot_page_directory),
    );
    let mut reserved = [(0u32, 0u32); 20];
    let mut nres = 0;
    let mut reserve = |s: u32, e: u32| {
        reserved[nres] = (s, e);
        nres += 1;
    };
    reserve(kstart - KERNEL_BASE, kend - KERNEL_BASE);
    reserve(info.info_range.0.as_u32(), info.info_range.1.as_u32());
    for m in info.modules() {
        reserve(m.start.as_u32(), m.end.as_u32());
    }
    let reserved = &reserved[..nres];
    let mut bump = Bump::new(info.regions(), reserved);

    // 1. The temporary-spot table, zeroed through the boot mapping.
    let spot_pdi = VirtAddr::new(TEMP_SPOTS[0]).pd_index();
    let spot_table = bump.alloc();
    assert!(spot_table.start().as_u32() < BOOT_MAPPED, "first free frame above the boot mapping");
    // SAFETY: the frame is free RAM inside the first 16 MiB, which the boot directory maps at
    // KERNEL_BASE; nothing else uses it yet.
    unsafe { core::ptr::write_bytes((spot_table.start().as_u32() + KERNEL_BASE) as *mut u8, 0, PAGE_SIZE as usize) };
    // SAFETY: boot is single-threaded; the boot directory maps itself in slot 1023.
    let mut boot = unsafe { WindowTables::own() };
    boot.write_pde(spot_pdi, Pte::new(spot_table, table_flags(spot_pdi)));

    // 2. The kernel directory, self-mapped, installed in the external slot.
    let pd = bump.alloc();
    {
        let mut m = TempMap::new(pd);
        m.words().fill(0);
        m.words()[SELF_SLOT] = Pte::new(pd, PteFlags::PRESENT | PteFlags::WRITABLE).to_raw();
    }
    boot.write_pde(EXT_SLOT, Pte::new(pd, PteFlags::PRESENT | PteFlags::WRITABLE));
    flush_all();
    // SAFETY: the new directory is installed in slot 1022 and self-mapped; boot is
    // single-threaded.
    let mut ext = unsafe { WindowTables::external() };

    // 3. Every shared kernel table.
    for pdi in KERNEL_PD_FIRST..=KERNEL_PD_LAST_SHARED {
        let table = if pdi == spot_pdi {
            spot_table
        } else {
            let t = bump.alloc();
            zero_frame(t);
            t
        };
        ext.write_pde(pdi, Pte::new(table, table_flags(pdi)));
    }

    // 4. The kernel image with per-section permissions.
    let global = enable_global_pages();
    let g = if global { PteFlags::GLOBAL } else { PteFlags::empty() };
    let mut counts = TableCounts::new();
    let mut no_tables = super::kspace::Preallocated;
    let mut mapper = Mapper::new(&mut ext, &mut counts, &mut no_tables);
    let writable_from = rodata_end.next_multiple_of(PAGE_SIZE);
    let mut va = kstart;
    while va < kend {
        if va != boot_pd {
            let mut flags = PteFlags::PRESENT | g;
            if va >= writable_from {
                flags |= PteFlags::WRITABLE;
            }
            mapper.map(Page::new(VirtAddr::new(va)), phys_of(va), flags).expect("kernel image map").ignore();
        }
        va += PAGE_SIZE;
    }

    // 5. The frame database after the image.
    let top = info
        .regions()
        .iter()
        .filter(|r| r.kind == RegionKind::Available)
        .map(|r| r.end.min(1 << 32))
        .max()
        .unwrap_or(0);
    let nframes = ((top / PAGE_SIZE as u64) as u32).min(MAX_FRAMES);
    let (bitmap_words, ref_words) = storage_words(nframes);
    let meta_bytes = nframes as usize * super::framemeta::RECORD_BYTES;
    let db_bytes = ((bitmap_words + ref_words) * 4 + meta_bytes) as u32;
    let db_pages = db_bytes.div_ceil(PAGE_SIZE);
    let frame_db = VirtAddr::new(kend);
    let mut mapped = 0;
    while mapped < db_pages {
        // Runs of consecutive frames: one search of the memory map per run.
        let (first, count) = bump.alloc_run(db_pages - mapped);
        for j in 0..count {
            let page = Page::new(VirtAddr::new(kend + (mapped + j) * PAGE_SIZE));
            let frame = Frame::from_number(first.number() + j);
            mapper.map(page, frame, PteFlags::PRESENT | PteFlags::WRITABLE | g).expect("frame db map").ignore();
        }
        mapped += count;
    }
    let heap_start = VirtAddr::new(kend + db_pages * PAGE_SIZE);

    // 6. Switch. From here on only the kernel directory's mappings exist.
    crate::symbols::set_table(core::ptr::null_mut(), 0);
    // SAFETY: the new directory maps the whole kernel image (code, stack, statics), shares the
    // kernel tables and maps itself in slot 1023.
    unsafe { load_cr3(pd) };
    crate::arch::doublefault::set_cr3(pd.start().as_u32());

    // 7. The frame allocator over the database.
    // SAFETY: [frame_db, frame_db + db_bytes) was just mapped writable, belongs to nothing else,
    // and stays mapped for the kernel's lifetime; the two slices do not overlap.
    let (bits, refs) = unsafe {
        let base = frame_db.as_u32() as *mut u32;
        (
            core::slice::from_raw_parts_mut(base, bitmap_words),
            core::slice::from_raw_parts_mut(base.add(bitmap_words), ref_words),
        )
    };
    let frame_meta = (VirtAddr::new(frame_db.as_u32() + ((bitmap_words + ref_words) * 4) as u32), meta_bytes);
    let mut alloc = FrameAllocator::new(bits, refs, nframes).expect("frame database sized by storage_words");
    for r in info.regions().iter().filter(|r| r.kind == RegionKind::Available) {
        let first = r.start.next_multiple_of(PAGE_SIZE as u64).min(1 << 32);
        let end = r.end.min(1 << 32) & !(PAGE_SIZE as u64 - 1);
        if end > first {
            alloc.add_free_range(Frame::from_number((first / PAGE_SIZE as u64) as u32), ((end - first) / PAGE_SIZE as u64) as u32);
        }
    }
    let mut reserve_frames = |start: u32, end: u32| {
        let first = start / PAGE_SIZE;
        let last = end.div_ceil(PAGE_SIZE);
        if last > first {
            alloc.reserve_range(Frame::from_number(first), last - first).expect("nothing allocated yet");
        }
    };
    reserve_frames(0, PAGE_SIZE);
    for &(s, e) in reserved {
        reserve_frames(s, e);
    }
    for &(s, e) in bump.runs() {
        reserve_frames(s * PAGE_SIZE, e * PAGE_SIZE);
    }
    let boot_frames = bump.count();
    super::frames::install(alloc);
    super::kspace::init(counts, global);
    KernelLayout { pd, frame_db, frame_meta, heap_start, boot_frames, global }
}
