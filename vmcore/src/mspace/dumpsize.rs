//! Which areas a core dump holds and how much of each: Linux 6.1's `vma_dump_size`
//! (`fs/coredump.c`) with the default `coredump_filter` 0x33 (anonymous private, anonymous
//! shared, ELF headers, private huge pages).
//!
//! Linux asks whether an area "has been written" through its `anon_vma`, which the first
//! write fault (or copy-on-write break) of a private area creates. Our stand-in: the area maps
//! a private page of its own — a data frame of an anonymous area (not the shared zero frame a
//! read fault maps), or a dirty (copied) page of a private file area, as `smaps` counts
//! `Anonymous`. Linux keeps `anon_vma` once made, even after `MADV_DONTNEED` drops the pages;
//! we then dump nothing of the area, which only makes the file smaller.

use alloc::vec::Vec;

use super::pages::counted_pages;
use super::phys::PhysOps;
use super::MSpace;
use crate::addr::PAGE_SIZE;
use crate::coredump::NoMemory;
use crate::paging::TableAccess;
use crate::pte::PteFlags;
use crate::vma::{Backing, VmFlags, Vma};

/// One area of a core dump: a `PT_LOAD` of `len` bytes at `start` whose first `dump` bytes
/// (a multiple of the page size, at most `len`) are in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoreArea {
    /// First address.
    pub start: u32,
    /// Length in bytes (`p_memsz`).
    pub len: u32,
    /// Bytes dumped from `start` (`p_filesz`).
    pub dump: u32,
    /// The area's flags (`p_flags` from READ/WRITE/EXEC).
    pub flags: VmFlags,
}

/// The ELF magic Linux looks for at the start of a readable file area that is not executable.
const ELF_MAGIC: [u8; 4] = [0x7f, b'E', b'L', b'F'];

impl MSpace {
    /// Every area with the part a core dump writes, in address order. Errs only when the
    /// list cannot be allocated.
    pub fn core_areas(&self, tables: &dyn TableAccess, phys: &dyn PhysOps) -> Result<Vec<CoreArea>, NoMemory> {
        let mut out = Vec::new();
        out.try_reserve(self.tree.iter().count()).map_err(|_| NoMemory)?;
        for vma in self.tree.iter() {
            let written = has_own_pages(vma, tables, phys);
            let dump = dump_size(vma, written);
            out.push(CoreArea { start: vma.start().start().as_u32(), len: vma.len(), dump, flags: vma.flags });
        }
        Ok(out)
    }
}

/// Whether `vma` maps a page of its own (the `anon_vma` stand-in, see the module text).
fn has_own_pages(vma: &Vma, tables: &dyn TableAccess, phys: &dyn PhysOps) -> bool {
    counted_pages(vma, tables, phys.zero_page()).any(|(_, pte, _)| match vma.backing {
        Backing::Anonymous => true,
        Backing::File { .. } => pte.flags().contains(PteFlags::DIRTY),
        Backing::Physical { .. } => false,
    })
}

