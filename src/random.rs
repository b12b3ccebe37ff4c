//! The kernel's cryptographically secure random-number generator: ChaCha20 (`rand_chacha`),
//! seeded once at boot from RDSEED/RDRAND when the CPU has them, mixed with TSC jitter samples
//! and the CMOS clock (the only sources on a CPU without them). It serves `getrandom`,
//! `AT_RANDOM` and, later, `/dev/urandom`.
//!
//! The generator sits behind an interrupt-safe lock and never allocates, so any context may
//! draw from it. Like Linux's crng after boot it is always "ready": nothing blocks.

use crate::arch::entropy;
use crate::sync::IrqMutex;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

static RNG: IrqMutex<Option<ChaCha20Rng>> = IrqMutex::new(None);

/// Where the seed came from, for the boot log.
#[derive(Clone, Copy, Debug)]
pub enum SeedSource {
    /// RDSEED words (plus the rest).
    Rdseed,
    /// RDRAND words (plus the rest).
    Rdrand,
    /// TSC jitter and the RTC only.
    Jitter,
}

/// Seeds the generator. Every 32-bit word of the key is the XOR of a hardware random word
/// (when there is one), a rotated TSC-jitter sample and a word derived from the clock; the
/// key then goes through ChaCha20 once more, so no raw sample is ever output.
pub fn init() -> SeedSource {
    let rtc = entropy::rtc();
    let clock = u32::from_le_bytes([rtc[0], rtc[1], rtc[2], rtc[3]]) ^ (u32::from(rtc[4]) << 8 | u32::from(rtc[5]) << 24);
    let mut source = SeedSource::Jitter;
    let mut key = [0u8; 32];
    for (i, word) in key.chunks_exact_mut(4).enumerate() {
        let hw = match entropy::rdseed() {
            Some(v) => {
                source = SeedSource::Rdseed;
                v
            }
            None => entropy::rdrand().inspect(|_| source = SeedSource::Rdrand).unwrap_or(0),
        };
        let mut jitter = 0u32;
        for _ in 0..8 {
            jitter = jitter.rotate_left(7) ^ entropy::tsc_jitter();
        }
        let tsc = crate::arch::cpu::rdtsc();
        let v = hw ^ jitter ^ clock.rotate_left(i as u32 * 4) ^ (tsc as u32) ^ ((tsc >> 32) as u32);
        word.copy_from_slice(&v.to_le_bytes());
    }
    let mut stretched = [0u8; 32];
    ChaCha20Rng::from_seed(key).fill_bytes(&mut stretched);
    *RNG.lock() = Some(ChaCha20Rng::from_seed(stretched));
    source
}

/// Fills `buf` with random bytes.
pub fn fill(buf: &mut [u8]) {
    let mut rng = RNG.lock();
    rng.as_mut().expect("invariant: random::init ran at boot").fill_bytes(buf);
}
