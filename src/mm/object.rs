//! Memory objects: the pages of a file (Linux's `address_space` with `shmem_inode_info`). A
//! tmpfs regular file's data is a `MemObject`; `read` and `write` copy to and from its frames.
//!
//! First version: the pages sit in a `BTreeMap` from page index to frame, the clean data of
//! an initrd file stays in the boot module (`source`) until a page is written. The page cache
//! design of docs/files.md (radix tree, reverse map, shared mappings of these very frames)
//! replaces the internals behind the same interface.
//!
//! Copies between user memory and a frame go through a small kernel buffer: a frame is mapped
//! at a temporary spot only while no user memory is touched, so a page fault during the user
//! copy can never find the spot taken.

use super::frames;
use super::tempmap::TempMap;
use crate::syscall::uptr::UserBuf;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};
use vmcore::addr::{Frame, PAGE_SIZE};
use vmcore::errno::Errno;

const PAGE: u64 = PAGE_SIZE as u64;
/// Bytes moved per trip through the bounce buffer.
const CHUNK: usize = 1024;
/// Largest file size (`MAX_LFS_FILESIZE` on 32-bit: page index must fit in 32 bits).
pub const MAX_SIZE: u64 = (u32::MAX as u64) * PAGE;

/// The pages of one file.
pub struct MemObject {
    size: AtomicU64,
    pages: spin::Mutex<BTreeMap<u32, Frame>>,
    /// Clean data behind the first pages (an initrd file), clipped by truncation.
    source: spin::Mutex<&'static [u8]>,
}

impl MemObject {
    /// An object of `source`'s size holding `source`'s bytes (empty when `None`).
    pub fn new(source: Option<&'static [u8]>) -> Result<Arc<MemObject>, Errno> {
        let src = source.unwrap_or(&[]);
        let obj = MemObject {
            size: AtomicU64::new(src.len() as u64),
            pages: spin::Mutex::new(BTreeMap::new()),
            source: spin::Mutex::new(src),
        };
        crate::mm::inject::fallible(|| Arc::try_new(obj)).map_err(|_| Errno::ENOMEM)
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size.load(Ordering::Acquire)
    }

    /// Pages charged to the file (the ones in the cache); `st_blocks` is this × 8.
    pub fn blocks(&self) -> u64 {
        self.pages.lock().len() as u64
    }

    /// Whether page `index` is in the cache (a write there adds no block).
    pub fn has_page(&self, index: u32) -> bool {
        self.pages.lock().contains_key(&index)
    }

    /// The cached frame of page `index`, with a reference for the caller.
    fn pinned(&self, index: u32) -> Option<Frame> {
        let pages = self.pages.lock();
        let f = *pages.get(&index)?;
        frames::inc_ref(f);
        Some(f)
    }

    /// Fills `out` with the bytes at `pos` (all within one page and below the size).
    fn read_page_part(&self, pos: u64, out: &mut [u8]) {
        let index = (pos / PAGE) as u32;
        let off = (pos % PAGE) as usize;
        match self.pinned(index) {
            Some(f) => {
                out.copy_from_slice(&TempMap::new(f).bytes()[off..off + out.len()]);
                frames::dec_ref(f);
            }
            None => {
                let src = *self.source.lock();
                for (i, b) in out.iter_mut().enumerate() {
                    *b = src.get(pos as usize + i).copied().unwrap_or(0);
                }
            }
        }
    }

    /// Reads up to `buf.len()` bytes at `pos` into a kernel buffer; returns how many (0 at or
    /// past the end).
    pub fn read_at(&self, pos: u64, buf: &mut [u8]) -> usize {
        let size = self.size();
        if pos >= size {
            return 0;
        }
        let n = (buf.len() as u64).min(size - pos) as usize;
        let mut done = 0;
        while done < n {
            let at = pos + done as u64;
            let step = ((PAGE - at % PAGE) as usize).min(n - done);
            self.read_page_part(at, &mut buf[done..done + step]);
            done += step;
        }
        n
    }

