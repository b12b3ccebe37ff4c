//! A fixed-size bitmap over borrowed `u32` words.
//!
//! Bit `i` lives in word `i / 32` at position `i % 32`. The storage is borrowed (`&mut [u32]`)
//! so the kernel can place it anywhere (the frame database sits right after the kernel image).
//! The number of set bits is maintained on every change, so [`Bitmap::count_ones`] is O(1).
//!
//! Bits past `len` in the last word ("padding") are kept set, so word-wise scans for a clear bit
//! can skip a word with a single `!= u32::MAX` test and never stop in the padding.

use core::fmt;

/// Bits per storage word.
const WORD_BITS: usize = 32;

/// Number of `u32` words needed for a bitmap of `bits` bits.
pub const fn words_for(bits: usize) -> usize {
    bits.div_ceil(WORD_BITS)
}

/// Error of the constructors: the word slice cannot hold `len` bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitmapTooSmall {
    /// Words needed.
    pub needed: usize,
    /// Words given.
    pub got: usize,
}

impl fmt::Display for BitmapTooSmall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bitmap storage too small: {} words needed, {} given",
            self.needed, self.got
        )
    }
}

/// A bitmap of `len` bits stored in borrowed words.
pub struct Bitmap<'a> {
    /// Exactly `words_for(len)` words (the rest of the caller's slice is not used).
    words: &'a mut [u32],
    /// Number of bits.
    len: usize,
    /// Number of set bits below `len`.
    ones: usize,
}

/// Mask of bits `lo..hi` of one word (`lo <= hi <= 32`).
const fn word_mask(lo: usize, hi: usize) -> u32 {
    let upper = if hi >= WORD_BITS {
        u32::MAX
    } else {
        (1u32 << hi) - 1
    };
    let lower = if lo >= WORD_BITS {
        u32::MAX
    } else {
        (1u32 << lo) - 1
    };
    upper & !lower
}

/// The `(word index, mask)` pairs covering bits `start..start + n` of a `len`-bit map.
/// Panics if the range does not fit.
fn range_masks(len: usize, start: usize, n: usize) -> impl Iterator<Item = (usize, u32)> {
    let end = start.checked_add(n).filter(|&e| e <= len);
    let end = end.unwrap_or_else(|| panic!("range {start}+{n} out of range (len {len})"));
    let mut i = start;
    core::iter::from_fn(move || {
        if i >= end {
            return None;
        }
        let w = i / WORD_BITS;
        let hi = (end - w * WORD_BITS).min(WORD_BITS);
        let mask = word_mask(i % WORD_BITS, hi);
        i = (w + 1) * WORD_BITS;
        Some((w, mask))
    })
}

impl<'a> Bitmap<'a> {
    /// A bitmap of `len` bits, all clear. Overwrites the storage.
    pub fn new_clear(words: &'a mut [u32], len: usize) -> Result<Self, BitmapTooSmall> {
        Self::filled(words, len, false)
    }

    /// A bitmap of `len` bits, all set. Overwrites the storage.
    pub fn new_set(words: &'a mut [u32], len: usize) -> Result<Self, BitmapTooSmall> {
        Self::filled(words, len, true)
    }

    fn filled(words: &'a mut [u32], len: usize, set: bool) -> Result<Self, BitmapTooSmall> {
        let needed = words_for(len);
        if words.len() < needed {
            return Err(BitmapTooSmall {
                needed,
                got: words.len(),
            });
        }
        let words = words.split_at_mut(needed).0;
        words.fill(if set { u32::MAX } else { 0 });
        let used_in_last = len % WORD_BITS;
        if let (Some(last), true) = (words.last_mut(), used_in_last != 0) {
            // Padding bits above `len` stay set.
            *last |= word_mask(used_in_last, WORD_BITS);
        }
        Ok(Bitmap {
            words,
            len,
            ones: if set { len } else { 0 },
        })
    }

    /// Number of bits.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the bitmap has no bits at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of set bits (O(1)).
    pub fn count_ones(&self) -> usize {
        self.ones
    }

    /// Number of clear bits (O(1)).
    pub fn count_zeros(&self) -> usize {
        self.len - self.ones
    }

    fn check(&self, i: usize) {
        assert!(
            i < self.len,
            "bit index {i} out of range (len {})",
            self.len
        );
    }

    /// Whether bit `i` is set. Panics if `i >= len`.
    pub fn test(&self, i: usize) -> bool {
        self.check(i);
        self.words[i / WORD_BITS] & (1 << (i % WORD_BITS)) != 0
    }

    /// Sets bit `i`; returns whether it was already set. Panics if `i >= len`.
    pub fn set(&mut self, i: usize) -> bool {
        self.check(i);
        let (w, b) = (i / WORD_BITS, 1u32 << (i % WORD_BITS));
        let was = self.words[w] & b != 0;
        self.words[w] |= b;
        self.ones += usize::from(!was);
        was
    }

    /// Clears bit `i`; returns whether it was set. Panics if `i >= len`.
    pub fn clear(&mut self, i: usize) -> bool {
        self.check(i);
        let (w, b) = (i / WORD_BITS, 1u32 << (i % WORD_BITS));
        let was = self.words[w] & b != 0;
        self.words[w] &= !b;
        self.ones -= usize::from(was);
        was
    }

