//! The allocation sites `failslab` reached, for its report (`super::inject::report`): a site is
//! the pair of return addresses above the global allocator (the caller of `__rust_alloc`, often
//! `RawVec`'s growth, and its caller), folded into one word and kept in a fixed open-addressing
//! set — no allocation, so it can run inside the allocator. Only used while `failslab` is on.

use core::sync::atomic::{AtomicU32, Ordering};

/// Slots per set; a full set stops counting new sites (the report then says "at least").
const SLOTS: usize = 2048;

/// A set of sites.
pub struct SiteSet {
    slots: [AtomicU32; SLOTS],
    count: AtomicU32,
}

/// Sites where a process's allocation was made while `failslab` was on.
pub static REACHED: SiteSet = SiteSet::new();
/// Sites where a failure was injected.
pub static FAILED: SiteSet = SiteSet::new();

/// The running allocation's site, as one non-zero word.
#[inline(always)]
pub fn caller_site() -> u32 {
    let [a, b] = super::redzone::callers();
    (a ^ b.rotate_left(13)).max(1)
}

impl SiteSet {
    const fn new() -> Self {
        SiteSet { slots: [const { AtomicU32::new(0) }; SLOTS], count: AtomicU32::new(0) }
    }

    /// Adds `site` (non-zero). Allocations of a process do not nest and interrupt handlers
    /// never note sites, so a plain load-then-store cannot race.
    pub fn note(&self, site: u32) {
        let mut i = (site.wrapping_mul(0x9E37_79B9) >> 21) as usize % SLOTS;
        for _ in 0..SLOTS {
            match self.slots[i].load(Ordering::Relaxed) {
                0 => {
                    self.slots[i].store(site, Ordering::Relaxed);
                    self.count.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                s if s == site => return,
                _ => i = (i + 1) % SLOTS,
            }
        }
    }

    /// Distinct sites noted.
    pub fn count(&self) -> u32 {
        self.count.load(Ordering::Relaxed)
    }
}
