use super::test_file::TestFile;
use super::*;
use crate::addr::PhysAddr;
use alloc::string::ToString;

fn page(addr: u32) -> Page {
    Page::new(VirtAddr::new(addr))
}

const RW: VmFlags =
    VmFlags::READ.union(VmFlags::WRITE).union(VmFlags::MAYREAD).union(VmFlags::MAYWRITE);

#[test]
fn new_validates() {
    assert_eq!(Vma::anonymous(page(0x1000), 0, RW).unwrap_err(), VmaError::Empty);
    assert_eq!(Vma::anonymous(page(0xFFFF_F000), 1, RW).unwrap_err(), VmaError::PastTop);
    assert!(Vma::anonymous(page(0xFFFF_E000), 1, RW).is_ok());
    let f = TestFile::open(1, "/f", 100);
    let b = Backing::File { file: f, offset: 10, limit: 0 };
    assert_eq!(Vma::new(page(0x1000), 1, RW, b).unwrap_err(), VmaError::UnalignedOffset);
    let b = Backing::Physical { base: PhysAddr::new(0x10) };
    assert_eq!(Vma::new(page(0x1000), 1, RW, b).unwrap_err(), VmaError::UnalignedBase);
    let b = Backing::Physical { base: PhysAddr::new(0xFFFF_F000) };
    assert_eq!(Vma::new(page(0x1000), 2, RW, b).unwrap_err(), VmaError::PhysicalPastTop);
}

#[test]
fn geometry() {
    let v = Vma::anonymous(page(0x40_0000), 3, RW).unwrap();
    assert_eq!(v.end(), VirtAddr::new(0x40_3000));
    assert_eq!(v.end_page(), page(0x40_3000));
    assert_eq!(v.len(), 0x3000);
    assert!(v.contains(VirtAddr::new(0x40_0000)));
    assert!(v.contains(VirtAddr::new(0x40_2fff)));
    assert!(!v.contains(VirtAddr::new(0x40_3000)));
    assert!(!v.contains(VirtAddr::new(0x3f_ffff)));
    assert_eq!(v.page_index(VirtAddr::new(0x40_2abc)), Some(2));
}

#[test]
fn file_limit_is_clamped_to_length() {
    let v = Vma::new(page(0x1000), 2, RW, Backing::file(TestFile::open(1, "/f", 1 << 20), 0));
    match v.unwrap().backing {
        Backing::File { limit, .. } => assert_eq!(limit, 0x2000),
        _ => unreachable!(),
    }
}

#[test]
fn file_position_covers_data_tail_and_eof() {
    // Three pages from file offset 0x1000 with 0x1234 bytes of data (an ELF data+bss
    // segment), in a file of 0x2800 bytes.
    let f = TestFile::open(1, "/f", 0x2800);
    let b = Backing::File { file: f, offset: 0x1000, limit: 0x1234 };
    let v = Vma::new(page(0x1_0000), 3, RW, b).unwrap();
    let pos = |a| v.file_position(VirtAddr::new(a)).unwrap();
    assert_eq!(pos(0x1_0010), FilePosition { offset: 0x1000, bytes: 0x1000, past_eof: false, whole: true });
    assert_eq!(pos(0x1_1000), FilePosition { offset: 0x2000, bytes: 0x234, past_eof: false, whole: false });
    assert_eq!(pos(0x1_2000), FilePosition { offset: 0x3000, bytes: 0, past_eof: false, whole: false });
    assert_eq!(v.file_position(VirtAddr::new(0x1_3000)), None);
    // Whole file mapped, but the file is shorter than the mapping.
    let f = TestFile::open(1, "/f", 0x1800);
    let v = Vma::new(page(0x1_0000), 3, RW, Backing::file(f, 0)).unwrap();
    let pos = |a| v.file_position(VirtAddr::new(a)).unwrap();
    assert_eq!(pos(0x1_1000), FilePosition { offset: 0x1000, bytes: 0x800, past_eof: false, whole: true });
    assert_eq!(pos(0x1_2000), FilePosition { offset: 0x2000, bytes: 0, past_eof: true, whole: true });
    // Not a file mapping.
    let a = Vma::anonymous(page(0x1000), 1, RW).unwrap();
    assert_eq!(a.file_position(VirtAddr::new(0x1000)), None);
}

#[test]
fn physical_frame() {
    let b = Backing::Physical { base: PhysAddr::new(0xB8000) };
    let v = Vma::new(page(0x1_0000), 2, RW, b).unwrap();
    assert_eq!(v.physical_frame(VirtAddr::new(0x1_1004)), Some(Frame::from_number(0xB9)));
    assert_eq!(v.physical_frame(VirtAddr::new(0x1_2000)), None);
}