    /// Sets bits `start..start + n`; returns how many were clear before. Panics past `len`.
    pub fn set_range(&mut self, start: usize, n: usize) -> usize {
        let mut changed = 0;
        for (w, mask) in range_masks(self.len, start, n) {
            changed += (mask & !self.words[w]).count_ones() as usize;
            self.words[w] |= mask;
        }
        self.ones += changed;
        changed
    }

    /// Clears bits `start..start + n`; returns how many were set before. Panics past `len`.
    pub fn clear_range(&mut self, start: usize, n: usize) -> usize {
        let mut changed = 0;
        for (w, mask) in range_masks(self.len, start, n) {
            changed += (mask & self.words[w]).count_ones() as usize;
            self.words[w] &= !mask;
        }
        self.ones -= changed;
        changed
    }

    /// The `(word index, mask)` pairs covering bits `start..start + n`, for operations that
    /// combine several bitmaps word by word. Panics past `len`.
    pub fn range_words(&self, start: usize, n: usize) -> impl Iterator<Item = (usize, u32)> {
        range_masks(self.len, start, n)
    }

    /// Word `w`: bits `w * 32 .. w * 32 + 32`.
    pub fn word(&self, w: usize) -> u32 {
        self.words[w]
    }

    /// Sets the bits `bits` of word `w` (which must lie below `len`); returns how many were
    /// clear.
    pub fn set_bits(&mut self, w: usize, bits: u32) -> usize {
        let changed = (bits & !self.words[w]).count_ones() as usize;
        self.words[w] |= bits;
        self.ones += changed;
        changed
    }

    /// Clears the bits `bits` of word `w` (which must lie below `len`); returns how many were
    /// set.
    pub fn clear_bits(&mut self, w: usize, bits: u32) -> usize {
        let changed = (bits & self.words[w]).count_ones() as usize;
        self.words[w] &= !bits;
        self.ones -= changed;
        changed
    }

    /// Words `ws` and the count of set bits, for a caller that edits whole words in a tight
    /// loop (the frame allocator releasing RAM at boot) and must adjust the count by what it
    /// changed.
    pub(crate) fn words_and_count(&mut self, ws: core::ops::Range<usize>) -> (&mut [u32], &mut usize) {
        (&mut self.words[ws], &mut self.ones)
    }

    /// Clears the bits `bits` of word `w`, which the caller knows are all set and number
    /// `count` (a popcount saved: i686 has no POPCNT instruction to count them again).
    pub fn clear_set_bits(&mut self, w: usize, bits: u32, count: usize) {
        debug_assert_eq!(self.words[w] & bits, bits, "clear_set_bits: a bit was clear");
        debug_assert_eq!(bits.count_ones() as usize, count);
        self.words[w] &= !bits;
        self.ones -= count;
    }

    /// The first clear bit at index `>= hint`, `None` if there is none.
    ///
    /// Scans word by word: full words are skipped with one comparison.
    pub fn find_first_clear_from(&self, hint: usize) -> Option<usize> {
        if hint >= self.len {
            return None;
        }
        let mut w = hint / WORD_BITS;
        // Treat the bits below `hint` in the first word as set.
        let mut word = self.words[w] | word_mask(0, hint % WORD_BITS);
        loop {
            if word != u32::MAX {
                let i = w * WORD_BITS + word.trailing_ones() as usize;
                return (i < self.len).then_some(i);
            }
            w += 1;
            word = *self.words.get(w)?;
        }
    }

    /// The first set bit in `start..end` (`end <= len`), `None` if all are clear.
    fn find_first_set_in(&self, start: usize, end: usize) -> Option<usize> {
        if start >= end {
            return None;
        }
        let mut w = start / WORD_BITS;
        let mut word = self.words[w] & !word_mask(0, start % WORD_BITS);
        loop {
            if word != 0 {
                let i = w * WORD_BITS + word.trailing_zeros() as usize;
                return (i < end).then_some(i);
            }
            w += 1;
            if w * WORD_BITS >= end {
                return None;
            }
            word = self.words[w];
        }
    }

    /// The lowest index `i`, a multiple of `align`, such that bits `i..i + count` are all
    /// clear. `None` if there is no such run or `count` is 0. Panics if `align` is 0.
    pub fn find_clear_run(&self, count: usize, align: usize) -> Option<usize> {
        assert!(align != 0, "find_clear_run: zero alignment");
        if count == 0 {
            return None;
        }
        let mut from = 0;
        loop {
            let start = self
                .find_first_clear_from(from)?
                .checked_next_multiple_of(align)?;
            let end = start.checked_add(count).filter(|&e| e <= self.len)?;
            match self.find_first_set_in(start, end) {
                None => return Some(start),
                Some(set) => from = set + 1,
            }
        }
    }
}

impl fmt::Debug for Bitmap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bitmap")
            .field("len", &self.len)
            .field("ones", &self.ones)
            .finish()
    }
}

#[cfg(test)]
mod tests;