    /// `read`: copies from `pos` into the user buffer; the size is not changed.
    pub fn read(&self, pos: u64, buf: UserBuf) -> Result<u32, Errno> {
        let size = self.size();
        if pos >= size {
            return Ok(0);
        }
        let n = (buf.len() as u64).min(size - pos) as u32;
        let mut chunk = [0u8; CHUNK];
        let mut done = 0u32;
        while done < n {
            let step = (n - done).min(CHUNK as u32) as usize;
            let got = self.read_at(pos + done as u64, &mut chunk[..step]);
            if got == 0 {
                break; // truncated meanwhile
            }
            if let Err(e) = buf.write_at(done, &chunk[..got]) {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
            done += got as u32;
        }
        Ok(done)
    }

    /// The frame of page `index`, created (filled from `source` or zeroed) if absent; with a
    /// reference for the caller. `ENOMEM` without a frame.
    fn page_for_write(&self, index: u32) -> Result<Frame, Errno> {
        if let Some(f) = self.pinned(index) {
            return Ok(f);
        }
        let fresh = frames::alloc_zeroed().ok_or(Errno::ENOMEM)?;
        {
            let src = *self.source.lock();
            let start = index as usize * PAGE_SIZE as usize;
            if start < src.len() {
                let end = (start + PAGE_SIZE as usize).min(src.len());
                TempMap::new(fresh).bytes()[..end - start].copy_from_slice(&src[start..end]);
            }
        }
        let mut pages = self.pages.lock();
        if let Some(&f) = pages.get(&index) {
            // Someone else created it meanwhile.
            frames::inc_ref(f);
            drop(pages);
            frames::free(fresh);
            return Ok(f);
        }
        if crate::mm::inject::fallible(|| try_insert(&mut pages, index, fresh)).is_err() {
            drop(pages);
            frames::free(fresh);
            return Err(Errno::ENOMEM);
        }
        frames::inc_ref(fresh);
        Ok(fresh)
    }

    /// `write`: copies the user buffer to `pos`, extending the size. `EFBIG` past the largest
    /// size; a short count when memory runs out after some bytes were written.
    pub fn write(&self, pos: u64, buf: UserBuf) -> Result<u32, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        if pos >= MAX_SIZE {
            return Err(Errno::EFBIG);
        }
        let n = (buf.len() as u64).min(MAX_SIZE - pos) as u32;
        let mut chunk = [0u8; CHUNK];
        let mut done = 0u32;
        while done < n {
            let at = pos + done as u64;
            let step = ((PAGE - at % PAGE) as u32).min(n - done).min(CHUNK as u32) as usize;
            let copied = buf.read_at(done, &mut chunk[..step]);
            let stored = copied.and_then(|()| self.store(at, &chunk[..step]));
            if let Err(e) = stored {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
            done += step as u32;
            self.size.fetch_max(at + step as u64, Ordering::AcqRel);
        }
        Ok(done)
    }

    /// Writes the kernel bytes `data` at `pos`, extending the size (a core dump's writer).
    /// `EFBIG` past the largest size; `ENOMEM` without a frame (what came before stays).
    pub fn write_bytes(&self, pos: u64, data: &[u8]) -> Result<(), Errno> {
        if pos.checked_add(data.len() as u64).is_none_or(|end| end > MAX_SIZE) {
            return Err(Errno::EFBIG);
        }
        let mut done = 0usize;
        while done < data.len() {
            let at = pos + done as u64;
            let step = ((PAGE - at % PAGE) as usize).min(data.len() - done);
            self.store(at, &data[done..done + step])?;
            done += step;
            self.size.fetch_max(at + step as u64, Ordering::AcqRel);
        }
        Ok(())
    }

    /// Stores `data` at `pos` (within one page).
    fn store(&self, pos: u64, data: &[u8]) -> Result<(), Errno> {
        let f = self.page_for_write((pos / PAGE) as u32)?;
        let off = (pos % PAGE) as usize;
        TempMap::new(f).bytes()[off..off + data.len()].copy_from_slice(data);
        frames::dec_ref(f);
        Ok(())
    }

    /// Sets the size: shrinking frees the pages past the end and zeroes the tail of the last
    /// one (so growing again reads zeros), growing exposes zeros. `EFBIG` past the largest size.
    pub fn truncate(&self, new: u64) -> Result<(), Errno> {
        if new > MAX_SIZE {
            return Err(Errno::EFBIG);
        }
        let old = self.size.swap(new, Ordering::AcqRel);
        if new >= old {
            return Ok(());
        }
        {
            let mut src = self.source.lock();
            if (new as usize) < src.len() {
                *src = &src[..new as usize];
            }
        }
        let first_gone = new.div_ceil(PAGE) as u32;
        let gone = self.pages.lock().split_off(&first_gone);
        for (_, f) in gone {
            frames::dec_ref(f);
        }
        if new % PAGE != 0 {
            if let Some(f) = self.pinned((new / PAGE) as u32) {
                TempMap::new(f).bytes()[(new % PAGE) as usize..].fill(0);
                frames::dec_ref(f);
            }
        }
        Ok(())
    }
}

/// Inserts into a `BTreeMap` without aborting on exhaustion: the map cannot reserve, so the
/// node is probed with a throwaway allocation of a node's size first (the insert's own
/// allocation may still fail after it, which is as rare as any heap exhaustion between two
/// calls; the radix tree with preallocated nodes replaces this).
fn try_insert(pages: &mut BTreeMap<u32, Frame>, index: u32, frame: Frame) -> Result<(), alloc::collections::TryReserveError> {
    let mut probe: alloc::vec::Vec<u8> = alloc::vec::Vec::new();
    probe.try_reserve_exact(256)?;
    drop(probe);
    pages.insert(index, frame);
    Ok(())
}

impl Drop for MemObject {
    fn drop(&mut self) {
        for (_, f) in core::mem::take(&mut *self.pages.lock()) {
            frames::dec_ref(f);
        }
    }
}
