//! `memcpy` and `memmove` (`arch::string`): every length 0..=40 at every source and
//! destination misalignment, overlapping both ways, against a byte-by-byte reference.

use crate::arch::string::{memcpy, memmove};
use crate::ktest::TestResult;
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

/// Copies every length 0..=40 from each offset of `srcs` to each of `dsts` with `copy` and
/// compares with [`reference`].
fn each_copy(
    name: &str,
    copy: unsafe extern "C" fn(*mut u8, *const u8, usize) -> *mut u8,
    srcs: core::ops::Range<usize>,
    dsts: core::ops::Range<usize>,
) -> TestResult {
    for n in 0..=40usize {
        for src in srcs.clone() {
            for dst in dsts.clone() {
                let mut buf = pattern();
                let mut want = buf;
                reference(&mut want, src, dst, n);
                let base = buf.as_mut_ptr();
                // SAFETY: both ranges lie inside `buf` (offsets below 52, n <= 40, 96 bytes);
                // the callers pick disjoint ranges for `memcpy`.
                unsafe { copy(base.add(dst), base.add(src), n) };
                check_eq!(buf, want, "{name} n={n} src={src} dst={dst}");
            }
        }
    }
    Ok(())
}

ktest!(fn memmove_matches_a_byte_copy_both_ways() {
    each_copy("memmove", memmove, 0..8, 0..48)
});

ktest!(fn memcpy_copies_disjoint_ranges() {
    // Sources end at or below 44, destinations start at 48: disjoint.
    each_copy("memcpy", memcpy, 0..4, 48..52)
});
