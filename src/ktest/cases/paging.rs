//! Paging on real page tables: the kernel half, temporary mappings, a second directory.

use crate::arch::paging::{self, WindowTables};
use crate::mm::directory::{self, External};
use crate::mm::frames::{self, TableFrames};
use crate::mm::kspace;
use crate::mm::tempmap::TempMap;
use crate::{check, check_eq, ktest};
use vmcore::addr::{Page, VirtAddr};
use vmcore::paging::{Mapper, TableCounts};
use vmcore::pte::PteFlags;

// A kernel address no allocator uses: between the vmalloc range and the temporary spots.
use vmcore::layout::SCRATCH;

ktest!(fn map_translate_unmap_in_the_kernel_half() {
    let page = Page::new(VirtAddr::new(SCRATCH));
    let frame = frames::alloc().expect("a frame");
    check!(kspace::translate(page.start()).is_none(), "scratch page already mapped");
    check!(kspace::map(page, frame, true).is_ok());
    let (phys, flags) = kspace::translate(VirtAddr::new(SCRATCH + 0x123)).expect("mapped");
    check_eq!(phys.as_u32(), frame.start().as_u32() + 0x123);
    check!(flags.contains(PteFlags::WRITABLE) && !flags.contains(PteFlags::USER));
    check!(kspace::map(page, frame, true).is_err(), "double map accepted");
    check_eq!(kspace::unmap(page), Some(frame));
    check!(kspace::translate(page.start()).is_none());
    check!(!crate::arch::backtrace::is_mapped(SCRATCH), "TLB or table still maps the page");
    frames::free(frame);
    Ok(())
});

ktest!(fn a_write_through_a_temporary_mapping_shows_in_another_mapping() {
    let page = Page::new(VirtAddr::new(SCRATCH));
    let frame = frames::alloc_zeroed().expect("a frame");
    check!(kspace::map(page, frame, true).is_ok());
    {
        let mut t = TempMap::new(frame);
        t.words()[7] = 0xC0FF_EE00;
    }
    // SAFETY: SCRATCH maps `frame`, writable, for the duration of this test.
    let seen = unsafe { ((SCRATCH + 28) as *const u32).read_volatile() };
    check_eq!(seen, 0xC0FF_EE00);
    // SAFETY: as above.
    unsafe { ((SCRATCH + 32) as *mut u32).write_volatile(0x1234_5678) };
    check_eq!(TempMap::new(frame).words()[8], 0x1234_5678);
    kspace::unmap_and_free(page, 1);
    Ok(())
});

ktest!(fn two_temporary_mappings_copy_a_frame() {
    let (a, b) = (frames::alloc().expect("frame"), frames::alloc().expect("frame"));
    TempMap::new(a).bytes().iter_mut().enumerate().for_each(|(i, x)| *x = i as u8);
    crate::mm::tempmap::copy_frame(a, b);
    let mut tb = TempMap::new(b);
    check!(tb.bytes().iter().enumerate().all(|(i, &x)| x == i as u8), "copy differs");
    drop(tb);
    frames::free(a);
    frames::free(b);
    Ok(())
});

ktest!(fn a_second_directory_built_through_the_external_slot_runs() {
    let kernel_pd = paging::active_pd();
    let pd = directory::create().expect("a directory");
    let data = frames::alloc_zeroed().expect("a frame");
    TempMap::new(data).words()[0] = 0x5EC0_4D00;
    let user = Page::new(VirtAddr::new(0x0040_0000));
    let mut counts = TableCounts::new();
    {
        let mut ext = External::install(pd);
        let mut tables = ext.tables();
        let mut source = TableFrames;
        let mut m = Mapper::new(&mut tables, &mut counts, &mut source);
        m.map(user, data, PteFlags::PRESENT | PteFlags::USER).expect("map in the new directory").ignore();
        check_eq!(m.translate(user.start()).map(|(p, _)| p), Some(data.start()));
    }
    check_eq!(counts.tables_in_use(), 1);
    // Our own directory does not map the page; the new one does.
    check!(!crate::arch::backtrace::is_mapped(0x0040_0000));
    // SAFETY: `pd` came from `directory::create` and shares the kernel half; we switch back
    // before it is destroyed.
    unsafe { paging::load_cr3(pd) };
    let open = crate::arch::protect::UserAccess::open();
    // SAFETY: the new directory maps this page readable (a supervisor read of a user page,
    // with user access opened for SMAP).
    let seen = unsafe { (0x0040_0000 as *const u32).read_volatile() };
    drop(open);
    // SAFETY: back to the kernel directory.
    unsafe { paging::load_cr3(kernel_pd) };
    check_eq!(seen, 0x5EC0_4D00);
    {
        let mut ext = External::install(pd);
        let mut tables = ext.tables();
        let mut source = TableFrames;
        let mut m = Mapper::new(&mut tables, &mut counts, &mut source);
        let mut freed = 0;
        m.clear_user(|_, pte| {
            frames::free(pte.frame().expect("present"));
            freed += 1;
        })
        .ignore();
        check_eq!(freed, 1);
    }
    check_eq!(counts.tables_in_use(), 0);
    directory::destroy(pd);
    Ok(())
});

ktest!(fn the_identity_map_is_gone_and_kernel_text_is_read_only() {
    check!(!crate::arch::backtrace::is_mapped(0), "page 0 mapped");
    check!(!crate::arch::backtrace::is_mapped(0x0010_0000), "identity map of the image");
    let text = kmain_addr();
    let (_, flags) = kspace::translate(VirtAddr::new(text)).expect("text mapped");
    check!(!flags.contains(PteFlags::WRITABLE), "kernel text writable: {:?}", flags);
    // SAFETY: reading our own directory's entry through the recursive window.
    let own = unsafe { WindowTables::own() };
    let pde = vmcore::paging::TableAccess::read_pde(&own, vmcore::layout::SELF_SLOT);
    check_eq!(pde.frame(), Some(paging::active_pd()), "slot 1023 is not recursive");
    Ok(())
});

fn kmain_addr() -> u32 {
    crate::kmain as *const () as u32
}

ktest!(fault "CR2 0x00000000 (null pointer dereference)", fn null_dereference_is_reported() {
    let p = core::hint::black_box(core::ptr::null::<u32>());
    // SAFETY: deliberately reads address 0, which is never mapped, to raise #PF.
    let v = unsafe { p.read_volatile() };
    crate::kprintln!("read {v} from address 0");
    Ok(())
});

ktest!(fault "#PF Page Fault (vector 14) in kernel mode", fn writing_kernel_text_faults() {
    let p = core::hint::black_box(kmain_addr() as *mut u8);
    // SAFETY: deliberately writes to read-only kernel text (CR0.WP makes ring 0 fault too).
    unsafe { p.write_volatile(0x90) };
    Ok(())
});
