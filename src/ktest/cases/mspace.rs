//! Address spaces on real page tables, driven from kernel mode: kernel code touching user
//! addresses goes through the same page-fault path as a process would.

use crate::arch::protect::UserAccess;
use crate::arch::usercopy;
use crate::mm::aspace::AddressSpace;
use crate::ktest::session as testing;
use crate::mm::object::MemObject;
use crate::mm::{frames, phys};
use crate::{check, check_eq, ktest};
use alloc::sync::Arc;
use vmcore::addr::{Frame, Page, VirtAddr, PAGE_SIZE};
use vmcore::mspace::MapRequest;
use vmcore::vma::{Backing, FileObject, VmFlags};

const BASE: u32 = 0x4000_0000;

fn rw() -> VmFlags {
    VmFlags::READ | VmFlags::WRITE | VmFlags::MAYREAD | VmFlags::MAYWRITE | VmFlags::MAYEXEC
}

fn page(n: u32) -> Page {
    Page::new(VirtAddr::new(BASE + n * PAGE_SIZE))
}

fn read(addr: u32) -> u8 {
    let _open = UserAccess::open();
    // SAFETY: a user address of the active test space; faults resolve through the handler.
    unsafe { (addr as *const u8).read_volatile() }
}

fn write(addr: u32, v: u8) {
    let _open = UserAccess::open();
    // SAFETY: as in `read`.
    unsafe { (addr as *mut u8).write_volatile(v) }
}

/// The frame mapping `addr` in the active space.
fn frame_at(addr: u32) -> Option<Frame> {
    // SAFETY: reading our own tables through the recursive window.
    let t = unsafe { crate::arch::paging::WindowTables::own() };
    vmcore::paging::translate(&t, VirtAddr::new(addr)).map(|(p, _)| Frame::containing(p))
}

fn new_space() -> Arc<AddressSpace> {
    AddressSpace::new().expect("an address space")
}

fn map_anon(space: &AddressSpace, first: u32, pages: u32, flags: VmFlags) {
    space.map(MapRequest::anonymous(pages, flags).fixed(page(first))).expect("map");
}

ktest!(fn demand_zero_read_maps_the_shared_zero_page_and_write_a_private_frame() {
    let space = new_space();
    map_anon(&space, 0, 4, rw());
    let session = testing::Session::new(&space);
    check_eq!(read(BASE), 0);
    check_eq!(read(BASE + PAGE_SIZE + 5), 0);
    let zero = phys::zero_page();
    check_eq!(frame_at(BASE), Some(zero));
    check_eq!(frame_at(BASE + PAGE_SIZE), Some(zero), "two pages, one zero frame");
    check_eq!(space.stats().p_size, 0);
    write(BASE + 10, 7);
    let f = frame_at(BASE).expect("mapped");
    check!(f != zero, "a write must not land in the zero page");
    check_eq!(read(BASE + 10), 7);
    check_eq!(read(BASE + 11), 0);
    check_eq!(space.stats().p_size, 1);
    check_eq!(frames::refcount(f), 1);
    drop(session);
    drop(space);
    Ok(())
});

ktest!(fn clone_isolates_writes_and_the_last_writer_takes_over_without_copying() {
    let parent = new_space();
    map_anon(&parent, 0, 2, rw());
    let session = testing::Session::new(&parent);
    write(BASE, 1);
    let original = frame_at(BASE).expect("mapped");
    let child = parent.clone_space().expect("clone");
    // fork shares the page table: one reference per table, not per space.
    check_eq!(frames::refcount(original), 1);
    write(BASE, 2); // parent copies
    let parent_copy = frame_at(BASE).expect("mapped");
    check!(parent_copy != original, "the parent's write did not copy");
    check_eq!(frames::refcount(original), 1);
    session.switch(&child);
    check_eq!(read(BASE), 1, "the child sees the parent's write");
    write(BASE, 3); // the child is the last owner: takes the frame over
    check_eq!(frame_at(BASE), Some(original), "the last writer copied");
    check_eq!(frames::refcount(original), 1);
    session.switch(&parent);
    check_eq!(read(BASE), 2);
    drop(session);
    drop(child);
    drop(parent);
    Ok(())
});

ktest!(fn three_way_clone_chain_keeps_each_space_its_own() {
    let a = new_space();
    map_anon(&a, 0, 1, rw());
    let session = testing::Session::new(&a);
    write(BASE, 10);
    let b = a.clone_space().expect("clone a");
    session.switch(&b);
    let c = b.clone_space().expect("clone b");
    let f = frame_at(BASE).expect("mapped");
    check_eq!(frames::refcount(f), 1, "one table shared three ways holds one reference");
    write(BASE, 20);
    session.switch(&c);
    write(BASE, 30);
    check_eq!(frames::refcount(f), 1, "two copies made, one owner left");
    session.switch(&a);
    check_eq!(read(BASE), 10);
    session.switch(&b);
    check_eq!(read(BASE), 20);
    session.switch(&c);
    check_eq!(read(BASE), 30);
    drop(session);
    drop((a, b, c));
    Ok(())
});

