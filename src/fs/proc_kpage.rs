//! `/proc/kpagecount` and `/proc/kpageflags` (Linux's `fs/proc/page.c`): one 64-bit entry
//! per page frame from PFN 0 to the end of RAM (the frame database), read at any multiple-of-8
//! offset, short at the end; mode 0400, root's (anyone else: `EACCES` at open, as Linux).
//!
//! `kpagecount` is the number of user mappings of the frame (Linux's `page_mapcount`): the
//! present entries of every address space mapping it, found by walking the spaces for each
//! chunk read (the zero frame and device memory count 0, as Linux's non-"normal" pages; so
//! do kernel frames: page tables, heap).
//!
//! `kpageflags` carries the bits of `include/uapi/linux/kernel-page-flags.h` we know:
//! `MMAP` (mapped at least once), `ANON` (mapped, and no object's page), `SWAPBACKED` (anonymous
//! and cache pages: every object is memory, tmpfs or shared anonymous), `UPTODATE` (every
//! mapped or cached data frame), `ZERO_PAGE` (the shared zero frame), `BUDDY` (a free frame:
//! every free frame, where Linux marks only the first of a free block), `UNEVICTABLE` and
//! `MLOCKED` (mapped in a `VM_LOCKED` area), `RESERVED` (never allocated: holes, firmware, the
//! kernel image). Never set: `LRU`/`ACTIVE`/`REFERENCED` (no LRU lists), `DIRTY`, `SLAB`,
//! `PGTABLE` (kernel frames are not told apart), `NOPAGE` (every PFN below the end of RAM has
//! a record; Linux too reports holes inside its memory map as `RESERVED`), and the huge-page,
//! swap, KSM and idle bits.

use super::file::{File, FileOps};
use super::proc_pagemap::{read_entries, CHUNK};
use super::stat::{Stat, S_IFREG};
use crate::mm::{frames, framemeta, phys};
use crate::syscall::uptr::UserBuf;
use alloc::vec::Vec;
use vmcore::addr::Frame;
use vmcore::errno::Errno;
use vmcore::frames::FrameState;

const KPF_UPTODATE: u64 = 1 << 3;
const KPF_BUDDY: u64 = 1 << 10;
const KPF_MMAP: u64 = 1 << 11;
const KPF_ANON: u64 = 1 << 12;
const KPF_SWAPBACKED: u64 = 1 << 14;
const KPF_UNEVICTABLE: u64 = 1 << 18;
const KPF_ZERO_PAGE: u64 = 1 << 24;
const KPF_RESERVED: u64 = 1 << 32;
const KPF_MLOCKED: u64 = 1 << 33;

/// Which of the two files.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kpage {
    /// `/proc/kpagecount`.
    Count,
    /// `/proc/kpageflags`.
    Flags,
}

impl FileOps for Kpage {
    fn read(&self, _f: &File, buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
        let size = u64::from(frames::counters().total) * 8;
        let mut maps: Vec<(u32, bool)> = Vec::new();
        crate::mm::inject::fallible(|| maps.try_reserve_exact(CHUNK)).map_err(|_| Errno::ENOMEM)?;
        read_entries(buf, pos, size, &mut |first, out| {
            maps.clear();
            maps.resize(out.len(), (0, false));
            count_mappings(first, &mut maps);
            for (i, (e, &(count, locked))) in out.iter_mut().zip(maps.iter()).enumerate() {
                let frame = Frame::from_number(first as u32 + i as u32);
                *e = match self {
                    Kpage::Count => u64::from(count),
                    Kpage::Flags => flags(frame, count, locked),
                };
            }
        })
    }
    fn seekable(&self) -> bool {
        true
    }
    fn size(&self) -> u64 {
        0
    }
    fn stat(&self, _f: &File) -> Result<Stat, Errno> {
        Ok(Stat { dev: (0, 4), ino: 4 + *self as u64, mode: S_IFREG | 0o400, nlink: 1, blksize: 1024, ..Stat::default() })
    }
}

/// The user mappings of the frames `first ..` (`maps.len()` of them, zeroed): how many
/// entries of all spaces map each, and whether one of them lies in a locked area.
fn count_mappings(first: u64, maps: &mut [(u32, bool)]) {
    let window = first..first + maps.len() as u64;
    for space in super::proc_vm::distinct_spaces() {
        space.edit(|sp, t, p| {
            let visit = &mut |frame: Frame, in_locked: bool| {
                let n = u64::from(frame.number());
                if window.contains(&n) {
                    let m = &mut maps[(n - first) as usize];
                    *m = (m.0 + 1, m.1 | in_locked);
                }
            };
            (sp.for_each_mapped_frame(&*t, &*p, visit), None)
        });
    }
}

/// The `kpageflags` entry of `frame`, mapped `maps` times (`locked`: in a locked area).
fn flags(frame: Frame, maps: u32, locked: bool) -> u64 {
    match frames::state(frame) {
        None => 1 << 20, // KPF_NOPAGE: no record (not reached below the end of RAM)
        Some(FrameState::Reserved) => KPF_RESERVED,
        Some(FrameState::Free) => KPF_BUDDY,
        Some(FrameState::Used(_)) if frame == phys::zero_page() => KPF_ZERO_PAGE,
        Some(FrameState::Used(_)) => {
            let cached = framemeta::owner(frame).is_some();
            let mut f = 0;
            if maps > 0 {
                f |= KPF_MMAP | KPF_UPTODATE | KPF_SWAPBACKED;
                if !cached {
                    f |= KPF_ANON;
                }
            }
            if cached {
                f |= KPF_UPTODATE | KPF_SWAPBACKED;
            }
            if locked {
                f |= KPF_UNEVICTABLE | KPF_MLOCKED;
            }
            f
        }
    }
}