#[test]
fn split_anonymous() {
    let v = Vma::anonymous(page(0x1000), 4, RW).unwrap().with_name(VmaName::Heap);
    assert!(v.split_at(page(0x1000)).is_none());
    assert!(v.split_at(page(0x5000)).is_none());
    let (a, b) = v.split_at(page(0x2000)).unwrap();
    assert_eq!((a.start(), a.pages()), (page(0x1000), 1));
    assert_eq!((b.start(), b.pages()), (page(0x2000), 3));
    assert_eq!(b.name, VmaName::Heap);
}

#[test]
fn split_file_advances_offset_and_limit() {
    let f = TestFile::open(1, "/f", 0x10000);
    let b = Backing::File { file: f, offset: 0x3000, limit: 0x1800 };
    let v = Vma::new(page(0x1_0000), 4, RW, b).unwrap();
    let (lo, hi) = v.split_at(page(0x1_1000)).unwrap();
    match (&lo.backing, &hi.backing) {
        (
            Backing::File { offset: o1, limit: l1, .. },
            Backing::File { offset: o2, limit: l2, .. },
        ) => assert_eq!((*o1, *l1, *o2, *l2), (0x3000, 0x1000, 0x4000, 0x800)),
        _ => unreachable!(),
    }
    let (_, top) = hi.split_at(page(0x1_2000)).unwrap();
    match top.backing {
        Backing::File { offset, limit, .. } => assert_eq!((offset, limit), (0x5000, 0)),
        _ => unreachable!(),
    }
    // Splitting and merging back restores the original.
    let mut m = lo.clone();
    m.merge(&hi).unwrap();
    match m.backing {
        Backing::File { offset, limit, .. } => assert_eq!((offset, limit), (0x3000, 0x1800)),
        _ => unreachable!(),
    }
    assert_eq!(m.pages(), 4);
}

#[test]
fn split_physical_advances_base() {
    let b = Backing::Physical { base: PhysAddr::new(0xA0000) };
    let v = Vma::new(page(0x1_0000), 4, RW, b).unwrap();
    let (_, hi) = v.split_at(page(0x1_3000)).unwrap();
    assert_eq!(hi.physical_frame(VirtAddr::new(0x1_3000)), Some(Frame::from_number(0xA3)));
}

#[test]
fn merge_rules() {
    let a = Vma::anonymous(page(0x1000), 1, RW).unwrap();
    let b = Vma::anonymous(page(0x2000), 1, RW).unwrap();
    let gap = Vma::anonymous(page(0x3000), 1, RW).unwrap();
    assert!(a.can_merge_with(&b));
    assert_eq!(a.merge_check(&gap), Err(MergeError::NotAdjacent));
    let ro = Vma::anonymous(page(0x2000), 1, VmFlags::READ).unwrap();
    assert_eq!(a.merge_check(&ro), Err(MergeError::FlagsDiffer));
    let named = b.clone().with_name(VmaName::Custom("x".to_string()));
    assert_eq!(a.merge_check(&named), Err(MergeError::NamesDiffer));
    let f = TestFile::open(1, "/f", 0x10000);
    let fb = Vma::new(page(0x2000), 1, RW, Backing::file(f.clone(), 0x1000)).unwrap();
    assert_eq!(a.merge_check(&fb), Err(MergeError::BackingDiffers));
    let mut m = a.clone();
    m.merge(&b).unwrap();
    assert_eq!((m.start(), m.pages()), (page(0x1000), 2));
}

#[test]
fn merge_files() {
    let f = TestFile::open(7, "/f", 0x10000);
    let same_ino = TestFile::open(7, "/g", 0x10000);
    let other = TestFile::open(8, "/f", 0x10000);
    let at = |p, file, offset, limit| {
        Vma::new(page(p), 1, RW, Backing::File { file, offset, limit }).unwrap()
    };
    let a = at(0x1000, f.clone(), 0x1000, 0x1000);
    assert!(a.can_merge_with(&at(0x2000, f.clone(), 0x2000, 0x1000)));
    assert!(a.can_merge_with(&at(0x2000, same_ino.clone(), 0x2000, 0x1000)));
    assert!(!a.can_merge_with(&at(0x2000, other, 0x2000, 0x1000)));
    assert!(!a.can_merge_with(&at(0x2000, f.clone(), 0x3000, 0x1000)));
    // A zero tail may be followed only by more zero tail.
    let short = at(0x1000, f.clone(), 0x1000, 0x800);
    assert!(!short.can_merge_with(&at(0x2000, f.clone(), 0x2000, 0x1000)));
    let mut m = short.clone();
    m.merge(&at(0x2000, f.clone(), 0x2000, 0)).unwrap();
    match m.backing {
        Backing::File { limit, .. } => assert_eq!(limit, 0x800),
        _ => unreachable!(),
    }
}

#[test]
fn merge_physical_needs_contiguous_base() {
    let p = |v, b| Vma::new(page(v), 1, RW, Backing::Physical { base: PhysAddr::new(b) }).unwrap();
    assert!(p(0x1000, 0xA0000).can_merge_with(&p(0x2000, 0xA1000)));
    assert!(!p(0x1000, 0xA0000).can_merge_with(&p(0x2000, 0xA2000)));
}