ktest!(fn protect_splits_in_three_and_merges_back() {
    let space = new_space();
    map_anon(&space, 0, 3, rw());
    let session = testing::Session::new(&space);
    for i in 0..3 {
        write(BASE + i * PAGE_SIZE, i as u8 + 1);
    }
    space.protect(page(1), 1, VmFlags::READ).expect("protect");
    check_eq!(space.read(|s| s.tree().len()), 3);
    let (_, flags) = kspace_translate_user(BASE + PAGE_SIZE);
    check!(!flags.contains(vmcore::pte::PteFlags::WRITABLE), "PTE still writable after mprotect");
    check!(usercopy::copy_to_user(BASE + PAGE_SIZE, &[9]).is_err(), "kernel write into a read-only page succeeded");
    space.protect(page(1), 1, VmFlags::READ | VmFlags::WRITE).expect("protect back");
    space.scavenge();
    check_eq!(space.read(|s| s.tree().len()), 1, "areas not merged back");
    write(BASE + PAGE_SIZE, 5);
    check_eq!(read(BASE + 2 * PAGE_SIZE), 3);
    drop(session);
    drop(space);
    Ok(())
});

fn kspace_translate_user(addr: u32) -> (vmcore::addr::PhysAddr, vmcore::pte::PteFlags) {
    // SAFETY: reading our own tables through the recursive window.
    let t = unsafe { crate::arch::paging::WindowTables::own() };
    vmcore::paging::translate(&t, VirtAddr::new(addr)).expect("mapped")
}

ktest!(fn unmap_in_the_middle_frees_its_frame_and_keeps_the_sides() {
    let space = new_space();
    map_anon(&space, 0, 3, rw());
    let session = testing::Session::new(&space);
    for i in 0..3 {
        write(BASE + i * PAGE_SIZE, 0xA0 + i as u8);
    }
    let used = frames::counters().used;
    space.unmap(page(1), 1).expect("unmap");
    check_eq!(frames::counters().used, used - 1);
    check_eq!(space.read(|s| s.tree().len()), 2);
    check!(frame_at(BASE + PAGE_SIZE).is_none(), "the hole is still mapped");
    check!(usercopy::copy_from_user(&mut [0u8; 1], BASE + PAGE_SIZE).is_err(), "reading the hole succeeded");
    check_eq!(read(BASE), 0xA0);
    check_eq!(read(BASE + 2 * PAGE_SIZE), 0xA2);
    drop(session);
    drop(space);
    Ok(())
});

ktest!(fn map_fixed_over_an_existing_mapping_replaces_it() {
    let space = new_space();
    map_anon(&space, 0, 2, rw());
    let session = testing::Session::new(&space);
    write(BASE, 0x55);
    let old = frame_at(BASE).expect("mapped");
    map_anon(&space, 0, 1, rw());
    check_eq!(frames::refcount(old), 0, "the old frame was not freed");
    check_eq!(read(BASE), 0, "the new mapping shows old data");
    drop(session);
    drop(space);
    Ok(())
});

ktest!(fn locked_mappings_are_populated_at_once() {
    let space = new_space();
    let used = frames::counters().used;
    map_anon(&space, 0, 8, rw() | VmFlags::LOCKED);
    check_eq!(space.stats().p_size, 8);
    check!(frames::counters().used >= used + 8, "no frames taken for a locked mapping");
    drop(space);
    Ok(())
});

/// Bytes `i as u8`, the data of [`PatternFile`]s.
static PATTERN: [u8; 3 * PAGE_SIZE as usize] = {
    let mut a = [0u8; 3 * PAGE_SIZE as usize];
    let mut i = 0;
    while i < a.len() {
        a[i] = i as u8;
        i += 1;
    }
    a
};

/// A file for mapping tests: bytes `i as u8` for i in 0..size (at most 3 pages), with a page
/// cache of its own.
struct PatternFile(Arc<MemObject>);

impl PatternFile {
    fn new(size: usize) -> Self {
        PatternFile(MemObject::new(Some(&PATTERN[..size])).expect("a test object"))
    }
}

