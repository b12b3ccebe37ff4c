//! The physical frame allocator's logic, over storage the kernel provides.
//!
//! Borrowed arrays describe every frame below `nframes`:
//!
//! * a [`Bitmap`] where a set bit means "not available" (in use or reserved),
//! * a second bitmap where a set bit means "reserved": never allocatable (frame 0, the kernel
//!   image, boot information, modules, holes in the memory map), and
//! * a reference count per frame: `1..=MAX_REFS` in use (≥ 2 means shared, e.g. by
//!   copy-on-write mappings), `0` free or reserved (the second bitmap tells them apart, which
//!   only error reports and [`FrameAllocator::state`] need).
//!
//! Everything starts reserved; boot code releases the Available regions of the memory map with
//! [`FrameAllocator::add_free_range`] and then reserves what is occupied with
//! [`FrameAllocator::reserve_range`]. Both work a bitmap word (32 frames) at a time and leave
//! the reference counts alone, so building the database costs a few instructions per 32 frames.
//!
//! The reference counts are not even zeroed at boot: only the counts below a watermark,
//! [`FrameAllocator::ready`], are meaningful. Above it no frame has ever been allocated, so
//! every count there reads as 0 (the bitmaps say free or reserved); the first allocation at or
//! above the watermark zeroes the counts up to the end of its chunk of [`READY_CHUNK`] frames
//! and raises it. First fit keeps the watermark near the highest frame in use, so boot time does
//! not depend on the amount of RAM at all, and RAM that is never used is never touched. The
//! kernel keeps its other per-frame records (the page cache's owners) initialised up to the
//! same watermark.
//!
//! Allocation is first fit: [`FrameAllocator::alloc`] always returns the lowest free frame. A
//! hint keeps that cheap: no bit below `hint` is clear, so a search starts there and usually
//! stops in the first word. Freeing a frame lowers the hint to it, so an alloc/free pair touches
//! one word of the bitmap and one reference count. All counters are maintained incrementally.

use core::fmt;

use crate::addr::Frame;
use crate::bitmap::{self, Bitmap, BitmapTooSmall};

mod build;
mod error;
pub use error::{FrameError, FrameStorageError};

/// Highest reference count a frame can reach.
pub const MAX_REFS: u32 = u32::MAX - 1;
/// Most frames a 32-bit physical address space has (4 GiB / 4 KiB).
pub const MAX_FRAMES: u32 = 1 << 20;
/// Frames whose counts are made ready at once when an allocation crosses the watermark (4 KiB
/// of counts; a handful in host tests, so that they cross it often).
pub const READY_CHUNK: u32 = if cfg!(test) { 8 } else { 1024 };

/// Storage needed for `nframes` frames: `(bitmap words, reference-count words)`, both `u32`
/// (the bitmap words hold the two bitmaps, one after the other).
pub const fn storage_words(nframes: u32) -> (usize, usize) {
    (2 * bitmap::words_for(nframes as usize), nframes as usize)
}

/// Frame totals, kept up to date by every operation (reading them is O(1)).
///
/// `free + used + reserved == total`; `shared` counts the subset of `used` with ≥ 2 references.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameCounters {
    /// Frames managed (`nframes`).
    pub total: u32,
    /// Frames available for allocation.
    pub free: u32,
    /// Frames with at least one reference.
    pub used: u32,
    /// Frames that are never allocated.
    pub reserved: u32,
    /// Frames with two or more references.
    pub shared: u32,
}

/// What a frame is currently used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameState {
    /// Available for allocation.
    Free,
    /// Allocated, with this many references (≥ 1).
    Used(u32),
    /// Never allocated.
    Reserved,
}

/// Outcome of dropping one reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecRef {
    /// That was the last reference: the frame is free again.
    Freed,
    /// Other references remain (this many, ≥ 1).
    StillShared(u32),
}

/// The physical frame allocator over borrowed storage.
pub struct FrameAllocator<'a> {
    /// Set = in use or reserved.
    bits: Bitmap<'a>,
    /// Set = reserved.
    reserved: Bitmap<'a>,
    /// Exactly `total` counts; below `ready`: 0 for free and reserved frames; above: garbage.
    refs: &'a mut [u32],
    /// The counts of frames below this index are initialised; no frame at or above it has
    /// ever been allocated.
    ready: usize,
    /// No clear bit lies below this index.
    hint: usize,
    counters: FrameCounters,
}

