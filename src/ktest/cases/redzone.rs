//! kmalloc red zones (`mm::redzone`): the detector on blocks of the test's own arena (each
//! kind of damage is seen, typed, without a panic), and on the real heap when the kernel runs
//! with `slub_debug`.

use crate::mm::heap;
use crate::mm::redzone::{self, Bounds, Registry, Violation};
use crate::{check, check_eq, ktest};
use alloc::alloc::{alloc, dealloc, Layout};
use alloc::vec;
use vmcore::redzone::{Damage, Geometry, POISON, POISON_WORD};

/// Writes `v` at `p + off` (volatile: the test corrupts memory on purpose).
fn poke(p: *mut u8, off: isize, v: u8) {
    // SAFETY: callers pass offsets inside the outer block the pointer belongs to (a red zone,
    // or freed memory of the test's own arena), mapped and owned by the test.
    unsafe { p.offset(off).write_volatile(v) };
}

ktest!(fn redzone_detects_overflow_underflow_double_free_and_use_after_free() {
    let mut arena = vec![POISON_WORD; 1024];
    let base = arena.as_mut_ptr() as *mut u8;
    let bounds = Bounds { start: base as u32, top: base as u32 + 4096 };
    let (ga, gb) = (Geometry::new(40, 8).expect("small"), Geometry::new(100, 64).expect("small"));
    let a_outer = base;
    // SAFETY: 256 + 63 bytes past the start stay inside the 4 KiB arena.
    let b_outer = unsafe { base.add(256 + (64 - (base as usize + 256) % 64) % 64) };
    let mut reg = Registry::new();
    // SAFETY: disjoint blocks of the arena, aligned as their geometry asks, used by nothing else.
    let a = unsafe { reg.admit(a_outer, &ga, [1, 2], bounds) }.map_err(|v| crate::kprintln!("    {v}")).ok();
    // SAFETY: as above.
    let b = unsafe { reg.admit(b_outer, &gb, [3, 4], bounds) }.ok();
    check!(a.is_some() && b.is_some(), "fresh arena blocks refused");
    let (a, b) = (a.expect("checked"), b.expect("checked"));
    check_eq!(b as usize % 64, 0, "user data aligned");
    check_eq!(reg.verify(bounds), Ok(2));
    // SAFETY: the blocks' user data, 40 and 100 bytes.
    unsafe { (a.write_bytes(0xA1, 40), b.write_bytes(0xB2, 100)) };
    check_eq!(reg.verify(bounds), Ok(2), "user data is not a red zone");

    // One byte past the end of `a`: seen by the walk and by the free, the free changes nothing.
    poke(a, 40, 0x41);
    let overflow = Violation { block: a as u32, size: 40, callers: [1, 2], damage: Damage::RedZone { offset: 40, found: 0x41 } };
    check_eq!(reg.verify(bounds), Err(overflow));
    // SAFETY: `a` came from `admit` with `ga`.
    let freed = unsafe { reg.release(a, &ga, bounds) };
    check_eq!(freed.map(|_| ()), Err(overflow));
    check!(alloc::format!("{overflow}").contains("right red zone (past the end): byte at offset 40 is 0x41"));
    poke(a, 40, vmcore::redzone::RED);
    // One byte below `b`.
    poke(b, -1, 0);
    let under = reg.verify(bounds);
    check_eq!(under.map_err(|v| (v.block, v.damage)), Err((b as u32, Damage::RedZone { offset: -1, found: 0 })));
    poke(b, -1, vmcore::redzone::RED);
    check_eq!(reg.verify(bounds), Ok(2));

    // Free, double free, use after free.
    // SAFETY: `a` came from `admit` with `ga`, freed once here.
    check_eq!(unsafe { reg.release(a, &ga, bounds) }, Ok(a_outer));
    check_eq!(reg.verify(bounds), Ok(1));
    // SAFETY: the block is poisoned heap of the arena; the second free must be refused.
    let again = unsafe { reg.release(a, &ga, bounds) };
    check_eq!(again.map_err(|v| v.damage), Err(Damage::Magic { found: POISON_WORD }));
    poke(a, 5, 7);
    // SAFETY: the freed block, handed out again.
    let reuse = unsafe { reg.admit(a_outer, &ga, [0; 2], bounds) };
    check_eq!(reuse.map_err(|v| v.damage), Err(Damage::Poison { offset: 5, found: 7 }));
    poke(a, 5, POISON);
    // The list allocator's hole node (size, next) at the block's start is not damage.
    let node = [64u32, 0u32];
    // SAFETY: the first 8 bytes of the freed, word-aligned block.
    unsafe { core::ptr::copy_nonoverlapping(node.as_ptr() as *const u8, a_outer, 8) };
    // SAFETY: the freed block, handed out again.
    check_eq!(unsafe { reg.admit(a_outer, &ga, [0; 2], bounds) }, Ok(a));
    check_eq!(reg.verify(bounds), Ok(2));
    // SAFETY: both came from `admit` with these geometries.
    unsafe {
        check!(reg.release(b, &gb, bounds).is_ok());
        check!(reg.release(a, &ga, bounds).is_ok());
    }
    check_eq!(reg.verify(bounds), Ok(0));
    Ok(())
});

ktest!(fn slub_debug_heap_walk_sees_a_damaged_live_block() {
    if !redzone::enabled() {
        check_eq!(heap::verify_live(), Ok(0), "no registry without slub_debug");
        crate::kprintln!("    (slub_debug off: the arena case covers the detector)");
        return Ok(());
    }
    let live = heap::verify_live();
    check!(matches!(live, Ok(n) if n > 10), "live blocks: {:?}", live);
    let layout = Layout::from_size_align(24, 4).expect("valid");
    // SAFETY: non-zero size.
    let p = unsafe { alloc(layout) };
    check!(!p.is_null());
    poke(p, 24 + 3, 0x5A);
    let seen = heap::verify_live();
    poke(p, 24 + 3, vmcore::redzone::RED);
    crate::kprintln!("    {}", seen.map_or_else(|v| alloc::format!("{v}"), |n| alloc::format!("{n} blocks, no damage seen")));
    check!(seen.is_err(), "damage not seen");
    let v = seen.expect_err("checked");
    check_eq!((v.block, v.size, v.damage), (p as u32, 24, Damage::RedZone { offset: 27, found: 0x5A }));
    check!(v.callers[0] != 0, "the allocation's caller recorded");
    check_eq!(heap::verify_live().map(|n| n > 10), Ok(true));
    // SAFETY: allocated above with `layout`.
    unsafe { dealloc(p, layout) };
    Ok(())
});

// The heap's own panic path (booted alone with `slub_debug`, tools/ktest.sh): one byte past a
// 24-byte block, then its free reports the block, its caller and the damaged byte.
ktest!(fault "(24 bytes): right red zone (past the end): byte at offset 24 is 0x41, expected 0xcc; allocated from 0x", fn redzone_overflow_panics_on_free_under_slub_debug() {
    check!(redzone::enabled(), "booted without slub_debug");
    let layout = Layout::from_size_align(24, 4).expect("valid");
    // SAFETY: non-zero size.
    let p = unsafe { alloc(layout) };
    check!(!p.is_null());
    poke(p, 24, 0x41);
    // SAFETY: allocated above with `layout`; the free must panic on the damaged red zone.
    unsafe { dealloc(p, layout) };
    Ok(())
});