impl FileObject for PatternFile {
    fn ino(&self) -> u64 {
        4242
    }
    fn dev(&self) -> (u32, u32) {
        (0, 42)
    }
    fn path(&self) -> &str {
        "/test/pattern"
    }
    fn size(&self) -> u64 {
        self.0.size()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        self.0.read_at(offset, buf)
    }
    fn get_page(&self, index: u32, phys: &mut dyn vmcore::mspace::PhysOps) -> Result<Frame, vmcore::vma::PageError> {
        self.0.get_page(index, phys)
    }
    fn object_id(&self) -> u64 {
        self.0.id()
    }
}

ktest!(fn file_mapping_reads_data_up_to_its_limit_then_zeros() {
    let space = new_space();
    let file: Arc<dyn FileObject> = Arc::new(PatternFile::new(3 * PAGE_SIZE as usize));
    let backing = Backing::File { file, offset: PAGE_SIZE as u64, limit: 100 };
    let flags = VmFlags::READ | VmFlags::MAYREAD | VmFlags::MAYWRITE;
    space.map(MapRequest::anonymous(2, flags).backed_by(backing).fixed(page(0))).expect("map file");
    let session = testing::Session::new(&space);
    check_eq!(read(BASE), (PAGE_SIZE) as u8, "first byte comes from file offset 4096");
    check_eq!(read(BASE + 99), (PAGE_SIZE + 99) as u8);
    check_eq!(read(BASE + 100), 0, "past the limit must read zero");
    check_eq!(read(BASE + PAGE_SIZE + 1), 0, "second page lies past the limit");
    drop(session);
    drop(space);
    Ok(())
});

ktest!(fn shared_file_mappings_share_one_frame_between_spaces() {
    let file: Arc<dyn FileObject> = Arc::new(PatternFile::new(PAGE_SIZE as usize));
    let flags = VmFlags::READ | VmFlags::SHARED | VmFlags::MAYSHARE | VmFlags::MAYREAD;
    let a = new_space();
    let b = new_space();
    for s in [&a, &b] {
        s.map(MapRequest::anonymous(1, flags).backed_by(Backing::file(file.clone(), 0)).fixed(page(0))).expect("map");
    }
    let session = testing::Session::new(&a);
    check_eq!(read(BASE + 3), 3);
    let fa = frame_at(BASE);
    session.switch(&b);
    check_eq!(read(BASE + 3), 3);
    check_eq!(frame_at(BASE), fa, "two spaces got two frames for one file page");
    drop(session);
    drop((a, b));
    check_eq!(phys::cached_frames(), 0, "the page cache kept an unmapped page");
    Ok(())
});

ktest!(fn truncating_a_mapped_object_unmaps_its_pages_from_every_space() {
    let pattern = Arc::new(PatternFile::new(3 * PAGE_SIZE as usize));
    let obj = pattern.0.clone();
    let file: Arc<dyn FileObject> = pattern;
    let shared = VmFlags::READ | VmFlags::SHARED | VmFlags::MAYSHARE | VmFlags::MAYREAD;
    let private = VmFlags::READ | VmFlags::WRITE | VmFlags::MAYREAD | VmFlags::MAYWRITE;
    let (a, b) = (new_space(), new_space());
    a.map(MapRequest::anonymous(3, shared).backed_by(Backing::file(file.clone(), 0)).fixed(page(0))).expect("map");
    b.map(MapRequest::anonymous(3, private).backed_by(Backing::file(file.clone(), 0)).fixed(page(0))).expect("map");
    check_eq!(obj.rmap().lock().len(), 2, "one link per area");
    let session = testing::Session::new(&a);
    for p in 0..3 {
        read(BASE + p * PAGE_SIZE);
    }
    session.switch(&b);
    write(BASE + 2 * PAGE_SIZE, 9); // a private copy of the last page
    check_eq!(read(BASE + PAGE_SIZE + 20), (PAGE_SIZE + 20) as u8);
    obj.truncate(PAGE_SIZE as u64 + 10).expect("truncate");
    check!(frame_at(BASE + 2 * PAGE_SIZE).is_none(), "a private copy past the new end stayed mapped");
    check_eq!(read(BASE + PAGE_SIZE + 20), 0, "the cut page's tail reads zero");
    session.switch(&a);
    check!(frame_at(BASE + 2 * PAGE_SIZE).is_none(), "a shared page past the new end stayed mapped");
    check_eq!(read(BASE + PAGE_SIZE + 9), (PAGE_SIZE + 9) as u8);
    drop(session);
    drop((a, b));
    check_eq!(obj.rmap().lock().len(), 0, "links left after the spaces died");
    check_eq!(obj.cached_pages(), 0, "clean pages stayed cached after the last unmap");
    Ok(())
});

