//! The kernel heap running out under the area tree: `fork`, `mmap`, `mprotect`, `munmap`,
//! `brk` and `mremap` fail with nothing half-done (issue 13's reproducer, a fork of a process
//! with thousands of areas, in small).

use super::*;
use crate::tree::failing_after;

const A: u32 = 0x0800_0000;
const P: u32 = PAGE_SIZE;
/// Areas of the striped mapping: several chunks of the tree.
const STRIPES: u32 = 300;

/// (start, pages, flags) of every area of `s`.
fn areas(w: &World<'_>, s: usize) -> Vec<(u32, u32, VmFlags)> {
    w.space(s).tree().iter().map(|v| (v.start().number(), v.pages(), v.flags)).collect()
}

/// A space with one mapping split into `STRIPES` areas (every other page read-only), some
/// pages written.
fn striped(w: &mut World<'_>) -> usize {
    let s = w.create();
    w.map_at(s, A, STRIPES, RW);
    for i in 0..STRIPES {
        if i % 7 == 0 {
            w.write(s, A + i * P, i as u8).unwrap();
        }
    }
    for i in (0..STRIPES).step_by(2) {
        w.protect(s, A + i * P, 1, VmFlags::READ).unwrap();
    }
    assert_eq!(w.space(s).tree().len(), STRIPES as usize);
    s
}

#[test]
fn a_fork_whose_area_tree_runs_out_is_enomem_and_leaves_nothing() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let p = striped(&mut w);
    let before = areas(&w, p);
    for n in [0, 1, 3, 8] {
        // World::fork sweeps the half-made child and checks every reference count.
        let r = failing_after(n, || w.fork(p));
        assert_eq!(r, Err(CloneError::OutOfMemory { flush: SpaceFlush::new() }), "after {n}");
        assert_eq!(areas(&w, p), before);
    }
    let c = w.fork(p).unwrap();
    assert_eq!(areas(&w, c), before);
    assert_eq!(w.read(c, A + 7 * P), Ok(7));
    w.finish();
}

/// Tries `op` with the tree's allocations failing after 0, 1, 2... until it succeeds: every
/// failure must be `oom` with the areas unchanged. Returns how many tries failed.
fn until_it_fits<E: PartialEq + core::fmt::Debug, T>(w: &mut World<'_>, s: usize, oom: E, mut op: impl FnMut(&mut World<'_>) -> Result<T, E>) -> u32 {
    for n in 0.. {
        let before = areas(w, s);
        match failing_after(n, || op(w)) {
            Ok(_) => return n,
            Err(e) => {
                assert_eq!(e, oom, "after {n}");
                assert_eq!(areas(w, s), before, "after {n}");
            }
        }
    }
    unreachable!()
}

#[test]
fn map_protect_and_unmap_refused_for_lack_of_heap_change_nothing() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = striped(&mut w);
    let mid = A + 101 * P;
    let fixed = MapRequest::anonymous(3, RW).fixed(pg(mid));
    let mut failures = until_it_fits(&mut w, s, MapError::OutOfMemory, |w| w.map(s, fixed.clone()));
    failures += until_it_fits(&mut w, s, ProtectError::OutOfMemory, |w| w.protect(s, A + 151 * P, 3, VmFlags::empty()));
    failures += until_it_fits(&mut w, s, UnmapError::OutOfMemory, |w| w.unmap(s, A + 201 * P, 3));
    failures += until_it_fits(&mut w, s, UnmapError::OutOfMemory, |w| w.unmap(s, A + 10 * P, 200));
    assert!(failures >= 1, "the map needed room: {failures}");
    assert_eq!(w.read(s, A + 7 * P), Ok(7));
    w.finish();
}