impl<'a> FrameAllocator<'a> {
    /// An allocator for frames `0..nframes` with every frame reserved, over storage sized with
    /// [`storage_words`]. The bitmaps are filled a word at a time; the reference counts may hold
    /// anything: they are zeroed a chunk at a time as allocations reach them.
    pub fn new(
        bits: &'a mut [u32],
        refs: &'a mut [u32],
        nframes: u32,
    ) -> Result<Self, FrameStorageError> {
        if nframes > MAX_FRAMES {
            return Err(FrameStorageError::TooManyFrames(nframes));
        }
        let n = nframes as usize;
        let half = bitmap::words_for(n);
        if bits.len() < 2 * half {
            return Err(FrameStorageError::BitmapTooSmall(BitmapTooSmall {
                needed: 2 * half,
                got: bits.len(),
            }));
        }
        if refs.len() < n {
            return Err(FrameStorageError::RefsTooSmall {
                needed: n,
                got: refs.len(),
            });
        }
        let (used_words, rest) = bits.split_at_mut(half);
        let bits = Bitmap::new_set(used_words, n).map_err(FrameStorageError::BitmapTooSmall)?;
        let reserved = Bitmap::new_set(rest, n).map_err(FrameStorageError::BitmapTooSmall)?;
        let refs = refs.split_at_mut(n).0;
        let counters = FrameCounters {
            total: nframes,
            reserved: nframes,
            ..Default::default()
        };
        Ok(FrameAllocator {
            bits,
            reserved,
            refs,
            ready: 0,
            hint: 0,
            counters,
        })
    }

    /// Indices of the frames of `first..first + count` that are managed (the rest is dropped).
    fn clip(&self, first: Frame, count: u32) -> core::ops::Range<usize> {
        let n = self.refs.len();
        first.index().min(n)..first.index().saturating_add(count as usize).min(n)
    }

    /// Allocates the lowest free frame with a reference count of 1. `None` when memory is full.
    pub fn alloc(&mut self) -> Option<Frame> {
        if self.counters.free == 0 {
            return None;
        }
        let i = self
            .bits
            .find_first_clear_from(self.hint)
            .expect("invariant: a frame is free and none lies below the hint");
        self.bits.set(i);
        if i >= self.ready {
            self.make_ready(i + 1);
        }
        self.refs[i] = 1;
        self.hint = i + 1;
        self.counters.free -= 1;
        self.counters.used += 1;
        Some(frame_at(i))
    }

    /// Allocates `count` physically contiguous frames whose first frame number is a multiple
    /// of `align_frames` (0 counts as 1); returns the first. Each frame gets its own reference
    /// count of 1 and is freed on its own. `None` if no such run is free or `count` is 0.
    pub fn alloc_contiguous(&mut self, count: u32, align_frames: u32) -> Option<Frame> {
        let start = self
            .bits
            .find_clear_run(count as usize, align_frames.max(1) as usize)?;
        let end = start + count as usize;
        self.bits.set_range(start, count as usize);
        if end > self.ready {
            self.make_ready(end);
        }
        self.refs[start..end].fill(1);
        if (start..end).contains(&self.hint) {
            self.hint = end;
        }
        self.counters.free -= count;
        self.counters.used += count;
        Some(frame_at(start))
    }

    /// Zeroes the counts from the watermark up to the chunk that holds frame `upto - 1`, and
    /// raises the watermark there (out of line: once per [`READY_CHUNK`] frames of RAM).
    #[cold]
    #[inline(never)]
    fn make_ready(&mut self, upto: usize) {
        let chunk = READY_CHUNK as usize;
        let end = upto.div_ceil(chunk).saturating_mul(chunk).min(self.refs.len());
        self.refs[self.ready..end].fill(0);
        self.ready = end;
    }

    /// The frames below this number have initialised counts; none at or above it has ever
    /// been allocated (a multiple of [`READY_CHUNK`], or the frame count).
    pub fn ready(&self) -> u32 {
        frame_at(self.ready).number()
    }

    /// Index of a frame whose count is initialised; for any other frame, the error a frame
    /// without a reference gets (out of line: only bugs get there).
    #[inline]
    fn index(&self, frame: Frame, unallocated: FrameError) -> Result<usize, FrameError> {
        let i = frame.index();
        if i < self.ready {
            Ok(i)
        } else {
            Err(self.never_allocated(i, unallocated))
        }
    }