ktest!(fn written_file_data_and_its_shared_mapping_are_one_copy() {
    let obj = MemObject::new(None).expect("object");
    let file: Arc<dyn FileObject> = Arc::new(PatternFile(obj.clone()));
    let space = new_space();
    map_anon(&space, 0, 1, VmFlags::READ | VmFlags::WRITE | VmFlags::MAYREAD | VmFlags::MAYWRITE);
    let shared = VmFlags::READ | VmFlags::WRITE | VmFlags::SHARED | VmFlags::MAYSHARE | VmFlags::MAYREAD | VmFlags::MAYWRITE;
    let session = testing::Session::new(&space);
    write(BASE + 5, 0x5A);
    let buf = crate::syscall::uptr::UserBuf::new(BASE, 8);
    check_eq!(obj.write(PAGE_SIZE as u64, buf).expect("write"), 8, "write() at the second page");
    space.map(MapRequest::anonymous(2, shared).backed_by(Backing::file(file.clone(), 0)).fixed(page(4))).expect("map");
    check_eq!(read(BASE + 5 * PAGE_SIZE + 5), 0x5A, "write() not seen through the mapping");
    check_eq!(read(BASE + 4 * PAGE_SIZE), 0, "a hole reads zero");
    write(BASE + 5 * PAGE_SIZE + 6, 0x66);
    let mut got = [0u8; 2];
    check_eq!(obj.read_at(PAGE_SIZE as u64 + 5, &mut got), 2);
    check_eq!(got, [0x5A, 0x66], "a store through the mapping not seen by read");
    space.unmap(page(4), 2).expect("unmap");
    check_eq!(obj.read_at(PAGE_SIZE as u64 + 6, &mut got[..1]), 1);
    check_eq!(got[0], 0x66, "data written through a mapping did not outlive it");
    check_eq!(obj.cached_pages(), 1, "the written page stays, the clean hole goes");
    drop(session);
    drop(space);
    drop(file);
    check_eq!(Arc::strong_count(&obj), 1);
    Ok(())
});

ktest!(fn a_growsdown_stack_grows_to_its_limit_and_no_further() {
    let space = new_space();
    let top = 0x8000_0000u32;
    let flags = rw() | VmFlags::GROWSDOWN;
    space.map(MapRequest::anonymous(1, flags).fixed(Page::new(VirtAddr::new(top - PAGE_SIZE)))).expect("map stack");
    let session = testing::Session::new(&space);
    write(top - 3 * PAGE_SIZE, 1); // grows by two pages
    check_eq!(space.vma_at(VirtAddr::new(top - 1)).map(|v| v.pages()), Some(3));
    let limit = vmcore::layout::STACK_LIMIT;
    check!(usercopy::copy_to_user(top - limit, &[1]).is_ok(), "growth to exactly the limit failed");
    check!(usercopy::copy_to_user(top - limit - PAGE_SIZE, &[1]).is_err(), "grew past the stack limit");
    drop(session);
    drop(space);
    Ok(())
});

ktest!(fn copy_routines_return_efault_for_bad_user_ranges() {
    let space = new_space();
    map_anon(&space, 0, 1, rw());
    let session = testing::Session::new(&space);
    let mut buf = [0u8; 16];
    check!(usercopy::copy_from_user(&mut buf, 0).is_err(), "NULL");
    check!(usercopy::copy_from_user(&mut buf, 0xC000_0000).is_err(), "kernel address");
    check!(usercopy::copy_from_user(&mut buf, 0xFFFF_FFF8).is_err(), "wrap-around");
    check!(usercopy::copy_from_user(&mut buf, BASE + PAGE_SIZE - 8).is_err(), "half-valid range");
    check!(usercopy::copy_from_user(&mut buf, BASE).is_ok());
    drop(session);
    drop(space);
    Ok(())
});

ktest!(fn a_physical_mapping_shows_device_memory_and_is_never_freed() {
    // The VGA text buffer: reserved by the memory map, never handed out by the allocator.
    let vga = vmcore::addr::PhysAddr::new(0xB8000);
    let space = new_space();
    let flags = rw() | VmFlags::SHARED | VmFlags::MAYSHARE | VmFlags::IO | VmFlags::PFNMAP;
    space.map(MapRequest::anonymous(1, flags).backed_by(Backing::Physical { base: vga }).fixed(page(0))).expect("map");
    let before = frames::counters();
    let session = testing::Session::new(&space);
    write(BASE, b'K');
    check_eq!(read(BASE), b'K');
    check_eq!(frame_at(BASE), Some(Frame::new(vga)), "not mapped to the device frame");
    check_eq!(space.stats().s_size, 1);
    drop(session);
    drop(space);
    check_eq!(frames::counters().reserved, before.reserved, "device frame changed hands");
    Ok(())
});