/// Linux's `vma_dump_size` with filter 0x33, `written` standing for `vma->anon_vma`.
pub fn dump_size(vma: &Vma, written: bool) -> u32 {
    let whole = vma.len();
    if vma.flags.intersects(VmFlags::DONTDUMP | VmFlags::IO) || matches!(vma.backing, Backing::Physical { .. }) {
        return 0;
    }
    if vma.flags.is_shared() {
        // An unlinked file — shared anonymous memory's shmem object, a memfd — is
        // MMF_DUMP_ANON_SHARED (on); a shared mapping of a named file is MMF_DUMP_MAPPED_SHARED
        // (off).
        let unlinked = match &vma.backing {
            Backing::File { file, .. } => file.is_unlinked(),
            _ => false,
        };
        return if unlinked { whole } else { 0 };
    }
    if written {
        return whole; // MMF_DUMP_ANON_PRIVATE
    }
    match &vma.backing {
        // MMF_DUMP_ELF_HEADERS: the first page of a readable mapping of an ELF file from its
        // start. Linux takes it for an executable inode without looking; we have no mode here
        // and look for the magic, as Linux does for the others.
        Backing::File { file, offset: 0, .. } if vma.flags.contains(VmFlags::READ) => {
            let mut magic = [0u8; 4];
            if file.read_at(0, &mut magic) == 4 && magic == ELF_MAGIC {
                PAGE_SIZE.min(whole)
            } else {
                0
            }
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{Page, VirtAddr};
    use crate::vma::FileObject;
    use alloc::sync::Arc;
    use alloc::vec::Vec;

    /// A file with the given bytes, named or not.
    struct TestFile(Vec<u8>, bool);

    impl TestFile {
        fn new(data: Vec<u8>) -> Self {
            TestFile(data, false)
        }
        fn unlinked(data: Vec<u8>) -> Self {
            TestFile(data, true)
        }
    }

    impl FileObject for TestFile {
        fn is_unlinked(&self) -> bool {
            self.1
        }
        fn ino(&self) -> u64 {
            1
        }
        fn dev(&self) -> (u32, u32) {
            (0, 1)
        }
        fn path(&self) -> &str {
            "/t"
        }
        fn size(&self) -> u64 {
            self.0.len() as u64
        }
        fn get_page(&self, _index: u32, _phys: &mut dyn crate::mspace::PhysOps) -> Result<crate::addr::Frame, crate::vma::PageError> {
            // The dump-size decisions read no page: this file has no page cache to give.
            Err(crate::vma::PageError::NoMemory)
        }
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
            let from = (offset as usize).min(self.0.len());
            let n = (self.0.len() - from).min(buf.len());
            buf[..n].copy_from_slice(&self.0[from..from + n]);
            n
        }
    }

    fn area(flags: VmFlags, backing: Backing) -> Vma {
        Vma::new(Page::containing(VirtAddr::new(0x0804_8000)), 4, flags, backing).unwrap()
    }

    const RW: VmFlags = VmFlags::READ.union(VmFlags::WRITE);

    #[test]
    fn anonymous_private_dumped_once_written() {
        let v = area(RW, Backing::Anonymous);
        assert_eq!(dump_size(&v, true), 4 * PAGE_SIZE);
        assert_eq!(dump_size(&v, false), 0);
    }

    #[test]
    fn shared_anonymous_whole_shared_file_none() {
        let shmem = Arc::new(TestFile::unlinked(alloc::vec![0u8; 16384]));
        let v = area(RW | VmFlags::SHARED | VmFlags::MAYSHARE, Backing::file(shmem, 0));
        assert_eq!(dump_size(&v, false), 4 * PAGE_SIZE);
        let f = Arc::new(TestFile::new(alloc::vec![0u8; 16384]));
        let v = area(RW | VmFlags::SHARED | VmFlags::MAYSHARE, Backing::file(f, 0));
        assert_eq!(dump_size(&v, true), 0);
    }

    #[test]
    fn dontdump_and_io_never() {
        assert_eq!(dump_size(&area(RW | VmFlags::DONTDUMP, Backing::Anonymous), true), 0);
        assert_eq!(dump_size(&area(RW | VmFlags::IO, Backing::Anonymous), true), 0);
    }

    #[test]
    fn elf_file_head_one_page_unless_written() {
        let mut data = alloc::vec![0u8; 16384];
        data[..4].copy_from_slice(&ELF_MAGIC);
        let elf = Arc::new(TestFile::new(data));
        let text = area(VmFlags::READ | VmFlags::EXEC, Backing::file(elf.clone(), 0));
        assert_eq!(dump_size(&text, false), PAGE_SIZE);
        let later = area(VmFlags::READ, Backing::file(elf.clone(), 4096));
        assert_eq!(dump_size(&later, false), 0);
        let data_seg = area(RW, Backing::file(elf, 4096));
        assert_eq!(dump_size(&data_seg, true), 4 * PAGE_SIZE);
        let plain = Arc::new(TestFile::new(alloc::vec![1u8; 16384]));
        assert_eq!(dump_size(&area(VmFlags::READ, Backing::file(plain, 0)), false), 0);
    }
}
