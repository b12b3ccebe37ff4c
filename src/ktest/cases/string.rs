//! `memcpy` and `memmove` (`arch::string`): every length 0..=40 at every source and
//! destination misalignment, overlapping both ways, against a byte-by-byte reference.

use crate::arch::string::{memcpy, memmove};
use crate::{check_eq, ktest};

/// A buffer of distinct bytes.
fn pattern() -> [u8; 96] {
    core::array::from_fn(|i| (i as u8).wrapping_mul(7).wrapping_add(1))
}

/// The expected result, one byte at a time from a copy taken first (so overlap cannot matter;
/// `black_box` keeps the compiler from turning the loops into a `memcpy` call).
fn reference(buf: &mut [u8; 96], src: usize, dst: usize, n: usize) {
    let mut tmp = [0u8; 96];
    for i in 0..96 {
        tmp[i] = core::hint::black_box(buf[i]);
    }
    for k in 0..n {
        buf[dst + k] = core::hint::black_box(tmp[src + k]);
    }
}

ktest!(fn memmove_matches_a_byte_copy_both_ways() {
    for n in 0..=40usize {
        for src in 0..8usize {
            for dst in 0..48usize {
                let mut buf = pattern();
                let mut want = buf;
                reference(&mut want, src, dst, n);
                let base = buf.as_mut_ptr();
                // SAFETY: both ranges lie inside `buf` (dst + n <= 88, src + n <= 48).
                unsafe { memmove(base.add(dst), base.add(src), n) };
                check_eq!(buf, want, "memmove n={n} src={src} dst={dst}");
            }
        }
    }
    Ok(())
});

ktest!(fn memcpy_copies_disjoint_ranges() {
    for n in 0..=40usize {
        for src in 0..4usize {
            for dst in 48..52usize {
                let mut buf = pattern();
                let mut want = buf;
                reference(&mut want, src, dst, n);
                let base = buf.as_mut_ptr();
                // SAFETY: `[src, src + n)` ends at or below 44 and `[dst, dst + n)` starts at 48:
                // disjoint, both inside `buf`.
                unsafe { memcpy(base.add(dst), base.add(src), n) };
                check_eq!(buf, want, "memcpy n={n} src={src} dst={dst}");
            }
        }
    }
    Ok(())
});
