//! The fuzzer's pseudo-random numbers: SplitMix64, seeded explicitly, so a run is a pure
//! function of its seed (and of what the kernel answers).

/// A SplitMix64 stream.
#[derive(Clone, Copy)]
pub struct Rng(u64);

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function: a good 64-bit mixer.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of batch `index` of a run with `seed`: independent of the batch size, so the
/// first C calls of a batch are the same whether it runs 1000 calls or C.
pub fn batch_seed(seed: u64, index: u64) -> u64 {
    mix(seed ^ mix(index.wrapping_add(1).wrapping_mul(GOLDEN)))
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(mix(seed ^ 0x5EED_F022_u64))
    }

    /// A new stream derived from this one's state and `tag` (used after fork, so parent and
    /// child do not make the same choices).
    pub fn derive(&self, tag: u64) -> Rng {
        Rng(mix(self.0 ^ mix(tag.wrapping_mul(GOLDEN))))
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    pub fn u32(&mut self) -> u32 {
        (self.next() >> 32) as u32
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u32) -> u32 {
        ((self.u32() as u64 * n as u64) >> 32) as u32
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u32, den: u32) -> bool {
        self.below(den) < num
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u32) as usize]
    }
}
