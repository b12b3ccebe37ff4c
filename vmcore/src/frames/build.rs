//! Building the frame database from the memory map: releasing the Available regions and
//! reserving what is occupied, a bitmap word (32 frames) at a time; no reference count is
//! touched (see the watermark in the parent module).

use super::{frame_at, FrameAllocator, FrameError};
use crate::addr::Frame;

impl FrameAllocator<'_> {
    /// Makes the reserved frames of `first..first + count` free; returns how many changed.
    ///
    /// Frames that are already free or in use are left alone, and frames beyond the managed
    /// range are ignored, so overlapping or oversized memory-map regions are harmless. Also the
    /// way to give back boot-time memory (boot information, modules) later. Whole words in a
    /// tight loop, the partial words at the ends bit-masked.
    pub fn add_free_range(&mut self, first: Frame, count: u32) -> u32 {
        let range = self.clip(first, count);
        let (lo_w, hi_w) = (range.start.div_ceil(32), range.end / 32);
        let released = if lo_w < hi_w {
            self.release_words(lo_w..hi_w)
                + self.release_bits(range.start, lo_w * 32 - range.start)
                + self.release_bits(hi_w * 32, range.end - hi_w * 32)
        } else {
            self.release_bits(range.start, range.len())
        };
        self.counters.reserved -= released;
        self.counters.free += released;
        released
    }

    /// [`FrameAllocator::add_free_range`] for bits `start..start + n`, word by word.
    fn release_bits(&mut self, start: usize, n: usize) -> u32 {
        let mut released = 0;
        for (w, mask) in self.reserved.range_words(start, n) {
            let r = self.reserved.word(w) & mask;
            if r == 0 {
                continue;
            }
            let n = r.count_ones();
            // Reserved frames are unavailable too: their bits are set in both maps.
            self.reserved.clear_set_bits(w, r, n as usize);
            self.bits.clear_set_bits(w, r, n as usize);
            self.hint = self.hint.min(w * 32 + r.trailing_zeros() as usize);
            released += n;
        }
        released
    }

    /// [`FrameAllocator::add_free_range`] for whole words `ws`: a few instructions per 32
    /// frames (a word entirely reserved, the common case at boot, needs no popcount).
    fn release_words(&mut self, ws: core::ops::Range<usize>) -> u32 {
        let first = ws.start;
        let (res, res_ones) = self.reserved.words_and_count(ws.clone());
        let (used, used_ones) = self.bits.words_and_count(ws);
        // The lowest released frame lowers the hint (found once: usually the first word).
        let lowest = res.iter().position(|&r| r != 0).map(|i| (first + i) * 32 + res[i].trailing_zeros() as usize);
        let mut released = 0u32;
        for (r, u) in res.iter_mut().zip(used.iter_mut()) {
            if *r == 0 {
                continue;
            }
            released += if *r == u32::MAX { 32 } else { r.count_ones() };
            // Reserved frames are unavailable too: their bits are set in both maps.
            *u &= !*r;
            *r = 0;
        }
        *res_ones -= released as usize;
        *used_ones -= released as usize;
        if let Some(l) = lowest {
            self.hint = self.hint.min(l);
        }
        released
    }

    /// Reserves the free frames of `first..first + count`; returns how many changed.
    ///
    /// Already-reserved frames and frames beyond the managed range are ignored. Fails without
    /// changing anything if a frame of the range is allocated. Word by word.
    pub fn reserve_range(&mut self, first: Frame, count: u32) -> Result<u32, FrameError> {
        let range = self.clip(first, count);
        for (w, mask) in self.bits.range_words(range.start, range.len()) {
            let in_use = self.bits.word(w) & !self.reserved.word(w) & mask;
            if in_use != 0 {
                return Err(FrameError::InUse(frame_at(w * 32 + in_use.trailing_zeros() as usize)));
            }
        }
        let mut reserved = 0;
        for (w, mask) in self.bits.range_words(range.start, range.len()) {
            let free = !self.bits.word(w) & mask;
            self.bits.set_bits(w, free);
            self.reserved.set_bits(w, free);
            reserved += free.count_ones();
        }
        self.counters.free -= reserved;
        self.counters.reserved += reserved;
        Ok(reserved)
    }
}
