//! A hash set of keyed entries with O(1) expected insert, lookup and removal, whose memory is
//! only ever taken by a fallible [`FlatSet::reserve`] (the kernel's allocations on user paths
//! must be able to fail): open addressing with linear probing in one array of slots, removal
//! by backward shift (no tombstones, so probe lengths never degrade over time).
//!
//! Built for sets that grow to tens of thousands of members and are edited by every fork and
//! exit: the reverse map of a program file (one entry per area mapping it; every live process
//! maps the same binary, so a list made each exit walk thousands of entries), the per-user
//! task counts of `RLIMIT_NPROC`.
//!
//! Sizing: the capacity is a power of two with at most 3/4 of it in use after a reservation.
//! [`FlatSet::settle`] brings a small table (up to [`EXACT_UP_TO`] slots) back to
//! [`capacity_for`] its length — a function of the length alone, so the kernel heap returns
//! exactly to its baseline once a burst is over (the ring-3 suites' exact leak checks) — and
//! gives a larger one back only when the set could live in a quarter of it (everything when
//! empty), so a big set whose size hovers around a power of two is never copied on every edit.

use alloc::vec::Vec;
use core::hash::{Hash, Hasher};

/// The allocation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoMemory;

/// An entry of a [`FlatSet`]: at most one entry per key.
pub trait Keyed {
    /// What identifies the entry.
    type Key: Eq + Hash;
    /// The entry's key.
    fn key(&self) -> Self::Key;
}

impl Keyed for u32 {
    type Key = u32;
    fn key(&self) -> u32 {
        *self
    }
}

/// The Fx hash (rustc's): one rotate, xor and multiply per word. Not DoS-resistant, which is
/// fine for keys the kernel chooses (pids, uids, space ids and addresses of one's own areas).
struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(SEED);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Largest table [`FlatSet::settle`] keeps exactly at [`capacity_for`] its length (copying
/// at most 48 entries when a set hovers at a boundary).
pub const EXACT_UP_TO: usize = 64;

/// Smallest non-zero capacity.
const MIN_CAPACITY: usize = 8;

/// The capacity a set of `len` entries is given when it grows: the smallest power of two (at
/// least [`MIN_CAPACITY`]) that `len` fills to at most 3/4; 0 for an empty set.
pub const fn capacity_for(len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let mut cap = MIN_CAPACITY;
    while len > cap / 4 * 3 {
        cap *= 2;
    }
    cap
}

/// The set (see the module documentation).
#[derive(Debug)]
pub struct FlatSet<T> {
    slots: Vec<Option<T>>,
    len: usize,
}

impl<T> Default for FlatSet<T> {
    fn default() -> Self {
        FlatSet { slots: Vec::new(), len: 0 }
    }
}

impl<T: Keyed> FlatSet<T> {
    /// An empty set (allocates nothing).
    pub const fn new() -> Self {
        FlatSet { slots: Vec::new(), len: 0 }
    }

    /// Entries in the set.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots held (each the size of an `Option<T>`).
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The home slot of `key` in a table of `cap` slots (a power of two): the hash's top bits.
    fn home(key: &T::Key, cap: usize) -> usize {
        let mut h = FxHasher(0);
        key.hash(&mut h);
        (h.finish() >> (64 - cap.trailing_zeros())) as usize
    }

    /// Makes room for `more` inserts beyond the current entries, so that [`FlatSet::insert`]
    /// cannot fail; `NoMemory` (the set unchanged) if the larger table cannot be allocated.
    pub fn reserve(&mut self, more: usize) -> Result<(), NoMemory> {
        self.reserve_total(self.len + more)
    }

    /// Makes room for `total` entries in all.
    pub fn reserve_total(&mut self, total: usize) -> Result<(), NoMemory> {
        if total <= self.slots.len() / 4 * 3 {
            return Ok(());
        }
        self.rehash(capacity_for(total))
    }

    /// Moves every entry into a table of `cap` slots (0 or a power of two holding them all).
    fn rehash(&mut self, cap: usize) -> Result<(), NoMemory> {
        let mut slots: Vec<Option<T>> = Vec::new();
        slots.try_reserve_exact(cap).map_err(|_| NoMemory)?;
        slots.resize_with(cap, || None);
        let old = core::mem::replace(&mut self.slots, slots);
        for v in old.into_iter().flatten() {
            let i = self.probe(&v.key()).expect_err("invariant: keys are unique");
            self.slots[i] = Some(v);
        }
        Ok(())
    }

    /// The slot holding `key` (`Ok`), or the free slot where it would go (`Err`). The table
    /// must have a free slot.
    fn probe(&self, key: &T::Key) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut i = Self::home(key, self.slots.len());
        loop {
            match &self.slots[i] {
                None => return Err(i),
                Some(v) if v.key() == *key => return Ok(i),
                Some(_) => i = (i + 1) & mask,
            }
        }
    }

    /// Adds `v`, replacing the entry with its key (returned). `Err(v)` when there is no room
    /// (no reservation made): nothing changed.
    pub fn insert(&mut self, v: T) -> Result<Option<T>, T> {
        if self.slots.is_empty() {
            return Err(v);
        }
        match self.probe(&v.key()) {
            Ok(i) => Ok(self.slots[i].replace(v)),
            Err(_) if self.len + 1 > self.slots.len() / 4 * 3 => Err(v),
            Err(i) => {
                self.slots[i] = Some(v);
                self.len += 1;
                Ok(None)
            }
        }
    }

    /// The entry with `key`.
    pub fn get(&self, key: &T::Key) -> Option<&T> {
        if self.len == 0 {
            return None;
        }
        self.probe(key).ok().and_then(|i| self.slots[i].as_ref())
    }

    /// The entry with `key`, to change (its key must stay the same).
    pub fn get_mut(&mut self, key: &T::Key) -> Option<&mut T> {
        if self.len == 0 {
            return None;
        }
        self.probe(key).ok().and_then(|i| self.slots[i].as_mut())
    }

    /// Removes and returns the entry with `key`. Never allocates; the entries after it in its
    /// probe run shift back so that no lookup passes a hole.
    pub fn remove(&mut self, key: &T::Key) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let mut hole = self.probe(key).ok()?;
        let out = self.slots[hole].take();
        self.len -= 1;
        let mask = self.slots.len() - 1;
        let mut j = (hole + 1) & mask;
        while let Some(v) = &self.slots[j] {
            let home = Self::home(&v.key(), self.slots.len());
            // The entry at j may move to the hole unless its home lies cyclically in (hole, j].
            let stays = if hole <= j { hole < home && home <= j } else { hole < home || home <= j };
            if !stays {
                self.slots[hole] = self.slots[j].take();
                hole = j;
            }
            j = (j + 1) & mask;
        }
        out
    }

    /// Gives memory back once edits are over: all of it when empty, else a smaller table when
    /// the held one is small (at most [`EXACT_UP_TO`] slots) or the entries fit a quarter of
    /// it (if that allocation fails, the table stays).
    pub fn settle(&mut self) {
        let (want, cap) = (capacity_for(self.len), self.slots.len());
        if self.len == 0 {
            self.slots = Vec::new();
        } else if want < cap && (cap <= EXACT_UP_TO || want * 4 <= cap) {
            let _ = self.rehash(want);
        }
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.slots.iter().flatten()
    }
}

#[cfg(test)]
mod tests;