    /// The error for frame `i` at or above the watermark: out of range, reserved, or
    /// `otherwise` (free).
    #[cold]
    fn never_allocated(&self, i: usize, otherwise: FrameError) -> FrameError {
        if i >= self.refs.len() {
            FrameError::OutOfRange(frame_at(i))
        } else {
            self.unallocated(i, otherwise)
        }
    }

    /// Adds a reference to an allocated frame; returns the new count. Never wraps.
    pub fn inc_ref(&mut self, frame: Frame) -> Result<u32, FrameError> {
        let i = self.index(frame, FrameError::NotAllocated(frame))?;
        match self.refs[i] {
            0 => Err(self.unallocated(i, FrameError::NotAllocated(frame))),
            MAX_REFS => Err(FrameError::RefOverflow(frame)),
            r => {
                self.refs[i] = r + 1;
                self.counters.shared += u32::from(r == 1);
                Ok(r + 1)
            }
        }
    }

    /// Drops a reference; the frame is freed when it was the last one.
    pub fn dec_ref(&mut self, frame: Frame) -> Result<DecRef, FrameError> {
        let i = self.index(frame, FrameError::DoubleFree(frame))?;
        match self.refs[i] {
            0 => Err(self.unallocated(i, FrameError::DoubleFree(frame))),
            1 => {
                self.refs[i] = 0;
                self.bits.clear(i);
                self.hint = self.hint.min(i);
                self.counters.free += 1;
                self.counters.used -= 1;
                Ok(DecRef::Freed)
            }
            r => {
                self.refs[i] = r - 1;
                self.counters.shared -= u32::from(r == 2);
                Ok(DecRef::StillShared(r - 1))
            }
        }
    }

    /// Frees a frame holding exactly one reference. Fails with [`FrameError::Shared`] (changing
    /// nothing) if others still reference it.
    pub fn free(&mut self, frame: Frame) -> Result<(), FrameError> {
        let i = self.index(frame, FrameError::DoubleFree(frame))?;
        match self.refs[i] {
            r @ 2..=MAX_REFS => Err(FrameError::Shared { frame, refs: r }),
            _ => self.dec_ref(frame).map(|_| ()),
        }
    }

    /// The error for an operation on frame `i` that holds no reference: `Reserved` if it is
    /// reserved, else `otherwise` (out of line: only bugs get here).
    #[cold]
    fn unallocated(&self, i: usize, otherwise: FrameError) -> FrameError {
        if self.reserved.test(i) {
            FrameError::Reserved(frame_at(i))
        } else {
            otherwise
        }
    }

    /// The reference count of a frame (0 if free).
    pub fn refcount(&self, frame: Frame) -> Result<u32, FrameError> {
        let i = match self.index(frame, FrameError::DoubleFree(frame)) {
            Ok(i) => i,
            Err(FrameError::DoubleFree(_)) => return Ok(0), // free, never allocated
            Err(e) => return Err(e),
        };
        match self.refs[i] {
            0 if self.reserved.test(i) => Err(FrameError::Reserved(frame)),
            r => Ok(r),
        }
    }

    /// What the frame is used for; `None` if it is beyond the managed range.
    pub fn state(&self, frame: Frame) -> Option<FrameState> {
        let i = frame.index();
        let refs = match i {
            _ if i < self.ready => self.refs[i],
            _ if i < self.refs.len() => 0, // never allocated
            _ => return None,
        };
        Some(match refs {
            0 if self.reserved.test(i) => FrameState::Reserved,
            0 => FrameState::Free,
            r => FrameState::Used(r),
        })
    }

    /// The current totals (O(1)).
    pub fn counters(&self) -> FrameCounters {
        self.counters
    }

    /// Sets a raw reference count, bypassing every check (tests of the overflow path).
    #[cfg(test)]
    fn force_refcount(&mut self, frame: Frame, refs: u32) {
        assert!(frame.index() < self.ready, "only a frame below the watermark");
        self.refs[frame.index()] = refs;
    }
}

/// The frame of index `i` (< [`MAX_FRAMES`], so it converts losslessly).
fn frame_at(i: usize) -> Frame {
    Frame::from_number(u32::try_from(i).expect("invariant: frame index below MAX_FRAMES"))
}

impl fmt::Debug for FrameAllocator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameAllocator")
            .field("counters", &self.counters)
            .field("hint", &self.hint)
            .field("ready", &self.ready)
            .finish()
    }
}

#[cfg(test)]
mod tests;
