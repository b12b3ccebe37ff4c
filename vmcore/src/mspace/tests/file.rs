//! File mappings: data then zeroes, SIGBUS past the end, page-cache sharing, private copies.

use super::*;
use crate::pte::PteFlags;
use crate::vma::test_file::TestFile;
use crate::vma::FileObject;
use std::sync::Arc;

const A: u32 = 0x0800_0000;
const P: u32 = PAGE_SIZE;

/// A mapping request of `pages` pages of `file` from `offset`, with `limit` bytes of data.
fn file_map(file: &Arc<dyn FileObject>, pages: u32, flags: VmFlags, offset: u64, limit: u64) -> MapRequest {
    let backing = Backing::File { file: file.clone(), offset, limit };
    MapRequest::anonymous(pages, flags).backed_by(backing)
}

#[test]
fn private_file_mapping_reads_file_data_then_zeroes() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    let file = TestFile::open(1, "/bin/init", 0x3000); // byte at offset o is o as u8
    // Like an ELF data segment: 0x1800 bytes of file data from 0x1000, then bss.
    w.map(s, file_map(&file, 4, RW, 0x1000, 0x1800).fixed(pg(A))).unwrap();
    assert_eq!(w.read(s, A + 0x10), Ok(0x10));
    assert_eq!(w.read(s, A + P + 0x7FF), Ok(0xFF), "file offset 0x27ff");
    assert_eq!(w.read(s, A + P + 0x800), Ok(0), "past the limit: zero");
    assert_eq!(w.read(s, A + 2 * P), Ok(0), "bss page");
    assert_eq!(w.frame(s, A + 2 * P), Some(w.phys.zero_page()), "bss reads map the zero page");
    assert_eq!(w.stats(s).p_size, 2);
    let text = {
        let mut t = std::string::String::new();
        w.space(s).display(&mut t).unwrap();
        t
    };
    assert!(text.starts_with("08000000-08004000 rw-p 00001000 08:01 1 "), "{text}");
    assert!(text.ends_with(" /bin/init\n"));
    w.finish();
}

#[test]
fn a_page_wholly_past_the_end_of_the_file_raises_sigbus() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    let file = TestFile::open(2, "/short", 0x1800);
    w.map(s, file_map(&file, 3, R, 0, u64::MAX).fixed(pg(A))).unwrap();
    assert_eq!(w.read(s, A + P + 0x7FF), Ok(0xFF));
    assert_eq!(w.read(s, A + P + 0x800), Ok(0), "the rest of the last page is zero");
    assert_eq!(
        w.read(s, A + 2 * P),
        Err(Sig::Bus(BusReason::PastEndOfFile { offset: 0x2000, size: 0x1800 }))
    );
    // populate skips the page instead of failing.
    assert_eq!(w.populate(s, A, 3, false), Ok(()));
    assert!(!w.pte(s, A + 2 * P).is_present());
    w.finish();
}

#[test]
fn shared_file_mapping_in_two_spaces_shares_one_frame() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let (a, b) = (w.create(), w.create());
    let file = TestFile::open(3, "/data", 0x2000);
    w.map(a, file_map(&file, 2, RW | SHARED, 0, u64::MAX).fixed(pg(A))).unwrap();
    w.map(b, file_map(&file, 1, RW | SHARED, 0x1000, u64::MAX).fixed(pg(A + 8 * P))).unwrap();
    assert_eq!(w.read(a, A + P + 3), Ok(3));
    assert_eq!(w.read(b, A + 8 * P + 3), Ok(3));
    let frame = w.frame(a, A + P).unwrap();
    assert_eq!(w.frame(b, A + 8 * P), Some(frame));
    assert_eq!(w.phys.refcount(frame), 3, "the cache's reference and one per mapping");
    w.write(a, A + P + 5, 0x99).unwrap();
    assert_eq!(w.read(b, A + 8 * P + 5), Ok(0x99));
    assert_eq!(w.frame(a, A + P), Some(frame), "shared pages are never copied");
    assert_eq!((w.stats(a).s_size, w.stats(a).p_size, w.stats(b).s_size), (1, 0, 1));
    w.unmap(a, A, 2).unwrap();
    assert_eq!(w.phys.refcount(frame), 2);
    assert_eq!(w.read(b, A + 8 * P + 5), Ok(0x99));
    w.finish();
}

