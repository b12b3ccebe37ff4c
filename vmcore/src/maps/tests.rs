use super::*;
use crate::addr::{Page, PhysAddr, VirtAddr};
use crate::vma::test_file::TestFile;
use crate::vma::FileObject;
use alloc::string::{String, ToString};
use alloc::sync::Arc;

const R: VmFlags = VmFlags::READ.union(VmFlags::MAYREAD);
const RW: VmFlags = R.union(VmFlags::WRITE).union(VmFlags::MAYWRITE);
const RX: VmFlags = R.union(VmFlags::EXEC).union(VmFlags::MAYEXEC);

fn file(ino: u64, dev: (u32, u32), path: &str) -> Arc<dyn FileObject> {
    TestFile::open_on(dev, ino, path, 1 << 20)
}

fn line(vma: &Vma) -> String {
    let mut s = String::new();
    write_maps_line(&mut s, vma).unwrap();
    s
}

fn at(addr: u32, pages: u32, flags: VmFlags, backing: Backing) -> Vma {
    Vma::new(Page::new(VirtAddr::new(addr)), pages, flags, backing).unwrap()
}

#[test]
fn name_column_is_49_on_i386() {
    assert_eq!(NAME_COLUMN, 49);
}

#[test]
fn file_mapping_pads_to_column_49() {
    let v = at(0x40_0000, 1, RX, Backing::file(file(0, (0, 0), "/init"), 0));
    let s = line(&v);
    assert_eq!(s, "00400000-00401000 r-xp 00000000 00:00 0          /init\n");
    assert_eq!(s.find('/'), Some(NAME_COLUMN));
}

#[test]
fn real_file_with_offset_device_and_inode() {
    let f = file(1_234_567, (0xfd, 1), "/usr/lib/libc.so.6");
    let v = at(0x0804_9000, 2, R, Backing::file(f, 0x1000));
    assert_eq!(line(&v), "08049000-0804b000 r--p 00001000 fd:01 1234567    /usr/lib/libc.so.6\n");
}

#[test]
fn long_prefix_gets_exactly_two_spaces() {
    let f = file(123_456_789_012, (8, 1), "/big");
    let v = at(0x1000_0000, 1, R, Backing::file(f, 0x1_2345_6789_0000));
    assert_eq!(line(&v), "10000000-10001000 r--p 1234567890000 08:01 123456789012  /big\n");
}

#[test]
fn anonymous_without_name_keeps_the_trailing_space() {
    let v = at(0xB7F0_0000, 3, RW, Backing::Anonymous);
    assert_eq!(line(&v), "b7f00000-b7f03000 rw-p 00000000 00:00 0 \n");
}

#[test]
fn heap_stack_and_custom_names() {
    let heap = at(0x0804_a000, 0x21, RW, Backing::Anonymous).with_name(VmaName::Heap);
    assert_eq!(line(&heap), "0804a000-0806b000 rw-p 00000000 00:00 0          [heap]\n");
    let flags = RW | VmFlags::GROWSDOWN;
    let stack = at(0xBFFD_F000, 0x21, flags, Backing::Anonymous).with_name(VmaName::Stack);
    assert_eq!(line(&stack), "bffdf000-c0000000 rw-p 00000000 00:00 0          [stack]\n");
    let vvar =
        at(0xB7FF_0000, 1, R, Backing::Anonymous).with_name(VmaName::Custom("[vvar]".to_string()));
    assert_eq!(line(&vvar), "b7ff0000-b7ff1000 r--p 00000000 00:00 0          [vvar]\n");
}

#[test]
fn shared_and_prot_none() {
    let shared = RW | VmFlags::SHARED | VmFlags::MAYSHARE;
    let v = at(0x5000_0000, 1, shared, Backing::Anonymous);
    assert_eq!(line(&v), "50000000-50001000 rw-s 00000000 00:00 0 \n");
    // A MAP_SHARED mapping of a read-only file has MAYSHARE but not SHARED: still `s`.
    let f = file(12, (8, 1), "/ro");
    let v = at(0x5000_0000, 1, R | VmFlags::MAYSHARE, Backing::file(f, 0));
    assert_eq!(line(&v), "50000000-50001000 r--s 00000000 08:01 12         /ro\n");
    let v = at(0x5000_0000, 1, VmFlags::MAYREAD, Backing::Anonymous);
    assert_eq!(line(&v), "50000000-50001000 ---p 00000000 00:00 0 \n");
}

#[test]
fn physical_prints_the_physical_address() {
    let b = Backing::Physical { base: PhysAddr::new(0x000B_8000) };
    let v = at(0x6000_0000, 8, RW | VmFlags::SHARED | VmFlags::MAYSHARE, b)
        .with_name(VmaName::Custom("[vga]".to_string()));
    assert_eq!(line(&v), "60000000-60008000 rw-s 000b8000 00:00 0          [vga]\n");
}

#[test]
fn newline_in_path_is_escaped() {
    let v = at(0x40_0000, 1, R, Backing::file(file(5, (0, 0x11), "/a\nb"), 0));
    assert_eq!(line(&v), "00400000-00401000 r--p 00000000 00:11 5          /a\\012b\n");
}

#[test]
fn whole_tree() {
    let mut t = VmaTree::new();
    t.insert(at(0x40_0000, 1, RX, Backing::file(file(0, (0, 0), "/init"), 0))).unwrap();
    t.insert(at(0x40_1000, 1, RW, Backing::Anonymous).with_name(VmaName::Heap)).unwrap();
    let mut s = String::new();
    write_maps(&mut s, &t).unwrap();
    assert_eq!(
        s,
        "00400000-00401000 r-xp 00000000 00:00 0          /init\n\
         00401000-00402000 rw-p 00000000 00:00 0          [heap]\n"
    );
}