#[test]
fn private_file_mapping_written_gets_a_private_copy() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let (a, b) = (w.create(), w.create());
    let file = TestFile::open(4, "/lib", 0x1000);
    w.map(a, file_map(&file, 1, RW, 0, u64::MAX).fixed(pg(A))).unwrap();
    w.map(b, file_map(&file, 1, R | SHARED, 0, u64::MAX).fixed(pg(A))).unwrap();
    assert_eq!(w.read(b, A + 9), Ok(9));
    assert_eq!(w.read(a, A + 9), Ok(9));
    assert_eq!(w.frame(a, A), w.frame(b, A), "a private read maps the cache frame");
    let flags = w.pte(a, A).flags();
    assert!(flags.contains(PteFlags::COW) && !flags.contains(PteFlags::WRITABLE), "copy-on-write");
    w.write(a, A + 9, 0xEE).unwrap();
    assert_ne!(w.frame(a, A), w.frame(b, A), "the write copied the page");
    assert!(w.pte(a, A).flags().contains(PteFlags::WRITABLE), "its own copy, writable");
    assert_eq!((w.read(a, A + 9), w.read(b, A + 9)), (Ok(0xEE), Ok(9)));
    // A write fault on a never-read private file page copies the file data too.
    w.unmap(a, A, 1).unwrap();
    w.map(a, file_map(&file, 1, RW, 0, u64::MAX).fixed(pg(A))).unwrap();
    w.write(a, A, 0x42).unwrap();
    assert_eq!((w.read(a, A), w.read(a, A + 1)), (Ok(0x42), Ok(1)));
    // Forked, it is copy-on-write like anonymous memory.
    let c = w.fork(a).unwrap();
    w.write(c, A + 1, 0x43).unwrap();
    assert_eq!((w.read(a, A + 1), w.read(c, A + 1)), (Ok(1), Ok(0x43)));
    w.finish();
}

#[test]
fn zapping_an_objects_pages_removes_shared_entries_and_private_copies() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let (a, b) = (w.create(), w.create());
    let file = TestFile::open(6, "/trunc", 0x4000);
    w.map(a, file_map(&file, 4, RW | SHARED, 0, u64::MAX).fixed(pg(A))).unwrap();
    w.map(b, file_map(&file, 3, RW, 0x1000, u64::MAX).fixed(pg(A))).unwrap();
    for p in 0..4 {
        w.read(a, A + p * P).unwrap();
    }
    w.write(b, A + P, 0x77).unwrap(); // a private copy of file page 2
    w.read(b, A + 2 * P).unwrap(); // the cache page of file page 3, copy-on-write
    for s in [a, b] {
        w.with(s, |sp, t, p| ((), sp.zap_object_pages(6, 2, t, p)));
    }
    assert!(w.pte(a, A + P).is_present(), "file page 1 stays");
    assert!(!w.pte(a, A + 2 * P).is_present() && !w.pte(a, A + 3 * P).is_present());
    assert!(!w.pte(b, A + P).is_present(), "the private copy of page 2 goes too");
    assert!(!w.pte(b, A + 2 * P).is_present());
    // Another object's id touches nothing.
    w.with(a, |sp, t, p| ((), sp.zap_object_pages(7, 0, t, p)));
    assert!(w.pte(a, A).is_present());
    w.finish();
}

#[test]
fn object_ranges_follow_areas_and_offsets() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    let file = TestFile::open(3, "/f", 64 * P as u64);
    let shared = RW | VmFlags::SHARED | VmFlags::MAYSHARE;
    w.map(s, file_map(&file, 8, shared, 2 * P as u64, u64::MAX).fixed(pg(A))).unwrap();
    w.map_at(s, A + 8 * P, 2, RW); // anonymous: no object
    let r = w.space(s).object_ranges(pg(A + P), 20).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].first, r[0].end), (3, 10));
    assert!(w.space(s).object_ranges(pg(A + 8 * P), 4).unwrap().is_empty());
    w.finish();
}
